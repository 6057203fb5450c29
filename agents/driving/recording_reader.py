"""The tolerant reader and validator of a recording session (layout:
agents.driving.recording_log).

The reader keeps every complete row whose image is a frame of the right size, and reports, by
line number, the truncated or malformed rows and rows whose image is missing or bad. Only what
training cannot do without (the log's header, the frame size in meta.json) is an error.
"""

from __future__ import annotations

import csv
import math
import os
import stat
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agents.driving.recording_log import (
    COLUMNS,
    FLOAT_COLUMNS,
    FORMAT_VERSION,
    FRAMES_DIR,
    LOG_NAME,
    META_NAME,
    REQUIRED_COLUMNS,
)
from agents.driving.session_edits import read_edits
from game.errors import UserFacingError
from game.fileio import read_json_file
from game.paths import user_dir

HIST_EDGES = np.linspace(-1.0, 1.0, 21)  # steering histogram bins for the Train screen
MAX_META_BYTES = 1_000_000  # the app writes ~400 bytes
DEFAULT_RATE_HZ = 20.0
DEFAULT_FRAME_SIZE = (160, 320)  # (height, width): CameraParams' defaults, for a camera-less meta
MAX_FRAME_SIDE_PX = 4096
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_HEAD_BYTES = 33  # signature + IHDR chunk (length, type, 13 bytes of data, CRC)
# Bit depths each PNG colour type allows (PNG spec, table 11.1).
PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_STR_FIELDS = ("track", "app_version", "look", "source", "created")


@dataclass(frozen=True)
class SessionMeta:
    """meta.json, checked field by field (Recorder._meta writes it).

    Fields training needs (the camera's frame size) are errors when wrong; informational ones
    get a default and a line in `warnings`, so the session's rows stay usable.
    """

    format: int = FORMAT_VERSION
    camera: dict = field(default_factory=dict)  # as written, minus known keys with bad values
    frame_height: int = DEFAULT_FRAME_SIZE[0]
    frame_width: int = DEFAULT_FRAME_SIZE[1]
    track: str = ""
    app_version: str = ""
    look: str = ""
    rate_hz: float = DEFAULT_RATE_HZ
    source: str = ""
    created: str = ""
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        """The meta.json shape, with checked values (what `Session.meta` holds)."""
        return {
            "format": self.format,
            "camera": dict(self.camera),
            "track": self.track,
            "app_version": self.app_version,
            "look": self.look,
            "rate_hz": self.rate_hz,
            "source": self.source,
            "created": self.created,
        }


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _frame_side(path: Path, camera: dict, key: str, default: int) -> int:
    """A frame size field: training and the image checks need it, so a bad one is an error."""
    if key not in camera:
        return default
    v = camera[key]
    if not (_is_number(v) and float(v).is_integer() and 8 <= v <= MAX_FRAME_SIDE_PX):
        raise UserFacingError(
            f"{path}: field 'camera.{key}' must be a whole number of pixels from 8 to "
            f"{MAX_FRAME_SIDE_PX}, got {v!r:.40}"
        )
    return int(v)


def _camera_warnings(camera: dict) -> tuple[dict, list[str]]:
    """Drops known camera parameters with a wrong type (nothing reads them back from a session:
    a Recorder uses its own); unknown keys stay, for newer versions' sake."""
    from dataclasses import fields as dc_fields

    from game.sim.dashcam import CameraParams

    types = {f.name: f.type for f in dc_fields(CameraParams)}
    kept, warnings = {}, []
    for key, v in camera.items():
        kind = types.get(key)
        if key == "road_crop":
            ok = isinstance(v, list) and len(v) == 2 and all(
                isinstance(r, int) and not isinstance(r, bool) for r in v
            )
        elif kind == "int":
            ok = isinstance(v, int) and not isinstance(v, bool) or key in ("height_px", "width_px")
        elif kind is not None:
            ok = _is_number(v)
        else:
            ok = True
        if ok:
            kept[key] = v
        else:
            warnings.append(f"{META_NAME}: field 'camera.{key}' has a bad value {v!r:.40}; ignored")
    return kept, warnings


