"""The steering CNNs. Each function reads top to bottom like its paper's figure.

Every model takes uint8-valued pixels (as float32) of its InputSpec's shape and normalises
them itself with layers.Rescaling (no Lambda layers, so .h5 files load in safe mode), and
outputs one number: the steering command (-1..1, positive = right).

A speed-aware model (`with_speed_head`) outputs two numbers in one (N, 2) tensor: steering,
and the speed the driver wants for the road ahead divided by SPEED_SCALE. A single frame
cannot show how fast the car goes, so the model learns the speed the road calls for and the
car's speed controller turns it into throttle and brake (agents.driving.racing.pedals_for).

`ARCHITECTURE_NAMES` is the one list of architectures (the CLI's choices, the Train screen's
buttons, the model catalog): importing this module does not load Keras, each builder does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class ConvNetRecipe:
    """The knobs of a PilotNet-shaped network (the model lab varies them); the defaults give
    the shipped PilotNet exactly. Per conv layer: filters, kernel size and stride; with
    `conv_layers` fewer than listed the first ones are kept, with more, 3x3 stride-1 layers
    of the last width are added. downsample "pool": each strided conv becomes a stride-1 conv
    and a max-pool of that size. `width` scales every conv layer's filters."""

    filters: tuple[int, ...] = (24, 36, 48, 64, 64)
    kernel_sizes: tuple[int, ...] = (5, 5, 5, 3, 3)
    strides: tuple[int, ...] = (2, 2, 2, 1, 1)
    conv_layers: int = 5
    padding: str = "valid"  # or "same"
    downsample: str = "stride"  # or "pool"
    batch_norm: bool = False
    dropout: float = 0.0  # before each hidden dense layer (0: no Dropout layers)
    width: float = 1.0
    dense: tuple[int, ...] = (100, 50, 10)

    def layers(self) -> list[tuple[int, int, int]]:
        """(filters, kernel, stride) per conv layer after conv_layers and width."""
        rows = list(zip(self.filters, self.kernel_sizes, self.strides, strict=False))
        rows = rows[: self.conv_layers]
        while len(rows) < self.conv_layers:
            rows.append((rows[-1][0] if rows else 64, 3, 1))
        return [(max(1, round(f * self.width)), k, s) for f, k, s in rows]


def network_from_card(card: dict, where: str = "model card") -> ConvNetRecipe | None:
    """The ConvNetRecipe a model card names under "network" (a lab variant, or a default
    model built narrower than PilotNet); None when it names none (the architecture's own).
    A value that is not a recipe raises UserFacingError naming `where`."""
    from dataclasses import fields

    raw = card.get("network")
    if raw is None:
        return None
    known = {f.name for f in fields(ConvNetRecipe)}
    if not isinstance(raw, dict):
        raise UserFacingError(f'{where}: "network" must be a JSON object of {", ".join(known)}')
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items() if k in known}
    for key in ("width", "dropout"):  # a string here fails deep inside round() otherwise
        value = values.get(key, 0.0)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UserFacingError(f'{where}: "network.{key}" must be a number, not {value!r:.40}')
    try:
        recipe = ConvNetRecipe(**values)
        recipe.layers()  # wrong types fail here, not in Keras
    except (TypeError, ValueError) as e:
        raise UserFacingError(f'{where}: bad "network" ({e})') from e
    return recipe


