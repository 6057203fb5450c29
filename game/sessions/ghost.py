"""The ghost of your best lap on a track, without pygame.

While a person drives, every sim step's pose (lap time, x, y, yaw, and the distance driven
since the lap began) goes into a `LapTrace`. A completed valid lap faster than the track's
ghost becomes the new ghost: it is saved to `ghosts/<track>.npz` in the user folder (written
atomically, one small file per track) and replayed from the next lap's start as a translucent
car, with the gap to it (+ slower, - faster) at the same point of the lap.

A ghost file that cannot be read (damaged, another track's, or a track file that has since
changed) is reported in one message and ignored; the next best lap sets it aside as
NAME.npz.broken-N (game.fileio.set_aside) and writes a good file. A ghost file is checked
against its declared array sizes before it is loaded (game.fileio.check_npz), and saved under
its lock: a faster lap another game saved meanwhile is kept.
"""

from __future__ import annotations

import io
import math
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from game.errors import UserFacingError
from game.fileio import ArraySpec, atomic_write_bytes, check_npz, locked, set_aside
from game.paths import user_dir
from game.sim.track import Track

GHOSTS_DIR = "ghosts"
VERSION = 1
MAX_FILE_BYTES = 20_000_000  # a 20-minute lap at 60 Hz is ~1.5 MB
MAX_POSES = 60 * 60 * 60  # an hour of poses at 60 Hz: far more than a few laps of any track
MAX_NAME_CHARS = 200
FIELDS = ("t", "x", "y", "yaw", "d")
# What a ghost file may hold, checked in the zip's headers before anything is decompressed
# (game.fileio.check_npz): a small file declaring gigabytes is refused at once.
SPECS = {
    "version": ArraySpec("iu", 1),
    "track": ArraySpec("U", 1, MAX_NAME_CHARS),
    "track_length": ArraySpec("fiu", 1),
    "lap_s": ArraySpec("fiu", 1),
    **{name: ArraySpec("f", MAX_POSES) for name in FIELDS},
}
LENGTH_TOLERANCE_M = 1.0  # a track whose length changed more than this is another track

Notify = Callable[..., None]


def _quiet(text: str, kind: str = "info", seconds: float | None = None) -> None:
    """The default Notify: used without a screen (tests) it reports nowhere."""


@dataclass(frozen=True)
class GhostLap:
    """One lap's poses at the sim rate: t (s since the lap began), x, y (m), yaw (rad,
    unwrapped) and d (m driven along the track since the lap began, never decreasing)."""

    track: str
    track_length: float
    lap_s: float
    t: np.ndarray
    x: np.ndarray
    y: np.ndarray
    yaw: np.ndarray
    d: np.ndarray

    def pose_at(self, t: float) -> tuple[float, float, float] | None:
        """The ghost's (x, y, yaw) `t` s into its lap; None before its start or after its end."""
        if not 0.0 <= t <= self.lap_s:
            return None
        x = float(np.interp(t, self.t, self.x))
        y = float(np.interp(t, self.t, self.y))
        return x, y, float(np.interp(t, self.t, self.yaw))

    def time_at(self, d: float) -> float | None:
        """When the ghost had driven `d` m of its lap (None outside the lap)."""
        if not 0.0 <= d <= float(self.d[-1]):
            return None
        return float(np.interp(d, self.d, self.t))

    def gap(self, lap_time: float, d: float) -> float | None:
        """Seconds behind (+) or ahead of (-) the ghost for a car `d` m into its lap after
        `lap_time` s; None outside the ghost's lap."""
        ghost_t = self.time_at(d)
        return None if ghost_t is None else lap_time - ghost_t


