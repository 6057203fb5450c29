"""The CNN driver: a saved Keras model steers (and may set the speed) from the dashcam's pixels.

The model card beside the `.h5` says how a frame becomes the model's input (crop, size,
colour), so any saved model drives correctly with no extra flags. A model loaded from a file
runs as TFLite (agents.driving.tflite_runner: converted once, cached, about half the CPU
time per frame of a tf.function). When conversion fails, and for models in memory, each
step runs one `tf.function` with a fixed input signature that does the preprocessing and
the forward pass together (`model.predict` per frame is ~50x slower, eager `model(x)` ~8x).

A model has one output (steering) or two ([steering, target speed / speed_scale]); with two,
`pedals()` drives the throttle and brake towards the model's speed.
"""

from __future__ import annotations

import logging
import math
import os
import time
import warnings
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import numpy as np

from agents.driving import overlap
from agents.driving.drivers import Driver, check_command, register_driver
from agents.driving.preprocess import InputSpec, preprocess_frame, preprocess_tf, spec_from_card
from agents.driving.racing import grip_speed, pedals_for
from agents.modelio import ModelFileError, card_path, load_model_checked, read_card
from game.errors import UserFacingError
from game.paths import shipped_models_dir

DEFAULT_MODEL_NAME = "pilotnet.h5"
DEFAULT_SPEED_SCALE = 30.0  # m/s per unit of speed output, for a model in memory with no card
BACKENDS = ("auto", "tflite", "tf.function")
PROBE_ATOL = 1e-4  # a converted model must match Keras this closely on a probe frame

log = logging.getLogger(__name__)
# Models saved with a one-element input list (the first speed-aware builds) warn on every call
# with a plain tensor, which is how this module calls them; the call itself is right.
warnings.filterwarnings("ignore", message="The structure of `inputs` doesn't match")


def default_model_path() -> Path:
    """The shipped default model (committed under models/)."""
    return shipped_models_dir() / DEFAULT_MODEL_NAME


def check_image_model(model: Any, where: str) -> None:
    """Raise ModelFileError unless the model takes one (N, h, w, 3) image and gives one output
    of shape (1,) or () (steering) or (2,) (steering, target speed).

    Checked before a card's spec is trusted or guessed from the model, so a Dense-only or
    multi-input .h5 is one clear line rather than an IndexError deep in preprocessing.
    """
    inputs, outputs = getattr(model, "inputs", None), getattr(model, "outputs", None)
    if not inputs or not outputs or len(inputs) != 1 or len(outputs) != 1:
        raise ModelFileError(f"{where}: expected a model with one input and one output")
    in_shape = tuple(inputs[0].shape)
    if len(in_shape) != 4 or in_shape[-1] != 3:
        raise ModelFileError(
            f"{where}: model input shape {in_shape[1:]} is not one colour image "
            "(height, width, 3); not a driving model"
        )
    out_shape = tuple(outputs[0].shape[1:])
    if out_shape not in ((1,), (), (2,)):
        raise ModelFileError(
            f"{where}: model output shape {out_shape} is not a steering value "
            "(or steering and speed)"
        )


def output_count(model: Any) -> int:
    """2 for a (steering, speed) model, else 1 (after check_image_model)."""
    return 2 if tuple(model.outputs[0].shape[1:]) == (2,) else 1


def speed_scale_from_card(card: dict, where: str) -> float:
    """The card's outputs.speed_scale (m/s per unit of the speed output); ModelFileError
    naming the card and field when it is missing or not a positive number."""
    outputs = card.get("outputs")
    if not isinstance(outputs, dict) or "speed_scale" not in outputs:
        raise ModelFileError(
            f"{where}: outputs.speed_scale is missing (the model has a speed output)"
        )
    value = outputs["speed_scale"]
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value <= 0:
        raise ModelFileError(
            f"{where}: outputs.speed_scale must be a positive number of m/s, not {value!r:.40}"
        )
    return float(value)


def check_model_matches_spec(
    model: Any, spec: InputSpec, where: str, spec_from: str = "its input spec"
) -> None:
    """Raise ModelFileError unless the model takes one spec-shaped image and gives one number."""
    check_image_model(model, where)
    in_shape = tuple(model.inputs[0].shape[1:])
    if in_shape != spec.shape:
        raise ModelFileError(
            f"{where}: model input shape {in_shape} does not match {spec.shape} from {spec_from}"
        )


