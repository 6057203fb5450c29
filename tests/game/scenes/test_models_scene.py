"""The Models screen headless (SDL dummy driver): the keys and the mouse reach the state, the
dialogs open and close, the scoreboard fills the table while the screen keeps drawing (lane
keeping from the cruise runs, pace from the race runs, "running..." where a drive goes on),
and Enter opens Autopilot on the chosen model."""

from __future__ import annotations

import json
import threading
import time

import pygame

from agents.driving.drivers import Driver, make_driver
from agents.driving.registry import TrackScore
from game.app import App
from game.paths import user_dir
from game.scenes.models import RUNNING, ModelsLayout, ModelsScene, model_row, score_row
from game.sessions import models as sessions


def key(k: int, mod: int = 0) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode="", scancode=0)


def text(s: str) -> pygame.event.Event:
    return pygame.event.Event(pygame.TEXTINPUT, text=s)


def press(app: App, *events: pygame.event.Event) -> None:
    app.run_frames(1, lambda i: list(events))


def make_model(name: str, created: str) -> None:
    path = user_dir("models") / f"{name}.h5"
    path.write_bytes(name.encode())
    card = {"kind": "driving", "architecture": "pilotnet", "created": created}
    path.with_suffix(".card.json").write_text(json.dumps(card))


class HeldDriver(Driver):
    """The expert, held at its first step until `release` is set; `started` says it began."""

    def __init__(self, started: threading.Event, release: threading.Event) -> None:
        self.inner, self.started, self.release = make_driver("expert"), started, release

    def reset(self, world) -> None:
        self.inner.reset(world)

    def steer(self, world, frame):
        self.started.set()
        assert self.release.wait(30), "the test never released the drive"
        return self.inner.steer(world, frame)


def open_models(app: App) -> ModelsScene:
    make_model("older", "2026-11-01T10:00:00+00:00")
    make_model("newer", "2026-11-30T10:00:00+00:00")
    scene = app.push("models")
    assert isinstance(scene, ModelsScene)
    return scene


def names(scene: ModelsScene) -> list[str]:
    return [m.name for m in scene.state.models]


def test_keys_select_rename_delete_and_refuse_shipped(app):
    scene = open_models(app)
    assert names(scene) == ["newer", "older", "pilotnet"] and scene.state.cursor == 0
    press(app, key(pygame.K_DOWN))
    assert scene.state.current.name == "older"
    # R opens the rename box: typed text arrives as TEXTINPUT, Backspace erases, Enter renames.
    press(app, key(pygame.K_r))
    assert scene.captures_text and scene.state.renaming == "older"
    press(app, *[key(pygame.K_BACKSPACE)] * 5, text("s"), text("lo"), text("w"))
    press(app, key(pygame.K_s))  # a letter's KEYDOWN does not start the scoreboard meanwhile
    assert scene.state.renaming == "slow" and not scene.state.scoring
    muted = app.settings.muted
    press(app, key(pygame.K_h), key(pygame.K_u))  # nor do the app's help and mute keys
    assert not app.help_visible and app.settings.muted == muted
    press(app, key(pygame.K_RETURN))
    assert names(scene) == ["newer", "slow", "pilotnet"] and scene.state.current.name == "slow"
    assert not scene.captures_text
    # X asks; any other key keeps the model; X then Y deletes it.
    press(app, key(pygame.K_x))
    assert scene.state.confirm_delete is not None
    press(app, key(pygame.K_LSHIFT))  # a modifier alone does not answer
    app.run_frames(1)
    assert scene.state.confirm_delete is not None
    press(app, key(pygame.K_n))  # any other key keeps the model
    assert scene.state.confirm_delete is None and "slow" in names(scene)
    press(app, key(pygame.K_DELETE), key(pygame.K_y))
    assert names(scene) == ["newer", "pilotnet"]
    assert not (user_dir("models") / "slow.h5").exists()
    # The shipped model: delete and rename are refused with a message, nothing opens.
    press(app, key(pygame.K_DOWN), key(pygame.K_x), key(pygame.K_r))
    assert scene.state.current.shipped and scene.state.confirm_delete is None
    assert scene.state.renaming is None
    errors = [t.message for t in app.toasts.items if t.kind == "error"]
    assert any("shipped model" in e for e in errors)
    assert app.crash_logs == []


