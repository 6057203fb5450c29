"""The Race session without a window: picker rules, standings, finish and retirement."""

from __future__ import annotations

import time

import pytest

from agents.driving.expert import ExpertDriver
from agents.driving.loop import DrivingLoop
from agents.driving.racing import RacingExpert
from game.sessions.controls import DriveInput, PedalControls
from game.sessions.race import (
    EXPERT,
    GRID_GAP_M,
    LAP_CHOICES,
    MAX_CARS,
    PERSON,
    Racer,
    RaceSession,
    standings,
    standings_table,
)
from game.sim.tracks_catalog import resolve_track
from game.sim.world import World

TRACK = "oval"
DT = 1.0 / 60.0


def racer(label: str, progress: float, finish: float | None = None, retired: str = "") -> Racer:
    world = World(resolve_track(TRACK))
    world.metrics.progress = progress
    r = Racer(label, 0, world, DrivingLoop(world, None))
    r.finish_time, r.retired = finish, retired
    return r


def started(session: RaceSession, timeout: float = 30.0) -> RaceSession:
    session.start_race()
    end = time.monotonic() + timeout
    while not session.racing:
        assert time.monotonic() < end, "the race did not start"
        session.update(DT, DriveInput())
        time.sleep(0.002)
    session.countdown = 0.0
    return session


def test_standings_finished_by_time_then_by_distance_retired_last():
    slow_finish = racer("slow", 1500.0, finish=70.0)
    fast_finish = racer("fast", 1400.0, finish=65.0)
    ahead, behind = racer("ahead", 900.0), racer("behind", 300.0)
    broken = racer("broken", 1000.0, retired="NaN")
    order = standings([behind, broken, slow_finish, ahead, fast_finish])
    assert [r.label for r in order] == ["fast", "slow", "ahead", "behind", "broken"]


def test_the_table_gives_gaps_in_seconds_to_the_leader():
    a, b = racer("a", 600.0, finish=50.0), racer("b", 650.0, finish=52.5)
    c = racer("c", 300.0)
    rows = standings_table([c, b, a], laps=1)
    assert [r.racer.label for r in rows] == ["a", "b", "c"]
    assert rows[0].gap_s is None and rows[0].finished and rows[0].pos == 1
    assert rows[1].gap_s == pytest.approx(2.5)  # both finished: by finish time
    cruise = c.world.car.params.default_cruise
    assert rows[2].gap_s == pytest.approx((a.progress - c.progress) / cruise)
    assert not rows[2].finished and rows[2].lap == 1


def test_picker_toggles_drivers_up_to_the_car_limit_and_steps_values():
    s = RaceSession(TRACK, drivers=[EXPERT])
    assert [e.key for e in s.chosen] == [EXPERT]
    s.toggle(1)
    assert [e.key for e in s.chosen] == [EXPERT, PERSON]
    s.toggle(1)
    assert [e.key for e in s.chosen] == [EXPERT]
    s.laps = LAP_CHOICES[-1]
    s.change(s.laps_row, +1)
    assert s.laps == LAP_CHOICES[0]  # wraps round
    s.change(s.laps_row, -1)
    assert s.laps == LAP_CHOICES[-1]
    s.move_cursor(-1)
    assert s.cursor == s.start_row
    # More drivers than cars: the extra one is refused with a message.
    notes: list[str] = []
    s = RaceSession(TRACK, drivers=[EXPERT], notify=lambda text, kind="info": notes.append(text))
    for e in s.entries:
        e.chosen = False
    s.entries += [type(s.entries[0])(f"m{i}.h5", f"CNN m{i}") for i in range(MAX_CARS)]
    for i in range(MAX_CARS + 1):
        s.toggle(i)
    assert len(s.chosen) == MAX_CARS and notes == [f"at most {MAX_CARS} cars in a race"]


def test_a_bad_track_keeps_the_picker_on_a_good_one():
    notes: list[tuple[str, str]] = []
    s = RaceSession("/nonexistent/track.json", notify=lambda t, k="info": notes.append((t, k)))
    assert s.track is not None and s.track.name
    assert notes and notes[0][1] == "error" and "track.json" in notes[0][0]


def test_the_race_finishes_when_every_car_is_home():
    s = started(RaceSession(TRACK, drivers=[EXPERT], laps=1))
    (expert,) = s.racers
    assert isinstance(expert.driver, ExpertDriver) and not s.finished
    expert.world.metrics.progress = s.track.length - 0.05  # just before the line
    while expert.finish_time is None:
        s.update(DT, DriveInput())
    assert s.finished and expert.finish_time == expert.world.time
    steps = expert.world.steps
    s.update(DT, DriveInput())
    assert expert.world.steps == steps  # a finished car stops being stepped


