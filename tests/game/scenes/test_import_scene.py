"""The Import screen headless: keys become the state's commands (browse, options, typed path
and name, import, cancel) and the end offers the Studio and Train screens."""

from __future__ import annotations

import pygame

from agents.driving.recording_reader import list_sessions
from game.paths import user_dir
from game.scenes.import_data import ImportScene
from game.scenes.studio import StudioScene
from game.scenes.train import TrainScene
from tests.cli.test_data_cli import udacity_folder

MAX_FRAMES = 3000  # bound on frames waited for a 12-record import (about 50 s at worst)


def key(k: int, mod: int = 0, text: str = "") -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode=text, scancode=0)


def typed(text: str) -> list[pygame.event.Event]:
    return [pygame.event.Event(pygame.TEXTINPUT, text=c) for c in text]


def press(app, *events) -> None:
    app.run_frames(1, lambda i: list(events))


def run_until_done(app, scene: ImportScene) -> None:
    for _ in range(MAX_FRAMES):
        if not scene.state.running:
            return
        app.run_frames(1)
    raise AssertionError("the import did not finish")


def test_import_screen_keys_browse_set_options_import_and_open_the_result(app, tmp_path):
    tmp_path = tmp_path / "src"  # beside the test's user folder
    udacity_folder(tmp_path / "data" / "sim", rows=12)
    (tmp_path / "data" / "other").mkdir()
    scene = app.push("import", start=str(tmp_path))
    assert isinstance(scene, ImportScene)
    st = scene.state
    app.run_frames(1)
    assert [e.name for e in st.entries] == ["data"]
    press(app, key(pygame.K_RETURN))  # a plain folder: Enter opens it
    assert st.folder.name == "data" and [e.name for e in st.entries] == ["other", "sim"]
    press(app, key(pygame.K_DOWN))
    assert st.current.fmt == "udacity"
    press(app, key(pygame.K_f), key(pygame.K_c), key(pygame.K_RIGHTBRACKET))
    assert st.fmt == "udacity" and st.side_on and st.side == 0.25
    press(app, key(pygame.K_c))  # off again: the side cameras are a choice
    assert not st.side_on
    press(app, key(pygame.K_n, text="n"), *typed("n"))  # as SDL sends it: KEYDOWN, TEXTINPUT
    assert scene.typing == "name" and scene.text == ""  # the N itself is not typed
    press(app, *typed("from screen"), key(pygame.K_RETURN))
    assert scene.typing is None and st.name == "from screen"
    press(app, key(pygame.K_l, text="l"), *typed("l"))  # a typed path (the L is not typed)
    assert scene.typing == "path" and scene.text == ""
    app.run_frames(1)  # the field draws
    press(app, *typed(str(st.folder / "sim")), key(pygame.K_RETURN))
    assert st.folder.name == "sim" and st.current.path == st.folder  # the folder is a row
    press(app, key(pygame.K_BACKSPACE))
    assert st.folder.name == "data" and st.current.name == "sim"

    press(app, key(pygame.K_RETURN))  # a dataset: Enter imports it
    assert st.running
    run_until_done(app, scene)
    s = st.summary
    assert s is not None and s.frames == 12 and s.skipped == 1 and s.out_dir is not None
    app.run_frames(1)  # the end summary draws
    (listed,) = list_sessions(user_dir("recordings"))
    assert listed.path == s.out_dir and listed.track == "from screen"

    press(app, key(pygame.K_s))
    assert isinstance(app.scene, StudioScene)
    assert app.scene.state.session.dir == s.out_dir  # the new session is open
    app.pop()
    press(app, key(pygame.K_t))
    assert isinstance(app.scene, TrainScene)
    app.pop()
    press(app, key(pygame.K_ESCAPE))  # Esc leaves the summary for the folders
    assert st.summary is None and app.scene is scene
    press(app, key(pygame.K_ESCAPE))
    assert app.scene is not scene


def test_esc_while_importing_stops_and_the_screen_stays(app, tmp_path):
    udacity_folder(tmp_path / "sim", rows=300)  # long enough that Esc comes before the end
    scene = app.push("import", start=str(tmp_path / "sim"))
    st = scene.state
    press(app, key(pygame.K_RETURN), key(pygame.K_ESCAPE))  # start, then stop at once
    run_until_done(app, scene)
    assert app.scene is scene  # Esc stopped the import; it did not leave the screen
    s = st.summary
    assert s is not None and s.cancelled  # a stop at once keeps nothing, later ones a session
    sessions = list_sessions(user_dir("recordings"))
    assert (s.out_dir is None) == (sessions == [])
    if s.out_dir is not None:
        assert sessions[0].frames == s.written
