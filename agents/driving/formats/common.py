"""Importing foreign driving data as a normal session folder.

A reader (udacity.py, donkey.py) yields, one record at a time, either a `ForeignFrame` (an
image file and its labels in the project's conventions) or a `Problem` (one line naming the
file and line of a record it had to leave out). `import_frames` decodes each image, maps it
onto the dashcam frame with a `CameraMap` and writes it with the crash-safe
`agents.driving.recording_writer.Recorder`, so memory stays bounded however long the dataset is.

The camera mapping: the dashcam frame is 160x320 and every model looks only at its road
window, rows 56-150 (CameraParams.road_crop) across all 320 columns. A `CameraMap` names the
box of the foreign image (left, top, right, bottom in its pixels) that lands exactly on that
window; the rest of the foreign image above and below the box fills the sky and bonnet rows
with the same scale, and whatever lies outside the foreign image is black. The image is
resized with PIL's bilinear filter (antialiased when shrinking).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from agents.driving.recording_log import META_NAME, LogRow
from agents.driving.recording_writer import Recorder, new_session_dir
from game.errors import UserFacingError
from game.fileio import atomic_write_text, read_json_file
from game.sim.dashcam import CameraParams

FORMATS = ("udacity", "donkey")
IMPORTED_LOOK = "imported"  # the look column of imported rows: not one of the dashcam's looks
META_KEY = "imported"  # meta.json's record of where an imported session came from
MAX_IMAGE_SIDE = 8192  # pixels; a larger header is refused before anything is decoded
MPH_TO_MS = 0.44704


@dataclass(frozen=True)
class ForeignFrame:
    """One record of a foreign dataset, labels already in the project's conventions."""

    image: Path
    where: str  # "driving_log.csv line 12": for problem lines about the image
    steering: float  # -1..1 of full lock, positive = right
    throttle: float = 0.0  # -1..1, negative = brake (the log's convention)
    speed: float | None = None  # m/s; None when the format has none
    t: float = 0.0  # seconds from the dataset's start
    source: str = "human"  # "recovery" for a side camera with its steering correction


@dataclass(frozen=True)
class Problem:
    """A record left out, as one line naming its file and line."""

    line: str


Record = ForeignFrame | Problem


@dataclass(frozen=True)
class CameraMap:
    """The box (left, top, right, bottom, in source pixels) of a foreign image that becomes the
    model's road window; `box` None: `fractions` of the image's own size."""

    box: tuple[float, float, float, float] | None = None
    fractions: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)

    def box_for(self, width: int, height: int) -> tuple[float, float, float, float]:
        if self.box is not None:
            return self.box
        fl, ft, fr, fb = self.fractions
        return (fl * width, ft * height, fr * width, fb * height)

    def describe(self) -> dict[str, Any]:
        if self.box is not None:
            return {"box_px": list(self.box)}
        return {"box_fraction": list(self.fractions)}


def parse_box(text: str) -> tuple[float, float, float, float]:
    """ "L,T,R,B" (pixels of the foreign image) -> a box; UserFacingError when malformed."""
    parts = text.replace(" ", "").split(",")
    try:
        box = tuple(float(p) for p in parts)
    except ValueError:
        box = ()
    if len(box) != 4 or not all(math.isfinite(v) for v in box):
        raise UserFacingError(f"--crop must be four numbers LEFT,TOP,RIGHT,BOTTOM, got {text!r}")
    left, top, right, bottom = box
    if not (right > left and bottom > top):
        raise UserFacingError(f"--crop {text}: RIGHT must exceed LEFT and BOTTOM exceed TOP")
    return box  # type: ignore[return-value]


def road_window(params: CameraParams | None = None) -> tuple[int, int]:
    """(first row, row after the last) of the dashcam frame a model looks at."""
    return (params or CameraParams()).road_crop


def map_image(img, camera: CameraMap, params: CameraParams | None = None) -> np.ndarray:
    """A PIL RGB image -> a uint8 dashcam frame (height_px, width_px, 3), see the module doc."""
    from PIL import Image

    params = params or CameraParams()
    fh, fw = params.height_px, params.width_px
    r0, r1 = road_window(params)
    w, h = img.size
    left, top, right, bottom = camera.box_for(w, h)
    sx, sy = (right - left) / fw, (bottom - top) / (r1 - r0)  # source pixels per frame pixel
    # The whole frame's extent in source pixels, then the part of it the image covers.
    x0, y0, x1, y1 = left, top - r0 * sy, right, bottom + (fh - r1) * sy
    cx0, cy0, cx1, cy1 = max(x0, 0.0), max(y0, 0.0), min(x1, float(w)), min(y1, float(h))
    frame = np.zeros((fh, fw, 3), np.uint8)
    if cx1 <= cx0 or cy1 <= cy0:
        return frame
    dx0, dx1 = round((cx0 - x0) / sx), round((cx1 - x0) / sx)
    dy0, dy1 = round((cy0 - y0) / sy), round((cy1 - y0) / sy)
    if dx1 <= dx0 or dy1 <= dy0:
        return frame
    part = img.resize((dx1 - dx0, dy1 - dy0), Image.Resampling.BILINEAR, box=(cx0, cy0, cx1, cy1))
    frame[dy0:dy1, dx0:dx1] = np.asarray(part, dtype=np.uint8)
    return frame