def test_mouse_selects_a_row_and_the_delete_button_asks(app):
    scene = open_models(app)
    app.run_frames(1)
    lay = ModelsLayout.for_size(app.screen.get_size())
    row_h = scene.table.row_height(lay.table, 3)
    second = (lay.table.x + 100, lay.table.y + 44 + row_h + row_h // 2)
    press(app, pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=second))
    assert scene.state.current.name == "older"
    press(app, pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1,
                                  pos=scene.buttons["delete"].rect.center))  # fmt: skip
    assert scene.state.confirm_delete == user_dir("models") / "older.h5"
    app.run_frames(1)  # the dialog is drawn: its button has its place
    press(app, pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1,
                                  pos=scene.yes_button.rect.center))  # fmt: skip
    assert names(scene) == ["newer", "pilotnet"]


def test_s_fills_the_table_live_and_esc_stops_then_leaves(app, monkeypatch):
    monkeypatch.setattr(sessions, "SUITE_TRACKS", ("gen:5100",))
    monkeypatch.setattr("agents.driving.registry.SUITE_TRACKS", ("gen:5100",))
    scene = open_models(app)
    scene.state.driver_for = lambda path: make_driver("expert")  # steering-only: 1 drive a model
    press(app, key(pygame.K_s, pygame.KMOD_LSHIFT))  # Shift+S: every model
    assert scene.state.scoring
    end = time.monotonic() + 60
    while scene.state.scoring and time.monotonic() < end:
        app.run_frames(1)  # the screen draws on while the worker drives
        time.sleep(0.002)
    assert [m.autonomy_text for m in scene.state.models] == ["100.0%"] * 3
    assert all(m.laps_text.endswith(" s") for m in scene.state.models)
    assert [model_row(m, False, "")["OFF LANE"].text for m in scene.state.models] == ["0"] * 3
    # Esc while scoring stops the scoreboard and stays; Esc again goes back to the menu.
    make_model("another", "2026-11-30T11:00:00+00:00")
    press(app, key(pygame.K_F5))  # read again: the cursor stays on its model
    assert names(scene)[0] == "another" and scene.state.current.name == "newer"
    # The drive waits at its first step until Esc has been pressed: the stop lands mid-drive.
    driving, esc_pressed = threading.Event(), threading.Event()
    scene.state.driver_for = lambda path: HeldDriver(driving, esc_pressed)
    press(app, key(pygame.K_UP), key(pygame.K_s))
    assert scene.state.scoring and scene.state.current.name == "another"
    assert driving.wait(30), "the scoreboard never started driving"
    press(app, key(pygame.K_ESCAPE))
    esc_pressed.set()
    for _ in range(3000):  # bounded: the drive checks the stop twice a simulated second
        if not scene.state.scoring:
            break
        app.run_frames(1)
    assert not scene.state.scoring and app.scene is scene
    assert scene.state.models[0].name == "another" and scene.state.models[0].scores == {}
    assert not [f for f in scene.state.filled if f[0] == "another"]  # nothing was recorded
    assert any("scoreboard stopped" in t.message for t in app.toasts.items)
    press(app, key(pygame.K_ESCAPE))
    assert app.scene.scene_name == "menu" and app.crash_logs == []


