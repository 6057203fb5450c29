"""The Keras callbacks behind every training (agents.training.atomic_fit), one job each:

- `Report`: TrainingProgress events (batches, validation, epoch ends, the ETA) and the
  epoch history.
- `CancelOnEvent`: stops after the batch in which the cancel Event was set.
- `NanWatch`: notes the first epoch with a NaN or inf loss (TerminateOnNaN stops the run).
- `TimeBudget`: starts no epoch that would end after the time limit.
- `Alive`: beats the heartbeat of the run's temporary files and a stall watchdog.

This module imports Keras: agents.training imports it only when a fit starts.
"""

from __future__ import annotations

import math
import statistics
import threading
from collections.abc import Callable, Mapping

import keras

from agents.modelio import Heartbeat
from agents.training import (
    Phase,
    ProgressFn,
    TrainingProgress,
    Watchdog,
    report_data,
    stall_message,
)

Clock = Callable[[], float]


class Report(keras.callbacks.Callback):
    """TrainingProgress events to `progress`, and the history of every epoch's logs.

    `batches` / `val_batches` per epoch default to what Keras says / counts in epoch 1."""

    def __init__(
        self,
        progress: ProgressFn | None,
        epochs: int,
        batches: int | None,
        val_batches: int | None,
        clock: Clock,
    ) -> None:
        super().__init__()
        self.progress, self.epochs, self.clock = progress, epochs, clock
        self.batches, self.val_batches = batches, val_batches
        self.history: dict[str, list[float]] = {"loss": [], "val_loss": []}
        self.epoch = 0
        self.loss = math.nan
        self.start = clock()
        self.steps_done = 0  # training + validation batches, for the ETA
        self.first_step_end = self.start
        self.val_seen = 0

    def on_train_begin(self, logs=None):
        self.batches = self.batches or int(self.params.get("steps") or 0) or None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self._emit(Phase.TRAIN, 0)

    def on_train_batch_end(self, batch, logs=None):
        self.loss = float((logs or {}).get("loss", math.nan))
        self._step()
        self._emit(Phase.TRAIN, batch + 1)

    def on_test_batch_end(self, batch, logs=None):
        if self.epoch == 0:
            self.val_seen += 1
        self._step()
        # Validation of a big fine-tune takes a while: the ETA keeps counting down.
        self._emit(Phase.VALIDATE, self.batches or 0, val_batch=batch + 1)

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        for key in {"loss", "val_loss", *logs}:
            self.history.setdefault(key, []).append(logs.get(key, math.nan))
        self._emit(Phase.EPOCH_END, self.batches or 0, logs)

    def _step(self) -> None:
        self.steps_done += 1
        if self.steps_done == 1:
            self.first_step_end = self.clock()

    def _eta(self) -> float | None:
        if not self.steps_done or not self.batches:
            return None
        val = self.val_batches if self.val_batches is not None else self.val_seen
        # The rate after the first batch: that one carries the graph tracing and fills the
        # shuffle buffer (a minute on a busy machine), and would inflate the ETA.
        if self.steps_done >= 2:
            rate = (self.clock() - self.first_step_end) / (self.steps_done - 1)
        else:
            rate = self.clock() - self.start
        return max(self.epochs * (self.batches + val) - self.steps_done, 0) * rate

    def _emit(
        self, phase: Phase, batch: int, metrics: Mapping[str, float] = (), val_batch: int = 0
    ) -> None:
        if self.progress is None:
            return
        val = self.history["val_loss"]
        self.progress(
            TrainingProgress(
                phase,
                epoch=self.epoch + 1,
                epochs=self.epochs,
                batch=batch,
                batches=self.batches or 0,
                loss=self.loss,
                val_loss=val[-1] if val else None,
                eta_s=self._eta(),
                metrics=dict(metrics),
                val_batch=val_batch,
                val_batches=self.val_batches or 0,
            )
        )


