"""Hostile model files and cards: one clear line naming the file (and field), never a
traceback, a huge allocation or a silent wrong result.

Tiny models throughout (a conv layer or two): these tests are about the checks, not the nets.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from agents.driving.cnn_driver import CnnDriver, load_driving_model
from agents.driving.drivers import DriverOutputError, check_command
from agents.driving.evaluate import run_driver
from agents.driving.preprocess import InputSpec, spec_for
from agents.modelio import ModelFileError, card_path, read_card, save_model_atomic, write_card
from game.errors import UserFacingError
from game.sim.tracks_catalog import resolve_track

TRACK = "oval"


def tiny_image_model(spec: InputSpec, nan: bool = False):
    """A small CNN of the spec's input shape; `nan` sets the output layer's weights to NaN."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=spec.shape)
    x = layers.Rescaling(1 / 127.5, offset=-1.0)(inputs)
    x = layers.Conv2D(2, 5, strides=4, activation="relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    out = layers.Dense(1, name="steering")(x)
    model = keras.Model(inputs, out, name="tiny")
    if nan:
        w, b = model.get_layer("steering").get_weights()
        model.get_layer("steering").set_weights([np.full_like(w, np.nan), b])
    return model


@pytest.fixture(scope="module")
def spec() -> InputSpec:
    return spec_for("pilotnet")


@pytest.fixture(scope="module")
def good(tmp_path_factory, spec) -> Path:
    path = tmp_path_factory.mktemp("models") / "good.h5"
    save_model_atomic(tiny_image_model(spec), path)
    return path


def with_card(good: Path, folder: Path, card) -> Path:
    """A copy of the good model with the given card (a dict, or raw text)."""
    path = folder / "m.h5"
    path.write_bytes(good.read_bytes())
    if isinstance(card, str):
        card_path(path).write_text(card)
    else:
        write_card(path, card)
    return path


# --- cards ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"frame_height": 1e9}, "input.frame_height"),  # must never try to allocate 894 GiB
        ({"frame_height": 120}, "input.frame_height"),
        ({"frame_width": 640}, "input.frame_width"),
        ({"height": 10**7}, "input.height"),
        ({"width": 0}, "input.width"),
        ({"crop_top": -5}, "input.crop_top"),
        ({"crop_top": 100, "crop_bottom": 60}, "input.crop_bottom"),
        ({"height": "66"}, "input.height"),
        ({"height": True}, "input.height"),
        ({"height": 66.5}, "input.height"),
        ({"colour": ["yuv"]}, "input.colour"),
    ],
)
def test_bad_input_spec_in_card_is_one_line_naming_card_and_field(
    good, tmp_path, spec, change, field
):
    card = {"architecture": "pilotnet", "input": {**spec.to_dict(), **change}}
    path = with_card(good, tmp_path, card)
    with pytest.raises(ModelFileError) as err:
        CnnDriver(path)
    message = str(err.value)
    assert "m.card.json" in message and field in message and "\n" not in message


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"input": ', "not valid JSON"),
        ("[1, 2, 3]", "must be a JSON object"),
        ('{"input": "big"}', "must be a JSON object"),
    ],
)
def test_broken_card_json_is_a_model_file_error(good, tmp_path, text, reason):
    path = with_card(good, tmp_path, text)
    with pytest.raises(ModelFileError, match=reason) as err:
        load_driving_model(path)
    assert "m.card.json" in str(err.value)


def test_card_spec_whole_float_values_still_load(good, tmp_path, spec):
    as_floats = {k: float(v) if isinstance(v, int) else v for k, v in spec.to_dict().items()}
    path = with_card(good, tmp_path, {"input": as_floats})
    assert load_driving_model(path)[1] == spec


def test_model_without_an_image_input_is_a_model_file_error(tmp_path, spec):
    import keras

    inputs = keras.Input((4,))
    dense = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    path = save_model_atomic(dense, tmp_path / "dense.h5")
    with pytest.raises(ModelFileError, match="not a driving model") as err:
        CnnDriver(path)  # no card: the spec would be guessed from the input shape
    assert "dense.h5" in str(err.value)
    write_card(path, {"input": spec.to_dict()})
    with pytest.raises(ModelFileError, match="dense.h5"):
        CnnDriver(path)


# --- NaN output ---------------------------------------------------------------------------------


