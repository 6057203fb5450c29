"""The CNN driver: a saved Keras model steers from the dashcam's pixels.

The model card beside the `.h5` says how a frame becomes the model's input (crop, size,
colour), so any saved model drives correctly with no extra flags. Per-step inference runs
one `tf.function` with a fixed input signature that does the preprocessing and the forward
pass together: `model.predict` per frame is ~50x slower and eager `model(x)` ~8x slower.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from agents.driving.drivers import Driver, check_command, register_driver
from agents.driving.preprocess import InputSpec, preprocess_tf, spec_from_card
from agents.modelio import ModelFileError, card_path, load_model_checked, read_card
from game.errors import UserFacingError
from game.paths import shipped_models_dir

DEFAULT_MODEL_NAME = "pilotnet.h5"


def default_model_path() -> Path:
    """The shipped default model (committed under models/)."""
    return shipped_models_dir() / DEFAULT_MODEL_NAME


def check_image_model(model: Any, where: str) -> None:
    """Raise ModelFileError unless the model takes one (N, h, w, 3) image and gives one number.

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
    if out_shape not in ((1,), ()):
        raise ModelFileError(f"{where}: model output shape {out_shape} is not one steering value")


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
    """A tf.function: one uint8 dashcam frame (H, W, 3) -> scalar steering (float32 tensor).

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
        return tf.reshape(model(x, training=False), [-1])[0]

    return infer


class CnnDriver(Driver):
    """Steers from the dashcam frame with a Keras model (PilotNet or any saved variant).

    Build it from a file (`CnnDriver(path)`) or from a model in memory
    (`CnnDriver(model=m, spec=s)`, e.g. right after training). Call `rebuild()` after the
    model's weights change so the compiled function picks them up.
    Set `saliency = True` to also compute a VisualBackProp mask each step (`last_saliency`,
    in dashcam coordinates); steering then comes from the same tf.function.
    """

    name = "cnn"
    needs_camera = True

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        *,
        model: Any = None,
        spec: InputSpec | None = None,
        saliency: bool = False,
    ) -> None:
        if model is None:
            self.model_path: Path | None = Path(model_path or default_model_path())
            self.model, self.spec, self.card = load_driving_model(self.model_path)
        else:
            if spec is None:
                raise ValueError("CnnDriver(model=...) also needs its input spec")
            self.model_path = Path(model_path) if model_path else None
            self.model, self.spec, self.card = model, spec, {}
            check_model_matches_spec(model, spec, str(self.model_path or "model"))
        self.name = f"cnn:{self.model_path.stem}" if self.model_path else "cnn"
        self.saliency = saliency
        self.last_saliency: np.ndarray | None = None
        self.last_inference_ms: float | None = None
        self._vbp = None
        self.frames = 0  # frames steered since reset(), for error messages
        if self.model_path is None:
            self.rebuild()
            return
        try:
            self.rebuild()
        except Exception as e:  # noqa: BLE001 - a loaded file that cannot run is a file problem
            reason = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
            raise ModelFileError(f"{self.model_path}: cannot run model ({reason})") from e

    @property
    def label(self) -> str:
        """The model's name for messages: its file, or "model" for one made in memory."""
        return str(self.model_path) if self.model_path else "model"

    # --- inference -------------------------------------------------------------------------

    def rebuild(self) -> None:
        """(Re)compile the inference function for the current weights and warm it up."""
        self._vbp = None
        blank = np.zeros((self.spec.frame_height, self.spec.frame_width, 3), np.uint8)
        try:
            self._infer = make_inference_fn(self.model, self.spec)
            self._infer(blank)  # trace and compile now, so the first driving step is not slow
        except Exception:  # e.g. a TF build without XLA: the plain graph still works
            self._infer = make_inference_fn(self.model, self.spec, xla_preprocess=False)
            self._infer(blank)
        self.reset_timing()

    def reset_timing(self) -> None:
        self._total_ms = 0.0
        self._count = 0
        self.last_inference_ms = None

    @property
    def mean_inference_ms(self) -> float | None:  # type: ignore[override]
        return self._total_ms / self._count if self._count else None

    def predict(self, frame: np.ndarray) -> float:
        """Raw model steering for one (H, W, 3) uint8 frame (not clipped); timed."""
        frame = self._check_frame(frame)
        t0 = time.perf_counter()
        if self.saliency:
            steering, mask = self.visual_backprop(frame)
            self.last_saliency = mask
        else:
            steering = float(self._infer(frame))
        ms = (time.perf_counter() - t0) * 1000.0
        self.last_inference_ms = ms
        self._total_ms += ms
        self._count += 1
        return steering

    def visual_backprop(self, frame: np.ndarray) -> tuple[float, np.ndarray]:
        """(steering, saliency mask (H, W) in [0, 1]) from one tf.function call."""
        if self._vbp is None:
            from agents.driving.saliency import VisualBackProp

            self._vbp = VisualBackProp(self.model, self.spec)
        result = self._vbp(self._check_frame(frame))
        return result.steering, result.mask

    def _check_frame(self, frame: np.ndarray | None) -> np.ndarray:
        expected = (self.spec.frame_height, self.spec.frame_width, 3)
        if frame is None or frame.shape != expected:
            got = None if frame is None else frame.shape
            raise ValueError(f"CnnDriver needs a dashcam frame of shape {expected}, got {got}")
        return np.asarray(frame, dtype=np.uint8)

    # --- Driver interface --------------------------------------------------------------------

    def reset(self, world) -> None:
        self.last_saliency = None
        self.frames = 0
        self.reset_timing()

    def steer(self, world, frame: np.ndarray | None) -> float:
        """Clipped model steering; a NaN or inf output is a DriverOutputError naming the model."""
        self.frames += 1
        value = check_command(self.predict(frame), f"model {self.label}", self.frames)
        return min(max(value, -1.0), 1.0)


register_driver("cnn", CnnDriver)
