"""A session's edits: rows softly deleted and rows mirrored, kept beside the recording.

The studio (game/sessions/studio.py) and `main.py session trim|restore` change nothing in
log.csv or frames/: they write `edits.json` in the session folder, so every edit can be
undone and the recording itself stays as it was made:

    {"format": 1,
     "deleted":  [[120, 180], [400, 410]],
     "mirrored": [[0, 60]]}

Each range is [start, end) in log.csv rows, row 0 being the first row after the header
(the row numbers `Session.log_rows` holds: a row that turns bad later does not shift the
ranges after it). Ranges are kept sorted and merged. Training (agents/driving/dataset.py)
leaves deleted rows out and trains mirrored rows flipped left-right with their steering
negated. The file is written atomically (game.fileio); a missing file means no edits, a
broken one is an error naming it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from game.errors import UserFacingError
from game.fileio import atomic_write_text, read_json_file

EDITS_NAME = "edits.json"
EDITS_FORMAT = 1
MAX_EDITS_BYTES = 2_000_000
KINDS = ("deleted", "mirrored")

Range = tuple[int, int]


def merge(ranges: list[Range]) -> list[Range]:
    """Sorted, non-empty, non-overlapping ranges covering the same rows (touching ones join)."""
    out: list[Range] = []
    for a, b in sorted(r for r in ranges if r[1] > r[0]):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def subtract(ranges: list[Range], cut: Range) -> list[Range]:
    """`ranges` without the rows of `cut`."""
    a, b = cut
    out: list[Range] = []
    for s, e in ranges:
        if e <= a or s >= b:
            out.append((s, e))
            continue
        if s < a:
            out.append((s, a))
        if e > b:
            out.append((b, e))
    return out


def covered(ranges: list[Range], rows: np.ndarray) -> np.ndarray:
    """A bool per entry of `rows` (log row numbers): inside one of `ranges`."""
    rows = np.asarray(rows, dtype=np.int64)
    mask = np.zeros(len(rows), dtype=bool)
    for a, b in ranges:
        mask |= (rows >= a) & (rows < b)
    return mask


def count(ranges: list[Range]) -> int:
    return sum(b - a for a, b in ranges)


@dataclass
class SessionEdits:
    """The edits of one session (both lists merged and sorted)."""

    deleted: list[Range] = field(default_factory=list)
    mirrored: list[Range] = field(default_factory=list)

    def deleted_mask(self, rows: np.ndarray) -> np.ndarray:
        return covered(self.deleted, rows)

    def mirrored_mask(self, rows: np.ndarray) -> np.ndarray:
        return covered(self.mirrored, rows)

    def delete(self, rng: Range) -> None:
        self.deleted = merge([*self.deleted, rng])

    def restore(self, rng: Range | None = None) -> None:
        """Undelete the rows of `rng`, or every deleted row when None."""
        self.deleted = [] if rng is None else subtract(self.deleted, rng)

    def set_mirrored(self, rng: Range, on: bool = True) -> None:
        self.mirrored = merge([*self.mirrored, rng]) if on else subtract(self.mirrored, rng)

    @property
    def empty(self) -> bool:
        return not self.deleted and not self.mirrored

    def to_json(self) -> str:
        # One line per kind, so the file reads like the docstring's example.
        lists = {k: json.dumps([list(r) for r in getattr(self, k)]) for k in KINDS}
        lines = [f' "format": {EDITS_FORMAT}', *(f' "{k}": {v}' for k, v in lists.items())]
        body = ",\n".join(lines)
        return "{\n" + body + "\n}\n"


def edits_path(folder: str | os.PathLike[str]) -> Path:
    return Path(folder) / EDITS_NAME


def _ranges(data: dict, key: str, path: Path) -> list[Range]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise UserFacingError(f"{path}: field {key!r} must be a list of [start, end) row ranges")
    out = []
    for i, r in enumerate(value):
        ok = (
            isinstance(r, list)
            and len(r) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in r)
            and 0 <= r[0] < r[1]
        )
        if not ok:
            raise UserFacingError(
                f"{path}: {key}[{i}] must be [start, end) with 0 <= start < end, got {r!r:.40}"
            )
        out.append((r[0], r[1]))
    return merge(out)


def read_edits(folder: str | os.PathLike[str]) -> SessionEdits:
    """The session's edits; none when it has no edits.json; UserFacingError if it is broken."""
    path = edits_path(folder)
    if not path.exists() and not path.is_symlink():
        return SessionEdits()
    data = read_json_file(path, "session edits file", MAX_EDITS_BYTES)
    if not isinstance(data, dict):
        raise UserFacingError(f"{path}: must hold a JSON object")
    fmt = data.get("format", EDITS_FORMAT)
    if not isinstance(fmt, int) or isinstance(fmt, bool) or not 1 <= fmt <= EDITS_FORMAT:
        raise UserFacingError(
            f"{path}: format {fmt!r:.20} is not one this version reads ({EDITS_FORMAT})"
        )
    return SessionEdits(*(_ranges(data, k, path) for k in KINDS))


def write_edits(folder: str | os.PathLike[str], edits: SessionEdits) -> None:
    """Write edits.json atomically (a crash leaves the old file or the new one, never half)."""
    atomic_write_text(edits_path(folder), edits.to_json())


def check_range(rng: Range, row_count: int, where: str | os.PathLike[str]) -> Range:
    """`rng` if it is a non-empty [start, end) inside a log of `row_count` rows, else a
    UserFacingError naming the session."""
    a, b = rng
    if not 0 <= a < b <= row_count:
        raise UserFacingError(
            f"{where}: rows [{a}, {b}) are not a range of this session's rows "
            f"(it has rows 0 to {row_count - 1}; give --from A --to B with A < B <= {row_count})"
        )
    return a, b
