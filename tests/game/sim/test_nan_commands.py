"""The sim never takes a NaN or inf command: it raises and leaves the state as it was."""

from __future__ import annotations

import math
from dataclasses import asdict

import pytest

from game.sim.car import Car
from game.sim.tracks_catalog import resolve_track
from game.sim.world import World

BAD = [math.nan, math.inf, -math.inf]


@pytest.mark.parametrize("value", BAD)
def test_car_rejects_non_finite_steering_and_keeps_its_state(value):
    car = Car()
    car.place(1.0, 2.0, 0.3, speed=10.0)
    car.step(0.2)
    before = asdict(car.state)
    with pytest.raises(ValueError, match="steering command"):
        car.step(value)
    assert asdict(car.state) == before


@pytest.mark.parametrize("value", BAD)
def test_car_rejects_non_finite_cruise_speed_and_pose(value):
    car = Car()
    with pytest.raises(ValueError, match="cruise speed"):
        car.set_cruise(value)
    assert math.isfinite(car.cruise_speed)
    with pytest.raises(ValueError, match="pose"):
        car.place(0.0, value, 0.0)
    with pytest.raises(ValueError, match="pose"):
        car.place(0.0, 0.0, 0.0, speed=value)


@pytest.mark.parametrize("value", BAD)
def test_world_step_with_nan_changes_nothing(value):
    world = World(resolve_track("oval"), start_speed=12.0)
    for _ in range(30):
        world.step(0.0)
    before = (world.time, world.steps, world.interventions, world.metrics.progress)
    with pytest.raises(ValueError):
        world.step(value)
    assert (world.time, world.steps, world.interventions, world.metrics.progress) == before
    world.step(0.0)  # the world drives on with a good command
    assert world.steps == before[1] + 1 and math.isfinite(world.car.state.x)
