"""The racing expert laps clean (0 interventions) and faster than cruise; the loop carries
its pedals to the car; `evaluate --mode race` reports lap times."""

from __future__ import annotations

import numpy as np
import pytest

from agents.driving.drivers import Driver, DriverOutputError
from agents.driving.evaluate import run_driver
from agents.driving.expert import ExpertDriver
from agents.driving.loop import DrivingLoop
from agents.driving.racing import RacingExpert, pedals_for, speed_profile
from game.sim.car import CarParams, G
from game.sim.tracks_catalog import list_tracks, resolve_track
from game.sim.world import World

GENERATED = [f"gen:{s}" for s in range(20)]


@pytest.mark.parametrize("spec", list_tracks() + GENERATED)
def test_racing_expert_laps_clean_and_faster_than_cruise(spec):
    track = resolve_track(spec)
    race = run_driver(RacingExpert(), track, 1, mode="race")
    assert race.laps_completed == 1 and race.interventions == 0
    assert race.lap_times_s is not None and race.best_lap_s == race.lap_times_s[0]
    cruise_s = track.length / CarParams().default_cruise  # a cruise lap, without the start
    assert race.best_lap_s < cruise_s


def test_speed_profile_respects_grip_and_braking():
    track = resolve_track("hairpin")
    p = CarParams()
    d, v = speed_profile(track, 0.0, 0.0, p, forward=False)
    from agents.driving.racing import BRAKE_FRACTION, MU_FRACTION, lane_curvatures

    kappa = np.abs(lane_curvatures(track, d))
    assert np.all(v**2 * kappa <= MU_FRACTION * p.mu * G + 1e-6)  # never over the grip
    # Slowing between neighbours never needs more than the planned braking.
    assert np.all(np.diff(v**2) >= -2 * BRAKE_FRACTION * p.max_brake * np.diff(d) - 1e-6)
    _, v_fwd = speed_profile(track, 0.0, 0.0, p)
    assert v_fwd[0] == 0.0 and np.all(v_fwd <= v + 1e-9)


def test_pedals_follow_the_target():
    p = CarParams()
    assert pedals_for(10.0, 20.0, p)[0] > 0.0 and pedals_for(10.0, 20.0, p)[1] == 0.0
    assert pedals_for(25.0, 10.0, p) == (0.0, pytest.approx(1.0))
    assert pedals_for(20.0, 20.0, p)[0] > 0.0  # holding speed needs throttle against drag


def test_race_mode_json_has_lap_times_and_cruise_json_does_not():
    track = resolve_track("oval")
    race = run_driver(RacingExpert(), track, 2, mode="race").to_json()
    assert len(race["lap_times_s"]) == 2 and race["best_lap_s"] == min(race["lap_times_s"])
    cruise = run_driver(ExpertDriver(), track, 1).to_json()
    assert "lap_times_s" not in cruise and "best_lap_s" not in cruise
    with pytest.raises(ValueError, match="mode"):
        run_driver(ExpertDriver(), track, 1, mode="fast")


class _Pedaller(Driver):
    name = "pedaller"

    def __init__(self, pedals) -> None:
        self._pedals = pedals

    def steer(self, world, frame=None) -> float:
        return 0.0

    def pedals(self, world):
        return self._pedals


def test_loop_carries_pedals_to_the_world():
    world = World(resolve_track("oval"), start_speed=10.0)
    step = DrivingLoop(world, _Pedaller((0.0, 1.0))).step()
    assert (step.throttle, step.brake) == (0.0, 1.0)
    assert world.car.state.brake == 1.0 and world.car.state.speed < 10.0 - 0.1
    cruise = DrivingLoop(World(resolve_track("oval"), start_speed=10.0), ExpertDriver()).step()
    assert cruise.throttle is None and cruise.brake is None
    # A person's pedals replace the driver's while they steer.
    human = DrivingLoop(world, _Pedaller((0.0, 1.0))).step(human=0.0, human_pedals=(1.0, 0.0))
    assert (human.throttle, human.brake) == (1.0, 0.0)


def test_loop_refuses_a_nan_pedal_and_leaves_the_world_alone():
    world = World(resolve_track("oval"), start_speed=10.0)
    before = world.steps
    with pytest.raises(DriverOutputError, match="throttle"):
        DrivingLoop(world, _Pedaller((float("nan"), 0.0))).step()
    assert world.steps == before


def test_cruise_mode_holds_cruise_speed_whatever_the_drivers_pedals():
    speeds = {}
    for cruise in (True, False):
        world = World(resolve_track("oval"))
        driver = RacingExpert()
        driver.reset(world)
        loop = DrivingLoop(world, driver, cruise=cruise)
        for _ in range(300):  # 5 s: the racer would be well past cruise on the straight
            loop.step()
        speeds[cruise] = world.car.state.speed
    assert speeds[True] == pytest.approx(world.car.cruise_speed, abs=0.2)
    assert speeds[False] > world.car.cruise_speed + 3.0
