"""The app survives its own bugs and ends cleanly on SIGTERM/SIGINT (issue 7, part 1).

A screen that raises an unexpected exception is closed, its traceback saved as a crash log in
the user folder, the player told in a toast, and the app carries on from the menu.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pygame
import pytest

from agents.driving.recording_reader import load_session
from game.app import MENU_CRASH_LIMIT, App
from game.paths import user_dir
from game.scenes import SCENES, register_scene
from game.scenes.base import Scene

ROOT = Path(__file__).resolve().parents[3]


class Boom(RuntimeError):
    pass


@register_scene("test-broken", in_menu=False)
class BrokenScene(Scene):
    """Fails in the callback named by `fail_in`, after `after` calls of it."""

    def __init__(self, app: App, fail_in: str = "update", after: int = 3) -> None:
        super().__init__(app)
        if fail_in == "init":
            raise Boom("broken constructor")
        self.fail_in = fail_in
        self.calls = 0
        self.after = after
        self.exited = False

    def _maybe_fail(self, where: str) -> None:
        if self.fail_in == where:
            self.calls += 1
            if self.calls > self.after:
                raise Boom(f"broken {where}")

    def on_exit(self) -> None:
        self.exited = True

    def update(self, dt: float) -> None:
        self._maybe_fail("update")

    def handle_event(self, event: pygame.event.Event) -> None:
        self._maybe_fail("event")

    def draw(self, surface: pygame.Surface) -> None:
        surface.fill((0, 0, 0))
        self._maybe_fail("draw")


def crash_logs() -> list[Path]:
    return sorted(user_dir("crashes").glob("crash-*.log"))


@pytest.mark.parametrize("where", ["update", "draw", "event"])
def test_a_screen_bug_is_logged_and_the_app_returns_to_the_menu(app, where):
    scene = app.push("test-broken", fail_in=where)
    assert app.scene is scene

    def events(i: int):
        return [pygame.event.Event(pygame.MOUSEMOTION, pos=(i, i), rel=(1, 1), buttons=(0, 0, 0))]

    played = app.run_frames(20, events_per_frame=events)
    assert played == 20  # the app kept running
    assert app.running
    assert app.scene is not None and app.scene.scene_name == "menu"
    assert scene.exited  # the broken screen was closed properly
    logs = crash_logs()
    assert len(logs) == 1
    text = logs[0].read_text()
    assert f"Boom: broken {where}" in text and "Traceback" in text
    assert "test-broken" in text
    messages = [t.message for t in app.toasts.items]
    assert any("unexpected error" in m and logs[0].name in m for m in messages)


def test_a_screen_that_cannot_be_built_stays_closed(app):
    assert app.push("test-broken", fail_in="init") is None
    assert app.scene.scene_name == "menu"
    assert "broken constructor" in crash_logs()[0].read_text()
    assert app.run_frames(5) == 5


def test_a_failing_menu_is_rebuilt_then_the_app_stops(app, monkeypatch):
    menu_cls = SCENES["menu"].cls

    def broken_draw(self, surface):
        raise Boom("menu draw")

    monkeypatch.setattr(menu_cls, "draw", broken_draw)
    first_menu = app.scene
    app.run_frames(1)
    assert app.running and app.scene is not first_menu  # a fresh menu took its place
    app.run_frames(MENU_CRASH_LIMIT)
    assert not app.running  # no screen left to fall back to: stop instead of looping
    assert len(crash_logs()) == MENU_CRASH_LIMIT


def test_the_window_never_uses_opengl_for_its_framebuffer(monkeypatch):
    monkeypatch.setenv("SDL_FRAMEBUFFER_ACCELERATION", "1")
    a = App(headless=True)
    try:
        assert os.environ["SDL_FRAMEBUFFER_ACCELERATION"] == "0"
    finally:
        a.close()


CHILD = textwrap.dedent(
    """
    import sys, pygame
    from game.app import App
    app = App(headless=True, track="oval")
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_r, mod=0, unicode="r",
                                         scancode=0))
    frames = 0
    real_frame = app.frame
    def frame(events, elapsed):
        global frames
        real_frame(events, elapsed)
        frames += 1
        if frames == 90:  # recording has been on for over a second
            print("ready", app.scene.session.recorder.frame_count, flush=True)
    app.frame = frame
    sys.exit(app.play("drive"))
    """
)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_ends_the_game_cleanly_and_keeps_the_recording(tmp_path, sig):
    home = tmp_path / "signal-home"
    env = {
        **os.environ,
        "NEURAL_ARCADE_HOME": str(home),
        "SDL_VIDEODRIVER": "dummy",
        "PYGAME_HIDE_SUPPORT_PROMPT": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        # Bounded: a game that never gets to recording fails here instead of hanging.
        assert select.select([proc.stdout], [], [], 120)[0], "the game never said it was ready"
        word, recorded = proc.stdout.readline().split()
        assert word == "ready" and int(recorded) > 0
        proc.send_signal(sig)
        rc = proc.wait(timeout=30)  # a hang check; the 2 s figure is measured in bench/
    finally:
        proc.kill()
    assert rc == 128 + sig
    sessions = [p.parent for p in (home / "recordings").rglob("meta.json")]
    assert len(sessions) == 1
    session = load_session(sessions[0])
    assert len(session) >= int(recorded)  # every frame recorded before the signal is kept ...
    assert session.problems == []  # ... and the log was closed, not torn


def test_the_app_cleans_what_a_killed_training_left(tmp_path):
    from agents.modelio import STALE_AFTER_S

    models = user_dir("models")
    stale = [models / ".my-pilotnet.abcd1234.partial.h5", models / "my-pilotnet.k2j4h5g6.tmp.h5"]
    fresh = models / ".other.efgh5678.partial.h5"
    mine = models / "my-pilotnet.h5"
    for p in (*stale, fresh, mine):
        p.write_bytes(b"x" * 100)
    old = mine.stat().st_mtime - STALE_AFTER_S - 5
    for p in stale:
        os.utime(p, (old, old))
    a = App(headless=True)
    a.close()
    assert not any(p.exists() for p in stale)  # a killed run's leftovers
    assert fresh.exists()  # might belong to a training running now in another process
    assert mine.exists()  # the person's own model is never touched


def test_the_message_area_is_cleared_when_the_screen_changes(app):
    app.push("drive", track="oval")
    app.toast("recording saved: 10 frames")
    app.toast("bad track: x.json: not valid JSON", "error")
    app.pop()
    assert [t.kind for t in app.toasts.items] == ["error"]  # information does not leak
    app.push("drive", track="oval")
    assert [t.kind for t in app.toasts.items] == ["error"]
