"""Offline training of the RPS LSTMs, with progress and cancel for a screen worker.

    card = build_default_model()                 # the documented rebuild of models/rps_lstm.h5
    card = train_joint(games, out=path, callback=fn, cancel=event)
    card = train_classic("data.txt", out=path)   # the chapter's model on data.txt games

Training writes the best epoch (by validation loss) to a temporary checkpoint; only a finished
run replaces the output file and its card, as a pair (agents.modelio.save_pair), so a
cancelled, crashed or diverged (NaN loss) run keeps the old model and card.
"""

from __future__ import annotations

import math
import os
import platform
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from agents.rps.lstm_models import (
    JOINT_UNITS,
    JOINT_WINDOW,
    classic_sequences,
    joint_windows,
    lstm_classic,
    lstm_joint,
)

# The chapter's validation sequence (a person's moves, 0 rock 1 paper 2 scissors).
VALIDATION_SEQUENCE = (
    "100101000110221110101002201101101101002201011012222210221011011101011122110010101010101"
)

ProgressFn = Callable[[int, int, dict], None]  # (epoch, batch, logs)
Game = tuple[Sequence[int], Sequence[int]]  # (own moves, opponent moves); opponent is predicted


class TrainingCancelled(Exception):
    """Raised when the cancel event stops training; the previous model file is untouched."""


def _progress_callback(callback: ProgressFn | None, cancel: threading.Event | None, heartbeat=None):
    import keras

    class Progress(keras.callbacks.Callback):
        """Reports every batch, stops training as soon as `cancel` is set, notes NaN losses."""

        def __init__(self) -> None:
            super().__init__()
            self.epoch = 0
            self.cancelled = False
            self.nan_epoch: int | None = None  # first epoch (1-based) with a NaN/inf loss

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def _note(self, logs: dict) -> None:
            bad = any(k.endswith("loss") and not math.isfinite(float(v)) for k, v in logs.items())
            if bad and self.nan_epoch is None:
                self.nan_epoch = self.epoch + 1

        def on_train_batch_end(self, batch, logs=None):
            self._note(dict(logs or {}))
            if callback is not None:
                callback(self.epoch, batch, dict(logs or {}))
            if cancel is not None and cancel.is_set():
                self.cancelled = True
                self.model.stop_training = True
            if heartbeat is not None:
                heartbeat.beat()

        def on_epoch_end(self, epoch, logs=None):
            self._note(dict(logs or {}))
            if callback is not None:
                callback(epoch, -1, dict(logs or {}))  # batch -1: epoch finished, val logs in

    return Progress()


