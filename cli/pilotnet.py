"""CLI: `train-driver` (train a steering CNN on recordings) and `build-models` (rebuild the
shipped default model from freshly generated expert data)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from agents.driving.build import (
    BUILD_EPOCHS,
    BUILD_LAPS,
    BUILD_RATE_HZ,
    BUILD_TEACHER,
    BUILD_TIGHT_TRACKS,
    BUILD_TIME_LIMIT_S,
    BUILD_TRAIN_SEEDS,
    BUILD_WIDTH,
    SPEED_EPOCHS,
    SPEED_QUANTILE,
)
from agents.driving.models import ARCHITECTURE_NAMES, DEFAULT_ARCHITECTURE
from agents.training import (
    EARLY_STOP_PATIENCE,
    FINE_TUNE_EPOCHS,
    FINE_TUNE_TIME_LIMIT_S,
    SCRATCH_EPOCHS,
)
from cli import argtypes
from game.errors import UserFacingError


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Registers this module's subcommands."""
    p = sub.add_parser(
        "train-driver",
        help="train a steering CNN on recorded sessions",
        description="Train PilotNet (or a donkey-car variant) on recorded session folders. "
        "By default it does what the Train screen does: fine-tune the shipped model for "
        f"{FINE_TUNE_EPOCHS} pass, stopping within {FINE_TUNE_TIME_LIMIT_S:.0f} s "
        f"(--scratch: a new model, {SCRATCH_EPOCHS} epochs). "
        "The best epoch (lowest validation loss) is saved; a model card is written beside it.",
    )
    p.add_argument(
        "--data",
        nargs="+",
        required=True,
        metavar="DIR",
        help="session folders, or folders holding session folders",
    )
    p.add_argument(
        "--arch",
        choices=ARCHITECTURE_NAMES,
        help=f"architecture (default {DEFAULT_ARCHITECTURE}; with --fine-tune, the model's own)",
    )
    p.add_argument(
        "--epochs",
        type=argtypes.count,
        help=f"most epochs (early stopping: {EARLY_STOP_PATIENCE}); default as the Train "
        f"screen: {FINE_TUNE_EPOCHS} when fine-tuning, {SCRATCH_EPOCHS} with --scratch",
    )
    p.add_argument(
        "--time-limit",
        type=argtypes.number(1.0, 7 * 24 * 3600.0),
        metavar="S",
        help="no epoch starts that would end after S seconds of training (default as the "
        f"Train screen: {FINE_TUNE_TIME_LIMIT_S:.0f} s for a fine-tune without --epochs, "
        "else none)",
    )
    p.add_argument(
        "--out", help="model file to write (.h5; default: a new user models/ARCH-DATE-TIME.h5)"
    )
    p.add_argument("--seed", type=argtypes.seed, default=0, help="random seed")
    p.add_argument(
        "--strategy",
        choices=("default", "mirrored"),
        default="default",
        help="tf.distribute strategy; mirrored copies the model onto every local GPU (or "
        "--devices) and splits each batch between them",
    )
    p.add_argument(
        "--devices",
        nargs="+",
        metavar="DEV",
        help="devices for --strategy mirrored, e.g. /gpu:0 /gpu:1 or /cpu:0 /cpu:1 "
        "(default: every local GPU, or the --cpu-devices); an unknown one is an error "
        "listing those that exist",
    )
    p.add_argument(
        "--cpu-devices",
        type=argtypes.count,
        metavar="N",
        help="split the CPU into N logical devices and mirror across them (with --strategy "
        "mirrored): checks the multi-replica path on any machine; it is not faster (the "
        "replicas share the same cores) - on GPUs, leave it out",
    )
    p.add_argument("--tensorboard", metavar="DIR", help="also write TensorBoard logs here")
    p.add_argument("--batch-size", type=argtypes.count, default=64, help="batch size (default 64)")
    p.add_argument(
        "--fine-tune",
        metavar="MODEL",
        help="start from this .h5 model (its architecture and input spec; another --arch "
        "is an error)",
    )
    p.add_argument(
        "--scratch",
        action="store_true",
        help="train a new model from random weights (default: fine-tune the shipped model of "
        "the same architecture, which drives well from a few minutes of data)",
    )
    p.add_argument(
        "--speed",
        action="store_true",
        help="also learn the speed the road calls for from the recordings' speed column "
        "(the model then races with its own throttle and brakes)",
    )
    p.add_argument(
        "--flip",
        type=argtypes.number(0.0, 1.0),
        default=0.0,
        metavar="P",
        help="mirror this share of frames, negating steering (default 0: a mirrored frame "
        "shows the car in the left lane, which measurably biased models)",
    )
    p.set_defaults(handler=run_train)

    b = sub.add_parser(
        "build-models",
        help="rebuild models/pilotnet.h5 from generated expert data (~14 min on 2 cores)",
        description="Record the expert (mixed looks, recovery views) on generated training "
        "tracks, train PilotNet on it and write the model and its card.",
    )
    b.add_argument("--out", help="model file (default: the shipped models/pilotnet.h5)")
    b.add_argument("--work", help="keep the recorded sessions in this folder (default: temp)")
    b.add_argument(
        "--seeds",
        default=f"{BUILD_TRAIN_SEEDS[0]}-{BUILD_TRAIN_SEEDS[-1]}",
        help="generated training track seeds, e.g. 1000-1011",
    )
    b.add_argument(
        "--tight",
        type=int,
        default=BUILD_TIGHT_TRACKS,
        help="extra shrunken generated tracks with tight bends",
    )
    b.add_argument(
        "--laps", type=argtypes.count, default=BUILD_LAPS, help="laps per training track"
    )
    b.add_argument(
        "--rate", type=argtypes.rate_hz, default=BUILD_RATE_HZ, help="samples per second"
    )
    b.add_argument("--epochs", type=argtypes.count, default=BUILD_EPOCHS, help="most epochs")
    b.add_argument(
        "--time-limit",
        type=argtypes.number(1.0, 7 * 24 * 3600.0),
        default=BUILD_TIME_LIMIT_S,
        help="seconds of training after which no new epoch starts",
    )
    b.add_argument("--seed", type=argtypes.seed, default=0, help="training seed")
    b.add_argument(
        "--teacher-gain",
        type=argtypes.number(0.1, 10.0),
        default=BUILD_TEACHER.feedback_gain,
        help="how hard the recorded expert steers back to the lane centre, times the "
        f"reference expert's pull (default {BUILD_TEACHER.feedback_gain:g}; its labels teach "
        "the model)",
    )
    b.add_argument(
        "--teacher-lookahead",
        type=argtypes.number(0.5, 50.0),
        default=BUILD_TEACHER.lookahead_min_m,
        help="metres ahead (at a standstill, plus "
        f"{BUILD_TEACHER.lookahead_per_mps:g} m per m/s) of the point the recorded expert "
        f"steers for (default {BUILD_TEACHER.lookahead_min_m:g}; the reference expert's is "
        "4 + 0.35 m per m/s)",
    )
    b.add_argument(
        "--width",
        type=argtypes.number(0.05, 4.0),
        default=BUILD_WIDTH,
        help=f"every conv layer's filters relative to PilotNet's (default {BUILD_WIDTH:g}; "
        "the README's 'Rebuilding the models' has what narrower builds measured)",
    )
    b.add_argument(
        "--speed-epochs",
        type=argtypes.whole(0, 1000),
        default=SPEED_EPOCHS,
        help="epochs of the speed stage (racing expert data, steering frozen); 0 skips it",
    )
    b.add_argument(
        "--speed-quantile",
        type=argtypes.number(0.0, 0.99),
        default=SPEED_QUANTILE,
        help="the quantile of the racing expert's speed the speed output learns "
        f"(default {SPEED_QUANTILE:g}; 0: their mean)",
    )
    b.add_argument(
        "--speed-only",
        action="store_true",
        help="only (re)train the speed output of the existing model at --out",
    )
    b.add_argument("--jobs", type=argtypes.count, default=2, help="tracks recorded in parallel")
    b.set_defaults(handler=run_build_models)


