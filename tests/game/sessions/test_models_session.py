"""The Models screen's state without a window: the scoreboard's results equal `evaluate`'s for
the same driver and track, rows fill in as each run finishes, Esc keeps finished rows, a broken
model is skipped, and rename / delete go through the registry's rules.

The racing expert stands in for a model (a CNN lap takes ~15 s here) on a short track; the
CNN factory itself is checked to ask for exactly what `evaluate --driver cnn` makes."""

from __future__ import annotations

import json
import threading
import time

import pytest

from agents.driving.drivers import make_driver
from agents.driving.registry import Scoreboard, model_sha256
from game.errors import UserFacingError
from game.paths import user_dir
from game.sessions import models as mod
from game.sessions.models import ModelsState
from main import main

SHORT = ("gen:5100", "gen:5103")  # generated tracks of 651 m and 726 m: under a second each


class Notices(list):
    def __call__(self, text: str, kind: str = "info") -> None:
        self.append((text, kind))


@pytest.fixture
def short_suite(monkeypatch):
    monkeypatch.setattr(mod, "SUITE_TRACKS", SHORT)
    monkeypatch.setattr("agents.driving.registry.SUITE_TRACKS", SHORT)


def make_model(name: str, body: bytes) -> None:
    path = user_dir("models") / f"{name}.h5"
    path.write_bytes(body)
    path.with_suffix(".card.json").write_text(
        json.dumps({"kind": "driving", "architecture": "pilotnet",
                    "created": f"2026-11-30T10:0{len(name) % 10}:00+00:00"})
    )  # fmt: skip


def racer(path):
    return make_driver("racer")  # what `evaluate --driver expert --mode race` drives


def finish(state: ModelsState, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while state.scoring and time.monotonic() < end:
        state.update()
        time.sleep(0.005)
    assert not state.scoring, "the scoreboard did not finish"


def yours(state: ModelsState):
    return [m for m in state.models if not m.shipped]


def test_scoreboard_results_are_evaluates_and_saved_by_sha(short_suite, capsys):
    make_model("mine", b"one")
    state = ModelsState(driver_for=racer)
    assert state.current.name == "mine" and state.start_scores()
    finish(state)
    assert main(["evaluate", "--driver", "expert", "--track", "gen:5100", "--laps", "1",
                 "--mode", "race", "--json"]) == 0  # fmt: skip
    evaluated = json.loads(capsys.readouterr().out)
    row = yours(state)[0]
    assert dict(row.scores["gen:5100"].result) == evaluated  # the very same run
    assert row.laps_text.endswith(" s") and row.autonomy_text == "100.0%"
    # Saved at once, under the file's SHA-256: a fresh read sees it.
    saved = Scoreboard.load().scores(model_sha256(row.path))
    assert dict(saved["gen:5100"].result) == evaluated and set(saved) == set(SHORT)


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
        return racer(path)

    state = ModelsState(driver_for=driver_for)
    assert [m.name for m in yours(state)] == ["ccc", "bb", "a"]
    state.start_scores(all_models=True)
    end = time.monotonic() + 30
    while len(state.filled) < 4 and time.monotonic() < end:
        state.update()
        time.sleep(0.005)
    # Two models done while the job still runs: their rows are already filled in.
    assert state.filled == [("ccc", SHORT[0]), ("ccc", SHORT[1]), ("bb", SHORT[0]),
                            ("bb", SHORT[1])] and state.scoring  # fmt: skip
    by = {m.name: m for m in state.models}
    assert by["ccc"].tracks_scored == by["bb"].tracks_scored == 2
    assert by["a"].tracks_scored == 0
    state.cancel_scores()
    gate.set()
    finish(state)
    assert state.worker is None and by["a"].name == "a"
    by = {m.name: m for m in state.models}
    assert by["ccc"].tracks_scored == 2 and by["a"].tracks_scored == 0  # kept, none added
    board = Scoreboard.load()
    assert len(board.scores(by["bb"].sha256)) == 2 and board.scores(by["a"].sha256) == {}
    # Scoring again runs only what is missing.
    assert [(t.path.stem, t.tracks) for t in state.tasks(state.models[:3])] == [("a", SHORT)]


def test_a_broken_model_is_reported_and_the_others_scored(short_suite):
    make_model("good", b"good")
    make_model("bad", b"bad")
    notices = Notices()

    def driver_for(path):
        if path.stem == "bad":
            raise UserFacingError(f"{path}: not an HDF5 model file")
        return racer(path)

    state = ModelsState(notify=notices, driver_for=driver_for)
    state.start_scores(all_models=True)
    finish(state)
    bad = next(m for m in state.models if m.name == "bad")
    assert "not an HDF5 model file" in state.failed[bad.path]
    assert any("not an HDF5" in text and kind == "error" for text, kind in notices)
    assert next(m for m in state.models if m.name == "good").tracks_scored == 2


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
