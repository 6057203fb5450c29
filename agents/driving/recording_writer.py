"""The crash-safe writer of a recording session (layout: agents.driving.recording_log).

Crash safety rests on write order: each PNG goes to a temporary name and is renamed into
place (`os.replace` is atomic), and only then is its CSV row written. The CSV is flushed and
fsynced at least once per second (wall clock or simulated), so a SIGKILL loses at most the
last second of rows; their orphaned PNGs are harmless (the reader skips rows, never images).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from agents.driving.recording_log import (
    COLUMNS,
    FORMAT_VERSION,
    FRAMES_DIR,
    LEGACY_COLUMNS,
    LOG_NAME,
    META_NAME,
    LogRow,
)
from game.errors import UserFacingError
from game.fileio import atomic_write_text, claim_dir
from game.paths import user_dir

FLUSH_EVERY_S = 1.0  # the most a SIGKILL may lose, in wall-clock or simulated seconds
PNG_COMPRESS_LEVEL = 1  # fast: a 160x320 frame saves in ~2 ms instead of ~10 ms


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
            LogRow(
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
                look=look or "",
                off_lane=bool(getattr(world, "off_lane", False)),
            ),
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

    def write_row(self, frame: np.ndarray, row: LogRow) -> str:
        """Write one frame and its row at the current sample instant; returns the frame path.
        The recorder names the frame (`row.frame` is ignored), clamps the steering to [-1, 1]
        and fills in its own look when `row.look` is empty.

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
        row = replace(
            row,
            frame=rel,
            steering=min(max(float(row.steering), -1.0), 1.0),
            look=row.look or self.look,
        )
        self._csv.writerow(row.cells()[: len(self._columns)])  # an older log: no off_lane
        self._rows.append((self._sample, rel))
        now, t = time.monotonic(), row.t
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
