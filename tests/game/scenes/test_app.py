"""Headless app tests: scripted play through the menu and the Drive screen, the dashcam panel's
pixels, the keyboard steering ramp, the scene registry, toasts and screenshots."""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from agents.driving.recording_log import FRAMES_DIR
from agents.driving.recording_reader import load_session
from game.app import SIM_DT, App, run_app
from game.errors import UserFacingError
from game.paths import user_dir
from game.render.dashcam_panel import grab_pixels
from game.scenes import SCENE_ERRORS, SCENES, menu_entries, register_scene
from game.scenes.base import Scene
from game.scenes.drive import DriveScene
from game.sessions.controls import SteeringControls


def key(k: int, up: bool = False) -> pygame.event.Event:
    return pygame.event.Event(
        pygame.KEYUP if up else pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0
    )


def mouse_move(pos: tuple[int, int]) -> pygame.event.Event:
    return pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0))


def click(pos: tuple[int, int]) -> pygame.event.Event:
    return pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1)


def recorded_images_in(folder) -> int:
    return len(list((folder / FRAMES_DIR).glob("*.png")))


def recorded_images(scene: DriveScene) -> int:
    rec = scene.session.recorder
    return 0 if rec is None else recorded_images_in(rec.dir)


@pytest.fixture
def app():
    a = App(headless=True)
    yield a
    a.close()


@pytest.fixture
def drive(app):
    app.push("menu")
    scene = app.push("drive", track="oval")
    assert isinstance(scene, DriveScene)
    return scene


def test_every_scene_module_imports():
    App(headless=True).close()
    assert SCENE_ERRORS == {}
    assert "menu" in SCENES and "drive" in SCENES


def test_smoke_300_frames_of_scripted_play(app):
    """Menu -> Drive by keyboard, steer, record, erase, pause, help, tracks, looks, mouse
    steering, back to the menu, then into Drive and out again with the mouse."""
    app.push("menu")
    menu = app.scene
    drive_index = [item.key for item in menu.menu.items].index("drive")
    script: dict[int, list[pygame.event.Event]] = {
        2: [key(pygame.K_DOWN)],
        4: [key(pygame.K_UP)],
        # From the top entry, Down as many times as Drive's position, then Enter.
        6: [key(pygame.K_DOWN)] * drive_index + [key(pygame.K_RETURN)],
        10: [key(pygame.K_RIGHT)],
        40: [key(pygame.K_RIGHT, up=True), key(pygame.K_r)],
        60: [key(pygame.K_LEFT)],
        75: [key(pygame.K_LEFT, up=True)],
        90: [key(pygame.K_UP)],
        100: [key(pygame.K_UP, up=True)],
        110: [key(pygame.K_x)],
        130: [key(pygame.K_r)],
        135: [key(pygame.K_p)],
        140: [key(pygame.K_h)],
        145: [key(pygame.K_h)],
        150: [key(pygame.K_p)],
        155: [key(pygame.K_n)],
        165: [key(pygame.K_b)],
        170: [key(pygame.K_l)],
        175: [key(pygame.K_g)],
        180: [key(pygame.K_m), mouse_move((700, 300))],
        200: [key(pygame.K_m)],
        210: [key(pygame.K_ESCAPE)],
        230: [mouse_move(menu.menu.item_rect(drive_index).center)],
        232: [click(menu.menu.item_rect(drive_index).center)],
        260: [key(pygame.K_DOWN)],
        270: [key(pygame.K_DOWN, up=True), key(pygame.K_ESCAPE)],
    }
    seen: list[str] = []
    snapshots: dict[int, dict] = {}

    def events(i: int) -> list[pygame.event.Event]:
        scene = app.scene
        seen.append(scene.scene_name)
        if isinstance(scene, DriveScene):
            scene.session.finish_loading()  # tracks and looks are built in workers
            snapshots[i] = {
                "track": scene.session.track.name,
                "look": scene.session.look,
                "paused": scene.session.paused,
                "recording": scene.session.recorder is not None,
                "steer": scene.session.steering_cmd,
                "mouse": scene.session.controls.mouse_mode,
                "help": app.help_visible,
                "cruise": scene.session.world.car.cruise_speed,
                "time": scene.session.world.time,
                "images": recorded_images(scene),
            }
        return script.get(i, [])

    assert app.run_frames(300, events) == 300
    assert seen[5] == "menu" and seen[8] == "drive" and seen[220] == "menu"
    assert seen[240] == "drive" and seen[299] == "menu"
    assert snapshots[39]["steer"] > 0.25  # held Right (a progressive wheel: gentle, then more)
    assert snapshots[70]["steer"] < 0.0  # held Left
    assert snapshots[105]["cruise"] > snapshots[85]["cruise"]  # Up raised the cruise speed
    assert snapshots[50]["recording"] and not snapshots[132]["recording"]
    assert snapshots[137]["paused"] and not snapshots[152]["paused"]
    assert snapshots[142]["help"] and not snapshots[147]["help"]
    assert snapshots[157]["track"] != snapshots[152]["track"]  # N: next track
    assert snapshots[167]["track"] == snapshots[152]["track"]  # B: back again
    assert snapshots[172]["look"] != snapshots[167]["look"]  # L: next look
    assert snapshots[177]["track"].startswith("gen:")  # G: random track
    assert snapshots[185]["mouse"] and snapshots[190]["steer"] > 0.0  # mouse right of centre
    # The recording was written, and X erased its last 5 s (all of it: it was shorter): only
    # the rows taken after X (frame 110) are left, and the erased images are gone too.
    sessions = sorted(user_dir("recordings").iterdir())
    assert len(sessions) == 1
    session = load_session(sessions[0])
    assert snapshots[110]["images"] > 0  # what X found to erase
    assert len(session) > 0 and session.columns["t"].min() >= snapshots[110]["time"]
    assert recorded_images_in(sessions[0]) == len(session)
    assert not any(t.kind == "error" for t in app.toasts.items)