def pilotnet_from(recipe: ConvNetRecipe, spec: InputSpec | None = None) -> keras.Model:
    """A PilotNet-shaped model built from `recipe` (ConvNetRecipe() is `pilotnet()`'s model:
    same layers, names and shapes). A recipe whose feature map shrinks to nothing raises
    UserFacingError naming the layer."""
    import keras
    from keras import layers

    if recipe.padding not in ("valid", "same"):
        raise UserFacingError(f"padding must be valid or same, got {recipe.padding!r}")
    if recipe.downsample not in ("stride", "pool"):
        raise UserFacingError(f"downsample must be stride or pool, got {recipe.downsample!r}")
    spec = spec or spec_for("pilotnet")
    inputs, x = _normalised_input(spec)
    for i, (filters, kernel, stride) in enumerate(recipe.layers(), start=1):
        pool = recipe.downsample == "pool" and stride > 1
        conv_stride = 1 if pool else stride
        activation = None if recipe.batch_norm else "relu"
        h, w = int(x.shape[1]), int(x.shape[2])
        if recipe.padding == "valid" and (h < kernel or w < kernel):
            raise UserFacingError(
                f"conv{i}: a {kernel}x{kernel} kernel does not fit the {h}x{w} feature map "
                '(fewer layers, smaller kernels or padding = "same")'
            )
        x = layers.Conv2D(
            filters, kernel, strides=conv_stride, padding=recipe.padding,
            activation=activation, name=f"conv{i}",
        )(x)  # fmt: skip
        if recipe.batch_norm:
            x = layers.BatchNormalization(name=f"bn{i}")(x)
            x = layers.Activation("relu", name=f"relu{i}")(x)
        if pool:
            if min(int(x.shape[1]), int(x.shape[2])) < stride:
                raise UserFacingError(f"pool{i}: the feature map is smaller than the pool")
            x = layers.MaxPooling2D(pool_size=stride, name=f"pool{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    for j, units in enumerate(recipe.dense, start=1):
        if recipe.dropout > 0:
            x = layers.Dropout(recipe.dropout, name=f"dropout{j}")(x)
        x = layers.Dense(units, activation="relu", name=f"fc{j}")(x)
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


SPEED_SCALE = 30.0  # m/s: the speed output is speed / SPEED_SCALE (about 0..1)
# The speed column's share of the loss. Speed errors (~0.05 of scale) dwarf steering errors
# (~0.02 of lock); unweighted they would steer the shared layers away from lane keeping.
SPEED_LOSS_WEIGHT = 0.1


def output_count(model: keras.Model) -> int:
    """1 for a steering model, 2 for a steering + speed model."""
    shape = tuple(model.outputs[0].shape[1:])
    return int(shape[0]) if shape else 1


# Rows at the top of the model input that the speed branch also reads with its own small
# convolutions: the far road, ~35-80 m ahead, where a bend's kerbs first show. PilotNet's
# features serve steering and barely carry that strip; with it, the racing default model's
# interventions on Hairpin / Norisring / Spielberg fell from 4 / 8 / 6 to 0 / 2 / 0
# (bench/race_pace.py). 0 gives the plain branch older models have.
SPEED_FAR_ROWS = 10


def with_speed_head(model: keras.Model, far_rows: int = SPEED_FAR_ROWS) -> keras.Model:
    """The same network (shared layers and weights) with a speed branch beside the steering
    output: one (N, 2) output [steering, speed / SPEED_SCALE]. The branch reads the `flatten`
    features and, with `far_rows`, its own convolutions of that many top rows of the input."""
    import keras
    from keras import layers

    if output_count(model) == 2:
        return model
    features = model.get_layer("flatten").output
    if far_rows:
        image = model.get_layer("normalise").output
        cut = int(image.shape[1]) - far_rows
        crop = layers.Cropping2D(((0, cut), (0, 0)), name="speed_farcrop")(image)
        features = layers.Concatenate(name="speed_join")([features, far_road_features(crop)])
    x = layers.Dense(50, activation="relu", name="speed_fc1")(features)
    x = layers.Dense(10, activation="relu", name="speed_fc2")(x)
    speed = layers.Dense(1, name="speed")(x)
    commands = layers.Concatenate(name="commands")([model.outputs[0], speed])
    return keras.Model(model.inputs[0], commands, name=model.name)  # one tensor, not a list


def far_road_features(crop):
    """The speed branch's view of the far road: two strided convolutions, pooled across."""
    from keras import layers

    x = layers.Conv2D(16, (3, 5), strides=(1, 2), activation="relu", name="speed_far1")(crop)
    x = layers.Conv2D(24, (3, 3), strides=(1, 2), activation="relu", name="speed_far2")(x)
    x = layers.MaxPooling2D((1, 4), name="speed_farpool")(x)
    return layers.Flatten(name="speed_farflat")(x)


def speed_far_rows(model: keras.Model) -> int:
    """How many top input rows the model's speed branch reads itself (0: none, or no branch)."""
    names = {layer.name for layer in model.layers}
    if "speed_farcrop" not in names:
        return 0
    cut = model.get_layer("speed_farcrop").cropping[0][1]
    return int(model.inputs[0].shape[1]) - int(cut)


def steering_part(model: keras.Model) -> keras.Model:
    """The steering network of a model with or without a speed branch (shared weights)."""
    import keras

    if output_count(model) == 1:
        return model
    return keras.Model(model.inputs[0], model.get_layer("steering").output, name=model.name)


def command_loss(speed_weight: float = SPEED_LOSS_WEIGHT):
    """Mean squared error; with two outputs the speed column counts `speed_weight` times, and
    a NaN speed label (a frame of data without speed, e.g. an imported Donkey tub) adds none."""
    import keras
    from keras import ops

    mse = keras.losses.MeanSquaredError()

    def loss(y_true, y_pred):
        if y_pred.shape[-1] != 2:
            return mse(y_true, y_pred)
        y_true = ops.where(ops.isnan(y_true), y_pred, y_true)  # no label: no error, no gradient
        column_weight = ops.convert_to_tensor([1.0, speed_weight], dtype=y_pred.dtype)
        return ops.mean(ops.square(y_true - y_pred) * column_weight, axis=-1)

    return loss


def compile_model(model: keras.Model, learning_rate=1e-3) -> keras.Model:
    """Adam (learning_rate: a float or a keras LearningRateSchedule) on mean squared error."""
    import keras

    # Full-name loss object: a "mse" string saves to .h5 but fails to load in Keras 3.
    loss = keras.losses.MeanSquaredError() if output_count(model) == 1 else command_loss()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss=loss)
    return model


def build_model(
    arch: str,
    spec: InputSpec | None = None,
    learning_rate=1e-3,
    speed: bool = False,
    far_rows: int = SPEED_FAR_ROWS,
) -> keras.Model:
    """A compiled model of architecture `arch` with its default (or the given) input spec;
    `speed` adds the speed output (`with_speed_head(model, far_rows)`)."""
    if arch not in ARCHITECTURES:
        choices = ", ".join(ARCHITECTURES)
        raise UserFacingError(f"unknown architecture {arch!r} (choose {choices})")
    model = ARCHITECTURES[arch](spec or spec_for(arch))
    return compile_model(with_speed_head(model, far_rows) if speed else model, learning_rate)
