"""The Udacity self-driving-car simulator's behavioural-cloning format.

A folder with `driving_log.csv` and `IMG/`. Each CSV row is `center,left,right,steering,
throttle,brake,speed`: three camera images (320x160 JPEGs), steering -1..1 of full lock with
positive to the right (as here), throttle and brake 0..1, speed in mph. The simulator writes
no header and absolute paths from the machine that recorded (often Windows: backslashes and a
drive letter); copies of the sample data add a header and relative `IMG/...` paths. Every one
of these reads: a path is tried as written relative to the folder, then by its file name under
`IMG/`, then as an absolute path.

The frame mapping (common.CameraMap) defaults to rows 56-150 of the 320x160 image: the same
rows as the dashcam's own road window, so a 320x160 image maps onto the frame unchanged.
Side cameras (left, right) are optional: with a steering correction C a left image is labelled
steering + C (it sees the car as if displaced left, so the way back is to the right) and a
right one steering - C; they are written with source "recovery".
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator
from pathlib import Path

from agents.driving.formats.common import (
    MPH_TO_MS,
    CameraMap,
    ForeignFrame,
    Problem,
    Record,
    finite_number,
)
from agents.driving.recording_reader import load_session
from game.errors import UserFacingError
from game.sim.dashcam import CameraParams

LOG_NAME = "driving_log.csv"
IMG_DIR = "IMG"
COLUMNS = ("center", "left", "right", "steering", "throttle", "brake", "speed")
IMAGE_SIZE = (320, 160)  # (width, height) the simulator writes
DEFAULT_RATE_HZ = 15.0  # the simulator records about this often; its log has no time column
JPEG_QUALITY = 95


def default_camera() -> CameraMap:
    """The dashcam's own road rows of a 320x160 image (an unchanged frame at that size)."""
    top, bottom = CameraParams().road_crop
    h = IMAGE_SIZE[1]
    return CameraMap(None, (0.0, top / h, 1.0, bottom / h))


def log_path(path: str | os.PathLike[str]) -> Path:
    """The driving_log.csv of `path` (the folder, or the CSV file itself)."""
    path = Path(path)
    return path if path.suffix.lower() == ".csv" and not path.is_dir() else path / LOG_NAME


def looks_like(path: str | os.PathLike[str]) -> bool:
    return log_path(path).is_file()


