"""Headless expert recording, with exactly labelled recovery views.

The expert drives; at every sample the normal dashcam frame is saved with the expert's steering
(source=expert). With `recovery=True`, each sample also saves views from cameras displaced
sideways and/or yawed away from the car's true pose. Each view is labelled with the expert's
corrective steering from *that* pose (source=recovery), so a CNN learns to steer back to the
lane centre. PilotNet synthesised such shifted/rotated views with approximate labels; the
simulator knows the geometry, so these labels are exact.

Recovery rows store the camera's pose (x, y, yaw, lane_offset, heading_error of the view) and
its displacement from the car: cam_dx metres to the right, cam_dyaw radians to the right.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from agents.driving.expert import REFERENCE, ExpertDriver, Pursuit, expert_steering_from_pose
from agents.driving.loop import DrivingLoop
from agents.driving.racing import RacingExpert
from agents.driving.recording_log import LogRow
from agents.driving.recording_writer import Recorder
from game.errors import UserFacingError
from game.sim.car import CarParams
from game.sim.geometry import wrap_angle
from game.sim.track import Track
from game.sim.world import DriveSummary, World

SHIFT_RANGE_M = (0.6, 1.2)  # sideways camera displacement
YAW_RANGE_DEG = (3.0, 8.0)  # camera yaw away from the car's heading
VIEW_KINDS = ("shift", "yaw", "both")
# "Near" views: a few centimetres to decimetres off the pose, where lane keeping is judged. A
# model learns its pull back there from these exact labels instead of interpolating between
# the lane centre and the big recoveries above.
NEAR_SHIFT_RANGE_M = (0.05, 0.3)
NEAR_YAW_MAX_DEG = 1.5


@dataclass(frozen=True)
class RecordingSummary(DriveSummary):
    """A finished recording: how the expert drove, plus where the frames went and how many."""

    out_dir: str
    frames: int
    expert_frames: int
    recovery_frames: int
    look: str
    rate_hz: float


def recovery_offsets(
    rng: np.random.Generator, n_views: int = 2, near_share: float = 0.0
) -> list[tuple[float, float]]:
    """(dx metres right, dyaw radians right) for each view of one sample.

    Views alternate sides (random first side) so left and right recoveries stay balanced. A
    "both" view shifts and yaws the same way: the car drifting out, the hardest case.
    near_share: the share of views that are near ones (a small shift, a small yaw either way).
    """
    first = 1.0 if rng.random() < 0.5 else -1.0
    out = []
    for i in range(n_views):
        side = first if i % 2 == 0 else -first
        if near_share > 0.0 and rng.random() < near_share:
            dx = side * rng.uniform(*NEAR_SHIFT_RANGE_M)
            out.append((dx, math.radians(rng.uniform(-NEAR_YAW_MAX_DEG, NEAR_YAW_MAX_DEG))))
            continue
        kind = VIEW_KINDS[int(rng.integers(len(VIEW_KINDS)))]
        dx = side * rng.uniform(*SHIFT_RANGE_M) if kind != "yaw" else 0.0
        dyaw = side * math.radians(rng.uniform(*YAW_RANGE_DEG)) if kind != "shift" else 0.0
        out.append((dx, dyaw))
    return out


def displaced_pose(x: float, y: float, yaw: float, dx: float, dyaw: float):
    """The camera pose `dx` metres to the right of (x, y, yaw), turned `dyaw` to the right."""
    # Right of heading yaw is (sin yaw, -cos yaw); turning right is a negative yaw change.
    return x + dx * math.sin(yaw), y - dx * math.cos(yaw), yaw - dyaw


def view_metrics(track: Track, x: float, y: float, yaw: float, hint: int | None = None):
    """(lane_offset, heading_error, projection index) of any camera pose on `track`."""
    proj = track.project(x, y, hint=hint)
    return track.lane_offset(proj.lateral), wrap_angle(proj.heading - yaw), proj.index


def _resolve(track: Track | str) -> Track:
    if isinstance(track, Track):
        return track
    from game.sim.tracks_catalog import resolve_track

    return resolve_track(track)


class _ExpertSamples:
    """The recorder part of an expert run: at each sample the car's view in a (seeded) look,
    then, with `recovery`, views from displaced cameras labelled with the expert's correction.
    It renders its own views (the look changes per sample), so the loop needs no camera."""

    def __init__(self, rec: Recorder, cams: dict, rng: np.random.Generator, recovery: bool,
                 views_per_sample: int, pursuit: Pursuit = REFERENCE,
                 near_share: float = 0.0) -> None:  # fmt: skip
        self.rec = rec
        self.pursuit = pursuit
        self.near_share = near_share
        self.cams = cams
        self.looks = list(cams)
        self.rng = rng
        self.recovery = recovery
        self.views_per_sample = views_per_sample
        self.hint: int | None = None
        self.n_expert = self.n_recovery = 0

    def wants_frame(self, world: World) -> bool:
        return self.rec.wants_frame(world)

    def record(self, world: World, frame: np.ndarray | None, command: float) -> bool:
        st, track, rng = world.car.state, world.track, self.rng
        view_look = self.looks[int(rng.integers(len(self.looks)))]
        cam = self.cams[view_look]
        self.rec.update(world, cam.render(st.x, st.y, st.yaw), command, "expert", view_look)
        self.n_expert += 1
        if not self.recovery:
            return True
        for dx, dyaw in recovery_offsets(rng, self.views_per_sample, self.near_share):
            vx, vy, vyaw = displaced_pose(st.x, st.y, st.yaw, dx, dyaw)
            offset, heading_error, self.hint = view_metrics(track, vx, vy, vyaw, self.hint)
            label = expert_steering_from_pose(
                track, vx, vy, vyaw, st.speed, hint=self.hint, params=world.car.params,
                pursuit=self.pursuit,
            )
            view = LogRow(
                steering=label, throttle=st.throttle, speed=st.speed, lane_offset=offset,
                heading_error=heading_error, x=vx, y=vy, yaw=vyaw, track=track.name,
                source="recovery", t=world.time, look=view_look, cam_dx=dx, cam_dyaw=dyaw,
            )  # fmt: skip
            self.rec.write_row(cam.render(vx, vy, vyaw), view)
            self.n_recovery += 1
        return True


@dataclass(frozen=True)
class ExpertRecording:
    """What one expert recording is asked to make (record_expert records it).

    track: a Track or a spec (shipped name, JSON file, gen:SEED); out_dir: the session folder
    (None: a new one under the user's recordings).
    look: a dashcam look, or "mixed" for a seeded random look per sample.
    recovery / views_per_sample: displaced-camera views per sample, labelled exactly.
    race: the racing expert drives (its own throttle and brakes, as fast as the grip allows)
    instead of the lane-keeping expert at cruise: data for a speed-aware model.
    pursuit: how the lane-keeping expert steers back to the lane centre, in the drive and in
    every label (with `race` the racing expert drives, and its views are labelled by the
    reference expert). The teacher (expert.TEACHER) pulls back sooner and harder than the
    reference: it keeps a tighter line, and a CNN's small errors leave less offset.
    near_share: the share of recovery views that are near ones (see `recovery_offsets`).
    """

    track: Track | str
    laps: int = 1
    out_dir: str | os.PathLike[str] | None = None
    look: str = "day"
    rate_hz: float = 20.0
    seed: int = 0
    recovery: bool = True
    views_per_sample: int = 2
    race: bool = False
    pursuit: Pursuit = REFERENCE
    near_share: float = 0.0

    def with_(self, **changes) -> ExpertRecording:
        return replace(self, **changes)


def record_expert(
    recipe: ExpertRecording, progress: Callable[[float, float], None] | None = None
) -> RecordingSummary:
    """Drive `recipe.laps` laps with the expert and record them; returns what was written.

    progress(metres_done, metres_total) is called after each sample.
    """
    from game.sim.dashcam import LOOKS, CameraParams, Dashcam

    r = recipe
    look, laps = r.look, r.laps
    if look != "mixed" and look not in LOOKS:
        raise UserFacingError(f"unknown look {look!r}; choose one of {', '.join(LOOKS)}, mixed")
    if laps < 1:
        raise UserFacingError(f"laps must be at least 1, got {laps}")
    track = _resolve(r.track)
    looks = list(LOOKS) if look == "mixed" else [look]
    params = CameraParams()
    cams = {name: Dashcam(track, params, look=name, seed=r.seed) for name in looks}
    expert = RacingExpert() if r.race else ExpertDriver(r.pursuit)
    world = World(track, start_speed=CarParams().default_cruise)
    expert.reset(world)
    total_m = laps * track.length
    # A safety cap: the expert should never need 3x the time at cruise speed.
    max_steps = int(3 * total_m / max(world.car.cruise_speed, 1.0) * 60) + 600
    with Recorder(r.out_dir, params, track.name, look, r.rate_hz, source="expert") as rec:
        samples = _ExpertSamples(
            rec, cams, np.random.default_rng(r.seed), r.recovery, r.views_per_sample,
            REFERENCE if r.race else r.pursuit, r.near_share,
        )
        loop = DrivingLoop(world, expert, recorder=samples)
        while world.laps < laps and world.steps < max_steps:
            step = loop.step()
            if step.record_error is not None:
                raise step.record_error  # e.g. disk full: the CLI says so in one line
            if step.recorded and progress is not None:
                progress(min(world.metrics.progress, total_m), total_m)
        if progress is not None:
            progress(min(world.metrics.progress, total_m), total_m)
        frames = rec.frame_count
    return RecordingSummary(
        **asdict(world.summary()),
        out_dir=str(Path(rec.dir)),
        frames=frames,
        expert_frames=samples.n_expert,
        recovery_frames=samples.n_recovery,
        look=look,
        rate_hz=r.rate_hz,
    )
