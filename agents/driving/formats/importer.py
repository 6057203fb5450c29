"""`import-data`: detect a foreign dataset's format and import it as a session folder."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agents.driving.formats import donkey, udacity
from agents.driving.formats.common import FORMATS, CameraMap, ImportResult, import_frames
from game.errors import UserFacingError


def detect_format(path: str | os.PathLike[str]) -> str:
    """ "udacity" or "donkey" from what the folder holds; UserFacingError when neither."""
    path = Path(path)
    if not path.exists():
        raise UserFacingError(f"{path}: no such file or folder")
    if udacity.looks_like(path):
        return "udacity"
    if path.is_dir() and donkey.looks_like(path):
        return "donkey"
    raise UserFacingError(
        f"{path}: neither a Udacity folder (no {udacity.LOG_NAME}) nor a Donkey tub "
        f"(no {donkey.MANIFEST} or catalog_N.catalog); choose --format if it is one"
    )


@dataclass(frozen=True)
class ImportOptions:
    """The choices `import-data` offers; None means the format's default."""

    fmt: str = "auto"
    name: str | None = None
    out: str | os.PathLike[str] | None = None
    crop: tuple[float, float, float, float] | None = None  # L,T,R,B pixels -> road window
    steering_scale: float = 1.0
    side_correction: float | None = None  # Udacity side cameras (off by default)
    rate_hz: float | None = None  # Udacity only: its log has no times


def check_options(path: str | os.PathLike[str], options: ImportOptions) -> str:
    """The dataset's format; UserFacingError for options that do not fit it (before any bar
    or folder is made)."""
    fmt = detect_format(path) if options.fmt == "auto" else options.fmt
    if fmt not in FORMATS:
        raise UserFacingError(f"unknown format {fmt!r}; choose auto, {', '.join(FORMATS)}")
    if options.side_correction is not None and fmt != "udacity":
        raise UserFacingError("--side-cameras is for Udacity folders (Donkey has one camera)")
    if options.rate_hz is not None and not 0 < options.rate_hz <= 1000:
        raise UserFacingError(f"--rate must be 0-1000 samples per second, got {options.rate_hz}")
    return fmt


def import_dataset(
    path: str | os.PathLike[str],
    options: ImportOptions,
    progress: Callable[[int], None] | None = None,
    problem: Callable[[str], None] | None = None,
    total: Callable[[int], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> ImportResult:
    """Import the dataset at `path`. `total(n)` is told the records expected (for a progress
    bar), `progress(1)` is called per record read, `problem(line)` per record left out;
    `stop()` true ends the import early, keeping the records written (a valid session)."""
    path = Path(path)
    fmt = check_options(path, options)
    origin: dict = {
        "format": fmt,
        "path": str(path.resolve()),
        "steering_scale": options.steering_scale,
    }
    stats: dict = {}
    if fmt == "udacity":
        if not udacity.log_path(path).is_file():
            raise UserFacingError(f"{path}: no {udacity.LOG_NAME}; not a Udacity folder")
        rate = options.rate_hz or udacity.DEFAULT_RATE_HZ
        records = udacity.read(path, options.side_correction, options.steering_scale, rate)
        default_camera = udacity.default_camera()
        origin["side_cameras"] = options.side_correction is not None
        origin["side_steering_correction"] = options.side_correction
        origin["rate_hz_assumed"] = rate
        expected = udacity.count_rows(path) * (3 if options.side_correction is not None else 1)
        name = options.name or f"udacity-{udacity.log_path(path).parent.resolve().name}"
    else:
        if not path.is_dir():
            raise UserFacingError(f"{path}: a Donkey tub is a folder")
        rate = donkey.DEFAULT_RATE_HZ
        records = donkey.read(path, options.steering_scale, stats)
        default_camera = donkey.default_camera()
        origin["speed"] = False  # Donkey logs no speed
        expected = donkey.Manifest(path).total
        name = options.name or f"donkey-{path.resolve().name}"
    camera = CameraMap(options.crop) if options.crop is not None else default_camera
    if total is not None:
        total(expected)
    return import_frames(
        records, options.out, name, camera, origin, rate,
        progress=(lambda: progress(1)) if progress is not None else None, problem=problem,
        stats=stats, stop=stop,
    )  # fmt: skip
