"""Teach's result card: its figures are what a re-evaluation of the same model on the same
track gives, yours are the recording's, the sentence points the right way, and the card is
saved with the model and read back by the Models screen's state."""

from __future__ import annotations

import math
import queue
import threading

import numpy as np
import pytest

from agents.driving.drivers import make_driver
from agents.driving.evaluate import run_driver
from agents.driving.expert import ExpertDriver
from agents.driving.recording_reader import load_session
from agents.driving.recording_writer import Recorder
from agents.driving.registry import list_models, save_teach_result
from game.errors import UserFacingError
from game.paths import user_dir
from game.sessions import teach_result
from game.sessions.models import ModelsState, Reference
from game.sessions.teach_result import (
    CAR,
    EXPERT,
    RESULT_LAPS,
    SHIPPED,
    YOU,
    Figures,
    TeachResult,
    Trace,
    result_job,
    verdict,
    your_figures,
)
from game.sim.tracks_catalog import resolve_track
from game.sim.world import World
from game.workers import WorkerContext
from tests.game.sessions.test_ghost import ring_file

SWERVE_AT = 3.0  # s: a hard right for 0.6 s takes the person out of the lane once


def ctx() -> WorkerContext:
    return WorkerContext(queue.Queue(), threading.Event())


def record_laps(folder, track, laps: int = 2) -> tuple[list[float], object]:
    """A person's laps (the expert's steering, one swerve) recorded as Teach records them;
    returns the lap times the drive counted and the recording's folder."""
    world = World(track, scoring="person")
    expert = ExpertDriver()
    expert.reset(world)
    rec = Recorder(folder / "rec", None, track.name, "day")
    frame = np.zeros((160, 320, 3), np.uint8)  # the figures read the log, not the images
    try:
        for _ in range(60 * 60 * 3):
            if world.laps >= laps:
                break
            steer = expert.steer(world)
            if SWERVE_AT <= world.time < SWERVE_AT + 0.6:
                steer = 1.0
            world.step(steer)
            rec.update(world, frame, steer)
    finally:
        rec.close()
    assert world.laps == laps and world.off_lanes == 1
    return list(world.lap_times), rec.dir


@pytest.fixture
def ring(tmp_path):
    return str(ring_file(tmp_path, 12.0))


def test_your_figures_are_the_recordings_offsets_off_lanes_and_laps(tmp_path, ring):
    track = resolve_track(ring)
    laps, folder = record_laps(tmp_path, track)
    you, trace = your_figures([folder], track, laps)
    rows = load_session(folder).columns
    mean = float(np.mean(np.abs(rows["lane_offset"])))
    assert you.mean_abs_offset_m == pytest.approx(mean, abs=5e-5)
    assert you.out_of_lane == 1 and you.laps == 2 and you.best_lap_s == round(min(laps), 3)
    assert len(trace.s) == len(rows["x"]) and len(trace.laps()) in (2, 3)  # the grid is past s=0
    assert all(0.0 <= s < track.length for s in trace.s)
    with pytest.raises(UserFacingError, match="no recorded rows"):
        your_figures([tmp_path / "nothing"], track, laps)


def test_the_cards_figures_equal_a_re_evaluation_and_it_is_saved_with_the_model(tmp_path, ring):
    from tests.agents.driving.test_tflite import save_tiny, tiny_model

    track = resolve_track(ring)
    laps, folder = record_laps(tmp_path, track)
    model = save_tiny(user_dir("models") / "my-car.h5", tiny_model(steer_bias=0.05))
    shipped = save_tiny(tmp_path / "shipped.h5", tiny_model(seed=3, steer_bias=-0.02))
    result = result_job(model, shipped, ring, [folder], laps)(ctx())
    assert [r.who for r in result.rows] == [YOU, CAR, SHIPPED, EXPERT]
    for who, spec in ((CAR, model), (SHIPPED, shipped)):
        again = run_driver(make_driver("cnn", model_path=str(spec)), track, RESULT_LAPS,
                           mode="race")  # fmt: skip
        row = result.row(who)
        assert row.mean_abs_offset_m == again.mean_abs_offset_m
        assert row.out_of_lane == again.interventions and row.laps == again.laps_completed
        assert row.best_lap_s == again.best_lap_s
    racer = run_driver(make_driver("racer"), track, RESULT_LAPS, mode="race")
    assert result.row(EXPERT).best_lap_s == racer.best_lap_s
    assert len(result.car.s) > 100 and max(abs(o) for o in result.car.offset) > 0.0
    # Saved into the model's card: the Models screen's state reads the same card back.
    [info] = [m for m in list_models() if m.name == "my-car"]
    back = TeachResult.from_json(info.teach_result)
    assert back is not None and back.rows == result.rows and back.sentence == result.sentence
    assert back.car.s == pytest.approx(result.car.s, abs=0.05)
    state = ModelsState(references={"oval": Reference(0.01, 30.0)})
    assert state.result_card(info).rows == result.rows
    state.close()


def test_a_cancel_stops_the_measuring(tmp_path, ring):
    track = resolve_track(ring)
    laps, folder = record_laps(tmp_path, track, laps=1)
    c = ctx()
    c.cancel.set()
    with pytest.raises(teach_result.ResultCancelled):
        result_job(tmp_path / "m.h5", None, ring, [folder], laps,
                   driver_for=lambda spec: ExpertDriver(), save=False)(c)  # fmt: skip


def fig(who: str, offset: float, out: int = 0, laps: int = 2) -> Figures:
    return Figures(who, offset, out, laps, 30.0)


def test_the_sentence_says_which_way_it_went():
    steadier = verdict(fig(YOU, 0.40), fig(CAR, 0.25))
    assert steadier.startswith("Your car drives 1.6\u00d7 steadier than you")
    worse = verdict(fig(YOU, 0.20), fig(CAR, 0.38))
    assert "wanders 1.9\u00d7 further" in worse and "steadier" not in worse
    same = verdict(fig(YOU, 0.30), fig(CAR, 0.31))
    assert "about as steadily" in same
    # Steadier on average but off the lane more often than you: not called steadier.
    left = verdict(fig(YOU, 0.40, out=0), fig(CAR, 0.20, out=3))
    assert "steadier" not in left and "left the lane 3 times (you: 0)" in left
    assert "did not finish" in verdict(fig(YOU, 0.3), fig(CAR, 0.1, laps=0))


def test_a_broken_or_foreign_card_entry_reads_as_no_card():
    assert TeachResult.from_json({"rows": [{"who": "you"}]}) is None
    assert TeachResult.from_json("text") is None
    ok = TeachResult("Oval", "oval", 700.0, (fig(YOU, 0.3), fig(CAR, 0.2)),
                     you=Trace((1.0, 2.0), (0.1, -0.1)))  # fmt: skip
    assert TeachResult.from_json(ok.to_json()) == ok


def test_a_shipped_model_gets_no_card(tmp_path):
    from game.paths import shipped_models_dir

    with pytest.raises(UserFacingError, match="shipped model"):
        save_teach_result(shipped_models_dir() / "pilotnet.h5", {"rows": []})


def test_a_trace_is_cut_per_lap_and_thinned():
    t = Trace((0.0, 5.0, 9.0, 1.0, 6.0), (0.1, 0.2, 0.3, 0.4, 0.5))
    assert [len(s) for s, _ in t.laps()] == [3, 2]
    long = Trace(tuple(float(i % 100) for i in range(4000)), tuple(0.0 for _ in range(4000)))
    assert len(long.thinned(1500).s) <= 1500 and math.isclose(long.thinned().s[0], 0.0)
