"""The Train screen's state, without pygame: the recorded sessions and which are ticked, the
architecture and epochs, and the training run (a game.workers.Worker) with its progress.

    state = TrainScreenState(notify=app.toast)
    state.toggle(0); state.step_epochs(-1); state.start()
    ...                       # every frame:
    state.update()            # progress arrives in state.run; the finished model in state.result

Nothing here imports TensorFlow: the worker job imports the trainer when it starts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from agents.driving.model_catalog import available_models, new_model_path, shipped_model
from agents.driving.models import ARCHITECTURE_NAMES, DEFAULT_ARCHITECTURE
from agents.driving.recording_log import LOG_NAME
from agents.driving.recording_reader import SessionSummary, list_sessions
from agents.driving.train_config import TrainConfig
from agents.training import (
    EARLY_STOP_PATIENCE,
    FINE_TUNE_EPOCHS,
    FINE_TUNE_TIME_LIMIT_S,
    SCRATCH_EPOCHS,
    Phase,
    TrainingProgress,
)
from game.paths import user_dir
from game.textfmt import format_clock, plural, short_path
from game.workers import BackgroundJob, WorkerContext, WorkerEvent

EPOCH_CHOICES = (1, 2, 3, 5, 10, 15, 20, 30, 50)
DEFAULT_EPOCHS = SCRATCH_EPOCHS  # train-driver --scratch reads the same constant
SKIPPED_SHOWN = 4  # problems listed on screen, then "and N more"
SKIPPED_WIDTH = 64  # characters of one listed problem

Notify = Callable[[str, str], None]  # (message, "info" | "error"): the screen's toast
Job = Callable[[WorkerContext], Any]
JobFactory = Callable[[TrainConfig], Job]  # the run's options -> the worker job (train_job)


def _quiet(text: str, kind: str = "info") -> None:
    """The default Notify: a state used without a screen (tests) reports nowhere."""


def run_config(
    sessions: list[Path], arch: str, epochs: int, out_path: Path,
    initial_model: Path | None = None,
) -> TrainConfig:  # fmt: skip
    """The Train and Teach screens' run: a new `arch` model, or with `initial_model` a
    fine-tune of that model (its own architecture) within FINE_TUNE_TIME_LIMIT_S: "your model
    in a minute"."""
    if initial_model is not None:
        return TrainConfig.fine_tune(initial_model, sessions, out_path, epochs=epochs)
    return TrainConfig.scratch(sessions, out_path, arch=arch, epochs=epochs)


def train_job(config: TrainConfig) -> Job:
    """Worker job: train and save `config.out_path`; each TrainingProgress goes to the screen."""

    def job(ctx: WorkerContext):
        ctx.progress(None, "starting TensorFlow")
        from agents.driving.train import train

        def progress(event: TrainingProgress) -> None:
            if event.phase is Phase.DATA:  # checking the frames: a status line meanwhile
                ctx.progress(None, event.message)
            ctx.emit(event)

        return train(config, progress=progress, cancel=ctx.cancel)

    return job


class RunState(Enum):
    PREPARING = "preparing"  # TensorFlow starting, frames being checked
    TRAINING = "training"
    CANCELLING = "cancelling"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