def test_dashcam_panel_shows_exactly_the_camera_pixels(app, drive):
    steer = {10: [key(pygame.K_RIGHT)], 30: [key(pygame.K_RIGHT, up=True)]}
    for _ in range(2):
        app.run_frames(45, lambda i: steer.get(i, []))
        on_screen = grab_pixels(app.screen, drive.panel.image_rect)
        expected = drive.session.dashcam.render_world(drive.session.world)  # afresh, same pose
        assert on_screen.shape == (160, 320, 3)
        assert np.array_equal(on_screen, expected)
        assert on_screen.std() > 5  # a real image, not a blank panel
        app.run_frames(1, lambda i: [key(pygame.K_l)])  # the next look must match too
    assert drive.session.look != "day"


def test_recording_pairs_each_frame_with_the_command_applied_from_it(app, drive):
    """Like the expert recorder: a row's frame and pose are the state the sim was in when its
    steering command was applied (record, then step), not the state that command led to."""
    applied: dict[float, float] = {}  # sim time of a state -> command applied from it
    seen: list[float] = []  # sim time at the start of each frame

    def events(i: int) -> list[pygame.event.Event]:
        if seen:
            applied[round(seen[-1], 4)] = drive.session.steering_cmd  # set by the last update
        seen.append(drive.session.world.time)
        return {0: [key(pygame.K_r), key(pygame.K_RIGHT)]}.get(i, [])

    app.run_frames(40, events)  # the wheel ramps every frame, so neighbours differ
    applied[round(seen[-1], 4)] = drive.session.steering_cmd
    folder = drive.session.recorder.dir
    drive.session.stop_recording()
    session = load_session(folder)
    assert len(session) >= 10
    assert session.columns["t"][0] == pytest.approx(seen[0], abs=1e-4)  # the state before step 1
    for t, steering in zip(session.columns["t"], session.columns["steering"], strict=True):
        assert steering == pytest.approx(applied[round(float(t), 4)], abs=1e-5)


def test_keyboard_steering_ramps_smoothly(app, drive):
    held = {0: [key(pygame.K_RIGHT)], 60: [key(pygame.K_RIGHT, up=True)]}
    values = []  # values[k]: the steering command after k frames

    def events(i):
        values.append(drive.session.steering_cmd)
        return held.get(i, [])

    app.run_frames(120, events)
    values.append(drive.session.steering_cmd)
    v = np.array(values)
    steps = np.diff(v)  # steps[k]: the change during frame k
    # Holding Right: the command climbs a little each frame, it does not jump to full lock.
    # The car is at rest on the first frame: the slow-speed rate applies.
    rest_rate = SteeringControls.RAMP_RATE * SteeringControls.SPEED_SCALE_MAX
    assert v[1] == pytest.approx(rest_rate * SIM_DT)
    assert np.all(steps[:60] >= 0.0)
    # A third of a second gives a gentle-bend lock, not half the wheel; a second gives most
    # of it (the car is still slow: little is taken away for speed), never a jump to all.
    assert 0.05 < v[20] < 0.3 and 0.6 < v[60] < 1.0
    # Letting go re-centres gradually, then stays centred.
    assert 0.0 < v[65] < 1.0 and np.all(steps[60:] <= 0.0)
    assert v[-1] == 0.0
    fastest = SteeringControls.MAX_RATE * SteeringControls.SPEED_SCALE_MAX
    bound = max(fastest, SteeringControls.RETURN_RATE) * SIM_DT
    assert np.abs(steps).max() <= bound + 1e-9


def test_mouse_and_gamepad_steering_map_to_the_wheel():
    c = SteeringControls()
    c.mouse_mode = True
    # A fifth of the half view: a gentle lock (the mouse curve is soft near the centre).
    assert 0.05 < c.update(SIM_DT, False, False, mouse_x=0.2) < 0.2
    assert c.update(SIM_DT, False, False, mouse_x=-3.0) == -1.0
    c.mouse_mode = False
    c.reset()
    assert c.update(SIM_DT, False, False, stick=0.05) == 0.0  # inside the dead zone
    assert c.source == "keyboard"
    assert c.update(SIM_DT, False, False, stick=1.0) == 1.0 and c.source == "gamepad"
    small = c.update(SIM_DT, False, False, stick=-0.2)
    assert -0.2 < small < 0.0  # rescaled from the dead zone's edge, no jump


