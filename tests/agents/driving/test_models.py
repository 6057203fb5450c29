"""The steering CNNs: input/output shapes, parameter counts, no Lambda layers."""

from __future__ import annotations

import numpy as np
import pytest

from agents.driving.models import ARCHITECTURES, build_model, nopool, pilotnet, pooled
from agents.driving.preprocess import spec_for
from game.errors import UserFacingError


@pytest.mark.parametrize(
    ("arch", "shape", "params"),
    [
        ("pilotnet", (66, 200, 3), 252_219),
        # 8-16-32 conv 3x3, 2x2 pooling after each, Dense 256, Dense 1 (the reference chapter)
        ("pooled", (120, 160, 3), 1_923_473),
        # pooling only after the first conv: a far bigger flatten, hence ~34M weights
        ("nopool", (120, 160, 3), 33_798_545),
    ],
)
def test_shapes_and_parameter_counts(arch, shape, params):
    model = ARCHITECTURES[arch]()
    assert model.input_shape == (None, *shape)
    assert model.output_shape == (None, 1)
    assert model.count_params() == params
    assert spec_for(arch).shape == shape


def test_pilotnet_layers_follow_the_paper():
    model = pilotnet()
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert [c.filters for c in convs] == [24, 36, 48, 64, 64]
    assert [c.kernel_size for c in convs] == [(5, 5)] * 3 + [(3, 3)] * 2
    assert [c.strides for c in convs] == [(2, 2)] * 3 + [(1, 1)] * 2
    dense = [layer.units for layer in model.layers if type(layer).__name__ == "Dense"]
    assert dense == [100, 50, 10, 1]


def test_pooling_and_dropout_differ_between_donkey_variants():
    def summary(model):
        names = [type(layer).__name__ for layer in model.layers]
        drop = next(layer.rate for layer in model.layers if type(layer).__name__ == "Dropout")
        return names.count("MaxPooling2D"), drop

    assert summary(pooled()) == (3, 0.2)
    assert summary(nopool()) == (1, 0.5)


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_normalisation_is_inside_the_model_and_no_lambda(arch):
    model = ARCHITECTURES[arch]()
    kinds = [type(layer).__name__ for layer in model.layers]
    assert "Lambda" not in kinds
    assert kinds[1] == "Rescaling"
    # Rescaling maps pixel 0 -> -1 and 255 -> +1.
    rescale = model.layers[1]
    out = rescale(np.array([[0.0, 127.5, 255.0]], dtype=np.float32)).numpy()
    assert np.allclose(out, [[-1.0, 0.0, 1.0]])


def test_build_model_compiles_with_a_full_name_loss():
    import keras

    model = build_model("pilotnet")
    assert isinstance(model.loss, keras.losses.MeanSquaredError)
    with pytest.raises(UserFacingError, match="unknown architecture"):
        build_model("resnet")
