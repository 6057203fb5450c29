"""Numbers and paths as the player reads them: times that carry into minutes, plural forms,
user-folder paths shortened. Pure stdlib, so the sessions (no pygame) and the screens share it.

    format_time(59.95) -> "1:00.0"      format_clock(119.6) -> "2:00"
    plural(1, "epoch") -> "1 epoch"     short_path(user_home() / "models/a.h5") -> "models/a.h5"
"""

from __future__ import annotations

import os
from pathlib import Path

from game.paths import user_home

NO_TIME = "--:--.-"


def _split(units: int, per_second: int) -> tuple[int, int, int, int]:
    """Whole (hours, minutes, seconds, fraction units) of `units` (1/per_second s each)."""
    secs, frac = divmod(units, per_second)
    mins, secs = divmod(secs, 60)
    hours, mins = divmod(mins, 60)
    return hours, mins, secs, frac


def format_time(seconds: float | None) -> str:
    """A lap or race time as m:ss.s (h:mm:ss.s from an hour), rounded to the tenth *before*
    it is split, so 59.95 s reads 1:00.0, never 0:60.0. None (no time yet) reads --:--.-."""
    if seconds is None or seconds != seconds:
        return NO_TIME
    h, m, s, tenth = _split(round(max(seconds, 0.0) * 10), 10)
    return f"{h}:{m:02d}:{s:02d}.{tenth}" if h else f"{m}:{s:02d}.{tenth}"


def format_clock(seconds: float | None) -> str:
    """A duration to the whole second as m:ss (h:mm:ss from an hour), e.g. an ETA."""
    if seconds is None or seconds != seconds or seconds == float("inf"):
        return "--:--"
    h, m, s, _ = _split(round(max(seconds, 0.0)), 1)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def plural(n: int, word: str, many: str | None = None) -> str:
    """`n` and `word` in the right number: 1 epoch, 2 epochs, 0 laps (`many`: an irregular
    plural, e.g. plural(n, "match", "matches"))."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def short_path(path: str | os.PathLike[str]) -> str:
    """A path as the player needs it: relative to the game's user folder ("models/a.h5"),
    else with the home folder as "~" ("~/tracks/x.json"), else as given."""
    p = Path(path)
    for base, prefix in ((user_home(), ""), (Path.home(), "~/")):
        try:
            return prefix + p.relative_to(base).as_posix()
        except ValueError:
            continue
    return str(p)


def shorten_paths(text: str) -> str:
    """`text` with every user-folder and home-folder path in it shortened as short_path does
    (for messages that embed paths, e.g. an error naming a file)."""
    for base, prefix in ((user_home(), ""), (Path.home(), "~/")):
        text = text.replace(str(base).rstrip(os.sep) + os.sep, prefix)
    return text