def parse_meta(data: Any, path: Path) -> SessionMeta:
    """Check a parsed meta.json; UserFacingError naming the file and field if unusable."""
    if not isinstance(data, dict):
        raise UserFacingError(f"{path}: {META_NAME} must hold a JSON object")
    warnings: list[str] = []

    def warn(key: str, expected: str, default: Any) -> None:
        warnings.append(
            f"{META_NAME}: field {key!r} must be {expected}, got {data[key]!r:.40}; "
            f"using {default!r}"
        )

    camera = data.get("camera")
    if camera is None:
        camera = {}
    if not isinstance(camera, dict):
        raise UserFacingError(
            f"{path}: field 'camera' must be a JSON object of camera parameters, "
            f"got {camera!r:.40}"
        )
    height = _frame_side(path, camera, "height_px", DEFAULT_FRAME_SIZE[0])
    width = _frame_side(path, camera, "width_px", DEFAULT_FRAME_SIZE[1])
    camera, cam_warnings = _camera_warnings(camera)
    for key in ("height_px", "width_px"):
        if key in camera:
            camera[key] = int(camera[key])  # 160.0 -> 160
    warnings += cam_warnings

    fmt = data.get("format", FORMAT_VERSION)
    if not isinstance(fmt, int) or isinstance(fmt, bool) or fmt < 1:
        warn("format", "a positive whole number", FORMAT_VERSION)
        fmt = FORMAT_VERSION
    elif fmt > FORMAT_VERSION:
        warnings.append(
            f"{META_NAME}: format {fmt} is newer than this version reads ({FORMAT_VERSION}); "
            "reading the columns it knows"
        )
    rate = data.get("rate_hz", DEFAULT_RATE_HZ)
    # Only the train/validation split reads it (10 s blocks): a default is good enough.
    if not (_is_number(rate) and 0 < rate <= 1000):
        warn("rate_hz", "a number of samples per second (0-1000]", DEFAULT_RATE_HZ)
        rate = DEFAULT_RATE_HZ
    texts = {}
    for key in _STR_FIELDS:
        value = data.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            warn(key, "a string", "")
            value = ""
        texts[key] = value
    return SessionMeta(
        format=fmt,
        camera=camera,
        frame_height=height,
        frame_width=width,
        rate_hz=float(rate),
        warnings=tuple(warnings),
        **texts,
    )


@dataclass
class Session:
    """A loaded session: every complete row whose image exists, columns as numpy arrays."""

    dir: Path
    meta: dict  # SessionMeta.as_dict(): checked values in meta.json's shape
    frames: list[Path]
    columns: dict[str, np.ndarray]
    skipped: int = 0
    problems: list[str] = field(default_factory=list)  # meta.json warnings, then bad rows
    info: SessionMeta = field(default_factory=SessionMeta)  # meta.json, typed
    # Each kept row's place in log.csv (0 = the first row after the header), and how many rows
    # the log holds: edits (agents/driving/session_edits.py) name rows by this, so a row that
    # turns bad later does not shift the ranges of the rows after it.
    log_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    log_row_count: int = 0

    def __len__(self) -> int:
        return len(self.frames)


@dataclass
class _Log:
    columns: dict[str, list]
    problems: list[str]
    skipped: int
    rows: list[int] = field(default_factory=list)  # log row of each kept row (0 = first)
    row_count: int = 0  # rows after the header, kept or not


def _check_session_file(path: Path) -> None:
    """Missing, or not a regular file (a pipe would block the reader forever): an error."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise UserFacingError(
            f"{path}: missing {path.name}; not a recording session folder"
        ) from None
    except OSError:
        return  # the reader names the problem
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise UserFacingError(f"{path}: not a regular file")


def _read_meta(folder: Path) -> SessionMeta:
    path = folder / META_NAME
    _check_session_file(path)
    return parse_meta(read_json_file(path, f"session {META_NAME}", MAX_META_BYTES), path)


FRAMES_LINK = f"the {FRAMES_DIR} folder is a symbolic link (links are not followed)"


def _frame_files(frames_dir: Path) -> dict[str, str | None]:
    """Name -> None for each regular file in frames/, or why that entry can't be a frame."""
    entries: dict[str, str | None] = {}
    try:
        with os.scandir(frames_dir) as it:
            for e in it:
                if e.is_symlink():
                    entries[e.name] = "is a symbolic link (links are not followed)"
                elif e.is_dir(follow_symlinks=False):
                    entries[e.name] = "is a folder, not an image"
                elif not e.is_file(follow_symlinks=False):
                    entries[e.name] = "is not a regular file"
                else:
                    entries[e.name] = None
    except (FileNotFoundError, NotADirectoryError):
        return {}  # every row is then reported as a missing image
    except OSError as e:
        raise UserFacingError(
            f"{frames_dir}: cannot read the frames folder ({e.strerror or e})"
        ) from None
    if frames_dir.is_symlink():
        return dict.fromkeys(entries, FRAMES_LINK)  # could point anywhere outside the session
    return entries


