"""One training stack for every network here (the driving CNNs and the RPS LSTMs).

- `atomic_fit`: Keras `fit` with the best epoch checkpointed to a temporary file; only a run
  that finishes (not cancelled, no NaN loss, a usable epoch) replaces the model, its card and
  its training log (NAME.training.csv), together. Anything else leaves all three as they were.
- `TrainingProgress`: the one progress event (frozen), sent from the training thread.
- Cancel: set the `cancel` Event; training stops after the current batch and raises
  `TrainingCancelled` (a UserFacingError, so a worker ends as cancelled and a CLI prints one
  line). There is no "cancelled" result.
- `ModelCard`: the card beside every model, with a `schema_version`. Cards written before
  the version existed (schema 1, the shipped ones) are read too.

Nothing here imports TensorFlow at module level: screens may import the types.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from agents.modelio import (
    Heartbeat,
    claim_path,
    partial_path,
    read_card,
    release_claim,
    remove_stale_temporaries,
    save_pair,
)
from game.errors import UserFacingError

EARLY_STOP_PATIENCE = 5  # epochs without a better validation loss before training stops
# The app's fine-tunes (Train and Teach screens) stop after the last epoch that fits in this
# many seconds: one pass over ~5 minutes of driving and its recovery views takes ~50 s on 2
# cores, and more epochs on one person's driving copy their wobble (bench/time_to_first_model).
FINE_TUNE_TIME_LIMIT_S = 60.0
# ... and by default make one pass: on a quiet machine two passes fit in the minute, and the
# second copied more of the person's wobble (0.110 -> 0.159 m mean offset on unseen tracks).
FINE_TUNE_EPOCHS = 1
# A new model from random weights (Train screen's default, and `train-driver --scratch`).
SCRATCH_EPOCHS = 10
# A training with no finished batch for this long says so (e.g. a device that never answers)
# instead of sitting silently at batch 0.
WATCHDOG_S = 60.0
CLASSIC_EARLY_STOP_PATIENCE = 10  # the chapter's 3-layer LSTM plateaus longer between gains
TRAINING_LOG_SUFFIX = ".training.csv"  # the log beside a model: NAME.training.csv
CARD_SCHEMA_VERSION = 2  # 1: the cards written before the version (driving and RPS differed)


class TrainingCancelled(UserFacingError):
    """The cancel event stopped training; the previous model, card and log are unchanged."""


def training_log_path(model_path: str | os.PathLike[str]) -> Path:
    """The CSV training log beside a model: ``foo.h5`` -> ``foo.training.csv``."""
    return Path(model_path).with_suffix(TRAINING_LOG_SUFFIX)


# --- progress --------------------------------------------------------------------------------


class Phase(Enum):
    DATA = "data"  # before training: checking / loading data (message, skipped)
    TRAIN = "train"  # a training batch ended
    VALIDATE = "validate"  # a validation batch ended (val_batch of val_batches)
    EPOCH_END = "epoch_end"  # an epoch ended: val_loss is this epoch's
    DONE = "done"  # the model, card and log were saved


@dataclass(frozen=True)
class TrainingProgress:
    """One progress report. Epochs count from 1; `batch` is batches done in this epoch."""

    phase: Phase
    epoch: int = 0
    epochs: int = 0
    batch: int = 0
    batches: int = 0
    loss: float | None = None
    val_loss: float | None = None  # the latest finished epoch's
    eta_s: float | None = None
    message: str = ""
    skipped: tuple[str, ...] = ()  # DATA: bad rows / lines left out, each naming file and line
    metrics: Mapping[str, float] = field(default_factory=dict)  # EPOCH_END: all epoch logs
    val_batch: int = 0  # VALIDATE: validation batches done in this epoch ...
    val_batches: int = 0  # ... of this many (0 while not known)

    @property
    def fraction(self) -> float | None:
        """Share of the planned training batches done (None before training starts)."""
        if self.phase is Phase.DONE:
            return 1.0
        if self.epochs < 1 or self.epoch < 1:
            return None
        within = self.batch / self.batches if self.batches else 0.0
        if self.phase in (Phase.EPOCH_END, Phase.VALIDATE):
            within = 1.0
        return min((self.epoch - 1 + within) / self.epochs, 1.0)

    @property
    def steps_fraction(self) -> float | None:
        """Share of the planned training and validation batches done: unlike `fraction`, it
        keeps moving while each epoch's validation runs."""
        if self.phase is Phase.DONE:
            return 1.0
        if self.epochs < 1 or self.epoch < 1 or not self.batches:
            return None
        per_epoch = self.batches + self.val_batches
        if self.phase is Phase.VALIDATE:
            within = self.batches + self.val_batch
        elif self.phase is Phase.EPOCH_END:
            within = per_epoch
        else:
            within = self.batch
        return min(((self.epoch - 1) * per_epoch + within) / (self.epochs * per_epoch), 1.0)

    @property
    def x(self) -> float:
        """Position on an epoch axis (epoch 2, half done = 1.5), for loss curves."""
        return self.epoch - 1 + (self.batch / self.batches if self.batches else 1.0)


