"""Offline training of the RPS LSTMs, with progress and cancel for a screen worker.

    card = train_joint(games, out=path, progress=fn, cancel=event)
    card = train_classic("data.txt", out=path)   # the chapter's model on data.txt games

Training is the shared stack in agents.training: the best epoch (by validation loss) goes
to a temporary checkpoint, and only a finished run replaces the output file, its card and
its training log together, so a cancelled (TrainingCancelled), crashed or diverged (NaN
loss) run keeps the old model and card. Functions return the ModelCard as written.
The shipped models' recipes are in agents/rps/build.py; "Train on my games" (the person's
own rounds, weighted, with their latest ones held out) is agents/rps/my_games.py.
"""

from __future__ import annotations

import os
import platform
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from agents.rps.lstm_models import (
    JOINT_UNITS,
    JOINT_WINDOW,
    classic_sequences,
    joint_windows,
    lstm_classic,
    lstm_joint,
)
from agents.training import (
    CLASSIC_EARLY_STOP_PATIENCE,
    EARLY_STOP_PATIENCE,
    FitOutcome,
    FitPlan,
    ModelCard,
    ProgressFn,
    TrainingCancelled,
    atomic_fit,
    now_iso,
    versions,
)
from game.errors import UserFacingError

# The chapter's validation sequence (a person's moves, 0 rock 1 paper 2 scissors).
VALIDATION_SEQUENCE = (
    "100101000110221110101002201101101101002201011012222210221011011101011122110010101010101"
)

Game = tuple[Sequence[int], Sequence[int]]  # (own moves, opponent moves); opponent is predicted
JOINT_DESCRIPTION = (  # the `lstm_joint` card's description
    f"input (T, 9) one-hot own move + opponent move + outcome; LSTM({JOINT_UNITS}); "
    f"Dense(3, softmax) per step; window {JOINT_WINDOW} rounds"
)

__all__ = [
    "JOINT_DESCRIPTION", "Game", "RpsFit", "TrainingCancelled", "Windows", "evaluate_classic",
    "evaluate_joint", "fit_and_save", "joint_dataset", "load_recorded_games", "read_data_txt",
    "seed_everything", "train_classic", "train_joint",
]  # fmt: skip


@dataclass(frozen=True)
class RpsFit:
    """One RPS LSTM fit's options: where it goes, how long, how it is split and stopped.

    seed: the 90/10 shuffle split's (and the card's). time_limit_s: no epoch starts that
    would end after that many seconds of fitting."""

    out: Path
    epochs: int
    seed: int = 0
    batch_size: int = 64
    patience: int = EARLY_STOP_PATIENCE
    time_limit_s: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "out", Path(self.out))

    def with_(self, **changes: Any) -> RpsFit:
        return replace(self, **changes)


@dataclass(frozen=True)
class Windows:
    """Training windows: inputs, one-hot targets and (optionally) one weight per window."""

    x: np.ndarray
    y: np.ndarray
    weights: np.ndarray | None = None


