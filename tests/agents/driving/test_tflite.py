"""TFLite inference for CnnDriver: same outputs as the Keras path on real dashcam frames, the
conversion cache (reused, rebuilt when the .h5 changes or the entry is damaged), the
tf.function fallback, and two-output (steering + speed) models driving the pedals."""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest

from agents.driving import tflite_runner
from agents.driving.cnn_driver import CnnDriver, check_image_model, default_model_path
from agents.driving.drivers import DriverOutputError
from agents.driving.preprocess import InputSpec, preprocess_tf
from agents.driving.racing import MU_FRACTION, grip_speed, pedals_for
from agents.modelio import ModelFileError, save_model_atomic, save_model_with_card, write_card
from bench.inference import dashcam_frames  # real frames, as the bench times them
from game import paths
from game.sim.car import G, curvature_for_steering

TINY_SPEC = InputSpec(33, 100, 56, 10, "rgb")


def tiny_model(outputs: int = 1, seed: int = 0, speed_bias: float = 0.5, steer_bias: float = 0.1):
    """A small conv model on TINY_SPEC inputs; with 2 outputs the units' biases are set."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    inp = keras.Input(TINY_SPEC.shape)
    x = layers.Rescaling(1 / 127.5, offset=-1.0)(inp)
    x = layers.Conv2D(4, 5, strides=3, activation="relu")(x)
    x = layers.Flatten()(x)
    out = layers.Dense(outputs, kernel_initializer=keras.initializers.RandomNormal(0.0, 0.01))(x)
    model = keras.Model(inp, out)
    if outputs == 2:
        dense = model.layers[-1]
        kernel, bias = dense.get_weights()
        dense.set_weights([kernel, np.array([steer_bias, speed_bias], np.float32)])
    return model


def save_tiny(path, model, outputs: dict | None = None):
    card = {"input": TINY_SPEC.to_dict(), **({"outputs": outputs} if outputs else {})}
    save_model_with_card(model, path, card)
    return path


@pytest.fixture
def conversions(monkeypatch):
    """The number of Keras -> TFLite conversions so far (counted through the converter)."""
    calls = []
    real = tflite_runner.convert_keras_model

    def counting(model, spec):
        calls.append(spec)
        return real(model, spec)

    monkeypatch.setattr(tflite_runner, "convert_keras_model", counting)
    return calls


@pytest.fixture(scope="module")
def frames():
    return dashcam_frames()


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """The shipped model as TFLite, converted once for the module into its own cache."""
    if not default_model_path().exists():
        pytest.skip("models/pilotnet.h5 not built yet")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(paths.HOME_ENV, str(tmp_path_factory.mktemp("home")))
        return CnnDriver()


def test_tflite_matches_the_keras_path_on_dashcam_frames(shipped, frames):
    assert shipped.backend == "tflite" and shipped.backend_note is None
    keras_path = CnnDriver(model=shipped.model, spec=shipped.spec)  # in memory: tf.function
    assert keras_path.backend == "tf.function"
    got, want = [], []
    for frame in frames:
        assert shipped.predict(frame) == float(shipped.last_outputs[0])
        got.append(shipped.last_outputs)
        keras_path.predict(frame)
        want.append(keras_path.last_outputs)
    got, want = np.array(got), np.array(want)  # (frames, outputs): steering (and speed)
    assert got.shape == (len(frames), shipped.n_outputs)
    np.testing.assert_allclose(got, want, atol=1e-4)
    assert np.ptp(want[:, 0]) > 0.01  # the frames differ enough to mean something


@pytest.mark.parametrize("arch", ["pilotnet", "pooled"])
def test_graph_preprocessing_matches_the_training_transform(arch, frames):
    import tensorflow as tf

    from agents.driving.preprocess import spec_for

    spec = spec_for(arch)  # yuv 66x200 (blocks of 8 -> 5 columns) and rgb 120x160
    for frame in frames:
        road = tf.constant(frame[spec.crop_top : 160 - spec.crop_bottom], tf.float32)
        ours = tflite_runner.preprocess_graph(road, spec).numpy()[0]
        want = preprocess_tf(tf.constant(frame), spec).numpy().astype(np.float32)
        off = np.abs(ours - want)
        assert off.max() <= 1.0 and (off > 0).mean() < 1e-3  # float rounding at .5, rarely


def test_saliency_uses_keras_and_keeps_steering(shipped, frames):
    fast = shipped.predict(frames[2])
    shipped.saliency = True
    try:
        steering = shipped.predict(frames[2])  # VisualBackProp's Keras forward pass
    finally:
        shipped.saliency = False
    assert steering == pytest.approx(fast, abs=1e-4)
    assert shipped.last_saliency is not None and shipped.last_saliency.shape == (160, 320)


def test_tflite_saliency_matches_keras_saliency(shipped, frames):
    from agents.driving.saliency import VisualBackProp

    keras_vbp = VisualBackProp(shipped.model, shipped.spec)
    fast = VisualBackProp(shipped.model, shipped.spec, "tflite", model_path=shipped.model_path)
    assert fast.backend == "tflite" and fast.backend_note is None
    for frame in frames[:4]:
        want, got = keras_vbp(frame), fast(frame)
        np.testing.assert_allclose(got.outputs, want.outputs, atol=1e-4)
        np.testing.assert_allclose(got.mask, want.mask, atol=1e-4)
        np.testing.assert_allclose(got.first_maps, want.first_maps, atol=1e-3)
        assert got.mask.dtype == np.float32 and got.mask.shape == (160, 320)


def test_tflite_saliency_falls_back_to_keras(monkeypatch, frames):
    from agents.driving.saliency import VisualBackProp

    def broken(*args):
        raise tflite_runner.TfliteError("no TRANSPOSE_CONV here")

    monkeypatch.setattr(tflite_runner, "convert_function", broken)
    vbp = VisualBackProp(tiny_model(), TINY_SPEC, "tflite")
    assert vbp.backend == "keras" and "no TRANSPOSE_CONV here" in vbp.backend_note
    assert vbp(frames[0]).mask.shape == (160, 320)


def test_cache_is_reused_and_rebuilt_when_the_model_file_changes(tmp_path, conversions, frames):
    path = save_tiny(tmp_path / "tiny.h5", tiny_model(seed=1))
    first = CnnDriver(path)
    assert first.backend == "tflite" and first.tflite_cache.built and len(conversions) == 1
    assert first.tflite_cache.path.parent == paths.user_cache_dir("tflite")
    again = CnnDriver(path)
    assert len(conversions) == 1 and not again.tflite_cache.built
    assert again.predict(frames[0]) == pytest.approx(first.predict(frames[0]), abs=1e-6)

    changed = tiny_model(seed=2)
    save_tiny(path, changed)
    after = CnnDriver(path)
    assert len(conversions) == 2 and after.tflite_cache.built
    assert after.tflite_cache.path != first.tflite_cache.path
    reference = CnnDriver(model=changed, spec=TINY_SPEC)
    assert after.predict(frames[0]) == pytest.approx(reference.predict(frames[0]), abs=1e-4)


def test_a_damaged_cache_entry_is_rebuilt(tmp_path, conversions, frames):
    path = save_tiny(tmp_path / "tiny.h5", tiny_model(seed=3))
    entry = CnnDriver(path).tflite_cache.path
    sound = entry.read_bytes()
    for damaged in (sound[: len(sound) // 2], bytes(len(sound))):  # cut short; zeroed
        entry.write_bytes(damaged)
        driver = CnnDriver(path)
        assert driver.backend == "tflite" and driver.tflite_cache.built
        assert tflite_runner.read_cached(entry) is not None  # written again, whole
        assert np.isfinite(driver.predict(frames[0]))
    assert len(conversions) == 3


def test_a_cached_entry_that_disagrees_with_keras_is_replaced(tmp_path, conversions):
    path = save_tiny(tmp_path / "tiny.h5", tiny_model(seed=4))
    entry = CnnDriver(path).tflite_cache.path
    other = tflite_runner.convert_keras_model(tiny_model(seed=5), TINY_SPEC)  # sound, but wrong
    tflite_runner.write_cached(entry, other)
    conversions.clear()
    driver = CnnDriver(path)
    assert driver.backend == "tflite" and driver.tflite_cache.built and len(conversions) == 1


def test_conversion_failure_falls_back_to_the_tf_function(tmp_path, monkeypatch, caplog, frames):
    path = save_tiny(tmp_path / "tiny.h5", tiny_model(seed=6))

    def broken(model, spec):
        raise tflite_runner.TfliteError("converter exploded\nsecond line")

    monkeypatch.setattr(tflite_runner, "convert_keras_model", broken)
    with caplog.at_level(logging.WARNING, logger="agents.driving.cnn_driver"):
        driver = CnnDriver(path)
    assert driver.backend == "tf.function"
    assert driver.backend_note == (
        f"{path}: TFLite unavailable (converter exploded); using the tf.function"
    )
    assert driver.backend_note in caplog.text
    assert np.isfinite(driver.steer(None, frames[0]))


def test_the_cache_folder_follows_the_user_home(tmp_path):
    paths.set_home(tmp_path / "elsewhere")
    assert paths.user_cache_dir("tflite") == (tmp_path / "elsewhere" / "cache" / "tflite")
    assert paths.user_cache_dir("tflite").is_dir()


# --- two outputs: steering and target speed --------------------------------------------------


@pytest.fixture
def world():
    from game.sim.tracks_catalog import resolve_track
    from game.sim.world import World

    return World(resolve_track("oval"), start_speed=10.0)


def test_two_output_model_sets_the_pedals_towards_its_speed(tmp_path, world, frames):
    path = save_tiny(tmp_path / "speedy.h5", tiny_model(2, speed_bias=0.5), {"speed_scale": 20.0})
    driver = CnnDriver(path)
    assert driver.backend == "tflite" and driver.n_outputs == 2
    assert driver.pedals(world) is None  # nothing seen yet
    steering = driver.steer(world, frames[0])
    steer_out, speed_out = driver.last_outputs
    assert steering == pytest.approx(steer_out) and abs(speed_out - 0.5) < 0.05
    params = world.car.params
    want = pedals_for(world.car.state.speed, speed_out * 20.0, params)
    assert driver.pedals(world) == pytest.approx(want)

    straight = tiny_model(2, speed_bias=5.0, steer_bias=0.0)
    fast = save_tiny(tmp_path / "fast.h5", straight, {"speed_scale": 30.0})
    racer = CnnDriver(fast)
    racer.steer(world, frames[0])
    assert racer.last_outputs[1] * 30.0 > params.max_speed
    assert grip_speed(racer.last_outputs[0], params) > params.max_speed  # nearly straight
    assert racer.pedals(world) == pytest.approx(
        pedals_for(world.car.state.speed, params.max_speed, params)  # clipped to top speed
    )


def test_a_fast_model_in_a_tight_turn_is_slowed_to_the_grip_speed(tmp_path, world, frames):
    """Stability control: with the wheel held far over, the target is the speed at which that
    turn uses MU_FRACTION of the grip, however fast the model asks to go."""
    fast = tiny_model(2, speed_bias=5.0, steer_bias=0.6)
    racer = CnnDriver(save_tiny(tmp_path / "turning.h5", fast, {"speed_scale": 30.0}))
    racer.steer(world, frames[0])
    params = world.car.params
    cap = grip_speed(racer.last_outputs[0], params)
    assert cap < params.max_speed
    k = curvature_for_steering(racer.last_outputs[0], params)
    assert cap * cap * k == pytest.approx(MU_FRACTION * params.mu * G)
    assert racer.pedals(world) == pytest.approx(pedals_for(world.car.state.speed, cap, params))


def test_steering_only_model_leaves_the_speed_to_cruise_control(tmp_path, world, frames):
    driver = CnnDriver(save_tiny(tmp_path / "plain.h5", tiny_model(1)))
    driver.steer(world, frames[0])
    assert driver.last_outputs.shape == (1,) and driver.pedals(world) is None


def test_two_output_saliency_keeps_both_outputs(tmp_path, world, frames):
    driver = CnnDriver(save_tiny(tmp_path / "s.h5", tiny_model(2), {"speed_scale": 30.0}))
    driver.steer(world, frames[1])
    fast_outputs = driver.last_outputs.copy()
    driver.saliency = True
    driver.steer(world, frames[1])
    np.testing.assert_allclose(driver.last_outputs, fast_outputs, atol=1e-4)
    assert driver.last_saliency is not None


@pytest.mark.parametrize(
    "outputs, message",
    [
        (None, "outputs.speed_scale is missing"),
        ({"names": ["steering", "speed"]}, "outputs.speed_scale is missing"),
        ({"speed_scale": "fast"}, "outputs.speed_scale must be a positive number"),
        ({"speed_scale": 0}, "outputs.speed_scale must be a positive number"),
        ({"speed_scale": True}, "outputs.speed_scale must be a positive number"),
    ],
)
def test_two_output_model_needs_a_speed_scale_in_its_card(tmp_path, outputs, message):
    path = save_tiny(tmp_path / "speedy.h5", tiny_model(2), outputs)
    with pytest.raises(ModelFileError, match=rf"speedy\.card\.json: {message}"):
        CnnDriver(path)


def test_nan_speed_output_is_an_error_naming_the_model(tmp_path, world, frames):
    model = tiny_model(2, speed_bias=math.nan)
    path = tmp_path / "nan.h5"
    save_model_atomic(model, path)
    write_card(path, {"input": TINY_SPEC.to_dict(), "outputs": {"speed_scale": 30.0}})
    driver = CnnDriver(path)
    assert np.isfinite(driver.steer(world, frames[0]))  # steering is fine ...
    with pytest.raises(DriverOutputError, match=r"nan\.h5 produced NaN speed at frame 1"):
        driver.pedals(world)  # ... the speed is not


def test_in_memory_two_output_model_defaults_its_speed_scale():
    driver = CnnDriver(model=tiny_model(2), spec=TINY_SPEC)
    assert driver.speed_scale == 30.0 and driver.backend == "tf.function"


def test_image_models_may_have_one_or_two_outputs_but_not_three():
    import keras

    for n in (1, 2):
        check_image_model(tiny_model(n), "m.h5")
    inp = keras.Input(TINY_SPEC.shape)
    three = keras.Model(inp, keras.layers.Dense(3)(keras.layers.Flatten()(inp)))
    with pytest.raises(ModelFileError, match=r"m\.h5: model output shape \(3,\)"):
        check_image_model(three, "m.h5")


def test_prefetched_outputs_equal_those_computed_in_place(shipped, frames, monkeypatch):
    """A forward pass started on a helper thread gives what predict() gives in place, and
    predict() collects it rather than running the pass again on the caller's thread."""
    import threading

    in_place = []
    for frame in frames[:6]:
        shipped.predict(frame)
        in_place.append(shipped.last_outputs.copy())
    passes: list[bool] = []  # one entry per forward pass: did it run on the caller's thread?
    forward = shipped._forward

    def counted(*args, **kwargs):
        passes.append(threading.current_thread() is threading.main_thread())
        return forward(*args, **kwargs)

    monkeypatch.setattr(shipped, "_forward", counted)
    for frame, want in zip(frames[:6], in_place, strict=True):
        shipped.prefetch(frame)
        shipped.predict(frame)
        np.testing.assert_array_equal(shipped.last_outputs, want)
    assert passes == [False] * 6  # six passes, all on the helper thread


def test_a_prefetch_for_another_frame_is_not_used(shipped, frames):
    """A frame the helper thread did not see is computed afresh, never answered with the
    prefetched frame's outputs."""
    a, b = frames[0], frames[-1]
    shipped.predict(b)
    want_b = shipped.last_outputs.copy()
    shipped.predict(a)
    assert not np.array_equal(shipped.last_outputs, want_b)
    shipped.prefetch(a)
    shipped.predict(b.copy())  # equal pixels, another array: not the prefetched frame
    np.testing.assert_array_equal(shipped.last_outputs, want_b)