def print_data_event(event) -> None:
    """Phase.DATA events on stderr: what is being prepared, then the skipped rows (count, the
    first few, how many more), each with its file and log.csv line."""
    from agents.driving.dataset import summarize_problems
    from agents.training import Phase

    if event.phase is not Phase.DATA:
        return
    if event.message:
        print(event.message, file=sys.stderr)
    for line in summarize_problems(list(event.skipped)):
        print(line, file=sys.stderr)


def tqdm_bar() -> list:
    """tqdm's Keras callback (epochs, and batches within each), for `extra_callbacks`."""
    import logging

    from tqdm.keras import TqdmCallback

    # Keras warns at every checkpoint that .h5 is a legacy format; it is our chosen format.
    logging.getLogger("absl").setLevel(logging.ERROR)
    return [TqdmCallback(verbose=1, dynamic_ncols=True)]


def _report(result, card=None) -> None:
    card = card or result.card
    skipped = f", {len(result.skipped)} bad rows skipped" if result.skipped else ""
    print(
        f"saved {result.model_path}: best val loss {result.best_val_loss:.5f} at epoch "
        f"{card.best_epoch}/{result.epochs_run}, {card.details['frames']['total']} frames"
        f"{skipped}, {result.seconds:.0f} s"
    )


def _model_arch(path: str) -> str | None:
    """The architecture a model's card names (for the default output name), if any."""
    from agents.training import read_model_card

    card = read_model_card(path)
    return card.architecture if card and card.architecture in ARCHITECTURE_NAMES else None


