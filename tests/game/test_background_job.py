"""game.workers.BackgroundJob: one worker at a time, its outcome handed to one handler once."""

from __future__ import annotations

import threading

import pytest

from game.errors import UserFacingError
from game.workers import BackgroundJob, EventKind

TIMEOUT = 10.0


class Outcomes:
    """Records which handler ran with what."""

    def __init__(self) -> None:
        self.seen: list[tuple] = []

    def job(self, **extra) -> BackgroundJob:
        return BackgroundJob(
            on_done=lambda result: self.seen.append(("done", result)),
            on_failed=lambda error: self.seen.append(("failed", error)),
            on_cancelled=lambda: self.seen.append(("cancelled",)),
            **extra,
        )


def test_done_hands_the_result_once():
    out = Outcomes()
    work = out.job()
    assert not work.poll() and not work.busy  # nothing started: nothing to do
    work.start(lambda ctx: 42, name="answer")
    assert work.busy
    assert work.join(TIMEOUT)
    assert out.seen == [("done", 42)] and not work.busy
    assert not work.poll() and out.seen == [("done", 42)]  # once, not at every poll


@pytest.mark.parametrize(
    ("error", "message"),
    [(UserFacingError("bad file x.h5"), "bad file x.h5"), (ValueError("boom"), "boom")],
)
def test_a_failure_hands_the_message(error, message):
    out = Outcomes()
    work = out.job()

    def fail(ctx):
        raise error

    work.start(fail, name="broken")
    assert work.join(TIMEOUT)
    [(kind, text)] = out.seen
    assert kind == "failed" and message in text


def test_cancel_ends_in_on_cancelled():
    out = Outcomes()
    work = out.job()
    started = threading.Event()

    def slow(ctx):
        started.set()
        ctx.cancel.wait(TIMEOUT)
        return "finished anyway"

    work.start(slow)
    assert started.wait(TIMEOUT)
    work.cancel()
    assert work.join(TIMEOUT)
    assert out.seen == [("cancelled",)]


def test_a_replaced_or_dropped_worker_is_cancelled_and_its_outcome_ignored():
    out = Outcomes()
    work = out.job()
    release = threading.Event()

    def first(ctx):
        release.wait(TIMEOUT)
        return "old"

    old = work.start(first)
    work.start(lambda ctx: "new")
    assert old.cancel_requested
    release.set()
    old.join(TIMEOUT)
    assert work.join(TIMEOUT)
    assert out.seen == [("done", "new")]  # only the newest counts
    dropped = work.start(lambda ctx: "dropped")
    work.drop()
    dropped.join(TIMEOUT)
    assert dropped.cancel_requested and not work.poll() and out.seen == [("done", "new")]


def test_events_reach_on_event_before_the_outcome():
    out = Outcomes()
    events = []
    work = out.job(on_event=lambda ev: events.append((ev.kind, ev.data, len(out.seen))))

    def chatty(ctx):
        ctx.emit("epoch 1")
        ctx.progress(0.5, "half")
        return "ok"

    work.start(chatty)
    assert work.join(TIMEOUT)
    assert [(k, d) for k, d, _ in events] == [
        (EventKind.DATA, "epoch 1"), (EventKind.PROGRESS, None), (EventKind.DONE, "ok"),
    ]  # fmt: skip
    assert all(n == 0 for _, _, n in events)  # every event came before the handler ran
    assert out.seen == [("done", "ok")]
