"""VisualBackProp (Bojarski et al. 2017): which pixels the steering CNN looks at.

From the paper's description: average each conv layer's (ReLU) feature maps over channels;
start at the deepest average, scale it up to the previous map's size with a deconvolution
whose kernel is all ones (same size and stride as the layer it inverts), multiply it
pointwise with that layer's average, and repeat down to the input. The result, normalised
to [0, 1], is the mask. Here it is computed in the same tf.function as the steering, then
mapped from the model's cropped, resized input back to the dashcam frame.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from agents.driving.preprocess import InputSpec, preprocess_tf

# Layers whose kernel moves across the image; everything else (ReLU, Dropout, Rescaling,
# BatchNorm) keeps the spatial layout, so the mask passes through it unchanged.
_SPATIAL = ("Conv2D", "MaxPooling2D", "AveragePooling2D")


class Saliency(NamedTuple):
    steering: float
    mask: np.ndarray  # (frame_height, frame_width) float32 in [0, 1]; 0 outside the crop
    first_maps: np.ndarray  # first conv layer's feature maps (h, w, channels), float32


def _spatial_layers(model: Any) -> list[Any]:
    """The conv and pooling layers up to the deepest conv layer, in forward order."""
    layers = [layer for layer in model.layers if type(layer).__name__ in _SPATIAL]
    convs = [i for i, layer in enumerate(layers) if type(layer).__name__ == "Conv2D"]
    if not convs:
        raise ValueError("VisualBackProp needs a model with Conv2D layers")
    return layers[: convs[-1] + 1]


def _window(layer: Any) -> tuple[tuple[int, int], tuple[int, int], str]:
    size = getattr(layer, "kernel_size", None) or layer.pool_size
    strides = layer.strides or size
    return tuple(size), tuple(strides), layer.padding.upper()


class VisualBackProp:
    """`vbp(frame)` -> Saliency(steering, mask, first_maps) for one uint8 dashcam frame."""

    def __init__(self, model: Any, spec: InputSpec) -> None:
        import keras
        import tensorflow as tf

        self.spec = spec
        self._layers = _spatial_layers(model)
        self._convs = [la for la in self._layers if type(la).__name__ == "Conv2D"]
        # One model that returns every conv output and the steering in one forward pass.
        self._features = keras.Model(
            model.inputs, [la.output for la in self._convs] + [model.outputs[0]]
        )
        # XLA fuses preprocessing's small ops; the convolutions stay on oneDNN (as CnnDriver).
        self._preprocess = tf.function(lambda f: preprocess_tf(f[None], spec), jit_compile=True)
        signature = [tf.TensorSpec((spec.frame_height, spec.frame_width, 3), tf.uint8)]
        self._fn = tf.function(self._compute, input_signature=signature)
        self._fn(np.zeros((spec.frame_height, spec.frame_width, 3), np.uint8))  # trace once

    def _compute(self, frame):
        import tensorflow as tf

        spec = self.spec
        x = tf.cast(self._preprocess(frame), tf.float32)
        *conv_outs, steering = self._features(x, training=False)
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
        return tf.reshape(steering, [-1])[0], tf.clip_by_value(full, 0.0, 1.0), conv_outs[0][0]

    def __call__(self, frame: np.ndarray) -> Saliency:
        steering, mask, first = self._fn(np.asarray(frame, dtype=np.uint8))
        return Saliency(float(steering), mask.numpy(), first.numpy())


def saliency_overlay(
    frame: np.ndarray,
    mask: np.ndarray,
    colour: tuple[int, int, int] = (40, 255, 80),
    strength: float = 0.75,
) -> np.ndarray:
    """Tint the dashcam frame where the mask is high; uint8 image of the frame's shape."""
    if mask.shape != frame.shape[:2]:
        raise ValueError(f"mask shape {mask.shape} does not match frame {frame.shape[:2]}")
    alpha = (strength * np.clip(mask, 0.0, 1.0))[..., None]
    out = frame.astype(np.float32) * (1.0 - alpha) + np.asarray(colour, np.float32) * alpha
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


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
