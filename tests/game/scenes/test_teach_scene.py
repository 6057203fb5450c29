"""The Teach screen headless: first in the menu (marked on a first run), a lap on a short
round track with recording on and the track keys off, training behind a progress card (a
tiny injected job), Esc cancels and keeps the laps, then the Autopilot screen drives with the
new model on the same track and an unseen one; quitting mid-way keeps the recording."""

from __future__ import annotations

import time

import pygame
import pytest

from agents.driving.recording_reader import list_sessions
from game.sessions import driving, teach
from game.sessions.controls import DriveInput, SteeringControls
from game.sessions.teach import Step
from game.sim.car import DT
from game.workers import WorkerContext
from tests.game.sessions.test_ghost import ring_file
from tests.game.sessions.test_teach import RING_RADIUS, ExpertLike, FakeResult, FakeTraining

FAST = 16.0


def key(k: int) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0)


def press(app, k: int) -> None:
    app.run_frames(1, lambda i: [key(k)])


@pytest.fixture
def teach_scene(app, tmp_path, monkeypatch):
    """The Teach screen on a ~74 m ring, one lap to drive, a fake training job and a model
    loader that hands the Autopilot session the expert instead of loading TensorFlow."""
    monkeypatch.setattr(driving, "load_driver_job", lambda path: lambda ctx: ExpertLike())
    monkeypatch.setattr(teach, "MIN_ROWS_IN_LANE", 40)  # one short lap is enough here
    fake = FakeTraining()
    track = str(ring_file(tmp_path, RING_RADIUS))
    unseen = str(ring_file(tmp_path, RING_RADIUS + 4, "wide_ring"))
    scene = app.push("teach", track=track, unseen_track=unseen, job_factory=fake,
                     result_factory=FakeResult())  # fmt: skip
    assert scene is not None and scene.teach.step is Step.DRIVE
    t = scene.teach
    t.laps = t.lap_goal = 1
    t.drive.cruise = FAST
    t.drive.world.car.set_cruise(FAST)
    yield scene, fake
    fake.release.set()


def drive_the_lap(scene) -> None:
    """Step 1 without drawing each frame (the lap itself is the session tests' business)."""
    from agents.driving.expert import ExpertDriver

    t = scene.teach
    expert = ExpertDriver()
    expert.reset(t.drive.world)
    t.drive.controls.mouse_mode = True
    for _ in range(60 * 600):  # ten simulated minutes: far more than two laps need
        if t.step is not Step.DRIVE:
            break
        wheel = expert.steer(t.drive.world)
        t.drive.update(DT, DriveInput(mouse_x=SteeringControls.mouse_x_for(wheel)))
        t.poll()
    assert t.step is not Step.DRIVE, "the drive step never ended"


def run_until(app, done, timeout_s: float = 120.0) -> None:
    """Play frames until done(); a deadline in seconds, not frames: loading the watching
    model converts it to TFLite first (seconds on a busy machine, with an empty cache)."""
    end = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < end, "the screen never got there"
        app.run_frames(1)
        time.sleep(0.002)


def test_menu_puts_teach_first_and_marks_it_on_a_first_run(app):
    menu = app.scene
    assert menu.menu.items[0].key == "teach" and menu.first_run
    assert menu.menu.current.key == "teach"
    app.run_frames(2)  # draws the START HERE tag
    press(app, pygame.K_RETURN)
    assert app.scene.scene_name == "teach"
    assert app.scene.teach.drive.recorder is not None  # recording from the first frame
    press(app, pygame.K_ESCAPE)
    assert app.scene is menu and not menu.first_run  # that recording counts: no mark now


def test_the_track_and_record_keys_are_off_while_the_laps_are_recorded(app, teach_scene):
    scene, _ = teach_scene
    s = scene.teach.drive
    track, folder = s.track, s.recorder.dir
    for k in (pygame.K_r, pygame.K_n, pygame.K_b, pygame.K_g):
        press(app, k)
    assert s.recorder is not None and s.recorder.dir == folder and s.pending is None
    assert s.track is track
    press(app, pygame.K_c)  # the ghost toggle still works
    assert not s.ghost.visible
    app.run_frames(30, lambda i: [key(pygame.K_RIGHT)] if i == 0 else [])
    assert s.steering_cmd > 0 and s.world.steps >= 30
    assert ("R", "record on / off") not in scene.help()


