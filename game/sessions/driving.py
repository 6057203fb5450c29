"""Drive and Autopilot sessions: a car on a track with a dashcam, driven through the one
driving loop (agents.driving.loop), without pygame.

- `TrackSession`: what every driving screen shares: the track list (N / B / G; a track and its
  dashcam raster are built in a worker while the old view stays on screen), the dashcam look
  (L, also built in a worker), cruise speed (Up / Down), pause and the lane-departure flash;
- `DriveSession`: the person drives and may record (R) or erase the last seconds; the ghost
  of their best lap drives beside them (game.sessions.ghost);
- `AutopilotSession`: a CNN drives; the person's steering takes over (recorded for DAgger:
  game.sessions.takeover); F fine-tunes on those takeovers; S / M show what the CNN looks
  at (game.sessions.saliency). Models load, fine-tune and build their saliency in
  game.workers.BackgroundJob threads: this module imports no TensorFlow.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agents.driving.expert import ExpertDriver
from agents.driving.loop import CameraPart, DrivingLoop, RecordingPart, StepResult
from agents.driving.model_catalog import available_models, default_model
from agents.driving.recording_writer import Recorder
from game.errors import UserFacingError
from game.sessions.controls import DriveInput, SteeringControls, track_label
from game.sessions.ghost import Ghost
from game.sessions.saliency import Saliency
from game.sessions.takeover import FineTuned, Takeovers
from game.sim.dashcam import LOOKS, Dashcam
from game.sim.track import Track
from game.sim.tracks_catalog import list_tracks, resolve_track
from game.sim.world import World, autonomy_pct
from game.textfmt import plural, short_path
from game.workers import BackgroundJob, WorkerContext

# notify(text, kind="info", seconds=None): a message for the person (App.toast's signature).
Notify = Callable[..., None]

FALLBACK_TRACK = "gen:1"
CRUISE_RATE = 4.0  # m/s per second while Up/Down is held
FLASH_S = 0.8  # how long the lane-departure flash shows
RECORD_RATE_HZ = 20.0
ERASE_SECONDS = 5.0
TIMING_WINDOW = 120  # steps of inference times behind the HUD's median


def no_notice(text: str, kind: str = "info", seconds: float | None = None) -> None:
    """The default Notify: a session used without a screen (tests) reports nowhere."""


def try_track(spec: str, notify: Notify) -> Track | None:
    """The track `spec` names, or None after telling the person why not."""
    try:
        return resolve_track(spec)
    except UserFacingError as e:
        notify(f"bad track: {e}", "error")
        return None


class TrackList:
    """The tracks N / B step through (shipped and the user's own), with a current index."""

    def __init__(self) -> None:
        self.names = list_tracks() or [FALLBACK_TRACK]
        self.index = 0

    def step(self, step: int) -> str:
        self.index = (self.index + step) % len(self.names)
        return self.names[self.index]

    def select(self, spec: str) -> None:
        if spec in self.names:
            self.index = self.names.index(spec)


@dataclass(frozen=True)
class LoadedTrack:
    """A track and its dashcam, built in a worker (the raster takes 0.3-1.7 s)."""

    spec: str
    track: Track
    dashcam: Dashcam


def track_job(spec: str, look: str):
    """Worker job: resolve track `spec` and build its dashcam (a bad spec: UserFacingError)."""

    def job(ctx: WorkerContext) -> LoadedTrack:
        ctx.progress(None, f"loading {spec}")
        track = resolve_track(spec)
        ctx.progress(None, "building the dashcam")
        return LoadedTrack(spec, track, Dashcam(track, look=look))

    return job


def look_job(track: Track, look: str):
    """Worker job: the dashcam of `track` in `look` (its palette and sky take ~0.1 s)."""

    def job(ctx: WorkerContext) -> Dashcam:
        return Dashcam(track, look=look)

    return job


class TrackSession:
    """One car on one track with a dashcam, stepped through a DrivingLoop.

    A track or look change is built in a game.workers.Worker so frames keep drawing: while a
    track loads (`pending`) the car waits on the old one under a LOADING banner; while a look
    builds the car drives on in the old look (`look` already names the new one; rows and
    frames follow `dashcam.look`).
    """

    scoring = "autopilot"  # game.sim.world: how leaving the lane is scored

    def __init__(self, track: str | None, look: str, notify: Notify = no_notice) -> None:
        self.notify = notify
        self.tracks = TrackList()
        self.look = look if look in LOOKS else LOOKS[0]  # the chosen look (may be building)
        self.controls = SteeringControls()
        self.paused = False
        self.cruise: float | None = None  # kept across track changes once the person sets it
        self.flash = 0.0  # seconds left of the lane-departure flash
        self.off_lane_flash = 0.0  # seconds left of a person's amber OFF LANE flash
        self.pending: str | None = None  # the track being loaded in `track_loading`
        self.track_loading = BackgroundJob(
            on_done=self._track_loaded, on_failed=self._track_failed,
            on_cancelled=self._track_dropped,
        )  # fmt: skip
        self.look_loading = BackgroundJob(on_done=self._look_built, on_failed=self._look_failed)
        self.steering_cmd = 0.0
        for candidate in (track, self.tracks.names[0], FALLBACK_TRACK):
            if candidate and self.load_track(candidate):
                break

    # --- tracks and looks ----------------------------------------------------------------
    def load_track(self, spec: str) -> bool:
        """Switch to track `spec` now (the first track); on a bad spec say why and keep the
        current track. Later changes go through `request_track`."""
        track = try_track(spec, self.notify)
        if track is None:
            return False
        self._install(LoadedTrack(spec, track, Dashcam(track, look=self.look)))
        return True

    def _install(self, loaded: LoadedTrack) -> None:
        self.before_track_change()
        self.tracks.select(loaded.spec)
        self.track = loaded.track
        self.world = World(loaded.track, scoring=self.scoring)
        self.dashcam = loaded.dashcam
        self.camera = CameraPart(self.dashcam, self.world)
        self.loop = DrivingLoop(self.world, camera=self.camera)
        self.controls.reset()
        self.after_track_change()
        if self.dashcam.look != self.look:  # the look changed while the track loaded
            self._build_look(self.look)

    def before_track_change(self) -> None:
        """Hook: close what belongs to the old track (a recording)."""

    def after_track_change(self) -> None:
        """Hook: set up the new world (drivers, cruise)."""
        if self.cruise is not None:
            self.world.car.set_cruise(self.cruise)

    def after_look_change(self) -> None:
        """Hook: the dashcam now renders `self.dashcam.look`."""

    def request_track(self, spec: str) -> None:
        """Load `spec` in a worker; the car waits under a LOADING banner until it is built."""
        self.pending = spec  # an older request is cancelled: only the newest counts
        self.track_loading.start(track_job(spec, self.look), name=f"track {spec}")

    def cycle_track(self, step: int) -> None:
        self.request_track(self.tracks.step(step))

    def random_track(self) -> None:
        self.request_track(f"gen:{random.randrange(1_000_000)}")

    def _load_pending(self) -> bool:
        """Take finished loads; True while a track change is under way (the step is
        skipped: the car waits on the old track)."""
        self.look_loading.poll()
        if self.pending is None:
            return False
        self.track_loading.poll()
        return True

    def _track_loaded(self, loaded: LoadedTrack) -> None:
        self.pending = None
        self._install(loaded)
        self.notify(f"track: {track_label(self.track)}")

    def _track_failed(self, error: str | None) -> None:
        self.pending = None
        self.notify(f"bad track: {error}", "error")

    def _track_dropped(self) -> None:
        self.pending = None

    def _look_built(self, dashcam: Dashcam) -> None:
        if dashcam.track is self.track:
            self._use_dashcam(dashcam)

    def _look_failed(self, error: str | None) -> None:
        self.look = self.dashcam.look
        self.notify(error or "the dashcam look failed to build", "error")

    def finish_loading(self, timeout: float = 60.0) -> None:
        """Wait for the track and look being built and take them (tests, benches)."""
        for job in (self.track_loading, self.look_loading):
            if job.worker is not None:
                job.worker.join(timeout)
        self._load_pending()
        if self.look_loading.busy:  # a look queued behind the track
            self.look_loading.worker.join(timeout)
            self._load_pending()

    def cycle_look(self) -> None:
        self.look = LOOKS[(LOOKS.index(self.look) + 1) % len(LOOKS)]
        if self.pending is None:  # else the track's install builds it
            self._build_look(self.look)

    def _build_look(self, look: str) -> None:
        self.look_loading.drop()
        if look != self.dashcam.look:
            self.look_loading.start(look_job(self.track, look), name=f"look {look}")

    def _use_dashcam(self, dashcam: Dashcam) -> None:
        self.dashcam = dashcam
        self.camera.set_dashcam(dashcam)
        self.after_look_change()
        self.notify(f"dashcam look: {dashcam.look}")

    def toggle_pause(self) -> None:
        self.paused = not self.paused

    def close(self) -> None:
        """The screen closes: drop the loads under way."""
        self.track_loading.cancel()
        self.look_loading.cancel()

    # --- stepping ------------------------------------------------------------------------
    def apply_cruise(self, inp: DriveInput, dt: float) -> None:
        car = self.world.car
        if inp.faster:
            car.set_cruise(car.cruise_speed + CRUISE_RATE * dt)
            self.cruise = car.cruise_speed
        if inp.slower:
            car.set_cruise(car.cruise_speed - CRUISE_RATE * dt)
            self.cruise = car.cruise_speed

    def after_step(self, step: StepResult, dt: float) -> None:
        self.steering_cmd = step.command
        if step.intervened:
            self.flash = FLASH_S
            self.controls.reset()  # the car was set back straight: so is the wheel
        self.flash = max(0.0, self.flash - dt)
        if self.world.off_lane:
            self.off_lane_flash = FLASH_S  # shows while off the lane, then a moment more
        else:
            self.off_lane_flash = max(0.0, self.off_lane_flash - dt)

    def frame(self) -> np.ndarray:
        """The dashcam image of the current state (rendered at most once per state)."""
        return self.camera.frame()


class DriveSession(TrackSession):
    """The person drives; R records frames + steering, Backspace erases the last seconds.
    Scored as a person: leaving the lane is an off-lane, the car is reset only off the road.
    The ghost of the person's best valid lap on the track drives beside them (C hides it)."""

    scoring = "person"

    def __init__(self, track: str | None, look: str = "day", notify: Notify = no_notice):
        self.recording: RecordingPart | None = None
        self.rows_in_lane = 0  # rows of this recording taken inside the lane (trainable)
        self.ghost: Ghost | None = None  # set for each track
        super().__init__(track, look, notify)

    @property
    def recorder(self) -> Recorder | None:
        return self.recording.recorder if self.recording is not None else None

    def before_track_change(self) -> None:
        self.stop_recording()

    def after_track_change(self) -> None:
        super().after_track_change()
        visible = self.ghost.visible if self.ghost is not None else True
        self.ghost = Ghost(self.track, self.notify)
        self.ghost.visible = visible  # C's choice holds across tracks

    def after_look_change(self) -> None:
        if self.recording is not None:
            self.recording.look = self.dashcam.look  # the recording goes on, rows name their look

    def restart(self) -> None:
        """Back to the grid of the same track: a fresh world (laps, times, off-lanes)."""
        self.world.reset()
        self.camera.invalidate()
        self.controls.reset()
        if self.cruise is not None:
            self.world.car.set_cruise(self.cruise)
        self.ghost.restart(self.world)

    def toggle_recording(self) -> None:
        if self.recording is not None:
            self.stop_recording()
            return
        look = self.dashcam.look
        rec = Recorder(None, self.dashcam.params, self.track.name, look, RECORD_RATE_HZ)
        self.recording = RecordingPart(rec, look=look)
        self.loop.recorder = self.recording
        self.rows_in_lane = 0
        self.notify(f"recording to {rec.dir}")

    def stop_recording(self) -> None:
        if self.recording is None:
            return
        rec, self.recording = self.recording.recorder, None
        self.loop.recorder = None
        rec.close()
        self.notify(f"recording saved: {plural(rec.frame_count, 'frame')} in {short_path(rec.dir)}")

    def erase_recent(self) -> None:
        if self.recorder is None:
            self.notify("not recording: nothing to erase")
            return
        try:
            n = self.recorder.erase_last(ERASE_SECONDS)
        except OSError as e:  # e.g. disk full: the recording is intact and goes on
            self.notify(f"could not erase: {e}", "error")
            return
        self.rows_in_lane = max(0, self.rows_in_lane - n)
        self.notify(f"erased the last {ERASE_SECONDS:.0f} s ({plural(n, 'frame')})")

    def toggle_mouse(self) -> None:
        self.controls.mouse_mode = not self.controls.mouse_mode
        self.notify("mouse steering " + ("on" if self.controls.mouse_mode else "off"))

    def toggle_ghost(self) -> None:
        self.ghost.toggle()
        if not self.ghost.visible:
            self.notify("ghost car off")
        elif self.ghost.best is None:
            self.notify("ghost car on: drive a clean lap and it follows your best")
        else:
            self.notify(f"ghost car on: your best lap, {self.ghost.best.lap_s:.2f} s")

    def close(self) -> None:
        self.stop_recording()
        super().close()

    def update(self, dt: float, inp: DriveInput) -> bool:
        """One step; False when the car did not move (paused, a track loading)."""
        if self._load_pending() or self.paused:
            return False
        self.apply_cruise(inp, dt)
        # The loop records before it steps: each row pairs the frame of this state with the
        # command applied from it (the frame is usually already rendered by the last draw).
        speed = self.world.car.state.speed
        in_lane = not self.world.off_lane  # what the row about to be recorded is marked
        step = self.loop.step(human=self.controls.follow(inp, dt, speed=speed))
        if step.recorded and in_lane:
            self.rows_in_lane += 1
        if step.record_error is not None:  # e.g. disk full: stop cleanly, keep what was written
            self.notify(f"recording stopped: {step.record_error}", "error")
            self.stop_recording()
        self.after_step(step, dt)
        self.ghost.after_step(self.world)
        return True


def load_driver_job(path: Path):
    """Worker job: load a saved model as a CnnDriver (its tf.function is built and warmed)."""

    def job(ctx: WorkerContext):
        ctx.progress(None, f"loading {path.name}")
        from agents.driving.cnn_driver import CnnDriver

        return CnnDriver(path)

    return job


class AutopilotSession(TrackSession):
    """A CNN steers from the dashcam; the person's steering takes over (DAgger).

    Its parts: the model (loaded in a worker: `loading`), `saliency` (S / M: the
    VisualBackProp view) and `dagger` (the person's takeovers and F's fine-tune)."""

    def __init__(
        self,
        track: str | None,
        model: str | Path | None,
        look: str = "day",
        notify: Notify = no_notice,
    ) -> None:
        model = Path(model) if model is not None else default_model()
        self.expert = ExpertDriver()
        self.driver = None  # a CnnDriver once loaded
        self.model_path: Path | None = model
        self.error: str | None = None  # why there is no model (shown on screen)
        self.loading = BackgroundJob(on_done=self.use_driver, on_failed=self._load_failed)
        self.cnn_cmd: float | None = None
        self.expert_cmd = 0.0
        self.inference_ms: deque[float] = deque(maxlen=TIMING_WINDOW)
        self.shown: np.ndarray | None = None  # the frame the CNN last steered from
        self.saliency = Saliency(notify)
        self.dagger = Takeovers(notify, self._tuned)
        # The stats (autonomy, lane departures, takeovers) count from when the model now
        # driving took over: (simulated seconds, lane departures, takeovers) at that moment.
        self._stats_from = (0.0, 0, 0)
        super().__init__(track, look, notify)
        self.load_model(model)

    # --- tracks --------------------------------------------------------------------------
    def before_track_change(self) -> None:
        self.stop_recording()

    def after_track_change(self) -> None:
        self.reset_stats()  # a fresh world and loop: their counts start at zero
        self.expert.reset(self.world)
        self.loop.advisors = [self.expert]
        self.loop.driver = self.driver
        if self.driver is not None:
            self.driver.reset(self.world)
        self.shown = None
        self._apply_cruise()

    def after_look_change(self) -> None:
        self.stop_recording()  # one look per takeover session

    # --- models --------------------------------------------------------------------------
    def load_model(self, path: Path | None) -> None:
        """Load `path` in a worker; the car waits, parked, until a model drives it."""
        self._set_driver(None)
        self.inference_ms.clear()
        self.model_path = path
        self.loading.drop()  # only the newest load counts
        if path is None:
            self.error = "no model found: record laps in Drive, then train one in Train"
            return
        self.error = None
        self.loading.start(load_driver_job(path), name=f"load {path.name}")

    def cycle_model(self, step: int) -> None:
        models = available_models()
        if not models:
            self.notify("no models: train one in the Train screen", "error")
            return
        paths = [m.path for m in models]
        i = paths.index(self.model_path) if self.model_path in paths else -1
        entry = models[(i + step) % len(models)]
        self.notify(f"model: {entry.label}")
        self.load_model(entry.path)

    @property
    def model_label(self) -> str:
        return self.model_path.stem if self.model_path is not None else "no model"

    def _set_driver(self, driver) -> None:
        self.driver = driver
        self.loop.driver = driver
        self.saliency.set_driver(driver)
        self.cnn_cmd = None
        self._apply_cruise()

    def _apply_cruise(self) -> None:
        car = self.world.car
        if self.driver is None:
            car.set_cruise(0.0)  # no model: the car waits
        else:
            car.set_cruise(self.cruise if self.cruise is not None else car.params.default_cruise)

    def use_driver(self, driver) -> None:
        """Drive with `driver` (a model just loaded or fine-tuned); its stats start at zero."""
        self._set_driver(driver)
        driver.reset(self.world)
        self.error = None
        self.inference_ms.clear()
        self.reset_stats()

    def _load_failed(self, error: str | None) -> None:
        self.error = error
        self.notify(error or "model failed to load", "error")

    def _model_failed(self, message: str) -> None:
        """The loaded model cannot drive on: the car waits and the banner says why."""
        self._set_driver(None)
        self.error = message
        self.notify(message, "error")

    def poll_workers(self) -> None:
        self.loading.poll()
        self.saliency.building.poll()
        self.dagger.tuning.poll()

    # --- takeover and fine-tuning --------------------------------------------------------
    def _human_steering(self, inp: DriveInput, dt: float) -> float | None:
        """The person's steering command while they steer, else None (the CNN drives)."""
        if self.driver is None:
            return None
        c = self.controls
        if not (inp.left or inp.right or c.stick_active(inp.stick) or inp.mouse_held):
            return None
        c.mouse_mode = inp.mouse_held
        return c.update(dt, inp.left, inp.right, mouse_x=inp.mouse_x, stick=inp.stick)

    def stop_recording(self) -> None:
        if self.dagger.stop():
            self.loop.recorder = None

    def fine_tune(self) -> None:
        """F: fine-tune the current model on its original data plus the takeovers."""
        if self.dagger.fine_tune(self.model_path, self.driver is not None):
            self.loop.recorder = None  # the takeover session was closed for the trainer

    def _tuned(self, done: FineTuned) -> None:
        self.model_path = Path(done.result.model_path)
        self.use_driver(done.driver)
        note = "" if done.n_original else " (original data not on this machine: takeovers only)"
        self.notify(f"fine-tuned: now driving {self.model_path.name}{note}", seconds=5.0)

    def close(self) -> None:
        self.stop_recording()
        self.loading.cancel()
        self.dagger.close()
        self.saliency.close()
        super().close()

    # --- stepping ------------------------------------------------------------------------
    def update(self, dt: float, inp: DriveInput) -> bool:
        """One step; False when the car did not move (paused, a track loading)."""
        self.poll_workers()
        if self._load_pending() or self.paused:
            return False
        if self.driver is None:
            return False  # no model yet (loading, or none): the car waits and the clock holds
        self.apply_cruise(inp, dt)
        human = self._human_steering(inp, dt)
        self.loop.recorder = (
            self.dagger.recording(self.dashcam, self.track.name) if human is not None else None
        )
        try:
            step = self.loop.step(human)
        except UserFacingError as e:  # e.g. the model output NaN: park and say so
            self._model_failed(str(e))
            step = self.loop.step(None)
        self.expert_cmd = step.advice[0]
        self.shown = step.frame
        if self.driver is not None:
            self.cnn_cmd = step.driver_command
            if self.driver.last_inference_ms is not None:
                self.inference_ms.append(self.driver.last_inference_ms)
            self.saliency.take(self.driver)
        if step.recorded:
            self.dagger.frames += 1
        if step.record_error is not None:  # e.g. disk full: stop, keep what was written
            self.notify(f"takeover recording stopped: {step.record_error}", "error")
            self.stop_recording()
        self.after_step(step, dt)
        if not step.human:
            # The wheel starts from where the CNN holds it when the person grabs it.
            self.controls.value = self.steering_cmd
        if self.driver is not None:
            # The next step's forward pass runs while the screen draws.
            self.loop.prefetch(self.saliency.for_step(self.world.steps + 1))
        return True

    # --- read-outs -----------------------------------------------------------------------
    @property
    def taking_over(self) -> bool:
        return self.loop.overriding

    def reset_stats(self) -> None:
        """Count autonomy, lane departures and takeovers from now (a new model took over)."""
        self._stats_from = (self.world.time, self.world.interventions, self.loop.takeovers)

    @property
    def takeovers(self) -> int:
        """The person's takeovers since the current model took over."""
        return self.loop.takeovers - self._stats_from[2]

    @property
    def lane_departures(self) -> int:
        """Lane departures since the current model took over."""
        return self.world.interventions - self._stats_from[1]

    @property
    def model_seconds(self) -> float:
        """Simulated seconds the current model has driven."""
        return self.world.time - self._stats_from[0]

    @property
    def autonomy(self) -> float:
        """NVIDIA's autonomy % of the current model: lane departures and the person's
        takeovers both count."""
        return autonomy_pct(self.lane_departures + self.takeovers, self.model_seconds)

    @property
    def median_inference_ms(self) -> float | None:
        return float(np.median(self.inference_ms)) if self.inference_ms else None

    def frame(self) -> np.ndarray:
        """What the panel shows: the frame the CNN last steered from, else the current one."""
        return self.shown if self.shown is not None else self.camera.frame()