def count_rows(path: str | os.PathLike[str]) -> int:
    """Lines in the log (an upper bound of its records: a header counts too), read in chunks;
    a last line without its newline counts as one."""
    n, last = 0, b"\n"
    with open(log_path(path), "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    return n + (last != b"\n")


_SPLIT = re.compile(r"[\\/]+")


def resolve_image(folder: Path, text: str) -> Path | None:
    """The image a CSV cell names, or None when the cell is empty."""
    text = text.strip()
    if not text:
        return None
    parts = [p for p in _SPLIT.split(text) if p]
    drive = re.match(r"^[A-Za-z]:$", parts[0]) if parts else None
    if parts and not drive and not text.startswith(("/", "\\")):
        rel = folder.joinpath(*parts)
        if rel.is_file():
            return rel
    by_name = folder / IMG_DIR / (parts[-1] if parts else text)
    if by_name.exists() or drive or not os.path.isabs(text):
        return by_name  # a missing one is reported by the importer with this name
    return Path(text)


def _is_header(row: list[str]) -> bool:
    return bool(row) and row[0].strip().lower() == "center"


def read(
    path: str | os.PathLike[str],
    side_correction: float | None = None,
    steering_scale: float = 1.0,
    rate_hz: float = DEFAULT_RATE_HZ,
) -> Iterator[Record]:
    """Stream the records of a Udacity folder (see the module doc), one row at a time."""
    log = log_path(path)
    folder = log.parent
    name = log.name
    columns = {c: i for i, c in enumerate(COLUMNS)}
    try:
        f = open(log, newline="", encoding="utf-8-sig", errors="replace")  # noqa: SIM115
    except OSError as e:
        raise UserFacingError(f"{log}: cannot read ({e.strerror or e})") from None
    with f:
        sample = 0
        first = True
        # One physical line at a time: a stray quote spoils only its own line, never the
        # lines after it (Udacity logs have no multi-line fields).
        for lineno, line in enumerate(f, start=1):
            try:
                row = next(csv.reader([line.rstrip("\r\n")]), [])
            except csv.Error as e:
                yield Problem(f"{name} line {lineno}: not a CSV row ({e})")
                continue
            where = f"{name} line {lineno}"
            if not any(cell.strip() for cell in row):
                continue
            if first:
                first = False
                if _is_header(row):
                    names = [c.strip().lower() for c in row]
                    columns = {c: names.index(c) for c in COLUMNS if c in names}
                    if "center" not in columns or "steering" not in columns:
                        raise UserFacingError(
                            f"{log} line 1: header lacks the center or steering column"
                        )
                    continue
            record = _row(row, columns, where)
            if isinstance(record, str):
                yield Problem(f"{where}: {record}")
                continue
            steering, throttle, speed = record
            steering *= steering_scale
            t = sample / rate_hz
            sample += 1
            center = resolve_image(folder, row[columns["center"]])
            if center is None:
                yield Problem(f"{where}: no center image named")
            else:
                yield ForeignFrame(center, where, steering, throttle, speed, t)
            if side_correction is None:
                continue
            for cam, sign in (("left", 1.0), ("right", -1.0)):
                i = columns.get(cam)
                image = resolve_image(folder, row[i]) if i is not None and i < len(row) else None
                if image is not None:
                    label = steering + sign * side_correction
                    yield ForeignFrame(image, where, label, throttle, speed, t, "recovery")


def _row(row: list[str], columns: dict[str, int], where: str) -> tuple | str:
    """(steering, throttle, speed m/s or None) of a row, or why it is left out."""
    need = columns["steering"] + 1
    if len(row) < need:
        return f"expected at least {need} fields, got {len(row)}"
    values = {}
    for col in ("steering", "throttle", "brake", "speed"):
        i = columns.get(col)
        if i is None or i >= len(row) or (col != "steering" and not row[i].strip()):
            continue
        v = finite_number(row[i])
        if v is None:
            return f"{col} {row[i].strip()[:40]!r} is not a number"
        values[col] = v
    throttle, brake = values.get("throttle", 0.0), values.get("brake", 0.0)
    pedal = -brake if brake > 0 else throttle  # the log's one pedal column: brake negative
    speed = values["speed"] * MPH_TO_MS if "speed" in values else None
    return values["steering"], pedal, speed


# --- writing (a session as a Udacity folder: round-trip tests and the data bench) ----------


def export_session(
    session_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    header: bool = False,
    relative: bool = False,
) -> int:
    """Write a session as a Udacity folder: each driven frame is a center image; at the same
    sample instant the recovery view displaced furthest left (right) is the left (right)
    camera, as on the simulator's car (their own labels are lost: Udacity keeps one steering
    per row). Like the simulator: no header and absolute paths unless asked. Returns rows."""
    from PIL import Image

    session = load_session(session_dir)
    out = Path(out_dir)
    (out / IMG_DIR).mkdir(parents=True, exist_ok=False)
    cols = session.columns
    rows_written = 0
    groups = _instants(cols)
    with open(out / LOG_NAME, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        if header:
            writer.writerow(COLUMNS)
        for n, (center, views) in enumerate(groups):
            cells = []
            for cam, i in (("center", center), *_sides(cols, views)):
                if i is None:
                    cells.append("")
                    continue
                rel = f"{IMG_DIR}/{cam}_{n:06d}.jpg"
                with Image.open(session.frames[i]) as img:
                    img.convert("RGB").save(out / rel, quality=JPEG_QUALITY)
                cells.append(rel if relative else str((out / rel).resolve()))
            throttle = float(cols["throttle"][center])
            mph = float(cols["speed"][center]) / MPH_TO_MS
            writer.writerow([
                *cells, f"{float(cols['steering'][center]):.7g}", f"{max(throttle, 0.0):.7g}",
                f"{max(-throttle, 0.0) + 0.0:.7g}", f"{mph:.7g}",
            ])  # fmt: skip
            rows_written += 1
    return rows_written


def _instants(cols: dict) -> list[tuple[int, list[int]]]:
    """(driven row, recovery rows at the same instant) in log order."""
    out: list[tuple[int, list[int]]] = []
    for i, source in enumerate(cols["source"]):
        if source != "recovery":
            out.append((i, []))
        elif out and cols["t"][i] == cols["t"][out[-1][0]]:
            out[-1][1].append(i)
    return out


def _sides(cols: dict, views: list[int]) -> list[tuple[str, int | None]]:
    dx = {i: float(cols["cam_dx"][i]) for i in views}
    left = min((i for i in views if dx[i] < 0), key=dx.get, default=None)
    right = max((i for i in views if dx[i] > 0), key=dx.get, default=None)
    return [("left", left), ("right", right)]
