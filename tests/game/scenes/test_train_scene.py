"""The Train screen's "Start from" choice headless: F and a click cycle it, the architecture
follows the model, the run is handed the model to fine-tune and a fresh registry file name.
(The real 1-epoch training run is in test_driving_screens.py.)"""

from __future__ import annotations

import re
import threading
import time

import numpy as np
import pygame

from agents.driving.model_catalog import shipped_model
from agents.driving.recording_reader import SessionSummary
from game.scenes.train import TrainScene
from game.sessions import training


def key(k: int) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0)


def test_start_from_keys_click_and_the_run_it_starts(app, monkeypatch, tmp_path):
    found = [SessionSummary(tmp_path / "s", 40, "oval", "day", {"expert": 40}, np.zeros(5, int))]
    monkeypatch.setattr(training, "list_sessions", lambda root: list(found))
    scene = app.push("train")
    assert isinstance(scene, TrainScene)
    runs, release = [], threading.Event()

    def factory(config):
        runs.append((config.arch, config.out_path, config.initial_model))

        def job(ctx) -> None:  # runs until the test has tried F meanwhile
            assert release.wait(10), "the test never released the run"

        return job

    scene.state.job_factory = factory
    app.run_frames(1)
    st, shipped = scene.state, shipped_model()
    assert st.start_from == shipped and "pilotnet (shipped) - fine-tune" in (
        scene.start_from_button.label
    )
    assert re.search(r"saves to  models/pilotnet-\d{4}-\d\d-\d\d-\d{4}\.h5", st.saves_to)
    app.run_frames(1, lambda i: [key(pygame.K_f)])  # F: the next start, scratch
    assert st.start_from is None
    app.run_frames(1)
    assert scene.start_from_button.label.startswith("scratch - a new network")
    click = pygame.event.Event(
        pygame.MOUSEBUTTONDOWN, button=1, pos=scene.start_from_button.rect.center
    )
    app.run_frames(1, lambda i: [click])  # back round to the shipped model
    assert st.start_from == shipped
    app.run_frames(1, lambda i: [key(pygame.K_SPACE), key(pygame.K_RETURN)])
    # While it runs the start can't change; once done it can again.
    assert st.training
    app.run_frames(1, lambda i: [key(pygame.K_f)])
    assert st.start_from == shipped
    release.set()
    end = time.monotonic() + 10
    while st.training and time.monotonic() < end:
        app.run_frames(1)
    [(arch, out, initial)] = runs
    assert (arch, initial) == (None, shipped) and out.name == st.output_name  # its own arch
    assert not st.training
    app.run_frames(1, lambda i: [key(pygame.K_f)])
    assert st.start_from is None and app.crash_logs == []


def test_a_long_session_list_says_how_many_rows_are_hidden(app, monkeypatch, tmp_path):
    found = [SessionSummary(tmp_path / f"s{i:02d}", 40, "oval", "day", {"expert": 40},
                            np.zeros(5, int)) for i in range(30)]  # fmt: skip
    monkeypatch.setattr(training, "list_sessions", lambda root: list(found))
    scene = app.push("train")
    app.run_frames(1)
    lst = scene.list
    shown = lst.visible_rows
    assert lst.overflows and 0 < shown < 30 and lst.hidden() == (0, 30 - shown)
    # Every drawn row stays inside the rows' rect, clear of the "N more" strips.
    last = lst.row_rect(shown - 1)
    assert lst.rect.y < lst.row_rect(0).y and last.bottom <= lst.body.bottom < lst.rect.bottom
    app.run_frames(1, lambda i: [key(pygame.K_DOWN)] * shown)  # the cursor scrolls the list
    assert lst.hidden() == (1, 30 - shown - 1)
    ticked = pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=lst.row_rect(2).center)
    app.run_frames(1, lambda i: [ticked])  # a click ticks the row under the pointer
    assert scene.state.selected == {found[2].path}


def test_the_watchdogs_warning_shows_above_the_bar_and_why_on_it(app):
    from agents.training import Phase, TrainingProgress, stall_message

    scene = app.push("train")
    run = training.TrainingRun()
    run.on_event(TrainingProgress(Phase.TRAIN, 1, 1, 0, 120, eta_s=80.0))
    run.on_event(TrainingProgress(Phase.DATA, message=stall_message(61.0)))
    scene.state.run = run
    app.run_frames(1)
    assert scene.state.status_line() == stall_message(61.0)
    assert scene.bar.label == "the machine is very busy or a device does not answer"
    run.on_event(TrainingProgress(Phase.TRAIN, 1, 1, 1, 120, loss=0.1, eta_s=79.0))
    app.run_frames(1)  # the next batch: the epoch line is back, the bar has no label
    assert scene.state.status_line().startswith("epoch 1/1") and scene.bar.label == ""