def schedule(fine_tuning: bool, epochs: int | None, time_limit: float | None):
    """(epochs, time limit in s or None): the Train screen's defaults (agents.training) for
    what the person did not give: a fine-tune makes FINE_TUNE_EPOCHS passes within
    FINE_TUNE_TIME_LIMIT_S, a new model SCRATCH_EPOCHS; --epochs alone lifts the limit."""
    if epochs is None:
        epochs = FINE_TUNE_EPOCHS if fine_tuning else SCRATCH_EPOCHS
        if time_limit is None and fine_tuning:
            time_limit = FINE_TUNE_TIME_LIMIT_S
    return epochs, time_limit


def run_train(args: argparse.Namespace) -> int:
    from agents.driving.model_catalog import new_model_path
    from agents.driving.train import TrainConfig, split_cpu, train

    devices = args.devices
    if args.cpu_devices is not None:
        if args.strategy != "mirrored":
            raise UserFacingError("--cpu-devices is for --strategy mirrored")
        split_cpu(args.cpu_devices)  # before TensorFlow uses a device
        devices = devices or [f"/cpu:{i}" for i in range(args.cpu_devices)]
    start = args.fine_tune or (None if args.scratch else shipped_start(args.arch))
    fine_tuned = _model_arch(start) if start else None
    arch = args.arch or fine_tuned or DEFAULT_ARCHITECTURE
    out = Path(args.out) if args.out else new_model_path(arch)
    epochs, time_limit = schedule(start is not None, args.epochs, args.time_limit)
    if start and not args.fine_tune:
        limit = f" within {time_limit:.0f} s" if time_limit is not None else ""
        passes = f"{epochs} pass{'es' if epochs != 1 else ''}"
        print(
            f"fine-tuning the shipped {Path(start).name}: {passes}{limit}, as the Train screen "
            "(--epochs N for more, --scratch to start from zero)"
        )
    config = TrainConfig(
        tuple(args.data),
        arch=args.arch,
        epochs=epochs,
        time_limit_s=time_limit,
        out_path=out,
        batch_size=args.batch_size,
        seed=args.seed,
        strategy=args.strategy,
        devices=tuple(devices or ()),
        tensorboard_dir=args.tensorboard,
        initial_model=start,
        speed=args.speed,
        flip_prob=args.flip,
    )
    result = train(config, progress=print_data_event, extra_callbacks=tqdm_bar)
    _report(result)
    return 0


def shipped_start(arch: str | None) -> str | None:
    """The shipped model to fine-tune by default: the default one when `arch` is its
    architecture (or not given); None (train from scratch) for other architectures."""
    from agents.driving.model_catalog import shipped_model

    model = shipped_model(arch or DEFAULT_ARCHITECTURE)
    return str(model) if model is not None else None


def parse_seeds(text: str) -> list[int]:
    """'1000-1011' or '1,2,5-7' -> a list of ints."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            lo, _, hi = part.strip().partition("-")
            seeds += list(range(int(lo), int(hi or lo) + 1))
    except ValueError:
        raise UserFacingError(f"--seeds: expected e.g. 1000-1011 or 1,2,3, got {text!r}") from None
    if not seeds:
        raise UserFacingError(f"--seeds: no seeds in {text!r}")
    return seeds


def run_build_models(args: argparse.Namespace) -> int:
    from agents.driving.build import BuildRecipe, add_speed_output, build_default_model
    from game.paths import shipped_models_dir

    out = Path(args.out) if args.out else shipped_models_dir() / "pilotnet.h5"
    recipe = BuildRecipe(
        seeds=tuple(parse_seeds(args.seeds)),
        tight=args.tight,
        laps=args.laps,
        rate_hz=args.rate,
        epochs=args.epochs,
        time_limit_s=args.time_limit,
        seed=args.seed,
        jobs=args.jobs,
        speed_epochs=args.speed_epochs,
        speed_quantile=args.speed_quantile or None,
        teacher=replace(
            BUILD_TEACHER,
            feedback_gain=args.teacher_gain,
            lookahead_min_m=args.teacher_lookahead,
        ),
        width=args.width,
    )
    work = Path(args.work) if args.work else None
    if args.speed_only:
        result, _ = add_speed_output(out, recipe, work, print_data_event, tqdm_bar)
        print(
            f"saved {result.model_path}: speed branch best val loss {result.best_val_loss:.5f} "
            f"after {result.epochs_run} epochs (features {result.feature_seconds:.0f} s, "
            f"training {result.seconds:.0f} s)"
        )
    else:
        result, card = build_default_model(out, recipe, work, print_data_event, tqdm_bar)
        _report(result, card)
    return 0
