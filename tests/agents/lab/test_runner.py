"""Lab runs: complete records, resume after a kill, and records that a re-evaluation of the
saved model reproduces. Tiny networks, a few seconds of data and of driving."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agents.lab.results import DRIVING_FIGURES, RECORD_KEYS, RPS_FIGURES, load_records
from agents.lab.runner import run_lab
from agents.lab.spec import load_spec
from tests.agents.lab.tiny_specs import tiny_rps_spec

ROOT = Path(__file__).resolve().parents[3]

RPS_SPEC = tiny_rps_spec((3, 4, 5))  # three: a run can be killed after one

DRIVING_SPEC = """
name = "tiny driving"
task = "driving"
[base]
filters = [3, 3, 3, 3, 3]
dense = [4, 2]
epochs = 1
batch_size = 32
[vary]
dropout = [0.0, 0.2]
[data]
tracks = ["oval"]
rate_hz = 1.0
[eval]
tracks = ["oval"]
max_seconds = 3.0
"""


def spec_file(tmp_path, text):
    path = tmp_path / "spec.toml"
    path.write_text(text)
    return path


def test_a_killed_run_resumes_without_redoing_finished_variants(tmp_path):
    spec = spec_file(tmp_path, RPS_SPEC)
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, str(ROOT / "main.py"), "lab", "run", str(spec), "--out", str(out),
           "--workers", "1"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while not load_records(out) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    first = load_records(out)
    assert 1 <= len(first) < 3, "kill the run after its first variant, before its last"
    seen = []
    records = run_lab(load_spec(spec), out, workers=1, progress=seen.append)
    skipped = {e.key for e in seen if e.kind == "skip"}
    assert skipped == set(first)
    assert {e.key for e in seen if e.kind == "start"} == {r["key"] for r in records} - skipped
    for r in records:  # the finished ones were kept as they were, not re-run
        if r["key"] in first:
            assert r == first[r["key"]]
    assert len(records) == 3 and all(r["status"] == "ok" for r in records)
    assert [r["knobs"]["window"] for r in records] == [3, 4, 5]


def test_a_rerun_tries_a_failed_variant_again_and_keeps_the_finished_ones(tmp_path):
    from agents.lab.results import save_record

    spec = load_spec(spec_file(tmp_path, RPS_SPEC))
    out = tmp_path / "run"
    first = run_lab(spec, out, workers=1)
    broken = {**first[1], "status": "error", "error": "the machine ran out of memory"}
    save_record(out, broken)
    seen = []
    again = run_lab(spec, out, workers=1, progress=seen.append)
    assert {e.key for e in seen if e.kind == "start"} == {broken["key"]}
    assert {e.key for e in seen if e.kind == "skip"} == {first[0]["key"], first[2]["key"]}
    assert [r["status"] for r in again] == ["ok"] * 3 and again[0] == first[0]


def test_rps_records_are_complete_and_written_to_json_and_csv(tmp_path):
    out = tmp_path / "run"
    records = run_lab(load_spec(spec_file(tmp_path, RPS_SPEC)), out, workers=2)
    assert len(records) == 3
    for r in records:
        assert set(RECORD_KEYS) <= set(r) and set(RPS_FIGURES) <= set(r)
        assert r["recipe"]["units"] == 3 and r["recipe"]["window"] == r["knobs"]["window"]
        assert 0.0 <= r["next_move_accuracy"] <= 1.0 and -1.0 <= r["net_score"] <= 1.0
        assert r["params"] > 0 and r["macs"] > 0
    saved = json.loads((out / "results.json").read_text())
    assert saved["variants"] == records
    lines = (out / "results.csv").read_text().splitlines()
    assert len(lines) == 4 and "next_move_accuracy" in lines[0] and "recipe.window" in lines[0]


@pytest.fixture(scope="module")
def driving_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lab")
    spec = load_spec(spec_file(tmp, DRIVING_SPEC))
    return spec, tmp / "run", run_lab(spec, tmp / "run", workers=2)


def test_driving_records_are_complete(driving_run):
    spec, out, records = driving_run
    assert [r["knobs"] for r in records] == [{"dropout": 0.0}, {"dropout": 0.2}]
    for r in records:
        assert r["status"] == "ok", r["error"]
        assert set(RECORD_KEYS) <= set(r) and set(DRIVING_FIGURES) <= set(r)
        assert (out / r["model"]).is_file()
        assert r["tracks"][0]["track"] == "oval"
        assert r["params"] > 0 and r["macs"] > 0 and r["val_mae"] >= 0
        assert r["race_lap_ratio"] is None  # the spec asked for no race runs


def test_a_driving_record_equals_a_re_evaluation_of_its_saved_model(driving_run):
    from agents.lab.data import ensure_data
    from agents.lab.driving import closed_loop, model_size, validation_mae

    spec, out, records = driving_run
    r = records[0]
    again = closed_loop(out / r["model"], spec.eval)
    for key in ("autonomy_pct", "interventions", "mean_abs_offset_m", "offset_ratio"):
        assert again[key] == r[key], key
    assert model_size(out / r["model"]) == {"params": r["params"], "macs": r["macs"]}
    sessions = ensure_data(out, spec.data)
    assert validation_mae(out / r["model"], sessions, r["seed"], 32) == pytest.approx(
        r["val_mae"], abs=1e-4
    )
