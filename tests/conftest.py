"""Test set-up: headless SDL, quiet TF, and a throw-away user data folder per test session."""

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Every test writes user data under its own tmp folder, never the real one."""
    from game import paths

    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path / "home"))
    paths.set_home(None)
    yield
    paths.set_home(None)
