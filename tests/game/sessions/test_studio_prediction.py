"""The Studio's prediction worker ends in one of three ways, each leaving a clear state: a
finished line, or no line and a message (cancelled, failed). Fake jobs: the real one is
test_open_loop's."""

from __future__ import annotations

import threading

import numpy as np

from game.sessions.studio import PredictedBatch, PredictionResult, StudioState
from tests.agents.driving.studio_session import make_studio_session

WAIT_S = 10.0  # bound on every wait for the worker thread


def _state(tmp_path, factory) -> tuple[StudioState, list[tuple[str, str]]]:
    folder = make_studio_session(tmp_path / "s", rows=20)
    notes: list[tuple[str, str]] = []
    st = StudioState(lambda text, kind="info": notes.append((text, kind)), tmp_path, factory)
    st.open_path(folder)
    assert st.rows == 20 and st.models, "a session and a model to predict with"
    return st, notes


def test_a_cancelled_prediction_leaves_no_half_line(tmp_path):
    started = threading.Event()

    def factory(session, path):
        def job(ctx):
            ctx.emit(PredictedBatch(0, np.full(5, 0.5, np.float32)))
            started.set()
            ctx.cancel.wait(WAIT_S)
            return PredictionResult(path, np.zeros(len(session), np.float32))

        return job

    st, notes = _state(tmp_path, factory)
    assert st.predict() and st.predicting
    assert not st.predict()  # one prediction at a time
    assert started.wait(WAIT_S)
    st.update(0.0)
    assert np.isfinite(st.prediction.steering[:5]).all()  # the line grows batch by batch
    assert np.isnan(st.prediction.steering[5:]).all()
    assert st.cancel_prediction()
    assert st.prediction_job.join(WAIT_S)
    assert not st.predicting and st.prediction is None
    assert notes[-1] == ("prediction cancelled", "info")
    assert not st.cancel_prediction()  # nothing left to cancel


def test_a_job_that_saw_the_cancel_and_returned_nothing_counts_as_cancelled(tmp_path):
    st, notes = _state(tmp_path, lambda session, path: lambda ctx: None)
    assert st.predict()
    assert st.prediction_job.join(WAIT_S)
    assert st.prediction is None and notes[-1] == ("prediction cancelled", "info")


def test_a_failed_prediction_says_why(tmp_path):
    def factory(session, path):
        def job(ctx):
            raise RuntimeError("the model file is damaged")

        return job

    st, notes = _state(tmp_path, factory)
    assert st.predict()
    assert st.prediction_job.join(WAIT_S)
    assert st.prediction is None and not st.predicting
    text, kind = notes[-1]
    assert kind == "error" and "the model file is damaged" in text


def test_a_finished_prediction_is_the_line_and_its_score(tmp_path):
    def factory(session, path):
        return lambda ctx: PredictionResult(path, np.full(len(session), 0.25, np.float32))

    st, notes = _state(tmp_path, factory)
    assert st.predict()
    assert st.prediction_job.join(WAIT_S)
    assert st.prediction is not None and np.allclose(st.prediction.steering, 0.25)
    whole, _ = st.stats()
    assert whole.rows == 20 and notes[-1][1] == "info"
    assert notes[-1][0].startswith(f"{st.model.path.stem}: ")