def test_bad_track_is_a_toast_not_a_crash(app, tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text("{not json")
    app.push("menu")
    scene = app.push("drive", track=str(bad))
    assert isinstance(scene, DriveScene)
    errors = [t.message for t in app.toasts.items if t.kind == "error"]
    assert errors and "broken.json" in errors[0]
    assert app.run_frames(5) == 5  # drives on a fallback track


def test_menu_lists_registered_scenes_in_order(app, monkeypatch):
    @register_scene("zz_test_hidden", in_menu=False)
    class Hidden(Scene):
        def draw(self, surface):
            surface.fill((0, 0, 0))

    @register_scene("zz_test_shown", label="Zz Shown", order=999)
    class Shown(Hidden):
        pass

    try:
        keys = [item.key for item in app.make_scene("menu").menu.items]
        assert "zz_test_shown" in keys and "zz_test_hidden" not in keys
        assert keys.index("drive") < keys.index("zz_test_shown") < keys.index("__quit__")
        assert [s.name for s in menu_entries()] == keys[:-1]
    finally:
        SCENES.pop("zz_test_hidden")
        SCENES.pop("zz_test_shown")


def test_fixed_timestep_and_user_errors_in_scenes(app):
    calls = []

    @register_scene("zz_test_counter", in_menu=False)
    class Counter(Scene):
        def update(self, dt):
            calls.append(dt)
            if len(calls) == 3:
                raise UserFacingError("data.csv line 3: bad value")

        def draw(self, surface):
            surface.fill((0, 0, 0))

    try:
        app.push("zz_test_counter")
        app.frame([], 0.05)  # a slow frame: three sim steps of exactly 1/60 s
        assert calls == [SIM_DT] * 3
        assert any("data.csv line 3" in t.message for t in app.toasts.items)
        for _ in range(100):  # 100 fast frames (200 FPS) of 0.5 s in all: 30 sim steps
            app.frame([], 0.005)
        assert len(calls) == 33
        for elapsed in (0.0171, 0.0162, 0.0168, 0.0165, 0.017):  # jittery 60 FPS frames
            app.frame([], elapsed)
        assert len(calls) == 38  # one step each, no 0-then-2 stutter
        app.frame([key(pygame.K_h)], SIM_DT)  # the help overlay pauses the scene
        assert len(calls) == 38 and app.help_visible
        app.frame([key(pygame.K_h)], 5.0)  # after a long stall: a few steps, not 300
        assert len(calls) == 38 + 5
        with pytest.raises(UserFacingError, match="unknown screen"):
            app.make_scene("no-such-screen")
        assert app.push("no-such-screen") is None and app.scene.scene_name == "zz_test_counter"
    finally:
        SCENES.pop("zz_test_counter")


def test_f12_saves_a_screenshot(app):
    app.push("menu")
    app.run_frames(2, lambda i: [key(pygame.K_F12)] if i == 0 else [])
    shots = list(user_dir("screenshots").glob("menu-*.png"))
    assert len(shots) == 1
    assert pygame.image.load(str(shots[0])).get_size() == app.screen.get_size()


def test_run_app_rejects_an_unknown_screen():
    with pytest.raises(UserFacingError, match="unknown screen 'nope'"):
        run_app("nope")


def test_widgets_respond_to_keys_and_mouse(app):
    from game.render.charts import LineChart
    from game.render.widgets import Button, MenuItem, MenuList, Toasts, Toggle

    menu = MenuList([MenuItem("a", "A"), MenuItem("b", "B"), MenuItem("c", "C")], (10, 10), 200)
    assert menu.handle_event(key(pygame.K_UP)) is None and menu.selected == 2  # wraps round
    assert menu.handle_event(key(pygame.K_DOWN)) is None and menu.selected == 0
    menu.handle_event(mouse_move(menu.item_rect(1).center))
    assert menu.selected == 1
    assert menu.handle_event(key(pygame.K_RETURN)) == "b"
    assert menu.handle_event(click(menu.item_rect(2).center)) == "c"
    assert menu.handle_event(click((500, 500))) is None

    button = Button(pygame.Rect(0, 0, 100, 40), "Go")
    assert button.handle_event(click((50, 20))) and not button.handle_event(click((150, 20)))
    toggle = Toggle(pygame.Rect(0, 50, 200, 30), "Augment")
    assert toggle.handle_event(click((100, 60))) and toggle.value

    toasts = Toasts()
    toasts.push("saved")
    toasts.push("bad file", "error")
    toasts.update(4.0)  # info toasts fade before errors do
    assert [t.message for t in toasts.items] == ["bad file"]

    chart = LineChart(pygame.Rect(0, 0, 400, 200), "Loss")
    before = grab_pixels(app.screen, chart.rect).copy()
    for v in (0.5, 0.3, 0.2):
        chart.add("train", v)
    chart.set("val", [0.6, 0.4, 0.35])
    chart.draw(app.screen)
    assert not np.array_equal(before, grab_pixels(app.screen, chart.rect))
    assert chart.color_of("train") != chart.color_of("val")