def test_nan_model_is_an_error_naming_model_and_frame_not_full_autonomy(tmp_path, spec):
    path = save_model_atomic(tiny_image_model(spec, nan=True), tmp_path / "nan.h5")
    write_card(path, {"input": spec.to_dict()})
    driver = CnnDriver(path)
    with pytest.raises(DriverOutputError, match=r"nan\.h5 produced NaN steering at frame 1"):
        run_driver(driver, resolve_track(TRACK), laps=1)
    # The CLI's `evaluate` reports the same one line (main.py prints UserFacingError as error:).
    from cli.tracks_eval import run_evaluate

    args = argparse.Namespace(
        driver="cnn", model=str(path), track=TRACK, laps=1, seed=0, look="day", json=True
    )
    with pytest.raises(UserFacingError, match="produced NaN steering"):
        run_evaluate(args)


def test_any_driver_returning_nan_stops_the_evaluation():
    class Broken:
        name = "broken"
        needs_camera = False
        mean_inference_ms = None

        def reset(self, world):
            self.n = 0

        def steer(self, world, frame):
            self.n += 1
            return 0.0 if self.n < 10 else float("inf")

    with pytest.raises(DriverOutputError, match=r"broken produced \+inf steering at frame 10"):
        run_driver(Broken(), resolve_track(TRACK), laps=1)
    assert check_command(np.float32(0.5), "x", 1) == 0.5


def test_autopilot_parks_and_shows_the_error_when_the_model_outputs_nan():
    import pygame

    from game.app import App
    from game.scenes.autopilot import AutopilotScene

    class NanDriver:
        last_inference_ms = None

        def reset(self, world):
            pass

        def steer(self, world, frame):
            raise DriverOutputError("model x.h5 produced NaN steering at frame 1")

    app = App(headless=True)
    try:
        app.push("menu")
        scene = app.push("autopilot", track=TRACK, model="/nonexistent/none.h5")
        assert isinstance(scene, AutopilotScene)
        s = scene.session
        s.loading.drop()  # the file does not exist: use the stand-in driver instead
        s.use_driver(NanDriver())
        assert app.run_frames(30) == 30
        assert s.driver is None and "produced NaN steering" in s.error
        assert s.world.car.cruise_speed == 0.0  # parked
        assert app.running and app.scene is scene
        app.run_frames(1, lambda i: [pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE)])
    finally:
        app.close()


# --- fine-tuning onto another architecture -----------------------------------------------------


def test_fine_tune_onto_another_architecture_names_the_model_and_both(tmp_path):
    from agents.driving.models import build_model
    from agents.driving.train import TrainConfig, train

    def attempt(model_path: Path, arch: str | None = None) -> None:
        train(TrainConfig((tmp_path / "no-data",), arch, epochs=1, out_path=tmp_path / "o.h5",
                          initial_model=model_path))  # fmt: skip

    pooled = save_model_atomic(build_model("pooled"), tmp_path / "pooled.h5")
    write_card(pooled, {"architecture": "pooled", "input": spec_for("pooled").to_dict()})
    with pytest.raises(UserFacingError) as err:
        attempt(pooled, "pilotnet")
    message = str(err.value)
    assert "pooled.h5" in message and "a pooled model as pilotnet" in message

    # A card naming an architecture whose layers the weights do not fit.
    pilot = save_model_atomic(build_model("pilotnet"), tmp_path / "pilot.h5")
    write_card(pilot, {"architecture": "pooled", "input": spec_for("pilotnet").to_dict()})
    with pytest.raises(ModelFileError, match=r"pilot\.h5: its weights do not fit the pooled"):
        attempt(pilot)

    # A card whose input shape is not the model's.
    write_card(pooled, {"architecture": "pooled", "input": spec_for("pilotnet").to_dict()})
    with pytest.raises(ModelFileError, match=r"pooled\.h5: model input shape .* does not match"):
        attempt(pooled)
    assert not (tmp_path / "o.h5").exists()


def test_read_card_without_model_keeps_working(tmp_path):
    write_card(tmp_path / "x.h5", {"architecture": "pilotnet"})
    assert read_card(tmp_path / "x.h5") == {"architecture": "pilotnet"}
    assert json.loads(card_path(tmp_path / "x.h5").read_text())["architecture"] == "pilotnet"