class LapTrace:
    """The poses of the lap being driven (plain lists: appending is cheap every step)."""

    def __init__(self) -> None:
        self.rows: list[tuple[float, float, float, float, float]] = []

    def clear(self) -> None:
        self.rows = []

    def add(self, t: float, x: float, y: float, yaw: float, d: float) -> None:
        self.rows.append((t, x, y, yaw, d))

    def to_lap(self, track: Track, lap_s: float) -> GhostLap | None:
        """The finished lap as a GhostLap, or None when it is too short to replay."""
        if len(self.rows) < 2 or not (math.isfinite(lap_s) and lap_s > 0):
            return None
        t, x, y, yaw, d = (np.asarray(col, np.float64) for col in zip(*self.rows, strict=True))
        return GhostLap(
            track.name, float(track.length), float(lap_s), t, x, y, np.unwrap(yaw),
            np.maximum.accumulate(d),  # a put-back may step back a little: keep it monotonic
        )  # fmt: skip


# --- files -------------------------------------------------------------------------------------


def ghost_path(track_name: str, folder: Path | None = None) -> Path:
    """ghosts/<track>.npz in the user folder ("gen:42" -> "gen-42.npz")."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", track_name).strip("-") or "track"
    return (folder or user_dir(GHOSTS_DIR)) / f"{safe}.npz"


def save_ghost(lap: GhostLap, folder: Path | None = None) -> Path:
    """Write `lap` atomically as its track's ghost, unless another game saved a faster one
    meanwhile (checked under the file's lock); raises OSError (the caller reports it)."""
    path = ghost_path(lap.track, folder)
    buf = io.BytesIO()
    np.savez(
        buf,
        version=np.array(VERSION),
        track=np.array(lap.track),
        track_length=np.array(lap.track_length),
        lap_s=np.array(lap.lap_s),
        **{name: getattr(lap, name).astype(np.float32) for name in FIELDS},
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path):
        on_disk = _lap_on_disk(path, lap)
        if on_disk == "faster":
            return path  # another game saved a better lap meanwhile: it stays
        if on_disk == "unreadable":
            set_aside(path)  # never written over blind (OSError for a folder or FIFO)
        atomic_write_bytes(path, buf.getvalue())
    return path


def _lap_on_disk(path: Path, lap: GhostLap) -> str:
    """What `path` holds against `lap`: "none", "faster", "slower" or "unreadable" (damaged,
    another track's whose name maps to the same file, or another version of the track's)."""
    if not os.path.lexists(path):
        return "none"
    try:
        saved = _read(path, lap.track, lap.track_length)
    except UserFacingError:
        return "unreadable"
    return "faster" if saved.lap_s < lap.lap_s else "slower"


def _scalar(data, name: str, path: Path) -> float:
    value = data[name]
    if value.shape != () or value.dtype.kind not in "fiu" or not math.isfinite(float(value)):
        raise UserFacingError(f"{path}: {name} is not a number")
    return float(value)


def load_ghost(track: Track, folder: Path | None = None) -> GhostLap | None:
    """The ghost of `track`, None when there is none; a file that is not a good ghost of this
    track raises UserFacingError naming it."""
    path = ghost_path(track.name, folder)
    if not os.path.lexists(path):
        return None
    return _read(path, track.name, track.length)


def _read(path: Path, track_name: str, track_length: float) -> GhostLap:
    """The ghost lap in `path` if it is a good one of the track so named, with that length;
    else UserFacingError naming the file."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UserFacingError(f"{path}: {size:,} bytes is too large for a ghost lap")
        check_npz(path, SPECS, "ghost lap")  # regular file, declared sizes: before any load
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in ("version", "track", "track_length", "lap_s", *FIELDS)
                       if k not in data.files]  # fmt: skip
            if missing:
                raise UserFacingError(f"{path}: not a ghost lap (no {', '.join(missing)})")
            if int(_scalar(data, "version", path)) != VERSION:
                raise UserFacingError(f"{path}: ghost format {data['version']} is not {VERSION}")
            name = data["track"]
            if name.dtype.kind != "U" or name.shape != () or str(name) != track_name:
                raise UserFacingError(f"{path}: a ghost of another track, not {track_name}")
            length, lap_s = _scalar(data, "track_length", path), _scalar(data, "lap_s", path)
            cols = {k: np.asarray(data[k], np.float64) for k in FIELDS}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as e:
        raise UserFacingError(f"{path}: damaged ghost lap ({e})") from None
    if abs(length - track_length) > LENGTH_TOLERANCE_M:
        raise UserFacingError(f"{path}: recorded on another version of {track_name}")
    n = len(cols["t"])
    if n < 2 or any(c.shape != (n,) or not np.isfinite(c).all() for c in cols.values()):
        raise UserFacingError(f"{path}: damaged ghost lap (bad pose arrays)")
    if np.any(np.diff(cols["t"]) <= 0) or np.any(np.diff(cols["d"]) < 0) or lap_s <= 0:
        raise UserFacingError(f"{path}: damaged ghost lap (times out of order)")
    return GhostLap(track_name, length, lap_s, **cols)


# --- the session side --------------------------------------------------------------------------


class Ghost:
    """The ghost on one track: traces each lap, keeps the best valid one, replays it.

    `after_step(world)` is called after every sim step of the person's World; `pose(world)`
    and `gap(world)` are what the screen draws. `visible` is the C key's toggle. Laps are
    timed as World times them (line to line from the grid point), so a lap's distance is the
    world's progress less its completed laps.
    """

    def __init__(
        self, track: Track, notify: Notify = _quiet, folder: Path | None = None
    ) -> None:
        self.track = track
        self.notify = notify
        self.folder = folder
        self.visible = True
        self.trace = LapTrace()
        self._laps = 0  # the world's lap count at the last traced step
        self._valid_laps = 0  # ... and its valid laps
        self._last_t = math.inf  # world time of the last traced step (inf: trace afresh)
        self.best = self.load(track, notify, folder)

    @staticmethod
    def load(track: Track, notify: Notify = _quiet, folder: Path | None = None):
        """The track's saved ghost, or None (a bad file: one message, then ignored)."""
        try:
            return load_ghost(track, folder)
        except UserFacingError as e:
            notify(f"ghost lap ignored: {e}", "error")
            return None

    def _distance(self, world) -> float:
        return world.metrics.progress - world.laps * self.track.length

    def _add(self, world) -> None:
        st = world.car.state
        self.trace.add(world.lap_time, st.x, st.y, st.yaw, self._distance(world))
        self._last_t = world.time

    def restart(self, world) -> None:
        """Trace afresh from the world's current pose (a new world, or one reset)."""
        self._laps, self._valid_laps = world.laps, world.valid_laps
        self.trace.clear()
        self._add(world)

    def after_step(self, world) -> bool:
        """Trace this step; True when the lap that just ended became the new ghost."""
        if world.time <= self._last_t or world.laps < self._laps:
            self.restart(world)  # the first step, or the world was reset
            return False
        if world.laps == self._laps:
            self._add(world)
            return False
        # The line was crossed this step: the lap ends here and the next one starts here.
        # World counts a lap valid (valid_laps + 1) only when it had no off-lane at all.
        valid = world.valid_laps > self._valid_laps
        lap_s = world.last_lap_time
        st = world.car.state
        self.trace.add(lap_s, st.x, st.y, st.yaw, self.track.length)
        improved = False
        if valid and (self.best is None or lap_s < self.best.lap_s):
            lap = self.trace.to_lap(self.track, lap_s)
            if lap is not None:
                self.best, improved = lap, True
                self._save(lap)
        self.restart(world)
        return improved

    def _save(self, lap: GhostLap) -> None:
        try:
            save_ghost(lap, self.folder)
        except OSError as e:  # e.g. disk full: the ghost still drives this session
            self.notify(f"ghost lap not saved: {e}", "error")
            return
        self.notify(f"new best lap {lap.lap_s:.2f} s: your ghost drives it from now on")

    # --- read-outs -------------------------------------------------------------------------
    def pose(self, world) -> tuple[float, float, float] | None:
        """Where the ghost is at the person's lap time (None: hidden, none, or lap over)."""
        if not self.visible or self.best is None:
            return None
        return self.best.pose_at(world.lap_time)

    def gap(self, world) -> float | None:
        """Seconds behind (+) or ahead of (-) the ghost at this point of the lap."""
        if not self.visible or self.best is None:
            return None
        return self.best.gap(world.lap_time, self._distance(world))

    def toggle(self) -> None:
        self.visible = not self.visible
