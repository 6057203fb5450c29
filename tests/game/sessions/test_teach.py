"""The "Teach a car to drive" flow without a window: two scripted laps on a short round
track, training in a worker (a tiny injected job), watching on the same track then an unseen
one; Esc at any step keeps every recorded lap."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from agents.driving.expert import ExpertDriver
from agents.driving.model_catalog import shipped_model
from agents.driving.recording_reader import list_sessions, load_session
from agents.driving.train_config import TrainConfig
from agents.training import FINE_TUNE_TIME_LIMIT_S, Phase, TrainingProgress
from game.paths import shipped_models_dir, user_dir
from game.sessions import driving, teach
from game.sessions.controls import DriveInput, SteeringControls
from game.sessions.driving import AutopilotSession
from game.sessions.teach import Step, TeachSession, is_first_run
from game.sessions.teach_result import CAR, YOU, Figures, TeachResult
from game.sim.car import DT
from tests.game.sessions.test_ghost import Notes, ring_file

MAX_STEPS = 60 * 60  # a minute of sim time: far more than two laps of the ring
RING_RADIUS = 10.0  # a ~74 m lap: ~5 s at 16 m/s (each recorded row costs a PNG)
FAST = 16.0  # m/s


class FakeTraining:
    """A job factory like train_job: records what it was asked, reports one batch, then waits
    for `release` (or a cancel) and "saves" a model file."""

    def __init__(self) -> None:
        self.calls: list[TrainConfig] = []
        self.release = threading.Event()
        self.started = threading.Event()

    def __call__(self, config: TrainConfig):
        self.calls.append(config)

        def job(ctx):
            ctx.emit(TrainingProgress(Phase.TRAIN, epoch=1, epochs=config.epochs, batch=1,
                                      batches=2, loss=0.25))  # fmt: skip
            self.started.set()
            while not (self.release.is_set() or ctx.cancelled):
                ctx.cancel.wait(0.01)
            if ctx.cancelled:
                return None
            config.out_path.write_bytes(b"a model")
            return SimpleNamespace(model_path=config.out_path)

        return job


def drive_laps(t: TeachSession) -> int:
    """Drive step 1 like a careful person (mouse steering where the expert would steer) until
    the flow moves on; returns the steps driven."""
    expert = ExpertDriver()
    expert.reset(t.drive.world)
    t.drive.controls.mouse_mode = True
    for n in range(MAX_STEPS):
        if t.step is not Step.DRIVE:
            return n
        wheel = expert.steer(t.drive.world)
        t.drive.update(DT, DriveInput(mouse_x=SteeringControls.mouse_x_for(wheel)))
        t.poll()
    raise AssertionError("step 1 never ended")


def wait_for(t: TeachSession, step: Step, timeout: float = 30.0) -> None:
    if t.training.worker is not None:
        t.training.worker.join(timeout)
    t.poll()
    assert t.step is step


class FakeResult:
    """A result factory like teach_result.result_job: records what it was asked and returns a
    card at once (the real job's figures are tests/game/sessions/test_teach_result.py's)."""

    def __init__(self) -> None:
        self.calls: list[dict] = []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        rows = (Figures(YOU, 0.4, 1, 2, 6.0), Figures(CAR, 0.2, 0, 2, 5.5))
        return lambda ctx: TeachResult("ring", kwargs["track_spec"], 75.0, rows)


def make_flow(folder: Path, laps: int):
    fake = FakeTraining()
    notes = Notes()
    t = TeachSession(
        str(ring_file(folder, RING_RADIUS)), notify=notes, job_factory=fake, laps=laps,
        unseen_track=str(ring_file(folder, RING_RADIUS + 4, "wide_ring")),
        initial_model=Path("shipped.h5"), result_factory=FakeResult(),
    )  # fmt: skip
    t.drive.cruise = FAST  # kept by every restart of step 1
    t.drive.world.car.set_cruise(FAST)
    return t, fake, notes


@pytest.fixture
def flow(tmp_path, monkeypatch):
    """A flow of one lap (two in the test that says so): each recorded row costs a PNG."""
    monkeypatch.setattr(teach, "MIN_ROWS_IN_LANE", 40)
    made = []

    def start(laps: int = 1):
        made.append(make_flow(tmp_path, laps))
        return made[-1]

    yield start
    for t, fake, _ in made:
        fake.release.set()
        t.close()


def test_first_run_is_no_recordings_and_no_models():
    assert is_first_run()
    (user_dir("models") / "mine.h5").write_bytes(b"")
    assert not is_first_run()


def test_two_laps_then_training_then_watching_the_same_then_an_unseen_track(flow, monkeypatch):
    t, fake, notes = flow(laps=2)
    assert t.step is Step.DRIVE and t.drive.recorder is not None
    first, small = t.instruction()
    assert "drive 2 laps - stay in your lane" in first and "Lap 1/2" in first
    drive_laps(t)
    # Step 2: the recording is closed and a fine-tune of the given model started on it.
    assert t.step is Step.TRAIN and t.drive.recorder is None and t.drive.world.laps == 2
    assert fake.started.wait(10)
    call = fake.calls[0]
    assert list(call.sessions) == t.recordings and call.initial_model == Path("shipped.h5")
    assert call.epochs == teach.EPOCHS and call.out_path.parent == user_dir("models")
    assert call.time_limit_s == FINE_TUNE_TIME_LIMIT_S and call.arch is None
    t.poll()
    assert t.progress == pytest.approx(0.5 / teach.EPOCHS)  # 1 of 2 batches of epoch 1
    assert f"epoch 1/{teach.EPOCHS}" in t.status_line()
    session = load_session(t.recordings[0])
    assert len(session) > 150 and session.problems == []
    fake.release.set()
    wait_for(t, Step.WATCH)
    assert t.model_path == call.out_path and t.model_path.exists()

    # The result card is measured in the background from this flow's laps and recordings.
    [asked] = t.result_factory.calls
    assert asked["model"] == t.model_path and asked["track_spec"] == t.track_spec
    assert asked["recordings"] == t.recordings and asked["lap_times"] == t.your_lap_times
    assert len(t.your_lap_times) == 2

    # Step 3: the screen attaches the Autopilot session that drives with the new model.
    monkeypatch.setattr(driving, "default_model", lambda: None)
    watch = AutopilotSession(t.track_spec, None)
    watch.use_driver(ExpertLike())
    t.attach_watch(watch)
    assert "drives itself" in t.instruction()[0]
    for _ in range(MAX_STEPS):
        watch.update(DT, DriveInput())
        t.poll()
        if t.step is Step.RESULT:
            break
    # After the lap: the card, which stays until dismissed.
    assert watch.world.laps == 1 and t.step is Step.RESULT
    if t.measuring_job.worker is not None:
        t.measuring_job.worker.join(10)
    for _ in range(60):  # a second of steps: the card does not go away by itself
        t.poll()
    assert t.step is Step.RESULT and t.result is not None and t.measuring is None
    assert "steadier" in t.result.sentence and "what your car learned" in t.instruction()[0]
    t.confirm()  # Enter: on to the unseen track
    assert t.step is Step.WATCH and t.watching_unseen and watch.pending == t.unseen_track
    watch.finish_loading()
    assert watch.track.name == "wide_ring" and "never seen" in t.instruction()[0]
    t.confirm()  # Enter there: the card again
    assert t.step is Step.RESULT and t.result is not None
    t.teach_more()  # R: more laps; the card goes with the model it was made for
    assert t.step is Step.DRIVE and t.result is None
    watch.close()


class ExpertLike(ExpertDriver):
    """The expert standing in for the trained model (a driver the Autopilot session times)."""

    last_inference_ms = 0.1


def test_too_little_driving_inside_the_lane_asks_for_one_more_lap(flow, monkeypatch):
    t, _, notes = flow()
    monkeypatch.setattr(teach, "MIN_ROWS_IN_LANE", 10_000)
    expert = ExpertDriver()
    expert.reset(t.drive.world)
    t.drive.controls.mouse_mode = True
    for _ in range(60 * 300):  # five simulated minutes: far more than a lap needs
        if t.drive.world.laps >= 1:
            break
        wheel = expert.steer(t.drive.world)
        t.drive.update(DT, DriveInput(mouse_x=SteeringControls.mouse_x_for(wheel)))
        t.poll()
    assert t.drive.world.laps == 1
    assert t.step is Step.DRIVE and t.lap_goal == 2 and "Lap 2/2" in t.instruction()[0]
    assert notes[-1][1] == "error" and "one more lap" in notes[-1][0]
    assert t.drive.recorder is not None  # still recording


def test_esc_while_training_cancels_and_keeps_the_laps_then_train_again(flow):
    t, fake, _ = flow()
    drive_laps(t)
    assert fake.started.wait(10)
    assert t.back() is False  # the first Esc cancels the run
    wait_for(t, Step.STOPPED)
    assert "cancelled" in t.status_line() and "Enter: train again" in t.instruction()[1]
    assert not list(user_dir("models").glob("*.h5"))  # no model written
    [summary] = list_sessions(t.recordings[0])
    assert summary.error is None and summary.frames > 80  # the lap is a normal session
    # Enter trains again on the same laps; R drives more laps instead.
    fake.started.clear()
    assert t.start_training() and t.step is Step.TRAIN and fake.started.wait(10)
    assert fake.calls[1].sessions == fake.calls[0].sessions
    assert t.back() is False
    wait_for(t, Step.STOPPED)
    assert t.back() is True  # the next Esc leaves; nothing was lost


def test_esc_while_driving_keeps_a_partial_recording(flow):
    t, _, _ = flow()
    for _ in range(200):
        t.drive.update(DT, DriveInput())
        t.poll()
    assert t.back() is True
    t.close()  # what the screen does on its way out
    assert t.drive.recorder is None
    [summary] = list_sessions(user_dir("recordings"))
    assert summary.path == t.recordings[0] and summary.frames >= 60 and not summary.problems


def test_teach_more_records_more_laps_and_trains_on_all_of_them(flow):
    t, fake, _ = flow()
    drive_laps(t)
    fake.release.set()
    wait_for(t, Step.WATCH)
    t.teach_more()
    assert t.step is Step.DRIVE and t.drive.world.laps == 0 and len(t.recordings) == 2
    assert t.drive.recorder.dir == t.recordings[1]
    drive_laps(t)
    wait_for(t, Step.WATCH)
    assert list(fake.calls[1].sessions) == t.recordings  # both flows' laps


def test_it_fine_tunes_the_shipped_model_by_default(tmp_path):
    t = TeachSession(str(ring_file(tmp_path, RING_RADIUS)), job_factory=FakeTraining())
    try:
        assert t.initial_model == shipped_model() and t.initial_model.name == "pilotnet.h5"
        assert t.initial_model.parent == shipped_models_dir()
    finally:
        t.close()