def fit_and_save(
    model,
    data: Windows,
    fit: RpsFit,
    describe: Callable[[FitOutcome], ModelCard],
    evaluate: Callable[[Path], Mapping[str, Any]],
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    extra_callbacks: Callable[[], list] | None = None,
) -> ModelCard:
    """Shuffle-split 90/10 and fit (agents.training.atomic_fit). The card adds the split,
    the best epoch's validation accuracy and what `evaluate(checkpoint)` measures (e.g. the
    validation-sequence accuracy) on the checkpoint file before it replaces `fit.out` (as
    every later reader will load it)."""
    x, y, weights = data.x, data.y, data.weights
    order = np.random.default_rng(fit.seed).permutation(len(x))
    n_val = max(1, len(x) // 10)
    val, train = order[:n_val], order[n_val:]
    fit_weights: dict[str, Any] = {}
    validation: tuple = (x[val], y[val])
    if weights is not None:
        fit_weights["sample_weight"] = weights[train]
        validation = (x[val], y[val], weights[val])

    def card_for(outcome: FitOutcome, checkpoint: Path) -> ModelCard:
        card = describe(outcome)
        accuracy = outcome.best("val_accuracy")
        details = {
            **card.details,
            "val_accuracy": round(accuracy, 4) if accuracy is not None else None,
            "train_windows": int(len(train)),
            "val_windows": int(len(val)),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores",
            **evaluate(checkpoint),
        }
        return replace(
            card,
            epochs_requested=fit.epochs,
            epochs_run=outcome.epochs_run,
            best_epoch=outcome.best_epoch,
            best_val_loss=round(outcome.best_val_loss, 4),
            training_seconds=round(outcome.seconds, 1),
            seed=fit.seed,
            created=now_iso(),
            history=outcome.history,
            versions=versions(),
            details=details,
        )

    card, _ = atomic_fit(
        model,
        fit.out,
        x[train],
        y[train],
        validation_data=validation,
        plan=FitPlan(fit.epochs, fit.patience, fit.time_limit_s),
        describe=card_for,
        progress=progress,
        cancel=cancel,
        extra_callbacks=extra_callbacks,
        batch_size=fit.batch_size,
        shuffle=True,
        **fit_weights,
    )
    return card


# ---------------------------------------------------------------------------------------------
# Data


def joint_dataset(
    games: Sequence[Game], window: int = JOINT_WINDOW, stride: int | None = None
) -> tuple[np.ndarray, ...]:
    xs = [np.zeros((0, window, 9), np.float32)]
    ys = [np.zeros((0, window, 3), np.float32)]
    for own, opp in games:
        x, y = joint_windows(own, opp, window, stride=stride)
        xs.append(x)
        ys.append(y)
    return np.concatenate(xs), np.concatenate(ys)


def load_recorded_games(
    paths: Sequence[str | os.PathLike[str]] | None = None,
    levels: Collection[str] | None = None,
) -> tuple[list[Game], list[str]]:
    """Recorded arena games as (ai moves, person moves), one per session, plus line problems.

    `paths=None` reads the user's saved games file. The person is the opponent to predict.
    `levels`: keep only the rounds played at these difficulty levels (None: all; "" is the
    level of other opponents and of files saved before levels).
    """
    from agents.rps import games as games_mod
    from agents.rps.level_stats import only_levels

    out: list[Game] = []
    problems: list[str] = []
    for path in paths if paths is not None else [None]:
        rounds, bad = games_mod.load_games(path)
        rounds = only_levels(rounds, levels)
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


def seed_everything(seed: int) -> None:
    import keras

    keras.utils.set_random_seed(seed)


def train_joint(
    games: Sequence[Game],
    out: str | os.PathLike[str],
    epochs: int = 60,
    seed: int = 0,
    batch_size: int = 64,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    data_note: str = "",
    extra: dict | None = None,
    extra_callbacks: Callable[[], list] | None = None,
) -> ModelCard:
    """Train `lstm_joint` on games (own, opponent) and write `out` + its model card."""
    if not games:
        raise UserFacingError("no games to train on")
    seed_everything(seed)
    x, y = joint_dataset(games)
    model = lstm_joint()
    details = {
        "description": JOINT_DESCRIPTION,
        "loss": "CategoricalCrossentropy", "optimizer": "Adam",
        "data": data_note or f"{len(games)} games",
        "games": len(games), "rounds": int(sum(len(o) for o, _ in games)),
        "rebuild": "neural-arcade rps-build-model",
        **(extra or {}),
    }  # fmt: skip
    return fit_and_save(
        model, Windows(x, y), RpsFit(out, epochs, seed, batch_size),
        lambda outcome: ModelCard("rps", "lstm_joint", details=details),
        _sequence_accuracy(evaluate_joint), progress, cancel, extra_callbacks,
    )  # fmt: skip


def train_classic(
    data_txt_path: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] = "models/rps_lstm_classic.h5",
    epochs: int = 60,
    seed: int = 0,
    lines: Sequence[Sequence[int]] | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    batch_size: int = 8,
    extra_callbacks: Callable[[], list] | None = None,
) -> ModelCard:
    """Train the chapter's model on data.txt games (a file, or `lines` directly).

    The chapter fits each game for 100 epochs, one game per step; small batches of shuffled
    chunks keep a similar number of gradient steps on a small file.
    """
    problems: list[str] = []
    if lines is None:
        if data_txt_path is None:
            raise ValueError("give data_txt_path or lines")
        lines, problems = read_data_txt(data_txt_path)
    seed_everything(seed)
    x, y = classic_sequences([list(line) for line in lines])
    if len(x) == 0:
        detail = f"; first problem: {problems[0]}" if problems else ""
        raise UserFacingError(f"{data_txt_path}: no games with at least 2 moves{detail}")
    model = lstm_classic()
    details = {
        "description": (
            "hjpulkki/RPS as in the reference chapter: input (T, 1) raw move; "
            "3x LSTM(64, sigmoid, return_sequences); Dense 64 relu x2; Dense 3 softmax"
        ),
        "loss": "CategoricalCrossentropy", "optimizer": "Adam",
        "data": str(data_txt_path) if data_txt_path else f"{len(lines)} data.txt-format games",
        "games": len(lines), "skipped_lines": problems,
        "rebuild": "neural-arcade rps-build-model",
    }  # fmt: skip
    return fit_and_save(
        model, Windows(x, y), RpsFit(out, epochs, seed, batch_size, CLASSIC_EARLY_STOP_PATIENCE),
        lambda outcome: ModelCard("rps", "lstm_classic", details=details),
        _sequence_accuracy(evaluate_classic), progress, cancel, extra_callbacks,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Evaluation on the chapter's validation sequence


def _sequence_accuracy(evaluate: Callable[[Path], float]) -> Callable[[Path], dict[str, float]]:
    return lambda checkpoint: {"validation_sequence_accuracy": evaluate(checkpoint)}


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
