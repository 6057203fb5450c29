"""Sound in the app: the mixer side (dummy audio driver), settings, mute and volume keys,
and the hooks that play beeps, chimes and the engine on the game's screens."""

import json
import logging
import math

import pygame
import pytest

from game.app import App
from game.audio import Audio, CountdownBeeps, LapChime, engine_level, squeal_level
from game.scenes.race import EXPERT
from game.settings import Settings, load_settings, save_settings, settings_path


def key(k: int) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0)


class Recorder:
    def __init__(self) -> None:
        self.played: list[str] = []

    def play(self, name: str) -> None:
        self.played.append(name)


def spy(app: App) -> list[str]:
    """Names the app's Audio is asked to play from now on (and it still plays them)."""
    played: list[str] = []
    real = app.audio.play

    def play(name: str) -> None:
        played.append(name)
        real(name)

    app.audio.play = play
    return played


# --- the mixer side --------------------------------------------------------------------
def test_audio_opens_on_the_dummy_driver_and_every_call_is_harmless():
    a = Audio(Settings())
    try:
        assert a.open() and a.enabled
        for name in ("beep", "go", "lap", "move", "click", "no such sound"):
            a.play(name)
        a.set_engine(12.0, 0.5, now=0.0)
        assert a.engine_index >= 0
        a.set_squeal(0.6)
        a.set_squeal(float("nan"))
        assert a.squeal_level == 0.0
        a.stop_loops()
        assert a.engine_index == -1
    finally:
        a.close()


def test_no_audio_device_means_sound_off_not_a_crash(monkeypatch, caplog):
    def no_device(*args, **kwargs):
        raise pygame.error("No available audio device")

    caplog.set_level(logging.INFO, logger="game.audio")
    monkeypatch.setattr(pygame.mixer, "get_init", lambda: None)
    monkeypatch.setattr(pygame.mixer, "init", no_device)
    a = App(headless=True)
    try:
        assert not a.audio.enabled
        assert sum("sound off" in r.getMessage() for r in caplog.records) == 1
        a.push("drive", track="oval")
        assert a.run_frames(20) == 20
        a.run_frames(1, lambda i: [key(pygame.K_u)])  # muting still works and is saved
        assert a.settings.muted
        assert not [t for t in a.toasts.items if t.kind == "error"]
    finally:
        a.close()


def test_engine_updates_are_rate_limited_and_follow_speed():
    a = Audio(Settings())
    try:
        a.open()
        a.set_engine(2.0, None, now=10.0)
        slow = a.engine_index
        a.set_engine(28.0, None, now=10.01)  # within the same update period: ignored
        assert a.engine_index == slow
        a.set_engine(28.0, None, now=11.0)
        assert a.engine_index > slow
    finally:
        a.close()


def test_engine_and_squeal_levels():
    assert engine_level(25.0) > engine_level(5.0)
    assert engine_level(15.0, 1.0) > engine_level(15.0, 0.0)
    assert 0.0 < engine_level(0.0, -1.0) <= engine_level(40.0, 1.0) <= 1.0
    assert squeal_level(False, 1.5) == 0.0
    assert 0.5 <= squeal_level(True, 1.0) < squeal_level(True, 1.2) <= 1.0
    assert squeal_level(True, None) > 0.0 and squeal_level(True, math.nan) > 0.0


def test_countdown_beeps_three_short_then_go():
    beeps, out = CountdownBeeps(), Recorder()
    t = 3.0
    while t > 0:
        beeps.update(out, t)
        t = max(0.0, t - 1 / 60)
    beeps.update(out, 0.0)
    beeps.update(out, 0.0)
    assert out.played == ["beep", "beep", "beep", "go"]
    # Leaving mid-countdown (reset) is not a start: no GO.
    beeps, out = CountdownBeeps(), Recorder()
    beeps.update(out, 2.5)
    beeps.reset()
    beeps.update(out, 0.0)
    assert out.played == ["beep"]


def test_lap_chime_only_for_a_lap_of_the_same_car():
    chime, out = LapChime(), Recorder()
    car, other = object(), object()
    for laps in (0, 0, 1, 1, 2):
        chime.update(out, car, laps)
    chime.update(out, other, 5)  # another car (new track, camera switch): quiet
    assert out.played == ["lap", "lap"]


# --- settings ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, problem",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"volume": "loud", "muted": false}', "volume 'loud'"),
        ('{"volume": 3, "muted": false}', "volume 3"),
        ('{"volume": true}', "volume True"),
        ('{"volume": NaN}', "NaN"),
        ('{"volume": 0.5, "muted": "yes"}', "muted 'yes'"),
    ],
)
def test_a_broken_settings_file_falls_back_to_defaults(text, problem):
    path = settings_path()
    path.write_text(text)
    settings, warning = load_settings()
    assert warning is not None and problem in warning and str(path) in warning
    assert settings.muted is False
    assert settings.volume in (0.5, Settings().volume)


