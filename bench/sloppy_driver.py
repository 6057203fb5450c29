"""A scripted, imperfect keyboard driver: a stand-in for a person in measurements.

    python -m bench.sloppy_driver [--tracks gen:2002 gen:2005] [--seconds 75]

It drives the way the Drive screen's keyboard lets a person drive: it holds left, right or
no key, and the keys go through the progressive keyboard wheel a person had when the figures
in the README were measured (game.sessions.controls.SteeringControls("legacy"); the Drive
screen's wheel settles since issue 18, bench/keyboard_steering.py). Its eyes are late:
every DECISION_S it picks the wheel it wants from where the car was REACTION_S ago (so it
turns in late and overshoots), aiming a little off (AIM_NOISE); its hands press towards that
wheel and let go coarsely (KEY_S, KEY_DEADBAND); and now and then, where the road is easy, it
looks away (INATTENTION_*: no key at all for a second or two). Seeded: the same seed drives
the same way.

`drive_sloppy` records it the way the Drive screen records a person: the Drive screen's world
(person scoring: off-lanes are marked, the car is never put back unless it leaves the road),
source "human", each row's `off_lane` from the state it was taken in. Run as a script it
prints how it drives on the default tracks (no recording): the person in the issue drove a
mean |offset| of ~0.4 m, at most ~1.3 m.
"""

from __future__ import annotations

import argparse
import math
import os
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from agents.driving.drivers import Driver
from agents.driving.expert import _pursuit_curvature, lane_curvature
from game.sessions.controls import SteeringControls
from game.sim.car import DT, steering_for_curvature

DECISION_S = 0.1  # a person re-reads the road about ten times a second
REACTION_S = (0.25, 0.4)  # how old the view of the road is, redrawn at each decision
KEY_S = 1 / 30  # the shortest tap: the hands re-check the keys this often
KEY_DEADBAND = 0.03  # wheel error a person lets go (keys are coarse)
AIM_NOISE = 0.03  # spread of the wheel a person aims for around the right one
INATTENTION_EVERY_S = 15.0  # mean time between moments of looking away
INATTENTION_S = (1.0, 2.0)  # ... each this long, with no key held
EASY_CURVATURE = 0.006  # 1/m: a person looks away only where no bend tighter than this is near
DEFAULT_TRACKS = ("gen:2002", "gen:2005", "gen:2007", "gen:2010")  # not training/eval seeds
RATE_HZ = 10.0
LOOKAHEAD_M = 10.0  # where a person aims: further ahead than the expert, so a late view
# of the road does not make them weave
BEND_PREVIEW_S = 0.3  # a person sees a bend coming: the turn-in starts from what is ahead


def wanted_wheel(
    track, x: float, y: float, yaw: float, speed: float, params,
    preview_s: float = BEND_PREVIEW_S,
) -> float:  # fmt: skip
    """The wheel a person wants from the pose they saw: the bend ahead (feed-forward) plus a
    pull towards the lane centre LOOKAHEAD_M ahead (the expert's law, aimed further)."""
    ax = x - params.rear_to_cg * math.cos(yaw)
    ay = y - params.rear_to_cg * math.sin(yaw)
    proj = track.project(ax, ay)
    tx, ty, _ = track.lane_center(proj.s + LOOKAHEAD_M)
    ix, iy, ih = track.lane_center(proj.s)
    feedback = _pursuit_curvature(ax, ay, yaw, tx, ty) - _pursuit_curvature(ix, iy, ih, tx, ty)
    bend = lane_curvature(track, proj.s + speed * preview_s)
    return steering_for_curvature(bend + feedback, params)


