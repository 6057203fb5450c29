"""Drive and Autopilot sessions: a car on a track with a dashcam, driven through the one
driving loop (agents.driving.loop), without pygame.

- `TrackSession`: what every driving screen shares: the track list (N / B / G; a track and its
  dashcam raster are built in a worker while the old view stays on screen), the dashcam look
  (L, also built in a worker), cruise speed (Up / Down), pause and the lane-departure flash;
- `DriveSession`: the person drives and may record (R) or erase the last seconds; the ghost
  of their best lap drives beside them (game.sessions.ghost);
- `AutopilotSession`: a CNN drives; the person's steering takes over (recorded for DAgger);
  F fine-tunes on those takeovers. Models load, fine-tune and build their saliency in
  game.workers.Worker threads: this module imports no TensorFlow.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agents.driving import dagger
from agents.driving.expert import ExpertDriver
from agents.driving.loop import CameraPart, DrivingLoop, RecordingPart, StepResult
from agents.driving.model_catalog import available_models, default_model
from agents.driving.recording import Recorder
from agents.training import Phase, TrainingProgress
from game.errors import UserFacingError
from game.sessions.controls import DriveInput, SteeringControls, track_label
from game.sessions.ghost import Ghost
from game.sim.dashcam import LOOKS, Dashcam
from game.sim.track import Track
from game.sim.tracks_catalog import list_tracks, resolve_track
from game.sim.world import World, autonomy_pct
from game.textfmt import plural, short_path
from game.workers import CANCELLED, DONE, FAILED, Worker, WorkerContext

# notify(text, kind="info", seconds=None): a message for the person (App.toast's signature).
Notify = Callable[..., None]

FALLBACK_TRACK = "gen:1"
CRUISE_RATE = 4.0  # m/s per second while Up/Down is held
FLASH_S = 0.8  # how long the lane-departure flash shows
RECORD_RATE_HZ = 20.0
ERASE_SECONDS = 5.0
TAKEOVER_RATE_HZ = 20.0
MIN_TAKEOVER_FRAMES = 20  # a fine-tune needs a few seconds of corrections to split 80/20
FINE_TUNE_EPOCHS = dagger.DEFAULT_EPOCHS
SALIENCY_EVERY = 3  # VisualBackProp costs ~2 ms (TFLite): every 3rd step keeps frames in budget
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
        self.pending: str | None = None  # the track being loaded in `track_loader`
        self.track_loader: Worker | None = None
        self.look_loader: Worker | None = None
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
        if self.track_loader is not None:
            self.track_loader.cancel()  # its result is dropped: only the newest request counts
        self.pending = spec
        self.track_loader = Worker(track_job(spec, self.look), name=f"track {spec}").start()

    def cycle_track(self, step: int) -> None:
        self.request_track(self.tracks.step(step))

    def random_track(self) -> None:
        self.request_track(f"gen:{random.randrange(1_000_000)}")

    def _load_pending(self) -> bool:
        """Take finished loads; True while a track change is under way (the step is
        skipped: the car waits on the old track)."""
        if _finished(self.look_loader):
            worker, self.look_loader = self.look_loader, None
            if worker.state == DONE and worker.result.track is self.track:
                self._use_dashcam(worker.result)
            elif worker.state == FAILED:
                self.look = self.dashcam.look
                self.notify(worker.error or "the dashcam look failed to build", "error")
        if self.pending is None:
            return False
        if _finished(self.track_loader):
            worker, self.track_loader, self.pending = self.track_loader, None, None
            if worker.state == DONE:
                self._install(worker.result)
                self.notify(f"track: {track_label(self.track)}")
            elif worker.state == FAILED:
                self.notify(f"bad track: {worker.error}", "error")
        return True

    def finish_loading(self, timeout: float = 60.0) -> None:
        """Wait for the track and look being built and take them (tests, benches)."""
        for worker in (self.track_loader, self.look_loader):
            if worker is not None:
                worker.join(timeout)
        self._load_pending()
        if self.look_loader is not None:  # a look queued behind the track
            self.look_loader.join(timeout)
            self._load_pending()

    def cycle_look(self) -> None:
        self.look = LOOKS[(LOOKS.index(self.look) + 1) % len(LOOKS)]
        if self.pending is None:  # else the track's install builds it
            self._build_look(self.look)

    def _build_look(self, look: str) -> None:
        if self.look_loader is not None:
            self.look_loader.cancel()
            self.look_loader = None
        if look != self.dashcam.look:
            self.look_loader = Worker(look_job(self.track, look), name=f"look {look}").start()

    def _use_dashcam(self, dashcam: Dashcam) -> None:
        self.dashcam = dashcam
        self.camera.set_dashcam(dashcam)
        self.after_look_change()
        self.notify(f"dashcam look: {dashcam.look}")

    def toggle_pause(self) -> None:
        self.paused = not self.paused

    def close(self) -> None:
        """The screen closes: drop the loads under way."""
        for worker in (self.track_loader, self.look_loader):
            if worker is not None:
                worker.cancel()

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


@dataclass(frozen=True)
class FineTuned:
    """A finished fine-tune: the result of dagger.fine_tune, its driver, the original frames."""

    result: Any
    driver: Any
    n_original: int


def _eta_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = int(round(seconds))
    return f"  ETA {whole // 60}:{whole % 60:02d}"


def fine_tune_status(event: TrainingProgress) -> tuple[float | None, str] | None:
    """(bar fraction or None for 'busy', status line) for one fine-tune event; every stage
    says what it is doing, and training and validation count down one ETA."""
    eta = _eta_text(event.eta_s)
    if event.phase is Phase.DATA:
        return (None, event.message) if event.message else None
    if event.phase is Phase.TRAIN and event.batches and not event.batch:
        # The first batch traces the graph and reads a shuffle buffer of frames first.
        return event.steps_fraction, f"training: starting ({event.batches} batches)"
    if event.phase is Phase.TRAIN and event.batches:
        finite = event.loss is not None and math.isfinite(event.loss)
        loss = f"  loss {event.loss:.4f}" if finite else ""
        return event.steps_fraction, f"training {event.batch}/{event.batches}{loss}{eta}"
    if event.phase is Phase.VALIDATE:
        if event.val_batches and event.val_batch >= event.val_batches:
            # Keras closes the validation pass and logs the epoch (1-2 s, longer when busy).
            return event.steps_fraction, "finishing the check on held-out frames"
        of = f"/{event.val_batches}" if event.val_batches else ""
        return event.steps_fraction, f"checking on held-out frames {event.val_batch}{of}{eta}"
    if event.phase is Phase.EPOCH_END:
        return event.steps_fraction, "saving the model"
    return None


def fine_tune_job(model_path: Path, takeovers: list[Path], epochs: int = FINE_TUNE_EPOCHS):
    """Worker job: DAgger fine-tune (agents.driving.dagger), then load the new model (its
    TFLite conversion takes a few seconds and is shown as its own stage)."""

    def job(ctx: WorkerContext) -> FineTuned:
        ctx.progress(None, "starting TensorFlow")
        from agents.driving.cnn_driver import CnnDriver

        def report(event: TrainingProgress) -> None:
            status = fine_tune_status(event)
            if status is not None:
                ctx.progress(*status)

        # A cancel raises TrainingCancelled: the worker ends CANCELLED, the model unchanged.
        result, n_original = dagger.fine_tune(
            model_path, takeovers, epochs, cancel=ctx.cancel, on_event=report
        )
        ctx.progress(None, "preparing the new model to drive (TFLite)")
        return FineTuned(result, CnnDriver(result.model_path), n_original)

    return job


def saliency_job(driver):
    """Worker job: VisualBackProp for `driver`, converted to TFLite (1.8x less CPU on the
    screen's thread; cached by the model file's hash) when the model came from a file."""

    def job(ctx: WorkerContext):
        from agents.driving.saliency import VisualBackProp

        path = getattr(driver, "model_path", None)
        backend = "tflite" if path is not None else "keras"
        return driver, VisualBackProp(driver.model, driver.spec, backend=backend, model_path=path)

    return job


@dataclass(frozen=True)
class SaliencyView:
    """What the screen shows of one VisualBackProp pass, all made on the model's helper
    thread: the mask as an RGBA layer and, when asked, the first conv layer's maps as a grid."""

    outputs: np.ndarray  # the model's outputs for the frame: the car steers from these
    mask: np.ndarray
    tint: np.ndarray
    maps: np.ndarray | None


