"""Drive and Autopilot sessions without a window: tracks, looks, cruise, recording, the
person's takeover and a model that fails."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from agents.driving.drivers import Driver
from agents.driving.recording_reader import load_session
from game.sessions import driving, takeover
from game.sessions.controls import DriveInput, SteeringControls, track_label
from game.sessions.driving import CRUISE_RATE, AutopilotSession, DriveSession
from game.sessions.takeover import MIN_TAKEOVER_FRAMES
from game.sim.dashcam import LOOKS
from game.sim.tracks_catalog import resolve_track

TRACK = "gen:5100"
DT = 1.0 / 60.0


class Notes(list):
    def __call__(self, text: str, kind: str = "info", seconds: float | None = None) -> None:
        self.append((text, kind))


def test_track_label():
    assert track_label(resolve_track("gen:42")) == "Random track 42"
    assert track_label(resolve_track("oval")) == "Oval"


def test_a_track_is_built_in_a_worker_while_the_car_waits_on_the_old_one(monkeypatch):
    import threading

    gate = threading.Event()  # the build waits here, so the screen's first update surely
    build = driving.track_job  # meets an unfinished load however fast the machine is

    def gated(spec, look):
        job = build(spec, look)

        def run(ctx):
            assert gate.wait(60)
            return job(ctx)

        return run

    monkeypatch.setattr(driving, "track_job", gated)
    notes = Notes()
    s = DriveSession(TRACK, notify=notes)
    s.request_track("oval")
    assert s.track_loading.busy and s.pending == "oval"
    assert not s.update(DT, DriveInput()) and s.track.name == TRACK  # waits on the old track
    gate.set()
    s.track_loading.worker.join(60)  # the dashcam raster is built on the worker's thread
    s.update(DT, DriveInput())
    assert s.track.name == "Oval" and s.world.track is s.track and s.pending is None
    assert s.dashcam.track is s.track and not s.track_loading.busy
    assert notes[-1] == ("track: Oval", "info")
    assert s.update(DT, DriveInput()) and s.world.steps == 1  # driving on the new track


def test_a_bad_track_is_a_message_and_the_old_track_stays():
    notes = Notes()
    s = DriveSession(TRACK, notify=notes)
    assert not s.load_track("/nonexistent/broken.json")
    assert s.track.name == TRACK
    assert notes[-1][1] == "error" and "broken.json" in notes[-1][0]
    s.request_track("/nonexistent/broken.json")  # the same, through the worker
    s.finish_loading()
    assert s.track.name == TRACK and s.pending is None
    assert notes[-1][1] == "error" and "broken.json" in notes[-1][0]


def test_cruise_keys_and_the_look_cycle():
    s = DriveSession(TRACK)
    before = s.world.car.cruise_speed
    for _ in range(30):
        s.update(DT, DriveInput(faster=True))
    assert s.world.car.cruise_speed == pytest.approx(before + CRUISE_RATE * 30 * DT)
    assert s.cruise == s.world.car.cruise_speed
    first = s.frame()
    s.cycle_look()
    assert s.look == LOOKS[1] and s.dashcam.look == LOOKS[0]  # built in a worker meanwhile
    s.finish_loading()
    assert s.dashcam.look == LOOKS[1] and not np.array_equal(s.frame(), first)
    s.load_track("oval")
    assert s.world.car.cruise_speed == pytest.approx(s.cruise)  # kept across tracks


def test_recording_pairs_frames_with_the_command_and_survives_a_look_change():
    notes = Notes()
    s = DriveSession(TRACK, notify=notes)
    s.toggle_recording()
    folder = s.recorder.dir
    for i in range(40):
        s.update(DT, DriveInput(right=True))
        if i == 20:
            s.cycle_look()
            s.finish_loading()
    s.stop_recording()
    session = load_session(folder)
    assert len(session) >= 10
    first = SteeringControls.RAMP_RATE * SteeringControls.speed_scale(0.0) * DT  # at rest
    assert session.columns["steering"][0] == pytest.approx(first)
    assert set(session.columns["look"]) == {LOOKS[0], LOOKS[1]}
    assert s.recorder is None and s.loop.recorder is None
    # The message counts the frames and names the folder as the person finds it.
    said = f"recording saved: {len(session)} frames in recordings/{folder.name}"
    assert notes[-1] == (said, "info")


class Stub(Driver):
    """A camera driver that steers a constant, or NaN from step `nan_at`."""

    name = "stub"
    needs_camera = True

    def __init__(self, value: float = 0.05, nan_at: int | None = None) -> None:
        self.value, self.nan_at, self.n = value, nan_at, 0
        self.last_inference_ms = 1.0
        self.frames: list[np.ndarray] = []

    def steer(self, world, frame):
        self.n += 1
        self.frames.append(frame)
        return float("nan") if self.n == self.nan_at else self.value


@pytest.fixture
def autopilot(monkeypatch) -> tuple[AutopilotSession, Notes]:
    monkeypatch.setattr(driving, "default_model", lambda: None)  # no model, no worker
    notes = Notes()
    s = AutopilotSession(TRACK, None, notify=notes)
    assert s.driver is None and not s.loading.busy and "no model" in s.error
    assert s.world.car.cruise_speed == 0.0  # no model: the car waits
    return s, notes


def test_autopilot_takeovers_are_counted_recorded_and_scored(autopilot):
    s, _ = autopilot
    stub = Stub()
    s.use_driver(stub)
    assert s.error is None and s.world.car.cruise_speed > 0
    for _ in range(10):
        s.update(DT, DriveInput())
    assert s.cnn_cmd == 0.05 and s.takeovers == 0 and s.median_inference_ms == 1.0
    assert s.frame() is stub.frames[-1]  # the panel shows what the CNN steered from
    for held in ([True] * 30, [False] * 10, [True] * 30):
        for right in held:
            s.update(DT, DriveInput(right=right))
    assert s.takeovers == 2 and s.taking_over and s.steering_cmd > 0
    assert s.autonomy < 100.0  # takeovers count like lane departures
    assert s.dagger.frames >= 18 and len(s.dagger.sessions) == 1
    s.stop_recording()
    rows = load_session(s.dagger.sessions[0])
    assert set(rows.columns["source"]) == {"takeover"} and rows.columns["steering"][-1] > 0


def test_autopilot_parks_when_the_model_outputs_nan(autopilot):
    s, notes = autopilot
    s.use_driver(Stub(nan_at=5))
    for _ in range(20):
        s.update(DT, DriveInput())
    assert s.driver is None and "stub produced NaN steering at frame 5" in s.error
    # Parked: with no model to drive, the car waits and the clock holds (no stats accrue).
    assert s.world.car.cruise_speed == 0.0 and s.world.steps == 5
    time_parked = s.world.time
    s.update(DT, DriveInput())
    assert s.world.time == time_parked
    assert [k for t, k in notes if "NaN" in t] == ["error"]  # said once


def test_autopilot_holds_the_clock_while_no_model_drives(autopilot):
    """While the model loads (or none is there) the lap clock and the autonomy figures do
    not run: a car waiting at 0 km/h is not driving."""
    s, _ = autopilot
    for _ in range(30):
        assert not s.update(DT, DriveInput())
    assert s.world.steps == 0 and s.world.time == 0.0 and s.model_seconds == 0.0
    s.use_driver(Stub())
    assert s.update(DT, DriveInput()) and s.world.steps == 1


def test_autopilot_fine_tune_needs_a_model_and_enough_takeover(autopilot):
    s, notes = autopilot
    s.fine_tune()
    assert notes[-1] == ("no model loaded to fine-tune", "error") and not s.dagger.tuning.busy
    s.use_driver(Stub())
    s.model_path = Path("stub.h5")
    s.dagger.frames = MIN_TAKEOVER_FRAMES - 1
    s.fine_tune()
    assert notes[-1][0] == "take over for at least 1 s first (steer to take over)"
    assert not s.dagger.tuning.busy


def test_drive_scores_a_person_with_off_lanes_not_interventions(autopilot):
    assert autopilot[0].world.scoring == "autopilot"  # AI drivers keep interventions
    s = DriveSession("oval")
    assert s.world.scoring == "person"
    for _ in range(1200):
        s.update(DT, DriveInput(right=True))
        if s.world.off_lane:
            break
    w = s.world
    assert w.off_lane and w.off_lanes == 1 and not w.lap_valid
    assert w.interventions == 0 and s.off_lane_flash > 0 and s.flash == 0
    for _ in range(1200):  # on out over the edge: off the road, the car is put back
        s.update(DT, DriveInput(right=True))
        if w.road_resets:
            break
    assert w.road_resets == 1 and w.interventions == 0 and s.flash > 0
    s.load_track("oval")
    assert s.world.scoring == "person"  # a new track keeps the person's scoring


def _takeover(s: AutopilotSession, steps: int = 20) -> None:
    for _ in range(steps):
        s.update(DT, DriveInput(right=True))
    for _ in range(5):
        s.update(DT, DriveInput())


def test_autopilot_stats_start_again_when_the_fine_tuned_model_takes_over(autopilot, tmp_path):
    s, notes = autopilot
    s.use_driver(Stub())
    _takeover(s)
    _takeover(s)
    s.world.interventions += 1  # a lane departure of the old model
    assert s.takeovers == 2 and s.lane_departures == 1 and s.autonomy < 100.0
    old_time = s.world.time
    tuned = takeover.FineTuned(
        SimpleNamespace(model_path=tmp_path / "tuned.h5"), Stub(), n_original=1
    )
    s.dagger.tuning.start(lambda ctx: tuned, name="fine-tune")
    for _ in range(500):  # bounded: the worker returns at once
        s.update(DT, DriveInput())
        if not s.dagger.tuning.busy:
            break
    assert not s.dagger.tuning.busy and s.driver is tuned.driver
    assert notes[-1][0] == "fine-tuned: now driving tuned.h5"
    # The new model's stats: nothing of the old one's carries over.
    assert s.takeovers == 0 and s.lane_departures == 0 and s.autonomy == 100.0
    assert s.model_seconds < s.world.time - old_time + DT  # counted from the swap
    _takeover(s)
    assert s.takeovers == 1 and s.autonomy < 100.0
    assert s.world.time > old_time  # the car drove on: the world itself was not reset


def test_fine_tune_status_names_every_stage_with_an_eta():
    from agents.training import Phase, TrainingProgress

    status = takeover.fine_tune_status
    assert status(TrainingProgress(Phase.DATA, message="recovery views for t0: 40")) == (
        None, "recovery views for t0: 40",
    )  # fmt: skip
    start = status(TrainingProgress(Phase.TRAIN, 1, 1, 0, 40, loss=float("nan")))
    assert start == (0.0, "training: starting (40 batches)")  # no "loss nan", no wild ETA
    frac, text = status(TrainingProgress(Phase.TRAIN, 1, 1, 30, 40, loss=0.01, eta_s=75.4,
                                         val_batches=10))  # fmt: skip
    assert frac == pytest.approx(30 / 50) and text == "training 30/40  loss 0.0100  ETA 1:15"
    frac, text = status(TrainingProgress(Phase.VALIDATE, 1, 1, 40, 40, eta_s=3.0,
                                         val_batch=5, val_batches=10))  # fmt: skip
    assert frac == pytest.approx(45 / 50)  # validation moves the bar: no stall at 100 %
    assert text == "checking on held-out frames 5/10  ETA 0:03"
    last = status(TrainingProgress(Phase.VALIDATE, 1, 1, 40, 40, eta_s=0.0, val_batch=10,
                                   val_batches=10))  # fmt: skip
    assert last == (1.0, "finishing the check on held-out frames")
    assert status(TrainingProgress(Phase.EPOCH_END, 1, 1, 40, 40, val_batches=10)) == (
        1.0, "saving the model",
    )  # fmt: skip
