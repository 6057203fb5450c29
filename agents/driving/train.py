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
import re
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from agents.driving.dataset import (
    SPEED_WINDOW_S,
    FrameTable,
    Pipelines,
    load_frames,
    make_pipelines,
    session_dirs,
)
from agents.driving.preprocess import InputSpec, spec_for
from agents.driving.train_config import Focus, TrainConfig
from agents.modelio import ModelFileError
from agents.training import (
    EARLY_STOP_PATIENCE,
    FitOutcome,
    FitPlan,
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


def unique_dirs(dirs: list[Path]) -> list[Path]:
    """Each session once, by resolved path, in first-seen order (a model's card lists a
    person's session and its recovery views; training adds those views again)."""
    seen: set[Path] = set()
    out = []
    for d in dirs:
        key = _resolved(d)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def _resolved(path: str | os.PathLike[str]) -> Path:
    try:
        return Path(path).resolve()
    except OSError:  # e.g. a loop of links: compare as written
        return Path(path).absolute()


def focus_mask(table: FrameTable, sessions: tuple[Path, ...]) -> np.ndarray:
    """Per `table.sessions` entry: True for the focus sessions and their recovery views."""
    from agents.driving.recovery_views import FOLDER_NAME

    wanted = {_resolved(s) for s in sessions}
    out = []
    for info in table.sessions:
        path = _resolved(info["path"])
        views_of = path.parent if path.name == FOLDER_NAME else None
        out.append(path in wanted or views_of in wanted)
    return np.asarray(out, dtype=bool)


def take_rows(table: FrameTable, keep: np.ndarray) -> FrameTable:
    """The table with only rows `keep` (sorted indices); each session's frame count follows."""
    counts = np.bincount(table.session_index[keep], minlength=len(table.sessions))
    sessions = [dict(s, frames=int(n)) for s, n in zip(table.sessions, counts, strict=True)]
    return replace(
        table,
        paths=[table.paths[i] for i in keep],
        steering=table.steering[keep],
        block=table.block[keep],
        sessions=sessions,
        session_index=table.session_index[keep],
        rel=[table.rel[i] for i in keep],
        speed=table.speed[keep] if len(table.speed) == len(table) else table.speed,
    )


def apply_focus(
    table: FrameTable, focus: Focus, seed: int
) -> tuple[FrameTable, list[float], dict[str, float]]:
    """(table with the replay sample, a loss-weight factor per session, what was done).

    Replay frames are whole time blocks picked at random (seeded), so the block split into
    training and validation still never cuts a stretch of driving in two."""
    is_focus = focus_mask(table, focus.sessions)
    row_focus = is_focus[table.session_index]
    others = np.flatnonzero(~row_focus)
    if focus.max_other_frames is not None and len(others) > focus.max_other_frames:
        blocks = np.unique(table.block[others])
        order = np.random.default_rng(seed).permutation(blocks)
        sizes = np.bincount(table.block[others])[order]
        chosen = order[np.cumsum(sizes) <= focus.max_other_frames]
        keep = np.flatnonzero(row_focus | np.isin(table.block, chosen))
        table = take_rows(table, keep)
        row_focus = is_focus[table.session_index]
    n_focus = int(row_focus.sum())
    w = focus.weight(n_focus, len(table) - n_focus)
    share = n_focus * w / (n_focus * w + len(table) - n_focus)
    summary = {"frames": n_focus, "weight": round(w, 2), "share": round(share, 3)}
    return table, [w if f else 1.0 for f in is_focus], summary


def recovery_frames(table: FrameTable) -> int:
    """Frames of recovery-view folders in the table."""
    from agents.driving.recovery_views import FOLDER_NAME

    return sum(int(s["frames"]) for s in table.sessions if Path(s["path"]).name == FOLDER_NAME)


_DEVICE = re.compile(
    r"^/?(?:job:\w+/)?(?:replica:\d+/)?(?:task:\d+/)?(?:device:)?([A-Za-z_]+):(\d+)$"
)


def split_cpu(n: int) -> None:
    """Split the CPU into `n` logical devices (/device:CPU:0 .. n-1) so a mirrored strategy
    can run its replicas on any machine. This checks the multi-device path; it is not faster
    (the replicas share the same cores). Must run before TensorFlow uses a device."""
    import tensorflow as tf

    if n < 1:
        raise UserFacingError(f"--cpu-devices must be at least 1, got {n}")
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(n)]
        )
    except RuntimeError as e:  # TensorFlow already started: too late to split
        raise UserFacingError(f"cannot split the CPU into {n} devices now ({e})") from e