def saliency_view(vbp, maps: bool) -> Callable[[np.ndarray], SaliencyView]:
    """frame -> SaliencyView, for CnnDriver.prefetch(saliency=...)."""
    from agents.driving.saliency import feature_grid, saliency_tint

    def view(frame: np.ndarray) -> SaliencyView:
        result = vbp(frame)
        grid = feature_grid(result.first_maps, columns=4) if maps else None
        return SaliencyView(result.outputs, result.mask, saliency_tint(result.mask), grid)

    return view


def _finished(worker: Worker | None) -> bool:
    if worker is None:
        return False
    worker.poll()
    return worker.finished


class AutopilotSession(TrackSession):
    """A CNN steers from the dashcam; the person's steering takes over (DAgger)."""

    fine_tune_epochs = FINE_TUNE_EPOCHS

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
        self.loader: Worker | None = None
        self.tuner: Worker | None = None
        self.cnn_cmd: float | None = None
        self.expert_cmd = 0.0
        self.inference_ms: deque[float] = deque(maxlen=TIMING_WINDOW)
        self.shown: np.ndarray | None = None  # the frame the CNN last steered from
        # Takeover (DAgger)
        self.takeover: RecordingPart | None = None
        self.takeover_sessions: list[Path] = []
        self.takeover_frames = 0
        # The stats (autonomy, lane departures, takeovers) count from when the model now
        # driving took over: (simulated seconds, lane departures, takeovers) at that moment.
        self._stats_from = (0.0, 0, 0)
        # Saliency
        self.show_saliency = False
        self.show_maps = False
        self.vbp = None  # VisualBackProp for the current driver, built in a worker
        self.vbp_loader: Worker | None = None
        self.saliency_mask: np.ndarray | None = None
        self.saliency_tint: np.ndarray | None = None  # the mask as an RGBA layer to draw
        self.first_maps: np.ndarray | None = None  # the first conv layer's maps, as a grid
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
        if self.loader is not None:
            self.loader.cancel()  # its result is ignored: only the newest load counts
        self.loader = None
        if path is None:
            self.error = "no model found: record laps in Drive, then train one in Train"
            return
        self.error = None
        self.loader = Worker(load_driver_job(path), name=f"load {path.name}").start()

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
        self.vbp = None
        self.saliency_mask = self.saliency_tint = None
        self.first_maps = None
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
        if self.show_saliency or self.show_maps:
            self._prepare_saliency()

    _use_driver = use_driver  # the name older tests and benches call

    def _model_failed(self, message: str) -> None:
        """The loaded model cannot drive on: the car waits and the banner says why."""
        self._set_driver(None)
        self.error = message
        self.notify(message, "error")

    def poll_workers(self) -> None:
        if _finished(self.loader):
            worker, self.loader = self.loader, None
            if worker.state == DONE:
                self.use_driver(worker.result)
            elif worker.state == FAILED:
                self.error = worker.error
                self.notify(worker.error or "model failed to load", "error")
        if _finished(self.vbp_loader):
            worker, self.vbp_loader = self.vbp_loader, None
            if worker.state == DONE and worker.result[0] is self.driver:
                self.vbp = worker.result[1]
            elif worker.state == FAILED:
                self.show_saliency = self.show_maps = False
                self.notify(f"saliency unavailable: {worker.error}", "error")
        if _finished(self.tuner):
            worker, self.tuner = self.tuner, None
            self._fine_tune_finished(worker)

    # --- saliency ------------------------------------------------------------------------
    def toggle_saliency(self, maps: bool = False) -> None:
        if maps:
            self.show_maps = not self.show_maps
        else:
            self.show_saliency = not self.show_saliency
        if (self.show_saliency or self.show_maps) and self.vbp is None:
            self._prepare_saliency()

    def _prepare_saliency(self) -> None:
        if self.driver is None or self.vbp_loader is not None:
            return
        self.vbp_loader = Worker(saliency_job(self.driver), name="saliency").start()

    def _take_saliency(self) -> None:
        """Show the VisualBackProp pass the CNN just steered with, if this step had one."""
        view = getattr(self.driver, "step_saliency", None)
        if isinstance(view, SaliencyView) and (self.show_saliency or self.show_maps):
            self.saliency_mask, self.saliency_tint = view.mask, view.tint
            if view.maps is not None:
                self.first_maps = view.maps

    def _saliency_for_next_step(self) -> Callable[[np.ndarray], SaliencyView] | None:
        # Every SALIENCY_EVERY-th step the helper thread runs the VisualBackProp pass in
        # place of the plain one (CnnDriver.prefetch): one network at a time beside the
        # screen's thread, never two.
        if self.vbp is None or not (self.show_saliency or self.show_maps):
            return None
        if (self.world.steps + 1) % SALIENCY_EVERY:
            return None
        return saliency_view(self.vbp, self.show_maps)

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

    def _takeover_part(self) -> RecordingPart:
        if self.takeover is None:
            look = self.dashcam.look
            rec = Recorder(
                None, self.dashcam.params, self.track.name, look,
                rate_hz=TAKEOVER_RATE_HZ, source="takeover",
            )  # fmt: skip
            self.takeover = RecordingPart(rec, look=look, source="takeover")
            self.takeover_sessions.append(rec.dir)
        return self.takeover

    def stop_recording(self) -> None:
        if self.takeover is not None:
            rec, self.takeover = self.takeover.recorder, None
            self.loop.recorder = None
            rec.close()

    @property
    def recorder(self) -> Recorder | None:
        return self.takeover.recorder if self.takeover is not None else None

    def fine_tune(self) -> None:
        """F: fine-tune the current model on its original data plus the takeovers."""
        if self.tuner is not None:
            self.notify("fine-tuning is already running")
            return
        if self.driver is None or self.model_path is None:
            self.notify("no model loaded to fine-tune", "error")
            return
        if self.takeover_frames < MIN_TAKEOVER_FRAMES:
            need = MIN_TAKEOVER_FRAMES / TAKEOVER_RATE_HZ
            self.notify(f"take over for at least {need:.0f} s first (steer to take over)")
            return
        self.stop_recording()  # flush and close: the trainer reads the session folders
        job = fine_tune_job(self.model_path, list(self.takeover_sessions), self.fine_tune_epochs)
        self.tuner = Worker(job, name="fine-tune").start()
        self.notify("fine-tuning in the background; the current model drives on")

    def _fine_tune_finished(self, worker: Worker) -> None:
        if worker.state == DONE and worker.result is not None:
            done: FineTuned = worker.result
            self.model_path = Path(done.result.model_path)
            self.use_driver(done.driver)
            self.takeover_sessions.clear()
            self.takeover_frames = 0
            note = "" if done.n_original else " (original data not on this machine: takeovers only)"
            self.notify(f"fine-tuned: now driving {self.model_path.name}{note}", seconds=5.0)
        elif worker.state == FAILED:
            self.notify(worker.error or "fine-tuning failed", "error")
        elif worker.state == CANCELLED or worker.result is None:
            self.notify("fine-tuning cancelled: the model is unchanged")

    def close(self) -> None:
        self.stop_recording()
        for worker in (self.loader, self.tuner, self.vbp_loader):
            if worker is not None:
                worker.cancel()
        super().close()

    # --- stepping ------------------------------------------------------------------------
    def update(self, dt: float, inp: DriveInput) -> bool:
        """One step; False when the car did not move (paused, a track loading)."""
        self.poll_workers()
        if self._load_pending() or self.paused:
            return False
        if self.driver is not None:
            self.apply_cruise(inp, dt)
        human = self._human_steering(inp, dt)
        self.loop.recorder = self._takeover_part() if human is not None else None
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
            self._take_saliency()
        if step.recorded:
            self.takeover_frames += 1
        if step.record_error is not None:  # e.g. disk full: stop, keep what was written
            self.notify(f"takeover recording stopped: {step.record_error}", "error")
            self.stop_recording()
        self.after_step(step, dt)
        if not step.human:
            # The wheel starts from where the CNN holds it when the person grabs it.
            self.controls.value = self.steering_cmd
        if self.driver is not None:
            # The next step's forward pass runs while the screen draws.
            self.loop.prefetch(self._saliency_for_next_step())
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
