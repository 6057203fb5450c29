""""Teach a car to drive": the first-run path's state, without pygame.

Three steps, each of which Esc or quitting may end without losing a lap:

1. DRIVE: the person drives LAPS laps with recording on (a normal session in the user's
   recordings, which the Train screen lists too; off-lane rows are marked and left out of
   training). Too few rows inside the lane: one more lap is asked for.
2. TRAIN: the shipped default model is fine-tuned on this flow's recordings for a few epochs
   in a game.workers.BackgroundJob (Esc cancels; the recordings stay). A cancelled or failed run
   STOPS: Enter trains again, R drives more laps.
3. WATCH: the new model drives by itself (an AutopilotSession the screen makes) on the same
   track for a lap while a worker measures it headless (game.sessions.teach_result). Then
   RESULT: the result card (you vs your car vs the shipped model vs the expert), saved with
   the model, stays until dismissed (Enter: on to a generated track the car has never seen;
   Enter there brings the card back). R teaches more: back to step 1 for more laps, then the
   model is trained on all of them.

    teach = TeachSession("oval", notify=app.toast)
    ...  # every step: teach.drive.update(dt, inp) in DRIVE, then teach.poll()
"""

from __future__ import annotations

import random
from collections.abc import Callable
from enum import Enum
from pathlib import Path

from agents.driving.model_catalog import new_model_path, shipped_model
from agents.driving.models import DEFAULT_ARCHITECTURE
from agents.driving.recording_reader import list_sessions
from agents.training import FINE_TUNE_EPOCHS
from game.paths import user_dir
from game.sessions.controls import track_label
from game.sessions.driving import DriveSession, Notify, TrackSession, no_notice
from game.sessions.teach_result import TeachResult, result_job
from game.sessions.training import (
    JobFactory,
    RunState,
    TrainingRun,
    run_config,
    train_job,
    training_job,
)
from game.textfmt import plural
from game.workers import BackgroundJob

LAPS = 2
EPOCHS = FINE_TUNE_EPOCHS  # a fine-tune of the shipped model: one pass makes it yours
MIN_ROWS_IN_LANE = 200  # 10 s of driving inside the lane at 20 Hz, or one more lap is asked
WATCH_LAPS = 1  # laps on the taught track before the unseen one
DEFAULT_TRACK = "oval"  # the shortest shipped track: two laps take about two minutes
MODEL_STEM = "my-car"

ResultFactory = Callable[..., Callable]  # game.sessions.teach_result.result_job's signature


class Step(Enum):
    DRIVE = "drive"
    TRAIN = "train"
    STOPPED = "stopped"  # training cancelled or failed; the recordings are kept
    WATCH = "watch"
    RESULT = "result"  # the result card, over the paused car, until dismissed


def is_first_run(recordings: Path | None = None, models: Path | None = None) -> bool:
    """No recordings and no models of the person's own yet (the menu then points here)."""
    rec = recordings or user_dir("recordings")
    mine = models or user_dir("models")
    try:
        has_recordings = any(p.is_dir() for p in rec.iterdir())
        has_models = any(mine.glob("*.h5"))
    except OSError:
        return False  # an unreadable folder: don't nag
    return not (has_recordings or has_models)


