"""The Models screen's state without a window: the scoreboard's results equal `evaluate`'s for
the same driver, track and mode; a steering-only model is driven once per track and that run
counts for cruise and race, a model with pedals twice; rows fill in as each run finishes, Esc
keeps finished rows, a broken model is skipped, and rename / delete go through the registry's
rules.

The experts stand in for models (a CNN lap takes ~15 s here) on short tracks: "expert" for a
steering-only model, "racer" (the expert with throttle and brakes) for one with a speed
output. The CNN factory itself is checked to ask for exactly what `evaluate --driver cnn`
makes."""

from __future__ import annotations

import json
import threading
import time

import pytest

from agents.driving.drivers import Driver, make_driver
from agents.driving.evaluate import run_driver
from agents.driving.registry import Scoreboard, model_sha256
from game.errors import UserFacingError
from game.paths import user_dir
from game.sessions import models as mod
from game.sessions.models import ModelsState, SuiteRun, drives_own_speed, plan_runs
from game.sim.tracks_catalog import resolve_track
from main import main

SHORT = ("gen:5100", "gen:5103")  # generated tracks of 651 m and 726 m: under a second each


class Notices(list):
    def __call__(self, text: str, kind: str = "info") -> None:
        self.append((text, kind))


@pytest.fixture
def short_suite(monkeypatch):
    monkeypatch.setattr(mod, "SUITE_TRACKS", SHORT)
    monkeypatch.setattr("agents.driving.registry.SUITE_TRACKS", SHORT)


@pytest.fixture
def drives(monkeypatch) -> list[tuple[str, str]]:
    """Every (track, mode) the scoreboard drives, in order."""
    seen: list[tuple[str, str]] = []
    real = mod.suite_run

    def counted(driver, track, mode, cancel=None):
        seen.append((track, mode))
        return real(driver, track, mode, cancel)

    monkeypatch.setattr(mod, "suite_run", counted)
    return seen


def make_model(name: str, body: bytes) -> None:
    path = user_dir("models") / f"{name}.h5"
    path.write_bytes(body)
    path.with_suffix(".card.json").write_text(
        json.dumps({"kind": "driving", "architecture": "pilotnet",
                    "created": f"2026-11-30T10:0{len(name) % 10}:00+00:00"})
    )  # fmt: skip


def racer(path):
    return make_driver("racer")  # a model with a speed output: its own throttle and brakes


def steering_only(path):
    return make_driver("expert")  # a model without one: cruise speed in both modes