def check_devices(devices: list[str]) -> list[str]:
    """The devices as TensorFlow names them (/device:CPU:0); one line naming an unknown or
    misspelt one and listing those that exist (a MirroredStrategy on a device that does not
    exist waits forever at batch 0). Accepts /cpu:0, cpu:0, /gpu:1, /device:GPU:0."""
    import tensorflow as tf

    existing = [d.name for d in tf.config.list_logical_devices()]
    by_key = {_device_key(name): name for name in existing}
    out = []
    for dev in devices:
        key = _device_key(dev)
        if key is None or key not in by_key:
            raise UserFacingError(
                f"unknown device {dev!r}; this machine has {', '.join(existing) or 'none'} "
                f"(--cpu-devices N splits the CPU into N devices)"
            )
        out.append(by_key[key])
    if len(set(out)) != len(out):
        raise UserFacingError(f"a device is named twice in --devices {' '.join(devices)}")
    return out


def _device_key(name: str) -> tuple[str, int] | None:
    m = _DEVICE.match(name.strip())
    return (m.group(1).upper(), int(m.group(2))) if m else None


def make_strategy(name: str = "default", devices: list[str] | None = None):
    """The tf.distribute strategy: the default one, or mirrored across local GPUs/devices
    (checked first: see check_devices)."""
    import tensorflow as tf

    if name == "default":
        if devices:
            raise UserFacingError("--devices is for --strategy mirrored")
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy(devices=check_devices(devices) if devices else None)
    raise UserFacingError(f"unknown strategy {name!r} (choose {', '.join(STRATEGIES)})")


def _initial(
    initial_model: str | os.PathLike[str], arch: str | None
) -> tuple[Any, str, InputSpec, Any]:
    """(model, arch, spec, network) of a saved model to fine-tune (network: the
    ConvNetRecipe its card names, or None); a clear error when it cannot be.

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
    from agents.driving.models import (
        network_from_card,
        output_count,
        pilotnet_from,
        speed_far_rows,
        with_speed_head,
    )

    theirs = [tuple(w.shape) for w in model.get_weights()]
    network = network_from_card(card, str(initial_model)) if own == "pilotnet" else None
    reference = pilotnet_from(network, spec) if network is not None else ARCHITECTURES[own](spec)
    if output_count(model) == 2:  # its own kind of speed branch (older ones read no far rows)
        reference = with_speed_head(reference, speed_far_rows(model))
    ours = [tuple(v.shape) for v in reference.weights]
    if theirs != ours:
        raise ModelFileError(
            f"{initial_model}: its weights do not fit the {own} architecture with input "
            f"{spec.shape} that its card names; cannot fine-tune it"
        )
    return model, own, spec, network


def speed_outputs_card() -> dict:
    """The card's `outputs` entry of a speed-aware model: how to read its second number."""
    from agents.driving.models import SPEED_SCALE

    return {
        "names": ["steering", "speed"],
        "speed_scale": SPEED_SCALE,
        "speed_window_s": SPEED_WINDOW_S,
    }


@dataclass(frozen=True)
class Start:
    """Where a run starts: the saved model it fine-tunes (None: random weights), the
    architecture and input it trains, and whether it also learns speed."""

    model: Any | None
    arch: str
    spec: InputSpec
    speed: bool
    speed_head: bool = False  # the start model has one: it may see data without speeds
    network: Any = None  # the ConvNetRecipe of a narrower PilotNet to fine-tune (its card's)


@dataclass(frozen=True)
class TrainingData:
    """The checked frames and their Keras pipelines (frames that failed to decode are out of
    `pipes.table`), the recovery-view frames among them, and what a focus did (or None)."""

    pipes: Pipelines
    recovery_frames: int
    focused: dict[str, float] | None

    @property
    def table(self) -> FrameTable:
        return self.pipes.table