def test_the_whole_flow_from_lap_to_training_to_watching(app, teach_scene):
    scene, fake = teach_scene
    drive_the_lap(scene)
    t = scene.teach
    assert t.step is Step.TRAIN and fake.started.wait(10)
    app.run_frames(3)  # the progress card
    assert t.progress is not None and "epoch 1/1" in t.status_line()  # one pass
    # Esc cancels the run and keeps the lap; Enter trains again.
    press(app, pygame.K_ESCAPE)
    run_until(app, lambda: t.step is Step.STOPPED)
    assert app.scene is scene and "cancelled" in t.status_line()
    [summary] = list_sessions(t.recordings[0])
    assert summary.error is None and summary.frames > 50
    press(app, pygame.K_RETURN)
    assert t.step is Step.TRAIN and len(fake.calls) == 2
    fake.release.set()
    run_until(app, lambda: scene.watching is not None and scene.watching.session.driver)
    # Step 3: the Autopilot screen drives with the new model on the same track.
    watch = scene.watching
    assert watch.scene_name == "autopilot" and watch.session.model_path == t.model_path
    assert watch.session.track.name == t.drive.track.name
    app.run_frames(60)
    assert watch.session.world.metrics.progress > 1.0  # from rest: it drives off
    press(app, pygame.K_RETURN)  # the result card now (it comes by itself after the lap)
    run_until(app, lambda: t.step is Step.RESULT and t.result is not None)
    progress = watch.session.world.metrics.progress
    app.run_frames(30)  # the card stays; the car waits behind it
    assert t.step is Step.RESULT and watch.session.world.metrics.progress == progress
    for size in ((1280, 720), (1024, 640)):
        surface = pygame.Surface(size)
        scene.draw(surface)  # the card at both window sizes
    press(app, pygame.K_RETURN)  # on to the unseen track
    run_until(app, lambda: watch.session.track.name == "wide_ring")
    assert "never seen" in t.instruction()[0]
    app.run_frames(30)
    # R teaches more: back to driving, a second recording; Esc leaves for the menu.
    press(app, pygame.K_r)
    assert t.step is Step.DRIVE and scene.watching is None and len(t.recordings) == 2
    app.run_frames(10)
    press(app, pygame.K_ESCAPE)
    assert app.scene.scene_name == "menu"
    sessions = list_sessions(t.recordings[0].parent)
    assert len(sessions) == 2 and all(s.error is None and s.frames > 0 for s in sessions)


def test_quitting_while_training_keeps_the_recording(app, teach_scene):
    scene, fake = teach_scene
    drive_the_lap(scene)
    assert fake.started.wait(10)
    folder = scene.teach.recordings[0]
    app.close()  # the window closes mid-training: workers are cancelled, scenes exit
    [summary] = list_sessions(folder)
    assert summary.error is None and summary.frames > 50 and not summary.problems


def test_a_failed_training_says_why_and_offers_to_try_again(app, tmp_path, monkeypatch):
    monkeypatch.setattr(teach, "MIN_ROWS_IN_LANE", 40)

    def broken(config):
        def job(ctx: WorkerContext):
            raise OSError("disk full")

        return job

    scene = app.push("teach", track=str(ring_file(tmp_path, RING_RADIUS)), job_factory=broken)
    t = scene.teach
    t.laps = t.lap_goal = 1
    t.drive.cruise = FAST
    t.drive.world.car.set_cruise(FAST)
    drive_the_lap(scene)
    run_until(app, lambda: t.step is Step.STOPPED)
    assert "disk full" in t.status_line() and "laps are kept" in t.instruction()[0]
    assert any("disk full" in m.message and m.kind == "error" for m in app.toasts.items)
    app.run_frames(2)
    press(app, pygame.K_r)  # drive more laps instead
    assert t.step is Step.DRIVE and t.drive.recorder is not None
