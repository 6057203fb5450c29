"""The Studio screen headless: keys and clicks become the state's commands (select, delete,
restore, mirror, play, speed, zoom, model, predict), edits land in edits.json, and a derived
recovery-views folder is never listed."""

from __future__ import annotations

import threading
import time

import numpy as np
import pygame
import pytest

from agents.driving.session_edits import read_edits
from game.paths import user_dir
from game.scenes.studio import StudioScene
from game.sessions.studio import PredictedBatch, PredictionResult
from tests.agents.driving.studio_session import make_studio_session


def key(k: int, mod: int = 0) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode="", scancode=0)


def press(app, *events) -> None:
    app.run_frames(1, lambda i: list(events))


def test_studio_keys(app):
    rec = user_dir("recordings")
    folder = make_studio_session(rec / "a-session", rows=60, views=True)
    make_studio_session(rec / "recovery_views", rows=5)  # a derived folder: not listed
    scene = app.push("studio")
    assert isinstance(scene, StudioScene)
    st = scene.state
    assert [s.path.name for s in st.sessions] == ["a-session"] and st.rows == 60
    app.run_frames(1)

    press(app, *[key(pygame.K_RIGHT)] * 3)
    assert st.cursor == 3 and st.selection is None
    press(app, *[key(pygame.K_RIGHT, pygame.KMOD_SHIFT)] * 4)
    assert st.selection == (3, 8)
    press(app, key(pygame.K_x))
    assert read_edits(folder).deleted == [(3, 8)] and st.deleted[3:8].all()
    assert st.sessions[0].deleted == 5  # the list says so at once
    assert not st.deleted[8]
    press(app, key(pygame.K_z))
    assert read_edits(folder).deleted == []
    press(app, key(pygame.K_i))
    assert read_edits(folder).mirrored == [(3, 8)]
    press(app, key(pygame.K_i))  # again: unmirrored
    assert read_edits(folder).mirrored == []
    press(app, key(pygame.K_x), key(pygame.K_z, pygame.KMOD_SHIFT))  # delete, restore all
    assert read_edits(folder).deleted == []

    press(app, key(pygame.K_ESCAPE))  # Esc first clears the selection
    assert st.selection is None and app.scene is scene

    for _ in range(5):
        press(app, key(pygame.K_RIGHTBRACKET))
    assert st.speed == 8
    press(app, key(pygame.K_LEFTBRACKET))
    assert st.speed == 4
    start = st.cursor
    press(app, key(pygame.K_SPACE))
    assert st.playing
    app.run_frames(15)  # 0.25 s at 4x and 10 Hz: 10 instants
    assert st.cursor > start and st.driven[st.cursor]  # playing shows the driven frames
    press(app, key(pygame.K_SPACE))
    assert not st.playing

    before = st.view
    press(app, key(pygame.K_EQUALS))
    assert st.view[1] - st.view[0] < before[1] - before[0]
    press(app, key(pygame.K_MINUS))
    assert st.view == (0, 60)

    tl = scene.layout.timeline
    click = pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(tl.right - 12, tl.centery))
    press(app, click)
    assert st.cursor >= 55

    press(app, key(pygame.K_EQUALS), key(pygame.K_EQUALS))  # a quarter of the session
    ov = scene.layout.overview
    press(app, pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(ov.x + 1, ov.centery)))
    assert st.cursor <= 1 and st.view == (0, 20)  # the strip jumps there
    rows = st.filmstrip_rows()
    thumb = scene.layout.thumb(len(rows) - 1, len(rows))
    press(app, pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=thumb.center))
    assert st.cursor == rows[-1] == 19

    # Predict with the chosen model (a fake job: the real one is test_open_loop's).
    assert st.models, "the shipped models are listed"
    first = st.model
    press(app, key(pygame.K_TAB))
    assert len(st.models) == 1 or st.model != first
    made = []

    def factory(session, path):
        made.append(path)
        return lambda ctx: PredictionResult(path, np.full(len(session), 0.25, np.float32))

    st.job_factory = factory
    press(app, key(pygame.K_RETURN))
    end = time.monotonic() + 10
    while st.predicting and time.monotonic() < end:
        app.run_frames(1)
    assert made == [st.model.path] and st.prediction is not None
    whole, visible = st.stats()
    steering = st.session.columns["steering"]
    assert whole.rows == 60
    assert whole.mean_abs == pytest.approx(float(np.mean(np.abs(0.25 - steering))))
    app.run_frames(1)  # drawn with the prediction
    press(app, key(pygame.K_ESCAPE))
    assert app.scene is not scene and app.crash_logs == []


def test_studio_with_no_recordings_and_a_broken_one(app):
    scene = app.push("studio")
    app.run_frames(2)
    assert scene.state.session is None and scene.state.sessions == []
    scene.state.predict()  # nothing to predict on: a message, no crash
    bad = user_dir("recordings") / "broken"
    bad.mkdir(parents=True)
    (bad / "log.csv").write_text("frame,steering\n")
    (bad / "meta.json").write_text("{oops")
    press(app, key(pygame.K_F5), key(pygame.K_DOWN))
    app.run_frames(1)
    assert scene.state.session is None and "meta.json" in scene.state.error
    empty = user_dir("recordings") / "empty"  # a recording stopped before its first row
    empty.mkdir()
    (empty / "log.csv").write_text("frame,steering\n")
    (empty / "meta.json").write_text("{}")
    press(app, key(pygame.K_F5))
    scene.state.open([s.path for s in scene.state.sessions].index(empty))
    press(app, key(pygame.K_RIGHT), key(pygame.K_x), key(pygame.K_i), key(pygame.K_SPACE))
    app.run_frames(2)
    assert scene.state.rows == 0 and not (empty / "edits.json").exists()
    assert app.crash_logs == []


def test_the_prediction_line_grows_while_the_worker_runs(app):
    make_studio_session(user_dir("recordings") / "s", rows=30)
    scene = app.push("studio")
    st = scene.state
    go_on = threading.Event()

    def factory(session, path):
        def job(ctx):
            ctx.emit(PredictedBatch(0, np.full(10, 0.5, np.float32)))
            go_on.wait(10)
            return PredictionResult(path, np.full(len(session), 0.5, np.float32))

        return job

    st.job_factory = factory
    press(app, key(pygame.K_RETURN))
    end = time.monotonic() + 10
    while not np.isfinite(st.prediction.steering[0]) and time.monotonic() < end:
        app.run_frames(1)
    assert st.predicting and np.isfinite(st.prediction.steering[:10]).all()
    assert np.isnan(st.prediction.steering[10:]).all() and st.stats()[0].rows == 10
    go_on.set()
    while st.predicting and time.monotonic() < end:
        app.run_frames(1)
    assert st.stats()[0].rows == 30 and app.crash_logs == []
