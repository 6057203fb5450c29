"""Open-loop prediction: what a model would have steered on every recorded frame.

Closed loop (agents/driving/evaluate.py) lets the model drive; open loop only asks it, frame
by frame, what it would steer where the recording's driver was, and compares that with what
the driver did. It is the Donkey Car "pilot arena" / `tubplot` view: cheap, needs no track,
and shows where a model disagrees with the data (a low open-loop error does not promise a
good drive: small errors add up once the model steers).

    pred = predict_session(session, model_path, progress=print_fn, cancel=event)
    stats = error_stats(pred, session.columns["steering"], keep)   # mean and p95 |error|

Frames are read with Pillow and preprocessed with the numpy twin of the training transform
(agents/driving/preprocess.py), then run through the Keras model in batches. Only the
steering output is compared (a speed output is ignored).
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agents.driving.preprocess import InputSpec, preprocess_batch
from agents.driving.recording_reader import Session
from game.errors import UserFacingError

BATCH = 64
P95 = 95.0

Progress = Callable[[int, int], None]  # (frames done, frames in all)


class PredictionCancelled(Exception):
    """Raised by predict_session when `cancel` is set."""


@dataclass(frozen=True)
class ErrorStats:
    """|prediction - recorded steering| over some rows (NaN means when there are none)."""

    rows: int
    mean_abs: float
    p95_abs: float

    @property
    def text(self) -> str:
        if not self.rows:
            return "no rows"
        return f"mean |err| {self.mean_abs:.3f}   p95 {self.p95_abs:.3f}   ({self.rows} rows)"

    def to_dict(self) -> dict:
        return {"rows": self.rows, "mean_abs_error": _num(self.mean_abs),
                "p95_abs_error": _num(self.p95_abs)}  # fmt: skip


def _num(v: float) -> float | None:
    return None if math.isnan(v) else round(float(v), 6)


def error_stats(
    pred: np.ndarray, steering: np.ndarray, rows: np.ndarray | None = None
) -> ErrorStats:
    """Mean and 95th percentile (numpy's linear interpolation) of |pred - steering|, over the
    rows where `rows` (a bool mask) is true, or all rows."""
    err = np.abs(np.asarray(pred, np.float64) - np.asarray(steering, np.float64))
    if rows is not None:
        err = err[np.asarray(rows, dtype=bool)]
    err = err[np.isfinite(err)]  # rows not predicted yet
    if not len(err):
        return ErrorStats(0, math.nan, math.nan)
    return ErrorStats(len(err), float(err.mean()), float(np.percentile(err, P95)))


def read_frames(paths: list[Path], spec: InputSpec) -> np.ndarray:
    """uint8 frames (N, H, W, 3) from PNG files; UserFacingError naming a file that can't be."""
    from PIL import Image, UnidentifiedImageError

    out = np.empty((len(paths), spec.frame_height, spec.frame_width, 3), np.uint8)
    for i, p in enumerate(paths):
        try:
            with Image.open(p) as im:
                a = np.asarray(im.convert("RGB"))
        except (OSError, UnidentifiedImageError) as e:
            raise UserFacingError(f"{p}: cannot read the frame ({e})") from None
        if a.shape != out.shape[1:]:
            raise UserFacingError(
                f"{p}: frame is {a.shape[1]}x{a.shape[0]}, the model needs "
                f"{spec.frame_width}x{spec.frame_height}"
            )
        out[i] = a
    return out


def load_model(model_path: str | os.PathLike[str]):
    """(Keras model, input spec) of a driving model; ModelFileError when unusable."""
    from agents.driving.cnn_driver import load_driving_model

    model, spec, _card = load_driving_model(model_path)
    return model, spec


def predict_frames(model, spec: InputSpec, frames: np.ndarray) -> np.ndarray:
    """The model's steering for a batch of raw dashcam frames (N,) float32."""
    x = preprocess_batch(frames, spec).astype(np.float32)
    out = np.asarray(model(x, training=False), dtype=np.float32)
    return out.reshape(len(frames), -1)[:, 0]


def predict_session(
    session: Session,
    model_path: str | os.PathLike[str],
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    batch: int = BATCH,
    model_and_spec: tuple | None = None,
    on_batch: Callable[[int, np.ndarray], None] | None = None,
) -> np.ndarray:
    """The model's steering for every row of `session` (its loaded rows, in order).

    `progress(done, total)` after each batch, `on_batch(first row, its predictions)` too (a
    screen draws them as they come); `cancel` set raises PredictionCancelled.
    `model_and_spec` skips loading (tests, or a model already in memory).
    """
    model, spec = model_and_spec or load_model(model_path)
    h, w = session.info.frame_height, session.info.frame_width
    if (h, w) != (spec.frame_height, spec.frame_width):
        raise UserFacingError(
            f"{session.dir}: its frames are {w}x{h}, the model {Path(model_path).name} needs "
            f"{spec.frame_width}x{spec.frame_height}"
        )
    n = len(session)
    pred = np.full(n, np.nan, np.float32)
    for start in range(0, n, batch):
        if cancel is not None and cancel.is_set():
            raise PredictionCancelled
        end = min(start + batch, n)
        pred[start:end] = predict_frames(model, spec, read_frames(session.frames[start:end], spec))
        if on_batch is not None:
            on_batch(start, pred[start:end].copy())
        if progress is not None:
            progress(end, n)
    return pred