def test_a_car_whose_driver_fails_retires_once_and_the_race_goes_on():
    notes: list[str] = []
    s = started(
        RaceSession(TRACK, drivers=[EXPERT, PERSON], laps=1,
                    notify=lambda text, kind="info": notes.append(text))
    )  # fmt: skip
    expert, broken = s.racers
    assert broken.driver is None and s.follow == 1  # the camera follows the person

    class NanDriver:
        needs_camera = False
        name = "broken"

        def steer(self, world, frame):
            return float("nan")

    broken.driver = NanDriver()
    for _ in range(120):
        s.update(DT, DriveInput())
    assert "broken produced NaN steering at frame 1" in broken.retired
    assert broken.world.steps == 0  # stopped on its grid slot
    assert expert.world.steps == 120 and expert.progress > 5.0
    assert standings(s.racers)[-1] is broken
    assert [n for n in notes if "retired" in n] == [f"You retired: {broken.retired}"]
    expert.finish_time = expert.world.time
    assert s.finished  # retired cars do not hold up the finish


def test_the_person_steers_their_car_with_the_keys():
    s = started(RaceSession(TRACK, drivers=[PERSON], laps=1))
    (you,) = s.racers
    for _ in range(30):
        s.update(DT, DriveInput(right=True))
    assert you.world.car.state.steering > 0.15  # half a second of Right
    s.restart()
    assert not s.racing and s.loader is not None


# --- every driver at its own pace, staggered start, best laps -------------------------------
def test_places_come_from_race_time_not_from_who_crossed_the_line_first():
    # "back" started behind, so its clock started later: it crossed the finish line later but
    # drove the race in less time, and wins.
    front, back = racer("front", 720.0, finish=60.0), racer("back", 710.0, finish=61.0)
    back.start_time = 2.0
    assert [r.label for r in standings([front, back])] == ["back", "front"]
    rows = standings_table([front, back], laps=1)
    assert rows[1].gap_s == pytest.approx(1.0)


def test_a_faster_car_starting_behind_wins_on_time():
    s = started(RaceSession(TRACK, drivers=[EXPERT], laps=1))
    assert isinstance(s.racers[0].driver, RacingExpert)  # the Expert races at its own pace
    cars = []
    for slot, driver in enumerate([ExpertDriver(), RacingExpert()]):  # cruise on the line
        grid_m = slot * GRID_GAP_M
        world = World(s.track, start_s=(-grid_m) % s.track.length)
        driver.reset(world)
        cars.append(Racer(f"car{slot}", slot, world, DrivingLoop(world, driver), grid_m))
    s.racers = cars
    slow, fast = cars
    while not s.finished:
        s.update(DT, DriveInput())
        assert slow.world.time < 120.0, "the race did not finish"
    assert fast.start_time > 0.0  # its clock started when it reached the line
    assert fast.race_time == pytest.approx(fast.finish_time - fast.start_time)
    assert [r.label for r in standings(s.racers)] == ["car1", "car0"]
    assert fast.race_time < slow.race_time
    assert len(fast.lap_times) == 1 and fast.best_lap == fast.last_lap == fast.race_time


def test_the_persons_throttle_accelerates_and_the_brake_slows_the_car():
    s = started(RaceSession(TRACK, drivers=[PERSON], laps=1))
    (you,) = s.racers
    for _ in range(30):
        s.update(DT, DriveInput())
    assert you.world.car.state.speed == pytest.approx(0.0, abs=1e-6)  # no keys: no cruise
    for _ in range(120):
        s.update(DT, DriveInput(faster=True))
    fast = you.world.car.state.speed
    assert fast > 5.0
    for _ in range(30):
        s.update(DT, DriveInput(slower=True))
    assert you.world.car.state.speed < fast - 2.0


def test_pedals_ramp_smoothly_and_release():
    p = PedalControls()
    assert p.update(0.1, True, False) == pytest.approx((0.1 * p.PRESS_RATE, 0.0))
    for _ in range(10):
        p.update(0.1, True, False)
    assert p.throttle == 1.0
    p.update(0.1, False, True)
    assert 0.0 < p.throttle < 1.0 and 0.0 < p.brake < 1.0  # no jumps either way


def test_a_clean_lap_reaches_the_leaderboard_and_survives_a_restart():
    s = started(RaceSession(TRACK, drivers=[EXPERT], laps=2))
    (expert,) = s.racers
    expert.world.metrics.progress = s.track.length - 0.05  # just before the line
    while not expert.lap_times:
        s.update(DT, DriveInput())
    (best,) = s.best_laps()
    assert best.label == "Expert" and best.time_s == pytest.approx(expert.lap_times[0], abs=1e-3)
    again = RaceSession(TRACK, drivers=[EXPERT])  # a new session reads the saved file
    assert again.best_laps() == [best]


def test_a_lap_with_an_intervention_does_not_count_as_a_best_lap():
    s = started(RaceSession(TRACK, drivers=[EXPERT], laps=2))
    (expert,) = s.racers
    expert.world.metrics.progress = s.track.length - 0.05
    expert.world.interventions += 1  # as if it had left its lane during this lap
    while not expert.lap_times:
        s.update(DT, DriveInput())
    assert expert.clean_laps == [False] and s.best_laps() == []
