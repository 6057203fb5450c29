"""Pedals, drag, braking and the tyre grip limit of game.sim.car; the start pose of World."""

from __future__ import annotations

import math
from dataclasses import asdict

import pytest

from game.sim.car import DT, Car, CarParams, G
from game.sim.tracks_catalog import list_tracks, resolve_track
from game.sim.world import World, grid_start_s


def _circle_run(speed: float, params: CarParams, steps: int = 240) -> tuple[float, float]:
    """Full lock at a held speed: (peak |lateral accel|, radius of the last second's path)."""
    car = Car(params)
    car.place(0.0, 0.0, 0.0, speed=speed)
    car.set_cruise(speed)
    peak, pts = 0.0, []
    for i in range(steps):
        car.step(-1.0)  # full left lock, cruise holds the speed
        if i > steps // 2:
            peak = max(peak, abs(car.state.lateral_accel))
            pts.append((car.state.x, car.state.y, car.state.yaw))
    # Radius from speed over yaw rate across the last samples (yaw unwrapped).
    yaws = [p[2] for p in pts]
    turned = sum(
        (b - a + math.pi) % (2 * math.pi) - math.pi for a, b in zip(yaws, yaws[1:], strict=False)
    )
    return peak, speed * (len(yaws) - 1) * DT / abs(turned)


def test_grip_limit_bounds_lateral_accel_and_the_circle_widens():
    p = CarParams()
    limit = p.mu * G
    radii = []
    for speed in (4.0, 8.0, 12.0, 16.0, 20.0):
        peak, radius = _circle_run(speed, p)
        assert peak <= limit + 1e-6
        radii.append(radius)
    # Slow: the full-lock circle (the grip is not reached); fast: the grip sets the radius.
    assert radii[0] == pytest.approx(radii[1], rel=0.02)
    assert all(b > a * 1.2 for a, b in zip(radii[2:], radii[3:], strict=False))
    assert radii[-1] == pytest.approx(20.0**2 / limit, rel=0.03)


def test_combined_braking_and_turning_stays_inside_the_friction_circle():
    car = Car()
    car.place(0.0, 0.0, 0.0, speed=25.0)
    slid = False
    for _ in range(60):
        car.step(-1.0, throttle=0.0, brake=1.0)
        st = car.state
        # The tyres' share: the measured deceleration less drag and rolling resistance.
        resist = car.params.drag_per_mass * st.speed**2 + car.params.rolling_resistance * G
        tyre = st.long_accel + resist
        assert math.hypot(tyre, st.lateral_accel) <= car.params.mu * G * 1.02
        slid = slid or st.sliding
    assert slid  # full lock at 25 m/s asks for far more than the grip


def test_braking_distance_from_30_m_s_is_physical():
    p = CarParams()
    car = Car(p)
    car.place(0.0, 0.0, 0.0, speed=30.0)
    x0 = car.state.x
    for _ in range(10_000):  # bounded: brakes that never stop the car fail, not hang
        if car.state.speed <= 0.0:
            break
        car.step(0.0, brake=1.0)
    d = car.state.x - x0
    # Between braking alone and braking plus the drag at 30 m/s all the way down.
    longest = 30.0**2 / (2.0 * p.max_brake)
    shortest = 30.0**2 / (2.0 * (p.max_brake + p.drag_per_mass * 900 + p.rolling_resistance * G))
    assert shortest <= d <= longest
    assert d == pytest.approx(car.stopping_distance(30.0), abs=0.5)
    assert car.state.speed == 0.0  # brakes never drive it backwards


def test_engine_force_falls_with_speed_and_drag_sets_a_top_speed():
    car = Car()

    def accel_at(v: float) -> float:
        car.place(0.0, 0.0, 0.0, speed=v)
        car.step(0.0, throttle=1.0)
        return car.state.long_accel

    assert accel_at(5.0) == pytest.approx(4.0 - 0.015 * G - 3.5e-4 * 25, abs=0.01)
    assert accel_at(10.0) > accel_at(25.0) > accel_at(29.0) > 0.0
    car.place(0.0, 0.0, 0.0, speed=0.0)
    for _ in range(60 * 40):
        car.step(0.0, throttle=1.0)
    assert car.state.speed <= car.params.max_speed + 0.1
    coast = Car()
    coast.place(0.0, 0.0, 0.0, speed=20.0)
    coast.step(0.0, throttle=0.0)
    assert coast.state.long_accel < 0.0  # lifting off slows the car: drag and rolling


def test_pedals_are_deterministic():
    def run() -> dict:
        car = Car()
        car.place(1.0, 2.0, 0.3, speed=0.0)
        for i in range(600):
            car.step(math.sin(i / 40.0), throttle=(i % 97) / 96.0, brake=0.3 * (i % 200 > 150))
        return asdict(car.state)

    assert run() == run()


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_pedals_are_refused_and_change_nothing(bad):
    car = Car()
    car.place(0.0, 0.0, 0.0, speed=10.0)
    before = asdict(car.state)
    with pytest.raises(ValueError, match="throttle command"):
        car.step(0.0, throttle=bad)
    with pytest.raises(ValueError, match="brake command"):
        car.step(0.0, throttle=0.5, brake=bad)
    assert asdict(car.state) == before


def test_cruise_never_meets_the_grip_on_the_oval():
    world = World(resolve_track("oval"), start_s=0.0, start_speed=12.0)
    from agents.driving.expert import ExpertDriver

    d = ExpertDriver()
    for _ in range(600):
        world.step(d.steer(world, None))
        assert not world.car.state.sliding


def test_oval_start_has_no_drift():
    # The oval's start line sits where its bend ends: the car starts where the lane is straight.
    track = resolve_track("oval")
    world = World(track, start_speed=12.0)
    assert world.start_s == pytest.approx(grid_start_s(track)) and world.start_s > 0.0
    assert abs(world.metrics.offset) < 1e-6 and abs(world.metrics.heading_error) < 1e-6
    for _ in range(120):
        world.step(0.0)
    assert abs(world.metrics.offset) < 0.01
    # The historic start (evaluate keeps it) is where it drifted.
    old = World(track, start_s=0.0, start_speed=12.0)
    for _ in range(120):
        old.step(0.0)
    assert abs(old.metrics.offset) > 0.2


@pytest.mark.parametrize("spec", list_tracks())
def test_no_drift_from_the_start_pose_on_shipped_tracks(spec):
    world = World(resolve_track(spec))  # as the Drive screen starts: standing, cruise on
    assert abs(world.metrics.offset) < 1e-3
    for _ in range(120):
        world.step(0.0)
    assert abs(world.metrics.offset) < 0.05