def load_driving_model(path: str | os.PathLike[str]) -> tuple[Any, InputSpec, dict]:
    """(model, input spec, card) for a saved driving model; ModelFileError when unusable."""
    model = load_model_checked(path)
    card = read_card(path)
    card_file = card_path(path)
    check_image_model(model, str(path))
    try:
        spec = spec_from_card(card, model, where=str(card_file))
    except UserFacingError as e:
        raise ModelFileError(str(e)) from e
    check_model_matches_spec(model, spec, str(path), f"its model card {card_file.name}")
    return model, spec, card


def make_inference_fn(model: Any, spec: InputSpec, xla_preprocess: bool = True):
    """A tf.function: one uint8 dashcam frame (H, W, 3) -> all outputs (n,) float32 tensor.

    The fixed input signature means it is traced once. Preprocessing (the same TensorFlow
    transform the training pipeline uses) runs inside the graph, XLA-compiled: XLA fuses its
    many small gather/multiply ops (~2x faster), while the convolutions stay on oneDNN, which
    measured faster than XLA's for them on 2 CPU cores.
    """
    import tensorflow as tf

    preprocess = tf.function(lambda f: preprocess_tf(f[None], spec), jit_compile=xla_preprocess)
    signature = [tf.TensorSpec((spec.frame_height, spec.frame_width, 3), tf.uint8)]

    @tf.function(input_signature=signature)
    def infer(frame):
        x = tf.cast(preprocess(frame), tf.float32)
        return tf.reshape(model(x, training=False), [-1])

    return infer