ProgressFn = Callable[[TrainingProgress], None]


def report_data(progress: ProgressFn | None, message: str, skipped: Sequence[str] = ()) -> None:
    """A DATA event (what the trainer is preparing; the bad rows it left out)."""
    if progress is not None:
        progress(TrainingProgress(Phase.DATA, message=message, skipped=tuple(map(str, skipped))))


class Watchdog:
    """Calls `on_stall(seconds)` once when no `beat()` came for `after_s` seconds (again
    after the next beat). A daemon thread looks every `every_s`; `check()` is that look."""

    def __init__(
        self,
        after_s: float,
        on_stall: Callable[[float], None],
        clock: Callable[[], float] = time.monotonic,
        every_s: float = 5.0,
    ) -> None:
        self.after_s, self.on_stall, self.clock, self.every_s = after_s, on_stall, clock, every_s
        self.last = clock()
        self.warned = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> None:
        self.last = self.clock()
        self.warned = False

    def check(self) -> bool:
        """Warn if the last beat is too old (once per stall); True when it warned now."""
        quiet = self.clock() - self.last
        if quiet < self.after_s or self.warned:
            return False
        self.warned = True
        self.on_stall(quiet)
        return True

    def start(self) -> None:
        self.beat()
        self._thread = threading.Thread(target=self._run, name="training watchdog", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.check()

    def stop(self) -> None:
        self._stop.set()


def stall_message(seconds: float) -> str:
    return (
        f"no training batch has finished in {seconds:.0f} s: the machine is very busy or a "
        "device does not answer"
    )


# --- model cards -----------------------------------------------------------------------------

# Keys every card has (schema 2); everything else a trainer records is in `details`.
_COMMON = (
    "schema_version", "kind", "architecture", "epochs", "best_val_loss", "training_seconds",
    "seed", "created", "history", "versions", "model_file",
)  # fmt: skip


@dataclass(frozen=True)
class ModelCard:
    """What a model is and how it was made; written beside it as NAME.card.json.

    kind: "driving" or "rps" ("" when an old card does not tell). architecture: the builder's
    name (pilotnet, pooled, nopool, lstm_joint, lstm_classic). details: what only this kind
    of model records (a driving model's input spec and sessions, an RPS model's games...),
    stored at the top level of the JSON beside the common keys.
    """

    kind: str
    architecture: str
    epochs_requested: int | None = None
    epochs_run: int | None = None
    best_epoch: int | None = None
    best_val_loss: float | None = None
    training_seconds: float | None = None
    seed: int | None = None
    created: str = ""
    history: Mapping[str, list[float]] = field(default_factory=dict)
    versions: Mapping[str, str] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)
    model_file: Mapping[str, Any] | None = None  # size + SHA-256 of the model it describes
    schema_version: int = CARD_SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        """The JSON object written to disk (schema 2)."""
        out = dict(self.details)
        out.update(
            schema_version=self.schema_version,
            kind=self.kind,
            architecture=self.architecture,
            epochs={
                "requested": self.epochs_requested,
                "run": self.epochs_run,
                "best": self.best_epoch,
            },
            best_val_loss=self.best_val_loss,
            training_seconds=self.training_seconds,
            seed=self.seed,
            created=self.created,
            history={k: list(v) for k, v in self.history.items()},
            versions=dict(self.versions),
        )
        if self.model_file is not None:
            out["model_file"] = dict(self.model_file)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelCard:
        """A card from its JSON object, of either schema; odd values become None / empty."""
        d = dict(data)
        version = d.get("schema_version", 1)
        if version == 1 and isinstance(d.get("model"), str):
            # RPS cards before the schema: "model" was the name, "architecture" its text.
            d["description"] = d.pop("architecture", None)
            d["architecture"] = d.pop("model")
            d["epochs"] = {"run": d.pop("epochs_run", None), "best": d.pop("best_epoch", None)}
            d["best_val_loss"] = d.pop("val_loss", None)
            d.setdefault("kind", "rps")
        if version == 1 and "kind" not in d and "input" in d:
            d["kind"] = "driving"
        epochs = d.get("epochs") if isinstance(d.get("epochs"), Mapping) else {}
        return cls(
            kind=_str(d.get("kind")),
            architecture=_str(d.get("architecture")),
            epochs_requested=_int(epochs.get("requested")),
            epochs_run=_int(epochs.get("run")),
            best_epoch=_int(epochs.get("best")),
            best_val_loss=_float(d.get("best_val_loss")),
            training_seconds=_float(d.get("training_seconds")),
            seed=_int(d.get("seed")),
            created=_str(d.get("created")),
            history=_dict(d.get("history")),
            versions=_dict(d.get("versions")),
            details={k: v for k, v in d.items() if k not in _COMMON},
            model_file=_dict(d.get("model_file")) or None,
            schema_version=_int(version) or 1,
        )


