"""Steering bias calibration, the build's last steering step: the model's mean steering error
on the frames its teacher drove is taken out of the output layer's bias.

A regression CNN ends training with a small constant error in its steering, to the left in one
build and to the right in the next (the shipped model before this step: -0.0018 on the
teacher's frames; a build on balanced left and right bends: -0.0024). In closed loop the
pull back to the lane holds that error off only some distance from the line: 0.0024 of
steering kept the car ~0.6 cm to one side, where on gentle tracks the expert holds 7-10 mm.
Only the rows on the teacher's own pose count (source "expert"), not the recovery views:
the line is where lane keeping is judged, and the views' large corrections would outweigh it.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

ON_LINE_SOURCE = "expert"  # log.csv `source` of a row on the teacher's own pose
BATCH = 512


@dataclass(frozen=True)
class Calibration:
    """What `calibrate_steering` did, as the card's `steering_calibration` records it."""

    bias_shift: float  # added to the steering output's bias: minus the mean error before
    frames: int  # on-line frames the mean (model - label) steering was taken over


def on_line_table(dirs: list[str | os.PathLike[str]]):
    """A FrameTable of the sessions' rows on the teacher's own pose (no recovery views)."""
    from agents.driving.dataset import FrameTable
    from agents.driving.recording_reader import load_session

    paths: list[str] = []
    steering: list[np.ndarray] = []
    for d in dirs:
        session = load_session(d)
        source = np.asarray(session.columns.get("source", np.full(len(session), "")))
        on_line = source == ON_LINE_SOURCE
        paths += [str(p) for p, keep in zip(session.frames, on_line, strict=True) if keep]
        steering.append(np.asarray(session.columns["steering"], np.float32)[on_line])
    labels = np.concatenate(steering) if steering else np.zeros(0, np.float32)
    return FrameTable(paths, labels, np.zeros(len(paths), np.int64))


def steering_errors(model, images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Model steering minus label for preprocessed uint8 images (N, h, w, 3)."""
    out = [
        np.asarray(model(images[i : i + BATCH].astype(np.float32), training=False))[:, 0]
        for i in range(0, len(images), BATCH)
    ]
    return np.concatenate(out) - labels if out else np.zeros(0, np.float32)


def calibrate_steering(
    model_path: str | os.PathLike[str], sessions: list[str | os.PathLike[str]]
) -> Calibration:
    """Shift the steering output's bias of the model at `model_path` by minus its mean error
    on the sessions' on-line frames; writes the model and its card (`steering_calibration`)
    in place, keeping the card's other entries."""
    from agents.driving.cnn_driver import load_driving_model
    from agents.driving.dataset import load_arrays
    from agents.modelio import read_card, save_model_with_card
    from game.errors import UserFacingError

    model_path = Path(model_path)
    model, spec, _ = load_driving_model(model_path)
    table = on_line_table(sessions)
    if len(table) == 0:
        raise UserFacingError("no frames on the teacher's own pose to calibrate the steering on")
    images, labels = load_arrays(table, spec)  # undecodable frames are left out
    shift = -float(steering_errors(model, images, labels).mean())
    layer = model.get_layer("steering")  # linear: its bias moves every output by as much
    kernel, bias = layer.get_weights()
    layer.set_weights([kernel, bias + np.float32(shift)])
    result = Calibration(shift, len(labels))
    card = read_card(model_path)
    card["steering_calibration"] = asdict(result)
    save_model_with_card(model, model_path, card)
    return result
