"""How a dashcam frame becomes a CNN's input: crop to the road, resize, convert colour.

The same transform runs in two places: numpy at drive time (one frame per step) and
TensorFlow inside the tf.data pipeline at training time. Both resize with the same
area-averaging matrices and convert colour with the same 3x3 matrix, so a model sees the
same pixels when it drives as when it trained (equal up to float rounding).

The output is uint8; normalisation to [-1, 1] happens inside each model (layers.Rescaling).
The spec travels with every model in its card (the "input" key) so a saved model drives
correctly with no extra flags.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from typing import Any

import numpy as np

from game.errors import UserFacingError

FRAME_HEIGHT = 160  # the dashcam's frame size (game/sim/dashcam.py CameraParams defaults)
FRAME_WIDTH = 320
COLOURS = ("rgb", "yuv")

# Rows kept when the dashcam does not say where the road is: drop the sky above the
# horizon and the bonnet at the bottom.
_FALLBACK_CROP = (60, 10)

# RGB -> YUV (BT.601 analogue, the colour space PilotNet was trained in); U and V are
# offset by 128 so the result fits uint8.
_YUV = np.array(
    [
        [0.299, 0.587, 0.114],
        [-0.14713, -0.28886, 0.436],
        [0.615, -0.51499, -0.10001],
    ],
    dtype=np.float32,
)
_YUV_OFFSET = np.array([0.0, 128.0, 128.0], dtype=np.float32)


def default_crop() -> tuple[int, int]:
    """(rows cut from the top, rows cut from the bottom) of the road in a dashcam frame."""
    try:
        from game.sim.dashcam import CameraParams

        rows = getattr(CameraParams(), "road_rows", None)
        if rows is not None:
            top, stop = (int(r) for r in rows)
            return top, FRAME_HEIGHT - stop
    except (ImportError, AttributeError, TypeError, ValueError):
        pass  # the dashcam module predates road_rows: fall back to fixed rows
    return _FALLBACK_CROP


@dataclass(frozen=True)
class InputSpec:
    """Crop rows from a (frame_height, frame_width) RGB frame, resize to (height, width)."""

    height: int
    width: int
    crop_top: int = _FALLBACK_CROP[0]  # rows removed from the top (sky)
    crop_bottom: int = _FALLBACK_CROP[1]  # rows removed from the bottom (bonnet)
    colour: str = "rgb"  # "rgb" or "yuv"
    frame_height: int = FRAME_HEIGHT
    frame_width: int = FRAME_WIDTH

    def __post_init__(self) -> None:
        if self.colour not in COLOURS:
            raise ValueError(f"colour must be one of {COLOURS}, not {self.colour!r}")
        if not 0 <= self.crop_top < self.frame_height - self.crop_bottom <= self.frame_height:
            raise ValueError(f"bad crop rows {self.crop_top}/{self.crop_bottom}")
        if self.height < 1 or self.width < 1:
            raise ValueError(f"bad output size {self.height}x{self.width}")

    @property
    def shape(self) -> tuple[int, int, int]:
        """The model's input shape (height, width, 3)."""
        return (self.height, self.width, 3)

    @property
    def crop_rows(self) -> int:
        return self.frame_height - self.crop_top - self.crop_bottom

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "input spec") -> InputSpec:
        """Build from a card's "input" dict; unknown keys are ignored, bad values are errors.

        Every field is checked (type and range) before anything is built, so a hand-edited
        card (e.g. frame_height 1e9) is one clear line, never a huge allocation.
        """
        if not isinstance(data, dict):
            raise UserFacingError(f'{where}: bad input spec ("input" must be a JSON object)')
        known = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for k, v in data.items():
            if k not in known:
                continue
            if k == "colour":
                if not isinstance(v, str) or v not in COLOURS:
                    raise UserFacingError(
                        f"{where}: bad input spec (input.colour must be one of "
                        f"{', '.join(COLOURS)}, not {_short(v)})"
                    )
                kwargs[k] = v
            else:
                kwargs[k] = _whole_number(v, f"input.{k}", where)
        _check_ranges(kwargs, where)
        try:
            return cls(**kwargs)
        except (TypeError, ValueError) as e:
            raise UserFacingError(f"{where}: bad input spec ({e})") from e