def test_a_tracks_row_shows_cruise_lane_keeping_race_pace_and_what_is_running():
    cruise = TrackScore("oval", "cruise", {"autonomy_pct": 97.5, "mean_abs_offset_m": 0.123})
    race = TrackScore("oval", "race", {"autonomy_pct": 60.0, "mean_abs_offset_m": 0.9,
                                       "interventions": 2, "best_lap_s": 61.25})  # fmt: skip
    row = {k: c.text for k, c in score_row("oval", cruise, race).items()}
    assert row == {"TRACK": "oval", "AUTONOMY": "97.5%", "|OFFSET|": "12.3 cm",
                   "RACE LAP": "1:01.2", "OFF LANE": "2"}  # fmt: skip
    racing = score_row("oval", cruise, None, running=("race",))
    assert racing["AUTONOMY"].text == "97.5%" and racing["RACE LAP"].text == RUNNING
    both = score_row("oval", None, None, running=("cruise", "race"))
    assert both["AUTONOMY"].text == both["RACE LAP"].text == RUNNING


def test_enter_drives_the_model_in_autopilot(app, monkeypatch):
    scene = open_models(app)
    pushed = []  # Autopilot itself is tested elsewhere: here only what it is asked to open
    monkeypatch.setattr(app, "push", lambda name, **kw: pushed.append((name, kw)))
    press(app, key(pygame.K_DOWN), key(pygame.K_RETURN))
    assert pushed == [("autopilot", {"model": str(user_dir("models") / "older.h5")})]
    assert app.scene is scene


def test_draws_at_other_window_sizes_without_crashing():
    for size in [(1024, 600), (1600, 900)]:
        app = App(headless=True, size=size)
        try:
            app.push("menu")
            open_models(app)
            assert app.run_frames(3) == 3 and app.crash_logs == []
        finally:
            app.close()
        for p in user_dir("models").iterdir():
            p.unlink()


def test_the_r_that_opens_rename_is_not_typed_into_the_name(app):
    scene = open_models(app)
    r_down = pygame.event.Event(pygame.KEYDOWN, key=pygame.K_r, mod=0, unicode="r", scancode=0)
    # As SDL delivers a key press with text input on: its KEYDOWN, then its TEXTINPUT.
    press(app, r_down, text("r"))
    assert scene.state.renaming == "newer"
    press(app, r_down, text("r"))  # the person's own R, once the box is open, is typed
    assert scene.state.renaming == "newerr"


def test_offsets_and_laps_are_coloured_by_what_they_mean(app):
    from game.render import theme
    from game.sessions.grades import Grade

    scene = open_models(app)
    [newer] = [m for m in scene.state.models if m.name == "newer"]
    sloppy = model_row(newer, False, "", Grade.POOR, Grade.POOR)
    steady = model_row(newer, False, "", Grade.GOOD, Grade.GOOD)
    assert sloppy["|OFFSET|"].color == theme.BAD and sloppy["LAP SUM"].color == theme.BAD
    assert steady["|OFFSET|"].color == theme.GOOD and steady["LAP SUM"].color == theme.GOOD
    cruise = TrackScore("oval", "cruise", {"autonomy_pct": 100.0, "mean_abs_offset_m": 0.373})
    row = score_row("oval", cruise, None, (), Grade.POOR, Grade.NONE)
    assert row["AUTONOMY"].color == theme.GOOD and row["|OFFSET|"].color == theme.BAD


def test_o_shows_the_teach_result_card_saved_with_the_model(app):
    from agents.driving.registry import save_teach_result
    from game.sessions.teach_result import CAR, EXPERT, YOU, Figures, TeachResult, Trace

    make_model("my-car", "2026-12-01T10:00:00+00:00")
    rows = (Figures(YOU, 0.41, 2, 2, 52.0), Figures(CAR, 0.26, 0, 2, 49.0),
            Figures(EXPERT, 0.04, 0, 2, 28.0))  # fmt: skip
    trace = Trace(tuple(float(s) for s in range(0, 700, 10)), tuple(0.3 for _ in range(70)))
    card = TeachResult("Oval", "oval", 704.0, rows, you=trace, car=trace, created="2026-12-01")
    save_teach_result(user_dir("models") / "my-car.h5", card.to_json())
    scene = open_models(app)
    assert scene.state.current.name == "my-car"
    press(app, key(pygame.K_o))
    assert scene.state.showing_card and scene.state.result_card().rows == rows
    for size in ((1280, 720), (1024, 640)):
        scene.draw(pygame.Surface(size))
    press(app, key(pygame.K_ESCAPE))  # closes the card, stays on the screen
    assert not scene.state.showing_card and app.scene is scene
    press(app, key(pygame.K_DOWN), key(pygame.K_o))  # a model without a card: a note
    assert not scene.state.showing_card
    assert any("no result card" in t.message for t in app.toasts.items)


