"""Train a steering CNN on recorded sessions: Keras fit with callbacks, then a model card.

Used by the CLI (`train-driver`, `build-models`) and by the Train screen, which runs
`train()` in a worker thread with a `progress` callback and a `cancel` Event.

The target .h5 is only ever replaced whole: ModelCheckpoint writes the best epoch into a
temporary file beside it, and only a run that finishes (not cancelled, not interrupted)
moves that file over the target with os.replace. The previous model survives otherwise.
"""

from __future__ import annotations

import math
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from agents.driving.dataset import load_frames, make_pipelines, session_dirs
from agents.driving.preprocess import InputSpec, spec_for, spec_from_card
from agents.modelio import ModelFileError, load_model_checked, read_card, write_card
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
            self._emit(batch + 1, "train")
            self._check_cancel()

        def on_test_batch_end(self, batch, logs=None):
            self.steps_done += 1
            self._check_cancel()

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            self.history["loss"].append(float(logs.get("loss", math.nan)))
            self.history["val_loss"].append(float(logs.get("val_loss", math.nan)))
            self._emit(batches, "epoch_end")
            if time_limit_s is not None:
                elapsed = time.monotonic() - self.start
                # Epochs after the first run from the RAM cache: the last one predicts the next.
                last = elapsed - getattr(self, "_prev_elapsed", 0.0)
                self._prev_elapsed = elapsed
                if elapsed + last > time_limit_s:
                    self.model.stop_training = True

    return Progress()


def _initial(initial_model: str | os.PathLike[str]) -> tuple[Any, str, InputSpec]:
    """(model, arch, spec) of a saved model to fine-tune."""
    model = load_model_checked(initial_model)
    card = read_card(initial_model)
    spec = spec_from_card(card, model, where=str(initial_model))
    arch = str(card.get("architecture", model.name))
    return model, arch, spec


def train(
    sessions: list[str | os.PathLike[str]],
    arch: str = "pilotnet",
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
    progress(event) gets dicts with phase, epoch, epochs, batch, batches, loss, val_loss,
    eta_s and history; it is called from the training thread.
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

    start_model = arch_spec = None
    if initial_model is not None:
        start_model, arch, arch_spec = _initial(initial_model)
    spec = arch_spec or spec_for(arch)
    table = load_frames(session_dirs(sessions), spec)
    data = make_pipelines(table, spec, batch_size=batch_size, seed=seed, flip_prob=flip_prob)

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

    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=out_path.parent, prefix=out_path.stem + ".", suffix=".h5")
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # ModelCheckpoint creates it at the first best epoch
    report = _progress_callback(
        progress, cancel, epochs, data.train_batches, data.val_batches, time_limit_s
    )
    callbacks = [
        report,
        keras.callbacks.ModelCheckpoint(tmp, monitor="val_loss", save_best_only=True),
        keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=patience, restore_best_weights=True
        ),
        keras.callbacks.CSVLogger(str(out_path.with_suffix(".training.csv"))),
    ]
    if tensorboard_dir is not None:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(tensorboard_dir)))

    started = time.monotonic()
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
        if report.cancelled or not tmp.exists():
            return TrainResult(None, True, None, len(history["loss"]), seconds, history)
        os.replace(tmp, out_path)  # atomic: the old model stays until the new one is whole
    finally:
        tmp.unlink(missing_ok=True)

    val = np.asarray(history["val_loss"], dtype=float)
    best = int(np.nanargmin(val)) if np.isfinite(val).any() else 0
    card = {
        "architecture": arch,
        "input": spec.to_dict(),
        "params": int(model.count_params()),
        "sessions": table.sessions,
        "frames": {"train": data.train_frames, "val": data.val_frames, "total": len(table)},
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
    write_card(out_path, card)
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
    return TrainResult(out_path, False, card["best_val_loss"], len(val), seconds, history, card)


__all__ = ["ModelFileError", "STRATEGIES", "TrainResult", "make_strategy", "train", "update_card"]