def finish(state: ModelsState, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while state.scoring and time.monotonic() < end:
        state.update()
        time.sleep(0.005)
    assert not state.scoring, "the scoreboard did not finish"


def yours(state: ModelsState):
    return [m for m in state.models if not m.shipped]


def evaluated(capsys, driver: str, mode: str, track: str = SHORT[0]) -> dict:
    assert main(["evaluate", "--driver", driver, "--track", track, "--laps", "1",
                 "--mode", mode, "--json"]) == 0  # fmt: skip
    return json.loads(capsys.readouterr().out)


def test_a_model_with_pedals_drives_cruise_and_race_as_evaluate_does(short_suite, drives, capsys):
    make_model("mine", b"one")
    state = ModelsState(driver_for=racer)
    assert state.current.name == "mine" and state.start_scores()
    finish(state)
    assert drives == [(t, m) for t in SHORT for m in ("cruise", "race")]
    row = yours(state)[0]
    cruise, race = row.score(SHORT[0], "cruise").result, row.score(SHORT[0], "race").result
    # The very same runs `evaluate` makes (its race mode turns the expert into the racer).
    assert dict(cruise) == evaluated(capsys, "racer", "cruise")
    assert dict(race) == evaluated(capsys, "expert", "race")
    # Its own pace beats cruise speed.
    assert race["best_lap_s"] < cruise["elapsed_s"] and "best_lap_s" not in cruise
    assert row.laps_text.endswith(" s") and row.autonomy_text == "100.0%"
    # Saved at once, under the file's SHA-256: a fresh read sees it.
    saved = Scoreboard.load().scores(model_sha256(row.path))
    assert dict(saved[SHORT[0], "race"].result) == race and len(saved) == 4


def test_a_steering_only_model_is_driven_once_per_track_for_both_modes(short_suite, drives, capsys):
    make_model("mine", b"one")
    state = ModelsState(driver_for=steering_only)
    state.start_scores()
    finish(state)
    assert drives == [(t, "race") for t in SHORT]  # one drive per track
    assert state.filled == [("mine", t, m) for t in SHORT for m in ("cruise", "race")]
    row = yours(state)[0]
    cruise, race = row.score(SHORT[0], "cruise").result, row.score(SHORT[0], "race").result
    assert dict(cruise) == evaluated(capsys, "expert", "cruise")  # lap times left out
    own = run_driver(make_driver("expert"), resolve_track(SHORT[0]), 1, mode="race").to_json()
    assert dict(race) == own and race["best_lap_s"] > 0
    data = json.loads(Scoreboard.load().path.read_text())
    by_mode = data["models"][model_sha256(row.path)]["by_mode"]
    assert by_mode["cruise"][SHORT[0]]["shared_with"] == "race"
    assert "shared_with" not in by_mode["race"][SHORT[0]]


def test_who_drives_its_own_speed():
    class Cnn(Driver):  # CnnDriver always has pedals(); its outputs say whether they act
        def __init__(self, n: int) -> None:
            self.n_outputs = n

        def pedals(self, world):
            return None

    assert not drives_own_speed(Cnn(1)) and drives_own_speed(Cnn(2))
    assert drives_own_speed(make_driver("racer")) and not drives_own_speed(make_driver("expert"))


def test_runs_are_planned_track_by_track():
    wanted = [("b", "race"), ("a", "race"), ("a", "cruise")]
    assert plan_runs(wanted, own_speed=True) == [
        SuiteRun("b", "race", ("race",)), SuiteRun("a", "cruise", ("cruise",)),
        SuiteRun("a", "race", ("race",)),
    ]  # fmt: skip
    assert plan_runs(wanted, own_speed=False) == [
        SuiteRun("b", "race", ("race",)), SuiteRun("a", "race", ("cruise", "race")),
    ]  # fmt: skip


def test_the_cnn_factory_is_evaluates(monkeypatch):
    asked = []
    monkeypatch.setattr("agents.driving.drivers.make_driver", lambda *a, **k: asked.append((a, k)))
    monkeypatch.setitem(__import__("sys").modules, "agents.driving.cnn_driver", object())
    mod.cnn_driver(user_dir("models") / "m.h5")
    assert asked == [(("cnn",), {"model_path": str(user_dir("models") / "m.h5")})]


def test_rows_fill_live_in_order_and_esc_keeps_finished_rows(short_suite):
    make_model("a", b"first")
    make_model("bb", b"second")  # newer: listed first
    make_model("ccc", b"third")  # newest
    gate = threading.Event()

    def driver_for(path):
        if path.stem == "a":  # the last model waits until the test has looked
            assert gate.wait(10)  # a stuck gate fails this model, and the test with it
        return steering_only(path)

    state = ModelsState(driver_for=driver_for)
    assert [m.name for m in yours(state)] == ["ccc", "bb", "a"]
    state.start_scores(all_models=True)
    end = time.monotonic() + 30
    while len(state.filled) < 8 and time.monotonic() < end:
        state.update()
        time.sleep(0.005)
    # Two models done while the job still runs: their rows are already filled in.
    assert state.filled == [(name, t, m) for name in ("ccc", "bb") for t in SHORT
                            for m in ("cruise", "race")] and state.scoring  # fmt: skip
    by = {m.name: m for m in state.models}
    assert by["ccc"].runs_scored == by["bb"].runs_scored == 4
    assert by["a"].runs_scored == 0
    state.cancel_scores()
    gate.set()
    finish(state)
    assert not state.scoring and by["a"].name == "a"
    by = {m.name: m for m in state.models}
    assert by["ccc"].runs_scored == 4 and by["a"].runs_scored == 0  # kept, none added
    board = Scoreboard.load()
    assert len(board.scores(by["bb"].sha256)) == 4 and board.scores(by["a"].sha256) == {}
    # Scoring again runs only what is missing.
    assert [(t.path.stem, t.runs) for t in state.tasks(state.models[:3])] == [
        ("a", tuple((t, m) for t in SHORT for m in ("cruise", "race")))
    ]
    # A model stopped between its cruise and race runs needs only the race one again.
    state.board.record(by["a"].sha256, "a", SHORT[0], "cruise", {"autonomy_pct": 100.0})
    state.refresh()
    [task] = state.tasks([m for m in state.models if m.name == "a"])
    assert task.runs == ((SHORT[0], "race"), (SHORT[1], "cruise"), (SHORT[1], "race"))


def test_a_broken_model_is_reported_and_the_others_scored(short_suite):
    make_model("good", b"good")
    make_model("bad", b"bad")
    notices = Notices()

    def driver_for(path):
        if path.stem == "bad":
            raise UserFacingError(f"{path}: not an HDF5 model file")
        return steering_only(path)

    state = ModelsState(notify=notices, driver_for=driver_for)
    state.start_scores(all_models=True)
    finish(state)
    bad = next(m for m in state.models if m.name == "bad")
    assert "not an HDF5 model file" in state.failed[bad.path]
    assert any("not an HDF5" in text and kind == "error" for text, kind in notices)
    assert next(m for m in state.models if m.name == "good").runs_scored == 4


def test_rename_and_delete_through_the_state(short_suite):
    make_model("mine", b"x")
    notices = Notices()
    state = ModelsState(notify=notices)
    state.begin_rename()
    assert state.renaming == "mine"
    for _ in "mine":
        state.backspace()
    state.type_text("bad name")
    assert not state.commit_rename() and state.renaming == "bad name"  # the box stays open
    assert "letters, digits" in notices[-1][0]
    state.cancel_rename()
    state.begin_rename()
    state.type_text("-v2")
    assert state.commit_rename() and state.current.name == "mine-v2"

    state.ask_delete()
    assert state.confirm_delete == state.current.path
    assert not state.answer_delete(False) and state.current.name == "mine-v2"  # kept
    state.ask_delete()
    assert state.answer_delete(True) and [m.name for m in yours(state)] == []
    assert state.current.shipped
    state.ask_delete()
    state.begin_rename()
    assert state.confirm_delete is None and state.renaming is None
    assert [k for _, k in notices[-2:]] == ["error", "error"]
    assert "shipped model" in notices[-1][0]


# --- what the results mean -----------------------------------------------------------------------


def scored(state: ModelsState, name: str, offset_m: float, laps_s: list[float]) -> None:
    """Record a model's cruise offsets and race laps on the short suite, as the worker does."""
    m = next(m for m in state.models if m.name == name)
    for track, lap in zip(SHORT, laps_s, strict=True):
        state.board.record(m.sha256, name, track, "cruise", {"mean_abs_offset_m": offset_m})
        state.board.record(m.sha256, name, track, "race", {"best_lap_s": lap})
    state.refresh()


def test_offset_and_lap_are_graded_against_the_expert_not_only_autonomy(short_suite):
    from game.sessions.grades import Grade

    make_model("sloppy", b"a")
    make_model("steady", b"b")
    refs = {SHORT[0]: mod.Reference(0.015, 40.0), SHORT[1]: mod.Reference(0.016, 42.0)}
    state = ModelsState(board=Scoreboard.load(), references=refs)
    scored(state, "sloppy", 0.373, [90.0, 95.0])  # the model: 37 cm, 2.2x the laps
    scored(state, "steady", 0.018, [41.0, 43.5])  # the shipped model's figures
    by = {m.name: m for m in state.models}
    assert state.offset_grade(by["sloppy"]) is Grade.POOR
    assert state.lap_grade(by["sloppy"]) is Grade.POOR
    assert state.offset_grade(by["steady"]) is Grade.GOOD
    assert state.lap_grade(by["steady"]) is Grade.GOOD
    assert state.offset_grade(by["sloppy"], SHORT[1]) is Grade.POOR
    assert state.lap_grade(by["steady"], SHORT[0]) is Grade.GOOD
    assert state.offset_grade(by["pilotnet"]) is Grade.NONE  # not scored: no colour
    partial = ModelsState(board=state.board, references={SHORT[0]: refs[SHORT[0]]})
    assert partial.lap_grade(by["steady"]) is Grade.NONE  # a reference missing: no sum graded
    partial.close()
    state.close()


def test_the_grade_bands():
    from game.sessions.grades import Grade, lap_grade, offset_grade

    assert offset_grade(0.065, 0.015) is Grade.GOOD  # +5 cm
    assert offset_grade(0.07, 0.015) is Grade.FAIR
    assert offset_grade(0.215, 0.015) is Grade.FAIR  # +20 cm
    assert offset_grade(0.22, 0.015) is Grade.POOR
    assert lap_grade(110.0, 100.0) is Grade.GOOD and lap_grade(111.0, 100.0) is Grade.FAIR
    assert lap_grade(150.0, 100.0) is Grade.FAIR and lap_grade(151.0, 100.0) is Grade.POOR
    assert offset_grade(None, 0.01) is lap_grade(50.0, None) is Grade.NONE


def test_the_references_are_the_experts_as_evaluate_prints_them(short_suite, capsys):
    import queue

    from game.workers import WorkerContext

    refs = mod.reference_job(WorkerContext(queue.Queue(), threading.Event()))
    for track in SHORT:
        cruise = evaluated(capsys, "expert", "cruise", track)
        race = evaluated(capsys, "racer", "race", track)
        assert refs[track] == mod.Reference(cruise["mean_abs_offset_m"], race["best_lap_s"])


def test_rename_ignores_the_text_of_the_key_that_opened_it(short_suite):
    make_model("mine", b"m")
    state = ModelsState(references={t: mod.Reference(0.01, 30.0) for t in SHORT})
    state.begin_rename("r")
    state.type_text("r")  # the R that opened the box, delivered as text: not typed
    assert state.renaming == "mine"
    state.type_text("r")  # a second R is the person's
    assert state.renaming == "miner"
    state.cancel_rename()
    state.begin_rename("r")
    state.key_pressed()  # the opening key's text never came; the next key is the person's
    state.type_text("r")
    assert state.renaming == "miner"
    state.close()
