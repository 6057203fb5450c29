"""Train on my games: fine-tune the `lstm` model on the person's own saved rounds.

    card = train_user_card()                 # into the user's model file, which `lstm` prefers
    PersonHoldout.from_card(card)            # held-out next-move accuracy before / after

`train_user_card` fine-tunes the shipped `lstm` model on the person's saved rounds, weighted
PERSON_WEIGHT times a small slice of the default data, and holds out the person's most
recent rounds (the last HOLDOUT_SHARE, at least HOLDOUT_MIN_ROUNDS): its card records
next-move accuracy on them before and after (`PersonHoldout`). Below MIN_PERSON_ROUNDS of
the person's rounds it refuses (`NotEnoughRounds`). The fit stops early at USER_EPOCHS or
when the next epoch would end after USER_TIME_LIMIT_S (agents.training.atomic_fit).
The general LSTM training (datasets, the fit, the shipped models) is agents.rps.lstm_train.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agents.rps.lstm_models import history_window, lstm_joint
from agents.rps.lstm_train import (
    JOINT_DESCRIPTION,
    Game,
    RpsFit,
    Windows,
    fit_and_save,
    joint_dataset,
    load_recorded_games,
    read_data_txt,
    seed_everything,
)
from agents.training import ModelCard, ProgressFn, report_data
from game.errors import UserFacingError

__all__ = [
    "HOLDOUT_MIN_ROUNDS", "HOLDOUT_SHARE", "MIN_PERSON_ROUNDS", "MIN_SCORED_ROUNDS",
    "PERSON_STRIDE", "PERSON_WEIGHT",
    "USER_EPOCHS", "USER_LEARNING_RATE", "USER_TIME_LIMIT_S", "HeldOut", "NotEnoughRounds",
    "PersonHoldout", "PersonSplit", "heldout_accuracy", "person_dataset", "split_person_games",
    "train_user_card",
]  # fmt: skip

MIN_PERSON_ROUNDS = 60  # fewer of the person's rounds than this: nothing to learn from yet
HOLDOUT_SHARE = 0.2  # the person's most recent rounds kept out of training, to score on
HOLDOUT_MIN_ROUNDS = 12  # ... at least this many (20 % of the minimum)
# Held-out rounds below which an accuracy is not shown: on 30 rounds its 95 % margin is still
# +/-18 points (1.96 * sqrt(0.25 / 30)); on the 12 of a first training, +/-28, wider than
# any change a training makes (bench/rps_my_games.py: 0.35 -> 0.55-0.60 on 200 rounds).
MIN_SCORED_ROUNDS = 30
# Measured with bench/rps_my_games.py (a habit player, 1000 rounds, the last 200 held out,
# seeds 0 and 1; one held-out set is +/-0.035): the shipped model scores 0.35 on them; after
# training, weight 1 reaches 0.43, weights 4, 8 and 32 0.55-0.60 (no clear order). Weight 8
# forgets the bots less: next-move accuracy on other bot games goes from 0.58 to 0.52 (0.50
# at 32; a new model trained on the person alone: 0.33). A window at every round (stride 1)
# beat one every 4 rounds; the held-out accuracy levels off after 2-4 epochs.
PERSON_STRIDE = 1  # a window ends at every one of the person's rounds (default data: every 12)
PERSON_WEIGHT = 8.0  # sample weight of a person's window against 1 for the default slice
USER_EPOCHS = 6  # an upper bound: see above
USER_TIME_LIMIT_S = 15.0  # and no epoch starts that would end after this many seconds
USER_LEARNING_RATE = 1e-2  # 1e-3 hardly moves the shipped model in 6 epochs


class NotEnoughRounds(UserFacingError):
    """Too few of the person's saved rounds (at the chosen levels) to train on and still hold
    some out."""

    def __init__(self, have: int, need: int, where: str = "") -> None:
        self.have, self.need = have, need
        at = f" at {where}" if where else ""
        super().__init__(
            f"play {need - have} more rounds{at} first: training on your games needs at least "
            f"{need} of your rounds (you have {have}{at})"
        )


@dataclass(frozen=True)
class HeldOut:
    """One of the person's sessions whose rounds from `start` on are held out: the rounds
    before `start` are the context the model reads, as in play, and are not scored."""

    game: Game  # (ai moves, person moves) of the whole session up to its end
    start: int


@dataclass(frozen=True)
class PersonSplit:
    """The person's sessions cut in time: everything before the cut trains, the rest scores."""

    train: list[Game]
    heldout: list[HeldOut]
    rounds: int  # all of the person's rounds

    @property
    def heldout_rounds(self) -> int:
        return sum(len(h.game[1]) - h.start for h in self.heldout)

    @property
    def train_rounds(self) -> int:
        return self.rounds - self.heldout_rounds


