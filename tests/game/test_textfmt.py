"""Numbers and paths as the player reads them (game.textfmt)."""

from pathlib import Path

import pytest

from game import paths
from game.render import theme
from game.render.widgets import Toasts
from game.textfmt import format_clock, format_time, plural, short_path, shorten_paths


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (59.95, "1:00.0"),  # rounds up into the next minute: never 0:60.0
        (59.94, "0:59.9"),
        (119.96, "2:00.0"),
        (3599.99, "1:00:00.0"),
        (0.0, "0:00.0"),
        (61.25, "1:01.2"),  # Python's round: half to even on the tenth
        (754.0, "12:34.0"),
        (-3.0, "0:00.0"),
        (None, "--:--.-"),
        (float("nan"), "--:--.-"),
    ],
)
def test_format_time_carries_into_minutes_and_hours(seconds, shown):
    assert format_time(seconds) == shown
    assert theme.format_time(seconds) == shown  # the screens' name for it


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(59.5, "1:00"), (59.95, "1:00"), (119.96, "2:00"), (3599.99, "1:00:00"), (0.4, "0:00"),
     (75.0, "1:15"), (None, "--:--"), (float("inf"), "--:--")],
)  # fmt: skip
def test_format_clock_for_an_eta(seconds, shown):
    assert format_clock(seconds) == shown


@pytest.mark.parametrize(
    ("n", "shown"), [(0, "0 epochs"), (1, "1 epoch"), (2, "2 epochs"), (-1, "-1 epochs")]
)
def test_plural(n, shown):
    assert plural(n, "epoch") == shown


def test_plural_with_an_irregular_form():
    assert plural(1, "match", "matches") == "1 match"
    assert plural(3, "match", "matches") == "3 matches"


def test_short_path_inside_the_user_folder_home_and_elsewhere(tmp_path, monkeypatch):
    home = paths.user_home()
    assert short_path(home / "models" / "a.h5") == "models/a.h5"
    monkeypatch.setenv("HOME", str(tmp_path / "me"))
    assert short_path(tmp_path / "me" / "tracks" / "x.json") == "~/tracks/x.json"
    assert short_path("/opt/other/x.json") == "/opt/other/x.json"


def test_paths_inside_a_message_are_shortened(tmp_path, monkeypatch):
    home = paths.user_home()
    monkeypatch.setenv("HOME", str(tmp_path / "me"))
    text = f"model saved: {home / 'models' / 'a.h5'}; bad track {tmp_path}/me/t.json line 3"
    assert shorten_paths(text) == "model saved: models/a.h5; bad track ~/t.json line 3"


def test_toasts_show_short_paths():
    t = Toasts()
    t.push(f"screenshot saved: {paths.user_home() / 'screenshots' / 'menu.png'}")
    assert t.items[-1].message == "screenshot saved: screenshots/menu.png"
    assert Path(paths.user_home()).as_posix() not in t.items[-1].message
