"""The Race session: the picker's choices, then the race, without pygame.

The race itself (grid, green light, laps, penalties, standings: the rules are in
game.sessions.race_run) is a `Race`, the same one the headless `race` command runs. A CNN car
steers from its own dashcam frame, exactly as in `evaluate`. Every driver goes at its own
pace: the Expert is the racing expert (throttle and brake from its speed plan), the person has
throttle and brake on the keys, steering-only CNN models hold cruise speed. A car whose driver
fails (a NaN from a broken model) retires; the race goes on. Clean flying laps go on the
track's leaderboard. Models load in a worker: no TensorFlow here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from agents.driving.drivers import Driver
from agents.driving.model_catalog import available_models, default_model
from agents.driving.racing import RacingExpert
from game.errors import UserFacingError
from game.sessions.controls import DriveInput, PedalControls, SteeringControls
from game.sessions.driving import FALLBACK_TRACK, Notify, TrackList, no_notice, try_track
from game.sessions.leaderboard import Leaderboard
from game.sessions.race_run import Race, Racer, Standing, StepEvents, standings_table
from game.sim.dashcam import Dashcam
from game.sim.track import Track
from game.workers import BackgroundJob, WorkerContext

EXPERT, PERSON = "expert", "you"
MAX_CARS = 5  # one per car colour (game.render.theme.CAR_COLORS)
COUNTDOWN_S = 3.0
LAP_CHOICES = (1, 2, 3, 5, 10)


@dataclass
class Entry:
    """One line of the picker: a possible driver."""

    key: str  # EXPERT, PERSON or a model path
    label: str
    chosen: bool = False


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
        self.race: Race | None = None  # the race being run (or just finished)
        self.racing = False
        self.paused = False
        self.loading = BackgroundJob(on_done=self._models_loaded, on_failed=self._load_failed)
        self._drivers: dict[Path, Driver] = {}  # CnnDrivers by model path, kept between races
        self.follow = 0
        self.countdown = 0.0
        self.controls = SteeringControls()
        self.pedals = PedalControls()

    @property
    def racers(self) -> list[Racer]:
        """The cars in grid order (none before the first race)."""
        return self.race.racers if self.race is not None else []

    @property
    def race_time(self) -> float:
        """Seconds since the green light."""
        return self.race.time if self.race is not None else 0.0

    @property
    def dashcam(self) -> Dashcam | None:
        """The dashcam the CNN cars see through (None when none races)."""
        return self.race.dashcam if self.race is not None else None

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
        if self.loading.busy:
            return
        paths = [Path(e.key) for e in self.chosen if e.key not in (EXPERT, PERSON)]
        paths = [p for p in paths if p not in self._drivers]  # loaded for an earlier race
        self.loading.start(load_models_job(paths), name="load race models")

    def restart(self) -> None:
        self.back_to_picker()
        self.start_race()

    def back_to_picker(self) -> None:
        self.racing = False
        self.race = None

    def _load_failed(self, error: str | None) -> None:
        self.notify(error or "loading the models failed", "error")

    def _models_loaded(self, loaded: LoadedModels) -> None:
        self._drivers.update(loaded.drivers)
        cars: list[tuple[str, Driver | None]] = []
        for entry in self.chosen:
            driver = self._driver_for(entry, loaded)
            if driver is False:
                continue
            label = {EXPERT: "Expert", PERSON: "You"}.get(entry.key, Path(entry.key).stem)
            cars.append((label, driver))
        if not cars:
            return
        self.race = Race(self.track, self.laps, cars)
        people = [i for i, r in enumerate(self.racers) if r.driver is None]
        self.follow = people[0] if people else 0
        self.controls.reset()
        self.pedals.reset()
        self.countdown = COUNTDOWN_S
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
        return self.race is not None and self.race.finished

    def table(self) -> list[Standing]:
        """The standings table of the running race."""
        return standings_table(self.racers, self.race.laps if self.race else self.laps)

    def follow_next(self) -> None:
        if self.racers:
            self.follow = (self.follow + 1) % len(self.racers)

    def toggle_pause(self) -> None:
        self.paused = not self.paused

    def _report(self, events: StepEvents) -> None:
        """Say who retired, centre your wheel after your penalty, save the laps that count."""
        for racer in events.retired:
            self.notify(f"{racer.label} retired: {racer.retired}", "error")
        if any(r.driver is None for r in events.penalised):
            self.controls.reset()  # put back straight: the wheel too
        for racer, lap in events.laps:
            self._record_lap(racer.label, lap)

    def best_laps(self, n: int = 3) -> list:
        """The picker's track's best laps on the leaderboard (BestLap rows)."""
        return self.leaderboard.top(self.track.name, n)

    def _record_lap(self, label: str, lap_s: float) -> None:
        """A clean flying lap goes on the track's leaderboard; saved when it made the top laps."""
        if not self.leaderboard.add(self.track.name, label, lap_s):
            return
        try:
            self.leaderboard.save()
        except OSError as e:
            self.notify(
                f"{self.leaderboard.path}: best laps not saved ({e.strerror or e})", "error"
            )

    def update(self, dt: float, inp: DriveInput) -> bool:
        """One step; True when the cars moved (racing, not paused, past the countdown)."""
        self.loading.poll()
        if not self.racing or self.paused:
            return False
        if self.countdown > 0:
            self.countdown = max(0.0, self.countdown - dt)
            return False
        assert self.race is not None  # racing means a race was lined up
        human = pedals = None
        you = next((r for r in self.racers if r.driver is None and not r.retired), None)
        if you is not None and not you.held:
            speed = you.world.car.state.speed
            human = self.controls.update(dt, inp.left, inp.right, stick=inp.stick, speed=speed)
            pedals = self.pedals.update(dt, inp.faster, inp.slower)
        self._report(self.race.step(human, pedals))
        return True

    def close(self) -> None:
        self.loading.cancel()