class TeachSession:
    """The three steps of teaching a car; the screen draws them and passes keys on."""

    def __init__(
        self,
        track: str | None = None,
        unseen_track: str | None = None,
        notify: Notify = no_notice,
        job_factory: JobFactory = train_job,
        laps: int = LAPS,
        epochs: int = EPOCHS,
        initial_model: Path | None | str = "shipped",
        result_factory: ResultFactory = result_job,
    ) -> None:
        """`initial_model`: the model to fine-tune ("shipped": the shipped default model,
        also on a second run, so each run starts from the same place; None: train a new
        network from scratch)."""
        self.notify = notify
        self.job_factory = job_factory
        self.result_factory = result_factory
        self.laps = laps
        self.epochs = epochs
        self.initial_model = (
            shipped_model() if initial_model == "shipped" else initial_model
        )
        self.drive = DriveSession(track or DEFAULT_TRACK, notify=notify)
        self.track_spec = track or DEFAULT_TRACK
        self.unseen_track = unseen_track or f"gen:{random.randrange(1_000_000)}"
        self.recordings: list[Path] = []  # this flow's sessions, all trained on
        self.step = Step.DRIVE
        self.lap_goal = laps
        self.run: TrainingRun | None = None
        self.training = training_job(
            lambda: self.run, self._trained, self._training_failed, self._training_cancelled
        )
        self.model_path: Path | None = None
        self.watch: TrackSession | None = None  # the Autopilot session showing the model
        self.watching_unseen = False
        self.your_lap_times: list[float] = []  # every lap you drove in this flow, in order
        # Measures the new model for the card.
        self.measuring_job = BackgroundJob(on_done=self._measured, on_failed=self._measure_failed)
        self.result: TeachResult | None = None
        self.result_error = ""
        self.start_driving()

    # --- step 1: drive -------------------------------------------------------------------
    def start_driving(self) -> None:
        """Step 1 from the grid: a fresh lap count and a new recording."""
        self.step = Step.DRIVE
        self.watch = None
        self.watching_unseen = False
        self._stop_result()
        self.drive.paused = False
        self.drive.restart()
        self.lap_goal = self.laps
        if self.drive.recorder is None:
            self.drive.toggle_recording()
        if self.drive.recorder is not None:
            self.recordings.append(self.drive.recorder.dir)

    @property
    def lap(self) -> int:
        """The lap being driven, 1..lap_goal."""
        return min(self.drive.world.laps + 1, self.lap_goal)

    def _laps_driven(self) -> None:
        if self.drive.world.laps < self.lap_goal:
            return
        if self.drive.rows_in_lane < MIN_ROWS_IN_LANE and self.drive.recorder is not None:
            self.lap_goal += 1
            self.notify("most of that lap was off the lane: one more lap, please", "error")
            return
        self.your_lap_times += self.drive.world.lap_times
        self.drive.stop_recording()
        self.start_training()

    # --- step 2: train -------------------------------------------------------------------
    def trainable_sessions(self) -> list[Path]:
        """This flow's recordings that still hold frames."""
        good = []
        for path in self.recordings:
            found = list_sessions(path) if path.is_dir() else []
            if found and not found[0].error and found[0].frames > 0:
                good.append(path)
        return good

    def start_training(self) -> bool:
        if self.training.busy:
            return False
        sessions = self.trainable_sessions()
        if not sessions:
            self.step = Step.STOPPED
            self.run = TrainingRun(state=RunState.FAILED, error="no recorded frames to train on")
            self.notify("no recorded frames to train on: drive some laps first (R)", "error")
            return False
        out = new_model_path(MODEL_STEM)  # my-car-2026-11-30-1412.h5: every run its own
        job = self.job_factory(
            run_config(sessions, DEFAULT_ARCHITECTURE, self.epochs, out, self.initial_model)
        )
        self.run = TrainingRun()
        self.training.start(job, name="teach training")
        self.step = Step.TRAIN
        return True

    def _trained(self, result) -> None:
        if result is None or self.run is None:  # a job that returned nothing: no model
            self._training_failed(None)
            return
        self.run.state = RunState.DONE
        self.model_path = Path(result.model_path)
        self.step = Step.WATCH
        self.notify(f"model saved: {self.model_path.name}")
        self._start_result()

    def _training_cancelled(self) -> None:
        if self.run is not None:
            self.run.state = RunState.CANCELLED
        self.step = Step.STOPPED

    def _training_failed(self, error: str | None) -> None:
        if self.run is not None:
            self.run.state, self.run.error = RunState.FAILED, error or "training failed"
            self.notify(self.run.error, "error")
        self.step = Step.STOPPED

    @property
    def progress(self) -> float | None:
        """Training's share done (None while it prepares)."""
        return self.run.fraction if self.run is not None else None

    def status_line(self) -> str:
        """Training's one line (epoch, batch, ETA) under the progress bar."""
        if self.run is None:
            return ""
        worker = self.training.worker
        return self.run.line(worker.message if worker is not None else "")

    # --- step 3: watch -------------------------------------------------------------------
    def attach_watch(self, session: TrackSession) -> None:
        """The screen made the Autopilot session that drives with `model_path`."""
        self.watch = session
        self.watching_unseen = False

    def show_unseen(self) -> None:
        """On to the track the model has never seen (from the card, or during the lap)."""
        if self.watch is None or self.watching_unseen:
            return
        self.step = Step.WATCH
        self.watching_unseen = True
        self.watch.request_track(self.unseen_track)

    def _watching(self) -> None:
        w = self.watch
        if w is not None and not self.watching_unseen and w.pending is None:
            if w.world.laps >= WATCH_LAPS:
                self.show_result()

    # --- the result card -----------------------------------------------------------------
    def _start_result(self) -> None:
        """Measure the new model headless (a worker): you, your car, shipped, expert."""
        self._stop_result()
        if self.model_path is None:
            return
        job = self.result_factory(
            model=self.model_path, shipped=shipped_model(), track_spec=self.track_spec,
            recordings=self.trainable_sessions(), lap_times=list(self.your_lap_times),
        )  # fmt: skip
        self.measuring_job.start(job, name="teach result")

    def _stop_result(self) -> None:
        self.measuring_job.drop()
        self.result, self.result_error = None, ""

    def _measured(self, result: TeachResult | None) -> None:
        self.result = result

    def _measure_failed(self, error: str | None) -> None:
        self.result_error = error or "the result could not be measured"
        self.notify(self.result_error, "error")

    @property
    def measuring(self) -> tuple[float | None, str] | None:
        """(fraction, what is being measured) while the card's figures are coming in."""
        w = self.measuring_job.worker
        return (w.fraction, w.message) if w is not None else None

    def show_result(self) -> None:
        """The card (Enter during the lap, or at its end; Enter on the unseen track)."""
        if self.step is Step.WATCH and self.model_path is not None:
            self.step = Step.RESULT

    def confirm(self) -> None:
        """Enter in step 3: the card from the road, the unseen track from the card."""
        if self.step is Step.RESULT:
            self.show_unseen()
        elif self.step is Step.WATCH:
            self.show_result()

    # --- every step ----------------------------------------------------------------------
    def poll(self) -> None:
        """Move on when a step is done: called every sim step after the step's own update."""
        if self.step is Step.DRIVE:
            self._laps_driven()
        elif self.step is Step.TRAIN:
            self.training.poll()
        elif self.step is Step.WATCH:
            self._watching()
        self.measuring_job.poll()

    def back(self) -> bool:
        """Esc: True when the flow ends (the screen closes); while training it cancels the
        run first (the recordings stay), and the next Esc leaves."""
        if self.step is Step.TRAIN and self.training.busy:
            if self.run is not None and self.run.state is not RunState.CANCELLING:
                self.training.cancel()
                self.run.state = RunState.CANCELLING
                return False
        return True

    def teach_more(self) -> None:
        """R (after training): drive more laps; the next training uses all of them."""
        if self.step in (Step.WATCH, Step.RESULT, Step.STOPPED):
            self.start_driving()
            self.notify(f"drive {plural(self.laps, 'lap')} more: your car learns from all of them")

    def close(self) -> None:
        """The screen closes (Esc, quit): keep every recorded row, stop background work."""
        self.drive.close()
        self.training.cancel()
        # A result being measured goes on in the background and is saved with the model (the
        # Models screen shows it); quitting the game cancels it with every other worker.

    # --- what the screen says ------------------------------------------------------------
    def instruction(self) -> tuple[str, str]:
        """(what to do now, a smaller second line) for the band over the road."""
        if self.step is Step.DRIVE:
            return (
                f"Step 1 of 3:  drive {plural(self.lap_goal, 'lap')} - stay in your lane.   "
                f"Lap {self.lap}/{self.lap_goal}",
                "Left / Right or A / D steer, Up / Down speed.   Recording: "
                f"{plural(self._frames(), 'frame')} (off-lane ones are left out)."
                "   Esc: stop, laps kept",
            )
        if self.step is Step.TRAIN:
            what = "fine-tuning the shipped PilotNet" if self.initial_model else "a new network"
            passes = "one pass" if self.epochs == 1 else f"{self.epochs} epochs"
            return (
                f"Step 2 of 3:  your car learns from your laps ({what}, {passes})",
                "A neural network learns to steer from the dashcam frames you recorded.   "
                "Esc: cancel (your laps are kept)",
            )
        if self.step is Step.STOPPED:
            return (
                "Your laps are kept in recordings (the Train screen lists them too).",
                "Enter: train again   R: drive more laps   Esc: menu",
            )
        if self.step is Step.RESULT:
            return (
                f"Step 3 of 3:  what your car learned on {track_label(self.drive.track)}",
                "Enter: watch it on a track it has never seen   R: teach it more laps   "
                "Esc: menu",
            )
        if self.watching_unseen:
            return (
                "Step 3 of 3:  your car on a track it has never seen - from the dashcam alone",
                "Steer to take over.   Enter: your result card   R: teach more   Esc: menu",
            )
        return (
            f"Step 3 of 3:  your car drives itself on {track_label(self.drive.track)}, "
            "from the dashcam alone",
            "After a lap: your result card (Enter: now).   R: teach more   Esc: menu",
        )

    def _frames(self) -> int:
        rec = self.drive.recorder
        return rec.frame_count if rec is not None else 0

