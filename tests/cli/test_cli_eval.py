"""The `evaluate`, `tracks`, `track-check` and `track-gen` commands, run as a user would."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from game.errors import UserFacingError

ROOT = Path(__file__).resolve().parents[2]
EVAL_KEYS = {
    "track",
    "laps_completed",
    "elapsed_s",
    "interventions",
    "autonomy_pct",
    "mean_abs_offset_m",
    "max_abs_offset_m",
}


def cli(*args: str, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py", "--home", str(home), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_evaluate_expert_prints_one_json_object(tmp_path):
    r = cli(
        "evaluate", "--driver", "expert", "--track", "oval", "--laps", "1", "--json", home=tmp_path
    )
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert set(result) == EVAL_KEYS
    assert result["track"] == "Oval"
    assert result["laps_completed"] == 1
    assert result["interventions"] == 0
    assert result["autonomy_pct"] == 100.0


def test_evaluate_accepts_a_generated_track_and_a_file(tmp_path):
    out = tmp_path / "g.json"
    r = cli("track-gen", "12", "--out", str(out), home=tmp_path)
    assert r.returncode == 0, r.stderr
    assert out.is_file()
    r = cli("evaluate", "--track", str(out), "--laps", "1", "--json", home=tmp_path)
    assert r.returncode == 0, r.stderr
    from_file = json.loads(r.stdout)
    r = cli("evaluate", "--track", "gen:12", "--laps", "1", "--json", home=tmp_path)
    assert json.loads(r.stdout)["mean_abs_offset_m"] == from_file["mean_abs_offset_m"]
    # An existing file is not overwritten without --force.
    r = cli("track-gen", "13", "--out", str(out), home=tmp_path)
    assert r.returncode == 2 and "--force" in r.stderr
    assert json.loads(out.read_text())["name"] == "gen:12"


def one_line_error(r: subprocess.CompletedProcess) -> str:
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    return lines[0]


def test_evaluate_bad_track_is_one_line_error(tmp_path):
    line = one_line_error(cli("evaluate", "--track", "atlantis", "--json", home=tmp_path))
    assert "atlantis" in line and "oval" in line
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x",\n "centerline": [1, 2]}')
    line = one_line_error(cli("evaluate", "--track", str(bad), home=tmp_path))
    assert str(bad) in line and "centerline" in line


def test_evaluate_unknown_driver_is_one_line_error(tmp_path):
    line = one_line_error(cli("evaluate", "--driver", "ghost", "--track", "oval", home=tmp_path))
    assert "ghost" in line and "expert" in line


def test_track_check(tmp_path):
    r = cli("track-check", str(ROOT / "assets" / "tracks" / "kidney.json"), home=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("OK")
    bad = tmp_path / "tight.json"
    bad.write_text(json.dumps({"name": "t", "centerline": [[0, 0], [6, 0], [6, 6], [0, 6]]}))
    line = one_line_error(cli("track-check", str(bad), home=tmp_path))
    assert "radius" in line


def test_tracks_lists_every_shipped_track(tmp_path):
    r = cli("tracks", home=tmp_path)
    assert r.returncode == 0
    for name in ("oval", "kidney", "hairpin", "spielberg", "norisring", "brands_hatch"):
        assert name in r.stdout


def test_tracks_lists_your_tracks_and_names_a_bad_file(tmp_path):
    from game.sim.trackgen import generate_track

    (tmp_path / "tracks").mkdir()
    generate_track(12).save(tmp_path / "tracks" / "mine.json")
    (tmp_path / "tracks" / "bad.json").write_text('{"name": "x",\n "centerline": [[0, 0]')
    r = cli("tracks", home=tmp_path)
    assert r.returncode == 0
    assert "oval" in r.stdout and "mine" in r.stdout  # one bad file hides nothing
    assert f"unusable: bad: {tmp_path / 'tracks' / 'bad.json'}:2: not valid JSON" in r.stdout


def test_evaluate_rejects_an_unknown_look():
    from cli.tracks_eval import run_evaluate

    args = argparse.Namespace(
        driver="expert", model=None, track="oval", laps=1, seed=0, look="sepia", json=True
    )
    with pytest.raises(UserFacingError, match="sepia.*day"):
        run_evaluate(args)


def test_track_gen_refuses_a_folder_and_leaves_no_temp_file(tmp_path, capsys):
    from cli.tracks_eval import run_track_gen

    folder = tmp_path / "tracks"
    folder.mkdir()
    for force in (False, True):
        with pytest.raises(UserFacingError, match="is a folder"):
            run_track_gen(argparse.Namespace(seed=3, out=str(folder), force=force))
    assert list(folder.iterdir()) == []
    out = folder / "t.json"
    assert run_track_gen(argparse.Namespace(seed=3, out=str(out), force=False)) == 0
    assert json.loads(out.read_text())["name"] == "gen:3"
    assert out.stat().st_mode & 0o777 == 0o644  # readable like any exported file
    assert [p.name for p in folder.iterdir()] == ["t.json"]  # no stray .tmp


def test_evaluate_race_mode_adds_lap_times(tmp_path):
    r = cli("evaluate", "--track", "oval", "--laps", "1", "--mode", "race", "--json", home=tmp_path)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert set(result) == EVAL_KEYS | {"lap_times_s", "best_lap_s"}
    assert result["interventions"] == 0 and len(result["lap_times_s"]) == 1
    assert result["best_lap_s"] == result["lap_times_s"][0] == result["elapsed_s"]


def test_evaluate_unknown_mode_is_one_line_error(tmp_path):
    r = cli("evaluate", "--track", "oval", "--mode", "fast", "--json", home=tmp_path)
    assert r.returncode != 0
    expected = "error: unknown --mode 'fast'; choose one of cruise, race"
    assert r.stderr.strip().splitlines() == [expected]