def test_the_details_show_the_file_in_the_user_folder_and_count_epochs_right(app):
    make_model("one", "2026-11-30T10:00:00+00:00")
    card_path = user_dir("models") / "one.card.json"
    card = json.loads(card_path.read_text())
    card["epochs"] = {"run": 1, "best": 1}
    card_path.write_text(json.dumps(card))
    scene = app.push("models")
    mine = next(m for m in scene.state.models if m.name == "one")
    lines = scene.detail_lines(mine)
    assert lines[0] == "file  models/one.h5"  # not the whole /tmp/.../models/one.h5
    assert any("1 epoch (best 1)" in line for line in lines)
    shipped = next(m for m in scene.state.models if m.shipped)
    assert scene.detail_lines(shipped)[0] == f"file  {shipped.path.name}"
    # The shipped model is PilotNet at half width: its card's recipe says so.
    assert "network  filters 12-18-24-32-32, PilotNet x0.5, 216,604 params" in (
        scene.detail_lines(shipped)
    )
    assert not any(line.startswith("network") for line in lines)  # no recipe in its card
    card["network"] = {"width": "wide"}  # a hand-edited card: the panel says what is wrong
    card_path.write_text(json.dumps(card))
    scene = app.push("models")
    mine = next(m for m in scene.state.models if m.name == "one")
    bad = [line for line in scene.detail_lines(mine) if line.startswith("network")]
    assert bad == ["network  one.card.json: \"network.width\" must be a number, not 'wide'"]


def test_export_keys_open_the_choice_move_start_and_esc_stops(app, monkeypatch):
    scene = open_models(app)
    st = scene.state
    started = []
    monkeypatch.setattr(st, "start_export", lambda: started.append(st.export_choice) or True)
    press(app, key(pygame.K_e))
    assert st.export_choice == 0
    app.run_frames(1)  # the choice draws
    press(app, key(pygame.K_DOWN), key(pygame.K_DOWN))
    assert st.export_choice == 2
    press(app, key(pygame.K_UP))
    assert st.export_choice == 1
    press(app, key(pygame.K_RETURN))
    assert started == [1]
    st.export_choice = 0
    press(app, key(pygame.K_4))  # a number picks its row and exports at once
    assert started == [1, 3]
    st.export_choice = 0
    press(app, key(pygame.K_ESCAPE))  # Esc closes the choice, the screen stays
    assert st.export_choice is None and app.scene is scene

    monkeypatch.undo()
    ran = threading.Event()

    def held_export(model, kind, out, check=True):
        def job(ctx):  # stands in for the ~20 s conversion: runs until Esc (bounded)
            ran.set()
            assert ctx.cancel.wait(30), "the test never pressed Esc"
            out.unlink(missing_ok=True)  # as the real job does when cancelled
            return None

        return job

    monkeypatch.setattr(sessions, "export_job", held_export)
    press(app, key(pygame.K_e), key(pygame.K_3))  # an export starts ...
    worker = st.exporter.worker
    assert worker is not None and ran.wait(30)
    assert (user_dir("exports") / "newer-int8.tflite").exists()  # its name is claimed
    press(app, key(pygame.K_ESCAPE))  # ... Esc stops it and the screen stays
    assert worker.cancel_requested and app.scene is scene
    for _ in range(3000):  # bounded: the worker ends at once
        if not st.exporter.busy:
            break
        app.run_frames(1)
    assert not st.exporter.busy and st.last_export is None
    assert list(user_dir("exports").iterdir()) == []  # nothing kept, not even the claimed name