class SloppyKeyboardDriver(Driver):
    """Left / right / no key, from a late view of the road; seeded.

    Two loops, like a person's: every DECISION_S the eyes pick the wheel they want from the
    road as it was REACTION_S ago; every KEY_S the hands press towards that wheel or let go
    (pressing needs a clear error, a held key stays held until the wheel has passed it).
    """

    name = "sloppy"
    needs_camera = False

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.controls = SteeringControls("legacy")  # the wheel its README figures used
        self.left = self.right = False
        self.target: float | None = None  # the wheel wanted; None while looking away
        self._history: deque = deque(maxlen=int(math.ceil(max(REACTION_S) / DT)) + 2)
        self._next_decision = self._next_key = 0.0
        self._attention_back = 0.0  # sim time the driver looks at the road again
        self._next_lapse = 0.0
        self.lapses = 0  # moments of inattention so far

    def reset(self, world) -> None:
        self.rng = np.random.default_rng(self.seed)
        self.controls.reset()
        self.left = self.right = False
        self.target = None
        self._history.clear()
        self._next_decision = self._next_key = world.time
        self._attention_back = world.time
        self._next_lapse = world.time + self.rng.exponential(INATTENTION_EVERY_S)
        self.lapses = 0

    def _look(self, world) -> None:
        t = world.time
        if t >= self._next_lapse and self._easy_road(world):
            # Looks away (on an easy bit of road, as people do): no key for a second or two.
            self._attention_back = t + self.rng.uniform(*INATTENTION_S)
            self._next_lapse = self._attention_back + self.rng.exponential(INATTENTION_EVERY_S)
            self.lapses += 1
        if t < self._attention_back:
            self.target = None
            return
        delay = int(round(self.rng.uniform(*REACTION_S) / DT))
        x, y, yaw, speed = self._history[max(0, len(self._history) - 1 - delay)]
        wanted = wanted_wheel(world.track, x, y, yaw, speed, world.car.params)
        self.target = wanted + self.rng.normal(0.0, AIM_NOISE)

    @staticmethod
    def _easy_road(world) -> bool:
        """No sharp bend within the next two seconds of road."""
        s, v = world.metrics.s, max(world.car.state.speed, 1.0)
        ahead = np.linspace(s, s + 2.0 * v, 9)
        return max(abs(lane_curvature(world.track, a)) for a in ahead) < EASY_CURVATURE

    def _press(self) -> None:
        if self.target is None:
            self.left = self.right = False
            return
        error = self.target - self.controls.value
        self.right = error > (0.0 if self.right else KEY_DEADBAND)
        self.left = error < (0.0 if self.left else -KEY_DEADBAND)

    def steer(self, world, frame: np.ndarray | None = None) -> float:
        st = world.car.state
        self._history.append((st.x, st.y, st.yaw, st.speed))
        if world.time + 1e-9 >= self._next_decision:
            self._look(world)
            self._next_decision = world.time + DECISION_S
        if world.time + 1e-9 >= self._next_key:
            self._press()
            self._next_key = world.time + KEY_S
        return self.controls.update(DT, self.left, self.right, speed=st.speed)


@dataclass(frozen=True)
class SloppyRun:
    """One track's drive: the person-style figures and, when recorded, the folder and rows."""

    track: str
    seconds: float
    laps: int
    off_lanes: int
    road_resets: int
    mean_abs_offset_m: float
    max_abs_offset_m: float
    lapses: int
    folder: str | None = None
    rows: int = 0
    rows_off_lane: int = 0


def drive_sloppy(
    track_spec: str,
    seconds: float,
    seed: int = 0,
    out_dir: str | os.PathLike[str] | None = None,
    rate_hz: float = RATE_HZ,
    look: str = "day",
    progress: Callable[[float], None] | None = None,
) -> SloppyRun:
    """Drive `seconds` of simulated time on `track_spec`; with `out_dir`, record it the way
    the Drive screen records a person (frames of the Drive screen's dashcam, source "human")."""
    from agents.driving.loop import DrivingLoop, RecordingPart
    from agents.driving.recording_writer import Recorder
    from game.sim.tracks_catalog import resolve_track
    from game.sim.world import World

    track = resolve_track(track_spec)
    world = World(track, scoring="person")  # Drive's world: the grid, from a standstill
    driver = SloppyKeyboardDriver(seed)
    driver.reset(world)
    recorder = camera = None
    if out_dir is not None:
        from agents.driving.loop import CameraPart
        from game.sim.dashcam import Dashcam

        dashcam = Dashcam(track, look=look)  # Drive's dashcam (seed 0)
        camera = CameraPart(dashcam, world)
        rec = Recorder(out_dir, dashcam.params, track.name, look, rate_hz, source="human")
        recorder = RecordingPart(rec, look=look)
    loop = DrivingLoop(world, driver, camera=camera, recorder=recorder)
    rows = off_rows = 0
    steps = int(round(seconds / DT))
    try:
        for _ in range(steps):
            in_lane = not world.off_lane  # what the row about to be recorded is marked
            step = loop.step()
            if step.record_error is not None:
                raise step.record_error
            if step.recorded:
                rows += 1
                off_rows += not in_lane
            if progress is not None and world.steps % 600 == 0:
                progress(world.time)
    finally:
        if recorder is not None:
            recorder.recorder.close()
    return SloppyRun(
        track=track.name,
        seconds=round(world.time, 1),
        laps=world.laps,
        off_lanes=world.off_lanes,
        road_resets=world.road_resets,
        mean_abs_offset_m=round(world.mean_abs_offset, 3),
        max_abs_offset_m=round(world.max_abs_offset, 3),
        lapses=driver.lapses,
        folder=None if out_dir is None else str(Path(out_dir)),
        rows=rows,
        rows_off_lane=off_rows,
    )


def main(argv: list[str] | None = None) -> int:
    from agents.driving.evaluate import compare_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", nargs="*", default=list(DEFAULT_TRACKS))
    parser.add_argument("--seconds", type=float, default=75.0, help="simulated, per track")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    runs = [drive_sloppy(t, args.seconds, seed=args.seed + i) for i, t in enumerate(args.tracks)]
    print(compare_table([asdict(r) for r in runs]))
    n = sum(r.seconds for r in runs)
    mean = sum(r.mean_abs_offset_m * r.seconds for r in runs) / max(n, 1e-9)
    print(
        f"\nall: mean |offset| {mean:.3f} m, max {max(r.max_abs_offset_m for r in runs):.3f} m,"
        f" off-lanes {sum(r.off_lanes for r in runs)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
