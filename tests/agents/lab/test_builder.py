"""The parameterised PilotNet builder: the base recipe is the shipped PilotNet exactly."""

import pytest

from agents.driving.models import ConvNetRecipe, pilotnet, pilotnet_from
from agents.lab.measure import macs
from game.errors import UserFacingError


def shapes(model):
    return [(layer.name, tuple(layer.output.shape)) for layer in model.layers]


def test_the_base_recipe_gives_the_shipped_pilotnet():
    ours, theirs = pilotnet_from(ConvNetRecipe()), pilotnet()
    assert shapes(ours) == shapes(theirs)
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    assert ours.count_params() == theirs.count_params() == 252_219


def test_the_shipped_model_file_fits_the_recipe_its_card_names():
    """The shipped model is PilotNet at the build's width (the lab's `default_model` run),
    built by the same builder from the recipe its card records."""
    from agents.driving.build import BUILD_WIDTH
    from agents.driving.cnn_driver import default_model_path, load_driving_model
    from agents.driving.models import network_from_card, steering_part

    shipped, _, card = load_driving_model(default_model_path())
    recipe = network_from_card(card)
    assert recipe == ConvNetRecipe(width=BUILD_WIDTH)
    steering = steering_part(shipped)
    built = pilotnet_from(recipe)
    assert [tuple(w.shape) for w in built.weights] == [tuple(w.shape) for w in steering.weights]
    assert steering.get_layer("conv1").filters == 12 and built.count_params() == 96_617


def test_macs_count_the_conv_and_dense_layers():
    model = pilotnet()
    # conv1: 31x98 outputs x 24 filters x 5x5x3 taps, and so on (computed by hand).
    by_hand = (31 * 98 * 24 * 75 + 14 * 47 * 36 * 600 + 5 * 22 * 48 * 900
               + 3 * 20 * 64 * 432 + 1 * 18 * 64 * 576
               + 1152 * 100 + 100 * 50 + 50 * 10 + 10 * 1)  # fmt: skip
    assert macs(model) == by_hand


def test_knobs_change_the_network():
    pooled = pilotnet_from(ConvNetRecipe(downsample="pool", padding="same"))
    names = [layer.name for layer in pooled.layers]
    assert "pool1" in names and pooled.get_layer("conv1").strides == (1, 1)
    wide = pilotnet_from(ConvNetRecipe(width=0.5, batch_norm=True, dropout=0.2))
    assert wide.get_layer("conv1").filters == 12
    assert "bn1" in [layer.name for layer in wide.layers]
    assert "dropout1" in [layer.name for layer in wide.layers]
    shallow = pilotnet_from(ConvNetRecipe(conv_layers=3))
    assert "conv4" not in [layer.name for layer in shallow.layers]


def test_a_recipe_that_shrinks_the_image_away_is_a_clear_error():
    with pytest.raises(UserFacingError, match="conv6: a 3x3 kernel does not fit the 1x18"):
        pilotnet_from(ConvNetRecipe(conv_layers=6))


def test_a_driving_variant_is_a_train_config_with_its_network(tmp_path):
    from agents.lab.recipes import DrivingRecipe

    config = DrivingRecipe(dropout=0.25, epochs=2).train_config([tmp_path], tmp_path / "m.h5", 3)
    assert config.network == ConvNetRecipe(dropout=0.25)
    assert (config.arch, config.epochs, config.seed, config.initial_model) == (
        "pilotnet",
        2,
        3,
        None,
    )
    assert config.to_dict()["network"]["dropout"] == 0.25
    tune = DrivingRecipe(fine_tune=True).train_config([tmp_path], tmp_path / "m.h5", 0)
    assert tune.network is None and tune.initial_model is not None
    assert tune.learning_rate is None  # the fine-tune's own, small learning rate