MAX_MODEL_SIDE = 1024  # model input rows/columns; larger would only upsample the 160x320 frame


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _whole_number(value: Any, field: str, where: str) -> int:
    """A JSON integer (or a float with an integer value, e.g. 160.0) as int, else an error."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UserFacingError(
            f"{where}: bad input spec ({field} must be a number, not {_short(value)})"
        )
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise UserFacingError(
            f"{where}: bad input spec ({field} must be a whole number, not {value})"
        )
    return int(value)


def _check_ranges(kw: dict[str, int | str], where: str) -> None:
    """Range checks naming the field: the frame must be the dashcam's, crops and sizes sane."""
    for k, size, what in (
        ("frame_height", FRAME_HEIGHT, "high"),
        ("frame_width", FRAME_WIDTH, "wide"),
    ):
        if k in kw and kw[k] != size:
            raise UserFacingError(
                f"{where}: bad input spec (input.{k} is {kw[k]}, but dashcam frames are "
                f"{size} pixels {what})"
            )
    for k in ("crop_top", "crop_bottom"):
        if k in kw and not 0 <= kw[k] < FRAME_HEIGHT:
            raise UserFacingError(
                f"{where}: bad input spec (input.{k} is {kw[k]}; it must be 0-{FRAME_HEIGHT - 1})"
            )
    top, bottom = kw.get("crop_top", _FALLBACK_CROP[0]), kw.get("crop_bottom", _FALLBACK_CROP[1])
    if top + bottom >= FRAME_HEIGHT:
        raise UserFacingError(
            f"{where}: bad input spec (input.crop_top {top} + input.crop_bottom {bottom} leave "
            f"no rows of a {FRAME_HEIGHT}-row frame)"
        )
    for k in ("height", "width"):
        if k in kw and not 1 <= kw[k] <= MAX_MODEL_SIDE:
            raise UserFacingError(
                f"{where}: bad input spec (input.{k} is {kw[k]}; it must be 1-{MAX_MODEL_SIDE})"
            )
    for k in ("height", "width"):
        if k not in kw:
            raise UserFacingError(f"{where}: bad input spec (input.{k} is missing)")


def spec_for(arch: str) -> InputSpec:
    """The default input spec of an architecture (see agents/driving/models.py)."""
    top, bottom = default_crop()
    if arch == "pilotnet":
        return InputSpec(66, 200, top, bottom, "yuv")
    if arch in ("pooled", "nopool"):
        return InputSpec(120, 160, top, bottom, "rgb")
    raise UserFacingError(f"unknown architecture {arch!r} (choose pilotnet, pooled or nopool)")


def spec_for_shape(shape: tuple[int, ...] | Any, where: str = "model") -> InputSpec:
    """A spec for a model whose card lacks one: guess from its input shape (N, h, w, 3)."""
    try:
        dims = tuple(shape)
    except TypeError:
        dims = ()
    ok = (
        len(dims) == 4
        and dims[-1] == 3
        and all(isinstance(d, int) and 1 <= d <= MAX_MODEL_SIDE for d in dims[1:3])
    )
    if not ok:
        raise UserFacingError(
            f"{where}: input shape {_short(shape)} is not one image (height, width, 3); "
            "not a driving model"
        )
    top, bottom = default_crop()
    h, w = int(dims[1]), int(dims[2])
    return InputSpec(h, w, top, bottom, "yuv" if (h, w) == (66, 200) else "rgb")


