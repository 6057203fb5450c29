"""Train a steering CNN on recorded sessions: Keras fit with callbacks, then a model card.

Used by the CLI (`train-driver`, `build-models`) and by the Train screen, which runs
`train()` in a worker thread with a `progress` callback and a `cancel` Event.

The fit, the progress events, cancel and the card are the shared stack in agents.training:
the target .h5, its card and its training log NAME.training.csv are replaced together, and
only by a run that finishes. Cancel (TrainingCancelled), a kill, a failure, a NaN loss or a
full disk leave the previous model, card and log as they were.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.driving.dataset import SPEED_WINDOW_S, load_frames, make_pipelines, session_dirs
from agents.driving.preprocess import InputSpec, spec_for
from agents.modelio import ModelFileError
from agents.training import (
    EARLY_STOP_PATIENCE,
    FitOutcome,
    ModelCard,
    ProgressFn,
    TrainingCancelled,
    atomic_fit,
    now_iso,
    report_data,
    update_card,
    versions,
)
from game.errors import UserFacingError

STRATEGIES = ("default", "mirrored")
PATIENCE = EARLY_STOP_PATIENCE
LEARNING_RATE = 1e-3
LR_FLOOR = 0.03  # cosine decay ends at this fraction of the initial learning rate
# Fine-tuning nudges a trained model; a big step would undo it. Measured on 5 min of a
# scripted sloppy keyboard driver (bench.time_to_first_model): 1e-4 copied the person's line
# (mean |offset| 0.18 m on unseen tracks), 3e-5 kept more of the shipped model's (0.14 m).
# From the balanced, calibrated shipped model of 2026-11-30: 3e-5 0.155 m, 2e-5 0.132 m.
FINE_TUNE_LEARNING_RATE = 2e-5


@dataclass
class TrainResult:
    model_path: Path
    best_val_loss: float
    epochs_run: int
    seconds: float
    history: dict[str, list[float]] = field(default_factory=dict)
    card: ModelCard | None = None
    skipped: list[str] = field(default_factory=list)  # bad rows left out, with file and line

    @property
    def cancelled(self) -> bool:
        """Always False: a cancelled run raises TrainingCancelled (kept for older callers)."""
        return False


def make_strategy(name: str = "default", devices: list[str] | None = None):
    """The tf.distribute strategy: the default one, or mirrored across local GPUs/devices."""
    import tensorflow as tf

    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy(devices=devices)
    raise UserFacingError(f"unknown strategy {name!r} (choose {', '.join(STRATEGIES)})")


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
    from agents.driving.models import output_count, speed_far_rows, with_speed_head

    theirs = [tuple(w.shape) for w in model.get_weights()]
    reference = ARCHITECTURES[own](spec)
    if output_count(model) == 2:  # its own kind of speed branch (older ones read no far rows)
        reference = with_speed_head(reference, speed_far_rows(model))
    ours = [tuple(v.shape) for v in reference.weights]
    if theirs != ours:
        raise ModelFileError(
            f"{initial_model}: its weights do not fit the {own} architecture with input "
            f"{spec.shape} that its card names; cannot fine-tune it"
        )
    return model, own, spec


def speed_outputs_card() -> dict:
    """The card's `outputs` entry of a speed-aware model: how to read its second number."""
    from agents.driving.models import SPEED_SCALE

    return {
        "names": ["steering", "speed"],
        "speed_scale": SPEED_SCALE,
        "speed_window_s": SPEED_WINDOW_S,
    }


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
    extra_callbacks: Callable[[], list] | None = None,
    speed: bool = False,
    recovery_views: bool = True,
) -> TrainResult:
    """Train `arch` (or fine-tune `initial_model`) on the sessions and save the best epoch.

    sessions: session folders, or folders holding session folders.
    arch: the architecture to train (default pilotnet); with `initial_model`, None means the
        model's own, and another one is an error.
    progress(event) gets agents.training.TrainingProgress events from the training thread.
    Before training, Phase.DATA events carry a message and, once the frames are checked,
    the bad rows left out (each naming its file and log.csv line).
    A NaN or inf loss stops training (TerminateOnNaN) and raises UserFacingError; a save
    that fails (full disk, read-only folder) raises one naming the file. Either way
    `out_path`, its card and its training log stay as they were.
    Setting `cancel` stops after the current batch, raises TrainingCancelled and leaves
    `out_path` as it was.
    time_limit_s: no epoch starts that would end after this many seconds of training.
    flip_prob: share of training frames mirrored (with negated steering). Off by default:
        a mirrored frame shows the car in the LEFT lane, and a 50% flip rate measurably
        pulled models ~3 cm towards the centre line.
    lr_decay: cosine-decay the learning rate over the planned epochs (fresh models only).
    extra_callbacks(): more Keras callbacks, made just before fit (the CLI's tqdm bar).
    speed: also learn the speed the road calls for (a second output, see
        agents.driving.models.with_speed_head); a model that has one keeps learning it.
    recovery_views: for a person's sessions, also train on cameras displaced from their
        poses, labelled with their steering plus the expert's correction back to the lane
        (agents.driving.recovery_views; built once per session and cached beside it).
    """
    import keras

    from agents.driving.models import (
        DEFAULT_ARCHITECTURE,
        SPEED_SCALE,
        build_model,
        compile_model,
        output_count,
        speed_far_rows,
        with_speed_head,
    )

    if epochs < 1:
        raise UserFacingError(f"epochs must be at least 1, got {epochs}")
    if batch_size < 1:
        raise UserFacingError(f"batch size must be at least 1, got {batch_size}")
    out_path = Path(out_path)
    if out_path.suffix != ".h5":
        raise UserFacingError(f"{out_path}: the model file must end in .h5")
    keras.utils.set_random_seed(seed)

    start_model = arch_spec = None
    has_speed_head = False  # a fine-tune of a speed model may see data without speeds
    if initial_model is not None:
        start_model, arch, arch_spec = _initial(initial_model, arch)
        has_speed_head = output_count(start_model) == 2
        speed = speed or has_speed_head
    arch = arch or DEFAULT_ARCHITECTURE
    spec = arch_spec or spec_for(arch)
    outputs = 2 if speed else 1
    dirs = session_dirs(sessions)
    n_views = 0
    if recovery_views:
        from agents.driving.recovery_views import recovery_sessions

        extra, n_views = recovery_sessions(
            dirs, progress=lambda m: report_data(progress, m), cancel=cancel
        )
        dirs = dirs + extra
    table = load_frames(dirs, spec)
    report_data(progress, f"checking {len(table)} frame images")
    data = make_pipelines(
        table, spec, batch_size=batch_size, seed=seed, flip_prob=flip_prob, outputs=outputs,
        speed_scale=SPEED_SCALE, require_speed=not has_speed_head,
    )  # fmt: skip
    table = data.table  # without the frames that failed to decode
    off = f", {table.off_lane_rows} off-lane rows left out" if table.off_lane_rows else ""
    views = f" (with {n_views} recovery views of your driving)" if n_views else ""
    report_data(
        progress,
        f"{len(table)} frames{views}, {len(table.problems)} bad rows skipped{off}",
        table.problems,
    )

    dist = make_strategy(strategy, devices)
    with dist.scope():
        if start_model is not None:
            # Rebuild inside the strategy scope so variables are mirrored, then copy weights.
            model = build_model(
                arch, spec, speed=output_count(start_model) == 2,
                far_rows=speed_far_rows(start_model),
            )  # fmt: skip
            model.set_weights(start_model.get_weights())
            if speed:
                model = with_speed_head(model)  # a no-op when it has one already
            compile_model(model, learning_rate or FINE_TUNE_LEARNING_RATE)
        else:
            lr = learning_rate or LEARNING_RATE
            if lr_decay:
                # Big steps early, small at the end: steering must be precise to ~0.005.
                steps = epochs * data.train_batches
                lr = keras.optimizers.schedules.CosineDecay(lr, steps, alpha=LR_FLOOR)
            model = build_model(arch, spec, lr, speed=speed)

    def describe(outcome: FitOutcome, checkpoint: Path) -> ModelCard:
        return ModelCard(
            kind="driving",
            architecture=arch,
            epochs_requested=epochs,
            epochs_run=outcome.epochs_run,
            best_epoch=outcome.best_epoch,
            best_val_loss=outcome.best_val_loss,
            training_seconds=round(outcome.seconds, 1),
            seed=seed,
            created=now_iso(),
            history={k: outcome.history.get(k, []) for k in ("loss", "val_loss")},
            versions=versions(),
            details={
                "input": spec.to_dict(),
                "params": int(model.count_params()),
                "sessions": table.sessions,
                "frames": {
                    "train": data.train_frames, "val": data.val_frames, "total": len(table)
                },
                "skipped_rows": len(table.problems),
                "batch_size": batch_size,
                "strategy": strategy,
                "flip_prob": flip_prob,
                "lr_decay": lr_decay and initial_model is None,
                "fine_tuned_from": str(initial_model) if initial_model is not None else None,
                "recovery_views": n_views,
                **({"outputs": speed_outputs_card()} if speed else {}),
            },
        )  # fmt: skip

    card, outcome = atomic_fit(
        model,
        out_path,
        data.train,
        validation_data=data.val,
        epochs=epochs,
        describe=describe,
        patience=patience,
        progress=progress,
        cancel=cancel,
        batches=data.train_batches,
        val_batches=data.val_batches,
        time_limit_s=time_limit_s,
        tensorboard_dir=tensorboard_dir,
        extra_callbacks=extra_callbacks,
        shuffle=False,
    )
    return TrainResult(
        out_path,
        outcome.best_val_loss,
        outcome.epochs_run,
        outcome.seconds,
        outcome.history,
        card,
        list(table.problems),
    )


__all__ = [
    "ModelFileError", "STRATEGIES", "TrainResult", "TrainingCancelled", "make_strategy",
    "train", "update_card",
]  # fmt: skip
