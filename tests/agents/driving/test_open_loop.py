"""Open-loop prediction: the model's steering on every frame of a session, and its error
statistics, equal a direct computation."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from agents.driving.open_loop import (
    PredictionCancelled,
    error_stats,
    predict_session,
)
from agents.driving.preprocess import InputSpec, preprocess_batch
from agents.driving.recording_reader import load_session
from agents.modelio import save_model_with_card
from tests.agents.driving.studio_session import frame_of, make_studio_session

SPEC = InputSpec(20, 40, 20, 20, "rgb")


def tiny_model(seed: int = 0):
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    inp = keras.Input(SPEC.shape)
    x = layers.Rescaling(1 / 127.5, offset=-1.0)(inp)
    x = layers.Conv2D(4, 5, strides=3, activation="relu")(x)
    x = layers.Flatten()(x)
    out = layers.Dense(1, activation="tanh")(x)
    return keras.Model(inp, out)


def save_tiny(path, seed: int = 0):
    save_model_with_card(tiny_model(seed), path, {"input": SPEC.to_dict()})
    return path


def test_error_stats_are_mean_and_95th_percentile_of_abs_error():
    rng = np.random.default_rng(0)
    pred, rec = rng.uniform(-1, 1, 200), rng.uniform(-1, 1, 200)
    keep = rng.uniform(size=200) > 0.3
    err = np.abs(pred - rec)[keep]
    st = error_stats(pred, rec, keep)
    assert st.rows == keep.sum()
    assert st.mean_abs == pytest.approx(err.mean())
    assert st.p95_abs == pytest.approx(np.percentile(err, 95))
    ramp = error_stats(np.arange(101) / 100, np.zeros(101))  # |errors| 0, 0.01 ... 1
    assert (ramp.mean_abs, ramp.p95_abs) == (pytest.approx(0.5), pytest.approx(0.95))
    assert error_stats(pred, rec, np.zeros(200, bool)).rows == 0
    nan_pred = pred.copy()
    nan_pred[:50] = np.nan  # rows not predicted yet are not counted
    assert error_stats(nan_pred, rec).rows == 150


def test_prediction_equals_the_model_on_each_frame(tmp_path):
    folder = make_studio_session(tmp_path / "s", rows=70)
    path = save_tiny(tmp_path / "tiny.h5")
    session = load_session(folder)
    seen = []
    pred = predict_session(session, path, progress=lambda d, n: seen.append((d, n)), batch=32)
    assert seen == [(32, 70), (64, 70), (70, 70)]
    import keras

    model = keras.models.load_model(path, compile=False)
    frames = np.stack([frame_of(i) for i in range(70)])
    direct = model.predict(preprocess_batch(frames, SPEC).astype(np.float32), verbose=0)[:, 0]
    assert np.allclose(pred, direct, atol=1e-5)
    steering = session.columns["steering"]
    st = error_stats(pred, steering)
    assert st.mean_abs == pytest.approx(float(np.mean(np.abs(direct - steering))), abs=1e-5)
    assert st.p95_abs == pytest.approx(float(np.percentile(np.abs(direct - steering), 95)),
                                       abs=1e-5)  # fmt: skip


def test_prediction_stops_when_cancelled(tmp_path):
    folder = make_studio_session(tmp_path / "s", rows=10)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(PredictionCancelled):
        predict_session(load_session(folder), save_tiny(tmp_path / "t.h5"), cancel=cancel)
