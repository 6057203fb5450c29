"""The Race session without a window: picker rules, standings, finish, retirement, and the
race's rules (clock from the green light, flying best laps, penalties)."""

from __future__ import annotations

import math
import time

import pytest

from agents.driving.expert import ExpertDriver
from agents.driving.loop import DrivingLoop
from agents.driving.racing import RacingExpert
from game.sessions.controls import DriveInput, PedalControls
from game.sessions.race import EXPERT, LAP_CHOICES, MAX_CARS, PERSON, RaceSession
from game.sessions.race_run import (
    GRID_GAP_M,
    PENALTY_HOLD_S,
    Race,
    Racer,
    standings,
    standings_table,
)
from game.sim.tracks_catalog import resolve_track
from game.sim.world import World

TRACK = "oval"
DT = 1.0 / 60.0
MAX_STEPS = 60 * 180  # three simulated minutes: any race step loop here ends long before


def run_until(session: RaceSession, done, steps: int = MAX_STEPS) -> None:
    """Update the session until `done()`; fails (never hangs) after `steps` updates."""
    for _ in range(steps):
        if done():
            return
        session.update(DT, DriveInput())
    assert done(), f"not done after {steps} steps"


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


def test_a_car_still_racing_behind_a_finished_leader_never_closes_the_gap_by_crawling():
    """Seen in a window: the leader home at 0:28.0, You crawling on at 1:36 was shown
    "+28.5s" (the distance to the leader's finish spot), less than the 68 s already lost."""
    a = racer("a", 700.0, finish=28.0)
    c = racer("c", 600.0)
    c.world.time = 96.0  # race time now
    cruise = c.world.car.params.default_cruise
    gap = standings_table([a, c], laps=1)[1].gap_s
    to_go = c.world.track.length - c.progress
    assert gap == pytest.approx(96.0 + to_go / cruise - 28.0)
    assert gap > 96.0 - 28.0  # at least the time since the leader finished
    c.world.metrics.progress = 650.0  # crawling on: the estimate falls only by the distance
    assert standings_table([a, c], laps=1)[1].gap_s == pytest.approx(gap - 50.0 / cruise)


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
    run_until(s, lambda: expert.finish_time is not None)
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
    assert not s.racing and s.loading.busy


# --- the rules: clock from the green light, flying best laps, penalties -------------------
def race_to_the_end(race: Race, steps: int = MAX_STEPS) -> None:
    for _ in range(steps):
        if race.finished:
            return
        race.step()
    assert race.finished, f"the race did not finish in {steps} steps"


def shove_off_the_lane(world: World, metres: float = 3.0) -> None:
    """Push the car sideways to the right, out of its lane (it keeps its speed)."""
    st = world.car.state
    world.car.place(st.x + metres * math.sin(st.yaw), st.y - metres * math.cos(st.yaw), st.yaw)


def test_identical_cars_finish_in_grid_order_with_equal_best_laps():
    track = resolve_track(TRACK)
    race = Race(track, 2, [(f"car{i}", RacingExpert()) for i in range(4)])
    race_to_the_end(race)
    results = race.results()
    assert [r.grid_slot for r in results] == [1, 2, 3, 4]  # further back, further to go
    times = [r.race_time_s for r in results]
    assert times == sorted(times) and times[0] < times[-1]
    for r in results:
        assert r.finished and r.penalties == 0 and r.laps == 2
        # The clock runs from the green light: the race time is the sum of the laps.
        assert r.race_time_s == pytest.approx(sum(r.lap_times_s))
        assert r.best_lap_s == r.lap_times_s[1]  # lap 1 (from the green) never counts
    bests = [r.best_lap_s for r in results]
    assert max(bests) - min(bests) < 0.1  # the grid slot does not change a flying lap
    # Lap 1 from a standing start is slower than a flying lap, and longer from further back.
    firsts = [r.lap_times_s[0] for r in results]
    assert firsts == sorted(firsts) and firsts[0] > bests[0]