def split_person_games(
    games: Sequence[Game], share: float = HOLDOUT_SHARE, least: int = HOLDOUT_MIN_ROUNDS
) -> PersonSplit:
    """Hold out the latest `share` of the rounds (at least `least`) of `games`, oldest first.

    The cut may fall inside a session: its earlier rounds train, its later ones are held out
    (and read with the earlier ones as context, as the model would in play).
    """
    lengths = [len(opp) for _, opp in games]
    total = sum(lengths)
    keep = min(total, max(least, math.ceil(share * total)))
    cut = total - keep  # rounds before this (in time order) train
    train: list[Game] = []
    heldout: list[HeldOut] = []
    seen = 0
    for (own, opp), n in zip(games, lengths, strict=True):
        first = min(max(cut - seen, 0), n)  # this session's first held-out round
        if first:
            train.append((list(own[:first]), list(opp[:first])))
        if first < n:
            heldout.append(HeldOut((list(own), list(opp)), first))
        seen += n
    return PersonSplit(train, heldout, total)


def heldout_accuracy(model: Any, heldout: Sequence[HeldOut]) -> tuple[float | None, int]:
    """Next-move accuracy of a joint model (no online fine-tune) on the held-out rounds, and
    how many it scored: each round is predicted from the rounds before it in its session (a
    session's first round has none and is not scored)."""
    xs, targets = [], []
    for h in heldout:
        own, opp = list(h.game[0]), list(h.game[1])
        for t in range(max(h.start, 1), len(opp)):
            xs.append(history_window(own[:t], opp[:t])[0])
            targets.append(opp[t])
    if not xs:
        return None, 0
    probs = model.predict(np.stack(xs), batch_size=256, verbose=0)[:, -1]
    hits = np.argmax(probs, axis=1) == np.asarray(targets)
    return round(float(hits.mean()), 4), len(targets)


def _accuracy_of_file(path: Path, heldout: Sequence[HeldOut]) -> float | None:
    from agents.modelio import load_model_checked

    return heldout_accuracy(load_model_checked(path), heldout)[0]


@dataclass(frozen=True)
class PersonHoldout:
    """The person's part of a "Train on my games" card: how many of their rounds trained,
    how many were held out (and scored), and next-move accuracy on those before / after."""

    rounds: int
    train_rounds: int
    heldout_rounds: int  # scored held-out rounds
    weight: float
    before: float | None  # the model `lstm` played with before (None: there was none)
    after: float | None
    before_model: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rounds": self.rounds, "train_rounds": self.train_rounds,
            "heldout_rounds": self.heldout_rounds, "weight": self.weight,
            "accuracy_before": self.before, "accuracy_after": self.after,
            "before_model": self.before_model,
        }  # fmt: skip

    @classmethod
    def from_card(cls, card: ModelCard | None) -> PersonHoldout | None:
        """The figures a card records (None for a card without them, e.g. the shipped one)."""
        raw = card.details.get("person") if card is not None else None
        if not isinstance(raw, Mapping):
            return None

        def num(key: str) -> float | None:
            v = raw.get(key)
            return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None

        return cls(
            int(num("rounds") or 0), int(num("train_rounds") or 0),
            int(num("heldout_rounds") or 0), num("weight") or 0.0,
            num("accuracy_before"), num("accuracy_after"), str(raw.get("before_model", "")),
        )  # fmt: skip


def _starting_model(learning_rate: float):
    """The shipped `lstm` model to fine-tune (a new one when it is missing or broken)."""
    import keras

    from agents.modelio import ModelFileError, load_model_checked
    from agents.rps.lstm_agents import JOINT_MODEL_FILE
    from game.paths import shipped_models_dir

    path = shipped_models_dir() / JOINT_MODEL_FILE
    try:
        model = load_model_checked(path)
    except ModelFileError:
        return lstm_joint(learning_rate=learning_rate), "a new model (no shipped one)"
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, clipnorm=1.0),
        loss=keras.losses.CategoricalCrossentropy(),
        metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")],
    )
    return model, f"the shipped model ({JOINT_MODEL_FILE})"


