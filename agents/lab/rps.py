"""One RPS variant: an LSTM of the recipe's units, layers and history window, trained on
games against a bot population, judged by next-move accuracy on held-out games and by its
net score (wins - losses per round) playing those bots.

The games are made here from the project's own bots (seeded), so every variant of a run
sees the same data; the held-out games use other seeds.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from agents.lab.recipes import RpsRecipe, recipe_from

POPULATION = ("rotate", "beat-last", "rps-20-20-60", "switching", "foxtrot", "copy-drift",
              "beat-frequent", "add-drift")  # fmt: skip
HELD_OUT_SEED = 7919


def play_games(bots: tuple[str, ...], seeds, rounds: int) -> list[tuple[list[int], list[int]]]:
    """(own, opponent) moves of each bot against a seeded random player, one game per seed."""
    from agents.rps.base import make_agent

    games = []
    for name in bots:
        for seed in seeds:
            bot = make_agent(name, seed=seed)
            rng = np.random.default_rng(seed + 101)
            own, opp = [], []
            for _ in range(rounds):
                mine, theirs = int(rng.integers(3)), bot.act()
                bot.observe(theirs, mine)
                own.append(mine)
                opp.append(theirs)
            games.append((own, opp))
    return games


def build(recipe: RpsRecipe):
    import keras
    from keras import layers

    from agents.rps.lstm_models import JOINT_FEATURES

    stack = [keras.Input(shape=(None, JOINT_FEATURES))]
    stack += [layers.LSTM(recipe.units, return_sequences=True, name=f"lstm{i + 1}")
              for i in range(recipe.layers)]  # fmt: skip
    stack.append(layers.Dense(3, activation="softmax", name="next_move"))
    model = keras.Sequential(stack, name="lstm_lab")
    model.compile(
        optimizer=keras.optimizers.Adam(recipe.learning_rate, clipnorm=1.0),
        loss=keras.losses.CategoricalCrossentropy(),
    )
    return model


def accuracy(model, games, window: int) -> float:
    """Share of the opponent's next moves the model's most likely move got right (every
    round after the first, each read through the last `window` rounds)."""
    from agents.rps.lstm_train import joint_dataset

    x, y = joint_dataset(games, window, stride=1)
    pred = np.asarray(model.predict(x, verbose=0, batch_size=512))[:, -1]
    return round(float(np.mean(pred.argmax(-1) == y[:, -1].argmax(-1))), 4)


def net_score(model, bots: tuple[str, ...], rounds: int, window: int) -> tuple[float, float]:
    """(mean (wins - losses) / rounds, ms per prediction) of the model playing the move that
    beats its prediction against each bot; all bots play at once, one batch per round."""
    from agents.rps.base import make_agent
    from agents.rps.lstm_models import history_window

    players = [make_agent(name, seed=HELD_OUT_SEED) for name in bots]
    own: list[list[int]] = [[] for _ in bots]
    opp: list[list[int]] = [[] for _ in bots]
    net = np.zeros(len(bots))
    seconds = 0.0
    for _ in range(rounds):
        x = np.concatenate([history_window(o, p, window) for o, p in zip(own, opp, strict=True)])
        t0 = time.perf_counter()
        p = np.asarray(model(x, training=False))[:, -1]
        seconds += time.perf_counter() - t0
        for i, bot in enumerate(players):
            mine, theirs = (int(p[i].argmax()) + 1) % 3, bot.act()
            bot.observe(theirs, mine)
            own[i].append(mine)
            opp[i].append(theirs)
            net[i] += {1: 1, 2: -1, 0: 0}[(mine - theirs) % 3]
    ms = seconds * 1000 / (rounds * len(bots))
    return round(float(np.mean(net / rounds)), 4), round(ms, 3)


def lstm_macs(recipe: RpsRecipe, features: int) -> int:
    """Multiply-accumulates of one prediction: every LSTM layer over the window (4 gates of
    units x (inputs + units)), then the softmax layer on every step."""
    total, inputs = 0, features
    for _ in range(recipe.layers):
        total += recipe.window * 4 * recipe.units * (inputs + recipe.units)
        inputs = recipe.units
    return total + recipe.window * recipe.units * 3


def run_variant(recipe_dict: dict, seed: int, games: int, rounds: int) -> dict[str, Any]:
    """Train and judge one RPS variant; every figure of its record but the recipe."""
    import keras

    from agents.lab.measure import params
    from agents.rps.lstm_train import joint_dataset

    recipe = recipe_from("rps", recipe_dict)
    per_bot = max(1, games // len(POPULATION))
    train_games = play_games(POPULATION, range(per_bot), rounds)
    held_out = play_games(POPULATION, [HELD_OUT_SEED + s for s in range(per_bot)], rounds)
    keras.utils.set_random_seed(seed)
    x, y = joint_dataset(train_games, recipe.window)
    model = build(recipe)
    t0 = time.perf_counter()
    fit = model.fit(x, y, epochs=recipe.epochs, batch_size=recipe.batch_size, verbose=0,
                    validation_split=0.2, shuffle=True)  # fmt: skip
    train_seconds = time.perf_counter() - t0
    score, ms = net_score(model, POPULATION, rounds, recipe.window)
    return {
        "train_seconds": round(train_seconds, 1),
        "train_windows": int(len(x)),
        "history": {
            k: [round(float(v), 6) for v in fit.history.get(k, [])] for k in ("loss", "val_loss")
        },  # fmt: skip
        "params": params(model),
        "macs": lstm_macs(recipe, int(x.shape[-1])),
        "next_move_accuracy": accuracy(model, held_out, recipe.window),
        "net_score": score,
        "inference_ms": ms,
    }
