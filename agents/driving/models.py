"""The steering CNNs. Each function reads top to bottom like its paper's figure.

Every model takes uint8-valued pixels (as float32) of its InputSpec's shape and normalises
them itself with layers.Rescaling (no Lambda layers, so .h5 files load in safe mode), and
outputs one number: the steering command (-1..1, positive = right).

`ARCHITECTURE_NAMES` is the one list of architectures (the CLI's choices, the Train screen's
buttons, the model catalog): importing this module does not load Keras, each builder does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from agents.driving.preprocess import InputSpec, spec_for
from game.errors import UserFacingError

if TYPE_CHECKING:
    import keras


def _normalised_input(spec: InputSpec, name: str = "dashcam") -> tuple:
    import keras
    from keras import layers

    inputs = keras.Input(shape=spec.shape, name=name)
    # Pixels 0..255 -> -1..1 inside the model, so callers only crop and resize.
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0, name="normalise")(inputs)
    return inputs, x


def pilotnet(spec: InputSpec | None = None) -> keras.Model:
    """PilotNet (Bojarski et al. 2016, "End to End Learning for Self-Driving Cars")."""
    import keras
    from keras import layers

    spec = spec or spec_for("pilotnet")
    inputs, x = _normalised_input(spec)
    x = layers.Conv2D(24, 5, strides=2, activation="relu", name="conv1")(x)
    x = layers.Conv2D(36, 5, strides=2, activation="relu", name="conv2")(x)
    x = layers.Conv2D(48, 5, strides=2, activation="relu", name="conv3")(x)
    x = layers.Conv2D(64, 3, activation="relu", name="conv4")(x)
    x = layers.Conv2D(64, 3, activation="relu", name="conv5")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(100, activation="relu", name="fc1")(x)
    x = layers.Dense(50, activation="relu", name="fc2")(x)
    x = layers.Dense(10, activation="relu", name="fc3")(x)
    steering = layers.Dense(1, name="steering")(x)
    return keras.Model(inputs, steering, name="pilotnet")


def _donkey(spec: InputSpec, pool_after: tuple[bool, bool, bool], dropout: float, name: str):
    """wroscoe's donkey-car lane-following autopilot, as the reference chapter builds it."""
    import keras
    from keras import layers

    inputs, x = _normalised_input(spec)
    for i, (filters, pool) in enumerate(zip((8, 16, 32), pool_after, strict=True), start=1):
        x = layers.Conv2D(filters, 3, name=f"conv{i}")(x)
        x = layers.Activation("relu", name=f"relu{i}")(x)
        if pool:
            x = layers.MaxPooling2D(pool_size=2, name=f"pool{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(256, activation="linear", name="fc1")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    steering = layers.Dense(1, name="steering")(x)
    return keras.Model(inputs, steering, name=name)


def pooled(spec: InputSpec | None = None) -> keras.Model:
    """The chapter's first model: 2x2 max-pooling after every conv layer, Dropout 0.2."""
    return _donkey(spec or spec_for("pooled"), (True, True, True), 0.2, "pooled")


def nopool(spec: InputSpec | None = None) -> keras.Model:
    """The chapter's second experiment: pooling only after the first conv, Dropout 0.5."""
    return _donkey(spec or spec_for("nopool"), (True, False, False), 0.5, "nopool")


ARCHITECTURES: dict[str, Callable[..., keras.Model]] = {
    "pilotnet": pilotnet,
    "pooled": pooled,
    "nopool": nopool,
}
ARCHITECTURE_NAMES: tuple[str, ...] = tuple(ARCHITECTURES)
DEFAULT_ARCHITECTURE = "pilotnet"


def compile_model(model: keras.Model, learning_rate=1e-3) -> keras.Model:
    """Adam (learning_rate: a float or a keras LearningRateSchedule) on mean squared error."""
    import keras

    # Full-name loss object: a "mse" string saves to .h5 but fails to load in Keras 3.
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=keras.losses.MeanSquaredError(),
    )
    return model


def build_model(arch: str, spec: InputSpec | None = None, learning_rate=1e-3) -> keras.Model:
    """A compiled model of architecture `arch` with its default (or the given) input spec."""
    if arch not in ARCHITECTURES:
        choices = ", ".join(ARCHITECTURES)
        raise UserFacingError(f"unknown architecture {arch!r} (choose {choices})")
    return compile_model(ARCHITECTURES[arch](spec or spec_for(arch)), learning_rate)
