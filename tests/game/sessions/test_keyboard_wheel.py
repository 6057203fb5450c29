"""The keyboard wheel a person can hold (issue 18): a held key's lock grows with the hold
time and settles below full lock, less at speed; the wheel is centred after a reset."""

from __future__ import annotations

import math

import pytest

from game.sessions.controls import (
    KEY_WHEELS,
    DriveInput,
    ProgressiveKeys,
    SettlingKeys,
    SteeringControls,
)
from game.sessions.driving import DriveSession
from game.sim.car import DT, CarParams, steering_for_curvature
from game.sim.tracks_catalog import resolve_track


def _trace(seconds: float, speed: float | None, keys: str = "settling") -> list[float]:
    """The wheel, step by step, while Right is held for `seconds` at a steady `speed`."""
    c = SteeringControls(keys)
    return [c.update(DT, left=False, right=True, speed=speed) for _ in range(round(seconds / DT))]


def _tightest_bend_lock() -> float:
    """The lock the tightest shipped bend's inner lane needs (Spielberg, ~0.61)."""
    locks = []
    for name in ("oval", "kidney", "hairpin", "spielberg", "norisring", "brands_hatch"):
        t = resolve_track(name)
        k = float(abs(t.curvature).max())
        locks.append(abs(steering_for_curvature(k / (1 - k * t.lane_width / 2), CarParams())))
    return max(locks)


def test_a_held_key_grows_with_hold_time_and_settles_below_full_lock():
    wheel = _trace(10.0, 12.0)
    at = {s: wheel[round(s / DT) - 1] for s in (0.3, 0.5, 0.9, 2.0, 5.0, 10.0)}
    assert at[0.3] < at[0.5] < at[0.9] < at[2.0] <= at[5.0] <= at[10.0]  # grows ...
    settle = KEY_WHEELS["settling"].settle_lock(12.0)
    assert max(wheel) <= settle < 0.85  # ... never past its settling lock, far from full
    assert at[10.0] == pytest.approx(settle, abs=0.01)  # ... and settles there
    assert at[10.0] - at[5.0] < 0.01
    # Gentle at first, as before: half a second is a bend's lock, not a quarter of the wheel.
    assert 0.08 < at[0.5] < 0.22
    # The old wheel ran away: full lock within a second.
    legacy = _trace(1.0, 12.0, "legacy")
    assert legacy[-1] == 1.0 and at[0.9] < 0.5


def test_the_settling_lock_reaches_the_tightest_bend_at_cruise_and_shrinks_with_speed():
    keys = SettlingKeys()
    assert keys.settle_lock(12.0) > _tightest_bend_lock() + 0.1
    assert keys.settle_lock(None) == keys.settle_lock(12.0)  # screens that pass no speed
    locks = [keys.settle_lock(v) for v in (3.0, 8.0, 12.0, 20.0, 30.0)]
    assert locks[0] == 1.0 and all(a > b for a, b in zip(locks[1:], locks[2:], strict=False))
    assert locks[-1] < 0.25  # at 30 m/s a held key asks for a gentle arc
    # The same hold gives less lock at speed, early and late.
    for seconds in (0.5, 3.0):
        fast, cruise, slow = (_trace(seconds, v)[-1] for v in (25.0, 12.0, 6.0))
        assert fast < cruise < slow


def test_speeding_up_with_the_key_held_eases_the_wheel_down_without_a_jump():
    c = SteeringControls()
    for _ in range(300):
        c.update(DT, False, True, speed=12.0)
    held = c.value
    values = [c.update(DT, False, True, speed=25.0) for _ in range(120)]
    assert values[-1] == pytest.approx(SettlingKeys().settle_lock(25.0), abs=0.01)
    steps = [abs(b - a) for a, b in zip([held, *values], values, strict=False)]
    assert max(steps) <= SettlingKeys.return_rate * DT + 1e-9


def test_wheel_moves_smoothly_recentres_and_counters_quickly():
    c = SteeringControls()
    values = [c.update(DT, False, True, speed=12.0) for _ in range(90)]
    values += [c.update(DT, False, False, speed=12.0) for _ in range(60)]
    steps = [b - a for a, b in zip([0.0, *values], values, strict=False)]
    assert max(abs(s) for s in steps) <= SteeringControls.MAX_RATE * DT + 1e-9
    assert values[0] == pytest.approx(SettlingKeys.ramp_rate * DT)
    assert values[89] > 0.2 and values[-1] == 0.0  # let go: back to the centre in < 1 s
    for _ in range(60):
        c.update(DT, False, True, speed=12.0)
    turned = c.value
    c.update(DT, True, False, speed=12.0)  # the other key: back quicker than letting go
    assert turned - c.value == pytest.approx(SettlingKeys.counter_rate * DT)
    assert not math.isnan(c.update(DT, True, False, speed=math.nan))


def test_the_legacy_wheel_is_the_one_before_issue_18():
    """bench/keyboard_steering.py compares against it: its figures must stay those of the
    old wheel (0.5 s ~23 %, 0.9 s ~90 %, release at 2/s)."""
    wheel = _trace(0.9, 12.0, "legacy")
    assert wheel[29] == pytest.approx(0.23, abs=0.02) and wheel[53] == pytest.approx(0.9, abs=0.05)
    assert isinstance(KEY_WHEELS["legacy"], ProgressiveKeys)
    c = SteeringControls("legacy")
    c.value = 0.5
    assert c.update(DT, False, False) == pytest.approx(0.5 - 2.0 * DT)


def test_mouse_and_stick_ignore_the_keyboard_wheel():
    for keys in ("settling", "legacy"):
        c = SteeringControls(keys)
        c.mouse_mode = True
        assert c.update(DT, False, False, mouse_x=0.5) == SteeringControls.mouse_wheel(0.5)
        c.mouse_mode = False
        assert c.update(DT, False, False, stick=1.0) == 1.0


def test_the_wheel_is_centred_when_the_car_is_put_back_on_the_road():
    s = DriveSession("oval")
    world = s.world
    for _ in range(60 * 60):  # Right held: off the road within a minute, for certain
        s.update(DT, DriveInput(right=True))
        if world.road_resets:
            break
    assert world.road_resets == 1
    assert s.controls.value == 0.0  # centred on the very step the car was set back
    s.update(DT, DriveInput(right=True))  # still held: it turns again, from the centre
    assert 0.0 < s.controls.value < 0.01
    s.close()
