"""The Autopilot's DAgger part, without pygame: the person's takeovers are recorded as
source=takeover sessions, and F fine-tunes the model on them in a worker
(agents.driving.dagger) while the current model drives on. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.driving import dagger
from agents.driving.loop import RecordingPart
from agents.driving.recording_writer import Recorder
from agents.training import Phase, TrainingProgress
from game.workers import BackgroundJob, WorkerContext

TAKEOVER_RATE_HZ = 20.0
MIN_TAKEOVER_FRAMES = 20  # a fine-tune needs a few seconds of corrections to split 80/20
FINE_TUNE_EPOCHS = dagger.DEFAULT_EPOCHS


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


class Takeovers:
    """The person's corrections since the last fine-tune (one takeover session per look and
    track, recorded while they steer) and the fine-tune of the model on them (`tuning`).

    `on_tuned(FineTuned)` gets a finished fine-tune: the new model should drive now."""

    epochs = FINE_TUNE_EPOCHS

    def __init__(self, notify: Callable[..., None], on_tuned: Callable[[FineTuned], None]):
        self.notify = notify
        self.on_tuned = on_tuned
        self.part: RecordingPart | None = None  # the session being recorded, if any
        self.sessions: list[Path] = []
        self.frames = 0
        self.tuning = BackgroundJob(
            on_done=self._tuned, on_failed=self._failed, on_cancelled=self._cancelled
        )

    @property
    def recorder(self) -> Recorder | None:
        return self.part.recorder if self.part is not None else None

    def recording(self, dashcam, track_name: str) -> RecordingPart:
        """The takeover session to record into (a new one when none is open)."""
        if self.part is None:
            look = dashcam.look
            rec = Recorder(
                None, dashcam.params, track_name, look,
                rate_hz=TAKEOVER_RATE_HZ, source="takeover",
            )  # fmt: skip
            self.part = RecordingPart(rec, look=look, source="takeover")
            self.sessions.append(rec.dir)
        return self.part

    def stop(self) -> bool:
        """Close the open takeover session; True when one was open."""
        if self.part is None:
            return False
        rec, self.part = self.part.recorder, None
        rec.close()
        return True

    def fine_tune(self, model_path: Path | None, can_drive: bool) -> bool:
        """F: fine-tune `model_path` on its data plus the takeovers; False (and a message)
        when one runs already, no model drives or the takeovers are too short. The open
        session must be stopped first (the trainer reads the session folders)."""
        if self.tuning.busy:
            self.notify("fine-tuning is already running")
            return False
        if not can_drive or model_path is None:
            self.notify("no model loaded to fine-tune", "error")
            return False
        if self.frames < MIN_TAKEOVER_FRAMES:
            need = MIN_TAKEOVER_FRAMES / TAKEOVER_RATE_HZ
            self.notify(f"take over for at least {need:.0f} s first (steer to take over)")
            return False
        self.stop()
        self.tuning.start(fine_tune_job(model_path, list(self.sessions), self.epochs), "fine-tune")
        self.notify("fine-tuning in the background; the current model drives on")
        return True

    def _tuned(self, done: FineTuned | None) -> None:
        if done is None:
            self._cancelled()
            return
        self.sessions.clear()
        self.frames = 0
        self.on_tuned(done)

    def _failed(self, error: str | None) -> None:
        self.notify(error or "fine-tuning failed", "error")

    def _cancelled(self) -> None:
        self.notify("fine-tuning cancelled: the model is unchanged")

    def close(self) -> None:
        self.stop()
        self.tuning.cancel()
