"""Keyboard steering: gentle near the centre and slower at speed (issue 9, a person's feel)."""

from __future__ import annotations

import math

from game.sessions.controls import SteeringControls
from game.sim.car import DT, CarParams, steering_for_curvature
from game.sim.tracks_catalog import resolve_track


def _hold(seconds: float, speed: float | None) -> float:
    c = SteeringControls()
    for _ in range(round(seconds / DT)):
        c.update(DT, left=False, right=True, speed=speed)
    return c.value


def _gentle_bend_lock() -> float:
    """The lock the oval's bends need: about 12 %."""
    track = resolve_track("oval")
    k = float(abs(track.curvature).max())
    return abs(steering_for_curvature(k / (1 + k * track.lane_width / 2), CarParams()))


def test_a_key_held_0_3_s_at_12_m_s_stays_within_a_gentle_bend():
    lock = _gentle_bend_lock()
    assert 0.08 < lock < 0.15
    held = _hold(0.3, 12.0)
    assert 0.0 < held <= lock
    assert _hold(0.3, None) == held  # the screens that pass no speed get the cruise feel


def test_holding_longer_still_reaches_full_lock_and_speed_slows_the_wheel():
    assert _hold(1.0, 12.0) == 1.0
    assert _hold(0.3, 3.0) > _hold(0.3, 12.0) > _hold(0.3, 30.0) > 0.0
    # Progressive: the second 0.3 s turns the wheel further than the first.
    assert _hold(0.6, 12.0) - _hold(0.3, 12.0) > _hold(0.3, 12.0)


def test_wheel_moves_smoothly_and_recentres():
    c = SteeringControls()
    values = [c.update(DT, False, True, speed=12.0) for _ in range(60)]
    values += [c.update(DT, False, False, speed=12.0) for _ in range(60)]
    steps = [b - a for a, b in zip([0.0] + values, values, strict=False)]
    assert max(abs(s) for s in steps) <= SteeringControls.MAX_RATE * DT + 1e-9
    assert values[0] == SteeringControls.RAMP_RATE * DT and values[-1] == 0.0
    assert not math.isnan(c.update(DT, True, False, speed=math.nan))
