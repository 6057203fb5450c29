"""Best laps per track, yours and every model's, kept in the user folder. No pygame.

The file is `leaderboard.json` in the user folder:
{"version": 1, "tracks": {"oval": [{"label": "You", "time_s": 41.23, "date": "2026-11-30"}]}}
Each track keeps its TOP_N fastest laps. A broken file keeps what can be read: a lap that is
not valid is dropped with one message naming it, an unreadable file (bad JSON, wrong shape)
starts empty with one message; either way the next save sets the file aside as
leaderboard.json.broken-N (game.fileio.set_aside) and writes the good laps.

Saving follows game.fileio's rule for read-modify-write files: under the file's lock the
board on disk is read again and merged with this one (the TOP_N fastest of both), so two
games saving laps at once both keep theirs.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from dataclasses import dataclass
from pathlib import Path

from game.errors import UserFacingError
from game.fileio import atomic_write_text, locked, read_json_file, set_aside
from game.paths import user_home

FILE_NAME = "leaderboard.json"
TOP_N = 10
MAX_BYTES = 2_000_000  # TOP_N laps per track: far below this for any real board
VERSION = 1


@dataclass(frozen=True)
class BestLap:
    label: str  # who drove it: "You", "Expert", a model's name
    time_s: float
    date: str  # ISO date the lap was driven


def default_path() -> Path:
    return user_home() / FILE_NAME


def _entry(raw: object) -> BestLap | None:
    """One lap from the file, or None when it is not a valid one."""
    if not isinstance(raw, dict):
        return None
    label, time_s, date = raw.get("label"), raw.get("time_s"), raw.get("date", "")
    if not isinstance(label, str) or not label or not isinstance(date, str):
        return None
    if isinstance(time_s, bool) or not isinstance(time_s, (int, float)):
        return None
    if not math.isfinite(time_s) or time_s <= 0:
        return None
    return BestLap(label, float(time_s), date)


def _read(path: Path) -> tuple[dict[str, list[BestLap]], str]:
    """The good laps of the file at `path` and, when some or all could not be read, one
    message naming the file and what was dropped ("" for a good or missing file)."""
    if not path.exists():
        return {}, ""
    try:
        data = read_json_file(path, "leaderboard", MAX_BYTES)
    except UserFacingError as e:
        return {}, f"{e}; best laps start empty"
    if not isinstance(data, dict) or not isinstance(data.get("tracks"), dict):
        return {}, f'{path}: not a leaderboard (no "tracks" object); best laps start empty'
    tracks: dict[str, list[BestLap]] = {}
    dropped: list[str] = []
    for name, laps in data["tracks"].items():
        if not isinstance(laps, list):
            dropped.append(f'track "{name[:40]}" (its laps are not a list)')
            continue
        good = [lap for lap in (_entry(x) for x in laps) if lap is not None]
        for i, raw in enumerate(laps):
            if _entry(raw) is None:
                dropped.append(f'track "{name[:40]}" lap {i + 1} ({_short(raw)})')
        if good:
            tracks[name] = sorted(good, key=lambda lap: lap.time_s)[:TOP_N]
    if not dropped:
        return tracks, ""
    more = f" and {len(dropped) - 3} more" if len(dropped) > 3 else ""
    return tracks, (
        f"{path}: dropped {'; '.join(dropped[:3])}{more}: a lap needs a label, a time_s in "
        f"seconds and a date; the other laps are kept"
    )


def _short(raw: object) -> str:
    text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "..."


def _merged(*boards: dict[str, list[BestLap]]) -> dict[str, list[BestLap]]:
    """Every track's TOP_N fastest laps of all `boards` (a lap in two of them counts once)."""
    out: dict[str, list[BestLap]] = {}
    for name in sorted({n for b in boards for n in b}):
        laps = {lap for b in boards for lap in b.get(name, [])}
        out[name] = sorted(laps, key=lambda x: (x.time_s, x.label, x.date))[:TOP_N]
    return out


class Leaderboard:
    """The best laps of every track; `add` a lap, `top` a track's best, `save` to disk."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self.tracks: dict[str, list[BestLap]] = {}
        self.problem = ""  # why the file on disk could not be read whole ("" when it could)

    @classmethod
    def load(cls, path: Path | None = None, notify=None) -> Leaderboard:
        """The board in `path` (default: the user folder's); a missing file is an empty
        board; a broken one keeps its good laps, with one message to `notify(text, kind)`."""
        board = cls(path)
        board.tracks, board.problem = _read(board.path)
        if board.problem and notify is not None:
            notify(board.problem, "error")
        return board

    def top(self, track: str, n: int = TOP_N) -> list[BestLap]:
        return list(self.tracks.get(track, [])[:n])

    def add(self, track: str, label: str, time_s: float, date: str | None = None) -> bool:
        """Add a lap; True when it made the track's top TOP_N (and so needs saving)."""
        if not math.isfinite(time_s) or time_s <= 0:
            return False
        lap = BestLap(label, round(float(time_s), 3), date or _dt.date.today().isoformat())
        laps = sorted([*self.tracks.get(track, []), lap], key=lambda x: x.time_s)[:TOP_N]
        if lap not in laps:
            return False
        self.tracks[track] = laps
        return True

    def save(self) -> None:
        """Merge this board with the file on disk and write the result atomically, under the
        file's lock; a file that could not be read whole is set aside first (NAME.broken-N).
        Raises OSError (the caller reports it); this board then holds the merged laps."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with locked(self.path):
            on_disk, problem = _read(self.path)
            if problem:
                set_aside(self.path)  # never write over a file we could not read whole
            self.tracks = _merged(on_disk, self.tracks)
            self._write()
            self.problem = ""

    def _write(self) -> None:
        data = {
            "version": VERSION,
            "tracks": {
                name: [{"label": x.label, "time_s": x.time_s, "date": x.date} for x in laps]
                for name, laps in sorted(self.tracks.items())
            },
        }
        atomic_write_text(self.path, json.dumps(data, indent=1) + "\n")
