"""Recording sessions: a crash-safe writer and a tolerant reader of the session folder.

A session folder holds

    frames/NNNNNN.png   the dashcam images
    log.csv             a header, then one row per frame (COLUMNS)
    meta.json           camera parameters, track, app version, look, rate, created time

Crash safety rests on write order: each PNG goes to a temporary name and is renamed into
place (`os.replace` is atomic), and only then is its CSV row written. The CSV is flushed and
fsynced at least once per second (wall clock or simulated), so a SIGKILL loses at most the
last second of rows; their orphaned PNGs are harmless. The reader keeps every complete row,
and reports, by line number, the truncated or malformed rows and rows whose image is missing.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import stat
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from agents.driving.session_edits import read_edits
from game.errors import UserFacingError
from game.fileio import atomic_write_text, claim_dir, read_json_file
from game.paths import user_dir
from game.sim.geometry import wrap_angle

FORMAT_VERSION = 1
FRAMES_DIR = "frames"
LOG_NAME = "log.csv"
META_NAME = "meta.json"
COLUMNS = (
    "frame", "steering", "throttle", "speed", "lane_offset", "heading_error",
    "x", "y", "yaw", "track", "source", "t", "look", "cam_dx", "cam_dyaw", "off_lane",
)  # fmt: skip
# Logs written before the off_lane column: still read (off_lane = 0) and appended to as they are.
LEGACY_COLUMNS = COLUMNS[:-1]
FLOAT_COLUMNS = (
    "steering", "throttle", "speed", "lane_offset", "heading_error",
    "x", "y", "yaw", "t", "cam_dx", "cam_dyaw", "off_lane",
)  # fmt: skip
REQUIRED_COLUMNS = ("frame", "steering")
SOURCES = ("human", "expert", "recovery", "takeover")
FLUSH_EVERY_S = 1.0  # the most a SIGKILL may lose, in wall-clock or simulated seconds
PNG_COMPRESS_LEVEL = 1  # fast: a 160x320 frame saves in ~2 ms instead of ~10 ms
HIST_EDGES = np.linspace(-1.0, 1.0, 21)  # steering histogram bins for the Train screen


def app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("neural-arcade")
    except PackageNotFoundError:
        return "dev"


def new_session_dir(track_name: str, root: str | os.PathLike[str] | None = None) -> Path:
    """A fresh, empty folder <root>/<YYYYmmdd-HHMMSS>_<track> (root: the user's recordings),
    made here: `mkdir` claims the name (game.fileio.claim_dir), so two recordings started in
    the same second get two folders (the second one ends in -2)."""
    base = Path(root) if root is not None else user_dir("recordings")
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", track_name).strip("-") or "track"
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return claim_dir(base / f"{stamp}_{safe}")


def _camera_dict(camera_params: Any) -> dict:
    if camera_params is None:
        return {}
    if isinstance(camera_params, dict):
        return dict(camera_params)
    return camera_params.to_dict()


def _fmt(value: float) -> str:
    return f"{float(value):.7g}"


# --- writing ---------------------------------------------------------------------------------


def _prepare_log(log_path: Path) -> tuple[int, tuple[str, ...]]:
    """Rows already in an existing log (0 if none) and the columns to write; drops a torn
    last line. An older log keeps its own columns (no off_lane), so its rows stay uniform.

    The header is checked first, so a file that is not our log is never modified.
    """
    if not log_path.exists():
        return 0, COLUMNS
    data = log_path.read_bytes()
    header_line = ",".join(COLUMNS)
    first = data.split(b"\n", 1)[0].decode("utf-8", "replace")
    columns = COLUMNS
    if b"\n" in data:
        if first == ",".join(LEGACY_COLUMNS):
            columns = LEGACY_COLUMNS
        ours = first in (header_line, ",".join(LEGACY_COLUMNS))
    else:
        ours = header_line.startswith(first)  # a header torn by a killed run (or empty file)
    if not ours:
        raise UserFacingError(
            f"{log_path} line 1: not a recording log this version can append to "
            f"(header {first.strip()[:80]!r})"
        )
    if not data.endswith(b"\n") and data:
        # An incomplete row (or header) from a killed run: its data was lost anyway.
        data = data[: data.rfind(b"\n") + 1]
        with open(log_path, "r+b") as f:
            f.truncate(len(data))
    return max(data.count(b"\n") - 1, 0), columns


class Recorder:
    """Writes a session while the sim runs; `update()` is called every 60 Hz step.

    A sample is taken every 1/rate_hz simulated seconds. Callers render the dashcam only when
    `wants_frame(world)` is true. An existing session folder is appended to, never replaced.
    """

    def __init__(
        self,
        out_dir: str | os.PathLike[str] | None,
        camera_params: Any,
        track_name: str,
        look: str,
        rate_hz: float = 20.0,
        source: str = "human",
    ) -> None:
        if rate_hz <= 0:
            raise UserFacingError(f"recording rate must be positive, got {rate_hz}")
        self.dir = Path(out_dir) if out_dir is not None else new_session_dir(track_name)
        self.frames_dir = self.dir / FRAMES_DIR
        self.camera_params = camera_params
        self.track_name = track_name
        self.look = look
        self.rate_hz = float(rate_hz)
        self.period = 1.0 / self.rate_hz
        self.source = source
        self._next_t: float | None = None  # sim time the next sample is due
        self._last_t = -math.inf
        self._sample = 0  # id of the current sample instant (recovery views share it)
        self._rows: list[tuple[int, str]] = []  # (sample id, frame path) written by us
        self._dashcam: tuple[str, Any] | None = None  # (track name, Dashcam) for _render
        self._closed = False
        self._synced_wall = time.monotonic()
        self._synced_sim = 0.0

        # Check an existing log before touching anything: it may be someone else's file.
        log_path = self.dir / LOG_NAME
        self._existing_rows, self._columns = _prepare_log(log_path)
        self.frames_dir.mkdir(parents=True, exist_ok=True)
        self._next_index = self._next_frame_index()
        meta_path = self.dir / META_NAME
        if not meta_path.exists():
            atomic_write_text(meta_path, json.dumps(self._meta(), indent=2) + "\n")
        self._file = open(log_path, "a", newline="", encoding="utf-8")  # noqa: SIM115
        self._csv = csv.writer(self._file, lineterminator="\n")
        if self._file.tell() == 0:
            self._columns = COLUMNS
            self._csv.writerow(COLUMNS)
        self._sync()

    def _meta(self) -> dict:
        return {
            "format": FORMAT_VERSION,
            "camera": _camera_dict(self.camera_params),
            "track": self.track_name,
            "app_version": app_version(),
            "look": self.look,
            "rate_hz": self.rate_hz,
            "source": self.source,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        }

    def _next_frame_index(self) -> int:
        """The next free frame number; drops images half-written by a killed run."""
        for stale in self.frames_dir.glob("*.png.tmp"):
            stale.unlink(missing_ok=True)
        taken = [int(p.stem) for p in self.frames_dir.glob("*.png") if p.stem.isdigit()]
        return max(taken, default=-1) + 1

    # --- sampling ---

    def wants_frame(self, world) -> bool:
        """True when the next `update(world, ...)` will write a sample (render the frame then)."""
        if self._next_t is None or world.time < self._last_t:
            return True  # first sample, or the world was reset: sample now
        return world.time + 1e-6 >= self._next_t

    def update(
        self,
        world,
        frame: np.ndarray | None,
        steering_cmd: float,
        source: str | None = None,
        look: str | None = None,
    ) -> bool:
        """Call every sim step. Writes a row when a sample is due; returns True if it did."""
        if not self.wants_frame(world):
            return False
        t = world.time
        if self._next_t is None or t < self._last_t:
            self._next_t = t + self.period  # first sample, or a new run of the world
        else:
            self._next_t += self.period
            if self._next_t <= t:  # fell behind (e.g. the caller skipped steps): resync
                self._next_t = t + self.period
        self._last_t = t
        self._sample += 1
        st = world.car.state
        if frame is None:
            frame = self._render(world)
        self.write_row(
            frame,
            steering=steering_cmd,
            throttle=st.throttle,
            speed=st.speed,
            lane_offset=world.metrics.offset,
            heading_error=world.metrics.heading_error,
            x=st.x,
            y=st.y,
            yaw=st.yaw,
            track=world.track.name,
            source=source or self.source,
            t=t,
            look=look,
            off_lane=bool(getattr(world, "off_lane", False)),
        )
        return True

    def _render(self, world) -> np.ndarray:
        """Fallback when a caller passed no frame: render the dashcam ourselves."""
        from game.sim.dashcam import CameraParams, Dashcam

        if self._dashcam is None or self._dashcam[0] != world.track.name:
            params = self.camera_params
            if isinstance(params, dict):
                params = CameraParams.from_dict(params) if params else None
            self._dashcam = (world.track.name, Dashcam(world.track, params, self.look))
        st = world.car.state
        return self._dashcam[1].render(st.x, st.y, st.yaw)

    def write_row(
        self,
        frame: np.ndarray,
        *,
        steering: float,
        throttle: float,
        speed: float,
        lane_offset: float,
        heading_error: float,
        x: float,
        y: float,
        yaw: float,
        track: str,
        source: str,
        t: float,
        look: str | None = None,
        cam_dx: float = 0.0,
        cam_dyaw: float = 0.0,
        off_lane: bool = False,
    ) -> str:
        """Write one frame and its row at the current sample instant; returns the frame path.
        `off_lane`: the car was outside its lane (a person's off-lane); training skips those.

        `update()` calls this; the expert recorder also calls it for recovery views.
        """
        if self._closed:
            raise RuntimeError("recorder is closed")
        from PIL import Image

        rel = f"{FRAMES_DIR}/{self._next_index:06d}.png"
        self._next_index += 1
        path = self.dir / rel
        tmp = path.with_name(path.name + ".tmp")
        Image.fromarray(np.ascontiguousarray(frame, dtype=np.uint8)).save(
            tmp, format="PNG", compress_level=PNG_COMPRESS_LEVEL
        )
        os.replace(tmp, path)  # the image is complete before its row exists
        steering = min(max(float(steering), -1.0), 1.0)
        row = [
            rel, _fmt(steering), _fmt(throttle), _fmt(speed), _fmt(lane_offset),
            _fmt(heading_error), _fmt(x), _fmt(y), _fmt(yaw), track, source, f"{t:.4f}",
            look or self.look, _fmt(cam_dx), _fmt(cam_dyaw), "1" if off_lane else "0",
        ]  # fmt: skip
        self._csv.writerow(row[: len(self._columns)])  # an older log has no off_lane
        self._rows.append((self._sample, rel))
        now = time.monotonic()
        if now - self._synced_wall >= FLUSH_EVERY_S or abs(t - self._synced_sim) >= FLUSH_EVERY_S:
            self._sync(t)
        return rel

    def _sync(self, sim_t: float | None = None) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._synced_wall = time.monotonic()
        if sim_t is not None:
            self._synced_sim = sim_t

    # --- editing and closing ---

    @property
    def frame_count(self) -> int:
        """Rows in the session's log (including any from before this recorder appended)."""
        return self._existing_rows + len(self._rows)

    def erase_last(self, seconds: float = 5.0) -> int:
        """Remove the rows (and images) of the last `seconds` of samples; returns rows removed.

        Only rows this recorder wrote are erased. The CSV is rewritten atomically first, then
        the images are deleted, so a crash in between leaves only orphaned images.
        """
        n_samples = max(int(round(seconds * self.rate_hz)), 0)
        if not self._rows or n_samples == 0:
            return 0
        sample_ids = sorted({s for s, _ in self._rows})
        cutoff = sample_ids[-min(n_samples, len(sample_ids))]
        gone = {rel for s, rel in self._rows if s >= cutoff}
        log_path = self.dir / LOG_NAME
        try:
            self._file.close()  # flushes our rows before the log is read back
            with open(log_path, newline="", encoding="utf-8") as f:
                lines = list(csv.reader(f))
            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\n")
            writer.writerows(row for row in lines if not row or row[0] not in gone)
            atomic_write_text(log_path, buf.getvalue())
            for rel in gone:
                (self.dir / rel).unlink(missing_ok=True)
            self._rows = [(s, rel) for s, rel in self._rows if rel not in gone]
        finally:
            # Reopen even when the rewrite failed (e.g. disk full): recording must go on.
            self._file = open(log_path, "a", newline="", encoding="utf-8")  # noqa: SIM115
            self._csv = csv.writer(self._file, lineterminator="\n")
        return len(gone)

    def forget_rows(self) -> None:
        """Rows written so far can no longer be erased (`erase_last`): a long import calls
        this after each row so the recorder's memory stays flat."""
        self._rows.clear()

    def close(self) -> None:
        if self._closed:
            return
        self._sync()
        self._file.close()
        self._closed = True

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --- reading ---------------------------------------------------------------------------------

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


def view_metrics(track, x: float, y: float, yaw: float, hint: int | None = None):
    """(lane_offset, heading_error, projection index) of any camera pose on `track`."""
    proj = track.project(x, y, hint=hint)
    return track.lane_offset(proj.lateral), wrap_angle(proj.heading - yaw), proj.index
