"""The shipped tracks, and one way to turn any user's track spec into a Track.

A spec is a shipped track's name (case-insensitive; its display name or its file stem, e.g.
"Brands Hatch" or "brands_hatch"), a path to a track JSON file, or "gen:SEED".
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from game.paths import assets_dir
from game.sim.track import Track, TrackError, load_track_file
from game.sim.trackgen import generate_track

GEN_PREFIX = "gen:"
# Menu order, easiest first; any other shipped file follows alphabetically.
PREFERRED_ORDER = ("oval", "kidney", "hairpin", "norisring", "brands_hatch", "spielberg")


def tracks_dir() -> Path:
    return assets_dir() / "tracks"


@lru_cache(maxsize=1)
def _shipped_files() -> dict[str, Path]:
    """Lower-case key (file stem and display name) -> file, in file-name order."""
    files: dict[str, Path] = {}
    for path in sorted(tracks_dir().glob("*.json")):
        files[path.stem.lower()] = path
        try:
            name = json.loads(path.read_text()).get("name")
        except (OSError, ValueError, AttributeError):
            continue  # a broken shipped file is reported when it is actually loaded
        if isinstance(name, str):
            files.setdefault(name.lower(), path)
    return files


def list_tracks() -> list[str]:
    """File stems of the shipped tracks, easiest first: ["oval", "kidney", ...]."""
    stems = {p.stem for p in _shipped_files().values()}
    first = [s for s in PREFERRED_ORDER if s in stems]
    return first + sorted(stems - set(first))


@lru_cache(maxsize=32)
def _load_cached(path: Path, mtime_ns: int) -> Track:
    # Keyed on mtime too: a track file edited while the game runs is read again.
    return load_track_file(path)


def load_track_cached(path: str | Path) -> Track:
    path = Path(path).resolve()
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        mtime = -1  # let load_track_file produce the error message
    return _load_cached(path, mtime)


@lru_cache(maxsize=32)
def _generated(seed: int) -> Track:
    return generate_track(seed)


def resolve_track(spec: str) -> Track:
    """Track for a shipped name, a JSON file path or "gen:SEED"; TrackError if none fits.

    Tracks are cached and shared: treat them as read-only.
    """
    text = str(spec).strip()
    if text.lower().startswith(GEN_PREFIX):
        seed_text = text[len(GEN_PREFIX) :].strip()
        try:
            seed = int(seed_text)
        except ValueError:
            raise TrackError(
                f"track {spec!r}: the seed after 'gen:' must be a whole number, e.g. gen:7"
            ) from None
        if seed < 0:
            raise TrackError(f"track {spec!r}: the seed must not be negative")
        return _generated(seed)
    shipped = _shipped_files().get(text.lower())
    if shipped is not None:
        return load_track_cached(shipped)
    path = Path(text).expanduser()
    if path.suffix.lower() == ".json" or path.exists():
        if path.is_dir():
            raise TrackError(f"{path}: is a folder, not a track file")
        if not path.exists():
            raise TrackError(f"{path}: no such track file")
        return load_track_cached(path)
    raise TrackError(
        f"unknown track {spec!r}; use one of {', '.join(list_tracks())}, a path to a track"
        " .json file, or gen:SEED"
    )