def _str(v: Any) -> str:
    return v if isinstance(v, str) else ""


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _float(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _dict(v: Any) -> dict:
    return dict(v) if isinstance(v, Mapping) else {}


def read_model_card(model_path: str | os.PathLike[str], verify: bool = True) -> ModelCard | None:
    """The card beside a model (None when there is none); a broken card is ModelFileError."""
    raw = read_card(model_path, verify=verify)
    return ModelCard.from_dict(raw) if raw else None


def versions() -> dict[str, str]:
    """TensorFlow and Keras versions, for a card."""
    import keras
    import tensorflow as tf

    return {"tensorflow": tf.__version__, "keras": keras.__version__}


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- the one fit -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FitOutcome:
    """How a finished fit went (before its card is written)."""

    history: dict[str, list[float]]
    epochs_run: int
    best_epoch: int  # 1-based, by validation loss
    best_val_loss: float
    seconds: float

    def best(self, key: str) -> float | None:
        """The best epoch's value of a logged metric (e.g. val_accuracy), if logged."""
        values = self.history.get(key, [])
        return values[self.best_epoch - 1] if len(values) >= self.best_epoch else None


Describe = Callable[[FitOutcome, Path], ModelCard]


@dataclass(frozen=True)
class FitPlan:
    """How one fit runs: the epochs, early stopping's patience, the time budget (no epoch
    starts that would end after `time_limit_s` of fitting), the batches per epoch (None: what
    Keras says / counts in epoch 1) and a TensorBoard log folder."""

    epochs: int
    patience: int = EARLY_STOP_PATIENCE
    time_limit_s: float | None = None
    batches: int | None = None
    val_batches: int | None = None
    tensorboard_dir: str | os.PathLike[str] | None = None


def atomic_fit(
    model: Any,
    out_path: str | os.PathLike[str],
    x: Any,
    y: Any = None,
    *,
    validation_data: Any,
    plan: FitPlan,
    describe: Describe,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    extra_callbacks: Callable[[], list] | None = None,
    clock: Callable[[], float] = time.monotonic,
    **fit_kwargs: Any,
) -> tuple[ModelCard, FitOutcome]:
    """Fit `model` and replace `out_path`, its card and its training log only on success.

    The best epoch (validation loss) is checkpointed to a hidden temporary .h5 beside the
    target. `describe(outcome, checkpoint)` makes the card (it may evaluate the checkpoint
    file); then the card and the model are moved in as a pair (agents.modelio.save_pair),
    then the log. Raises TrainingCancelled, or UserFacingError for a NaN loss, no usable
    epoch, or a save that fails (naming the file); in every such case the previous model,
    card and log are unchanged and no temporary file is left.
    `extra_callbacks()` is called just before `fit` (e.g. a tqdm bar, so an error found
    earlier prints no empty bar). `plan` says how long and how it stops (FitPlan). The
    progress events, cancel, NaN watch, time budget and watchdog are single-purpose
    callbacks (agents.fit_callbacks); `clock` gives their seconds (tests pass a fake one).
    Other keyword arguments go to `model.fit`.
    """
    import keras

    out_path = Path(out_path)
    log_path = training_log_path(out_path)
    claim = claim_path(out_path)  # this run's claim on a new name (model_catalog), if any
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        if claim.exists():
            os.utime(claim)  # ours, however long the data took to load: not stale
        remove_stale_temporaries(out_path.parent)  # a killed run's leftovers, never a live one's
        tmp = partial_path(out_path, ".h5")
        tmp.unlink()  # ModelCheckpoint creates it at the first best epoch
        log_tmp = partial_path(log_path)
    except OSError as e:
        raise _save_error(out_path, e) from e
    from agents.fit_callbacks import (
        Alive,
        CancelOnEvent,
        NanWatch,
        Report,
        TimeBudget,
        stall_watchdog,
    )

    epochs = plan.epochs
    report = Report(progress, epochs, plan.batches, plan.val_batches, clock)
    nan, stop = NanWatch(), CancelOnEvent(cancel)
    alive = Alive(Heartbeat([tmp, log_tmp, claim]), stall_watchdog(progress, WATCHDOG_S))
    callbacks = [report, nan, stop, alive]
    if plan.time_limit_s is not None:
        callbacks.append(TimeBudget(plan.time_limit_s, clock))
    callbacks += [
        keras.callbacks.TerminateOnNaN(),
        keras.callbacks.ModelCheckpoint(tmp, monitor="val_loss", save_best_only=True),
        keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=plan.patience, restore_best_weights=True
        ),
        keras.callbacks.CSVLogger(str(log_tmp)),
    ]
    if plan.tensorboard_dir is not None:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(plan.tensorboard_dir)))
    started = time.monotonic()
    saved = False
    try:
        callbacks += extra_callbacks() if extra_callbacks is not None else []
        model.fit(
            x, y, validation_data=validation_data, epochs=epochs, callbacks=callbacks, verbose=0,
            **fit_kwargs,
        )  # fmt: skip
        if stop.cancelled:
            raise TrainingCancelled(f"training cancelled; {out_path} was left unchanged")
        outcome = _outcome(report.history, nan.nan_epoch, tmp, out_path, started)
        card = describe(outcome, tmp)
        stamped = save_pair(tmp, out_path, card.to_dict())  # the card first, then the model
        card = ModelCard.from_dict(stamped)
        saved = True
    except OSError as e:
        raise _save_error(out_path, e) from e
    finally:
        alive.stop()  # the watchdog, also when fit raised before on_train_end
        tmp.unlink(missing_ok=True)
        if not saved:  # cancelled, NaN or failed: the previous run's log stays
            log_tmp.unlink(missing_ok=True)
        release_claim(out_path)  # the saved model holds the name now (or the run gave it up)
    try:
        os.replace(log_tmp, log_path)  # the log of the run that made this model
    except OSError as e:
        log_tmp.unlink(missing_ok=True)
        raise UserFacingError(
            f"{log_path}: cannot save the training log ({e.strerror or e}); "
            f"the model {out_path} was saved"
        ) from e
    if progress is not None:
        progress(
            TrainingProgress(
                Phase.DONE,
                epoch=outcome.epochs_run,
                epochs=epochs,
                val_loss=outcome.best_val_loss,
                message=f"saved {out_path}",
            )  # fmt: skip
        )
    return card, outcome


