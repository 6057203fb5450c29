"""The expert ("oracle") driver: ground-truth pure pursuit on the right lane's centre.

Steering = curvature feed-forward + pure-pursuit feedback, both as rear-axle path curvature:

* feed-forward: the right lane's curvature a little ahead, so the rate-limited wheel is
  already turning when the bend starts;
* feedback: the pure-pursuit curvature towards a lane-centre point `lookahead` metres ahead
  (lookahead grows with speed), minus what pure pursuit would ask for from the ideal pose on
  the lane centre. On the lane centre the feedback is zero; away from it, it steers back.

Pure pursuit alone cuts into bends because its target already sits in the bend; subtracting
the ideal-pose term keeps its corrective part only, and the feed-forward does the turning.
"""

from __future__ import annotations

import math

import numpy as np

from agents.driving.drivers import Driver
from game.sim.car import CarParams, steering_for_curvature
from game.sim.track import Track

LOOKAHEAD_MIN_M = 4.0
LOOKAHEAD_S = 0.35  # lookahead grows by this many metres per m/s of speed
FEEDBACK_GAIN = 1.0  # the reference expert's: every learned driver is compared with it
# The teacher's: the expert that labels the shipped model's data and a person's recovery views
# pulls back this much harder (see agents.driving.build and recovery_views).
TEACHER_GAIN = 2.5
PREVIEW_S = 0.08  # feed-forward looks this far ahead in time: the wheel needs time to turn


def lookahead_m(speed: float) -> float:
    return LOOKAHEAD_MIN_M + LOOKAHEAD_S * max(speed, 0.0)


def lane_curvature(track: Track, s: float) -> float:
    """Curvature (left +) of the right lane's centre at centre-line arc length s."""
    i = int((s % track.length) / track.length * track.n) % track.n  # uniform samples
    k = float(track.curvature[i])
    # The right lane sits half a lane to the right: its radius is R + half for left bends.
    return k / (1.0 + k * track.lane_width / 2.0)


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
    feedback_gain: float = FEEDBACK_GAIN,
) -> float:
    """Corrective steering (-1..1, right +) from any car pose (x, y = centre of gravity).

    feedback_gain scales the pull back to the lane centre (the feed-forward is unchanged).
    """
    return _expert(track, x, y, yaw, speed, hint, params or CarParams(), feedback_gain)[0]


def _expert(
    track: Track,
    x: float,
    y: float,
    yaw: float,
    speed: float,
    hint: int | None,
    p: CarParams,
    gain: float = FEEDBACK_GAIN,
) -> tuple[float, int]:
    """(steering, projection index of the rear axle for the next call's hint)."""
    ax = x - p.rear_to_cg * math.cos(yaw)
    ay = y - p.rear_to_cg * math.sin(yaw)
    proj = track.project(ax, ay, hint=hint)
    look = lookahead_m(speed)
    tx, ty, _ = track.lane_center(proj.s + look)
    # The same pursuit from the ideal pose: on the lane centre, pointing along it.
    ix, iy, ih = track.lane_center(proj.s)
    feedback = _pursuit_curvature(ax, ay, yaw, tx, ty) - _pursuit_curvature(ix, iy, ih, tx, ty)
    feedforward = lane_curvature(track, proj.s + speed * PREVIEW_S)
    steering = steering_for_curvature(feedforward + gain * feedback, p)
    return steering, proj.index


class ExpertDriver(Driver):
    """Ground-truth lane follower; the reference every learned driver is compared with.

    feedback_gain: how hard it steers back to the lane centre; the reference drives with
    FEEDBACK_GAIN, a stiffer one teaches (see expert_recorder.record_expert).
    """

    name = "expert"
    needs_camera = False
    mean_inference_ms = None

    def __init__(self, feedback_gain: float = FEEDBACK_GAIN) -> None:
        self.feedback_gain = feedback_gain
        self._hint: int | None = None

    def reset(self, world) -> None:
        self._hint = None

    def steer(self, world, frame: np.ndarray | None = None) -> float:
        st = world.car.state
        steering, self._hint = _expert(
            world.track, st.x, st.y, st.yaw, st.speed, self._hint, world.car.params,
            self.feedback_gain,
        )
        return steering
