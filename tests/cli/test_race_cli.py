"""The `race` command, run as a user would: the JSON fields, the table, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from main import main

ROOT = Path(__file__).resolve().parents[2]
CAR_KEYS = {
    "position",
    "grid_slot",
    "driver",
    "finished",
    "race_time_s",
    "laps",
    "lap_times_s",
    "best_lap_s",
    "penalties",
    "spoiled_laps",
    "retired",
}


def race(*args: str, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py", "--home", str(home), "race", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )


def error_line(r: subprocess.CompletedProcess) -> str:
    """The one `error:` line of a failed run (TensorFlow may log before it, never after)."""
    assert r.returncode == 2 and r.stdout == ""
    assert "Traceback" not in r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ")
    assert [ln for ln in r.stderr.splitlines() if ln.startswith("error")] == [last]
    return last


def test_race_json_gives_every_cars_figures_in_finishing_order(tmp_path):
    r = race("--driver", "racer", "--driver", "expert", "--track", "oval", "--laps", "2",
             "--json", home=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["track"] == "Oval" and out["laps"] == 2 and out["seed"] == 0
    pole, second = out["cars"]
    assert set(pole) == CAR_KEYS and set(second) == CAR_KEYS
    assert [c["position"] for c in out["cars"]] == [1, 2]
    assert [c["grid_slot"] for c in out["cars"]] == [1, 2]  # identical cars: grid order
    assert [c["driver"] for c in out["cars"]] == ["Expert", "Expert 2"]
    for car in out["cars"]:
        assert car["finished"] and car["laps"] == 2 and len(car["lap_times_s"]) == 2
        assert car["race_time_s"] == round(sum(car["lap_times_s"]), 3)  # from the green
        assert car["best_lap_s"] == car["lap_times_s"][1]  # the flying lap, not lap 1
        assert car["penalties"] == 0 and car["spoiled_laps"] == 0 and car["retired"] == ""
    assert pole["race_time_s"] < second["race_time_s"]
    assert abs(pole["best_lap_s"] - second["best_lap_s"]) < 0.1
    assert out["race_seconds"] >= second["race_time_s"]
    assert not (tmp_path / "leaderboard.json").exists()  # your best laps are not touched


def test_race_prints_a_table_without_json(tmp_path):
    r = race("--driver", "racer", "--track", "oval", "--laps", "1", home=tmp_path)
    assert r.returncode == 0, r.stderr
    header, _rule, row, *rest = r.stdout.splitlines()
    assert header.split() == ["pos", "grid", "driver", "race_time_s", "laps", "lap_times_s",
                              "best_lap_s", "penalties"]  # fmt: skip
    assert row.split()[:3] == ["1", "1", "Expert"] and row.split()[-2:] == ["-", "0"]
    assert "from the green light" in rest[0]


def test_race_bad_input_is_one_error_line(tmp_path):
    line = error_line(race("--driver", "racer", "--track", "atlantis", home=tmp_path))
    assert "atlantis" in line
    line = error_line(race("--driver", "ghost", "--track", "oval", home=tmp_path))
    assert "ghost" in line and "cnn:PATH" in line
    missing = tmp_path / "nothing.h5"
    line = error_line(race("--driver", f"cnn:{missing}", "--track", "oval", home=tmp_path))
    assert str(missing) in line and "not found" in line
    corrupt = tmp_path / "corrupt.h5"
    corrupt.write_bytes(b"\x89HDF\r\n\x1a\n" + b"garbage" * 50)  # an HDF5 signature, no model
    line = error_line(race("--driver", "racer", "--driver", f"cnn:{corrupt}", "--track", "oval",
                           home=tmp_path))  # fmt: skip
    assert str(corrupt) in line


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ("race --driver racer --track oval --laps 0", "--laps: must be at least 1, got 0"),
        ("race --driver racer --track oval --seed -1", "--seed: must be at least 0, got -1"),
        ("race --track oval", "the following arguments are required: --driver"),
    ],
)
def test_race_bad_arguments_are_one_usage_line(argv, expected, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv.split())
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
