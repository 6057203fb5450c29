"""The model registry without TensorFlow: names that never collide, rename and delete rules
(shipped models refused), broken cards listed with their problem, the scoreboard file keyed
by the model's SHA-256 (cruise and race results; an old race-only file still reads), the
summary each row shows, the listing order, and the `models` command."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import pytest

from agents.driving import registry
from agents.driving.model_catalog import (
    available_models,
    default_model,
    new_model_path,
    shipped_model,
)
from agents.driving.registry import (
    SUITE_TRACKS,
    ModelInfo,
    Scoreboard,
    TrackScore,
    check_name,
    delete_model,
    find_model,
    list_models,
    rename_model,
    suite_key,
)
from game.errors import UserFacingError
from game.paths import shipped_models_dir, user_dir, user_home
from main import main

MINUTE = datetime(2026, 11, 30, 14, 12)


def make_model(name: str, arch: str = "pilotnet", created: str | None = None, body=b"h5"):
    """A user model as the registry sees it: the file, its card and its training log."""
    path = user_dir("models") / f"{name}.h5"
    path.write_bytes(body)
    card = {"schema_version": 2, "kind": "driving", "architecture": arch,
            "created": created or "2026-11-30T10:00:00+00:00", "training_seconds": 150.0,
            "sessions": [{"path": "a"}, {"path": "b"}], "frames": {"total": 1234}}  # fmt: skip
    path.with_suffix(".card.json").write_text(json.dumps(card))
    path.with_suffix(".training.csv").write_text("epoch,loss\n0,0.1\n")
    return path


def files(path: Path) -> list[bool]:
    return [p.exists() for p in registry.companions(path)]


# --- names -------------------------------------------------------------------------------------


def test_new_names_never_collide_with_any_file_of_a_model():
    first = new_model_path("pilotnet", MINUTE)
    assert first.name == "pilotnet-2026-11-30-1412.h5" and first.parent == user_dir("models")
    first.write_bytes(b"m")
    assert new_model_path("pilotnet", MINUTE).name == "pilotnet-2026-11-30-1412-2.h5"
    # An orphan card, a log, a running training's hidden temporary file, another case:
    # each takes its name.
    models = user_dir("models")
    (models / "pilotnet-2026-11-30-1412-2.card.json").write_text("{}")
    (models / ".pilotnet-2026-11-30-1412-3.training.csv.ab12.partial").write_text("")
    (models / "PILOTNET-2026-11-30-1412-4.training.csv").write_text("")
    assert new_model_path("pilotnet", MINUTE).name == "pilotnet-2026-11-30-1412-5.h5"
    assert new_model_path("pooled", MINUTE).name == "pooled-2026-11-30-1412.h5"


def test_check_name_rules():
    assert check_name("  steady-v2_1.h5 ") == "steady-v2_1"
    for bad, why in [("", "empty"), ("a b", "letters, digits"), ("../x", "letters, digits"),
                     ("-x", "starts with"), ("x.y", "letters, digits"), ("x" * 61, "at most 60"),
                     ("NUL", "reserve for devices")]:  # fmt: skip
        with pytest.raises(UserFacingError, match=why):
            check_name(bad)


# --- rename / delete ---------------------------------------------------------------------------


def test_rename_moves_the_model_card_and_log_together_and_keeps_scores():
    old = make_model("pilotnet-2026-11-30-1412")
    board = Scoreboard.load()
    sha = registry.model_sha256(old)
    board.record(sha, old.stem, "oval", "cruise", {"autonomy_pct": 97.5})
    new = rename_model(old, "steady")
    assert new == old.with_name("steady.h5") and files(new) == [True] * 3
    assert files(old) == [False] * 3
    [info] = [m for m in list_models(Scoreboard.load()) if not m.shipped]
    assert info.name == "steady" and info.score("oval", "cruise").autonomy_pct == 97.5  # same bytes


def test_rename_refuses_taken_invalid_and_same_names():
    a, b = make_model("a"), make_model("b")
    (user_dir("models") / "orphan.card.json").write_text("{}")
    for name, why in [("b", "taken"), ("B", "taken"), ("orphan", "taken"), ("a", "already"),
                      ("no way", "letters, digits")]:  # fmt: skip
        with pytest.raises(UserFacingError, match=why):
            rename_model(a, name)
    assert files(a) == files(b) == [True] * 3


def test_shipped_models_are_refused_with_a_clear_message():
    shipped = shipped_model()
    assert shipped is not None and shipped.parent == shipped_models_dir()
    before = shipped.stat().st_mtime_ns
    with pytest.raises(UserFacingError, match="shipped model: it is read-only and cannot be del"):
        delete_model(shipped)
    with pytest.raises(UserFacingError, match="shipped model: it is read-only and cannot be ren"):
        rename_model(shipped, "mine")
    assert shipped.exists() and shipped.stat().st_mtime_ns == before


def test_delete_removes_all_three_and_only_those():
    gone, kept = make_model("gone"), make_model("kept")
    assert sorted(p.name for p in delete_model(gone)) == [
        "gone.card.json", "gone.h5", "gone.training.csv"
    ]  # fmt: skip
    assert files(gone) == [False] * 3 and files(kept) == [True] * 3
    with pytest.raises(UserFacingError, match="no such model"):
        delete_model(gone)


# --- listing -------------------------------------------------------------------------------------


def test_listing_order_facts_and_broken_cards():
    make_model("old", created="2026-11-01T10:00:00+00:00")
    new = make_model("new", arch="pooled", created="2026-11-30T10:00:00+00:00")
    broken = user_dir("models") / "broken.h5"
    broken.write_bytes(b"junk")
    broken.with_suffix(".card.json").write_text('{"architecture": ')
    stale = make_model("stale")
    card = json.loads(stale.with_suffix(".card.json").read_text())
    card["model_file"] = {"bytes": 2, "sha256": "0" * 64}  # written for other bytes
    stale.with_suffix(".card.json").write_text(json.dumps(card))
    rps = user_dir("models") / "rps.h5"  # another game's model is not a driving model
    rps.write_bytes(b"x")
    rps.with_suffix(".card.json").write_text('{"kind": "rps", "architecture": "lstm"}')

    models = list_models()
    names = [m.name for m in models]
    # broken has no card date: its file time (now) makes it the newest.
    assert names[:4] == ["broken", "new", "stale", "old"] and "rps" not in names
    assert all(m.shipped for m in models[4:]) and models[4].name == "pilotnet"
    by = {m.name: m for m in models}
    assert "broken.card.json:1: not valid JSON" in by["broken"].problem
    assert by["broken"].architecture == "?" and by["broken"].data_text == "-"
    assert "written for another version" in by["stale"].problem
    assert by["new"].problem == "" and by["new"].architecture == "pooled"
    assert by["new"].data_text == "2 sess, 1,234 fr" and by["new"].time_text == "2 min"
    # Autopilot starts with the newest model whose card reads.
    assert default_model() == new and [e.path for e in available_models()][1] == new
    labels = [e.label for e in available_models()]
    assert labels[:2] == ["broken (broken card)", "new (pooled)"]
    assert labels[4] == "pilotnet (shipped)"  # the pickers' words (Autopilot Tab, Race)


def test_hand_edited_cards_of_odd_types_are_listed_not_fatal():
    path = make_model("odd")
    odd = {"kind": "driving", "architecture": 7, "created": "0001-01-01T00:00:00+00:00",
           "frames": "lots", "sessions": 5, "training_seconds": "abc", "epochs": [1],
           "fine_tuned_from": {"x": 1}, "model_file": "nope"}  # fmt: skip
    path.with_suffix(".card.json").write_text(json.dumps(odd))
    (user_dir("models") / "list.h5").write_bytes(b"x")
    (user_dir("models") / "list.card.json").write_text("[1, 2]")  # JSON, not an object
    os.utime(path, (1_700_000_000, 1_700_000_000))  # 2023-11-14: not today's date
    by = {m.name: m for m in list_models()}
    m = by["odd"]
    assert (m.architecture, m.data_text, m.time_text, m.fine_tuned_from) == ("?", "-", "-", "")
    assert m.created == datetime.fromtimestamp(1_700_000_000)  # the file's own time instead
    assert "must be a JSON object" in by["list"].problem


def test_find_model_by_name():
    mine = make_model("pilotnet")  # the same name as the shipped one: yours wins
    assert find_model("pilotnet").path == mine and find_model("PilotNet.h5").path == mine
    with pytest.raises(UserFacingError, match="no model named 'nobody'"):
        find_model("nobody")


# --- the scoreboard file ------------------------------------------------------------------------


def test_scoreboard_keeps_results_by_sha_mode_and_a_broken_file_aside():
    board = Scoreboard.load()
    board.record("abc", "m", "oval", "cruise", {"autonomy_pct": 100.0, "mean_abs_offset_m": 0.04})
    board.record("abc", "m", "oval", "race", {"autonomy_pct": 90.0, "best_lap_s": 50.0},
                 shared_with="")  # fmt: skip
    again = Scoreboard.load()
    assert again.problem == "" and again.scores("abc")["oval", "cruise"].mean_abs_offset_m == 0.04
    assert again.scores("abc")["oval", "race"].best_lap_s == 50.0
    assert again.scores("other") == {} and again.scores(None) == {}
    # A result of another suite (e.g. 3 laps) is not shown next to this suite's.
    data = json.loads(board.path.read_text())
    data["models"]["abc"]["by_mode"]["cruise"]["kidney"] = {
        "suite": {**suite_key("cruise"), "laps": 3}, "result": {}
    }  # fmt: skip
    board.path.write_text(json.dumps(data))
    assert sorted(Scoreboard.load().scores("abc")) == [("oval", "cruise"), ("oval", "race")]

    board.path.write_text("{ not json")
    broken = Scoreboard.load()
    assert "scoreboard.json:1: not valid JSON" in broken.problem and broken.scores("abc") == {}
    broken.record("def", "n", "oval", "cruise", {"autonomy_pct": 50.0})
    assert (user_home() / "scoreboard.json.broken-1").read_text() == "{ not json"
    assert Scoreboard.load().scores("def")["oval", "cruise"].autonomy_pct == 50.0


def test_an_old_race_only_scoreboard_reads_its_runs_stay_unshown_and_kept():
    old_run = {
        "suite": {"laps": 1, "mode": "race", "seed": 0, "look": "day"},
        "result": {"autonomy_pct": 99.0, "best_lap_s": 61.0},
        "when": "2026-11-30",
    }
    path = user_home() / "scoreboard.json"
    path.write_text(
        json.dumps(
            {"schema_version": 1, "models": {"abc": {"name": "m", "runs": {"oval": old_run}}}}
        )
    )
    board = Scoreboard.load()
    assert board.problem == "" and board.scores("abc") == {}  # suite 1: not comparable
    board.record("abc", "m", "kidney", "cruise", {"autonomy_pct": 80.0}, shared_with="race")
    data = json.loads(path.read_text())
    assert data["schema_version"] == 2 and data["models"]["abc"]["runs"] == {"oval": old_run}
    assert data["models"]["abc"]["by_mode"]["cruise"]["kidney"]["shared_with"] == "race"
    assert list(Scoreboard.load().scores("abc")) == [("kidney", "cruise")]


def _info(scores: dict) -> ModelInfo:
    entry = next(e for e in available_models() if e.shipped)
    return ModelInfo(entry, "sha", scores=scores)


def _score(track: str, mode: str, **result) -> tuple[tuple[str, str], TrackScore]:
    return (track, mode), TrackScore(track, mode, result)


def test_a_rows_summary_takes_lane_keeping_from_cruise_and_pace_from_race():
    t0, t1 = SUITE_TRACKS[:2]
    scores = dict([
        _score(t0, "cruise", autonomy_pct=100.0, mean_abs_offset_m=0.10, interventions=0),
        _score(t1, "cruise", autonomy_pct=90.0, mean_abs_offset_m=0.20, interventions=1),
        _score(t0, "race", autonomy_pct=50.0, mean_abs_offset_m=0.90, interventions=3,
               best_lap_s=40.0),
    ])  # fmt: skip
    m = _info(scores)
    assert (m.autonomy_text, m.offset_text) == ("95.0%", "15.0 cm")  # cruise only
    assert m.runs_scored == 3 and m.tracks_scored("race") == 1
    assert (m.laps_text, m.race_interventions, m.race_interventions_text) == ("1/4 tracks", 3, "3")
    for t in SUITE_TRACKS[1:]:
        scores.update([_score(t, "race", interventions=0, best_lap_s=20.0)])
    assert _info(scores).laps_text == "100.0 s" and _info(scores).laps_total_s == 100.0
    scores.update([_score(t1, "race", interventions=2, best_lap_s=None)])  # never finished
    assert _info(scores).laps_text == "3/4 laps" and _info(scores).race_interventions == 5
    empty = _info({})
    assert (empty.autonomy_text, empty.laps_text, empty.race_interventions_text) == ("-",) * 3


# --- the `models` command -------------------------------------------------------------------------


def test_models_command_lists_renames_and_deletes(capsys):
    make_model("mine")
    board = Scoreboard.load()
    sha = registry.model_sha256(user_dir("models") / "mine.h5")
    board.record(sha, "mine", "oval", "cruise", {"autonomy_pct": 88.0, "mean_abs_offset_m": 0.1234})
    board.record(sha, "mine", "oval", "race", {"autonomy_pct": 70.0, "interventions": 2,
                                               "best_lap_s": 50.0})  # fmt: skip
    assert main(["models"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:4] == ["model", "from", "arch", "data"]
    assert out[0].split()[-6:] == ["autonomy", "|offset|", "lap", "sum", "race", "int"]
    assert out[2].split()[:3] == ["mine", "yours", "pilotnet"] and "88.0%" in out[2]
    assert "12.3 cm" in out[2] and out[2].split()[-3:] == ["1/4", "tracks", "2"]
    assert any(line.split()[:2] == ["pilotnet", "shipped"] for line in out)
    assert out[-1].startswith("autonomy, |offset|: the cruise runs; lap sum, race int: the race")

    assert main(["models", "rename", "mine", "steady"]) == 0
    assert "renamed mine to steady" in capsys.readouterr().out
    assert main(["models", "delete", "pilotnet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: pilotnet is a shipped model") and err.count("\n") == 1
    assert main(["models", "rename", "steady", "bad name"]) == 2
    assert "error: 'bad name'" in capsys.readouterr().err
    assert main(["models", "delete", "steady"]) == 0
    assert "deleted steady" in capsys.readouterr().out
    assert not any(user_dir("models").iterdir())
