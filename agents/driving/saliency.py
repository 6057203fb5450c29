"""VisualBackProp (Bojarski et al. 2017): which pixels the steering CNN looks at.

From the paper's description: average each conv layer's (ReLU) feature maps over channels;
start at the deepest average, scale it up to the previous map's size with a deconvolution
whose kernel is all ones (same size and stride as the layer it inverts), multiply it
pointwise with that layer's average, and repeat down to the input. The result, normalised
to [0, 1], is the mask. Here it is computed in the same tf.function as the steering, then
mapped from the model's cropped, resized input back to the dashcam frame.
"""

from __future__ import annotations

import logging
import os
from typing import Any, NamedTuple

import numpy as np

from agents.driving.preprocess import InputSpec, preprocess_frame, preprocess_tf

log = logging.getLogger(__name__)

# Layers whose kernel moves across the image; everything else (ReLU, Dropout, Rescaling,
# BatchNorm) keeps the spatial layout, so the mask passes through it unchanged.
_SPATIAL = ("Conv2D", "MaxPooling2D", "AveragePooling2D")


class Saliency(NamedTuple):
    steering: float
    mask: np.ndarray  # (frame_height, frame_width) float32 in [0, 1]; 0 outside the crop
    first_maps: np.ndarray  # first conv layer's feature maps (h, w, channels), float32
    outputs: np.ndarray  # every model output (steering, and speed for a two-output model)


def _spatial_layers(model: Any) -> list[Any]:
    """The conv and pooling layers up to the deepest conv layer, in forward order."""
    # The steering network's layers: a speed branch's own convolutions (speed_far*) are
    # another path through the model, not part of the chain VisualBackProp walks back.
    layers = [
        layer
        for layer in model.layers
        if type(layer).__name__ in _SPATIAL and not layer.name.startswith("speed")
    ]
    convs = [i for i, layer in enumerate(layers) if type(layer).__name__ == "Conv2D"]
    if not convs:
        raise ValueError("VisualBackProp needs a model with Conv2D layers")
    return layers[: convs[-1] + 1]


def _window(layer: Any) -> tuple[tuple[int, int], tuple[int, int], str]:
    size = getattr(layer, "kernel_size", None) or layer.pool_size
    strides = layer.strides or size
    return tuple(size), tuple(strides), layer.padding.upper()


VBP_BACKENDS = ("keras", "tflite")