def test_every_clock_starts_at_the_green_light_so_a_car_behind_gets_no_flying_start():
    track = resolve_track(TRACK)
    race = Race(track, 1, [("front", RacingExpert()), ("back", RacingExpert())])
    front, back = race.racers
    assert back.progress == pytest.approx(-GRID_GAP_M, abs=0.5)
    race_to_the_end(race)
    assert back.race_time == back.finish_time == back.world.time  # from world time 0
    assert back.race_time > front.race_time  # the old rule gave "back" a flying start
    assert [r.label for r in standings(race.racers)] == ["front", "back"]
    assert front.best_lap is None  # a 1-lap race has no flying lap
    end = race.time
    assert end == pytest.approx(back.race_time)
    race.step()
    assert race.time == end  # the clock stops when every car is home


def test_a_faster_car_starting_behind_wins_on_time():
    track = resolve_track(TRACK)
    race = Race(track, 1, [("cruise", ExpertDriver()), ("racer", RacingExpert())])
    race_to_the_end(race)
    slow, fast = race.racers
    assert fast.race_time < slow.race_time
    assert [r.label for r in standings(race.racers)] == ["racer", "cruise"]


def test_leaving_the_lane_stops_the_car_costs_time_and_spoils_the_lap():
    track = resolve_track(TRACK)
    clean = Race(track, 2, [("clean", RacingExpert())])
    race_to_the_end(clean)
    s = started(RaceSession(TRACK, drivers=[EXPERT], laps=2))
    (car,) = s.racers
    run_until(s, lambda: car.progress > track.length + 200.0)  # well into lap 2
    shove_off_the_lane(car.world)
    s.update(DT, DriveInput())
    assert car.penalties == 1 and car.held and car.world.car.state.speed == 0.0
    at = (car.world.car.state.x, car.world.car.state.y)
    assert abs(car.world.metrics.offset) < 0.01  # put back on its lane centre
    for _ in range(int(PENALTY_HOLD_S * 60) - 2):
        s.update(DT, DriveInput())
    assert (car.world.car.state.x, car.world.car.state.y) == at  # held still
    run_until(s, lambda: s.finished)
    (ref,) = clean.racers
    assert car.clean_laps == [True, False] and car.best_lap is None
    assert car.race_time > ref.race_time + PENALTY_HOLD_S  # the stop cost more than the hold
    assert s.best_laps() == []  # the spoiled lap never reaches the leaderboard
    (row,) = s.table()
    assert row.penalties == 1


def test_your_penalty_centres_the_wheel_and_holds_your_car():
    s = started(RaceSession(TRACK, drivers=[PERSON], laps=1))
    (you,) = s.racers
    for _ in range(60 * 20):  # full throttle, steering right: off the lane
        if you.penalties:
            break
        s.update(DT, DriveInput(faster=True, right=True))
    assert you.penalties == 1 and you.held
    assert s.controls.value == 0.0  # the wheel is centred, not still turned
    at = you.world.metrics.progress
    for _ in range(10):
        s.update(DT, DriveInput(faster=True))
    assert you.world.metrics.progress == at  # the keys do not move a held car


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


def test_a_clean_flying_lap_reaches_the_leaderboard_and_survives_a_restart():
    s = started(RaceSession(TRACK, drivers=[EXPERT], laps=2))
    (expert,) = s.racers
    run_until(s, lambda: len(expert.lap_times) == 1)
    assert s.best_laps() == []  # lap 1 runs from the green light: never a best lap
    run_until(s, lambda: s.finished)
    (best,) = s.best_laps()
    assert best.label == "Expert" and best.time_s == pytest.approx(expert.lap_times[1], abs=1e-3)
    again = RaceSession(TRACK, drivers=[EXPERT])  # a new session reads the saved file
    assert again.best_laps() == [best]
