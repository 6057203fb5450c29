"""The recipe of the shipped default driving model (`build-models`): record the expert on
generated tracks (left and right bends in equal measure), train PilotNet on it, take its mean
steering error on the teacher's own line out of the output's bias (agents.driving.calibrate),
and write the model and its card. A second stage
records the racing expert on the same tracks and trains the model's speed output on it
(steering frozen), so the one default model keeps its lane at cruise and races.

Training tracks are generated seeds; evaluation uses other seeds and the shipped tracks, so
the model is always judged on roads it never saw.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from agents.driving.expert import TEACHER, Pursuit
from agents.training import ProgressFn, report_data
from game.errors import UserFacingError

if TYPE_CHECKING:  # numpy-heavy: imported in the worker that records
    from agents.driving.expert_recorder import RecordingSummary

BUILD_TRAIN_SEEDS = tuple(range(1000, 1012))
BUILD_LAPS = 1
BUILD_RATE_HZ = 10.0  # samples per simulated second (each with 2 recovery views)
# Shipped circuits have hairpins down to ~10 m radius; generated tracks stay above 18 m. A few
# generated tracks shrunk until their tightest bend is ~10-12 m teach the tight corners.
TIGHT_SEEDS = range(1012, 1100)  # the first BUILD_TIGHT_TRACKS whose tightest bend <= 26 m
BUILD_TIGHT_TRACKS = 8
TIGHT_TARGET_RADII_M = (7.0, 8.0, 9.0)  # before the track's 1 m resampling smooths the bend
TIGHT_MAX_RADIUS_M = 26.0
# Generated bends tighten and open continuously; a stadium's half circles hold one radius for
# 80-190 m. Without them the model cut 1.9 cm inside the Oval's 40 m bends (1.06x the
# expert's offset there, 0.35-0.84x on every other evaluation track).
BUILD_STADIUM_TRACKS = 4
STADIUM_SEEDS = range(1200, 1300)
STADIUM_RADIUS_M = (25.0, 60.0)
STADIUM_STRAIGHT_M = (60.0, 220.0)
# Cosine-decayed. 7 since 2026-12-06: at width 0.5 an epoch takes ~35-45 s (at width 1.0 80-90 s,
# when 5 epochs kept the build near 15 min).
BUILD_EPOCHS = 7
BUILD_TIME_LIMIT_S = 15 * 60  # no training epoch starts that would end after this
BUILD_FLIP_PROB = 0.0  # see train-driver --flip: mirrored frames swap which lane the car is in
BUILD_LOOK = "mixed"
# The cruise expert that drives and labels the build's data steers back to the lane centre
# sooner and harder than the reference expert (agents.driving.expert.TEACHER). A CNN's small
# steering errors leave an offset in inverse proportion to that pull: fine-tuned on labels with
# 2.5x the reference's pull the model's offset on the oval fell from 0.043 to 0.025 m (expert
# 0.015 m), while the same fine-tune on the reference's labels drifted to 0.067 m.
BUILD_TEACHER = TEACHER
BUILD_NEAR_VIEWS = 0.25  # share of recovery views near the pose (expert_recorder.recovery_offsets)
BUILD_COMMAND = "python main.py build-models"
# Every conv layer's filters relative to PilotNet's (agents.driving.models.ConvNetRecipe.width;
# 1.0 is the paper's 24-36-48-64-64). Half of them run a frame in ~0.45 ms instead of ~1.1.
BUILD_WIDTH = 0.5
# The model lab's runs behind the recipe (the card's build.chosen_by; README, "Model lab").
BUILD_CHOSEN_BY = {
    "width": "python main.py lab run assets/lab/default_model.toml --out runs/default_model",
    "teacher": "python main.py lab run assets/lab/default_teacher.toml --out runs/default_teacher",
}
SPEED_EPOCHS = 30  # at most: the branch trains on cached features and stops early
# The speed branch learns this quantile of the racing expert's speed given the frame (pinball
# loss), not its mean: far bends the camera cannot see yet make the speed on a straight
# uncertain, and a mean-trained branch asked for ~22 m/s where the expert drove 30 (hairpin's
# lap 1.108x the expert's). A bend the camera does see leaves little spread, so the braking for
# it stays. At 0.8 the model entered Spielberg's 12 m bend at 14.5 m/s (the expert 14.0) and
# left its lane twice; at 0.75 it kept every lane, worst lap 1.048x. README, "Rebuilding the
# models".
SPEED_QUANTILE = 0.75


@dataclass(frozen=True)
class BuildRecipe:
    """What `build_default_model` records and trains (the CLI's options)."""

    seeds: tuple[int, ...] = BUILD_TRAIN_SEEDS
    tight: int = BUILD_TIGHT_TRACKS
    stadiums: int = BUILD_STADIUM_TRACKS
    laps: int = BUILD_LAPS
    rate_hz: float = BUILD_RATE_HZ
    epochs: int = BUILD_EPOCHS
    time_limit_s: float = BUILD_TIME_LIMIT_S
    seed: int = 0
    jobs: int = 2
    speed_epochs: int = SPEED_EPOCHS  # 0: a steering-only model
    speed_quantile: float | None = SPEED_QUANTILE  # None: the speed branch learns the mean
    teacher: Pursuit = BUILD_TEACHER  # how the recorded expert pulls back to the lane
    width: float = BUILD_WIDTH  # the network's conv widths (ConvNetRecipe.width)

    def network(self):
        """The steering network's agents.driving.models.ConvNetRecipe; None at width 1.0
        (the architecture's own PilotNet, built as before)."""
        from agents.driving.models import ConvNetRecipe

        return None if self.width == 1.0 else ConvNetRecipe(width=self.width)


@dataclass(frozen=True)
class TrainingTrack:
    """One track of the build: generated `seed`, shrunk by `scale` (< 1 tightens every bend),
    driven clockwise or anticlockwise (None: the way the generator drew it)."""

    seed: int
    scale: float = 1.0
    clockwise: bool | None = None
    stadium: bool = False  # a stadium_points(seed) loop instead of the generator's

    def make(self):
        return training_track(self.seed, self.scale, self.clockwise, self.stadium)

    @property
    def folder_name(self) -> str:
        return f"{'stadium' if self.stadium else 'gen'}-{self.seed}x{self.scale:.2f}"


def stadium_points(seed: int):
    """An anticlockwise stadium, one point a metre: two straights joined by half circles of
    one radius, both drawn from seeded ranges (STADIUM_RADIUS_M, STADIUM_STRAIGHT_M)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    radius, straight = rng.uniform(*STADIUM_RADIUS_M), rng.uniform(*STADIUM_STRAIGHT_M)
    pieces = []
    for side in (0, 1):  # a straight along the bottom (then the top), then a half circle
        xs = np.arange(0.0, straight, 1.0)
        bottom = np.stack([xs, np.full_like(xs, -radius)], 1)
        angles = np.arange(-np.pi / 2, np.pi / 2, 1.0 / radius)
        bend = np.stack([straight + radius * np.cos(angles), radius * np.sin(angles)], 1)
        half = np.concatenate([bottom, bend])
        pieces.append(half if side == 0 else np.array([straight, 0.0]) - half)
    return np.concatenate(pieces)


def training_track(
    seed: int, scale: float = 1.0, clockwise: bool | None = None, stadium: bool = False
):
    """Generated track `seed` (a stadium_points loop with `stadium`), shrunk by `scale`,
    driven the way `clockwise` says. A loop driven the other way round from the one drawn gets
    an "r" after its name."""
    from game.sim.track import build_track, loop_turns_left
    from game.sim.trackgen import generate_points, generate_track

    points = stadium_points(seed) if stadium else generate_points(seed)
    reverse = clockwise is not None and loop_turns_left(points) == clockwise
    if scale == 1.0 and not reverse and not stadium:
        return generate_track(seed)
    kind, source = ("stadium", "stadium") if stadium else ("gen", "procedural generator")
    name = f"{kind}:{seed}" if scale == 1.0 else f"{kind}:{seed}x{scale:.2f}"
    source += f", seed {seed}"
    if scale != 1.0:
        source += f", scaled {scale:.2f}"
    if reverse:
        points, name, source = points[::-1].copy(), name + "r", source + ", driven the other way"
    return build_track(name, points * scale, source=source, license="generated")


def tight_track_recipes(n: int) -> list[tuple[int, float]]:
    """(seed, scale) of n generated tracks shrunk until their tightest bend is ~10-12 m."""
    from game.sim.trackgen import generate_track

    recipes: list[tuple[int, float]] = []
    for seed in TIGHT_SEEDS:
        if len(recipes) == n:
            break
        radius = generate_track(seed).min_radius
        if radius <= TIGHT_MAX_RADIUS_M:
            target = TIGHT_TARGET_RADII_M[len(recipes) % len(TIGHT_TARGET_RADII_M)]
            recipes.append((seed, round(target / radius, 2)))
    return recipes


def build_tracks(recipe: BuildRecipe) -> list[TrainingTrack]:
    """The recipe's tracks, each driven the way round that has had fewer metres so far, among
    the gentle and among the tight ones: left and right bends in equal measure. As generated,
    9 of the 12 gentle loops turned left (2.1x the left-turning distance), and the model held
    its line ~1 cm right of the expert's on gentle tracks."""
    out: list[TrainingTrack] = []
    gentle = [TrainingTrack(seed) for seed in recipe.seeds]
    tight = [TrainingTrack(seed, scale) for seed, scale in tight_track_recipes(recipe.tight)]
    stadiums = [TrainingTrack(seed, stadium=True) for seed in STADIUM_SEEDS[: recipe.stadiums]]
    for group in (gentle, tight, stadiums):
        metres = {False: 0.0, True: 0.0}  # driven so far: anticlockwise, clockwise
        for t in group:
            clockwise = metres[True] < metres[False]
            metres[clockwise] += t.make().length
            out.append(replace(t, clockwise=clockwise))
    return out


@dataclass(frozen=True)
class _RecordJob:
    track: TrainingTrack
    laps: int
    rate_hz: float
    out: str
    race: bool
    teacher: Pursuit


def _record_one(job: _RecordJob) -> RecordingSummary:
    from agents.driving.expert_recorder import ExpertRecording, record_expert

    t = job.track
    track = t.make()
    return record_expert(
        ExpertRecording(
            track, job.laps, job.out, look=BUILD_LOOK, rate_hz=job.rate_hz, seed=t.seed,
            recovery=True, race=job.race, pursuit=job.teacher,
            near_share=0.0 if job.race else BUILD_NEAR_VIEWS,
        )
    )  # fmt: skip


def record_training_data(
    tracks: list[TrainingTrack],
    laps: int,
    rate: float,
    work: Path,
    jobs: int = 2,
    race: bool = False,
    teacher: Pursuit = BUILD_TEACHER,
) -> list[RecordingSummary]:
    """Record the expert (`race`: the racing expert) on each track in parallel processes;
    summaries in order. teacher: how the cruise expert pulls back to the lane."""
    from tqdm import tqdm

    work.mkdir(parents=True, exist_ok=True)
    kind = "race" if race else "cruise"
    todo = []
    for t in tracks:
        folder = work / f"{kind}-{t.folder_name}"
        todo.append(_RecordJob(t, laps, rate, str(folder), race, teacher))
    for job in todo:
        shutil.rmtree(job.out, ignore_errors=True)  # a fresh session, never an append
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        jobs_done = pool.map(_record_one, todo)
        desc = f"recording {'racing ' if race else ''}expert"
        results = list(tqdm(jobs_done, total=len(todo), desc=desc, unit="track"))
    return results


def train_speed_stage(
    model: Path,
    recipe: BuildRecipe,
    folder: Path,
    progress: ProgressFn | None = None,
    extra_callbacks: Callable[[], list] | None = None,
):
    """Record the racing expert on the recipe's tracks and train `model`'s speed output on it
    in place (its steering weights frozen). Returns (train result, recordings, seconds)."""
    from agents.driving.speed_head import train_speed_head

    started = time.monotonic()
    recorded = record_training_data(
        build_tracks(recipe), recipe.laps, recipe.rate_hz, folder, recipe.jobs, race=True
    )
    frames = sum(r.frames for r in recorded)
    report_data(progress, f"recorded {frames} racing frames in {time.monotonic() - started:.0f} s")
    result = train_speed_head(
        model,
        [r.out_dir for r in recorded],
        epochs=recipe.speed_epochs,
        seed=recipe.seed,
        progress=progress,
        extra_callbacks=extra_callbacks,
        quantile=recipe.speed_quantile,
    )
    return result, recorded, time.monotonic() - started


STEERING_STAGE_KEYS = (
    "epochs", "best_val_loss", "training_seconds", "history", "frames", "batch_size",
    "flip_prob", "lr_decay", "fine_tuned_from", "created", "steering_calibration", "network",
)  # fmt: skip


# What a speed stage alone keeps as well: the steering data and build the card described.
BUILD_RECORD_KEYS = ("sessions", "data", "build")


def read_steering_card(model: Path, keys: tuple[str, ...] = STEERING_STAGE_KEYS) -> dict:
    """The steering stage's training record from `model`'s card (the speed stage's card, written
    over it, keeps these in the top-level keys as the model's main training)."""
    from agents.modelio import read_card

    card = read_card(model)
    return {k: card[k] for k in keys if k in card}


def _speed_card(
    recorded: list[RecordingSummary], result, recipe: BuildRecipe, seconds: float, command: str
):
    """The card's `speed_stage` entry: what the speed output learned from."""
    from agents.driving.models import SPEED_FAR_ROWS

    return {
        "command": command,
        "tracks": [r.track for r in recorded],
        "frames": sum(r.frames for r in recorded),
        "driver": "racer (agents.driving.racing)",
        "epochs": recipe.speed_epochs,
        "epochs_run": result.epochs_run,
        "best_val_loss": result.best_val_loss,
        "loss": "mean squared error" if result.quantile is None else "pinball",
        "quantile": result.quantile,
        "training_seconds": round(result.seconds, 1),
        "feature_seconds": round(result.feature_seconds, 1),
        "restarts_val_loss": result.restarts,
        "seconds": round(seconds),
        "far_rows": SPEED_FAR_ROWS,
        "trained": "speed branch only (steering weights frozen), on features computed once",
    }


def add_speed_output(
    out: Path,
    recipe: BuildRecipe = BuildRecipe(),
    work: Path | None = None,
    progress: ProgressFn | None = None,
    extra_callbacks: Callable[[], list] | None = None,
):
    """Only the speed stage: give the existing model at `out` its speed output (or retrain
    it), its steering untouched; the card keeps the steering stage's record."""
    from agents.training import update_card

    if not out.exists():
        raise UserFacingError(f"{out}: no such model to add a speed output to")
    from agents.driving.cnn_driver import load_driving_model

    load_driving_model(out)  # a broken file is reported now, not after recording the data
    steering_card = read_steering_card(out, STEERING_STAGE_KEYS + BUILD_RECORD_KEYS)
    folder = work if work is not None else Path(tempfile.mkdtemp(prefix="build-speed-"))
    try:
        result, recorded, seconds = train_speed_stage(out, recipe, folder, progress,
                                                      extra_callbacks)  # fmt: skip
    finally:
        if work is None:
            shutil.rmtree(folder, ignore_errors=True)
    card = update_card(
        out,
        **steering_card,
        speed_stage=_speed_card(
            recorded, result, recipe, seconds, "python main.py build-models --speed-only"
        ),
    )
    return result, card


def portable_config(config: dict | None, tracks: list[str], out: Path) -> dict | None:
    """The training config as the card keeps it: the recordings named by their tracks and the
    model by its file name, not by this machine's (temporary) folders."""
    if config is None:
        return None
    return {**config, "sessions": tracks, "out_path": out.name}


def build_default_model(
    out: Path,
    recipe: BuildRecipe = BuildRecipe(),
    work: Path | None = None,
    progress: ProgressFn | None = None,
    extra_callbacks: Callable[[], list] | None = None,
):
    """Record, train and write `out` + its card (the data named by recipe, not by temporary
    folders). `work` keeps the recordings; by default they go to a temporary folder."""
    from agents.driving.calibrate import calibrate_steering
    from agents.driving.models import DEFAULT_ARCHITECTURE
    from agents.driving.train import TrainConfig, train
    from agents.modelio import read_card
    from agents.training import update_card

    started = time.monotonic()
    folder = work if work is not None else Path(tempfile.mkdtemp(prefix="build-models-"))
    try:
        recorded = record_training_data(
            build_tracks(recipe), recipe.laps, recipe.rate_hz, folder, recipe.jobs,
            teacher=recipe.teacher,
        )  # fmt: skip
        record_s = time.monotonic() - started
        frames = sum(r.frames for r in recorded)
        report_data(progress, f"recorded {frames} frames in {record_s:.0f} s")
        config = TrainConfig.scratch(
            [r.out_dir for r in recorded],
            out,
            arch=DEFAULT_ARCHITECTURE,
            epochs=recipe.epochs,
            seed=recipe.seed,
            time_limit_s=recipe.time_limit_s,
            flip_prob=BUILD_FLIP_PROB,
            network=recipe.network(),
        )
        result = train(config, progress=progress, extra_callbacks=extra_callbacks)
        calibration = calibrate_steering(out, [r.out_dir for r in recorded])
        report_data(
            progress,
            f"steering bias moved by {calibration.bias_shift:+.5f} "
            f"(the mean error on {calibration.frames} frames of the teacher's own line)",
        )
        steering_card = read_steering_card(out)
        speed = None
        if recipe.speed_epochs > 0:
            speed = train_speed_stage(out, recipe, folder, progress, extra_callbacks)
    finally:
        if work is None:
            shutil.rmtree(folder, ignore_errors=True)
    keys = ("track", "frames", "expert_frames", "recovery_frames")
    card = update_card(
        out,
        # The steering stage's training record, which the speed stage's card replaced.
        **steering_card,
        config=portable_config(read_card(out).get("config"), [r.track for r in recorded], out),
        **(
            {"speed_stage": _speed_card(speed[1], speed[0], recipe, speed[2], BUILD_COMMAND)}
            if speed
            else {}
        ),
        sessions=[{k: getattr(r, k) for k in keys} for r in recorded],
        data={
            "tracks": [r.track for r in recorded],
            "note": (
                "gen:SEEDxK = generated track SEED scaled by K (tight bends); "
                "stadium:SEED = two straights and two half circles of one radius; "
                "a trailing r: driven the other way round from the one drawn"
            ),
            "laps": recipe.laps,
            "rate_hz": recipe.rate_hz,
            "look": BUILD_LOOK,
            "recovery": True,
            "teacher": asdict(recipe.teacher),
            "near_view_share": BUILD_NEAR_VIEWS,
        },
        build={
            "command": BUILD_COMMAND,
            "chosen_by": BUILD_CHOSEN_BY,
            "seconds": round(time.monotonic() - started),
            "recording_seconds": round(record_s),
        },
    )
    return result, card
