"""A seeded monkey over every screen, with broken files in the user folder (issue 7).

3,150 random keys, clicks and mouse moves, spread over every menu screen (those that load
TensorFlow included), with a broken model, session and track planted where the screens list
them. No exception may escape (an escaped one would leave a crash log), the app must keep
answering, and every recording the monkey started must load with no problems.
"""

from __future__ import annotations

import logging

from agents.driving.recording_reader import load_session
from game.monkey import Monkey, plant_broken_files
from game.paths import user_dir
from game.scenes import SCENE_ERRORS, menu_entries

EVENTS_PER_SCREEN = 450


def test_monkey_over_every_screen_with_broken_files(app, caplog):
    planted = plant_broken_files()
    caplog.set_level(logging.ERROR)
    report = Monkey(app, seed=7).run(events_per_screen=EVENTS_PER_SCREEN)

    screens = {e.name for e in menu_entries()}
    assert set(report.screens) == screens and len(screens) >= 7
    assert report.events >= 3000
    assert SCENE_ERRORS == {}
    assert report.crash_logs == []  # no exception escaped a screen
    unexpected = [r.getMessage() for r in caplog.records if "failed" in r.getMessage()]
    assert unexpected == []  # ... nor a background worker (bad input is a UserFacingError)

    # The app still answers: the menu is on top and frames keep coming.
    assert app.running and app.scene.scene_name == "menu"
    assert app.run_frames(30) == 30
    app.push("drive")
    assert app.scene.scene_name == "drive"
    app.pop()

    # Every recording the monkey started is complete and readable.
    recorded = [p for p in user_dir("recordings").iterdir() if p != planted["session"]]
    assert recorded  # the monkey pressed R while driving: there is something to check
    for folder in recorded:
        session = load_session(folder)
        assert session.problems == [], folder
    # The planted files are still there: the app reports bad files, it never deletes them.
    assert all(p.exists() for p in planted.values())
