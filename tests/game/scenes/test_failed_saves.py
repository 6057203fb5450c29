"""Optional writes that fail never end a screen: F12 on an unwritable or full folder, an RPS
round that cannot be saved, settings over a broken file. One message names the file, the
screen goes on, and what could not be saved is kept (the Arena's rounds) or set aside."""

from __future__ import annotations

import errno
import json
import os
import time

import pygame
import pytest

from game.app import App
from game.paths import user_dir, user_home
from game.sessions.rps import Phase
from game.textfmt import short_path


def key(k: int) -> list[pygame.event.Event]:
    return [pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0)]


def send(app: App, events: list[pygame.event.Event]) -> None:
    app.run_frames(1, lambda i: events)


def messages(app: App, kind: str = "error") -> list[str]:
    return [t.message for t in app.toasts.items if t.kind == kind]


def full_disk(monkeypatch) -> None:
    """Every fsync in game.fileio fails as on a full disk (writes buffered, then refused)."""
    import game.fileio as fileio

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fileio.os, "fsync", no_space)


# --- F12 -------------------------------------------------------------------------------------


def test_f12_with_screenshots_not_a_folder_says_not_saved_and_drive_goes_on(app):
    (user_home() / "screenshots").write_text("a file where the folder should be")
    drive = app.push("drive", track="oval")
    send(app, key(pygame.K_r))  # recording, as in the report
    assert drive.session.recorder is not None
    send(app, key(pygame.K_F12))
    app.run_frames(3)
    (error,) = messages(app)
    assert error.startswith("screenshot not saved: ")
    assert "screenshots is a file, not a folder" in error
    assert app.scene is drive and drive.session.recorder is not None and app.crash_logs == []
    drive.session.stop_recording()


def test_f12_on_a_full_disk_says_not_saved_and_leaves_no_empty_file(app, monkeypatch):
    full_disk(monkeypatch)
    send(app, key(pygame.K_F12))
    app.run_frames(1)
    (error,) = messages(app)
    assert "screenshot not saved" in error and "No space left on device" in error
    assert list(user_dir("screenshots").iterdir()) == []  # no 0-byte "screenshot"
    assert app.scene.scene_name == "menu" and app.crash_logs == []


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anyway")
def test_f12_in_a_read_only_folder_says_not_saved(app):
    folder = user_dir("screenshots")
    folder.chmod(0o555)
    try:
        send(app, key(pygame.K_F12))
        app.run_frames(1)
    finally:
        folder.chmod(0o755)
    assert "screenshot not saved" in messages(app)[0] and app.crash_logs == []


def test_two_screenshots_in_one_frame_second_get_two_files(app):
    for _ in range(2):
        app.request_screenshot()
        app.frame_index -= 1  # the same frame number and second: the name is claimed anyway
        app.run_frames(1)
    assert len(list(user_dir("screenshots").glob("menu-*.png"))) == 2


# --- the RPS Arena ---------------------------------------------------------------------------


def play(app: App, scene, k: int, timeout: float = 20.0) -> None:
    """Commit a move and play frames until its round is revealed (bounded)."""
    send(app, key(k))
    deadline = time.monotonic() + timeout
    while scene.session.phase != Phase.READY:
        assert time.monotonic() < deadline, "the round never got past its countdown"
        app.run_frames(1)


def test_arena_rounds_that_cannot_be_saved_are_kept_and_saved_when_they_can(app):
    from agents.rps.games import load_games

    games = user_dir("rps") / "games.csv"
    games.mkdir()  # games.csv is a folder: nothing can be appended to it
    scene = app.push("rps-arena", opponent="rock", countdown_s=0.05, reveal_s=0.05)
    app.run_frames(2)
    play(app, scene, pygame.K_r)
    play(app, scene, pygame.K_p)  # the screen is not stuck in COUNTDOWN: a second round
    assert [r.move_a for r in scene.session.rounds] == [0, 1]
    (error,) = messages(app)  # said once, not every round
    assert short_path(games) in error and "1 round not saved yet" in error
    assert scene.session.recorder.unsaved and app.crash_logs == []

    games.rmdir()  # the person fixes it: the waiting rounds go with the next one
    play(app, scene, pygame.K_s)
    rounds, problems = load_games(games)
    assert problems == [] and [r.human for r in rounds] == [0, 1, 2]
    assert any("the waiting rounds are saved now" in m for m in messages(app, "info"))


def test_arena_rounds_still_unsaved_at_exit_are_reported_not_crashed(app):
    games = user_dir("rps") / "games.csv"
    games.mkdir()
    scene = app.push("rps-arena", opponent="rock", countdown_s=0.05, reveal_s=0.05)
    app.run_frames(2)
    play(app, scene, pygame.K_r)
    app.pop()  # leaving the Arena closes its games file: it tries once more
    app.run_frames(1)
    assert app.scene.scene_name == "menu" and app.crash_logs == []
    assert any("1 round could not be saved" in m and short_path(games) in m for m in messages(app))


# --- settings --------------------------------------------------------------------------------


def test_u_over_a_broken_settings_file_sets_it_aside_and_names_the_file_on_failure(monkeypatch):
    path = user_home() / "settings.json"
    path.write_text('{"volume": "loud", "theme": "dark"')  # broken JSON
    app = App(headless=True)
    try:
        app.push("menu")
        send(app, key(pygame.K_u))
        assert json.loads((user_home() / "settings.json.broken-1").read_text() + "}")["theme"]
        assert json.loads(path.read_text())["muted"] is True
        full_disk(monkeypatch)
        send(app, key(pygame.K_u))
        error = messages(app)[-1]
        assert "not saved" in error and short_path(path) in error and ".tmp" not in error
        assert app.crash_logs == []
    finally:
        app.close()