def test_settings_round_trip_and_keep_unknown_keys():
    path = settings_path()
    path.write_text(json.dumps({"volume": 0.3, "muted": True, "from_a_newer_version": [1]}))
    settings, warning = load_settings()
    assert warning is None and settings.volume == 0.3 and settings.muted
    settings.step_volume(+20)
    assert settings.volume == 1.0
    save_settings(settings)
    assert json.loads(path.read_text()) == {
        "volume": 1.0,
        "muted": True,
        "from_a_newer_version": [1],
    }


def test_a_corrupt_settings_file_does_not_stop_the_app():
    settings_path().write_text("\x00\x01 garbage")
    a = App(headless=True)
    try:
        assert a.settings == Settings()
        assert any("settings.json" in t.message for t in a.toasts.items if t.kind == "error")
        a.push("menu")
        assert a.run_frames(3) == 3
    finally:
        a.close()


# --- keys and screens ---------------------------------------------------------------------
def test_mute_silences_the_mixer_and_persists_across_a_restart(app):
    assert app.audio.volume > 0
    app.run_frames(1, lambda i: [key(pygame.K_u)])
    assert app.audio.volume == 0.0 and app.settings.muted
    assert all(s.get_volume() == 0.0 for s in app.audio.sounds.values())
    assert all(s.get_volume() == 0.0 for s in app.audio.engine_bank)
    played = spy(app)
    app.run_frames(1, lambda i: [key(pygame.K_DOWN)])  # still asked, but silent
    assert played == ["move"]
    app.close()

    again = App(headless=True)
    try:
        assert again.settings.muted and again.audio.volume == 0.0
        again.push("menu")
        again.run_frames(1, lambda i: [key(pygame.K_u)])
        assert not again.settings.muted and again.audio.volume > 0
        assert all(s.get_volume() > 0 for s in again.audio.sounds.values())
    finally:
        again.close()
    assert not load_settings()[0].muted


def test_page_up_and_down_step_the_volume_and_save_it(app):
    start = app.settings.volume
    app.run_frames(1, lambda i: [key(pygame.K_PAGEDOWN)] * 2)
    assert app.settings.volume == pytest.approx(start - 0.2)
    app.run_frames(1, lambda i: [key(pygame.K_PAGEDOWN)] * 20)
    assert app.settings.volume == 0.0 and app.audio.volume == 0.0
    app.run_frames(1, lambda i: [key(pygame.K_PAGEUP)] * 3)
    assert app.settings.volume == pytest.approx(0.3)
    assert load_settings()[0].volume == pytest.approx(0.3)
    assert any("volume 30 %" in t.message for t in app.toasts.items)


def test_menu_moves_and_clicks(app):
    played = spy(app)
    app.run_frames(1, lambda i: [key(pygame.K_DOWN), key(pygame.K_UP)])
    assert played == ["move", "move"]
    app.run_frames(1, lambda i: [key(pygame.K_RETURN)])  # opens the first screen
    assert played[-1] == "click" and app.scene.scene_name != "menu"


def test_drive_runs_the_engine_and_chimes_a_lap(app):
    scene = app.push("drive", track="oval")
    played = spy(app)
    assert app.run_frames(10) == 10
    assert app.audio.engine_index >= 0 and app.audio.engine_volume > 0
    world = scene.session.world
    world.laps += 1  # as if the line was crossed this step
    app.run_frames(2)
    assert played.count("lap") == 1
    app.run_frames(1, lambda i: [key(pygame.K_p)])  # paused: the engine stops
    assert app.audio.engine_index == -1
    app.run_frames(1, lambda i: [key(pygame.K_p), key(pygame.K_ESCAPE)])
    assert app.scene.scene_name == "menu"
    app.run_frames(1)
    assert app.audio.engine_index == -1  # no engine droning over the menu


def test_race_counts_down_with_beeps(app):
    scene = app.push("race", track="oval", drivers=[EXPERT], laps=1, start=True)
    played = spy(app)
    for _ in range(200):
        if scene.session.racing:
            break
        app.run_frames(1)
    assert scene.session.racing
    app.run_frames(int(3.2 * 60))
    assert played[:4] == ["beep", "beep", "beep", "go"]
    assert app.audio.engine_index >= 0


def test_follow_car_reads_speed_throttle_and_sliding_by_name():
    from types import SimpleNamespace

    a = Audio(Settings())
    try:
        a.open()
        plain = SimpleNamespace(car=SimpleNamespace(state=SimpleNamespace(speed=10.0)))
        a.follow_car(plain)  # an older car state: engine from speed alone, no squeal
        assert a.engine_volume == pytest.approx(engine_level(10.0)) and a.squeal_level == 0.0
        a.stop_loops()
        state = SimpleNamespace(speed=20.0, throttle=1.0, sliding=True, grip_used=1.2)
        a.follow_car(SimpleNamespace(car=SimpleNamespace(state=state)))
        assert a.engine_volume == pytest.approx(engine_level(20.0, 1.0))
        assert a.squeal_level == pytest.approx(squeal_level(True, 1.2))
    finally:
        a.close()