# Never block on a FIFO or follow a link swapped in after the folder was listed.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(
    os, "O_BINARY", 0
)


def check_png_header(path: Path, width: int, height: int) -> str | None:
    """Why the file at `path` is not a `width`x`height` PNG frame, or None if its header is.

    Reads 33 bytes (signature and IHDR chunk, CRC-checked): cheap enough for every row, and no
    image decoder ever sees the file, so a decompression bomb costs nothing here. A truncated
    body is only found by decoding (the training input pipeline does that).
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as e:
        return f"cannot read ({e.strerror or e})"
    try:
        head = os.read(fd, PNG_HEAD_BYTES)
    except OSError as e:
        return f"cannot read ({e.strerror or e})"
    finally:
        os.close(fd)
    if not head:
        return "empty file"
    if not PNG_SIGNATURE.startswith(head[:8]):
        return "not a PNG image"
    if len(head) < PNG_HEAD_BYTES or head[12:16] != b"IHDR":
        return "truncated or damaged PNG header"
    if zlib.crc32(head[12:29]) != int.from_bytes(head[29:33], "big"):
        return "damaged PNG header (checksum mismatch)"
    w, h = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    depth, colour = head[24], head[25]
    if depth not in PNG_DEPTHS.get(colour, ()) or head[26] != 0 or head[27] != 0 or head[28] > 1:
        return f"unsupported PNG format (bit depth {depth}, colour type {colour})"
    if (w, h) != (width, height):
        return f"image is {w}x{h} pixels, the session's frames are {width}x{height}"
    return None


def _read_log(folder: Path, meta: SessionMeta) -> _Log:
    """Parse log.csv, keeping every complete row whose image is a frame of the right size."""
    path = folder / LOG_NAME
    _check_session_file(path)
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as e:
        raise UserFacingError(f"{path}: cannot read ({e.strerror or e})") from None
    lines = [line.rstrip("\r") for line in text.lstrip("\ufeff").split("\n")]  # CRLF, BOM
    torn_last = not text.endswith("\n")  # a killed writer may leave half a row
    if not torn_last:
        lines.pop()  # the empty string after the final newline
    if not lines or not lines[0].strip():
        raise UserFacingError(f"{path} line 1: missing header")
    header = [h.strip() for h in next(csv.reader([lines[0]]))]
    for col in REQUIRED_COLUMNS:
        if col not in header:
            raise UserFacingError(f"{path} line 1: header lacks the {col!r} column")
    defaults = {
        "look": meta.look,
        "cam_dx": "0",
        "cam_dyaw": "0",
        "track": meta.track,
        "source": meta.source,
        "off_lane": "0",  # logs from before the column: every row was in its lane
    }
    names = list(dict.fromkeys([*header, *(c for c in COLUMNS if c in defaults)]))
    columns: dict[str, list] = {name: [] for name in names}
    present = _frame_files(folder / FRAMES_DIR)
    problems: list[str] = []
    kept_rows: list[int] = []

    for lineno, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        if torn_last and lineno == len(lines):
            problems.append(f"{LOG_NAME} line {lineno}: truncated row")
            continue
        row = next(csv.reader([line]))
        if len(row) != len(header):
            problems.append(
                f"{LOG_NAME} line {lineno}: expected {len(header)} fields, got {len(row)}"
            )
            continue
        values = dict(zip(header, row, strict=True))
        bad = _bad_value(values)
        if bad:
            problems.append(f"{LOG_NAME} line {lineno}: {bad}")
            continue
        rel = values["frame"]
        parts = Path(rel).parts
        if len(parts) != 2 or parts[0] != FRAMES_DIR or parts[1] not in present:
            problems.append(f"{LOG_NAME} line {lineno}: missing image {rel}")
            continue
        why = present[parts[1]] or check_png_header(
            folder / FRAMES_DIR / parts[1], meta.frame_width, meta.frame_height
        )
        if why:
            problems.append(f"{LOG_NAME} line {lineno}: frame {rel}: {why}")
            continue
        for name in names:
            columns[name].append(values.get(name, defaults.get(name, "")))
        kept_rows.append(lineno - 2)
    return _Log(columns, problems, len(problems), kept_rows, max(len(lines) - 1, 0))


def _bad_value(values: dict[str, str]) -> str | None:
    for name in FLOAT_COLUMNS:
        if name in values:
            try:
                v = float(values[name])
            except ValueError:
                return f"bad number {values[name]!r} for {name}"
            if not math.isfinite(v):
                return f"bad number {values[name]!r} for {name}"
    return None


def _as_arrays(columns: dict[str, list]) -> dict[str, np.ndarray]:
    out = {}
    for name, vals in columns.items():
        if name in FLOAT_COLUMNS:
            out[name] = np.asarray(vals, dtype=np.float32)
        else:
            out[name] = np.asarray(vals, dtype=str)
    return out


def load_session(folder: str | os.PathLike[str]) -> Session:
    """Read a session folder; bad rows are skipped and listed in `.problems`, never raised.

    A missing or unreadable log.csv / meta.json, a header without frame/steering, or a
    meta.json field training needs (the frame size) that is wrong is a UserFacingError naming
    the file. Informational meta.json fields that are wrong become warnings in `.problems`.
    """
    folder = Path(folder)
    meta = _read_meta(folder)
    log = _read_log(folder, meta)
    frames = [folder / rel for rel in log.columns["frame"]]
    problems = [*meta.warnings, *log.problems]
    return Session(
        folder, meta.as_dict(), frames, _as_arrays(log.columns), log.skipped, problems, meta,
        np.asarray(log.rows, dtype=np.int64), log.row_count,
    )  # fmt: skip


@dataclass
class SessionSummary:
    """What the Train screen lists for one session (no images loaded)."""

    path: Path
    frames: int
    track: str
    look: str
    sources: dict[str, int]
    steering_hist: np.ndarray  # counts over HIST_EDGES
    skipped: int = 0
    error: str | None = None  # set when the folder could not be read at all
    problems: list[str] = field(default_factory=list)  # meta.json warnings, then bad rows
    deleted: int = 0  # rows softly deleted in the Studio (edits.json): training skips them


def summarize_session(folder: str | os.PathLike[str]) -> SessionSummary:
    """One session's summary; a session that can't be read gets `error`, never an exception."""
    folder = Path(folder)
    try:
        meta = _read_meta(folder)
        log = _read_log(folder, meta)
        edits = read_edits(folder)
    except (UserFacingError, OSError) as e:
        error = str(e) if isinstance(e, UserFacingError) else f"{folder}: {e.strerror or e}"
        return SessionSummary(folder, 0, "", "", {}, np.zeros(len(HIST_EDGES) - 1, int), 0, error)
    steering = np.asarray(log.columns["steering"], dtype=np.float32)
    hist, _ = np.histogram(np.clip(steering, -1, 1), bins=HIST_EDGES)
    return SessionSummary(
        path=folder,
        frames=len(steering),
        track=meta.track,
        look=meta.look,
        sources=dict(Counter(log.columns["source"])),
        steering_hist=hist,
        skipped=log.skipped,
        problems=[*meta.warnings, *log.problems],
        deleted=int(edits.deleted_mask(np.asarray(log.rows, dtype=np.int64)).sum()),
    )


def _has_log(folder: Path) -> bool:
    try:
        return folder.is_dir() and (folder / LOG_NAME).exists()
    except OSError:
        return True  # unreadable: list it, and let its summary say why


def list_sessions(root: str | os.PathLike[str] | None = None) -> list[SessionSummary]:
    """Summaries of the session folders directly under `root` (default: user recordings).

    A session that can't be read is listed with its `error`; it never hides the others.
    """
    if root is not None and not Path(root).is_dir():
        raise UserFacingError(f"{root}: no such folder")
    root = Path(root) if root is not None else user_dir("recordings")
    if _has_log(root):
        return [summarize_session(root)]
    try:
        folders = sorted(p for p in root.iterdir() if _has_log(p))
    except OSError as e:
        raise UserFacingError(f"{root}: cannot list the folder ({e.strerror or e})") from None
    return [summarize_session(p) for p in folders]
