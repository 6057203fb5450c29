"""One car on one track, with the lane metrics NVIDIA used to score PilotNet.

An intervention happens when the car's centre leaves its lane (|offset| > lane_width / 2):
the car is put back on the lane centre at the nearest point and driving goes on.
Autonomy % = 100 * (1 - interventions * 6 s / elapsed simulated seconds), floored at 0.

That is the "autopilot" scoring (AI drivers, `evaluate`). A person is scored like a racing
game instead ("person"): leaving the lane is an *off-lane* (counted once per excursion, the
lap marked invalid, the car drives on); the car is put back only when it leaves the road
entirely (its centre beyond the road edge by half the car's width: both wheels off).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from game.sim.car import DT, Car, CarParams
from game.sim.geometry import wrap_angle
from game.sim.track import Track

INTERVENTION_PENALTY_S = 6.0
SCORINGS = ("autopilot", "person")


def autonomy_pct(interventions: int, elapsed_s: float) -> float:
    if elapsed_s <= 0:
        return 100.0
    return max(0.0, 100.0 * (1.0 - interventions * INTERVENTION_PENALTY_S / elapsed_s))


@dataclass(frozen=True)
class DriveSummary:
    """The evaluation figures shared by every driver, rounded as they are reported."""

    track: str
    laps_completed: int
    elapsed_s: float
    interventions: int
    autonomy_pct: float
    mean_abs_offset_m: float
    max_abs_offset_m: float

    def to_json(self) -> dict[str, Any]:
        """The JSON object the CLI prints; keys in field order (subclasses' fields last)."""
        return asdict(self)


@dataclass
class LaneMetrics:
    offset: float = 0.0  # m from the right lane's centre, positive = right
    heading_error: float = 0.0  # rad, car heading minus track heading, positive = pointing right
    s: float = 0.0  # arc length of the nearest centre-line point (m)
    progress: float = 0.0  # m driven along the track since the start (unwrapped)


# The grid: the start line, or the first point after it from which the lane runs straight
# for STRAIGHT_AHEAD_M (so a car left alone stays in its lane for the first seconds).
STRAIGHT_AHEAD_M = 30.0
STRAIGHT_CURVATURE = 2e-4  # 1/m: a 5 km radius drifts < 0.1 m over 30 m
GRID_SEARCH_M = 30.0  # never far from the chequered line at s = 0


def grid_start_s(track: Track) -> float:
    """Arc length where a car starts by default: the start line when the lane runs straight
    from there, else the first point within GRID_SEARCH_M after it that does (the oval's line
    sits where its bend ends: started there, a car left alone drifted 0.3 m in 2 s). No such
    straight near the line: the line itself."""
    step = track.length / track.n  # samples are (nearly) uniform
    ahead = max(1, int(math.ceil(STRAIGHT_AHEAD_M / step)))
    search = min(track.n, int(GRID_SEARCH_M / step) + 1)
    k = np.abs(np.resize(track.curvature, search + ahead + 1))  # wraps past the end
    for i in range(search):
        if k[i : i + ahead + 1].max() <= STRAIGHT_CURVATURE:
            return float(track.s[i])
    return 0.0


class World:
    """Deterministic driving world. `step(steering)` advances 1/60 s."""

    def __init__(
        self,
        track: Track,
        car_params: CarParams | None = None,
        start_s: float | None = None,
        start_speed: float = 0.0,
        scoring: str = "autopilot",
    ) -> None:
        """`start_s`: arc length of the start; None = the grid (`grid_start_s`), where a car
        left alone goes straight. Evaluation passes 0.0 to keep its historic start.
        `scoring`: "autopilot" (NVIDIA interventions) or "person" (off-lanes, see above)."""
        if scoring not in SCORINGS:
            raise ValueError(f"scoring must be one of {SCORINGS}, not {scoring!r}")
        self.scoring = scoring
        self.track = track
        self.car = Car(car_params)
        self.start_s = grid_start_s(track) if start_s is None else start_s
        self._start_speed = start_speed
        self.reset()

    def reset(self) -> None:
        x, y, yaw = self.track.lane_center(self.start_s)
        self.car.place(x, y, yaw, speed=self._start_speed)
        self.time = 0.0
        self.steps = 0
        self.interventions = 0
        self.laps = 0
        self.lap_start_time = 0.0
        self.last_lap_time: float | None = None
        self.best_lap_time: float | None = None
        self.lap_times: list[float] = []  # every completed lap's time, in order
        self.intervened = False  # True on the step an intervention happened
        # Lap validity (both scorings): an off-lane or an intervention spoils the lap.
        self.off_lane = False  # the car's centre is outside its lane after this step
        self.off_lanes = 0  # person scoring: excursions out of the lane
        self.road_resets = 0  # person scoring: times the car left the road and was put back
        self.lap_valid = True
        self.valid_laps = 0
        self.best_valid_lap: float | None = None
        self.sum_abs_offset = 0.0
        self.max_abs_offset = 0.0
        self._index = self.track.project(x, y).index
        self.metrics = LaneMetrics(s=self.start_s)
        self._update_metrics(first=True)

    # --- stepping ------------------------------------------------------------------------

    def step(
        self, steering: float, throttle: float | None = None, brake: float | None = None
    ) -> None:
        """Advance 1/60 s. With no pedals (throttle/brake in 0..1) cruise control drives the
        speed. A NaN or inf command raises ValueError and changes nothing."""
        self.car.step(steering, DT, throttle=throttle, brake=brake)
        self.time += DT
        self.steps += 1
        self.intervened = False
        self._update_metrics()
        half_lane = self.track.lane_width / 2.0
        if self.scoring == "autopilot":
            if abs(self.metrics.offset) > half_lane:
                self._intervene()
                self.lap_valid = False
        else:
            # lane_offset = lateral - half a lane: back to the offset from the centre line.
            lateral = self.metrics.offset + half_lane
            off = abs(self.metrics.offset) > half_lane
            if off and not self.off_lane:
                self.off_lanes += 1
                self.lap_valid = False
            if abs(lateral) > self.road_half_width + self.car.params.width / 2.0:
                self.road_resets += 1
                self._put_back()
            self.off_lane = abs(self.metrics.offset) > half_lane
        a = abs(self.metrics.offset)
        self.sum_abs_offset += a
        self.max_abs_offset = max(self.max_abs_offset, a)

    def _update_metrics(self, first: bool = False) -> None:
        st = self.car.state
        proj = self.track.project(st.x, st.y, hint=self._index)
        self._index = proj.index
        m = self.metrics
        if not first:
            ds = proj.s - m.s
            half = self.track.length / 2.0
            if ds < -half:
                ds += self.track.length
            elif ds > half:
                ds -= self.track.length
            m.progress += ds
        m.s = proj.s
        m.offset = self.track.lane_offset(proj.lateral)
        m.heading_error = wrap_angle(proj.heading - st.yaw)
        while m.progress >= (self.laps + 1) * self.track.length:
            self.laps += 1
            self.last_lap_time = self.time - self.lap_start_time
            self.lap_times.append(self.last_lap_time)
            counts = self.lap_valid or self.scoring == "autopilot"  # a person's must be clean
            if counts and (self.best_lap_time is None or self.last_lap_time < self.best_lap_time):
                self.best_lap_time = self.last_lap_time
            if self.lap_valid:
                self.valid_laps += 1
                if self.best_valid_lap is None or self.last_lap_time < self.best_valid_lap:
                    self.best_valid_lap = self.last_lap_time
            self.lap_valid = not self.off_lane  # an excursion across the line spoils both
            self.lap_start_time = self.time

    def _intervene(self) -> None:
        """Put the car back on its lane centre at the nearest point, as a safety driver would."""
        self.interventions += 1
        self._put_back()

    def _put_back(self) -> None:
        self.intervened = True
        x, y, yaw = self.track.lane_center(self.metrics.s)
        self.car.place(x, y, yaw)
        self._update_metrics()

    # --- read-outs -----------------------------------------------------------------------

    @property
    def road_half_width(self) -> float:
        """The road is two lanes: its edges are a lane width either side of the centre line."""
        return self.track.lane_width

    @property
    def lap_time(self) -> float:
        return self.time - self.lap_start_time

    @property
    def autonomy_pct(self) -> float:
        return autonomy_pct(self.interventions, self.time)

    @property
    def mean_abs_offset(self) -> float:
        return self.sum_abs_offset / self.steps if self.steps else 0.0

    def summary(self) -> DriveSummary:
        """The evaluation figures shared by every driver."""
        return DriveSummary(
            track=self.track.name,
            laps_completed=self.laps,
            elapsed_s=round(self.time, 3),
            interventions=self.interventions,
            autonomy_pct=round(self.autonomy_pct, 2),
            mean_abs_offset_m=round(self.mean_abs_offset, 4),
            max_abs_offset_m=round(self.max_abs_offset, 4),
        )

    def heading_vector(self) -> tuple[float, float]:
        yaw = self.car.state.yaw
        return math.cos(yaw), math.sin(yaw)
