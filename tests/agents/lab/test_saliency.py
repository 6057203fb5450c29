"""Which two variants the Lab's saliency view compares (the base recipe's grid point and
the best other one), the evaluation frame, and VisualBackProp of both saved models."""

import shutil
import threading

import numpy as np
import pytest

from agents.lab.saliency import (
    base_knobs,
    compute_pair,
    compute_pair_apart,
    eval_frame,
    pick_pair,
)
from agents.lab.spec import expand, parse_spec
from agents.modelio import card_path
from game.paths import shipped_models_dir

SPEC = {"name": "dropout", "task": "driving", "seeds": [0, 1], "base": {"epochs": 2},
        "vary": {"dropout": [0.0, 0.25, 0.5]}, "eval": {"tracks": ["kidney"]}}  # fmt: skip


def records(spec, offsets, out, with_model=True):
    """Driving records for the quick grid (grid order) with these mean |offset|s; their
    model files exist in `out` when `with_model`."""
    out_records = []
    for v, off in zip(expand(spec, quick=True), offsets, strict=True):
        model = f"variants/{v.key}/model.h5"
        if with_model:
            (out / model).parent.mkdir(parents=True, exist_ok=True)
            (out / model).write_bytes(b"")
        out_records.append({"key": v.key, "label": v.label, "knobs": v.knobs, "seed": v.seed,
                            "status": "ok", "mean_abs_offset_m": off, "model": model})  # fmt: skip
    return out_records


def test_the_base_is_the_base_recipes_point_and_best_the_best_other(tmp_path):
    spec = parse_spec(SPEC, "dropout.toml")
    assert base_knobs(spec) == {"dropout": 0.0}  # the recipe's default: not in [base]
    # grid order: dropout 0.0 (seeds 0, 1), 0.25 (0, 1), 0.5 (0, 1)
    recs = records(spec, [0.30, 0.20, 0.15, 0.10, 0.40, 0.05], tmp_path)
    pair = pick_pair(spec, recs, tmp_path)
    assert pair.best["label"] == "dropout=0.5 seed=1"  # 0.05: the lowest of the others
    assert pair.base["label"] == "dropout=0.0 seed=1"  # the base's run with the best's seed
    assert not pair.base_is_best


def test_when_the_base_wins_the_next_best_is_shown_beside_it(tmp_path):
    spec = parse_spec(SPEC, "dropout.toml")
    recs = records(spec, [0.01, 0.02, 0.15, 0.10, 0.40, 0.50], tmp_path)
    pair = pick_pair(spec, recs, tmp_path)
    assert pair.base_is_best and pair.best["label"] == "dropout=0.25 seed=1"
    assert "base measured better" in pair.note


def test_variants_without_a_model_file_or_failed_are_left_out(tmp_path):
    spec = parse_spec(SPEC, "dropout.toml")
    recs = records(spec, [0.30, 0.20, 0.15, 0.10, 0.40, 0.05], tmp_path)
    (tmp_path / recs[5]["model"]).unlink()  # the best one's model is gone
    recs[3]["status"] = "error"
    pair = pick_pair(spec, recs, tmp_path)
    assert pair.best["label"] == "dropout=0.25 seed=0"
    only_base = [r for r in recs if r["knobs"] == {"dropout": 0.0}]
    assert pick_pair(spec, only_base, tmp_path) is None  # nothing to compare with
    assert pick_pair(spec, records(spec, [0.1] * 6, tmp_path / "none", False),
                     tmp_path / "none") is None  # fmt: skip


def test_a_grid_without_the_base_recipe_compares_with_its_first_point(tmp_path):
    spec = parse_spec({**SPEC, "vary": {"dropout": [0.1, 0.2]}, "seeds": [0]}, "d.toml")
    pair = pick_pair(spec, records(spec, [0.3, 0.2], tmp_path), tmp_path)
    assert pair.base["knobs"] == {"dropout": 0.1} and pair.best["knobs"] == {"dropout": 0.2}
    assert "first grid point" in pair.note


def test_rps_has_no_saliency(tmp_path):
    spec = parse_spec({"task": "rps", "vary": {"units": [4, 8]}}, "r.toml")
    recs = [{"key": v.key, "label": v.label, "knobs": v.knobs, "seed": 0, "status": "ok",
             "next_move_accuracy": 0.5, "model": None} for v in expand(spec)]  # fmt: skip
    assert pick_pair(spec, recs, tmp_path) is None


def test_the_frame_looks_ahead_into_the_tracks_tightest_bend():
    frame = eval_frame("kidney")
    assert frame.shape == (160, 320, 3) and frame.dtype == np.uint8
    assert np.array_equal(frame, eval_frame("kidney"))  # the same frame every time
    assert not np.array_equal(frame, eval_frame("oval"))


def test_both_saved_models_saliency_on_the_same_frame(tmp_path):
    spec = parse_spec(SPEC, "dropout.toml")
    recs = records(spec, [0.30, 0.20, 0.15, 0.10, 0.40, 0.05], tmp_path)
    for r in recs:  # every variant's "model" is the shipped PilotNet
        src = shipped_models_dir() / "pilotnet.h5"
        shutil.copyfile(src, tmp_path / r["model"])
        shutil.copyfile(card_path(src), card_path(tmp_path / r["model"]))
    pair = pick_pair(spec, recs, tmp_path)
    got = compute_pair(pair, tmp_path, "kidney")
    assert np.array_equal(got.frame, eval_frame("kidney"))
    for side in (got.base, got.best):
        assert side.mask.shape == (160, 320) and 0.0 <= side.mask.min() <= side.mask.max() <= 1
        assert side.mask.max() > 0.5  # normalised: the strongest pixel is near 1
    # The same model on the same frame: the same steering and the same mask.
    assert got.base.steering == pytest.approx(got.best.steering, abs=1e-6)
    assert np.allclose(got.base.mask, got.best.mask, atol=1e-5)
    assert got.best.label == "dropout=0.5 seed=1"


def test_computing_apart_stops_on_cancel_and_reports_a_broken_model(tmp_path):
    spec = parse_spec(SPEC, "dropout.toml")
    recs = records(spec, [0.30, 0.20, 0.15, 0.10, 0.40, 0.05], tmp_path)  # empty model files
    pair = pick_pair(spec, recs, tmp_path)
    cancel = threading.Event()
    cancel.set()
    assert compute_pair_apart(pair, tmp_path, "kidney", cancel) is None
    with pytest.raises(Exception) as e:  # raised in the spawned process, brought back here
        compute_pair_apart(pair, tmp_path, "kidney", threading.Event())
    assert pair.base["model"] in str(e.value)
