"""The expert ("oracle") driver: ground-truth pure pursuit on the right lane's centre.

Steering = curvature feed-forward + pure-pursuit feedback, both as rear-axle path curvature:

* feed-forward: the right lane's curvature a little ahead, so the rate-limited wheel is
  already turning when the bend starts;
* feedback: the pure-pursuit curvature towards a lane-centre point `lookahead` metres ahead
  (lookahead grows with speed), minus what pure pursuit would ask for from the ideal pose on
  the lane centre. On the lane centre the feedback is zero; away from it, it steers back.

Pure pursuit alone cuts into bends because its target already sits in the bend; subtracting
the ideal-pose term keeps its corrective part only, and the feed-forward does the turning.

The reference keeps its rear axle on the lane centre, so in a bend of radius R its centre of
gravity (where lane keeping is measured) runs rear_to_cg^2 / 2R outside it: 2.3 cm in a 40 m
bend. A pursuit with `cg_on_line` steers its rear axle along a line that much inside the lane
centre instead, which puts the centre of gravity on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from agents.driving.drivers import Driver
from game.sim.car import CarParams, steering_for_curvature
from game.sim.track import Track

PREVIEW_S = 0.08  # feed-forward looks this far ahead in time: the wheel needs time to turn


@dataclass(frozen=True)
class Pursuit:
    """How hard an expert steers back to its lane centre.

    lookahead_min_m + lookahead_per_mps * speed: how far ahead the pursuit point is (a nearer
    point pulls back harder and sooner: pure pursuit's curvature is 2 * offset / lookahead^2);
    feedback_gain scales that pull. The feed-forward is the same for every tuning.
    """

    feedback_gain: float = 1.0
    lookahead_min_m: float = 4.0
    lookahead_per_mps: float = 0.35
    cg_on_line: bool = False  # the centre of gravity on the lane centre (False: the rear axle)

    def lookahead_m(self, speed: float) -> float:
        return self.lookahead_min_m + self.lookahead_per_mps * max(speed, 0.0)


# The reference expert: every learned driver's lane keeping and race pace is compared with it.
REFERENCE = Pursuit()
# The teacher: the expert that drives and labels the shipped model's data. Its pursuit point is
# nearer (3.2 m at cruise, the reference's 8.2 m) and it keeps its centre of gravity on the
# line. On the 36 evaluation tracks (2 laps) the nearer point alone held 0.62-0.77x the
# reference's mean |offset|, with the centre of gravity on the line 0.16-0.39x (median 0.28);
# and a CNN's small steering errors leave less offset under a steeper pull. The model lab's
# "default model teacher" run compared them (README, "Rebuilding the models").
TEACHER = Pursuit(feedback_gain=1.0, lookahead_min_m=2.0, lookahead_per_mps=0.1, cg_on_line=True)


def lane_curvature(track: Track, s: float) -> float:
    """Curvature (left +) of the right lane's centre at centre-line arc length s."""
    i = int((s % track.length) / track.length * track.n) % track.n  # uniform samples
    k = float(track.curvature[i])
    # The right lane sits half a lane to the right: its radius is R + half for left bends.
    return k / (1.0 + k * track.lane_width / 2.0)


def _line_point(track: Track, s: float, inside_m_per_curvature: float):
    """(x, y, heading) of the line to follow at arc length s: the lane centre, moved towards
    the inside of the bend by inside_m_per_curvature * the lane's curvature."""
    x, y, heading = track.lane_center(s)
    if inside_m_per_curvature == 0.0:  # the reference's line: the lane centre itself
        return x, y, heading
    d = inside_m_per_curvature * lane_curvature(track, s)  # left +: a left bend's inside
    return x - d * math.sin(heading), y + d * math.cos(heading), heading


def _pursuit_curvature(ax: float, ay: float, yaw: float, tx: float, ty: float) -> float:
    """Curvature (left +) of the arc from the rear axle (ax, ay, yaw) through (tx, ty)."""
    dx, dy = tx - ax, ty - ay
    local_y = -math.sin(yaw) * dx + math.cos(yaw) * dy  # left of the car
    d2 = dx * dx + dy * dy
    return 2.0 * local_y / max(d2, 1e-6)


def expert_steering_from_pose(
    track: Track,
    x: float,
    y: float,
    yaw: float,
    speed: float,
    hint: int | None = None,
    params: CarParams | None = None,
    pursuit: Pursuit = REFERENCE,
) -> float:
    """Corrective steering (-1..1, right +) from any car pose (x, y = centre of gravity),
    pulling back to the lane centre as `pursuit` says."""
    return _expert(track, x, y, yaw, speed, hint, params or CarParams(), pursuit)[0]


def _expert(
    track: Track,
    x: float,
    y: float,
    yaw: float,
    speed: float,
    hint: int | None,
    p: CarParams,
    pursuit: Pursuit = REFERENCE,
) -> tuple[float, int]:
    """(steering, projection index of the rear axle for the next call's hint)."""
    ax = x - p.rear_to_cg * math.cos(yaw)
    ay = y - p.rear_to_cg * math.sin(yaw)
    proj = track.project(ax, ay, hint=hint)
    look = pursuit.lookahead_m(speed)
    # With cg_on_line the rear axle follows a line b^2 * k / 2 inside the lane centre, where a
    # centre of gravity b ahead of it runs on the lane centre (radius R: sqrt(R^2 - b^2)).
    inside = p.rear_to_cg**2 / 2.0 if pursuit.cg_on_line else 0.0
    tx, ty, _ = _line_point(track, proj.s + look, inside)
    # The same pursuit from the ideal pose: on that line, pointing along it.
    ix, iy, ih = _line_point(track, proj.s, inside)
    feedback = _pursuit_curvature(ax, ay, yaw, tx, ty) - _pursuit_curvature(ix, iy, ih, tx, ty)
    k = lane_curvature(track, proj.s + speed * PREVIEW_S)
    feedforward = k / max(1.0 - inside * k * k, 1e-3)  # the inner line's curvature
    steering = steering_for_curvature(feedforward + pursuit.feedback_gain * feedback, p)
    return steering, proj.index


class ExpertDriver(Driver):
    """Ground-truth lane follower; the reference every learned driver is compared with.

    pursuit: how it steers back to the lane centre; the reference drives with REFERENCE,
    the teacher with TEACHER (see expert_recorder.record_expert).
    """

    name = "expert"
    needs_camera = False
    mean_inference_ms = None

    def __init__(self, pursuit: Pursuit = REFERENCE) -> None:
        self.pursuit = pursuit
        self._hint: int | None = None

    def reset(self, world) -> None:
        self._hint = None

    def steer(self, world, frame: np.ndarray | None = None) -> float:
        st = world.car.state
        steering, self._hint = _expert(
            world.track, st.x, st.y, st.yaw, st.speed, self._hint, world.car.params,
            self.pursuit,
        )
        return steering