def _outcome(
    history: dict[str, list[float]], nan_epoch: int | None, tmp: Path, out: Path, started: float
) -> FitOutcome:
    val = history.get("val_loss", [])
    if nan_epoch is not None:
        raise UserFacingError(
            f"training stopped: the loss became NaN in epoch {nan_epoch} (a broken starting "
            f"model or too high a learning rate); {out} was not replaced"
        )
    finite = [i for i, v in enumerate(val) if math.isfinite(v)]
    if not tmp.exists() or not finite:
        raise UserFacingError(f"training ended without a usable epoch; {out} was not replaced")
    best = min(finite, key=lambda i: val[i])
    rounded = {k: [round(v, 6) for v in vs] for k, vs in history.items()}
    return FitOutcome(rounded, len(val), best + 1, float(val[best]), time.monotonic() - started)


def _save_error(out_path: Path, e: OSError) -> UserFacingError:
    """One line naming the file a save failed on (h5py often names none: then the model)."""
    where = e.filename or out_path
    return UserFacingError(
        f"{where}: cannot save ({e.strerror or e}); {out_path} and its card are unchanged"
    )


def update_card(path: str | os.PathLike[str], **details: Any) -> ModelCard:
    """Merge fields (e.g. evaluation=...) into the card beside `path`, keeping its schema."""
    from agents.modelio import write_card

    card = read_card(path)
    card.update(details)
    write_card(path, card)
    return ModelCard.from_dict(card)


__all__ = [
    "CARD_SCHEMA_VERSION", "CLASSIC_EARLY_STOP_PATIENCE", "EARLY_STOP_PATIENCE", "FitOutcome",
    "FitPlan",
    "FINE_TUNE_EPOCHS", "FINE_TUNE_TIME_LIMIT_S", "ModelCard", "Phase", "ProgressFn",
    "SCRATCH_EPOCHS", "TRAINING_LOG_SUFFIX", "TrainingCancelled",
    "TrainingProgress", "WATCHDOG_S", "Watchdog", "atomic_fit", "now_iso",
    "read_model_card", "report_data", "training_log_path", "update_card", "versions",
]  # fmt: skip
