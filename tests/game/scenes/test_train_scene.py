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
from agents.driving.recording import SessionSummary
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
