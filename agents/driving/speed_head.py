"""The racing default model's speed stage: train only the speed branch, fast.

The steering network stays frozen, so its features of every frame never change during this
stage: they (PilotNet's `flatten` vector and the far-road rows the branch convolves) are
computed once, and the small branch trains on them in memory, ~50x less work per epoch than
running the whole network over the images each batch. Early stopping keeps the best epoch.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agents.training import ProgressFn, report_data
from game.errors import UserFacingError

PATIENCE = 8  # epochs without a better validation loss
# Halve the step after 3 epochs without a better validation loss: the branch's validation
# loss varied 0.0053-0.0074 between seeds with a fixed step, and the laps it drove with it.
PLATEAU_PATIENCE = 3
# Starts from different seeds, the lowest validation loss kept: with one start the branch's
# validation loss varied 0.0058-0.0071 between seeds, and Kidney's lap 1.07-1.11x the expert's.
# Two starts (not three) keep `build-models` within its time.
RESTARTS = 2
BATCH = 64
FEATURE_BATCH = 512  # frames per forward pass when the features are computed


@dataclass
class SpeedHeadResult:
    model_path: Path
    best_val_loss: float  # the loss (pinball or squared error) of speed / SPEED_SCALE
    epochs_run: int
    seconds: float  # training, after the features were computed
    feature_seconds: float
    restarts: list[float]  # each start's best validation loss; the lowest is kept
    quantile: float | None = None  # the quantile the branch learned (None: the mean)


def pinball_loss(quantile: float):
    """The loss whose minimum is the `quantile` of the label given the input."""
    import keras

    def loss(y_true, y_pred):
        error = y_true - y_pred
        return keras.ops.mean(keras.ops.maximum(quantile * error, (quantile - 1.0) * error), -1)

    return loss


def _head_on(full, feature_dim: int, crop_shape: tuple[int, ...]):
    """A two-input model (features, far rows) made of `full`'s own speed layers: training it
    trains them in `full`."""
    import keras

    feats, crop = keras.Input((feature_dim,)), keras.Input(crop_shape)
    x = crop
    for name in ("speed_far1", "speed_far2", "speed_farpool", "speed_farflat"):
        x = full.get_layer(name)(x)
    x = full.get_layer("speed_join")([feats, x])
    for name in ("speed_fc1", "speed_fc2", "speed"):
        x = full.get_layer(name)(x)
    return keras.Model([feats, crop], x)


def train_speed_head(
    model_path: str | os.PathLike[str],
    sessions: list[str | os.PathLike[str]],
    epochs: int,
    seed: int = 0,
    progress: ProgressFn | None = None,
    extra_callbacks: Callable[[], list] | None = None,
    patience: int = PATIENCE,
    restarts: int = RESTARTS,
    quantile: float | None = None,
) -> SpeedHeadResult:
    """Give the model at `model_path` a new speed branch (with its far-road convolutions)
    learned from `sessions`' speed labels; its steering weights stay exactly as they are.
    `restarts` branches start from seeds seed, seed + 1, ...; the one with the lowest
    validation loss is kept. `quantile`: the share of the racing expert's speeds at a frame
    the branch's speed is above (None: their mean, by mean squared error). Writes the model
    and its card (keeping the card's other entries) in place."""
    import keras

    from agents.driving.cnn_driver import load_driving_model
    from agents.driving.dataset import (
        block_split,
        drop_undecodable,
        load_arrays,
        load_frames,
        session_dirs,
    )
    from agents.driving.models import SPEED_FAR_ROWS, SPEED_SCALE, steering_part, with_speed_head
    from agents.driving.train import speed_outputs_card
    from agents.modelio import read_card, save_model_with_card

    model_path = Path(model_path)
    loaded, spec, _ = load_driving_model(model_path)
    keras.utils.set_random_seed(seed)
    full = with_speed_head(steering_part(loaded), SPEED_FAR_ROWS)
    table = load_frames(session_dirs(list(sessions)), spec)
    if len(table.speed) != len(table) or not np.all(np.isfinite(table.speed)):
        raise UserFacingError("these recordings have no speed column to learn speed from")
    # A frame that cannot be decoded is left out and reported, as the steering trainer does.
    table = drop_undecodable(table, spec)
    if table.problems:
        report_data(
            progress, f"speed stage: {len(table.problems)} rows left out", table.problems
        )
    t0 = time.monotonic()
    images, _ = load_arrays(table, spec)
    if len(images) != len(table):
        raise UserFacingError(f"{len(table) - len(images)} frames could not be read")
    trunk = keras.Model(
        full.inputs[0], [full.get_layer("flatten").output, full.get_layer("speed_farcrop").output]
    )
    feats, crops = [], []
    for i in range(0, len(images), FEATURE_BATCH):
        f, c = trunk(images[i : i + FEATURE_BATCH].astype(np.float32), training=False)
        feats.append(np.asarray(f))
        crops.append(np.asarray(c))
    feats, crops = np.concatenate(feats), np.concatenate(crops)
    target = (table.speed / SPEED_SCALE).astype(np.float32)
    feature_s = time.monotonic() - t0
    report_data(progress, f"features of {len(images)} frames in {feature_s:.0f} s")
    train_idx, val_idx = block_split(table.block, seed)
    if len(train_idx) == 0 or len(val_idx) == 0:
        raise UserFacingError(
            f"too little data to split into training and validation ({len(table)} frames)"
        )
    t1 = time.monotonic()
    tries: list[float] = []
    best, best_full, epochs_run = math.inf, None, 0
    for attempt in range(restarts):
        if attempt:  # a fresh branch from another seed on the same steering network
            keras.utils.set_random_seed(seed + attempt)
            full = with_speed_head(steering_part(loaded), SPEED_FAR_ROWS)
        head = _head_on(full, feats.shape[1], crops.shape[1:])
        head.compile(keras.optimizers.Adam(1e-3),
                     "mse" if quantile is None else pinball_loss(quantile))  # fmt: skip
        stop = keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=True)
        slower = keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=PLATEAU_PATIENCE)
        history = head.fit(
            [feats[train_idx], crops[train_idx]], target[train_idx],
            validation_data=([feats[val_idx], crops[val_idx]], target[val_idx]),
            epochs=epochs, batch_size=BATCH, shuffle=True, verbose=0,
            callbacks=[stop, slower, *(extra_callbacks() if extra_callbacks else [])],
        )  # fmt: skip
        val = [float(v) for v in history.history["val_loss"]]
        score = min(val) if val else math.nan
        tries.append(score)
        report_data(progress, f"speed branch {attempt + 1}/{restarts}: val loss {score:.5f}")
        if math.isfinite(score) and score < best:
            best, best_full, epochs_run = score, full, len(val)
    if best_full is None:
        raise UserFacingError(f"{model_path}: the speed branch did not train (loss {tries})")
    full = best_full
    card = read_card(model_path)
    card.update(outputs=speed_outputs_card(), params=int(full.count_params()))
    save_model_with_card(full, model_path, card)
    return SpeedHeadResult(
        model_path, best, epochs_run, time.monotonic() - t1, feature_s,
        [round(v, 6) for v in tries], quantile,
    )  # fmt: skip
