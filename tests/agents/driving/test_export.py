"""export-model: a TFLite file that takes the raw frame and runs under LiteRT without
TensorFlow, with the steering of the app's own TFLite path."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from agents.driving.cnn_driver import default_model_path
from agents.driving.export import (
    DONKEY_IMAGE,
    calibration_frames,
    check_with_litert,
    donkey_check,
    export_donkey,
    export_tflite,
    litert_available,
    run_litert,
    sidecar_path,
)
from game.errors import UserFacingError

pytestmark = pytest.mark.skipif(
    not litert_available(), reason="ai-edge-litert is not installed (pip install -e .[dev])"
)


@pytest.fixture(scope="module")
def frames():
    rendered = np.stack(list(calibration_frames(6, seed=3)))
    noise = np.random.default_rng(0).integers(0, 256, (1, 160, 320, 3), dtype=np.uint8)
    return np.concatenate([rendered, noise])


@pytest.fixture(scope="module")
def float_export(tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "pilot.tflite"
    export_tflite(default_model_path(), out)
    return out


def test_the_cli_exports_and_checks_under_litert(tmp_path, capsys):
    from main import main

    out = tmp_path / "cli.tflite"
    assert main(["export-model", str(default_model_path()), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert out.is_file() and sidecar_path(out).is_file()
    line = next(ln for ln in text.splitlines() if ln.startswith("LiteRT check"))
    assert "no TensorFlow imported" in line
    assert float(line.split("path| ")[1].split()[0]) < 1e-4


def test_float_export_steers_like_the_app_under_litert_alone(float_export, frames):
    check = check_with_litert(float_export, default_model_path(), frames)
    assert check.tensorflow_imported is False
    assert check.max_steering_diff < 1e-4
    assert check.litert_outputs.shape == (len(frames), 2)  # the shipped model has a speed output


def test_the_speed_column_is_the_apps_and_the_sidecar_scales_it(float_export, frames):
    from agents.driving import tflite_runner as tfl
    from agents.driving.cnn_driver import load_driving_model

    model, spec, card = load_driving_model(default_model_path())
    app = np.stack(
        [tfl.TfliteRunner(tfl.convert_keras_model(model, spec), spec)(f) for f in frames]
    )
    lite, _ = run_litert(float_export, frames)
    np.testing.assert_allclose(lite[:, 1], app[:, 1], atol=1e-4)
    side = json.loads(sidecar_path(float_export).read_text())
    assert side["output"]["speed_scale"] == card["outputs"]["speed_scale"]


def test_the_sidecar_carries_the_contract_and_the_card(float_export):
    side = json.loads(sidecar_path(float_export).read_text())
    assert side["input"]["dtype"] == "uint8" and side["input"]["shape"] == [1, 160, 320, 3]
    assert side["output"]["names"] == ["steering", "speed"]
    assert side["tflite_sha256"] == hashlib.sha256(float_export.read_bytes()).hexdigest()
    assert side["card"]["architecture"] == "pilotnet"
    assert side["quantize"] == "none"


@pytest.mark.parametrize(
    ("quantize", "size_share", "steer_tol"), [("float16", 0.6, 0.01), ("int8", 0.35, 0.05)]
)
def test_quantized_exports_are_smaller_and_close(
    tmp_path, float_export, frames, quantize, size_share, steer_tol
):
    out = tmp_path / f"{quantize}.tflite"
    result = export_tflite(default_model_path(), out, quantize)
    assert result.bytes < size_share * float_export.stat().st_size
    lite, report = run_litert(out, frames)
    ref, _ = run_litert(float_export, frames)
    assert report["tensorflow_imported"] is False
    # On dashcam frames (the last frame is noise, outside the int8 calibration's ranges).
    assert np.abs(lite[:-1, 0] - ref[:-1, 0]).max() < steer_tol
    assert json.loads(sidecar_path(out).read_text())["quantize"] == quantize


def test_a_wrong_suffix_is_one_clear_error(tmp_path):
    with pytest.raises(UserFacingError, match=r"must end in \.tflite"):
        export_tflite(default_model_path(), tmp_path / "model.bin")


def test_a_donkey_export_is_what_donkeys_tflite_pilot_calls(tmp_path):
    from ai_edge_litert.interpreter import Interpreter

    out = tmp_path / "donkey.tflite"
    export_donkey(default_model_path(), out, throttle=0.25)
    interp = Interpreter(model_path=str(out))
    sig = interp.get_signature_list()["serving_default"]
    assert sig["inputs"] == ["img_in"] and len(sig["outputs"]) == 2  # angle, then throttle
    (detail,) = interp.get_input_details()
    assert detail["name"].removeprefix("serving_default_").removesuffix(":0") == "img_in"
    assert tuple(detail["shape"]) == (1, *DONKEY_IMAGE, 3)
    image = np.full((1, *DONKEY_IMAGE, 3), 0.5, np.float32)
    out_dict = interp.get_signature_runner()(img_in=image)
    assert out_dict[sig["outputs"][1]][0][0] == pytest.approx(0.25)
    # Its angle is the app's steering on the same image imported with import-data's mapping.
    assert donkey_check(out, default_model_path()) < 0.01
