"""CLI: `train-driver` (train a steering CNN on recordings) and `build-models` (rebuild the
shipped default model from freshly generated expert data)."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from cli import argtypes
from game.errors import UserFacingError

ARCHS = ("pilotnet", "pooled", "nopool")

# The default model's recipe. Training tracks are generated seeds; evaluation uses other
# seeds and the shipped tracks, so the model is always judged on roads it never saw.
BUILD_TRAIN_SEEDS = tuple(range(1000, 1012))
BUILD_LAPS = 1
BUILD_RATE_HZ = 10.0  # samples per simulated second (each with 2 recovery views)
# Shipped circuits have hairpins down to ~10 m radius; generated tracks stay above 18 m. A few
# generated tracks shrunk until their tightest bend is ~10-12 m teach the tight corners.
TIGHT_SEEDS = range(1012, 1100)  # the first BUILD_TIGHT_TRACKS whose tightest bend <= 26 m
BUILD_TIGHT_TRACKS = 8
TIGHT_TARGET_RADII_M = (7.0, 8.0, 9.0)  # before the track's 1 m resampling smooths the bend
BUILD_EPOCHS = 10
BUILD_TIME_LIMIT_S = 15 * 60  # no training epoch starts that would end after this
BUILD_FLIP_PROB = 0.0  # see train-driver --flip: mirrored frames swap which lane the car is in


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Registers this module's subcommands."""
    p = sub.add_parser(
        "train-driver",
        help="train a steering CNN on recorded sessions",
        description="Train PilotNet (or a donkey-car variant) on recorded session folders. "
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
        choices=ARCHS,
        help="architecture (default pilotnet; with --fine-tune, the model's own)",
    )
    p.add_argument(
        "--epochs", type=argtypes.count, default=10, help="most epochs (early stopping: 5)"
    )
    p.add_argument("--out", help="model file to write (.h5; default: user models/ARCH.h5)")
    p.add_argument("--seed", type=argtypes.seed, default=0, help="random seed")
    p.add_argument(
        "--strategy",
        choices=("default", "mirrored"),
        default="default",
        help="tf.distribute strategy; mirrored uses every local GPU",
    )
    p.add_argument(
        "--devices",
        nargs="+",
        metavar="DEV",
        help="devices for --strategy mirrored (default: every local GPU)",
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
        help="rebuild models/pilotnet.h5 from generated expert data (~15-18 min on 2 cores)",
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
    b.add_argument("--jobs", type=argtypes.count, default=2, help="tracks recorded in parallel")
    b.set_defaults(handler=run_build_models)


class _ProgressBar:
    """A tqdm bar over all batches of all epochs, driven by train()'s progress events.

    Created at the first batch event, so an error found before training prints no empty bar.
    The "data" event that lists skipped rows prints them first (count, the first few, and
    how many more), each with its file and log.csv line.
    """

    def __init__(self, desc: str) -> None:
        self.desc = desc
        self.bar = None

    def __call__(self, event: dict) -> None:
        from tqdm import tqdm

        if event["phase"] == "data":
            if "skipped" in event:
                from agents.driving.dataset import summarize_problems

                for line in summarize_problems(event["skipped"]):
                    print(line, file=sys.stderr)
            return
        if event["phase"] == "done":
            return
        total = event["epochs"] * event["batches"]
        if self.bar is None:
            self.bar = tqdm(desc=self.desc, total=total, unit="batch", dynamic_ncols=True)
        bar = self.bar
        bar.total = total
        done = (event["epoch"] - 1) * event["batches"] + event["batch"]
        bar.update(max(done - bar.n, 0))
        post = {"epoch": f"{event['epoch']}/{event['epochs']}", "loss": f"{event['loss']:.4f}"}
        if event.get("val_loss") is not None:
            post["val_loss"] = f"{event['val_loss']:.4f}"
        bar.set_postfix(post, refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _train_with_bar(desc: str, **kwargs):
    import logging

    from agents.driving.train import train

    # Keras warns at every checkpoint that .h5 is a legacy format; it is our chosen format.
    logging.getLogger("absl").setLevel(logging.ERROR)
    bar = _ProgressBar(desc)
    try:
        return train(progress=bar, **kwargs)
    finally:
        bar.close()


def _report(result) -> None:
    card = result.card
    skipped = f", {len(result.skipped)} bad rows skipped" if result.skipped else ""
    print(
        f"saved {result.model_path}: best val loss {result.best_val_loss:.5f} at epoch "
        f"{card['epochs']['best']}/{result.epochs_run}, {card['frames']['total']} frames"
        f"{skipped}, {result.seconds:.0f} s"
    )


def _model_arch(path: str) -> str | None:
    """The architecture a model's card names (for the default output name), if any."""
    from agents.modelio import read_card

    arch = read_card(path).get("architecture")
    return arch if arch in ARCHS else None


def run_train(args: argparse.Namespace) -> int:
    from game.paths import user_dir

    arch = args.arch or (_model_arch(args.fine_tune) if args.fine_tune else None) or "pilotnet"
    out = Path(args.out) if args.out else user_dir("models") / f"{arch}.h5"
    result = _train_with_bar(
        f"training {arch}",
        sessions=args.data,
        arch=args.arch,
        epochs=args.epochs,
        out_path=out,
        batch_size=args.batch_size,
        seed=args.seed,
        strategy=args.strategy,
        devices=args.devices,
        tensorboard_dir=args.tensorboard,
        initial_model=args.fine_tune,
        flip_prob=args.flip,
    )
    _report(result)
    return 0


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


def training_track(seed: int, scale: float = 1.0):
    """Generated track `seed`, shrunk by `scale` (< 1 tightens every bend)."""
    from game.sim.track import build_track
    from game.sim.trackgen import generate_points, generate_track

    if scale == 1.0:
        return generate_track(seed)
    return build_track(
        f"gen:{seed}x{scale:.2f}",
        generate_points(seed) * scale,
        source=f"procedural generator, seed {seed}, scaled {scale:.2f}",
        license="generated",
    )


def tight_track_recipes(n: int) -> list[tuple[int, float]]:
    """(seed, scale) of n generated tracks shrunk until their tightest bend is ~10-12 m."""
    from game.sim.trackgen import generate_track

    recipes: list[tuple[int, float]] = []
    for seed in TIGHT_SEEDS:
        if len(recipes) == n:
            break
        radius = generate_track(seed).min_radius
        if radius <= 26.0:
            target = TIGHT_TARGET_RADII_M[len(recipes) % len(TIGHT_TARGET_RADII_M)]
            recipes.append((seed, round(target / radius, 2)))
    return recipes


def _record_one(job: tuple[int, float, int, float, str]) -> dict:
    from agents.driving.expert_recorder import record_expert

    seed, scale, laps, rate, out = job
    track = training_track(seed, scale)
    return record_expert(track, laps, out, look="mixed", rate_hz=rate, seed=seed, recovery=True)


def record_training_data(
    recipes: list[tuple[int, float]], laps: int, rate: float, work: Path, jobs: int = 2
) -> list[dict]:
    """Record the expert on each (seed, scale) track in parallel processes; summaries in order."""
    from tqdm import tqdm

    work.mkdir(parents=True, exist_ok=True)
    todo = [(s, k, laps, rate, str(work / f"gen-{s}x{k:.2f}")) for s, k in recipes]
    for *_, out in todo:
        shutil.rmtree(out, ignore_errors=True)  # a fresh session, never an append
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        jobs_done = pool.map(_record_one, todo)
        results = list(tqdm(jobs_done, total=len(todo), desc="recording expert", unit="track"))
    return results


def run_build_models(args: argparse.Namespace) -> int:
    from agents.driving.train import update_card
    from game.paths import shipped_models_dir

    out = Path(args.out) if args.out else shipped_models_dir() / "pilotnet.h5"
    seeds = parse_seeds(args.seeds)
    started = time.monotonic()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="build-models-"))
    try:
        recipes = [(s, 1.0) for s in seeds] + tight_track_recipes(args.tight)
        recorded = record_training_data(recipes, args.laps, args.rate, work, args.jobs)
        record_s = time.monotonic() - started
        print(f"recorded {sum(r['frames'] for r in recorded)} frames in {record_s:.0f} s")
        result = _train_with_bar(
            "training pilotnet",
            sessions=[r["out_dir"] for r in recorded],
            arch="pilotnet",
            epochs=args.epochs,
            out_path=out,
            seed=args.seed,
            time_limit_s=args.time_limit,
            flip_prob=BUILD_FLIP_PROB,
        )
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    if result.cancelled:
        raise UserFacingError("training stopped before any epoch finished; model not replaced")
    # Name the data by its recipe, not by temporary folder paths.
    sessions = [
        {
            "track": r["track"],
            "frames": r["frames"],
            "expert_frames": r["expert_frames"],
            "recovery_frames": r["recovery_frames"],
        }
        for r in recorded
    ]
    update_card(
        out,
        sessions=sessions,
        data={
            "tracks": [r["track"] for r in recorded],
            "note": "gen:SEEDxK = generated track SEED scaled by K (tight bends)",
            "laps": args.laps,
            "rate_hz": args.rate,
            "look": "mixed",
            "recovery": True,
        },
        build={
            "command": "python main.py build-models",
            "seconds": round(time.monotonic() - started),
            "recording_seconds": round(record_s),
        },
    )
    _report(result)
    return 0