@lru_cache(maxsize=16)
def _area_taps(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """Area-averaging resize of one axis as taps: output i = sum_k w[k, i] * input[idx[k, i]].

    Each output cell averages the input cells it covers (weighted by overlap), which
    antialiases without blurring. A few gathered taps are far cheaper than a dense matmul
    for one small frame, and give the same sums in numpy and TensorFlow.
    """
    scale = n_in / n_out
    taps: list[list[tuple[int, float]]] = []
    for i in range(n_out):
        lo, hi = i * scale, (i + 1) * scale
        cells = range(int(np.floor(lo)), min(int(np.ceil(hi)), n_in))
        taps.append([(j, (min(hi, j + 1) - max(lo, j)) / scale) for j in cells])
    k = max(len(t) for t in taps)
    idx = np.zeros((k, n_out), dtype=np.int32)
    w = np.zeros((k, n_out), dtype=np.float32)
    for i, cell_taps in enumerate(taps):
        for t, (j, weight) in enumerate(cell_taps):
            idx[t, i], w[t, i] = j, weight
    return idx, w


def _taps(spec: InputSpec) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    return _area_taps(spec.crop_rows, spec.height), _area_taps(spec.frame_width, spec.width)


def _check_frames(frames: np.ndarray, spec: InputSpec) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim == 3:
        frames = frames[None]
    if frames.shape[1:] != (spec.frame_height, spec.frame_width, 3):
        raise ValueError(
            f"expected frames of shape (N, {spec.frame_height}, {spec.frame_width}, 3), "
            f"got {frames.shape}"
        )
    return frames


def preprocess_batch(frames: np.ndarray, spec: InputSpec) -> np.ndarray:
    """uint8 frames (N, 160, 320, 3) (or one frame) -> uint8 model inputs (N, h, w, 3)."""
    frames = _check_frames(frames, spec)
    (r_idx, r_w), (c_idx, c_w) = _taps(spec)
    road = frames[:, spec.crop_top : spec.frame_height - spec.crop_bottom].astype(np.float32)
    # Separable area resize: rows, then columns.
    x = road[:, r_idx[0]] * r_w[0][:, None, None]
    for k in range(1, len(r_idx)):
        x += road[:, r_idx[k]] * r_w[k][:, None, None]
    y = x[:, :, c_idx[0]] * c_w[0][:, None]
    for k in range(1, len(c_idx)):
        y += x[:, :, c_idx[k]] * c_w[k][:, None]
    x = y
    if spec.colour == "yuv":
        x = x @ _YUV.T + _YUV_OFFSET
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def preprocess_frame(frame: np.ndarray, spec: InputSpec) -> np.ndarray:
    """One (160, 320, 3) frame -> (1, h, w, 3) uint8, ready to feed a model."""
    return preprocess_batch(frame[None], spec)


def preprocess_tf(frames, spec: InputSpec):
    """TensorFlow twin of preprocess_batch for tf.data / tf.function: (N,160,320,3) or
    (160,320,3) uint8 tensor -> uint8 tensor of the same rank."""
    import tensorflow as tf

    (r_idx, r_w), (c_idx, c_w) = _taps(spec)
    frames = tf.convert_to_tensor(frames)
    single = frames.shape.rank == 3
    if single:
        frames = frames[None]
    road = tf.cast(frames[:, spec.crop_top : spec.frame_height - spec.crop_bottom], tf.float32)
    x = tf.gather(road, r_idx[0], axis=1) * r_w[0][:, None, None]
    for k in range(1, len(r_idx)):
        x += tf.gather(road, r_idx[k], axis=1) * r_w[k][:, None, None]
    y = tf.gather(x, c_idx[0], axis=2) * c_w[0][:, None]
    for k in range(1, len(c_idx)):
        y += tf.gather(x, c_idx[k], axis=2) * c_w[k][:, None]
    x = y
    if spec.colour == "yuv":
        x = tf.tensordot(x, tf.constant(_YUV.T), axes=1) + tf.constant(_YUV_OFFSET)
    out = tf.cast(tf.clip_by_value(tf.round(x), 0.0, 255.0), tf.uint8)
    return out[0] if single else out


def spec_from_card(card: dict[str, Any], model: Any = None, where: str = "model card") -> InputSpec:
    """The input spec stored in a model card, else a guess from the model's input shape."""
    if "input" in card:
        return InputSpec.from_dict(card["input"], where=where)
    if model is not None:
        return spec_for_shape(model.input_shape, where=where)
    raise UserFacingError(f"{where}: has no input spec and no model to guess it from")
