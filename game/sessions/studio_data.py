"""A recording as the Studio and `main.py session` see it: find it, sum it up, edit it.

    session, edits = open_session("20261206-043544_Oval")   # a folder, or a name in recordings
    print("\n".join(overview(session, edits).lines()))
    trim(path, 100, 200); restore(path, 150, 160); mirror(path, 0, 30)   # log rows [A, B)

Edits go to the session's edits.json (agents/driving/session_edits.py), never into log.csv;
a bad session, meta.json, log.csv, edits.json or range is a UserFacingError naming the file.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agents.driving.recording_log import LOG_NAME, SOURCES
from agents.driving.recording_reader import Session, SessionSummary, list_sessions, load_session
from agents.driving.recovery_views import FOLDER_NAME as RECOVERY_FOLDER
from agents.driving.session_edits import (
    Range,
    SessionEdits,
    check_range,
    read_edits,
    write_edits,
)
from game.errors import UserFacingError
from game.paths import user_dir

# --- finding and summing up a session (the screen and the CLI) ---------------------------------


def studio_sessions(root: Path | None = None) -> list[SessionSummary]:
    """The recordings the Studio lists: every session folder, never a derived recovery-views
    folder (training makes those beside a person's session)."""
    found = list_sessions(root or user_dir("recordings"))
    return [s for s in found if s.path.name != RECOVERY_FOLDER]


def resolve_session(name: str | os.PathLike[str]) -> Path:
    """A session folder from a path, or from a folder name in the user's recordings."""
    p = Path(name)
    for candidate in (p, user_dir("recordings") / p):
        if (candidate / LOG_NAME).is_file():
            return candidate
    if p.is_dir():
        raise UserFacingError(f"{p}: not a recording session folder (no {LOG_NAME})")
    raise UserFacingError(
        f"{name}: no such recording session (a folder path, or a name in {user_dir('recordings')})"
    )


def open_session(name: str | os.PathLike[str]) -> tuple[Session, SessionEdits]:
    """The loaded session and its edits; UserFacingError naming the file when unreadable."""
    session = load_session(resolve_session(name))
    return session, read_edits(session.dir)


def mask_ranges(mask: np.ndarray) -> list[Range]:
    """The runs of True in a bool array as [start, end) ranges."""
    m = np.concatenate([[False], np.asarray(mask, bool), [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(m))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


@dataclass(frozen=True)
class SessionOverview:
    """What `session show` prints and the Studio's header says about one session."""

    path: Path
    log_rows: int  # rows in log.csv
    rows: int  # rows that read (frames present and sound)
    skipped: int
    track: str
    look: str
    origin: str  # meta.json's source: who recorded it (or where it was imported from)
    created: str
    rate_hz: float
    duration_s: float
    sources: dict[str, int]
    deleted: list[Range]  # log rows
    mirrored: list[Range]
    deleted_rows: int  # of the rows that read
    mirrored_rows: int
    problems: list[str] = field(default_factory=list)

    @property
    def trainable(self) -> int:
        return self.rows - self.deleted_rows

    def lines(self) -> list[str]:
        out = [
            f"session   {self.path}",
            f"track     {self.track or '-'}   look {self.look or '-'}   recorded by "
            f"{self.origin or '-'}   {self.created or ''}".rstrip(),
            f"rows      {self.rows} of {self.log_rows} in {LOG_NAME} ({self.skipped} bad), "
            f"{self.duration_s:.1f} s at {self.rate_hz:g} Hz",
            "sources   " + ("  ".join(f"{k} {v}" for k, v in self.sources.items()) or "-"),
            f"deleted   {self.deleted_rows} rows: {_ranges_text(self.deleted)}",
            f"mirrored  {self.mirrored_rows} rows: {_ranges_text(self.mirrored)}",
            f"trains on {self.trainable} rows",
        ]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path), "log_rows": self.log_rows, "rows": self.rows,
            "skipped": self.skipped, "track": self.track, "look": self.look,
            "origin": self.origin, "created": self.created, "rate_hz": self.rate_hz,
            "duration_s": round(self.duration_s, 3), "sources": self.sources,
            "deleted": [list(r) for r in self.deleted],
            "mirrored": [list(r) for r in self.mirrored],
            "deleted_rows": self.deleted_rows, "mirrored_rows": self.mirrored_rows,
        }  # fmt: skip


def _ranges_text(ranges: list[Range]) -> str:
    return ", ".join(f"[{a}, {b})" for a, b in ranges) or "none"


def source_counts(session: Session) -> dict[str, int]:
    """Rows per source, the known sources first in their usual order."""
    counts = Counter(str(s) for s in session.columns.get("source", []))
    known = {s: counts.pop(s) for s in SOURCES if s in counts}
    return {**known, **dict(sorted(counts.items()))}


def duration_s(session: Session) -> float:
    t = session.columns.get("t")
    if t is None or len(t) < 2:
        return len(session) / max(session.info.rate_hz, 1e-6)
    return float(np.max(t) - np.min(t)) + 1.0 / max(session.info.rate_hz, 1e-6)


def overview(session: Session, edits: SessionEdits) -> SessionOverview:
    info = session.info
    return SessionOverview(
        path=session.dir,
        log_rows=session.log_row_count,
        rows=len(session),
        skipped=session.skipped,
        track=info.track,
        look=info.look,
        origin=info.source,
        created=info.created,
        rate_hz=info.rate_hz,
        duration_s=duration_s(session),
        sources=source_counts(session),
        deleted=list(edits.deleted),
        mirrored=list(edits.mirrored),
        deleted_rows=int(edits.deleted_mask(session.log_rows).sum()),
        mirrored_rows=int(edits.mirrored_mask(session.log_rows).sum()),
        problems=list(session.problems),
    )


# --- editing (log rows) ------------------------------------------------------------------------


def edit_session(
    name: str | os.PathLike[str], change: Callable[[Session, SessionEdits], None]
) -> tuple[Session, SessionEdits]:
    """Load a session and its edits, apply `change`, write the edits back atomically."""
    session, edits = open_session(name)
    change(session, edits)
    write_edits(session.dir, edits)
    return session, edits


def _checked(session: Session, start: int, end: int) -> Range:
    return check_range((start, end), session.log_row_count, session.dir)


def trim(name: str | os.PathLike[str], start: int, end: int) -> tuple[Session, SessionEdits]:
    """Softly delete log rows [start, end) (restorable; training skips them)."""
    return edit_session(name, lambda s, e: e.delete(_checked(s, start, end)))


def restore(
    name: str | os.PathLike[str], start: int | None = None, end: int | None = None
) -> tuple[Session, SessionEdits]:
    """Undelete log rows [start, end), or every deleted row when both are None."""

    def change(session: Session, edits: SessionEdits) -> None:
        if start is None and end is None:
            edits.restore(None)
        elif start is None or end is None:
            raise UserFacingError("give both ends of the range (--from A --to B), or --all")
        else:
            edits.restore(_checked(session, start, end))

    return edit_session(name, change)


def mirror(
    name: str | os.PathLike[str], start: int, end: int, on: bool = True
) -> tuple[Session, SessionEdits]:
    """Mark log rows [start, end) mirrored (or not): training flips them, steering negated."""
    return edit_session(name, lambda s, e: e.set_mirrored(_checked(s, start, end), on))
