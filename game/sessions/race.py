"""The Race session: the picker's choices, the cars, standings and finish, without pygame.

Each car is its own World on the same track (ghosts: cars pass through each other, no
collisions) and stepped through its own DrivingLoop: a CNN car steers from its own dashcam
frame, exactly as in `evaluate`. Every driver goes at its own pace: the Expert is the racing
expert (throttle and brake from its speed plan), the person has throttle and brake on the
keys, steering-only CNN models hold cruise speed.

Staggered standing start: the cars line up one behind another, GRID_GAP_M apart, the first on
the line. Each car's race clock starts when it crosses the line, so places come from time
(a car started further back is not penalised for the distance) and laps are timed line to line.
A car whose driver fails (a NaN from a broken model) retires; the race goes on. Models load in
a worker: no TensorFlow here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from agents.driving.drivers import Driver
from agents.driving.loop import CameraPart, DrivingLoop
from agents.driving.model_catalog import available_models, default_model
from agents.driving.racing import RacingExpert
from game.errors import UserFacingError
from game.sessions.controls import DriveInput, PedalControls, SteeringControls
from game.sessions.driving import FALLBACK_TRACK, Notify, TrackList, no_notice, try_track
from game.sessions.leaderboard import Leaderboard
from game.sim.dashcam import Dashcam
from game.sim.track import Track
from game.sim.world import World
from game.workers import DONE, FAILED, Worker, WorkerContext

EXPERT, PERSON = "expert", "you"
MAX_CARS = 5  # one per car colour (game.render.theme.CAR_COLORS)
GRID_GAP_M = 9.0  # start positions: each car this far behind the one before
COUNTDOWN_S = 3.0
LAP_CHOICES = (1, 2, 3, 5, 10)
INFERENCE_WINDOW = 120  # inference times kept per car for the HUD's median


@dataclass
class Entry:
    """One line of the picker: a possible driver."""

    key: str  # EXPERT, PERSON or a model path
    label: str
    chosen: bool = False


class Racer:
    """One car: its world, its loop and how its race went."""

    def __init__(
        self, label: str, slot: int, world: World, loop: DrivingLoop, grid_m: float = 0.0
    ) -> None:
        self.label = label
        self.slot = slot  # its colour: theme.CAR_COLORS[slot]
        self.world = world
        self.loop = loop
        self.grid_m = grid_m  # how far behind the start line this car started
        # World time when the car crossed the start line (its race clock's zero); a car
        # started on the line is on the clock at once.
        self.start_time: float | None = 0.0 if grid_m <= 0 else None
        self.lap_start = 0.0  # world time when the lap being driven began
        self.lap_start_interventions = 0
        self.lap_times: list[float] = []  # line to line, in order
        self.clean_laps: list[bool] = []  # ... and whether each had no intervention
        self.finish_time: float | None = None  # world time when it crossed the finish line
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
        """Seconds from crossing the start line to the finish; None until finished."""
        if self.finish_time is None:
            return None
        return self.finish_time - (self.start_time or 0.0)

    @property
    def last_lap(self) -> float | None:
        return self.lap_times[-1] if self.lap_times else None

    @property
    def best_lap(self) -> float | None:
        return min(self.lap_times) if self.lap_times else None

    def cross_lines(self, laps: int) -> list[float]:
        """After a step: start the clock on crossing the start line, time each lap crossed,
        finish after `laps`. Returns the clean laps (no intervention) just completed."""
        w, length = self.world, self.world.track.length
        if self.start_time is None:
            if self.progress < 0.0:
                return []
            self.start_time = self.lap_start = w.time
            self.lap_start_interventions = w.interventions
        done = []
        while len(self.lap_times) < laps and self.progress >= (len(self.lap_times) + 1) * length:
            lap, clean = w.time - self.lap_start, w.interventions == self.lap_start_interventions
            self.lap_times.append(lap)
            self.clean_laps.append(clean)
            self.lap_start, self.lap_start_interventions = w.time, w.interventions
            if clean:
                done.append(lap)
        if len(self.lap_times) >= laps:
            self.finish_time = w.time
        return done


def standings(racers: list[Racer]) -> list[Racer]:
    """Finished cars by race time (start line to finish) first, then the others by distance
    driven; retired cars last."""
    return sorted(
        racers,
        key=lambda r: (
            bool(r.retired),
            r.race_time is None,
            r.race_time if r.race_time is not None else -r.progress,
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
    interventions: int
    autonomy: float


def standings_table(racers: list[Racer], laps: int) -> list[Standing]:
    """The table: standings order, each car's lap and its gap to the leader in seconds (by
    race time once both finished, else by distance at the default cruise speed)."""
    order = standings(racers)
    rows = []
    for pos, r in enumerate(order, start=1):
        leader = order[0]
        if r is leader:
            gap = None
        elif r.race_time is not None and leader.race_time is not None:
            gap = r.race_time - leader.race_time
        else:
            gap = (leader.progress - r.progress) / max(r.world.car.params.default_cruise, 1.0)
        w = r.world
        rows.append(
            Standing(pos, r, r.lap(laps), r.finish_time is not None, gap,
                     w.interventions, w.autonomy_pct)
        )  # fmt: skip
    return rows


@dataclass
class LoadedModels:
    """What the loading worker made: a driver per model that loaded, a message per one that
    did not."""

    drivers: dict[Path, Driver] = field(default_factory=dict)
    errors: dict[Path, str] = field(default_factory=dict)


def load_models_job(paths: list[Path]):
    """Worker job: a CnnDriver per path, or the error message for the ones that fail."""

    def job(ctx: WorkerContext) -> LoadedModels:
        out = LoadedModels()
        if not paths:
            return out  # no model races: no TensorFlow to import
        from agents.driving.cnn_driver import CnnDriver

        for i, path in enumerate(paths):
            if ctx.cancelled:
                break
            ctx.progress(i / len(paths), f"loading {path.name}")
            try:
                out.drivers[path] = CnnDriver(path)
            except UserFacingError as e:
                out.errors[path] = str(e)
        return out

    return job


class RaceSession:
    """The picker (who races, the track, the laps), then the race itself."""

    def __init__(
        self,
        track: str | None,
        drivers: list[str] | None = None,
        laps: int = 3,
        notify: Notify = no_notice,
        leaderboard: Leaderboard | None = None,
    ) -> None:
        self.notify = notify
        self.leaderboard = leaderboard or Leaderboard.load(notify=notify)
        self.tracks = TrackList()
        for spec in (track or self.tracks.names[0], self.tracks.names[0], FALLBACK_TRACK):
            found = try_track(spec, notify)
            if found is not None:
                break
        self.track: Track = found
        if spec not in self.tracks.names:  # e.g. a JSON path: the picker starts on it
            self.tracks.names.insert(0, spec)
        self.tracks.select(spec)
        self.laps = laps
        self.entries = self._make_entries(drivers)
        self.cursor = 0
        self.racers: list[Racer] = []
        self.racing = False
        self.paused = False
        self.loader: Worker | None = None
        self._drivers: dict[Path, Driver] = {}  # CnnDrivers by model path, kept between races
        self.follow = 0
        self.countdown = 0.0
        self.race_time = 0.0
        self.controls = SteeringControls()
        self.pedals = PedalControls()
        self.dashcam: Dashcam | None = None  # built when a camera driver races

    # --- picker --------------------------------------------------------------------------
    def _make_entries(self, drivers: list[str] | None) -> list[Entry]:
        entries = [Entry(EXPERT, "Expert (ground truth)"), Entry(PERSON, "You")]
        known = {EXPERT, PERSON}
        for m in available_models():
            entries.append(Entry(str(m.path), f"CNN {m.label}"))
            known.add(str(m.path))
        for d in drivers or []:
            if d not in known:  # a model path given by the caller, outside the usual folders
                entries.append(Entry(d, f"CNN {Path(d).stem}"))
                known.add(d)
        if drivers is None:
            wanted = {EXPERT} | ({str(default_model())} if default_model() else set())
        else:
            wanted = set(drivers)
        for e in entries:
            e.chosen = e.key in wanted
        return entries

    @property
    def chosen(self) -> list[Entry]:
        return [e for e in self.entries if e.chosen]

    @property
    def rows(self) -> int:
        """Picker rows: the drivers, then track, laps and start."""
        return len(self.entries) + 3

    @property
    def track_row(self) -> int:
        return len(self.entries)

    @property
    def laps_row(self) -> int:
        return len(self.entries) + 1

    @property
    def start_row(self) -> int:
        return len(self.entries) + 2

    def move_cursor(self, step: int) -> None:
        self.cursor = (self.cursor + step) % self.rows

    def toggle(self, row: int) -> None:
        """A driver row: add or remove that driver; the start row: start."""
        if row == self.start_row:
            self.start_race()
        elif row < len(self.entries):
            entry = self.entries[row]
            if not entry.chosen and len(self.chosen) >= MAX_CARS:
                self.notify(f"at most {MAX_CARS} cars in a race")
                return
            entry.chosen = not entry.chosen

    def change(self, row: int, step: int) -> None:
        """The track or laps row: the next (+1) or previous (-1) value; other rows: nothing."""
        if row == self.track_row:
            spec = self.tracks.step(step)
            track = try_track(spec, self.notify)
            if track is not None:
                self.track = track
        elif row == self.laps_row:
            i = LAP_CHOICES.index(self.laps) if self.laps in LAP_CHOICES else 0
            self.laps = LAP_CHOICES[(i + step) % len(LAP_CHOICES)]

    # --- race ----------------------------------------------------------------------------
    def start_race(self) -> None:
        """Load the chosen models in a worker; the race starts once they are ready."""
        if not self.chosen:
            self.notify("choose at least one driver", "error")
            return
        if self.loader is not None:
            return
        paths = [Path(e.key) for e in self.chosen if e.key not in (EXPERT, PERSON)]
        paths = [p for p in paths if p not in self._drivers]  # loaded for an earlier race
        self.loader = Worker(load_models_job(paths), name="load race models").start()

    def restart(self) -> None:
        self.back_to_picker()
        self.start_race()

    def back_to_picker(self) -> None:
        self.racing = False
        self.racers = []

    def _models_loaded(self, worker: Worker) -> None:
        if worker.state != DONE:
            self.notify(worker.error or "loading the models failed", "error")
            return
        loaded: LoadedModels = worker.result
        self._drivers.update(loaded.drivers)
        racers: list[Racer] = []
        for entry in self.chosen:
            driver = self._driver_for(entry, loaded)
            if driver is False:
                continue
            grid_m = len(racers) * GRID_GAP_M
            world = World(self.track, start_s=(-grid_m) % self.track.length)
            if driver is not None:
                driver.reset(world)
            label = {EXPERT: "Expert", PERSON: "You"}.get(entry.key, Path(entry.key).stem)
            racers.append(Racer(label, len(racers), world, DrivingLoop(world, driver), grid_m))
        if not racers:
            return
        if any(getattr(r.driver, "needs_camera", False) for r in racers):
            self.dashcam = Dashcam(self.track)
            for r in racers:
                r.loop.camera = CameraPart(self.dashcam, r.world)
        self.racers = racers
        people = [i for i, r in enumerate(racers) if r.driver is None]
        self.follow = people[0] if people else 0
        self.controls.reset()
        self.pedals.reset()
        self.countdown = COUNTDOWN_S
        self.race_time = 0.0
        self.racing = True
        self.paused = False

    def _driver_for(self, entry: Entry, loaded: LoadedModels) -> Driver | None | bool:
        """The entry's driver; None for the person; False (after saying why) for a model that
        did not load."""
        if entry.key == EXPERT:
            return RacingExpert()
        if entry.key == PERSON:
            return None
        path = Path(entry.key)
        driver = self._drivers.get(path)
        if driver is None:
            self.notify(loaded.errors.get(path) or f"{entry.key}: not loaded", "error")
            return False
        return driver

    @property
    def finished(self) -> bool:
        return bool(self.racers) and all(
            r.finish_time is not None or r.retired for r in self.racers
        )

    def table(self) -> list[Standing]:
        """The standings table of the running race."""
        return standings_table(self.racers, self.laps)

    def follow_next(self) -> None:
        if self.racers:
            self.follow = (self.follow + 1) % len(self.racers)

    def toggle_pause(self) -> None:
        self.paused = not self.paused

    def _step_racer(self, racer: Racer, inp: DriveInput, dt: float) -> None:
        if racer.retired:
            return
        human = pedals = None
        if racer.driver is None:
            speed = racer.world.car.state.speed
            human = self.controls.update(dt, inp.left, inp.right, stick=inp.stick, speed=speed)
            pedals = self.pedals.update(dt, inp.faster, inp.slower)
        try:
            racer.loop.step(human, pedals)
        except UserFacingError as e:  # a broken model: its car stops, the race goes on
            racer.retired = str(e)
            self.notify(f"{racer.label} retired: {e}", "error")
            return
        ms = getattr(racer.driver, "last_inference_ms", None)
        if ms is not None:
            racer.inference_ms.append(ms)
            del racer.inference_ms[:-INFERENCE_WINDOW]
        for lap in racer.cross_lines(self.laps):
            self._record_lap(racer.label, lap)

    def best_laps(self, n: int = 3) -> list:
        """The picker's track's best laps on the leaderboard (BestLap rows)."""
        return self.leaderboard.top(self.track.name, n)

    def _record_lap(self, label: str, lap_s: float) -> None:
        """A clean lap goes on the track's leaderboard; saved when it made the top laps."""
        if not self.leaderboard.add(self.track.name, label, lap_s):
            return
        try:
            self.leaderboard.save()
        except OSError as e:
            self.notify(f"{self.leaderboard.path}: best laps not saved ({e.strerror or e})",
                        "error")

    def update(self, dt: float, inp: DriveInput) -> bool:
        """One step; True when the cars moved (racing, not paused, past the countdown)."""
        if self.loader is not None:
            self.loader.poll()
            if self.loader.finished:
                worker, self.loader = self.loader, None
                if worker.state in (DONE, FAILED):
                    self._models_loaded(worker)
        if not self.racing or self.paused:
            return False
        if self.countdown > 0:
            self.countdown = max(0.0, self.countdown - dt)
            return False
        self.race_time += dt
        for racer in self.racers:
            if racer.finish_time is None:
                self._step_racer(racer, inp, dt)
        for racer in self.racers:  # the CNN cars' next forward passes run while we draw
            if racer.finish_time is None and not racer.retired:
                racer.loop.prefetch()
        return True

    def close(self) -> None:
        if self.loader is not None:
            self.loader.cancel()