def _fit(
    model,
    x: np.ndarray,
    y: np.ndarray,
    out: str | os.PathLike[str],
    epochs: int,
    seed: int,
    batch_size: int,
    patience: int,
    callback: ProgressFn | None,
    cancel: threading.Event | None,
) -> dict:
    """Shuffle-split 90/10, fit with best-checkpoint + early stopping; the model ends with the
    best epoch's weights. Nothing is written to `out` (see `_save`): a cancelled run raises
    TrainingCancelled, a NaN loss raises UserFacingError."""
    import keras

    from agents.modelio import Heartbeat, partial_path, save_failure
    from game.errors import UserFacingError

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    order = np.random.default_rng(seed).permutation(len(x))
    n_val = max(1, len(x) // 10)
    val, train = order[:n_val], order[n_val:]
    ckpt = partial_path(out, ".weights.h5")
    ckpt.unlink()  # ModelCheckpoint writes it at the first best epoch
    progress = _progress_callback(callback, cancel, Heartbeat([ckpt]))
    started = time.perf_counter()
    try:
        history = model.fit(
            x[train],
            y[train],
            validation_data=(x[val], y[val]),
            epochs=epochs,
            batch_size=batch_size,
            shuffle=True,
            verbose=0,
            callbacks=[
                keras.callbacks.TerminateOnNaN(),
                keras.callbacks.ModelCheckpoint(
                    ckpt, monitor="val_loss", save_best_only=True, save_weights_only=True
                ),
                keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience),
                progress,
            ],
        )
        if progress.cancelled:
            raise TrainingCancelled(f"training cancelled; {out} was left unchanged")
        val_loss = history.history.get("val_loss", [float("nan")])
        if progress.nan_epoch is not None or not np.isfinite(val_loss).any() or not ckpt.exists():
            epoch = progress.nan_epoch or len(val_loss)
            raise UserFacingError(
                f"training stopped: the loss became NaN in epoch {epoch}; {out} was not replaced"
            )
        model.load_weights(ckpt)
    except OSError as e:  # e.g. a full disk while checkpointing: name the model being made
        raise save_failure(out, e) from e
    finally:
        ckpt.unlink(missing_ok=True)
    seconds = time.perf_counter() - started
    best = int(np.nanargmin(val_loss))
    return {
        "epochs_run": len(val_loss),
        "best_epoch": best + 1,
        "val_loss": round(float(val_loss[best]), 4),
        "val_accuracy": round(float(history.history.get("val_accuracy", [np.nan])[best]), 4),
        "train_windows": int(len(train)),
        "val_windows": int(len(val)),
        "training_seconds": round(seconds, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores",
    }


def _save(model, out: str | os.PathLike[str], card: dict, evaluate: Callable[[Path], float]):
    """Write the model and its card as a pair, then add the validation-sequence accuracy
    (measured on the saved file, as every later reader will load it)."""
    from agents.modelio import save_model_with_card, write_card

    card = save_model_with_card(model, out, card)
    card["validation_sequence_accuracy"] = evaluate(Path(out))
    write_card(out, card)
    return card


# ---------------------------------------------------------------------------------------------
# Data


def bot_suite_games(rounds: int = 300, seeds: Iterable[int] = (0, 1, 2)) -> list[Game]:
    """Matches of every registered bot against a few readers, from the reader's side.

    The readers (random, frequency, markov, pattern, iocaine) give the LSTM both plain bot
    behaviour and bots reacting to a player who is trying to read them, as in real play.
    """
    from agents.rps.base import list_agents, make_agent
    from game.sim.rps import play_match

    readers = ["random", "frequency", "markov", "pattern", "iocaine"]
    games: list[Game] = []
    for info in list_agents("bot"):
        for reader in readers:
            for seed in seeds:
                result = play_match(
                    make_agent(reader, seed=seed), make_agent(info.name, seed=1000 + seed), rounds
                )
                games.append((result.moves_a.tolist(), result.moves_b.tolist()))
    return games


class _Replay:
    """Plays back a recorded move sequence (a data.txt game): a non-reacting opponent."""

    name = "replay"

    def __init__(self, moves: Sequence[int]) -> None:
        self.moves = list(moves)

    def reset(self) -> None:
        self.i = 0

    def act(self) -> int:
        return self.moves[self.i]

    def observe(self, own: int, opponent: int) -> None:
        self.i += 1


def sequence_games(
    lines: Sequence[Sequence[int]], readers: Sequence[str] = ("random", "iocaine"), seed: int = 0
) -> list[Game]:
    """data.txt games hold only the person's moves; replay them against readers so the
    joint history has realistic own moves and outcomes."""
    from agents.rps.base import make_agent
    from game.sim.rps import play_match

    games: list[Game] = []
    for i, line in enumerate(lines):
        if len(line) < 2:
            continue
        reader = make_agent(readers[i % len(readers)], seed=seed + i)
        result = play_match(reader, _Replay(line), len(line))
        games.append((result.moves_a.tolist(), result.moves_b.tolist()))
    return games


def joint_dataset(games: Sequence[Game], window: int = JOINT_WINDOW) -> tuple[np.ndarray, ...]:
    xs, ys = [], []
    for own, opp in games:
        x, y = joint_windows(own, opp, window)
        xs.append(x)
        ys.append(y)
    return np.concatenate(xs), np.concatenate(ys)


def synthetic_human_lines(n: int, seed: int = 0) -> list[list[int]]:
    """data.txt-style games with habits people show: runs of one move, cycles up or down,
    doubled cycles, two-move alternation, with random stretches in between."""
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(n):
        line: list[int] = []
        target = int(rng.integers(20, 300))
        while len(line) < target:
            style = rng.integers(6)
            a = int(rng.integers(3))
            k = int(rng.integers(4, 30))
            step = 1 if rng.random() < 0.5 else 2
            if style == 0:  # a run of the same move
                seg = [a] * k
            elif style == 1:  # cycle 0 1 2 (or 0 2 1)
                seg = [(a + step * i) % 3 for i in range(k)]
            elif style == 2:  # doubled cycle 0 0 1 1 2 2
                seg = [(a + step * (i // 2)) % 3 for i in range(k)]
            elif style == 3:  # alternate two moves
                b = (a + step) % 3
                seg = [a if i % 2 == 0 else b for i in range(k)]
            elif style == 4:  # the pattern: a, a, b (e.g. 1 0 0 1 0 0)
                b = (a + step) % 3
                seg = [(a, a, b)[i % 3] for i in range(k)]
            else:  # random stretch
                seg = rng.integers(3, size=k // 3 + 1).tolist()
            line += seg
        lines.append(line[:target])
    return lines


def load_recorded_games(
    paths: Sequence[str | os.PathLike[str]] | None = None,
) -> tuple[list[Game], list[str]]:
    """Recorded arena games as (ai moves, person moves), one per session, plus line problems.

    `paths=None` reads the user's saved games file. The person is the opponent to predict.
    """
    from agents.rps import games as games_mod

    out: list[Game] = []
    problems: list[str] = []
    for path in paths if paths is not None else [None]:
        rounds, bad = games_mod.load_games(path)
        problems += [str(p) for p in bad]
        for group in games_mod.sessions(rounds).values():
            out.append(([r.ai for r in group], [r.human for r in group]))
    return out, problems


def read_data_txt(path: str | os.PathLike[str]) -> tuple[list[list[int]], list[str]]:
    """data.txt games plus one message per malformed line (file:line: why)."""
    from agents.rps import games as games_mod

    lines, bad = games_mod.parse_data_txt(path)
    return lines, [str(p) for p in bad]


# ---------------------------------------------------------------------------------------------
# Training


def _seed_everything(seed: int) -> None:
    import keras

    keras.utils.set_random_seed(seed)


def train_joint(
    games: Sequence[Game],
    out: str | os.PathLike[str],
    epochs: int = 60,
    seed: int = 0,
    batch_size: int = 64,
    callback: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    data_note: str = "",
    extra: dict | None = None,
) -> dict:
    """Train `lstm_joint` on games (own, opponent) and write `out` + its model card."""
    if not games:
        from game.errors import UserFacingError

        raise UserFacingError("no games to train on")
    _seed_everything(seed)
    x, y = joint_dataset(games)
    model = lstm_joint()
    stats = _fit(model, x, y, out, epochs, seed, batch_size, 5, callback, cancel)
    card = {
        "model": "lstm_joint",
        "architecture": (
            f"input (T, 9) one-hot own move + opponent move + outcome; LSTM({JOINT_UNITS}); "
            f"Dense(3, softmax) per step; window {JOINT_WINDOW} rounds"
        ),
        "loss": "CategoricalCrossentropy", "optimizer": "Adam",
        "data": data_note or f"{len(games)} games",
        "games": len(games), "rounds": int(sum(len(o) for o, _ in games)),
        "seed": seed,
        **stats,
        "rebuild": "neural-arcade rps-build-model",
        **(extra or {}),
    }  # fmt: skip
    return _save(model, out, card, evaluate_joint)


def train_classic(
    data_txt_path: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] = "models/rps_lstm_classic.h5",
    epochs: int = 60,
    seed: int = 0,
    lines: Sequence[Sequence[int]] | None = None,
    callback: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    batch_size: int = 8,
) -> dict:
    """Train the chapter's model on data.txt games (a file, or `lines` directly).

    The chapter fits each game for 100 epochs, one game per step; small batches of shuffled
    chunks keep a similar number of gradient steps on a small file.
    """
    problems: list[str] = []
    if lines is None:
        if data_txt_path is None:
            raise ValueError("give data_txt_path or lines")
        lines, problems = read_data_txt(data_txt_path)
    _seed_everything(seed)
    x, y = classic_sequences([list(line) for line in lines])
    if len(x) == 0:
        from game.errors import UserFacingError

        detail = f"; first problem: {problems[0]}" if problems else ""
        raise UserFacingError(f"{data_txt_path}: no games with at least 2 moves{detail}")
    model = lstm_classic()
    stats = _fit(model, x, y, out, epochs, seed, batch_size, 10, callback, cancel)
    card = {
        "model": "lstm_classic",
        "architecture": (
            "hjpulkki/RPS as in the reference chapter: input (T, 1) raw move; "
            "3x LSTM(64, sigmoid, return_sequences); Dense 64 relu x2; Dense 3 softmax"
        ),
        "loss": "CategoricalCrossentropy", "optimizer": "Adam",
        "data": str(data_txt_path) if data_txt_path else f"{len(lines)} data.txt-format games",
        "games": len(lines), "skipped_lines": problems, "seed": seed,
        **stats,
        "rebuild": "neural-arcade rps-build-model",
    }  # fmt: skip
    return _save(model, out, card, evaluate_classic)


# ---------------------------------------------------------------------------------------------
# Evaluation on the chapter's validation sequence


def _moves(seq: str | Sequence[int]) -> list[int]:
    return [int(c) for c in seq]


def evaluate_classic(model_path: str | os.PathLike[str], seq: str = VALIDATION_SEQUENCE) -> float:
    """Next-move accuracy as the chapter evaluates it: the whole sequence in, every next move."""
    from agents.modelio import load_model_checked

    moves = np.array(_moves(seq))
    model = load_model_checked(model_path)
    pred = model(moves[None, :-1, None].astype(np.float32), training=False).numpy()[0]
    return round(float(np.mean(pred.argmax(axis=1) == moves[1:])), 4)


def evaluate_joint(
    model_path: str | os.PathLike[str], seq: str = VALIDATION_SEQUENCE, online: bool = True
) -> float:
    """Next-move accuracy of the joint LSTM reading the sequence as its opponent, move by move.

    Own moves are what the LSTM would have played (the reply beating its prediction), so
    the joint input is as in a real match; with `online` it fine-tunes as it goes.
    """
    from agents.rps.lstm_agents import LSTMModel, joint_engine

    model = LSTMModel(joint_engine(model_path), seed=0, steps=2 if online else 0)
    hits = 0
    moves = _moves(seq)
    for i, opp in enumerate(moves):
        dist = model.dist()
        if i > 0:
            hits += int(np.argmax(dist) == opp)
        model.update((int(np.argmax(dist)) + 1) % 3, opp)
    return round(hits / (len(moves) - 1), 4)


# ---------------------------------------------------------------------------------------------
# The documented rebuild


def default_training_games(
    recorded: Sequence[Game] = (), person_lines: Sequence[Sequence[int]] = (), seed: int = 0
) -> tuple[list[Game], str]:
    """The default model's data: bot-suite games, synthetic habit games, plus any given."""
    suite = bot_suite_games()
    habits = sequence_games(synthetic_human_lines(150, seed), seed=seed)
    people = sequence_games(person_lines, seed=seed) if person_lines else []
    note = (
        f"{len(suite)} bot-suite games (each bot vs random/frequency/markov/pattern/iocaine, "
        f"3 seeds, 300 rounds) + {len(habits)} synthetic habit sequences replayed"
    )
    if recorded:
        note += f" + {len(recorded)} recorded arena games"
    if people:
        note += f" + {len(people)} data.txt games replayed"
    return suite + habits + list(recorded) + people, note


def build_default_model(
    out: str | os.PathLike[str] = "models/rps_lstm.h5",
    games: Sequence[str | os.PathLike[str]] = (),
    data_txt: Sequence[str | os.PathLike[str]] = (),
    epochs: int = 60,
    seed: int = 0,
    callback: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> dict:
    """Rebuild the shipped default `lstm` model (`neural-arcade rps-build-model`)."""
    recorded, problems = load_recorded_games(games) if games else ([], [])
    lines: list[list[int]] = []
    for path in data_txt:
        more, bad = read_data_txt(path)
        lines += more
        problems += bad
    all_games, note = default_training_games(recorded, lines, seed)
    extra = {"skipped_lines": problems} if problems else None
    return train_joint(
        all_games, out, epochs, seed, callback=callback, cancel=cancel, data_note=note, extra=extra
    )


def train_user_model(
    out: str | os.PathLike[str] | None = None,
    epochs: int = 60,
    seed: int = 0,
    callback: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> dict:
    """The in-app "Train on my games": the default data plus this user's saved and imported
    games, written to the user's model file, which `lstm` then prefers over the shipped one."""
    from agents.rps import games as games_mod
    from agents.rps.lstm_agents import user_model_path

    recorded, problems = load_recorded_games(None)
    lines: list[list[int]] = []
    if games_mod.imported_path().exists():
        lines, bad = read_data_txt(games_mod.imported_path())
        problems += bad
    if not recorded and not lines:
        from game.errors import UserFacingError

        raise UserFacingError("no saved games yet: play a few rounds in the arena first")
    all_games, note = default_training_games(recorded, lines, seed)
    out = out or user_model_path()
    extra = {"skipped_lines": problems}
    return train_joint(
        all_games, out, epochs, seed, callback=callback, cancel=cancel, data_note=note, extra=extra
    )


def build_classic_model(
    out: str | os.PathLike[str] = "models/rps_lstm_classic.h5",
    data_txt: str | os.PathLike[str] | None = None,
    epochs: int = 40,
    seed: int = 0,
    callback: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> dict:
    """Rebuild the shipped `lstm-classic` model: a data.txt file, else synthetic habit games
    (the chapter's own data.txt has no licence, so it is not shipped)."""
    if data_txt is not None:
        return train_classic(data_txt, out, epochs, seed, callback=callback, cancel=cancel)
    lines = synthetic_human_lines(200, seed)
    return train_classic(
        None, out, epochs, seed, lines=lines, callback=callback, cancel=cancel, batch_size=16
    )