class VisualBackProp:
    """`vbp(frame)` -> Saliency(steering, mask, first_maps, outputs) for one uint8 frame.

    `backend="keras"` (the default) runs the Keras model in a tf.function. `"tflite"` converts
    the same computation (preprocessing, forward pass with every conv output, the mask) to
    one TFLite graph: ~1.8x less CPU per call, which matters when it runs on the screen's
    thread. Its conversion is cached like CnnDriver's when `model_path` names the model's file
    (the model must be that file's, unchanged). When it cannot be built, the Keras backend
    runs and `backend_note` says why. Building takes a second or more: do it in a worker.
    """

    def __init__(
        self,
        model: Any,
        spec: InputSpec,
        backend: str = "keras",
        model_path: str | os.PathLike[str] | None = None,
    ) -> None:
        import keras

        if backend not in VBP_BACKENDS:
            raise ValueError(f"backend must be one of {VBP_BACKENDS}, not {backend!r}")
        self.spec = spec
        self._layers = _spatial_layers(model)
        self._convs = [la for la in self._layers if type(la).__name__ == "Conv2D"]
        # One model that returns every conv output and the commands in one forward pass.
        self._features = keras.Model(
            model.inputs, [la.output for la in self._convs] + [model.outputs[0]]
        )
        self.backend = backend
        self.backend_note: str | None = None
        self._interp = None
        if backend == "tflite":
            try:
                self._build_tflite(model, model_path)
                return
            except Exception as e:  # noqa: BLE001 - the Keras backend still works
                text = str(e).strip()
                reason = text.splitlines()[0][:200] if text else type(e).__name__
                self.backend = "keras"
                self.backend_note = f"TFLite saliency unavailable ({reason}); using Keras"
                log.warning(self.backend_note)
        self._build_keras()

    def _build_keras(self) -> None:
        import tensorflow as tf

        spec = self.spec
        # XLA fuses preprocessing's small ops; the convolutions stay on oneDNN (as CnnDriver).
        self._preprocess = tf.function(lambda f: preprocess_tf(f[None], spec), jit_compile=True)
        signature = [tf.TensorSpec((spec.frame_height, spec.frame_width, 3), tf.uint8)]
        self._fn = tf.function(self._compute, input_signature=signature)
        self._fn(np.zeros((spec.frame_height, spec.frame_width, 3), np.uint8))  # trace once

    def _build_tflite(self, model: Any, model_path: str | os.PathLike[str] | None) -> None:
        from agents.driving import tflite_runner as tfl

        def convert() -> bytes:
            return tfl.convert_function(self._compute_road, tfl.road_signature(self.spec), model)

        if model_path is not None:
            content, _ = tfl.cached_conversion(
                model_path, model, self.spec, kind="vbp", convert=convert
            )
        else:
            content = convert()
        interp = tfl.make_interpreter(content)
        (inp,) = interp.get_input_details()
        # The three outputs, told apart by rank: commands (n,), mask (H, W), maps (h, w, c).
        by_rank = {len(o["shape"]): o["index"] for o in interp.get_output_details()}
        if sorted(by_rank) != [1, 2, 3]:
            raise tfl.TfliteError(f"unexpected outputs {sorted(by_rank)}")
        self._interp, self._in, self._outs = interp, inp["index"], by_rank
        # Check it against the Keras forward pass on a probe frame.
        shape = (self.spec.frame_height, self.spec.frame_width, 3)
        probe = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
        got = self(probe)
        x = preprocess_frame(probe, self.spec).astype(np.float32)
        want = np.asarray(model(x, training=False)).reshape(-1)
        if got.outputs.shape != want.shape or not np.allclose(
            got.outputs, want, atol=1e-4, equal_nan=True
        ):
            raise tfl.TfliteError(f"converted outputs {got.outputs} differ from Keras {want}")

    def _mask(self, conv_outs):
        """The VisualBackProp mask (frame_height, frame_width) from the conv layers' outputs."""
        import tensorflow as tf

        spec = self.spec
        averages = {}
        for layer, out in zip(self._convs, conv_outs, strict=True):
            if layer.get_config().get("activation", "linear") == "linear":
                out = tf.nn.relu(out)  # a separate ReLU layer follows: average what it outputs
            avg = tf.reduce_mean(out, axis=-1, keepdims=True)
            # Scale each average to [0, 1] so the product of many layers cannot underflow.
            averages[id(layer)] = avg / (tf.reduce_max(avg) + 1e-8)

        mask = None
        for layer in reversed(self._layers):
            if id(layer) in averages:
                mask = averages[id(layer)] if mask is None else mask * averages[id(layer)]
            size, strides, padding = _window(layer)
            in_h, in_w = (int(d) for d in layer.input.shape[1:3])
            ones = tf.ones((*size, 1, 1), tf.float32)
            mask = tf.nn.conv2d_transpose(mask, ones, [1, in_h, in_w, 1], strides, padding)

        # Back to dashcam coordinates: stretch over the crop, zeros above and below it.
        crop = tf.image.resize(mask, (spec.crop_rows, spec.frame_width), method="bilinear")
        crop = crop[0, :, :, 0] - tf.reduce_min(crop)
        crop = crop / (tf.reduce_max(crop) + 1e-8)
        full = tf.pad(crop, [[spec.crop_top, spec.crop_bottom], [0, 0]])
        return tf.clip_by_value(full, 0.0, 1.0)

    def _compute(self, frame):
        import tensorflow as tf

        x = tf.cast(self._preprocess(frame), tf.float32)
        *conv_outs, commands = self._features(x, training=False)
        return tf.reshape(commands, [-1]), self._mask(conv_outs), conv_outs[0][0]

    def _compute_road(self, road):
        """The same from a frame's road rows (float32), with TFLite-friendly preprocessing."""
        import tensorflow as tf

        from agents.driving.tflite_runner import preprocess_graph

        *conv_outs, commands = self._features(preprocess_graph(road, self.spec), training=False)
        return tf.reshape(commands, [-1]), self._mask(conv_outs), conv_outs[0][0]

    def __call__(self, frame: np.ndarray) -> Saliency:
        if self._interp is not None:
            from agents.driving.tflite_runner import write_road

            write_road(self._interp, self._in, frame, self.spec)
            self._interp.invoke()
            outputs, mask, first = (self._interp.get_tensor(self._outs[r]) for r in (1, 2, 3))
        else:
            outputs, mask, first = (t.numpy() for t in self._fn(np.asarray(frame, dtype=np.uint8)))
        return Saliency(float(outputs[0]), mask, first, outputs)


