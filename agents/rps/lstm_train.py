"""Offline training of the RPS LSTMs, with progress and cancel for a screen worker.

    card = train_joint(games, out=path, progress=fn, cancel=event)
    card = train_classic("data.txt", out=path)   # the chapter's model on data.txt games
    card = train_user_card()                      # "Train on my games" (see below)

Training is the shared stack in agents.training: the best epoch (by validation loss) goes
to a temporary checkpoint, and only a finished run replaces the output file, its card and
its training log together, so a cancelled (TrainingCancelled), crashed or diverged (NaN
loss) run keeps the old model and card. Functions return the ModelCard as written.
The shipped models' recipes are in agents/rps/build.py.

"Train on my games" (`train_user_card`) fine-tunes the shipped `lstm` model on the person's
saved rounds, weighted PERSON_WEIGHT times a small slice of the default data, and holds out
the person's most recent rounds (the last HOLDOUT_SHARE, at least HOLDOUT_MIN_ROUNDS): its
card records next-move accuracy on them before and after (`PersonHoldout`). Below
MIN_PERSON_ROUNDS of the person's rounds it refuses (`NotEnoughRounds`).
"""

from __future__ import annotations

import math
import os
import platform
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agents.rps.lstm_models import (
    JOINT_UNITS,
    JOINT_WINDOW,
    classic_sequences,
    history_window,
    joint_windows,
    lstm_classic,
    lstm_joint,
)
from agents.training import (
    CLASSIC_EARLY_STOP_PATIENCE,
    EARLY_STOP_PATIENCE,
    FitOutcome,
    ModelCard,
    ProgressFn,
    TrainingCancelled,
    atomic_fit,
    now_iso,
    report_data,
    versions,
)
from game.errors import UserFacingError

# The chapter's validation sequence (a person's moves, 0 rock 1 paper 2 scissors).
VALIDATION_SEQUENCE = (
    "100101000110221110101002201101101101002201011012222210221011011101011122110010101010101"
)

Game = tuple[Sequence[int], Sequence[int]]  # (own moves, opponent moves); opponent is predicted

__all__ = [
    "NotEnoughRounds", "PersonHoldout", "TrainingCancelled", "heldout_accuracy",
    "split_person_games", "train_classic", "train_joint", "train_user_card",
]  # fmt: skip