class CnnDriver(Driver):
    """Steers from the dashcam frame with a Keras model (PilotNet or any saved variant).

    Build it from a file (`CnnDriver(path)`) or from a model in memory
    (`CnnDriver(model=m, spec=s)`, e.g. right after training). `backend`: "auto" runs a
    model loaded from a file as TFLite (cached conversion; it falls back to the tf.function
    with `backend_note` saying why) and a model in memory as a tf.function (no conversion
    to wait for); "tflite" or "tf.function" choose. Construction can take a second or more
    (conversion, tracing): the screens build drivers in worker threads.
    Call `rebuild()` after the model's weights change so inference picks them up.
    Set `saliency = True` to also compute a VisualBackProp mask each step (`last_saliency`,
    in dashcam coordinates); the step's outputs then come from the same Keras forward pass.
    A screen that shows saliency now and then passes its VisualBackProp to `prefetch` for
    those steps instead (`step_saliency`).
    """

    name = "cnn"
    needs_camera = True

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        *,
        model: Any = None,
        spec: InputSpec | None = None,
        card: dict | None = None,
        saliency: bool = False,
        backend: str = "auto",
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
        if model is None:
            self.model_path: Path | None = Path(model_path or default_model_path())
            self.model, self.spec, self.card = load_driving_model(self.model_path)
            where = str(card_path(self.model_path))
        else:
            if spec is None:
                raise ValueError("CnnDriver(model=...) also needs its input spec")
            self.model_path = Path(model_path) if model_path else None
            self.model, self.spec, self.card = model, spec, dict(card or {})
            check_model_matches_spec(model, spec, str(self.model_path or "model"))
            where = "model card"
        self.n_outputs = output_count(self.model)
        self.speed_scale: float | None = None
        if self.n_outputs == 2:
            no_card = model is not None and card is None
            self.speed_scale = (
                DEFAULT_SPEED_SCALE if no_card else speed_scale_from_card(self.card, where)
            )
        # A file's model is what the cache key (its SHA-256) describes; one in memory is not.
        self._from_file = model is None
        if backend == "auto":
            backend = "tflite" if self._from_file else "tf.function"
        self.backend = backend  # what runs now: "tflite" or "tf.function"
        self.backend_note: str | None = None  # why TFLite is not used, when it was asked for
        self.tflite_cache = None  # tflite_runner.CacheEntry of the conversion in use
        self.name = f"cnn:{self.model_path.stem}" if self.model_path else "cnn"
        self.saliency = saliency
        self.last_saliency: np.ndarray | None = None
        self.last_outputs: np.ndarray | None = None  # every output of the last prediction
        self.step_saliency: Any = None  # what prefetch's `saliency` gave for the last prediction
        self.last_inference_ms: float | None = None
        self._vbp = None
        self._tflite = None
        self._infer = None
        self._ahead: tuple[np.ndarray, Future] | None = None  # prefetch(): (frame, its call)
        self.frames = 0  # frames steered since reset(), for error messages
        if self.model_path is None:
            self._build(use_cache=False)
            return
        try:
            self._build(use_cache=self._from_file)
        except Exception as e:  # noqa: BLE001 - a loaded file that cannot run is a file problem
            raise ModelFileError(f"{self.model_path}: cannot run model ({_reason(e)})") from e

    @property
    def label(self) -> str:
        """The model's name for messages: its file, or "model" for one made in memory."""
        return str(self.model_path) if self.model_path else "model"

    # --- inference -------------------------------------------------------------------------

    def rebuild(self) -> None:
        """(Re)build inference for the model's current weights and warm it up.

        The weights may no longer be the file's, so a TFLite driver converts them afresh,
        bypassing the cache.
        """
        self._build(use_cache=False)

    def _build(self, use_cache: bool) -> None:
        self._settle()
        self._vbp = None
        self._tflite = self._infer = None
        if self.backend == "tflite":
            try:
                self._build_tflite(use_cache)
            except Exception as e:  # noqa: BLE001 - any failure: the tf.function still drives
                self.backend = "tf.function"
                self.backend_note = (
                    f"{self.label}: TFLite unavailable ({_reason(e)}); using the tf.function"
                )
                log.warning(self.backend_note)
        if self.backend == "tf.function":
            self._build_tf_function()
        self.reset_timing()

    def _build_tflite(self, use_cache: bool) -> None:
        """Convert (or read the cached conversion), then check it against Keras on one frame.

        A cached entry that loads but disagrees is dropped and converted again once; a fresh
        conversion that disagrees raises (the caller falls back to the tf.function).
        """
        from agents.driving import tflite_runner as tfl

        probe = np.random.default_rng(0).integers(
            0, 256, (self.spec.frame_height, self.spec.frame_width, 3), dtype=np.uint8
        )
        expected = None
        for _ in range(2):
            if use_cache and self.model_path is not None:
                content, entry = tfl.cached_conversion(self.model_path, self.model, self.spec)
            else:
                t0 = time.perf_counter()
                content = tfl.convert_keras_model(self.model, self.spec)
                entry = tfl.CacheEntry(None, built=True, build_s=time.perf_counter() - t0)
            try:
                runner = tfl.TfliteRunner(content, self.spec)
                got = runner(probe)
                if expected is None:
                    x = preprocess_frame(probe, self.spec).astype(np.float32)
                    expected = np.asarray(self.model(x, training=False)).reshape(-1)
                # equal_nan: a NaN model converts to a NaN model, which steer() reports.
                same = got.shape == expected.shape
                if not (same and np.allclose(got, expected, atol=PROBE_ATOL, equal_nan=True)):
                    raise tfl.TfliteError(
                        f"converted outputs {got[:2]} differ from Keras {expected[:2]}"
                    )
            except tfl.TfliteError:
                if entry.built:
                    raise
                tfl.drop_cached(entry)  # a stale or damaged entry: convert afresh
                continue
            self._tflite, self.tflite_cache = runner, entry
            return
        raise tfl.TfliteError("the cached conversion keeps failing its check")

    def _build_tf_function(self) -> None:
        blank = np.zeros((self.spec.frame_height, self.spec.frame_width, 3), np.uint8)
        try:
            self._infer = make_inference_fn(self.model, self.spec)
            self._infer(blank)  # trace and compile now, so the first driving step is not slow
        except Exception:  # e.g. a TF build without XLA: the plain graph still works
            self._infer = make_inference_fn(self.model, self.spec, xla_preprocess=False)
            self._infer(blank)

    def reset_timing(self) -> None:
        self._total_ms = 0.0
        self._count = 0
        self.last_inference_ms = None

    @property
    def mean_inference_ms(self) -> float | None:  # type: ignore[override]
        return self._total_ms / self._count if self._count else None

    def prefetch(
        self, frame: np.ndarray, saliency: Callable[[np.ndarray], Any] | None = None
    ) -> None:
        """Start the forward pass for `frame` on a helper thread (agents.driving.overlap), so
        it runs while the screen draws; the `steer` or `predict` given this same frame array
        collects it. Outputs are those `predict(frame)` would give.

        `saliency`: a callable (frame -> an object whose `outputs` are this model's outputs
        for the frame, e.g. a VisualBackProp of it) run instead of the plain pass. The car
        steers from those outputs and `step_saliency` keeps the object: the mask shown is of
        the very frame and pass that steered, and the helper thread runs one network, not two
        side by side on two cores beside the screen's own thread.
        """
        frame = self._check_frame(frame)
        self._settle()
        self._ahead = (frame, overlap.submit(self._forward, frame, saliency))

    def _settle(self) -> None:
        """Wait for a prefetched call and drop it: the interpreter runs one call at a time."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            try:
                ahead[1].result()
            except Exception:  # noqa: BLE001 - its frame is not wanted; a later call reports
                pass

    def predict(self, frame: np.ndarray) -> float:
        """Raw model steering for one (H, W, 3) uint8 frame (not clipped); timed.

        Every output (steering, and speed for a two-output model) is kept in `last_outputs`.
        """
        frame = self._check_frame(frame)
        ahead = self._ahead
        if ahead is not None and ahead[0] is frame:
            self._ahead = None
            outputs, shown, ms = ahead[1].result()
        else:
            self._settle()
            outputs, shown, ms = self._forward(frame)
        self.step_saliency = shown
        if self.saliency:
            self.last_saliency = shown.mask
        self.last_outputs = outputs
        self.last_inference_ms = ms
        self._total_ms += ms
        self._count += 1
        return float(outputs[0])

    def _forward(
        self, frame: np.ndarray, saliency: Callable[[np.ndarray], Any] | None = None
    ) -> tuple[np.ndarray, Any, float]:
        """(all outputs, the saliency result or None, milliseconds) for one checked frame."""
        t0 = time.perf_counter()
        shown = None
        if saliency is not None or self.saliency:
            shown = saliency(frame) if saliency is not None else self._saliency(frame)
            outputs = np.asarray(shown.outputs, np.float32).reshape(-1)
            if outputs.shape != (self.n_outputs,):
                raise ValueError(
                    f"saliency gave {outputs.shape[0]} outputs, the model has {self.n_outputs}"
                )
        elif self._tflite is not None:
            outputs = self._tflite(frame)
        else:
            outputs = self._infer(frame).numpy()
        return outputs, shown, (time.perf_counter() - t0) * 1000.0

    def visual_backprop(self, frame: np.ndarray) -> tuple[float, np.ndarray]:
        """(steering, saliency mask (H, W) in [0, 1]) from one tf.function call."""
        frame = self._check_frame(frame)
        self._settle()
        result = self._saliency(frame)
        return result.steering, result.mask

    def _saliency(self, frame: np.ndarray):
        if self._vbp is None:
            from agents.driving.saliency import VisualBackProp

            self._vbp = VisualBackProp(self.model, self.spec)
        return self._vbp(frame)

    def _check_frame(self, frame: np.ndarray | None) -> np.ndarray:
        expected = (self.spec.frame_height, self.spec.frame_width, 3)
        if frame is None or frame.shape != expected:
            got = None if frame is None else frame.shape
            raise ValueError(f"CnnDriver needs a dashcam frame of shape {expected}, got {got}")
        return np.asarray(frame, dtype=np.uint8)

    # --- Driver interface --------------------------------------------------------------------

    def reset(self, world) -> None:
        self._settle()
        self.last_saliency = self.step_saliency = None
        self.last_outputs = None
        self.frames = 0
        self.reset_timing()

    def steer(self, world, frame: np.ndarray | None) -> float:
        """Clipped model steering; a NaN or inf output is a DriverOutputError naming the model."""
        self.frames += 1
        value = check_command(self.predict(frame), f"model {self.label}", self.frames)
        return min(max(value, -1.0), 1.0)

    def pedals(self, world) -> tuple[float, float] | None:
        """(throttle, brake) towards the model's target speed for the frame `steer` just saw;
        None (cruise control) for a steering-only model or before the first step.

        The speed output times the card's speed_scale is the target in m/s, clipped to
        0..the car's top speed and to the speed at which the wheel the model holds uses
        MU_FRACTION of the grip (stability control: a bend taken a little too fast is slowed
        before the car runs wide; with it the racing default model's interventions on
        Norisring fell from 2 to 0). A NaN or inf speed is a DriverOutputError like steering's.
        """
        if self.n_outputs < 2 or self.last_outputs is None:
            return None
        raw = check_command(self.last_outputs[1], f"model {self.label}", self.frames, "speed")
        params = world.car.params
        held = float(self.last_outputs[0])  # the wheel as steer() asked for it
        target = min(max(raw * self.speed_scale, 0.0), params.max_speed, grip_speed(held, params))
        return pedals_for(world.car.state.speed, target, params)


def _reason(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0][:200] if text else type(e).__name__


register_driver("cnn", CnnDriver)