@dataclass
class TrainingRun:
    """One training run as the screen sees it: its state, the latest progress, the loss
    curves (x = epochs done) and the rows its data check left out."""

    state: RunState = RunState.PREPARING
    last: TrainingProgress | None = None
    curves: dict[str, list[tuple[float, float]]] = field(
        default_factory=lambda: {"loss": [], "val_loss": []}
    )
    skipped: list[str] = field(default_factory=list)
    error: str = ""
    # The training watchdog's warning (no batch finished for a while), until the next batch.
    stall: str = ""

    @property
    def active(self) -> bool:
        return self.state in (RunState.PREPARING, RunState.TRAINING, RunState.CANCELLING)

    @property
    def stalled(self) -> bool:
        """The watchdog's warning is the status line (drawn as a warning)."""
        return bool(self.stall) and self.state is RunState.TRAINING

    @property
    def fraction(self) -> float | None:
        if self.state is RunState.DONE:
            return 1.0
        return self.last.fraction if self.last is not None else None

    def on_event(self, event: TrainingProgress) -> None:
        """One progress event from agents.training: state, curves, skipped rows.

        A cancel stops Keras mid-epoch, and Keras still ends that epoch: its EPOCH_END (a full
        bar, a val_loss from part of the data) is not a finished epoch and is dropped, so a
        cancelled run shows where it stopped."""
        if event.phase is Phase.DATA:
            if event.skipped:
                self.skipped = list(event.skipped)
            if self.state is RunState.TRAINING and event.message:  # the watchdog (stall_message)
                self.stall = event.message
            return
        if (event.phase is Phase.TRAIN and event.batch) or event.phase is Phase.VALIDATE:
            self.stall = ""  # a batch finished (the watchdog's beat): the warning is over
        if event.phase is Phase.EPOCH_END and not self._epoch_complete(event):
            return
        self.last = event
        if self.state is RunState.PREPARING:
            self.state = RunState.TRAINING
        if event.phase is Phase.TRAIN and event.batch and _finite(event.loss):
            self.curves["loss"].append((event.x, event.loss))
        elif event.phase is Phase.EPOCH_END and _finite(event.val_loss):
            self.curves["val_loss"].append((float(event.epoch), event.val_loss))

    def _epoch_complete(self, end: TrainingProgress) -> bool:
        """True when `end` closes an epoch whose every batch ran and no cancel was asked."""
        last = self.last
        if self.state in (RunState.CANCELLING, RunState.CANCELLED) or last is None:
            return False
        return last.epoch == end.epoch and last.batches > 0 and last.batch >= last.batches

    def line(self, worker_message: str = "") -> str:
        """The one status line above the progress bar."""
        if self.state is RunState.CANCELLING:
            return "cancelling after this batch..."
        if self.state is RunState.CANCELLED:
            at = self.fraction
            where = f" at {100 * at:.0f} %" if at is not None else ""
            return f"cancelled{where}: no model was written, earlier models are unchanged"
        if self.state is RunState.FAILED:
            return f"failed: {self.error}"
        if self.state is RunState.DONE:
            return "done"
        if self.stalled:
            return self.stall
        ev = self.last
        if ev is None or not ev.batches:
            return worker_message or "preparing the data"
        eta = format_clock(ev.eta_s)
        return f"epoch {ev.epoch}/{ev.epochs}   batch {ev.batch}/{ev.batches}   ETA {eta}"

    def skipped_lines(self) -> list[str]:
        """The first few skipped rows (session folder name, log.csv line, why), then how many
        more."""
        lines = []
        for problem in self.skipped[:SKIPPED_SHOWN]:
            folder, sep, rest = problem.partition(": ")
            text = f"{Path(folder).name}: {rest}" if sep else problem
            cut = SKIPPED_WIDTH - 3
            lines.append(text if len(text) <= SKIPPED_WIDTH else text[:cut] + "...")
        if len(self.skipped) > SKIPPED_SHOWN:
            lines.append(f"and {len(self.skipped) - SKIPPED_SHOWN} more")
        return lines


def training_job(
    run: Callable[[], TrainingRun | None],
    on_done: Callable[[Any], None],
    on_failed: Callable[[str | None], None],
    on_cancelled: Callable[[], None],
) -> BackgroundJob:
    """The background job of a training run: each TrainingProgress goes to the run `run()`
    gives (the screen's current one), then its outcome to a handler."""

    def follow(event: WorkerEvent) -> None:
        current = run()
        if current is not None and isinstance(event.data, TrainingProgress):
            current.on_event(event.data)

    return BackgroundJob(on_done, on_failed, on_cancelled, on_event=follow)


def _finite(v: float | None) -> bool:
    return v is not None and v == v and abs(v) != float("inf")


@dataclass(frozen=True)
class StartChoice:
    """Where a run starts: a model to fine-tune, or (path None) a fresh network."""

    path: Path | None
    label: str
    arch: str = ""  # the model's architecture ("" when its card does not say)

    @property
    def text(self) -> str:
        return f"{self.label} - fine-tune" if self.path is not None else "scratch - a new network"


SCRATCH = StartChoice(None, "scratch")


def start_choices() -> list[StartChoice]:
    """The shipped models, a fresh network, then the user's own models (newest first)."""
    models = [m for m in available_models() if not m.problem]
    shipped = [StartChoice(m.path, m.label, m.architecture) for m in models if m.shipped]
    yours = [StartChoice(m.path, m.label, m.architecture) for m in models if not m.shipped]
    return [*shipped, SCRATCH, *yours]