def _fit_and_save(
    model,
    x: np.ndarray,
    y: np.ndarray,
    out: str | os.PathLike[str],
    epochs: int,
    seed: int,
    batch_size: int,
    patience: int,
    describe: Callable[[FitOutcome], ModelCard],
    evaluate: Callable[[Path], Mapping[str, Any]],
    progress: ProgressFn | None,
    cancel: threading.Event | None,
    extra_callbacks: Callable[[], list] | None,
    weights: np.ndarray | None = None,
) -> ModelCard:
    """Shuffle-split 90/10 and fit (agents.training.atomic_fit). The card adds the split,
    the best epoch's validation accuracy and what `evaluate(checkpoint)` measures (e.g. the
    validation-sequence accuracy) on the checkpoint file before it replaces `out` (as every
    later reader will load it). `weights`: one sample weight per window (train and val)."""
    from dataclasses import replace

    order = np.random.default_rng(seed).permutation(len(x))
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
            epochs_requested=epochs,
            epochs_run=outcome.epochs_run,
            best_epoch=outcome.best_epoch,
            best_val_loss=round(outcome.best_val_loss, 4),
            training_seconds=round(outcome.seconds, 1),
            seed=seed,
            created=now_iso(),
            history=outcome.history,
            versions=versions(),
            details=details,
        )

    card, _ = atomic_fit(
        model,
        out,
        x[train],
        y[train],
        validation_data=validation,
        epochs=epochs,
        describe=card_for,
        patience=patience,
        progress=progress,
        cancel=cancel,
        extra_callbacks=extra_callbacks,
        batch_size=batch_size,
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
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    data_note: str = "",
    extra: dict | None = None,
    extra_callbacks: Callable[[], list] | None = None,
) -> ModelCard:
    """Train `lstm_joint` on games (own, opponent) and write `out` + its model card."""
    if not games:
        from game.errors import UserFacingError

        raise UserFacingError("no games to train on")
    _seed_everything(seed)
    x, y = joint_dataset(games)
    model = lstm_joint()
    details = {
        "description": (
            f"input (T, 9) one-hot own move + opponent move + outcome; LSTM({JOINT_UNITS}); "
            f"Dense(3, softmax) per step; window {JOINT_WINDOW} rounds"
        ),
        "loss": "CategoricalCrossentropy", "optimizer": "Adam",
        "data": data_note or f"{len(games)} games",
        "games": len(games), "rounds": int(sum(len(o) for o, _ in games)),
        "rebuild": "neural-arcade rps-build-model",
        **(extra or {}),
    }  # fmt: skip
    return _fit_and_save(
        model, x, y, out, epochs, seed, batch_size, EARLY_STOP_PATIENCE,
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
    _seed_everything(seed)
    x, y = classic_sequences([list(line) for line in lines])
    if len(x) == 0:
        from game.errors import UserFacingError

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
    return _fit_and_save(
        model, x, y, out, epochs, seed, batch_size, CLASSIC_EARLY_STOP_PATIENCE,
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


# ---------------------------------------------------------------------------------------------
# "Train on my games": the person's rounds, weighted, with their latest rounds held out

MIN_PERSON_ROUNDS = 60  # fewer of the person's rounds than this: nothing to learn from yet
HOLDOUT_SHARE = 0.2  # the person's most recent rounds kept out of training, to score on
HOLDOUT_MIN_ROUNDS = 12  # ... at least this many (20 % of the minimum)
# Measured with bench/rps_my_games.py (a habit player, 1000 rounds, the last 200 held out,
# seeds 0 and 1; one held-out set is +/-0.035): the shipped model scores 0.35 on them; after
# training, weight 1 reaches 0.43, weights 4, 8 and 32 0.55-0.60 (no clear order). Weight 8
# forgets the bots less: next-move accuracy on other bot games goes from 0.58 to 0.52 (0.50
# at 32; a new model trained on the person alone: 0.33). A window at every round (stride 1)
# beat one every 4 rounds; the held-out accuracy levels off after 2-4 epochs.
PERSON_STRIDE = 1  # a window ends at every one of the person's rounds (default data: every 12)
PERSON_WEIGHT = 8.0  # sample weight of a person's window against 1 for the default slice
USER_EPOCHS = 6  # an upper bound: see above
USER_TIME_LIMIT_S = 15.0  # and no epoch starts after this many seconds of fitting
USER_LEARNING_RATE = 1e-2  # 1e-3 hardly moves the shipped model in 6 epochs


class NotEnoughRounds(UserFacingError):
    """Too few of the person's saved rounds to train on and still hold some out."""

    def __init__(self, have: int, need: int) -> None:
        self.have, self.need = have, need
        super().__init__(
            f"play {need - have} more rounds first: training on your games needs at least "
            f"{need} of your rounds (you have {have})"
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
) -> ModelCard:
    """The in-app "Train on my games": fine-tune the shipped model on this user's saved
    rounds (weighted `weight`), their imported data.txt games and a small slice of the
    default data (`default_games`, default build.default_slice_games), written to the user's
    model file, which `lstm` then prefers over the shipped one. The card's "person" entry is
    a PersonHoldout. Raises NotEnoughRounds below `min_rounds` of the person's rounds."""
    from agents.rps import games as games_mod
    from agents.rps.build import default_slice_games, sequence_games
    from agents.rps.lstm_agents import default_model_path, user_model_path

    recorded, problems = load_recorded_games(None)
    have = sum(len(opp) for _, opp in recorded)
    if have < min_rounds:
        raise NotEnoughRounds(have, min_rounds)
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
    _seed_everything(seed)
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
        "description": (
            f"input (T, 9) one-hot own move + opponent move + outcome; LSTM({JOINT_UNITS}); "
            f"Dense(3, softmax) per step; window {JOINT_WINDOW} rounds"
        ),
        "loss": "CategoricalCrossentropy", "optimizer": "Adam",
        "data": (
            f"fine-tuned from {start} on your {split.train_rounds} training rounds "
            f"(weight {weight:g}, a window every {PERSON_STRIDE} rounds) + {len(others)} "
            f"default-mix games; your latest {split.heldout_rounds} rounds held out"
        ),
        "games": len(recorded) + len(others), "rounds": int(sum(len(o) for _, o in others)) + have,
        "rebuild": "Train on my games (T in the arena), or neural-arcade rps-train",
        **({"skipped_lines": problems} if problems else {}),
    }  # fmt: skip

    def callbacks() -> list:
        more = extra_callbacks() if extra_callbacks is not None else []
        return more + ([_deadline(time_limit_s)] if time_limit_s is not None else [])

    return _fit_and_save(
        model, x, y, out or user_model_path(), epochs, seed, 64, EARLY_STOP_PATIENCE,
        lambda outcome: ModelCard("rps", "lstm_joint", details=details),
        evaluate, progress, cancel, callbacks, weights=w,
    )  # fmt: skip


def _deadline(seconds: float):
    """A Keras callback: no epoch starts that would end after `seconds` of fitting, judging
    by the last epoch (the first one, slowed by tracing, only stops at the deadline itself)."""
    import time

    import keras

    class Deadline(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start = self.last_end = time.monotonic()
            self.epochs = 0

        def on_epoch_end(self, epoch, logs=None):
            now = time.monotonic()
            self.epochs += 1
            last = now - self.last_end if self.epochs > 1 else 0.0
            self.last_end = now
            if now - self.start + last > seconds:
                self.model.stop_training = True

    return Deadline()