def saliency_overlay(
    frame: np.ndarray,
    mask: np.ndarray,
    colour: tuple[int, int, int] = (40, 255, 80),
    strength: float = 0.75,
) -> np.ndarray:
    """Tint the dashcam frame where the mask is high; uint8 image of the frame's shape.

    Drawn every frame while the overlay is on, so it blends in 8.8 fixed point, one colour
    channel at a time: ~4x faster than float32 and a (H, W, 1) alpha broadcast over 3
    channels (numpy's innermost loop would be 3 long). Within one level of the float blend.
    """
    if mask.shape != frame.shape[:2]:
        raise ValueError(f"mask shape {mask.shape} does not match frame {frame.shape[:2]}")
    alpha = np.clip(mask, 0.0, 1.0).astype(np.float32)
    alpha *= np.float32(min(max(strength, 0.0), 1.0) * 256.0)
    alpha += np.float32(0.5)
    a = alpha.astype(np.uint16)  # 0..256 * strength
    keep = np.uint16(256) - a
    out = np.empty(frame.shape, np.uint8)
    for c in range(frame.shape[2]):
        channel = frame[..., c] * keep  # uint16: at most 255 * 256
        channel += a * np.uint16(colour[c]) + np.uint16(128)  # + 128: round, not truncate
        channel >>= 8
        out[..., c] = channel
    return out


def saliency_tint(
    mask: np.ndarray,
    colour: tuple[int, int, int] = (40, 255, 80),
    strength: float = 0.75,
) -> np.ndarray:
    """The overlay as an RGBA layer (H, W, 4) uint8: `colour` everywhere, alpha = mask x
    strength. Blitting it onto the frame (pygame's per-pixel alpha blend, in C) gives
    `saliency_overlay`'s image within a level or two; made once per mask, on the helper
    thread that computes the mask, so drawing it costs the screen one blit."""
    alpha = np.clip(mask, 0.0, 1.0).astype(np.float32)
    alpha *= np.float32(min(max(strength, 0.0), 1.0) * 255.0)
    alpha += np.float32(0.5)
    out = np.empty((*mask.shape, 4), np.uint8)
    out[..., :3] = colour
    out[..., 3] = alpha.astype(np.uint8)
    return out


def feature_grid(maps: np.ndarray, columns: int = 6, gap: int = 2) -> np.ndarray:
    """Feature maps (h, w, C) as a grey uint8 grid image (rows*h, columns*w, 3), each map
    scaled to its own range so quiet channels stay visible."""
    h, w, channels = maps.shape
    rows = -(-channels // columns)
    grid = np.zeros((rows * (h + gap) - gap, columns * (w + gap) - gap), np.float32)
    for c in range(channels):
        m = maps[..., c]
        span = float(m.max() - m.min())
        tile = (m - m.min()) / span if span > 0 else np.zeros_like(m)
        r, q = divmod(c, columns)
        grid[r * (h + gap) : r * (h + gap) + h, q * (w + gap) : q * (w + gap) + w] = tile
    grey = (grid * 255.0 + 0.5).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=-1)
