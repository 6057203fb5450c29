"""Best laps per track, yours and every model's, kept in the user folder. No pygame.

The file is `leaderboard.json` in the user folder:
{"version": 1, "tracks": {"oval": [{"label": "You", "time_s": 41.23, "date": "2026-11-30"}]}}
Each track keeps its TOP_N fastest laps. A broken file (bad JSON, wrong shape) is reported in
one message and the board starts empty; the next saved lap writes a good file over it.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from dataclasses import dataclass
from pathlib import Path

from game.errors import UserFacingError
from game.fileio import atomic_write_text, read_json_file
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


class Leaderboard:
    """The best laps of every track; `add` a lap, `top` a track's best, `save` to disk."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self.tracks: dict[str, list[BestLap]] = {}

    @classmethod
    def load(cls, path: Path | None = None, notify=None) -> Leaderboard:
        """The board in `path` (default: the user folder's); a missing file is an empty
        board, a broken one an empty board and a message to `notify(text, kind)`."""
        board = cls(path)
        if not board.path.exists():
            return board
        try:
            board.tracks = cls._parse(read_json_file(board.path, "leaderboard", MAX_BYTES))
        except UserFacingError as e:
            if notify is not None:
                notify(f"{e}; best laps start empty", "error")
        except ValueError as e:
            if notify is not None:
                notify(f"{board.path}: {e}; best laps start empty", "error")
        return board

    @staticmethod
    def _parse(data: object) -> dict[str, list[BestLap]]:
        if not isinstance(data, dict) or not isinstance(data.get("tracks"), dict):
            raise ValueError('not a leaderboard (no "tracks" object)')
        tracks: dict[str, list[BestLap]] = {}
        for name, laps in data["tracks"].items():
            if not isinstance(laps, list):
                raise ValueError(f'track "{name}": laps must be a list')
            good = [lap for lap in (_entry(x) for x in laps) if lap is not None]
            if len(good) != len(laps):
                raise ValueError(f'track "{name}": a lap needs a label, time_s and date')
            tracks[name] = sorted(good, key=lambda lap: lap.time_s)[:TOP_N]
        return tracks

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
        """Write the board atomically (raises OSError: the caller reports it)."""
        data = {
            "version": VERSION,
            "tracks": {
                name: [{"label": x.label, "time_s": x.time_s, "date": x.date} for x in laps]
                for name, laps in sorted(self.tracks.items())
            },
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path, json.dumps(data, indent=1) + "\n")
