"""Keyboard steering: gentle near the centre and slower at speed (issue 9, a person's feel)."""

from __future__ import annotations

import math

import pytest

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


def test_holding_longer_turns_further_and_speed_slows_the_wheel():
    # Issue 18: a held key settles short of full lock (tests/.../test_keyboard_wheel.py).
    assert 0.5 < _hold(3.0, 12.0) < 1.0
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


# --- mouse steering: a span that grows with the window, gentle near the centre -------------


def _lock_for_px(px: float, window: tuple[int, int]) -> float:
    """The wheel the mouse asks for `px` right of the road view's centre."""
    from game.render.driving_widgets import driving_layout, mouse_x_in

    view = driving_layout(window).view
    return SteeringControls.mouse_wheel(mouse_x_in(view, (view.centerx + px, view.centery)))


def _px_for_lock(lock: float, window: tuple[int, int]) -> float:
    from game.render.driving_widgets import driving_layout

    view = driving_layout(window).view
    return SteeringControls.mouse_x_for(lock) * view.w / 2.0


def test_a_24_px_mouse_move_gives_a_small_lock():
    # Before: 24 px was the whole of a gentle bend's lock (~12 %).
    assert 0.0 < _lock_for_px(24, (1280, 720)) < 0.05
    assert _px_for_lock(_gentle_bend_lock(), (1280, 720)) > 60
    assert _lock_for_px(-24, (1280, 720)) == -_lock_for_px(24, (1280, 720))


def test_the_mouse_span_scales_with_the_window_and_full_lock_stays_in_the_view():
    for window in ((1280, 720), (1920, 1080), (1024, 600)):
        from game.render.driving_widgets import driving_layout

        half = driving_layout(window).view.w / 2.0
        full = _px_for_lock(1.0, window)
        assert 0.8 * half <= full < half  # reachable on both sides of the view
        assert _lock_for_px(full + 50, window) == 1.0 and _lock_for_px(-full - 50, window) == -1.0
    assert _px_for_lock(0.5, (1920, 1080)) > 1.4 * _px_for_lock(0.5, (1280, 720))
    assert _lock_for_px(24, (1920, 1080)) < _lock_for_px(24, (1280, 720))


def test_the_mouse_curve_is_smooth_monotonic_and_soft_at_the_centre():
    xs = [i / 200 for i in range(-200, 201)]
    wheel = [SteeringControls.mouse_wheel(x) for x in xs]
    steps = [b - a for a, b in zip(wheel, wheel[1:], strict=False)]
    assert all(s >= 0 for s in steps) and max(steps) < 0.03  # no jumps
    centre_slope = SteeringControls.mouse_wheel(0.01) / 0.01
    assert centre_slope < 0.7 / SteeringControls.MOUSE_SPAN  # softer than a straight line
    for lock in (0.1, 0.25, 0.5, 0.9):
        x = SteeringControls.mouse_x_for(lock)
        assert SteeringControls.mouse_wheel(x) == pytest.approx(lock, abs=1e-6)
    assert SteeringControls.mouse_wheel(math.nan) == 0.0
