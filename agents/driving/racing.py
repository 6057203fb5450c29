"""The racing expert: the expert's pure-pursuit steering plus throttle and brake from a speed
profile, so it laps as fast as the grip allows while staying in its lane.

Speed profile over the lane ahead (sampled every PROFILE_STEP_M up to the distance the car
needs to stop from its top speed):

* the grip limit of each point: v_max(s) = sqrt(mu_eff * g / |kappa(s)|), mu_eff a safety
  fraction of the tyres' mu so the steering corrections keep some grip in hand;
* backward pass: no point may be faster than braking at BRAKE_FRACTION of the brakes can
  still bring down to every later point's limit, v(s)^2 <= v(s')^2 + 2 a (s' - s);
* forward pass: no point faster than the engine can reach from the car's present speed.

The speed controller then asks for the profile's speed a short time ahead: throttle when below
it (with the drag and rolling resistance fed forward), brake when well above it.
"""

from __future__ import annotations

import math

import numpy as np

from agents.driving.expert import ExpertDriver
from game.sim.car import CarParams, G, curvature_for_steering
from game.sim.track import Track

MU_FRACTION = 0.8  # of the tyres' grip planned for the bend itself
BRAKE_FRACTION = 0.6  # of full braking planned: leaves grip to turn while braking in
PROFILE_STEP_M = 2.0
PROFILE_MARGIN_M = 20.0
SPEED_GAIN = 3.0  # m/s^2 asked per m/s of speed error
PREVIEW_S = 0.15  # the controller aims at the profile's speed this far ahead in time
COAST_BAND = 0.3  # m/s over the target where the car just lifts (no brake)


def lane_curvatures(track: Track, s: np.ndarray) -> np.ndarray:
    """Curvature (left +) of the right lane's centre at centre-line arc lengths `s`."""
    i = ((s % track.length) / track.length * track.n).astype(int) % track.n
    k = track.curvature[i]
    return k / (1.0 + k * track.lane_width / 2.0)


def bend_speed_limit(kappa: np.ndarray, params: CarParams) -> np.ndarray:
    """The speed at which bends of curvature |kappa| use MU_FRACTION of the tyres' grip,
    capped at the car's top speed."""
    grip = MU_FRACTION * params.mu * G
    return np.minimum(np.sqrt(grip / np.maximum(np.abs(kappa), 1e-9)), params.max_speed)


def speed_profile(
    track: Track, s0: float, speed: float, params: CarParams, forward: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """(distances ahead in m, planned speeds in m/s) from arc length s0 at `speed`.
    `forward=False` skips the forward pass: the speeds the car may have, not will have."""
    brake = BRAKE_FRACTION * params.max_brake
    window = params.max_speed**2 / (2.0 * brake) + PROFILE_MARGIN_M
    d = np.arange(0.0, window + PROFILE_STEP_M, PROFILE_STEP_M)
    v_lim = bend_speed_limit(lane_curvatures(track, s0 + d), params)
    # Backward pass in closed form: v(d)^2 = min over d' >= d of v_lim(d')^2 + 2 a (d' - d).
    reach = v_lim**2 + 2.0 * brake * d
    v2 = np.minimum.accumulate(reach[::-1])[::-1] - 2.0 * brake * d
    # Forward pass: the engine's traction limit from today's speed (an upper bound).
    if forward:
        v2 = np.minimum(v2, speed * speed + 2.0 * params.max_accel * d)
    return d, np.sqrt(np.maximum(v2, 0.0))


def pedals_for(speed: float, target: float, params: CarParams) -> tuple[float, float]:
    """(throttle, brake), each 0..1, that move `speed` towards `target`."""
    resist = params.drag_per_mass * speed * speed + params.rolling_resistance * G
    want = SPEED_GAIN * (target - speed)
    if want + resist > 0.0:
        engine = min(params.max_accel, params.power_per_mass / max(speed, 1e-3))
        return min((want + resist) / engine, 1.0), 0.0
    if target - speed > -COAST_BAND:
        return 0.0, 0.0
    return 0.0, min(-(want + resist) / params.max_brake, 1.0)


def grip_speed(steering: float, params: CarParams, fraction: float = MU_FRACTION) -> float:
    """The speed at which holding `steering` uses `fraction` of the tyres' grip (inf for
    straight ahead): what a car's stability control caps the speed at in a bend."""
    k = curvature_for_steering(steering, params)
    return math.sqrt(fraction * params.mu * G / k) if k > 1e-9 else math.inf


class RacingExpert(ExpertDriver):
    """The expert's steering with its own throttle and brake: the race-pace reference."""

    name = "racer"

    def __init__(self) -> None:
        super().__init__()
        self.target_speed = 0.0  # what the speed controller aims at now (for HUDs and tests)

    def pedals(self, world) -> tuple[float, float]:
        st, p = world.car.state, world.car.params
        # The ceiling, not the forward pass: from a standstill that would aim at ~0 m/s, and
        # the throttle saturating already is the engine's limit.
        d, v = speed_profile(world.track, world.metrics.s, st.speed, p, forward=False)
        self.target_speed = float(np.interp(st.speed * PREVIEW_S, d, v))
        return pedals_for(st.speed, self.target_speed, p)


def lap_time_estimate(track: Track, params: CarParams | None = None) -> float:
    """Seconds for a flying lap at the profile's speeds (a rough figure for tests/benches)."""
    p = params or CarParams()
    s = np.arange(0.0, track.length, PROFILE_STEP_M)
    v = bend_speed_limit(lane_curvatures(track, s), p)
    return float(np.sum(PROFILE_STEP_M / np.maximum(v, 1.0)))


