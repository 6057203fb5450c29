"""The player's settings (sound volume, mute), kept in settings.json in the user folder.

A missing file means defaults. A broken one (bad JSON, wrong types, out-of-range values)
also gives defaults for what is wrong, plus a one-line warning naming the file for the
app to show; the game never fails to start over it. Keys this version does not know are
kept and written back, so a newer version's settings survive a round trip through an
older one.

Saving follows game.fileio's rule for read-modify-write files: under the file's lock the file
is read again, keys another program added are kept, a broken file is set aside as
settings.json.broken-N (never written over blind), and the result replaces it atomically.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from game.errors import UserFacingError
from game.fileio import atomic_write_text, locked, read_json_file, set_aside
from game.paths import user_home

SETTINGS_FILE = "settings.json"
MAX_SETTINGS_BYTES = 100_000
DEFAULT_VOLUME = 0.8
VOLUME_STEP = 0.1


@dataclass
class Settings:
    volume: float = DEFAULT_VOLUME  # 0..1, shown as 0-100 %
    muted: bool = False
    extra: dict[str, Any] = field(default_factory=dict, repr=False)  # keys we do not know

    def step_volume(self, steps: int) -> None:
        """Change the volume by `steps` tenths, within 0..1 (rounded to whole percent)."""
        self.volume = round(min(max(self.volume + steps * VOLUME_STEP, 0.0), 1.0), 2)

    @property
    def effective_volume(self) -> float:
        """What the mixer plays at: 0 when muted."""
        return 0.0 if self.muted else self.volume

    def to_json(self) -> dict[str, Any]:
        return {**self.extra, "volume": self.volume, "muted": self.muted}


def settings_path() -> Path:
    return user_home() / SETTINGS_FILE


def load_settings(path: Path | None = None) -> tuple[Settings, str | None]:
    """(settings, warning): defaults for a missing file; for a broken one, defaults for
    what is broken and a warning naming the file."""
    path = settings_path() if path is None else path
    if not path.exists():
        return Settings(), None
    try:
        data = read_json_file(path, what="settings file", max_bytes=MAX_SETTINGS_BYTES)
    except UserFacingError as e:
        return Settings(), f"{e}; using default settings"
    if not isinstance(data, dict):
        return Settings(), f"{path}: not a JSON object; using default settings"
    settings, problems = Settings(), []
    volume = data.get("volume", DEFAULT_VOLUME)
    if (
        isinstance(volume, (int, float))
        and not isinstance(volume, bool)
        and math.isfinite(volume)
        and 0.0 <= volume <= 1.0
    ):
        settings.volume = float(volume)
    else:
        problems.append(f"volume {volume!r} is not a number from 0 to 1")
    muted = data.get("muted", False)
    if isinstance(muted, bool):
        settings.muted = muted
    else:
        problems.append(f"muted {muted!r} is not true or false")
    settings.extra = {k: v for k, v in data.items() if k not in ("volume", "muted")}
    warning = f"{path}: {'; '.join(problems)}; using the default" if problems else None
    return settings, warning


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write the settings atomically under the file's lock, keeping the keys the file on disk
    has that `settings` lacks; a broken file is set aside first. Raises OSError naming the
    file (e.g. a full disk: the old file stays)."""
    path = settings_path() if path is None else path
    with locked(path):
        on_disk, warning = load_settings(path)
        if warning is not None:
            set_aside(path)  # never write defaults over a file the person may want back
        settings.extra = {**on_disk.extra, **settings.extra}
        atomic_write_text(path, json.dumps(settings.to_json(), indent=2) + "\n")