def start_of(config: TrainConfig) -> Start:
    """The start model (checked before any data loads: see _initial) or a fresh one's spec."""
    from agents.driving.models import DEFAULT_ARCHITECTURE, output_count

    if config.initial_model is not None:
        model, arch, spec, network = _initial(config.initial_model, config.arch)
        speed_head = output_count(model) == 2
        return Start(model, arch, spec, config.speed or speed_head, speed_head, network)
    arch = config.arch or DEFAULT_ARCHITECTURE
    return Start(None, arch, spec_for(arch), config.speed)


def training_data(
    config: TrainConfig,
    start: Start,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> TrainingData:
    """The sessions (each once), their recovery views (built once and cached) and the focus
    sample, checked and made into pipelines; DATA events say what was found."""
    from agents.driving.models import SPEED_SCALE

    dirs = session_dirs(list(config.sessions))
    n_views = 0
    if config.recovery_views:
        from agents.driving.recovery_views import recovery_sessions

        extra, n_views = recovery_sessions(
            dirs, progress=lambda m: report_data(progress, m), cancel=cancel
        )
        dirs = dirs + extra
    table = load_frames(unique_dirs(dirs), start.spec)
    session_weights, focused = None, None
    if config.focus is not None:
        table, session_weights, focused = apply_focus(table, config.focus, config.seed)
        n_views = recovery_frames(table)  # those in the replay sample and the takeovers'
    report_data(progress, f"checking {len(table)} frame images")
    pipes = make_pipelines(
        table, start.spec, batch_size=config.batch_size, seed=config.seed,
        flip_prob=config.flip_prob, outputs=2 if start.speed else 1, speed_scale=SPEED_SCALE,
        session_weights=session_weights, require_speed=not start.speed_head,
    )  # fmt: skip
    data = TrainingData(pipes, n_views, focused)
    report_data(progress, data_summary(data), data.table.problems)
    return data


def data_summary(data: TrainingData) -> str:
    """The one line that says what a run trains on."""
    table, focused = data.table, data.focused
    off = f", {table.off_lane_rows} off-lane rows left out" if table.off_lane_rows else ""
    off += f", {table.deleted_rows} deleted rows left out" if table.deleted_rows else ""
    off += f", {table.mirrored_rows} rows mirrored" if table.mirrored_rows else ""
    views = (
        f" (with {data.recovery_frames} recovery views of your driving)"
        if data.recovery_frames
        else ""
    )
    if focused is not None:
        views += (
            f"; your takeovers: {focused['frames']} frames weighted x{focused['weight']:g} "
            f"({focused['share']:.0%} of the loss)"
        )
    return f"{len(table)} frames{views}, {len(table.problems)} bad rows skipped{off}"


def build(config: TrainConfig, start: Start, train_batches: int) -> Any:
    """The compiled model to fit (call inside the strategy's scope, so its variables are
    mirrored): the start model's weights in a fresh copy, or random weights with a cosine-
    decayed learning rate over the planned `train_batches` x epochs."""
    import keras

    from agents.driving.models import (
        build_model,
        compile_model,
        output_count,
        pilotnet_from,
        speed_far_rows,
        with_speed_head,
    )

    if start.model is not None:
        if start.network is not None:  # the same narrower PilotNet, not the paper's
            model = pilotnet_from(start.network, start.spec)
            if output_count(start.model) == 2:
                model = with_speed_head(model, speed_far_rows(start.model))
        else:
            model = build_model(
                start.arch, start.spec, speed=output_count(start.model) == 2,
                far_rows=speed_far_rows(start.model),
            )  # fmt: skip
        model.set_weights(start.model.get_weights())
        if start.speed:
            model = with_speed_head(model)  # a no-op when it has one already
        compile_model(model, config.learning_rate or FINE_TUNE_LEARNING_RATE)
        return model
    lr = config.learning_rate or LEARNING_RATE
    if config.lr_decay:
        # Big steps early, small at the end: steering must be precise to ~0.005.
        lr = keras.optimizers.schedules.CosineDecay(
            lr, config.epochs * train_batches, alpha=LR_FLOOR
        )
    if config.network is not None:  # a model-lab variant
        model = pilotnet_from(config.network, start.spec)
        return compile_model(with_speed_head(model) if start.speed else model, lr)
    return build_model(start.arch, start.spec, lr, speed=start.speed)


def describe(
    config: TrainConfig, start: Start, data: TrainingData, model: Any, dist: Any
) -> Callable[[FitOutcome, Path], ModelCard]:
    """The card maker atomic_fit calls once the fit finished."""

    network = config.network or start.network

    def card(outcome: FitOutcome, checkpoint: Path) -> ModelCard:
        table, pipes = data.table, data.pipes
        mirrored = config.strategy == "mirrored"
        return ModelCard(
            kind="driving",
            architecture=start.arch,
            epochs_requested=config.epochs,
            epochs_run=outcome.epochs_run,
            best_epoch=outcome.best_epoch,
            best_val_loss=outcome.best_val_loss,
            training_seconds=round(outcome.seconds, 1),
            seed=config.seed,
            created=now_iso(),
            history={k: outcome.history.get(k, []) for k in ("loss", "val_loss")},
            versions=versions(),
            details={
                "input": start.spec.to_dict(),
                "params": int(model.count_params()),
                "sessions": table.sessions,
                "frames": {
                    "train": pipes.train_frames, "val": pipes.val_frames, "total": len(table)
                },
                "skipped_rows": len(table.problems),
                "deleted_rows": table.deleted_rows,  # left out by the sessions' edits
                "mirrored_rows": table.mirrored_rows,
                "batch_size": config.batch_size,
                "strategy": config.strategy,
                "replicas": int(dist.num_replicas_in_sync),
                "devices": list(dist.extended.worker_devices) if mirrored else [],
                "flip_prob": config.flip_prob,
                "lr_decay": config.lr_decay and not config.fine_tuning,
                "fine_tuned_from": (
                    str(config.initial_model) if config.initial_model is not None else None
                ),
                "recovery_views": data.recovery_frames,
                "config": config.to_dict(),
                # The PilotNet-shaped recipe it was built from (fine-tunes check against it).
                **({"network": asdict(network)} if network is not None else {}),
                **({"focus": data.focused} if data.focused is not None else {}),
                **({"outputs": speed_outputs_card()} if start.speed else {}),
            },
        )  # fmt: skip

    return card


def train(
    config: TrainConfig,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    extra_callbacks: Callable[[], list] | None = None,
) -> TrainResult:
    """Train `config.arch` (or fine-tune `config.initial_model`) on `config.sessions` and save
    the best epoch to `config.out_path` (see TrainConfig for the options).

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
    focus: sessions this run is about (see Focus: weighted, never left out of the replay cap).
    Each session is used once, however often it is given (by resolved path).
    """
    import keras

    keras.utils.set_random_seed(config.seed)
    # An unknown device: an error before data loads.
    dist = make_strategy(config.strategy, list(config.devices) or None)
    start = start_of(config)
    data = training_data(config, start, progress, cancel)
    with dist.scope():
        model = build(config, start, data.pipes.train_batches)
    card, outcome = atomic_fit(
        model,
        config.out_path,
        data.pipes.train,
        validation_data=data.pipes.val,
        plan=FitPlan(
            config.epochs, config.patience, config.time_limit_s, data.pipes.train_batches,
            data.pipes.val_batches, config.tensorboard_dir,
        ),  # fmt: skip
        describe=describe(config, start, data, model, dist),
        progress=progress,
        cancel=cancel,
        extra_callbacks=extra_callbacks,
        shuffle=False,
    )
    return TrainResult(
        config.out_path,
        outcome.best_val_loss,
        outcome.epochs_run,
        outcome.seconds,
        outcome.history,
        card,
        list(data.table.problems),
    )


__all__ = [
    "Focus", "ModelFileError", "STRATEGIES", "TrainConfig", "TrainResult", "TrainingCancelled",
    "make_strategy", "train", "update_card",
]  # fmt: skip
