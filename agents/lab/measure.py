"""Model size from layer shapes: parameters, and multiply-accumulates (MACs) per forward pass.

MACs count the layers that dominate a CNN's or LSTM's cost: a Conv2D output value costs
kernel_h * kernel_w * in_channels, a Dense output in_features, an LSTM step 4 * units *
(inputs + units). Activations, pooling, batch norm and rescaling are left out (they are a
few per cent at most).
"""

from __future__ import annotations

from typing import Any


def _dims(shape: Any) -> list[int]:
    return [int(d) for d in tuple(shape)[1:] if d is not None]


def macs(model: Any) -> int:
    """Multiply-accumulates of one forward pass of one example (batch 1) through `model`."""
    total = 0
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Conv2D":
            out = _dims(layer.output.shape)  # h, w, c
            kh, kw = layer.kernel_size
            cin = int(layer.input.shape[-1])
            total += out[0] * out[1] * out[2] * kh * kw * cin
        elif kind == "Dense":
            inputs = _dims(layer.input.shape)
            steps = 1
            for d in inputs[:-1]:  # a Dense on a sequence runs once per step
                steps *= d
            total += steps * inputs[-1] * layer.units
        elif kind == "LSTM":
            inputs = _dims(layer.input.shape)
            steps = inputs[0] if len(inputs) == 2 else 1
            total += steps * 4 * layer.units * (inputs[-1] + layer.units)
    return int(total)


def params(model: Any) -> int:
    return int(model.count_params())