class TrainScreenState:
    """Sessions + ticks, the starting point, architecture, epochs and the run; settings are
    fixed while it runs. Each run writes a new file named by architecture and time
    (model_catalog.new_model_path), unless `out_name` fixes one."""

    def __init__(
        self,
        out_name: str | None = None,
        notify: Notify = _quiet,
        job_factory: JobFactory = train_job,
        recordings: Path | None = None,
    ) -> None:
        self.out_name = out_name  # file name in the user's models folder
        self.notify = notify
        self.job_factory = job_factory
        self.recordings = recordings
        self.arch = DEFAULT_ARCHITECTURE
        # Fine-tune the shipped model of the architecture by default: a few recorded laps
        # then adjust a network that already drives instead of teaching one from nothing.
        self.start_from: Path | None = shipped_model(self.arch)
        self.epochs = self._default_epochs()
        self.choices: list[StartChoice] = []
        self.out_path: Path | None = None  # the file the running or last run writes
        self._preview: tuple[tuple[str, int], str] | None = None
        self.sessions: list[SessionSummary] = []
        self.selected: set[Path] = set()
        self.run: TrainingRun | None = None  # the running or last run
        self.job = training_job(lambda: self.run, self._trained, self._failed, self._cancelled)
        self.result: Any = None  # TrainResult of the last finished run (cancel keeps it)
        self.refresh()

    # --- sessions ------------------------------------------------------------------------
    def refresh(self) -> None:
        self.sessions = list_sessions(self.recordings or user_dir("recordings"))
        self.selected &= {s.path for s in self.sessions}
        self.choices = start_choices()
        if self.start_from is not None and self.start_from not in self.paths():
            self._set_start(shipped_model(self.arch))  # renamed or deleted meanwhile
        self._preview = None

    def usable(self) -> set[Path]:
        return {s.path for s in self.sessions if not s.error and s.frames > 0}

    def toggle(self, i: int) -> None:
        """Tick / untick session `i`; a broken or empty session says why it can't be."""
        if not 0 <= i < len(self.sessions):
            return
        s = self.sessions[i]
        if s.error or s.frames == 0:
            self.notify(s.error or f"{s.path.name}: no frames to train on", "error")
            return
        self.selected ^= {s.path}

    def toggle_all(self) -> None:
        usable = self.usable()
        self.selected = set() if usable <= self.selected else usable

    def chosen(self) -> list[Path]:
        return [s.path for s in self.sessions if s.path in self.selected]

    @property
    def frames_selected(self) -> int:
        return sum(s.frames for s in self.sessions if s.path in self.selected)

    # --- settings ------------------------------------------------------------------------
    @property
    def editable(self) -> bool:
        return not self.training

    def set_arch(self, name: str) -> None:
        """Another architecture; a model of another one can't be its start, so the start
        becomes that architecture's shipped model, or scratch."""
        if self.editable and name in ARCHITECTURE_NAMES:
            self.arch = name
            if self.start_choice.path is not None and self.start_choice.arch != name:
                self._set_start(shipped_model(name))  # None: no shipped model, from scratch

    # --- where the run starts --------------------------------------------------------------
    def paths(self) -> list[Path | None]:
        return [c.path for c in self.choices]

    @property
    def start_choice(self) -> StartChoice:
        for c in self.choices:
            if c.path == self.start_from:
                return c
        return SCRATCH

    def _default_epochs(self) -> int:
        """One pass when fine-tuning (FINE_TUNE_EPOCHS), DEFAULT_EPOCHS from scratch."""
        return FINE_TUNE_EPOCHS if self.start_from is not None else DEFAULT_EPOCHS

    def _set_start(self, path: Path | None) -> None:
        """Start from `path` (None: scratch); between scratch and a model the epochs go to
        the new start's default, so a fine-tune's one pass never trains a fresh model."""
        fine_tuned = self.start_from is not None
        self.start_from = path
        if (path is not None) != fine_tuned:
            self.epochs = self._default_epochs()

    def next_start(self, step: int = 1) -> None:
        """The next starting point (with its default epochs); a model sets the architecture
        to its own."""
        if not self.editable or not self.choices:
            return
        paths = self.paths()
        i = paths.index(self.start_from) if self.start_from in paths else 0
        choice = self.choices[(i + step) % len(self.choices)]
        self._set_start(choice.path)
        if choice.arch in ARCHITECTURE_NAMES:
            self.arch = choice.arch

    def next_arch(self) -> None:
        i = ARCHITECTURE_NAMES.index(self.arch)
        self.set_arch(ARCHITECTURE_NAMES[(i + 1) % len(ARCHITECTURE_NAMES)])

    def set_epochs(self, epochs: int) -> None:
        if self.editable and epochs in EPOCH_CHOICES:
            self.epochs = epochs

    @property
    def output_name(self) -> str:
        """The file the next run writes (or the running one: its name is fixed at start)."""
        if self.training and self.out_path is not None:
            return self.out_path.name
        if self.out_name:
            return self.out_name
        # Asked every frame: the folder is listed again only when the minute or arch changes.
        key = (self.arch, int(time.time() // 60))
        if self._preview is None or self._preview[0] != key:
            self._preview = (key, new_model_path(self.arch, claim=False).name)
        return self._preview[1]

    @property
    def saves_to(self) -> str:
        stop = (
            f"stops within {FINE_TUNE_TIME_LIMIT_S:.0f} s"  # "Start from" says fine-tune
            if self.start_from is not None
            else f"early stop: {plural(EARLY_STOP_PATIENCE, 'epoch')}"
        )
        return f"saves to  models/{self.output_name}  ({stop})"

    # --- the run ---------------------------------------------------------------------------
    @property
    def training(self) -> bool:
        return self.job.busy

    def start(self) -> bool:
        if self.training:
            return False
        chosen = self.chosen()
        if not chosen:
            self.notify("select at least one recorded session (Space or click)", "error")
            return False
        if self.out_name:
            out_path = user_dir("models") / self.out_name
        else:
            out_path = new_model_path(self.arch)
        self.out_path = out_path
        self.run = TrainingRun()
        job = self.job_factory(
            run_config(chosen, self.arch, self.epochs, out_path, initial_model=self.start_from)
        )
        self.job.start(job, name="training")
        return True

    def cancel(self) -> None:
        if self.job.busy and self.run is not None:
            self.job.cancel()
            self.run.state = RunState.CANCELLING

    def update(self) -> None:
        """Take the worker's news: progress events, then how the run ended."""
        self.job.poll()

    def _trained(self, result: Any) -> None:
        run = self.run
        if result is not None and run is not None:
            self.result = result
            run.state = RunState.DONE
            n = len(run.skipped)
            note = f" ({plural(n, 'bad row')} skipped)" if n else ""
            card = getattr(self.result, "card", None)
            views = card.details.get("recovery_views", 0) if card is not None else 0
            if views:
                note += f"; {views} recovery views of your driving added"
            self.notify(f"model saved: {short_path(self.result.model_path)}{note}", "info")
            self.refresh()  # the new model is a starting point too

    def _cancelled(self) -> None:
        if self.run is not None:
            self.run.state = RunState.CANCELLED
            self.notify("training cancelled", "info")

    def _failed(self, error: str | None) -> None:
        if self.run is not None:
            self.run.state, self.run.error = RunState.FAILED, error or "training failed"
            self.notify(self.run.error, "error")

    def status_line(self) -> str:
        if self.run is not None:
            worker = self.job.worker
            return self.run.line(worker.message if worker is not None else "")
        return "done" if self.result is not None else "ready: choose sessions, then START"

    @property
    def status(self) -> str:
        """The last run's ending, when it did not finish ("cancelled: ...", "failed: ...")."""
        ended = self.run is not None and self.run.state in (RunState.CANCELLED, RunState.FAILED)
        return self.run.line() if ended else ""

    def empty_lines(self) -> tuple[str, ...]:
        """What the list says when there are no recordings."""
        where = self.recordings or user_dir("recordings")
        return (
            "No recordings yet.",
            "Open Drive and press R to record a few laps,",
            f"or put session folders (each with a {LOG_NAME}) in {short_path(where)}",
        )

    def model_path(self) -> Path | None:
        """The last finished model (for "drive with it"), or None."""
        return self.result.model_path if self.result is not None else None
