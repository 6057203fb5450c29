"""The shipped tracks, and one way to turn any user's track spec into a Track.

A spec is a shipped track's name (case-insensitive; its display name or its file stem, e.g.
"Brands Hatch" or "brands_hatch"), a path to a track JSON file, the file stem of a track in
the user's tracks folder (user_dir("tracks")), or "gen:SEED".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from game.errors import UserFacingError
from game.fileio import read_json_file
from game.paths import assets_dir, user_dir
from game.sim.track import MAX_TRACK_FILE_BYTES, Track, TrackError, load_track_file
from game.sim.trackgen import generate_track

GEN_PREFIX = "gen:"
MAX_GEN_SEED = 2**32 - 1  # the seeds `track-gen` takes (cli.argtypes.MAX_SEED)
# Menu order, easiest first; any other shipped file follows alphabetically.
PREFERRED_ORDER = ("oval", "kidney", "hairpin", "norisring", "brands_hatch", "spielberg")


def tracks_dir() -> Path:
    return assets_dir() / "tracks"


def user_tracks_dir() -> Path:
    """The user's own track files (created on demand)."""
    return user_dir("tracks")


@lru_cache(maxsize=1)
def _shipped_files() -> dict[str, Path]:
    """Lower-case key (file stem and display name) -> file, in file-name order."""
    files: dict[str, Path] = {}
    for path in sorted(tracks_dir().glob("*.json")):
        files[path.stem.lower()] = path
        try:
            data = read_json_file(path, "track file", MAX_TRACK_FILE_BYTES)
        except UserFacingError:
            continue  # a broken shipped file is reported when it is actually loaded
        name = data.get("name") if isinstance(data, dict) else None
        if isinstance(name, str):
            files.setdefault(name.lower(), path)
    return files


def _user_files() -> dict[str, Path]:
    """Lower-case file stem -> file in the user's tracks folder, read afresh on each call
    (names are not read from the files, so listing never parses them)."""
    try:
        paths = sorted(user_tracks_dir().glob("*.json"))
    except OSError:
        return {}  # an unreadable folder lists nothing rather than breaking a screen
    return {p.stem.lower(): p for p in paths}


def list_tracks(user: bool = False) -> list[str]:
    """File stems of the shipped tracks, easiest first: ["oval", "kidney", ...].

    With `user`, the specs of the user's own track files follow (their stem, or their path
    where a shipped track has that name); they may be broken: resolve_track says why.
    """
    stems = {p.stem for p in _shipped_files().values()}
    first = [s for s in PREFERRED_ORDER if s in stems]
    shipped = first + sorted(stems - set(first))
    if not user:
        return shipped
    taken = _shipped_files()
    return shipped + [str(p) if key in taken else p.stem for key, p in _user_files().items()]


@dataclass(frozen=True)
class TrackEntry:
    """One line of the track list: a spec resolve_track accepts, and the track or its problem."""

    spec: str
    path: Path
    shipped: bool
    track: Track | None = None
    error: str | None = None  # one line naming the file, when the track cannot be used


def track_entries(user: bool = True) -> list[TrackEntry]:
    """Every shipped (and user) track file loaded, each bad one with its message, never raising.

    One broken file in the user's folder must not hide the rest of the list.
    """
    shipped = _shipped_files()
    mine = _user_files() if user else {}
    entries = []
    for spec in list_tracks(user=user):
        is_shipped = spec.lower() in shipped
        path = shipped[spec.lower()] if is_shipped else mine.get(Path(spec).stem.lower())
        path = path or Path(spec)
        try:
            entries.append(TrackEntry(spec, path, is_shipped, resolve_track(spec)))
        except UserFacingError as e:
            entries.append(TrackEntry(spec, path, is_shipped, error=str(e)))
    return entries


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
        shown = text if len(text) <= 40 else text[:37] + "..."  # a 5000-digit seed: one line
        try:
            seed = int(seed_text) if len(seed_text) <= 40 else None
        except ValueError:
            seed = None
        if seed is None or seed < 0 or seed > MAX_GEN_SEED:
            raise TrackError(
                f"track {shown!r}: the seed after 'gen:' must be a whole number from 0 to "
                f"{MAX_GEN_SEED:,}, e.g. gen:7"
            )
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
    mine = _user_files().get(text.lower())
    if mine is not None:
        return load_track_cached(mine)
    raise TrackError(
        f"unknown track {spec!r}; use one of {', '.join(list_tracks(user=True))}, a path to a"
        " track .json file, or gen:SEED"
    )
