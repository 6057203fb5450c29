"""Headless tests of the driving ML screens: Autopilot (CNN drives, bad model, takeover +
fine-tune), Train (a 1-epoch run through the worker, cancel keeps the old file) and Race."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pygame
import pytest

from agents.driving import dagger
from agents.driving.cnn_driver import default_model_path
from agents.driving.dagger import card_sessions, fine_tune_output
from agents.driving.model_catalog import available_models
from agents.driving.recording_reader import load_session
from game.app import App
from game.paths import user_dir
from game.render.dashcam_panel import grab_pixels
from game.scenes.autopilot import AutopilotScene
from game.scenes.race import EXPERT, PERSON, RaceScene, standings
from game.scenes.train import TrainScene

TINY_TRACK = "gen:5100"  # a short generated track (651 m)
LOAD_TIMEOUT_S = 120.0


def key(k: int, up: bool = False) -> pygame.event.Event:
    return pygame.event.Event(
        pygame.KEYUP if up else pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0
    )


def run_until(app: App, done, timeout: float = LOAD_TIMEOUT_S) -> None:
    """Play frames (the screen keeps drawing) until done() or the timeout."""
    end = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < end, "timed out waiting for a background worker"
        app.run_frames(1)
        time.sleep(0.002)


@pytest.fixture(scope="module")
def model_path() -> Path:
    """The shipped default model (committed with the game)."""
    shipped = default_model_path()
    assert shipped.exists(), f"the shipped model {shipped} is missing"
    return shipped


def open_autopilot(app: App, model: Path) -> AutopilotScene:
    scene = app.push("autopilot", track=TINY_TRACK, model=str(model))
    assert isinstance(scene, AutopilotScene)
    run_until(app, lambda: not scene.session.loading.busy)
    return scene


# --- Autopilot ----------------------------------------------------------------------
def test_autopilot_cnn_drives_from_the_panel_pixels(app, model_path):
    scene = open_autopilot(app, model_path)
    s = scene.session
    assert s.error is None and s.driver is not None
    app.run_frames(120)
    assert s.world.metrics.progress > 5.0  # cruise control moved the car
    assert s.median_inference_ms is not None and s.cnn_cmd is not None
    assert s.takeovers == 0 and not s.taking_over
    # What the panel shows is exactly the frame the CNN steered from this step.
    shown = grab_pixels(app.screen, scene.panel.image_rect)
    assert np.array_equal(shown, scene._frame)
    assert s.cnn_cmd == pytest.approx(s.driver.steer(s.world, scene._frame), abs=1e-5)
    assert s.world.interventions == 0  # the shipped model keeps its lane
    # The saliency overlay (V) comes up from its worker and tints the panel.
    app.run_frames(1, lambda i: [key(pygame.K_v)])
    run_until(app, lambda: s.saliency.vbp is not None)
    app.run_frames(6)
    mask = s.saliency.mask
    assert mask is not None and mask.shape == scene._frame.shape[:2] and mask.max() > 0
    shown = grab_pixels(app.screen, scene.panel.image_rect)
    assert not np.array_equal(shown, scene._frame)
    # The tint layer, blended by pygame's blit, is the reference overlay within two levels.
    from agents.driving.saliency import saliency_overlay

    want = saliency_overlay(scene._frame, mask).astype(int)
    assert np.abs(shown.astype(int) - want).max() <= 2
    # The mask shown is of the frame the CNN steered from, by the very pass that steered.
    run_until(app, lambda: s.driver.step_saliency is not None)
    view = s.driver.step_saliency
    assert s.saliency.mask is view.mask
    again = s.saliency.vbp(scene._frame)
    np.testing.assert_allclose(view.mask, again.mask, atol=1e-4)
    assert s.cnn_cmd == pytest.approx(float(np.clip(again.outputs[0], -1, 1)), abs=1e-5)
    # L is the dashcam look here as on Drive (it used to pick the model): the model stays.
    model, look = s.model_path, s.look
    app.run_frames(1, lambda i: [key(pygame.K_l)])
    assert s.look != look and s.model_path == model and not s.loading.busy


def test_corrupt_model_shows_error_and_the_app_keeps_running(app, tmp_path):
    bad = tmp_path / "broken.h5"
    bad.write_bytes(b"\x89HDF\r\n\x1a\n" + b"not really a model" * 40)
    scene = open_autopilot(app, bad)
    assert scene.session.driver is None
    assert scene.session.error is not None and "broken.h5" in scene.session.error
    assert any("broken.h5" in t.message and t.kind == "error" for t in app.toasts.items)
    assert app.run_frames(90) == 90
    assert app.running and app.scene is scene
    assert scene.session.world.car.state.speed == 0.0  # no model: the car waits
    app.run_frames(1, lambda i: [key(pygame.K_ESCAPE)])
    assert app.scene.scene_name == "menu"


def test_takeover_records_takeover_rows_and_fine_tunes(app, model_path, monkeypatch):
    # The shipped model's original data may be thousands of frames: fine-tune on the
    # takeovers only here (test_card_sessions covers reading the original sessions).
    monkeypatch.setattr(dagger, "card_sessions", lambda path: [])
    scene = open_autopilot(app, model_path)
    app.run_frames(30)
    # Hold Right for 1.5 s: the person steers, the CNN's command is overridden and recorded.
    app.run_frames(90, lambda i: [key(pygame.K_RIGHT)] if i == 0 else [])
    assert scene.session.taking_over and scene.session.steering_cmd > 0
    app.run_frames(30, lambda i: [key(pygame.K_RIGHT, up=True)] if i == 0 else [])
    assert not scene.session.taking_over and scene.session.takeovers == 1
    assert scene.session.dagger.frames >= 25
    session_dir = scene.session.dagger.sessions[0]

    original = scene.session.model_path
    app.run_frames(1, lambda i: [key(pygame.K_f)])  # fine-tune: closes the session first
    session = load_session(session_dir)
    assert len(session) == scene.session.dagger.frames
    assert set(session.columns["source"]) == {"takeover"}
    assert session.columns["steering"][-1] > 0  # the person was steering right
    run_until(app, lambda: not scene.session.dagger.tuning.busy)
    assert scene.session.model_path != original and scene.session.model_path.exists()
    assert scene.session.model_path.name.startswith("pilotnet-dagger-")
    assert scene.session.model_path.parent == user_dir("models")  # never over a shipped model
    s = scene.session
    assert s.driver is not None and s.driver.model_path == s.model_path
    app.run_frames(10)
    assert s.median_inference_ms is not None


def test_card_sessions_lists_the_original_data_that_exists(tmp_path):
    from agents.modelio import write_card

    here = tmp_path / "session"
    here.mkdir()
    (here / "log.csv").write_text("frame,steering\n")
    model = tmp_path / "m.h5"
    write_card(model, {"sessions": [{"path": str(here)}, {"path": str(tmp_path / "gone")}]})
    assert card_sessions(model) == [here]
    write_card(model, {"architecture": "pooled", "sessions": []})
    first = fine_tune_output(model)
    assert first.parent == user_dir("models") and first.name.startswith("pooled-dagger-")
    first.write_bytes(b"taken")  # each fine-tune is a new registry entry, never over the last
    assert fine_tune_output(model) not in (first, model)


# --- Train ----------------------------------------------------------------------
def test_train_screen_trains_then_cancel_keeps_the_old_file(app):
    from agents.driving.expert_recorder import ExpertRecording, record_expert

    recipe = ExpertRecording(
        TINY_TRACK, 1, user_dir("recordings") / "tiny", rate_hz=1.0, recovery=False
    )
    record_expert(recipe)
    scene = app.push("train", out_name="mine.h5")
    assert isinstance(scene, TrainScene)
    assert [s.path.name for s in scene.sessions] == ["tiny"] and scene.sessions[0].frames > 30
    assert scene.sessions[0].steering_hist.sum() == scene.sessions[0].frames
    events = [key(pygame.K_SPACE)] + [key(pygame.K_LEFT)] * 10 + [key(pygame.K_RETURN)]
    app.run_frames(1, lambda i: events)
    assert scene.epochs == 1 and scene.training
    run_until(app, lambda: not scene.training)
    out = user_dir("models") / "mine.h5"
    assert scene.result is not None and scene.result.model_path == out and out.exists()
    assert scene.bar.fraction == 1.0 and scene.chart.series["loss"]
    assert np.isfinite(scene.result.best_val_loss)

    before = out.read_bytes()
    app.run_frames(1, lambda i: [key(pygame.K_RIGHT), key(pygame.K_RETURN), key(pygame.K_ESCAPE)])
    run_until(app, lambda: not scene.training)
    assert scene.status.startswith("cancelled")
    assert out.read_bytes() == before
    assert sorted(p.name for p in user_dir("models").glob("*.h5")) == ["mine.h5"]  # no temp left

    # "Drive with it" opens the Autopilot screen on the new model.
    click = pygame.event.Event(
        pygame.MOUSEBUTTONDOWN, button=1, pos=scene.drive_button.rect.center
    )
    app.run_frames(1, lambda i: [click])
    assert isinstance(app.scene, AutopilotScene) and app.scene.session.model_path == out
    assert out in [m.path for m in available_models()]


# --- Race ----------------------------------------------------------------------
def test_race_picker_by_keyboard(app):
    scene = app.push("race", track="oval", drivers=[EXPERT])
    assert isinstance(scene, RaceScene) and [e.key for e in scene.session.chosen] == [EXPERT]
    # Down to "You", add; then down past the driver rows to Laps and step it.
    app.run_frames(1, lambda i: [key(pygame.K_DOWN), key(pygame.K_SPACE)])
    assert [e.key for e in scene.session.chosen] == [EXPERT, PERSON]
    laps = scene.session.laps
    app.run_frames(1, lambda i: [key(pygame.K_UP)] * 3 + [key(pygame.K_RIGHT)])
    assert scene.session.cursor == len(scene.session.entries) + 1 and scene.session.laps != laps
    app.run_frames(1, lambda i: [key(pygame.K_DOWN), key(pygame.K_RETURN)])
    run_until(app, lambda: scene.session.racing)
    assert [r.label for r in scene.session.racers] == ["Expert", "You"]
    # F5 starts again from the grid; Esc goes back to the picker, where Enter on any row
    # starts the race (it never changes a value).
    scene.session.countdown = 0.0
    app.run_frames(30)
    assert scene.session.racers[0].world.steps > 0
    app.run_frames(1, lambda i: [key(pygame.K_F5)])
    run_until(app, lambda: scene.session.racing)
    assert scene.session.countdown > 0 and scene.session.racers[0].world.steps == 0
    app.run_frames(1, lambda i: [key(pygame.K_ESCAPE)])
    assert not scene.session.racing and app.scene is scene
    scene.session.cursor = 0
    app.run_frames(1, lambda i: [key(pygame.K_RETURN)])
    run_until(app, lambda: scene.session.racing)
    assert [e.key for e in scene.session.chosen] == [EXPERT, PERSON]  # Enter toggled nothing


def test_race_runs_expert_and_a_model(app, model_path):
    scene = app.push("race", track="oval", drivers=[EXPERT, str(model_path)], laps=1, start=True)
    assert isinstance(scene, RaceScene)
    run_until(app, lambda: scene.session.racing)
    assert len(scene.session.racers) == 2
    scene.session.countdown = 0.0  # skip "3, 2, 1"
    assert app.run_frames(200) == 200
    expert, cnn = scene.session.racers
    assert expert.progress > 20.0 and expert.world.interventions == 0
    assert cnn.progress > 5.0 and cnn.inference_ms
    order = standings(scene.session.racers)
    assert [r.progress for r in order] == sorted((r.progress for r in order), reverse=True)


def test_race_standings_show_penalties_and_a_spoiled_lap_in_red(app):
    from game.render import theme
    from game.scenes.race import standing_cells

    scene = app.push("race", track="oval", drivers=[EXPERT], laps=2, start=True)
    run_until(app, lambda: scene.session.racing)
    scene.session.countdown = 0.0
    (expert,) = scene.session.racers
    expert.lap_times, expert.clean_laps = [30.0, 25.0], [True, False]  # lap 2 had a penalty
    expert.world.interventions = 1
    (row,) = scene.session.table()
    cells = standing_cells(row, 2)
    assert cells["PEN"].text == "1" and cells["PEN"].color == theme.BAD
    assert cells["LAST"].text == "0:25.0" and cells["LAST"].color == theme.BAD
    assert cells["BEST"].text == theme.format_time(None)  # lap 1 never counts, lap 2 spoiled
    assert ("Best lap", "clean flying laps only (lap 2 on)") in scene.help_lines
    assert app.run_frames(5) == 5  # draws with the penalty showing


def test_a_car_whose_driver_fails_retires_and_the_race_goes_on(app):
    from agents.driving.drivers import DriverOutputError

    class NanDriver:
        needs_camera = False

        def steer(self, world, frame):
            raise DriverOutputError("model broken.h5 produced NaN steering at frame 1")

    scene = app.push("race", track="oval", drivers=[EXPERT, PERSON], laps=1, start=True)
    run_until(app, lambda: scene.session.racing)
    scene.session.countdown = 0.0
    expert, broken = scene.session.racers
    broken.driver = NanDriver()  # "You" stands in for a car driven by a broken model
    assert app.run_frames(120) == 120
    assert "NaN steering" in broken.retired
    assert broken.world.metrics.progress < 0.5  # stopped on its grid slot
    assert expert.progress > 5.0  # the race went on
    assert standings(scene.session.racers)[-1] is broken
    errors = [t.message for t in app.toasts.items if "retired" in t.message]
    assert len(errors) == 1  # said once, not every frame
    assert app.crash_logs == []


def test_table_lays_columns_out_by_name_from_the_card_width(app):
    from game.render.table import Cell, Column, Table

    table = Table([Column("POS", 1), Column("DRIVER", 3, max_chars=5), Column("GAP", 2, "right")])
    spans = table.cells(pygame.Rect(100, 0, 628, 200))  # 600 px inside the margins
    assert spans == {"POS": (114, 214), "DRIVER": (214, 514), "GAP": (514, 714)}
    with pytest.raises(ValueError, match="distinct names"):
        Table([Column("A", 1), Column("A", 1)])
    rect = pygame.Rect(0, 0, 400, 200)
    app.screen.fill((0, 0, 0))
    rows = [{"POS": Cell("1"), "DRIVER": Cell("a very long name", dot=(255, 0, 0))}]
    table.draw(app.screen, rect, rows, highlight=0)  # a missing cell (GAP) is left blank
    drawn = grab_pixels(app.screen, rect)
    assert (drawn == (255, 0, 0)).all(axis=-1).any()  # the driver's colour dot
    assert table.row_height(rect, 50) == (200 - 44) // 50  # many rows shrink to fit
