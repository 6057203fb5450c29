"""Run slow work (training, tournaments, model loading) in a background thread.

Scenes must stay responsive, so anything that may take more than a frame runs here. The
job is a plain callable that takes a `WorkerContext`; it reports progress through it and
checks `ctx.cancel` (a threading.Event) now and then. The scene polls the worker once per
update: `poll()` drains the events into `fraction`, `message`, `state`, `result`, `error`.

    def job(ctx: WorkerContext) -> int:
        for i in range(100):
            if ctx.cancelled:
                return i
            ctx.progress((i + 1) / 100, f"step {i + 1}")
        return 100

    worker = Worker(job, name="demo").start()
    ...                                   # every frame:
    for event in worker.poll(): ...      # or just read worker.fraction / worker.state
    worker.cancel()                       # Esc

Heavy imports (TensorFlow) belong inside the job, so only the worker thread pays for them.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from game.errors import UserFacingError

log = logging.getLogger(__name__)

class WorkerState(StrEnum):
    """A worker goes IDLE -> RUNNING -> one of the three finished states."""

    IDLE = "idle"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class EventKind(StrEnum):
    PROGRESS = "progress"  # fraction and/or a status line
    DATA = "data"  # a partial result for the screen
    DONE = WorkerState.DONE.value  # the three finished kinds end the worker in that state
    FAILED = WorkerState.FAILED.value
    CANCELLED = WorkerState.CANCELLED.value


IDLE, RUNNING = WorkerState.IDLE, WorkerState.RUNNING
DONE, FAILED, CANCELLED = WorkerState.DONE, WorkerState.FAILED, WorkerState.CANCELLED
FINISHED = (DONE, FAILED, CANCELLED)


@dataclass(frozen=True)
class WorkerEvent:
    """One message from the worker thread."""

    kind: EventKind
    fraction: float | None = None  # progress 0..1, None when unknown
    text: str = ""
    data: Any = None


def _finished(state: WorkerState) -> EventKind:
    return EventKind(state.value)


class WorkerContext:
    """What a job sees: a cancel flag and ways to report back to the scene."""

    def __init__(self, events: queue.Queue, cancel: threading.Event) -> None:
        self._events = events
        self.cancel = cancel

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()

    def progress(self, fraction: float | None, text: str = "") -> None:
        """Report progress (0..1, or None for 'busy, amount unknown') and a status line."""
        if fraction is not None:
            fraction = min(max(float(fraction), 0.0), 1.0)
        self._events.put(WorkerEvent(EventKind.PROGRESS, fraction, text))

    def emit(self, data: Any, text: str = "") -> None:
        """Send a partial result (e.g. a finished epoch's loss) for the scene to show."""
        self._events.put(WorkerEvent(EventKind.DATA, None, text, data))


class Worker:
    """One job on one daemon thread; results and errors come back through `poll()`."""

    # Every started worker, so that shutdown can wait for them: a daemon thread still inside
    # TensorFlow when the interpreter exits aborts the process ("terminate called ...").
    _live: weakref.WeakSet[Worker] = weakref.WeakSet()

    @classmethod
    def cancel_and_join_all(cls, timeout: float) -> list[str]:
        """Cancel every running worker and wait up to `timeout` s in all; returns the names
        of those still running after that."""
        workers = [w for w in list(cls._live) if w._thread is not None and w._thread.is_alive()]
        for w in workers:
            w.cancel()
        deadline = time.monotonic() + timeout
        for w in workers:
            w.join(max(0.0, deadline - time.monotonic()))
        return [w.name for w in workers if w._thread is not None and w._thread.is_alive()]

    def __init__(self, job: Callable[[WorkerContext], Any], name: str = "worker") -> None:
        self.job = job
        self.name = name
        self.state: WorkerState = IDLE
        self.fraction: float | None = 0.0
        self.message = ""
        self.result: Any = None
        self.error: str | None = None  # a message for the person when state is FAILED
        self._events: queue.Queue[WorkerEvent] = queue.Queue()
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None

    # --- control (scene side) ------------------------------------------------------------
    def start(self) -> Worker:
        if self._thread is not None:
            raise RuntimeError(f"worker {self.name!r} was already started")
        self.state = RUNNING
        # Daemon: a job stuck in a long computation must not keep the closed game alive.
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        Worker._live.add(self)
        return self

    def cancel(self) -> None:
        """Ask the job to stop; it finishes as CANCELLED at its next check."""
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread (tests, shutdown). Call poll() afterwards to collect."""
        if self._thread is not None:
            self._thread.join(timeout)

    def poll(self) -> list[WorkerEvent]:
        """Drain the events that arrived since the last call and update the read-outs."""
        got: list[WorkerEvent] = []
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return got
            got.append(event)
            if event.kind is EventKind.PROGRESS:
                self.fraction = event.fraction
                if event.text:
                    self.message = event.text
            elif event.kind in FINISHED:
                self.state = WorkerState(event.kind)
                self.result = event.data
                if event.kind == FAILED:
                    self.error = event.text
                if event.kind == DONE:
                    self.fraction = 1.0

    # --- the thread ----------------------------------------------------------------------
    def _run(self) -> None:
        ctx = WorkerContext(self._events, self._cancel)
        try:
            result = self.job(ctx)
        except UserFacingError as e:
            final = WorkerEvent(_finished(CANCELLED if ctx.cancelled else FAILED), text=str(e))
        except Exception as e:  # noqa: BLE001 - any failure must reach the screen, not vanish
            if ctx.cancelled:  # e.g. a training loop that raises on cancel
                final = WorkerEvent(EventKind.CANCELLED, text=str(e))
            else:
                log.error("worker %s failed:\n%s", self.name, traceback.format_exc())
                final = WorkerEvent(EventKind.FAILED, text=f"{self.name} failed: {e}")
        else:
            final = WorkerEvent(_finished(CANCELLED if ctx.cancelled else DONE), data=result)
        self._events.put(final)


def _ignore(*_: Any) -> None:
    """The default handler: this outcome needs nothing done."""


class BackgroundJob:
    """One kind of background work of a screen's session (a model load, a fine-tune...):
    at most one worker at a time, and the finished one handed to a handler, once.

        self.loading = BackgroundJob(on_done=self.use_driver, on_failed=self.load_failed)
        self.loading.start(load_driver_job(path), name="load")   # cancels an older load
        ...                                                      # every frame:
        self.loading.poll()     # on_done(result) / on_failed(error) / on_cancelled()

    `on_event(event)` gets each WorkerEvent as it arrives (progress, partial results). A
    worker replaced by `start` or dropped by `drop` is cancelled and its outcome ignored:
    only the newest one counts."""

    def __init__(
        self,
        on_done: Callable[[Any], None] = _ignore,
        on_failed: Callable[[str | None], None] = _ignore,
        on_cancelled: Callable[[], None] = _ignore,
        on_event: Callable[[WorkerEvent], None] | None = None,
    ) -> None:
        self.on_done, self.on_failed, self.on_cancelled = on_done, on_failed, on_cancelled
        self.on_event = on_event
        self.worker: Worker | None = None

    @property
    def busy(self) -> bool:
        """A worker was started and its outcome not handled yet."""
        return self.worker is not None

    def start(self, job: Callable[[WorkerContext], Any], name: str = "worker") -> Worker:
        self.drop()
        self.worker = Worker(job, name=name).start()
        return self.worker

    def cancel(self) -> None:
        """Ask the worker to stop; its outcome (usually on_cancelled) still comes by poll."""
        if self.worker is not None:
            self.worker.cancel()

    def drop(self) -> None:
        """Cancel the worker and forget it: no handler is called for it."""
        if self.worker is not None:
            self.worker.cancel()
            self.worker = None

    def poll(self) -> bool:
        """Take the worker's news; True when it finished now (its handler has run)."""
        worker = self.worker
        if worker is None:
            return False
        events = worker.poll()
        if self.on_event is not None:
            for event in events:
                self.on_event(event)
        if not worker.finished or self.worker is not worker:  # still running, or replaced
            return False
        self.worker = None
        if worker.state == DONE:
            self.on_done(worker.result)
        elif worker.state == FAILED:
            self.on_failed(worker.error)
        else:
            self.on_cancelled()
        return True

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the worker (tests, benches), then poll; True when it finished."""
        if self.worker is not None:
            self.worker.join(timeout)
        return self.poll()