def person_dataset(
    person: Sequence[Game], others: Sequence[Game], weight: float, stride: int = PERSON_STRIDE
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Windows of the person's games (every `stride` rounds, sample weight `weight`) and of
    the other games (default stride, weight 1): x, y, w (n, window)."""
    xp, yp = joint_dataset(person, stride=stride)
    xo, yo = joint_dataset(others)
    w = np.concatenate([np.full(len(xp), weight, np.float32), np.ones(len(xo), np.float32)])
    # One weight per time step: Keras weights a per-step loss (n, T) by an (n, T) array.
    return np.concatenate([xp, xo]), np.concatenate([yp, yo]), np.repeat(w[:, None], xp.shape[1], 1)


def train_user_card(
    out: str | os.PathLike[str] | None = None,
    epochs: int = USER_EPOCHS,
    seed: int = 0,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    extra_callbacks: Callable[[], list] | None = None,
    *,
    weight: float = PERSON_WEIGHT,
    min_rounds: int = MIN_PERSON_ROUNDS,
    default_games: Sequence[Game] | None = None,
    time_limit_s: float | None = USER_TIME_LIMIT_S,
    levels: Collection[str] | None = None,
) -> ModelCard:
    """The in-app "Train on my games": fine-tune the shipped model on this user's saved
    rounds (weighted `weight`), their imported data.txt games and a small slice of the
    default data (`default_games`, default build.default_slice_games), written to the user's
    model file, which `lstm` then prefers over the shipped one. The card's "person" entry is
    a PersonHoldout. `levels`: only the rounds played at these difficulty levels (None: all;
    agents.rps.level_stats), named on the card. Raises NotEnoughRounds below `min_rounds` of
    the person's rounds (at those levels)."""
    from agents.rps import games as games_mod
    from agents.rps.build import default_slice_games, sequence_games
    from agents.rps.level_stats import levels_phrase
    from agents.rps.lstm_agents import default_model_path, user_model_path

    recorded, problems = load_recorded_games(None, levels)
    have = sum(len(opp) for _, opp in recorded)
    where = "" if levels is None else levels_phrase(levels)
    if have < min_rounds:
        raise NotEnoughRounds(have, min_rounds, where)
    split = split_person_games(recorded)
    imported = games_mod.imported_path()
    lines: list[list[int]] = []
    if imported.exists() and imported.stat().st_size > 0:
        lines, bad = read_data_txt(imported)
        problems = problems + bad
    report_data(progress, "preparing your games...", problems)
    others = list(default_games if default_games is not None else default_slice_games(seed))
    others += sequence_games(lines, seed=seed) if lines else []
    x, y, w = person_dataset(split.train, others, weight)
    seed_everything(seed)
    before_path = default_model_path()
    report_data(progress, "scoring the current model...")
    before = _accuracy_of_file(before_path, split.heldout) if before_path.exists() else None
    model, start = _starting_model(USER_LEARNING_RATE)
    scored = heldout_accuracy(model, split.heldout)[1]

    def evaluate(checkpoint: Path) -> dict[str, Any]:
        holdout = PersonHoldout(
            split.rounds, split.train_rounds, scored, weight, before,
            _accuracy_of_file(checkpoint, split.heldout), before_path.name,
        )  # fmt: skip
        return {"person": holdout.to_dict()}

    details = {
        "description": JOINT_DESCRIPTION,
        "loss": "CategoricalCrossentropy", "optimizer": "Adam",
        "data": (
            f"fine-tuned from {start} on your {split.train_rounds} training rounds "
            f"({levels_phrase(levels)}, "
            f"weight {weight:g}, a window every {PERSON_STRIDE} rounds) + {len(others)} "
            f"default-mix games; your latest {split.heldout_rounds} rounds held out"
        ),
        "games": len(recorded) + len(others), "rounds": int(sum(len(o) for _, o in others)) + have,
        "levels": sorted(levels) if levels is not None else "all",
        "rebuild": "Train on my games (T in the arena), or neural-arcade rps-train",
        **({"skipped_lines": problems} if problems else {}),
    }  # fmt: skip

    fit = RpsFit(out or user_model_path(), epochs, seed, time_limit_s=time_limit_s)
    return fit_and_save(
        model, Windows(x, y, w), fit,
        lambda outcome: ModelCard("rps", "lstm_joint", details=details),
        evaluate, progress, cancel, extra_callbacks,
    )  # fmt: skip
