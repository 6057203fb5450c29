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
            gate.wait(10)
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
    assert state.worker is None and by["a"].name == "a"
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
