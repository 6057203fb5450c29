"""Steering bias calibration: the mean error on the teacher's own line goes to zero."""

from __future__ import annotations

import numpy as np
import pytest

from agents.driving.calibrate import calibrate_steering, on_line_table, steering_errors
from agents.driving.dataset import load_arrays
from agents.driving.models import build_model
from agents.driving.preprocess import spec_for
from agents.driving.recording_reader import load_session
from agents.modelio import load_model_checked, read_card, save_model_atomic
from agents.training import update_card
from tests.agents.driving.tiny_session import make_tiny_session


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    return make_tiny_session(tmp_path_factory.mktemp("calib") / "s")


def test_only_rows_on_the_teachers_pose_count(session):
    table = on_line_table([session])
    sources = np.asarray(load_session(session).columns["source"])
    assert 0 < len(table) == int((sources == "expert").sum()) < len(sources)


def test_calibration_zeroes_the_mean_error_and_moves_nothing_else(session, tmp_path):
    import keras

    keras.utils.set_random_seed(1)
    spec = spec_for("pilotnet")
    model = build_model("pilotnet", spec)
    path = tmp_path / "m.h5"
    save_model_atomic(model, path)
    update_card(path, architecture="pilotnet", note="kept")
    images, labels = load_arrays(on_line_table([session]), spec)
    before = steering_errors(model, images, labels)
    assert abs(before.mean()) > 1e-3  # an untrained model is off by something

    result = calibrate_steering(path, [session])

    tuned = load_model_checked(path)
    after = steering_errors(tuned, images, labels)
    assert abs(after.mean()) < 1e-5
    assert result.bias_shift == pytest.approx(-before.mean(), abs=1e-6)
    np.testing.assert_allclose(after - before, result.bias_shift, atol=1e-5)  # a pure shift
    card = read_card(path)
    assert card["note"] == "kept"
    assert card["steering_calibration"]["frames"] == len(labels)
