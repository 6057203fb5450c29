"""The Train screen's state without a window or TensorFlow: ticks, settings, and the training
run's state machine driven by fake jobs that send the trainer's progress events."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from agents.driving.model_catalog import shipped_model
from agents.training import (
    FINE_TUNE_EPOCHS,
    FINE_TUNE_TIME_LIMIT_S,
    Phase,
    TrainingCancelled,
    TrainingProgress,
    Watchdog,
    report_data,
    stall_message,
)
from game.errors import UserFacingError
from game.sessions import training as mod
from game.sessions.training import (
    DEFAULT_EPOCHS,
    EPOCH_CHOICES,
    SKIPPED_SHOWN,
    RunState,
    TrainingRun,
    TrainScreenState,
)


class Notices(list):
    def __call__(self, text: str, kind: str = "info") -> None:
        self.append((text, kind))


def summary(name: str, frames: int = 100, error: str | None = None):
    from agents.driving.recording_reader import SessionSummary

    return SessionSummary(Path("/rec") / name, frames, "oval", "day", {"expert": frames},
                          np.zeros(5, int), 0, error)  # fmt: skip


@pytest.fixture
def sessions(monkeypatch):
    found = [summary("a"), summary("b", 50), summary("broken", 0, "/rec/broken: bad meta.json"),
             summary("empty", 0)]  # fmt: skip
    monkeypatch.setattr(mod, "list_sessions", lambda root: list(found))
    return found


@pytest.fixture
def fake_result():
    class Result:
        model_path = Path("/models/mine.h5")
        best_val_loss = 0.01

    return Result()


def wait(state: TrainScreenState, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while state.training and time.monotonic() < end:
        state.update()
        time.sleep(0.005)
    assert not state.training, "the fake job did not finish"


def events_job(events, result=None, error: Exception | None = None):
    def factory(config):
        def job(ctx):
            for ev in events:
                ctx.emit(ev)
            if error is not None:
                raise error
            return result

        return job

    return factory


def test_ticks_refuse_broken_and_empty_sessions(sessions):
    notices = Notices()
    state = TrainScreenState(notify=notices)
    state.toggle(2)
    state.toggle(3)
    assert state.selected == set() and notices == [
        ("/rec/broken: bad meta.json", "error"),
        ("empty: no frames to train on", "error"),
    ]
    state.toggle(1)
    assert state.chosen() == [Path("/rec/b")] and state.frames_selected == 50
    state.toggle_all()
    assert state.chosen() == [Path("/rec/a"), Path("/rec/b")]  # the usable ones
    state.toggle_all()
    assert state.selected == set()
    state.toggle(99)  # out of range: nothing
    assert notices[2:] == []


def test_start_needs_a_session_and_settings_cycle(sessions):
    notices = Notices()
    state = TrainScreenState(notify=notices)
    assert not state.start() and notices[-1][1] == "error" and state.run is None
    # Fine-tuning the shipped model by default: one pass (FINE_TUNE_EPOCHS).
    assert state.arch == "pilotnet" and state.epochs == FINE_TUNE_EPOCHS
    state.next_arch()
    state.next_arch()
    state.next_arch()
    assert state.arch == "pilotnet"  # wrapped through every architecture
    state.next_arch()
    assert re.fullmatch(r"pooled-\d{4}-\d\d-\d\d-\d{4}\.h5", state.output_name)
    assert "early stop: 5 epochs" in state.saves_to
    # No shipped pooled model: it trains from scratch, with the scratch default epochs.
    assert state.start_from is None and state.epochs == DEFAULT_EPOCHS
    state.set_epochs(7)  # not a choice: refused
    assert 7 not in EPOCH_CHOICES and state.epochs == DEFAULT_EPOCHS
    state.set_epochs(3)
    assert state.epochs == 3


def test_a_run_goes_preparing_training_done(sessions, fake_result):
    started = threading.Event()
    release = threading.Event()

    def factory(config):
        # A fine-tune of the shipped model (its own architecture) within the minute.
        assert config.sessions == (Path("/rec/a"),) and (config.arch, config.epochs) == (None, 2)
        assert config.initial_model == shipped_model("pilotnet")
        assert config.out_path.name == "mine.h5" and config.time_limit_s == FINE_TUNE_TIME_LIMIT_S

        def job(ctx):
            report_data(ctx.emit, "checking", ["/rec/a: log.csv line 3: bad number"])
            started.set()
            assert release.wait(5), "the test never released the job"
            for b in (1, 2):
                ctx.emit(TrainingProgress(Phase.TRAIN, 1, 2, b, 2, loss=0.5 / b, eta_s=61.0))
            ctx.emit(TrainingProgress(Phase.EPOCH_END, 1, 2, 2, 2, loss=0.2, val_loss=0.3))
            ctx.emit(TrainingProgress(Phase.TRAIN, 2, 2, 1, 2, loss=float("nan")))
            return fake_result

        return job

    notices = Notices()
    state = TrainScreenState("mine.h5", notify=notices, job_factory=factory)
    state.toggle(0)
    state.set_epochs(2)
    assert state.start() and state.training and not state.start()  # one run at a time
    state.set_epochs(5)
    state.next_arch()
    assert (state.epochs, state.arch) == (2, "pilotnet")  # fixed while it runs
    assert started.wait(5)  # the job's report was queued before it said so: no sleep needed
    state.update()
    assert state.run.state is RunState.PREPARING and state.run.fraction is None
    assert state.run.skipped == ["/rec/a: log.csv line 3: bad number"]
    release.set()
    wait(state)
    run = state.run
    assert run.state is RunState.DONE and state.result is fake_result and run.fraction == 1.0
    assert run.curves["loss"] == [(0.5, 0.5), (1.0, 0.25)]  # the NaN batch is left out
    assert run.curves["val_loss"] == [(1.0, 0.3)]
    assert notices[-1] == ("model saved: /models/mine.h5 (1 bad row skipped)", "info")
    assert state.model_path() == Path("/models/mine.h5") and state.status == ""


def test_progress_line_and_fraction():
    run = TrainingRun()
    assert run.line("starting TensorFlow") == "starting TensorFlow"
    run.on_event(TrainingProgress(Phase.TRAIN, 2, 4, 5, 10, loss=0.1, eta_s=75.0))
    assert run.state is RunState.TRAINING
    assert run.line() == "epoch 2/4   batch 5/10   ETA 1:15"
    assert run.fraction == pytest.approx(1.5 / 4)


def test_cancel_keeps_the_last_result_and_says_so(sessions, fake_result):
    def factory(config):
        def job(ctx):
            assert ctx.cancel.wait(5), "the screen's cancel never reached the job"
            raise TrainingCancelled("training cancelled; mine.h5 was left unchanged")

        return job

    notices = Notices()
    state = TrainScreenState(notify=notices, job_factory=factory)
    state.result = fake_result  # an earlier finished run
    state.toggle(0)
    state.start()
    state.cancel()
    assert state.run.state is RunState.CANCELLING
    assert state.status_line() == "cancelling after this batch..."
    wait(state)
    assert state.run.state is RunState.CANCELLED and state.result is fake_result
    assert state.status.startswith("cancelled")
    assert "no model was written" in state.status
    assert notices[-1] == ("training cancelled", "info")


def test_a_failed_run_reports_the_error(sessions):
    notices = Notices()
    error = UserFacingError("/models/mine.h5: cannot save (No space left on device)")
    state = TrainScreenState(notify=notices, job_factory=events_job([], error=error))
    state.toggle(1)
    state.start()
    wait(state)
    assert state.run.state is RunState.FAILED and state.result is None
    assert state.status == f"failed: {error}" and notices[-1] == (str(error), "error")


def test_skipped_lines_name_the_folder_and_count_the_rest():
    run = TrainingRun()
    problems = [f"/rec/s1: log.csv line {n}: bad number 'x' for steering" for n in range(2, 9)]
    report_data(run.on_event, "", problems)
    lines = run.skipped_lines()
    assert lines[0] == "s1: log.csv line 2: bad number 'x' for steering"
    assert len(lines) == SKIPPED_SHOWN + 1 and lines[-1] == f"and {7 - SKIPPED_SHOWN} more"
    report_data(run.on_event, "more data")  # a later message keeps the list
    assert len(run.skipped) == 7


def test_the_session_module_loads_neither_pygame_nor_tensorflow():
    code = (
        "import sys, game.sessions.training, agents.training\n"
        "print([m for m in ('pygame', 'tensorflow', 'keras') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"


def fake_model(name: str, arch: str = "pilotnet", created: str = "2026-11-30T10:00:00+00:00"):
    """A user model as the catalog sees it: a file and a driving card (never loaded here)."""
    import json

    from game.paths import user_dir

    path = user_dir("models") / name
    path.write_bytes(b"not really hdf5")
    card = {"schema_version": 2, "kind": "driving", "architecture": arch, "created": created}
    path.with_suffix(".card.json").write_text(json.dumps(card))
    return path


def test_start_from_defaults_to_the_shipped_model_and_cycles(sessions):
    from agents.driving.model_catalog import default_model, shipped_model

    mine = fake_model("mine-pooled.h5", arch="pooled")
    calls = []

    def factory(config):
        calls.append((config.arch, config.out_path, config.initial_model))
        return lambda ctx: None

    state = TrainScreenState(job_factory=factory)
    shipped = shipped_model("pilotnet")
    assert shipped is not None and state.start_from == shipped
    assert state.start_choice.text == "pilotnet (shipped) - fine-tune"
    assert [c.path for c in state.choices] == [shipped, None, mine]
    state.toggle(0)
    state.start()
    wait(state)
    state.next_start()  # scratch
    assert state.start_choice.text == "scratch - a new network" and state.arch == "pilotnet"
    state.next_arch()  # another architecture from scratch is fine
    assert state.arch == "pooled" and state.start_from is None
    state.start()
    wait(state)
    state.next_start()  # the user's pooled model: the architecture follows it
    assert state.start_from == mine and state.arch == "pooled"
    state.set_arch("pilotnet")  # a pooled model can't start a pilotnet: back to shipped
    assert state.start_from == shipped
    # A fine-tune keeps its model's own architecture: the config names none.
    assert [(a, m) for a, _, m in calls] == [(None, shipped), ("pooled", None)]
    # Each run gets its own file in the user's models folder, named by architecture and time.
    outs = [o for _, o, _ in calls]
    assert all(re.fullmatch(r"(pilotnet|pooled)-\d{4}-\d\d-\d\d-\d{4}\.h5", o.name) for o in outs)
    assert default_model() == mine  # the newest of yours drives first in Autopilot


def test_each_run_writes_a_new_file_never_over_another(sessions, monkeypatch):
    """Two runs in the same minute: the second gets "-2", and a finished run's model is then
    the one Autopilot picks first."""
    from datetime import datetime

    from agents.driving import model_catalog
    from agents.driving.model_catalog import default_model

    minute = datetime(2026, 11, 30, 14, 12)
    monkeypatch.setattr(
        mod, "new_model_path", lambda a, **kw: model_catalog.new_model_path(a, minute, **kw)
    )

    outs = []

    def factory(config):
        def job(ctx):  # what atomic_fit leaves: the model, its card and its log
            out_path = config.out_path
            out_path.write_bytes(b"model")
            out_path.with_suffix(".card.json").write_text('{"kind": "driving"}')
            out_path.with_suffix(".training.csv").write_text("epoch,loss\n")
            outs.append(out_path)

        return job

    state = TrainScreenState(job_factory=factory)
    state.toggle(0)
    for _ in range(2):
        state.start()
        wait(state)
    names = [p.name for p in outs]
    assert names == ["pilotnet-2026-11-30-1412.h5", "pilotnet-2026-11-30-1412-2.h5"]
    assert all(p.exists() for p in outs)
    assert state.saves_to.split()[2] == "models/pilotnet-2026-11-30-1412-3.h5"
    assert default_model() in outs


@pytest.mark.parametrize("initial", [None, Path("models/pilotnet.h5")])
def test_fine_tunes_get_the_one_minute_budget_and_scratch_runs_do_not(monkeypatch, initial):
    """The screens' run config (handed to train() by train_job) has FINE_TUNE_TIME_LIMIT_S
    only when it fine-tunes a model."""
    import agents.driving.train as train_mod
    from agents.training import FINE_TUNE_TIME_LIMIT_S
    from game.workers import Worker

    asked = []
    monkeypatch.setattr(train_mod, "train", lambda config, **kw: asked.append(config) or "done")
    config = mod.run_config([Path("s")], "pilotnet", 10, Path("out.h5"), initial)
    worker = Worker(mod.train_job(config)).start()
    worker.join(10.0)
    worker.poll()
    assert worker.result == "done", worker.error
    want = FINE_TUNE_TIME_LIMIT_S if initial is not None else None
    assert asked == [config]
    assert config.time_limit_s == want and config.initial_model == initial
    assert config.epochs == 10 and config.arch == (None if initial else "pilotnet")


def test_a_deleted_start_model_falls_back_with_the_scratch_epochs(sessions):
    # The user's pooled model is the start; deleted meanwhile, there is no shipped pooled
    # model to fall back to, so the run starts from scratch and with scratch's epochs.
    mine = fake_model("mine-pooled.h5", arch="pooled")
    state = TrainScreenState(job_factory=lambda *a, **k: (lambda ctx: None))
    state.next_start(2)  # shipped -> scratch -> the user's pooled model
    assert state.start_from == mine and state.epochs == FINE_TUNE_EPOCHS
    mine.unlink()
    mine.with_suffix(".card.json").unlink()
    state.refresh()
    assert state.start_from is None and state.epochs == DEFAULT_EPOCHS


def test_a_cancelled_run_keeps_its_bar_where_it_stopped_and_no_partial_val_point():
    """Keras ends the epoch a cancel cut short: that EPOCH_END is no finished epoch."""
    run = TrainingRun()
    run.on_event(TrainingProgress(Phase.TRAIN, 1, 1, 10, 10, loss=0.5))
    run.on_event(TrainingProgress(Phase.EPOCH_END, 1, 1, 10, 10, loss=0.5, val_loss=0.4))
    assert run.curves["val_loss"] == [(1.0, 0.4)]  # a whole epoch: its point is drawn
    cut = TrainingRun()
    cut.on_event(TrainingProgress(Phase.TRAIN, 1, 1, 3, 10, loss=0.5))
    cut.on_event(TrainingProgress(Phase.EPOCH_END, 1, 1, 10, 10, loss=0.5, val_loss=0.4))
    assert cut.curves["val_loss"] == [] and cut.fraction == pytest.approx(0.3)
    cut.state = RunState.CANCELLED
    assert cut.fraction == pytest.approx(0.3)
    assert cut.line().startswith("cancelled at 30 %")


def test_an_epoch_end_after_the_cancel_is_dropped_even_when_the_epoch_was_whole():
    run = TrainingRun()
    run.on_event(TrainingProgress(Phase.TRAIN, 2, 2, 10, 10, loss=0.5))
    run.state = RunState.CANCELLING  # the cancel came during validation
    run.on_event(TrainingProgress(Phase.EPOCH_END, 2, 2, 10, 10, loss=0.5, val_loss=0.4))
    assert run.curves["val_loss"] == [] and run.fraction == pytest.approx(1.0 / 2 + 0.5)


def test_the_watchdogs_warning_is_the_status_line_until_the_next_batch():
    """agents.training's watchdog reports a stall as a DATA event (as progress_callback wires
    it): the Train screen's line says so instead of an epoch line that looks alive."""
    run, now = TrainingRun(), [0.0]
    dog = Watchdog(60.0, lambda quiet: report_data(run.on_event, stall_message(quiet)),
                   clock=lambda: now[0])  # fmt: skip
    run.on_event(TrainingProgress(Phase.TRAIN, 1, 3, 0, 10, eta_s=30.0))  # epoch 1 begins
    now[0] = 59.0
    assert not dog.check() and run.line() == "epoch 1/3   batch 0/10   ETA 0:30"
    now[0] = 61.0
    assert dog.check()
    assert run.stalled and run.line() == stall_message(61.0)
    assert run.line().startswith("no training batch has finished in 61 s")
    run.on_event(TrainingProgress(Phase.TRAIN, 1, 3, 1, 10, loss=0.2, eta_s=29.0))
    dog.beat()
    assert not run.stalled and run.line() == "epoch 1/3   batch 1/10   ETA 0:29"


def test_data_messages_before_training_are_no_stall():
    run = TrainingRun()
    run.on_event(TrainingProgress(Phase.DATA, message="checking 40 frame images"))
    assert not run.stalled and run.line("checking 40 frame images") == "checking 40 frame images"
