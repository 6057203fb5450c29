"""Where things live: read-only shipped assets vs the user's writable data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "NeuralArcade"
HOME_ENV = "NEURAL_ARCADE_HOME"

_home_override: Path | None = None


def project_root() -> Path:
    """Root of the shipped files (repository checkout, or PyInstaller's bundle dir)."""
    bundle = getattr(sys, "_MEIPASS", None)
    return Path(bundle) if bundle else Path(__file__).resolve().parent.parent


def assets_dir() -> Path:
    return project_root() / "assets"


def shipped_models_dir() -> Path:
    return project_root() / "models"


def set_home(path: str | os.PathLike[str] | None) -> None:
    """Override the user data folder (the CLI's --home)."""
    global _home_override
    _home_override = Path(path).expanduser().resolve() if path else None


def user_home() -> Path:
    """The writable user data folder: --home, then $NEURAL_ARCADE_HOME, then the OS default."""
    if _home_override is not None:
        home = _home_override
    elif os.environ.get(HOME_ENV):
        home = Path(os.environ[HOME_ENV]).expanduser().resolve()
    else:
        from platformdirs import user_data_path  # only needed when nothing overrides it

        home = user_data_path(APP_NAME, appauthor=False)
    home.mkdir(parents=True, exist_ok=True)
    return home


def user_dir(name: str) -> Path:
    """A sub-folder of the user data folder, created on demand (recordings, models, rps, ...)."""
    path = user_home() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def user_cache_dir(name: str) -> Path:
    """A sub-folder for derived files that are safe to delete (converted models, ...).

    Under --home / $NEURAL_ARCADE_HOME it is `<home>/cache/<name>`, so an overridden home keeps
    everything (and a test's tmp home its own cache); otherwise the OS cache folder.
    """
    if _home_override is not None or os.environ.get(HOME_ENV):
        base = user_home() / "cache"
    else:
        from platformdirs import user_cache_path  # only needed when nothing overrides it

        base = user_cache_path(APP_NAME, appauthor=False)
    path = base / name
    path.mkdir(parents=True, exist_ok=True)
    return path
