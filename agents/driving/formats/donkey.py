"""Donkey Car tubs (datastore format v2).

A tub folder holds
    manifest.json           five JSON lines: the record keys ("inputs"), their types, user
                            metadata, manifest metadata (created_at, sessions), and the catalog
                            list {"paths", "current_index", "max_len", "deleted_indexes"}
    catalog_N.catalog       one JSON record per line, e.g. {"cam/image_array":
                            "12_cam_image_array_.jpg", "user/angle": 0.1, "user/throttle": 0.3,
                            "user/mode": "user", "_index": 12, "_session_id": "...",
                            "_timestamp_ms": 1650000000000}
    catalog_N.catalog_manifest  the catalog's line lengths (not needed to read it)
    images/                 the JPEGs (160x120 by default)
Donkey writes "\\r\\n" line ends. `user/angle` is -1..1 with positive to the right, as here;
`user/throttle` -1..1 (negative: brake or reverse); there is no brake and no speed, so an
imported tub trains steering (and a speed model's speed output learns nothing from it).
Records whose `_index` is in `deleted_indexes` (Donkey's soft delete) are skipped.

The frame mapping defaults to the whole image becoming the model's road window: a Donkey
camera looks down at the floor ahead, which is what the road window shows.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

from agents.driving.formats.common import CameraMap, ForeignFrame, Problem, Record, finite_number
from agents.driving.recording_reader import load_session
from game.errors import UserFacingError
from game.fileio import atomic_write_text
from game.sim.dashcam import CameraParams

MANIFEST = "manifest.json"
IMAGES_DIR = "images"
IMAGE_KEY = "cam/image_array"
ANGLE_KEY = "user/angle"
THROTTLE_KEY = "user/throttle"
MODE_KEY = "user/mode"
IMAGE_SIZE = (160, 120)  # (width, height): Donkey's default camera
DEFAULT_RATE_HZ = 20.0  # Donkey's default drive loop; used only when records lack timestamps
MAX_LINE_BYTES = 1_000_000  # a catalog line longer than this is not a record
MAX_MANIFEST_BYTES = 50_000_000  # deleted_indexes of a huge tub stay well under this
CATALOG_LEN = 1000  # records per catalog file, Donkey's default max_len
JPEG_QUALITY = 95  # as Donkey writes them (OpenCV default)
NEWLINE = "\r\n"


def default_camera() -> CameraMap:
    """The whole image onto the road window."""
    return CameraMap(None, (0.0, 0.0, 1.0, 1.0))


def looks_like(path: str | os.PathLike[str]) -> bool:
    path = Path(path)
    return (path / MANIFEST).is_file() or any(path.glob("catalog_*.catalog"))


def _catalog_number(p: Path) -> int:
    m = re.fullmatch(r"catalog_(\d+)\.catalog", p.name)
    return int(m.group(1)) if m else -1


class Manifest:
    """What manifest.json says: catalog files in order, soft-deleted indexes, record count."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.catalogs: list[Path] = []
        self.deleted: set[int] = set()
        self.total = 0
        self.problems: list[str] = []
        path = folder / MANIFEST
        try:
            lines = self._lines(path)
            info = json.loads(lines[4]) if len(lines) >= 5 else None
            if not isinstance(info, dict):
                raise ValueError("its fifth line is not the catalog object")
            paths = info.get("paths")
            if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
                raise ValueError("'paths' is not a list of catalog names")
            self.catalogs = [folder / Path(p).name for p in paths]  # no paths outside the tub
            deleted = info.get("deleted_indexes", [])
            if not isinstance(deleted, list):
                raise ValueError("'deleted_indexes' is not a list")
            self.deleted = {int(i) for i in deleted if isinstance(i, int | float)}
            current = info.get("current_index")
            self.total = int(current) if isinstance(current, int) else 0
        except (OSError, ValueError, UnicodeDecodeError) as e:
            why = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            self.problems.append(
                f"{MANIFEST}: {why[:120]}; reading every catalog_N.catalog in order instead"
                + ("" if not (folder / MANIFEST).exists() else " (deleted records not known)")
            )
            self.catalogs = sorted(folder.glob("catalog_*.catalog"), key=_catalog_number)
            self.deleted = set()

    @staticmethod
    def _lines(path: Path) -> list[str]:
        if not path.is_file():
            raise ValueError("missing")
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise ValueError(f"larger than {MAX_MANIFEST_BYTES:,} bytes")
        return [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def _lines(path: Path) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) of a catalog, streaming; bytes None for a line too long to keep."""
    with open(path, "rb") as f:
        lineno = 0
        while True:
            line = f.readline(MAX_LINE_BYTES + 1)
            if not line:
                return
            lineno += 1
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                while line and not line.endswith(b"\n"):  # skip the rest of the long line
                    line = f.readline(MAX_LINE_BYTES)
                yield lineno, None
                continue
            yield lineno, line


def read(
    path: str | os.PathLike[str], steering_scale: float = 1.0, stats: dict | None = None
) -> Iterator[Record]:
    """Stream the records of a tub (see the module doc), one catalog line at a time.
    `stats` (a dict) gets "deleted": the records skipped as soft-deleted."""
    folder = Path(path)
    manifest = Manifest(folder)
    for line in manifest.problems:
        yield Problem(line)
    if not manifest.catalogs:
        raise UserFacingError(f"{folder}: no catalog_N.catalog files; not a Donkey tub")
    counter = 0
    t0: float | None = None
    deleted = 0
    for catalog in manifest.catalogs:
        if not catalog.is_file():
            yield Problem(f"{catalog.name}: missing catalog named in {MANIFEST}")
            continue
        for lineno, raw in _lines(catalog):
            where = f"{catalog.name} line {lineno}"
            if raw is not None and not raw.strip():
                continue
            index = counter
            counter += 1
            record = _parse(raw)
            if isinstance(record, str):
                yield Problem(f"{where}: {record}")
                continue
            if isinstance(record.get("_index"), int):
                index = record["_index"]
            if index in manifest.deleted:
                deleted += 1
                continue
            angle = finite_number(record.get(ANGLE_KEY))
            if angle is None:
                yield Problem(f"{where}: {ANGLE_KEY} {record.get(ANGLE_KEY)!r:.40} is not a number")
                continue
            throttle = finite_number(record.get(THROTTLE_KEY, 0.0))
            if throttle is None:
                bad = record.get(THROTTLE_KEY)
                yield Problem(f"{where}: {THROTTLE_KEY} {bad!r:.40} is not a number")
                continue
            image = record.get(IMAGE_KEY)
            if not isinstance(image, str) or not image.strip():
                yield Problem(f"{where}: no {IMAGE_KEY} image named")
                continue
            stamp = finite_number(record.get("_timestamp_ms"))
            if stamp is not None:
                t0 = stamp if t0 is None else t0
                t = (stamp - t0) / 1000.0
            else:
                t = index / DEFAULT_RATE_HZ
            name = Path(image.replace("\\", "/")).name  # images live in images/, nowhere else
            yield ForeignFrame(
                folder / IMAGES_DIR / name, where, angle * steering_scale, throttle, None, t
            )
    if stats is not None:
        stats["deleted"] = deleted


def _parse(raw: bytes | None) -> dict | str:
    if raw is None:
        return f"line longer than {MAX_LINE_BYTES:,} bytes; not a record"
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return "not UTF-8 text"
    except json.JSONDecodeError as e:
        return f"not a JSON record ({e.msg}: a torn or damaged line)"
    except RecursionError:
        return "JSON nested too deeply"
    if not isinstance(record, dict):
        return "not a JSON object"
    return record


# --- writing (a session as a tub: round-trip tests and the data bench) ----------------------


def export_session(
    session_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    image_size: tuple[int, int] = IMAGE_SIZE,
    deleted: set[int] | None = None,
) -> int:
    """Write a session as a Donkey v2 tub: every row (recovery views too, with their own
    labels) is a record whose image is the frame's road window resized to `image_size`
    (width, height), the inverse of the default import mapping. `deleted`: record indexes to
    list as soft-deleted (tests). Returns the records written."""
    from PIL import Image

    session = load_session(session_dir)
    out = Path(out_dir)
    (out / IMAGES_DIR).mkdir(parents=True, exist_ok=False)
    top, bottom = CameraParams().road_crop
    cols = session.columns
    session_id = f"{time.strftime('%y-%m-%d')}_0"
    start_ms = int(time.time() * 1000)
    n = len(session)
    catalogs = []
    for c in range(0, max(n, 1), CATALOG_LEN):
        name = f"catalog_{c // CATALOG_LEN}.catalog"
        catalogs.append(name)
        lengths = []
        with open(out / name, "w", encoding="utf-8", newline="") as f:
            for i in range(c, min(c + CATALOG_LEN, n)):
                image = f"{i}_cam_image_array_.jpg"
                with Image.open(session.frames[i]) as img:
                    road = img.convert("RGB").crop((0, top, img.width, bottom))
                    road.resize(image_size, Image.Resampling.BILINEAR).save(
                        out / IMAGES_DIR / image, quality=JPEG_QUALITY
                    )
                record = {
                    "_index": i, "_session_id": session_id,
                    "_timestamp_ms": start_ms + int(round(float(cols["t"][i]) * 1000)),
                    IMAGE_KEY: image, ANGLE_KEY: float(cols["steering"][i]),
                    THROTTLE_KEY: float(cols["throttle"][i]), MODE_KEY: "user",
                }  # fmt: skip
                line = json.dumps(record, sort_keys=True) + NEWLINE
                f.write(line)
                lengths.append(len(line))
        meta = {"path": name + "_manifest", "created_at": time.time(), "start_index": c,
                "line_lengths": lengths}  # fmt: skip
        atomic_write_text(out / f"{name}_manifest", json.dumps(meta) + NEWLINE)
    lines = [
        [IMAGE_KEY, ANGLE_KEY, THROTTLE_KEY, MODE_KEY],
        ["image_array", "float", "float", "str"],
        {},
        {"created_at": time.time(), "sessions": {"all_full_ids": [session_id],
                                                  "last_id": 0, "last_full_id": session_id}},
        {"paths": catalogs, "current_index": n, "max_len": CATALOG_LEN,
         "deleted_indexes": sorted(deleted or ())},
    ]  # fmt: skip
    atomic_write_text(out / MANIFEST, "".join(json.dumps(x) + NEWLINE for x in lines))
    return n
