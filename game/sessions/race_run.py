"""One race, without pygame: the grid, the green light, laps, penalties and the standings.

The Race screen (game.sessions.race) and the headless `race` command (cli/race.py) both run
their cars through `Race`, so the rules below are the same wherever a race is run:

* Grid: the cars line up one behind another, GRID_GAP_M apart, the first on the start line.
* Clock: every car's race time runs from the green light (world time 0 for every car).
* Distance: the race is `laps` crossings of the line after the start, so a car further back
  has further to go (GRID_GAP_M more per slot), as on a real grid.
* Lap 1 runs from the green light to the first crossing of the line after a full lap; later
  laps run line to line (flying laps). Best laps, and the leaderboard, take clean flying laps
  only: no lap time that counts depends on the grid slot.
* Places: finished cars by race time, then the others by distance past the line; retired
  cars last; a tie goes to the better grid slot.
* Leaving the lane (the car's centre over its edge) is a penalty: the car is put back on its
  lane centre (game.sim.world), stopped, and held still for PENALTY_HOLD_S; that lap is
  spoiled and never counts as a best lap.

Each car is its own World on the same track (ghosts: no collisions), stepped through its own
DrivingLoop. No TensorFlow here: model drivers come in built.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agents.driving.drivers import Driver
from agents.driving.loop import CameraPart, DrivingLoop
from game.errors import UserFacingError
from game.sim.car import DT
from game.sim.dashcam import Dashcam
from game.sim.track import Track
from game.sim.world import World

GRID_GAP_M = 9.0  # start positions: each car this far behind the one before
PENALTY_HOLD_S = 1.0  # a car that left its lane stands still this long after being put back
INFERENCE_WINDOW = 120  # inference times kept per car for the HUD's median

RULES = (
    ("Clock", "every car's race time runs from the green light"),
    ("Grid", f"{GRID_GAP_M:g} m apart: further back, further to go"),
    ("Places", "by race time; unfinished cars by distance"),
    ("Best lap", "clean flying laps only (lap 2 on)"),
    ("Off lane", f"stopped, put back, held {PENALTY_HOLD_S:g} s; lap spoiled"),
)  # the Race screen's help shows these; the README's Race row says the same


class Racer:
    """One car: its world, its loop and how its race went."""

    def __init__(
        self, label: str, slot: int, world: World, loop: DrivingLoop, grid_m: float = 0.0
    ) -> None:
        self.label = label
        self.slot = slot  # grid slot from 0 (pole); also its colour, theme.CAR_COLORS[slot]
        self.world = world
        self.loop = loop
        self.grid_m = grid_m  # how far behind the start line this car started
        self.lap_start = 0.0  # world time when the lap being driven began (lap 1: the green)
        self.lap_start_penalties = 0
        self.lap_times: list[float] = []  # lap 1 from the green light, then line to line
        self.clean_laps: list[bool] = []  # ... and whether each had no penalty
        self.finish_time: float | None = None  # world time (= race time) at the finish
        self.held_until = 0.0  # world time until which a penalised car stands still
        self.inference_ms: list[float] = []
        self.retired = ""  # why the car stopped (e.g. its model produced NaN); "" while racing

    @property
    def driver(self) -> Driver | None:
        """The car's driver; None for the person."""
        return self.loop.driver

    @driver.setter
    def driver(self, driver: Driver | None) -> None:
        self.loop.driver = driver

    @property
    def progress(self) -> float:
        """Metres past the start line (negative on the grid behind it)."""
        return self.world.metrics.progress - self.grid_m

    def lap(self, laps: int) -> int:
        """The lap being driven, 1..laps."""
        return min(max(int(self.progress // self.world.track.length) + 1, 1), laps)

    @property
    def race_time(self) -> float | None:
        """Seconds from the green light to the finish; None until finished."""
        return self.finish_time

    @property
    def penalties(self) -> int:
        """Times the car left its lane and was stopped and put back."""
        return self.world.interventions

    @property
    def held(self) -> bool:
        """Standing still after a penalty."""
        return self.world.time < self.held_until

    @property
    def lap_time(self) -> float:
        """Seconds into the lap being driven."""
        return self.world.time - self.lap_start

    @property
    def last_lap(self) -> float | None:
        return self.lap_times[-1] if self.lap_times else None

    @property
    def flying_laps(self) -> list[float]:
        """The clean line-to-line laps (lap 2 on): the laps that count as best laps."""
        return [t for t, ok in zip(self.lap_times[1:], self.clean_laps[1:], strict=True) if ok]

    @property
    def best_lap(self) -> float | None:
        laps = self.flying_laps
        return min(laps) if laps else None

    def cross_lines(self, laps: int) -> list[float]:
        """After a step: time each lap completed, finish after `laps`. Returns the laps just
        completed that count as best laps (clean flying laps)."""
        w, length = self.world, self.world.track.length
        counted = []
        while len(self.lap_times) < laps and self.progress >= (len(self.lap_times) + 1) * length:
            lap, clean = w.time - self.lap_start, w.interventions == self.lap_start_penalties
            flying = bool(self.lap_times)
            self.lap_times.append(lap)
            self.clean_laps.append(clean)
            self.lap_start, self.lap_start_penalties = w.time, w.interventions
            if clean and flying:
                counted.append(lap)
        if len(self.lap_times) >= laps and self.finish_time is None:
            self.finish_time = w.time
        return counted


def standings(racers: Sequence[Racer]) -> list[Racer]:
    """Finished cars by race time first, then the others by distance past the line; retired
    cars last; ties by grid slot."""
    return sorted(
        racers,
        key=lambda r: (
            bool(r.retired),
            r.race_time is None,
            r.race_time if r.race_time is not None else -r.progress,
            r.slot,
        ),
    )


@dataclass(frozen=True)
class Standing:
    """One line of the standings table, in numbers (the screen formats them)."""

    pos: int
    racer: Racer
    lap: int
    finished: bool
    gap_s: float | None  # seconds behind the leader; None for the leader
    penalties: int


def standings_table(racers: Sequence[Racer], laps: int) -> list[Standing]:
    """The table: standings order, each car's lap and its gap to the leader in seconds (by
    race time once both finished, else by distance at the default cruise speed; behind a
    finished leader, never less than the time since it finished)."""
    order = standings(racers)
    rows = []
    for pos, r in enumerate(order, start=1):
        leader = order[0]
        if r is leader:
            gap = None
        elif r.race_time is not None and leader.race_time is not None:
            gap = r.race_time - leader.race_time
        else:
            cruise = max(r.world.car.params.default_cruise, 1.0)
            gap = (leader.progress - r.progress) / cruise
            if leader.race_time is not None:
                # The leader is home: r has lost the time since then plus the rest of its
                # race (the distance alone shrank as r crawled on after the leader stopped).
                to_go = max(laps * r.world.track.length - r.progress, 0.0)
                gap = max(gap, r.world.time + to_go / cruise - leader.race_time)
        rows.append(Standing(pos, r, r.lap(laps), r.finish_time is not None, gap, r.penalties))
    return rows


@dataclass(frozen=True)
class CarResult:
    """One car's race in the figures the `race` command prints."""

    position: int
    grid_slot: int  # 1 = pole
    driver: str
    finished: bool
    race_time_s: float | None  # from the green light; None when not finished
    laps: int  # laps completed
    lap_times_s: list[float]  # lap 1 from the green light, then line to line
    best_lap_s: float | None  # the best clean flying lap (lap 2 on)
    penalties: int  # times it left its lane (stopped, put back, held PENALTY_HOLD_S)
    spoiled_laps: int  # completed laps with a penalty
    retired: str

    def to_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "grid_slot": self.grid_slot,
            "driver": self.driver,
            "finished": self.finished,
            "race_time_s": _r(self.race_time_s),
            "laps": self.laps,
            "lap_times_s": [_r(t) for t in self.lap_times_s],
            "best_lap_s": _r(self.best_lap_s),
            "penalties": self.penalties,
            "spoiled_laps": self.spoiled_laps,
            "retired": self.retired,
        }


def _r(t: float | None) -> float | None:
    return None if t is None else round(t, 3)


@dataclass
class StepEvents:
    """What one race step did that the owner reports: laps that count, penalties, retirements."""

    laps: list[tuple[Racer, float]] = field(default_factory=list)  # clean flying laps
    penalised: list[Racer] = field(default_factory=list)
    retired: list[Racer] = field(default_factory=list)


class Race:
    """The cars on the grid and the race from the green light: `step` moves every car 1/60 s."""

    def __init__(
        self,
        track: Track,
        laps: int,
        drivers: Sequence[tuple[str, Driver | None]],
        dashcam_seed: int = 0,
    ) -> None:
        """`drivers`: (label, driver) in grid order; a None driver is the person's car."""
        if laps < 1:
            raise ValueError(f"a race needs at least 1 lap, not {laps}")
        self.track, self.laps = track, laps
        self.time = 0.0  # seconds since the green light
        self.racers: list[Racer] = []
        for slot, (label, driver) in enumerate(drivers):
            grid_m = slot * GRID_GAP_M
            world = World(track, start_s=(-grid_m) % track.length)
            if driver is not None:
                driver.reset(world)
            self.racers.append(Racer(label, slot, world, DrivingLoop(world, driver), grid_m))
        self.dashcam: Dashcam | None = None  # built when a camera driver races
        if any(getattr(r.driver, "needs_camera", False) for r in self.racers):
            self.dashcam = Dashcam(track, seed=dashcam_seed)
            for r in self.racers:
                r.loop.camera = CameraPart(self.dashcam, r.world)

    @property
    def finished(self) -> bool:
        return bool(self.racers) and all(
            r.finish_time is not None or r.retired for r in self.racers
        )

    def step(
        self, human: float | None = None, pedals: tuple[float, float] | None = None
    ) -> StepEvents:
        """Every car still racing moves 1/60 s; `human` and `pedals` drive the person's car
        (a car with no driver). Then the CNN cars' next forward passes start (they run while
        a screen draws). Once every car is home (or retired) the clock stops."""
        events = StepEvents()
        if self.finished:
            return events
        self.time += DT
        for racer in self.racers:
            if racer.finish_time is None and not racer.retired:
                self._step_racer(racer, human, pedals, events)
        for racer in self.racers:
            if racer.finish_time is None and not racer.retired and not racer.held:
                racer.loop.prefetch()
        return events

    def _step_racer(
        self,
        racer: Racer,
        human: float | None,
        pedals: tuple[float, float] | None,
        events: StepEvents,
    ) -> None:
        w = racer.world
        if racer.held:  # serving a penalty: the clock runs, the car stands on the brake
            w.step(0.0, 0.0, 1.0)
            if racer.loop.camera is not None:
                racer.loop.camera.invalidate()
            return
        person = racer.driver is None
        try:
            racer.loop.step(human if person else None, pedals if person else None)
        except UserFacingError as e:  # a broken model: its car stops, the race goes on
            racer.retired = str(e)
            events.retired.append(racer)
            return
        if w.intervened:  # it left its lane: the world put it back; the race stops it
            st = w.car.state
            w.car.place(st.x, st.y, st.yaw, speed=0.0)
            racer.held_until = w.time + PENALTY_HOLD_S
            events.penalised.append(racer)
        ms = getattr(racer.driver, "last_inference_ms", None)
        if ms is not None:
            racer.inference_ms.append(ms)
            del racer.inference_ms[:-INFERENCE_WINDOW]
        events.laps += [(racer, lap) for lap in racer.cross_lines(self.laps)]

    def table(self) -> list[Standing]:
        return standings_table(self.racers, self.laps)

    def results(self) -> list[CarResult]:
        """Every car's figures, in finishing order."""
        out = []
        for pos, r in enumerate(standings(self.racers), start=1):
            out.append(
                CarResult(
                    position=pos, grid_slot=r.slot + 1, driver=r.label,
                    finished=r.finish_time is not None, race_time_s=r.race_time,
                    laps=len(r.lap_times), lap_times_s=list(r.lap_times), best_lap_s=r.best_lap,
                    penalties=r.penalties, spoiled_laps=r.clean_laps.count(False),
                    retired=r.retired,
                )
            )  # fmt: skip
        return out