def load_image(path: Path):
    """The image at `path` as a decoded PIL RGB image, or a str saying why it can't be one."""
    from PIL import Image

    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "missing image"
    except OSError as e:
        return f"cannot read ({e.strerror or e})"
    if not stat.S_ISREG(mode):  # a FIFO would block the import forever
        return "not a regular file"
    try:
        with Image.open(path) as img:
            w, h = img.size
            if w > MAX_IMAGE_SIDE or h > MAX_IMAGE_SIDE:
                return f"image is {w}x{h} pixels, more than {MAX_IMAGE_SIDE} on a side"
            img.load()  # decodes now: a truncated or corrupt JPEG fails here
            return img.convert("RGB")
    except Exception as e:  # PIL raises many kinds for damaged files; each is one line
        text = str(e).strip().splitlines()
        return f"not a readable image ({text[0][:120] if text else type(e).__name__})"


@dataclass
class ImportResult:
    """What an import wrote and what it left out."""

    out_dir: Path
    frames: int = 0
    side_frames: int = 0
    problems: list[str] = field(default_factory=list)
    clamped: int = 0  # steering values beyond full lock, written as +-1
    deleted: int = 0  # records the source had soft-deleted (Donkey), left out
    cancelled: bool = False  # stopped early: the records written so far form the session

    @property
    def skipped(self) -> int:
        return len(self.problems)


def import_frames(
    records: Iterable[Record],
    out_dir: str | os.PathLike[str] | None,
    name: str,
    camera: CameraMap,
    origin: dict[str, Any],
    rate_hz: float,
    progress: Callable[[], None] | None = None,
    problem: Callable[[str], None] | None = None,
    stats: dict | None = None,
    stop: Callable[[], bool] | None = None,
) -> ImportResult:
    """Write every good record to a new session folder (`out_dir`, default a new folder under
    the user's recordings named after `name`); bad ones become problem lines (`problem(line)`
    is called with each as it is found). meta.json gets `origin` under "imported".
    `stats`: the reader's counts, filled while it reads ("deleted": soft-deleted records).
    `stop()` true: end before the next record; what was written stays a complete session."""
    params = CameraParams()
    made_here = out_dir is None or not Path(out_dir).exists()  # ours to remove if it fails
    if out_dir is None:
        out_dir = new_session_dir(name)
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise UserFacingError(f"{out_dir}: the folder is not empty; imports go to a new folder")
    result = ImportResult(out_dir)
    speed_known = bool(origin.get("speed", True))
    record_meta = {**origin, "camera_map": camera.describe(), "created": _now()}
    try:
        with Recorder(out_dir, params, name, IMPORTED_LOOK, rate_hz=rate_hz, source="human") as rec:
            _write_origin(out_dir, record_meta)
            for record in records:
                if stop is not None and stop():
                    result.cancelled = True
                    break
                if progress is not None:
                    progress()
                if isinstance(record, Problem):
                    _note(result, record.line, problem)
                    continue
                img = load_image(record.image)
                if isinstance(img, str):
                    _note(result, f"{record.where}: {record.image.name}: {img}", problem)
                    continue
                frame = map_image(img, camera, params)
                steering = record.steering
                if abs(steering) > 1.0:
                    result.clamped += 1
                row = LogRow(
                    steering=steering, throttle=record.throttle,
                    speed=record.speed if record.speed is not None and speed_known else 0.0,
                    lane_offset=0.0, heading_error=0.0, x=0.0, y=0.0, yaw=0.0, track=name,
                    source=record.source, t=record.t,
                )  # fmt: skip
                rec.write_row(frame, row)
                rec.forget_rows()  # nothing to erase later: keep memory flat on long imports
                if record.source == "recovery":
                    result.side_frames += 1
                else:
                    result.frames += 1
    except BaseException:
        if made_here and result.frames + result.side_frames == 0:
            shutil.rmtree(out_dir, ignore_errors=True)  # a failed import leaves no empty session
        raise
    result.deleted = int((stats or {}).get("deleted", 0))
    record_meta.update(
        frames=result.frames, side_frames=result.side_frames, skipped=result.skipped,
        clamped_steering=result.clamped, deleted_in_source=result.deleted,
        cancelled=result.cancelled,
    )  # fmt: skip
    _write_origin(out_dir, record_meta)
    return result


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _note(result: ImportResult, line: str, problem: Callable[[str], None] | None) -> None:
    result.problems.append(line)
    if problem is not None:
        problem(line)


def _write_origin(out_dir: Path, origin: dict[str, Any]) -> None:
    """Add (or update) the "imported" entry of the Recorder's meta.json."""
    path = out_dir / META_NAME
    meta = read_json_file(path, f"session {META_NAME}")
    meta[META_KEY] = origin
    atomic_write_text(path, json.dumps(meta, indent=2) + "\n")


def imported_origin(session_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The "imported" entry of a session's meta.json, None for the app's own recordings (or a
    meta.json that can't be read: the session reader reports that)."""
    try:
        meta = read_json_file(Path(session_dir) / META_NAME, f"session {META_NAME}", 1_000_000)
    except UserFacingError:
        return None
    origin = meta.get(META_KEY) if isinstance(meta, dict) else None
    return origin if isinstance(origin, dict) else None


def speed_recorded(session_dir: str | os.PathLike[str]) -> bool:
    """False for an imported session whose format has no speed (its speed column is 0s)."""
    origin = imported_origin(session_dir)
    return origin is None or origin.get("speed", True) is not False


def origin_text(session_dir: str | os.PathLike[str]) -> str:
    """Where a session's frames came from, for model cards: "recorded" or e.g.
    "udacity import of /data/run1"."""
    origin = imported_origin(session_dir)
    if origin is None:
        return "recorded"
    return f"{origin.get('format', 'foreign')} import of {origin.get('path', '?')}"


def finite_number(text: Any) -> float | None:
    """float(text) when it is a finite number, else None (booleans are not numbers)."""
    if isinstance(text, bool):
        return None
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None
