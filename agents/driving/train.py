"""Train a steering CNN on recorded sessions: Keras fit with callbacks, then a model card.

Used by the CLI (`train-driver`, `build-models`) and by the Train screen, which runs
`train()` in a worker thread with a `progress` callback and a `cancel` Event.

The target .h5 is only ever replaced whole: ModelCheckpoint writes the best epoch into a
temporary file beside it, and only a run that finishes (not cancelled, not interrupted, no
NaN loss) moves that file over the target, with its card as a pair (agents.modelio.save_pair).
The training log NAME.training.csv is written beside under a temporary name too and replaces
the previous run's log only when the model is replaced. Cancel, a kill, a failure, a NaN loss
or a full disk leave the previous model, card and log as they were.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from agents.driving.dataset import load_frames, make_pipelines, session_dirs
from agents.driving.preprocess import InputSpec, spec_for
from agents.modelio import (
    Heartbeat,
    ModelFileError,
    partial_path,
    read_card,
    remove_stale_temporaries,
    save_pair,
    write_card,
)
from game.errors import UserFacingError

STRATEGIES = ("default", "mirrored")
PATIENCE = 5
LEARNING_RATE = 1e-3
LR_FLOOR = 0.03  # cosine decay ends at this fraction of the initial learning rate
FINE_TUNE_LEARNING_RATE = 1e-4  # fine-tuning nudges a trained model; a big step would undo it

ProgressFn = Callable[[dict], None]


@dataclass
class TrainResult:
    model_path: Path | None  # None when cancelled (the previous file, if any, is untouched)
    cancelled: bool
    best_val_loss: float | None
    epochs_run: int
    seconds: float
    history: dict[str, list[float]] = field(default_factory=dict)
    card: dict[str, Any] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # bad rows left out, with file and line


def update_card(path: str | os.PathLike[str], **fields: Any) -> dict[str, Any]:
    """Merge fields (e.g. evaluation=...) into the model card beside `path`; returns it."""
    card = read_card(path)
    card.update(fields)
    write_card(path, card)
    return card


def make_strategy(name: str = "default", devices: list[str] | None = None):
    """The tf.distribute strategy: the default one, or mirrored across local GPUs/devices."""
    import tensorflow as tf

    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy(devices=devices)
    raise UserFacingError(f"unknown strategy {name!r} (choose {', '.join(STRATEGIES)})")


def _progress_callback(
    progress: ProgressFn | None,
    cancel: threading.Event | None,
    epochs: int,
    batches: int,
    val_batches: int,
    time_limit_s: float | None = None,
    heartbeat: Heartbeat | None = None,
):
    import keras

    class Progress(keras.callbacks.Callback):
        """Reports epoch/batch/ETA and losses; stops training soon after `cancel` is set,
        and before an epoch that would end past `time_limit_s`."""

        def __init__(self) -> None:
            super().__init__()
            self.history: dict[str, list[float]] = {"loss": [], "val_loss": []}
            self.epoch = 0
            self.loss = math.nan
            self.start = time.monotonic()
            self.steps_done = 0  # training + validation batches, for the ETA
            self.cancelled = False
            self.nan_epoch: int | None = None  # first epoch (1-based) with a NaN/inf loss

        def _emit(self, batch: int, phase: str) -> None:
            if progress is None:
                return
            total = epochs * (batches + val_batches)
            elapsed = time.monotonic() - self.start
            rate = elapsed / self.steps_done if self.steps_done else math.nan
            val = self.history["val_loss"]
            progress(
                {
                    "phase": phase,
                    "epoch": self.epoch + 1,
                    "epochs": epochs,
                    "batch": batch,
                    "batches": batches,
                    "loss": self.loss,
                    "val_loss": val[-1] if val else None,
                    "elapsed_s": elapsed,
                    "eta_s": max(total - self.steps_done, 0) * rate if self.steps_done else None,
                    "history": {k: list(v) for k, v in self.history.items()},
                }
            )

        def _check_cancel(self) -> None:
            if cancel is not None and cancel.is_set():
                self.cancelled = True
                self.model.stop_training = True
                self.model.stop_evaluating = True

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
            self._emit(0, "train")

        def on_train_batch_end(self, batch, logs=None):
            self.steps_done += 1
            self.loss = float((logs or {}).get("loss", math.nan))
            if not math.isfinite(self.loss) and self.nan_epoch is None:
                self.nan_epoch = self.epoch + 1  # TerminateOnNaN stops the run after this batch
            self._emit(batch + 1, "train")
            self._check_cancel()
            if heartbeat is not None:
                heartbeat.beat()

        def on_test_batch_end(self, batch, logs=None):
            self.steps_done += 1
            self._check_cancel()
            if heartbeat is not None:
                heartbeat.beat()

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            self.history["loss"].append(float(logs.get("loss", math.nan)))
            self.history["val_loss"].append(float(logs.get("val_loss", math.nan)))
            finite = all(math.isfinite(v[-1]) for v in self.history.values())
            if not finite and self.nan_epoch is None:
                self.nan_epoch = epoch + 1
            self._emit(batches, "epoch_end")
            if time_limit_s is not None:
                elapsed = time.monotonic() - self.start
                # Epochs after the first run from the RAM cache: the last one predicts the next.
                last = elapsed - getattr(self, "_prev_elapsed", 0.0)
                self._prev_elapsed = elapsed
                if elapsed + last > time_limit_s:
                    self.model.stop_training = True

    return Progress()


def _initial(initial_model: str | os.PathLike[str], arch: str | None) -> tuple[Any, str, InputSpec]:
    """(model, arch, spec) of a saved model to fine-tune; a clear error when it cannot be.

    The model must be a driving model (one image in, one number out, matching its card) of
    an architecture this app builds; asking for another architecture is an error naming both.
    """
    from agents.driving.cnn_driver import load_driving_model
    from agents.driving.models import ARCHITECTURES

    model, spec, card = load_driving_model(initial_model)
    own = card.get("architecture")
    own = own if isinstance(own, str) and own else str(model.name)
    choices = ", ".join(ARCHITECTURES)
    if own not in ARCHITECTURES:
        raise ModelFileError(
            f"{initial_model}: cannot fine-tune a model of architecture {own!r} "
            f"(this app trains {choices})"
        )
    if arch is not None and arch != own:
        raise UserFacingError(
            f"{initial_model}: cannot fine-tune a {own} model as {arch}; leave out --arch "
            f"(or give --arch {own}) to fine-tune it, or train a new {arch} model"
        )
    # The weights must fit the architecture the card names (checked before any data loads).
    theirs = [tuple(w.shape) for w in model.get_weights()]
    ours = [tuple(v.shape) for v in ARCHITECTURES[own](spec).weights]
    if theirs != ours:
        raise ModelFileError(
            f"{initial_model}: its weights do not fit the {own} architecture with input "
            f"{spec.shape} that its card names; cannot fine-tune it"
        )
    return model, own, spec


def _data_event(progress: ProgressFn | None, **fields: Any) -> None:
    if progress is not None:
        progress({"phase": "data", **fields})


def train(
    sessions: list[str | os.PathLike[str]],
    arch: str | None = None,
    epochs: int = 10,
    out_path: str | os.PathLike[str] = "pilotnet.h5",
    batch_size: int = 64,
    seed: int = 0,
    strategy: str = "default",
    tensorboard_dir: str | os.PathLike[str] | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    initial_model: str | os.PathLike[str] | None = None,
    devices: list[str] | None = None,
    learning_rate: float | None = None,
    patience: int = PATIENCE,
    time_limit_s: float | None = None,
    flip_prob: float = 0.0,
    lr_decay: bool = True,
) -> TrainResult:
    """Train `arch` (or fine-tune `initial_model`) on the sessions and save the best epoch.

    sessions: session folders, or folders holding session folders.
    arch: the architecture to train (default pilotnet); with `initial_model`, None means the
        model's own, and another one is an error.
    progress(event) gets dicts with phase, epoch, epochs, batch, batches, loss, val_loss,
    eta_s and history; it is called from the training thread. Before training, phase "data"
    events carry a "message" and, once the frames are checked, "frames" and "skipped" (the
    bad rows left out, each naming its file and log.csv line).
    A NaN or inf loss stops training (TerminateOnNaN) and raises UserFacingError; a save
    that fails (full disk, read-only folder) raises one naming the file. Either way
    `out_path`, its card and its training log stay as they were.
    Setting `cancel` stops after the current batch and leaves `out_path` as it was.
    time_limit_s: no epoch starts that would end after this many seconds of training.
    flip_prob: share of training frames mirrored (with negated steering). Off by default:
        a mirrored frame shows the car in the LEFT lane, and a 50% flip rate measurably
        pulled models ~3 cm towards the centre line.
    lr_decay: cosine-decay the learning rate over the planned epochs (fresh models only).
    """
    import keras
    import tensorflow as tf

    from agents.driving.models import build_model, compile_model

    if epochs < 1:
        raise UserFacingError(f"epochs must be at least 1, got {epochs}")
    if batch_size < 1:
        raise UserFacingError(f"batch size must be at least 1, got {batch_size}")
    out_path = Path(out_path)
    if out_path.suffix != ".h5":
        raise UserFacingError(f"{out_path}: the model file must end in .h5")
    keras.utils.set_random_seed(seed)

    out_path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out_path.parent)  # a killed run's leftovers, never a live one's
    start_model = arch_spec = None
    if initial_model is not None:
        start_model, arch, arch_spec = _initial(initial_model, arch)
    arch = arch or "pilotnet"
    spec = arch_spec or spec_for(arch)
    table = load_frames(session_dirs(sessions), spec)
    _data_event(progress, message=f"checking {len(table)} frame images")
    data = make_pipelines(table, spec, batch_size=batch_size, seed=seed, flip_prob=flip_prob)
    table = data.table  # without the frames that failed to decode
    _data_event(
        progress,
        message=f"{len(table)} frames, {len(table.problems)} bad rows skipped",
        frames=len(table),
        skipped=list(table.problems),
    )

    dist = make_strategy(strategy, devices)
    with dist.scope():
        if start_model is not None:
            # Rebuild inside the strategy scope so variables are mirrored, then copy weights.
            model = build_model(arch, spec)
            model.set_weights(start_model.get_weights())
            compile_model(model, learning_rate or FINE_TUNE_LEARNING_RATE)
        else:
            lr = learning_rate or LEARNING_RATE
            if lr_decay:
                # Big steps early, small at the end: steering must be precise to ~0.005.
                steps = epochs * data.train_batches
                lr = keras.optimizers.schedules.CosineDecay(lr, steps, alpha=LR_FLOOR)
            model = build_model(arch, spec, lr)

    csv_path = out_path.with_suffix(".training.csv")
    try:
        tmp = partial_path(out_path, ".h5")
        tmp.unlink()  # ModelCheckpoint creates it at the first best epoch
        csv_tmp = partial_path(csv_path)
    except OSError as e:
        raise _save_error(out_path, e) from e
    report = _progress_callback(
        progress,
        cancel,
        epochs,
        data.train_batches,
        data.val_batches,
        time_limit_s,
        Heartbeat([tmp, csv_tmp]),
    )
    callbacks = [
        report,
        keras.callbacks.TerminateOnNaN(),
        keras.callbacks.ModelCheckpoint(tmp, monitor="val_loss", save_best_only=True),
        keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=patience, restore_best_weights=True
        ),
        keras.callbacks.CSVLogger(str(csv_tmp)),
    ]
    if tensorboard_dir is not None:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(tensorboard_dir)))

    started = time.monotonic()
    saved = False
    try:
        model.fit(
            data.train,
            validation_data=data.val,
            epochs=epochs,
            callbacks=callbacks,
            shuffle=False,
            verbose=0,
        )
        seconds = time.monotonic() - started
        history = report.history
        if report.cancelled:
            return TrainResult(
                None, True, None, len(history["loss"]), seconds, history, {}, table.problems
            )
        if report.nan_epoch is not None:
            raise UserFacingError(
                f"training stopped: the loss became NaN in epoch {report.nan_epoch} (a broken "
                f"starting model or too high a learning rate); {out_path} was not replaced"
            )
        val = np.asarray(history["val_loss"], dtype=float)
        if not tmp.exists() or not np.isfinite(val).any():
            raise UserFacingError(
                f"training ended without a usable epoch; {out_path} was not replaced"
            )
        best = int(np.nanargmin(val))
        card = {
            "architecture": arch,
            "input": spec.to_dict(),
            "params": int(model.count_params()),
            "sessions": table.sessions,
            "frames": {"train": data.train_frames, "val": data.val_frames, "total": len(table)},
            "skipped_rows": len(table.problems),
            "epochs": {"requested": epochs, "run": len(val), "best": best + 1},
            "best_val_loss": float(val[best]),
            "training_seconds": round(seconds, 1),
            "batch_size": batch_size,
            "seed": seed,
            "strategy": strategy,
            "flip_prob": flip_prob,
            "lr_decay": lr_decay and initial_model is None,
            "fine_tuned_from": str(initial_model) if initial_model is not None else None,
            "history": {k: [round(v, 6) for v in vs] for k, vs in history.items()},
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "versions": {"tensorflow": tf.__version__, "keras": keras.__version__},
        }
        card = save_pair(tmp, out_path, card)  # the card first, then the model: see save_pair
        saved = True
    except OSError as e:
        raise _save_error(out_path, e) from e
    finally:
        tmp.unlink(missing_ok=True)
        if not saved:  # cancelled, NaN or failed: the previous run's log stays
            csv_tmp.unlink(missing_ok=True)
    try:
        # The log of the run that made this model replaces the previous run's log.
        os.replace(csv_tmp, csv_path)
    except OSError as e:
        csv_tmp.unlink(missing_ok=True)
        raise UserFacingError(
            f"{csv_path}: cannot save the training log ({e.strerror or e}); "
            f"the model {out_path} was saved"
        ) from e

    if progress is not None:
        progress(
            {
                "phase": "done",
                "epoch": len(val),
                "epochs": epochs,
                "best_val_loss": card["best_val_loss"],
                "history": history,
                "model_path": str(out_path),
            }
        )
    return TrainResult(
        out_path, False, card["best_val_loss"], len(val), seconds, history, card, table.problems
    )


def _save_error(out_path: Path, e: OSError) -> UserFacingError:
    """One line naming the file a save failed on (h5py often names none: then the model)."""
    where = e.filename or out_path
    return UserFacingError(
        f"{where}: cannot save ({e.strerror or e}); {out_path} and its card are unchanged"
    )


__all__ = ["ModelFileError", "STRATEGIES", "TrainResult", "make_strategy", "train", "update_card"]