class CancelOnEvent(keras.callbacks.Callback):
    """Stops training (and validation) after the batch in which `cancel` was set."""

    def __init__(self, cancel: threading.Event | None) -> None:
        super().__init__()
        self.cancel = cancel
        self.cancelled = False

    def _check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            self.cancelled = True
            self.model.stop_training = True
            self.model.stop_evaluating = True

    def on_train_batch_end(self, batch, logs=None):
        self._check()

    def on_test_batch_end(self, batch, logs=None):
        self._check()


class NanWatch(keras.callbacks.Callback):
    """The first epoch (1-based) with a NaN or inf loss, or a missing one at its end."""

    def __init__(self) -> None:
        super().__init__()
        self.epoch = 0
        self.nan_epoch: int | None = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = float((logs or {}).get("loss", math.nan))
        if not math.isfinite(loss) and self.nan_epoch is None:
            self.nan_epoch = self.epoch + 1  # TerminateOnNaN stops the run after this batch

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        values = [logs.get(key, math.nan) for key in {"loss", "val_loss", *logs}]
        if not all(math.isfinite(v) for v in values) and self.nan_epoch is None:
            self.nan_epoch = epoch + 1


class TimeBudget(keras.callbacks.Callback):
    """No epoch starts that would end after `limit_s` seconds of fitting, judged on a steady
    epoch: the last one's length, or after epoch 1 (whose first batches carry the graph
    tracing) a typical batch's time (the median) times the batches."""

    def __init__(self, limit_s: float, clock: Clock) -> None:
        super().__init__()
        self.limit_s, self.clock = limit_s, clock
        self.epoch = 0
        # When fitting began, when the last epoch (or batch) ended, and epoch 1's batch times
        # (training and validation apart).
        self.fit_start = self.epoch_end = self.batch_end = clock()
        self.first_steps: dict[str, list[float]] = {"train": [], "val": []}

    def on_train_begin(self, logs=None):
        self.fit_start = self.epoch_end = self.clock()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.batch_end = self.clock()

    def on_train_batch_end(self, batch, logs=None):
        self._time("train")

    def on_test_batch_end(self, batch, logs=None):
        self._time("val")

    def _time(self, kind: str) -> None:
        if self.epoch == 0:
            now = self.clock()
            self.first_steps[kind].append(now - self.batch_end)
            self.batch_end = now

    def on_epoch_end(self, epoch, logs=None):
        now = self.clock()
        next_epoch = self._steady_epoch_s() if epoch == 0 else now - self.epoch_end
        self.epoch_end = now
        if now - self.fit_start + next_epoch > self.limit_s:
            self.model.stop_training = True

    def _steady_epoch_s(self) -> float:
        """Epoch 1's length without the graph tracing in its first batches (of training and
        of validation): a typical batch's time times the batches."""
        return sum(
            statistics.median(times) * len(times) for times in self.first_steps.values() if times
        )


class Alive(keras.callbacks.Callback):
    """Every finished batch beats `heartbeat` (the run's temporary files are live) and the
    `watchdog`, which says so when no batch finished for a while; `stop()` ends the watchdog
    (also when fit raised before on_train_end)."""

    def __init__(self, heartbeat: Heartbeat | None, watchdog: Watchdog | None) -> None:
        super().__init__()
        self.heartbeat, self.watchdog = heartbeat, watchdog

    def on_train_begin(self, logs=None):
        if self.watchdog is not None:
            self.watchdog.start()

    def on_train_end(self, logs=None):
        self.stop()

    def stop(self) -> None:
        if self.watchdog is not None:
            self.watchdog.stop()

    def _beat(self) -> None:
        if self.heartbeat is not None:
            self.heartbeat.beat()
        if self.watchdog is not None:
            self.watchdog.beat()

    def on_train_batch_end(self, batch, logs=None):
        self._beat()

    def on_test_batch_end(self, batch, logs=None):
        self._beat()


def stall_watchdog(progress: ProgressFn | None, after_s: float | None) -> Watchdog | None:
    """A watchdog that sends a DATA event (stall_message) when no batch finished in
    `after_s` seconds; None for no watchdog."""
    if after_s is None:
        return None
    return Watchdog(after_s, lambda quiet: report_data(progress, stall_message(quiet)))


__all__ = ["Alive", "CancelOnEvent", "NanWatch", "Report", "TimeBudget", "stall_watchdog"]
