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
from pathlib import Path

import numpy as np

from agents.driving.expert import ExpertDriver, expert_steering_from_pose
from agents.driving.recording import Recorder, view_metrics
from game.errors import UserFacingError
from game.sim.car import CarParams
from game.sim.track import Track
from game.sim.world import World

SHIFT_RANGE_M = (0.6, 1.2)  # sideways camera displacement
YAW_RANGE_DEG = (3.0, 8.0)  # camera yaw away from the car's heading
VIEW_KINDS = ("shift", "yaw", "both")


def recovery_offsets(rng: np.random.Generator, n_views: int = 2) -> list[tuple[float, float]]:
    """(dx metres right, dyaw radians right) for each view of one sample.

    Views alternate sides (random first side) so left and right recoveries stay balanced. A
    "both" view shifts and yaws the same way: the car drifting out, the hardest case.
    """
    first = 1.0 if rng.random() < 0.5 else -1.0
    out = []
    for i in range(n_views):
        side = first if i % 2 == 0 else -first
        kind = VIEW_KINDS[int(rng.integers(len(VIEW_KINDS)))]
        dx = side * rng.uniform(*SHIFT_RANGE_M) if kind != "yaw" else 0.0
        dyaw = side * math.radians(rng.uniform(*YAW_RANGE_DEG)) if kind != "shift" else 0.0
        out.append((dx, dyaw))
    return out


def displaced_pose(x: float, y: float, yaw: float, dx: float, dyaw: float):
    """The camera pose `dx` metres to the right of (x, y, yaw), turned `dyaw` to the right."""
    # Right of heading yaw is (sin yaw, -cos yaw); turning right is a negative yaw change.
    return x + dx * math.sin(yaw), y - dx * math.cos(yaw), yaw - dyaw


def _resolve(track: Track | str) -> Track:
    if isinstance(track, Track):
        return track
    from game.sim.tracks_catalog import resolve_track

    return resolve_track(track)


def record_expert(
    track: Track | str,
    laps: int,
    out_dir: str | os.PathLike[str] | None,
    look: str = "day",
    rate_hz: float = 20.0,
    seed: int = 0,
    recovery: bool = True,
    progress: Callable[[float, float], None] | None = None,
    views_per_sample: int = 2,
) -> dict:
    """Drive `laps` laps with the expert and record them; returns a summary dict.

    look: a dashcam look, or "mixed" for a seeded random look per sample.
    progress(metres_done, metres_total) is called after each sample.
    """
    from game.sim.dashcam import LOOKS, CameraParams, Dashcam

    if look != "mixed" and look not in LOOKS:
        raise UserFacingError(f"unknown look {look!r}; choose one of {', '.join(LOOKS)}, mixed")
    if laps < 1:
        raise UserFacingError(f"laps must be at least 1, got {laps}")
    track = _resolve(track)
    looks = list(LOOKS) if look == "mixed" else [look]
    params = CameraParams()
    cams = {name: Dashcam(track, params, look=name, seed=seed) for name in looks}
    rng = np.random.default_rng(seed)
    expert = ExpertDriver()
    world = World(track, start_speed=CarParams().default_cruise)
    expert.reset(world)
    total_m = laps * track.length
    # A safety cap: the expert should never need 3x the time at cruise speed.
    max_steps = int(3 * total_m / max(world.car.cruise_speed, 1.0) * 60) + 600
    hint: int | None = None
    n_expert = n_recovery = 0
    with Recorder(out_dir, params, track.name, look, rate_hz, source="expert") as rec:
        while world.laps < laps and world.steps < max_steps:
            cmd = expert.steer(world, None)
            if rec.wants_frame(world):
                st = world.car.state
                view_look = looks[int(rng.integers(len(looks)))]
                cam = cams[view_look]
                frame = cam.render(st.x, st.y, st.yaw)
                rec.update(world, frame, cmd, source="expert", look=view_look)
                n_expert += 1
                if recovery:
                    for dx, dyaw in recovery_offsets(rng, views_per_sample):
                        vx, vy, vyaw = displaced_pose(st.x, st.y, st.yaw, dx, dyaw)
                        offset, heading_error, hint = view_metrics(track, vx, vy, vyaw, hint)
                        label = expert_steering_from_pose(
                            track, vx, vy, vyaw, st.speed, hint=hint, params=world.car.params
                        )
                        rec.write_row(
                            cam.render(vx, vy, vyaw), steering=label, throttle=st.throttle,
                            speed=st.speed, lane_offset=offset, heading_error=heading_error,
                            x=vx, y=vy, yaw=vyaw, track=track.name, source="recovery",
                            t=world.time, look=view_look, cam_dx=dx, cam_dyaw=dyaw,
                        )  # fmt: skip
                        n_recovery += 1
                if progress is not None:
                    progress(min(world.metrics.progress, total_m), total_m)
            world.step(cmd)
        if progress is not None:
            progress(min(world.metrics.progress, total_m), total_m)
        frames = rec.frame_count
    summary = world.summary()
    summary.update(
        out_dir=str(Path(rec.dir)),
        frames=frames,
        expert_frames=n_expert,
        recovery_frames=n_recovery,
        look=look,
        rate_hz=rate_hz,
    )
    return summary
