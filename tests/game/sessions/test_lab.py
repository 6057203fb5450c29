"""The Lab screen's session: saved results sorted and plotted, a live run's progress, and
saving a variant as a model."""

import json
import shutil
import threading
import time

import pytest

from agents.lab.results import save_record, write_results
from agents.lab.spec import expand, load_spec
from agents.modelio import card_path, read_card
from game.paths import shipped_models_dir, user_dir
from game.sessions.lab import LabSession
from game.workers import Worker
from tests.agents.lab.tiny_specs import TINY_RPS_SPEC

SPEC = """
name = "dropout mini"
task = "driving"
description = "test preset"
seeds = [0, 1]
[vary]
dropout = [0.0, 0.5]
"""


def preset(tmp_path, text, name="mini"):
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return path


def measured(spec_path, offsets, params=(1000, 2000)):
    """Records for the preset's quick grid with the given offsets (in grid order), saved
    where the Lab screen looks for them."""
    spec = load_spec(spec_path)
    out = user_dir("lab") / spec_path.stem
    records = []
    for i, (v, off) in enumerate(zip(expand(spec, quick=True), offsets, strict=True)):
        r = {"key": v.key, "label": v.label, "spec": spec.name, "task": "driving",
             "knobs": v.knobs, "recipe": v.recipe, "seed": v.seed, "status": "ok",
             "error": None, "mean_abs_offset_m": off, "autonomy_pct": 100.0,
             "params": params[i // 2], "inference_ms": 1.0 + i,
             "model": f"variants/{v.key}/model.h5",
             "history": {"loss": [0.2, 0.1], "val_loss": [0.3, off]}}  # fmt: skip
        save_record(out, r)
        records.append(r)
    write_results(out, {"name": spec.name}, records)
    return out, records


def test_saved_results_show_sorted_plotted_and_with_a_finding(tmp_path):
    path = preset(tmp_path, SPEC)
    measured(path, [0.30, 0.32, 0.10, 0.12])  # dropout 0 (two seeds), then 0.5
    s = LabSession([path])
    assert s.status == "4/4 variants measured"
    best_first = [r.record["mean_abs_offset_m"] for r in s.sorted_rows()]
    assert best_first == [0.10, 0.12, 0.30, 0.32]
    s.flip_sort()
    assert [r.record["mean_abs_offset_m"] for r in s.sorted_rows()][0] == 0.32
    s.next_sort()  # autonomy %: higher is better
    assert s.sorts[s.sort][1] == "autonomy_pct"
    x_title, y_title, points = s.scatter()
    assert x_title == "parameters" and len(points) == 4
    assert {g for _, _, g in points} == {"dropout=0.0", "dropout=0.5"}
    s.next_view()
    s.next_view()  # parameters -> inference ms -> learning curves
    assert s.showing_curves
    curves = dict(s.curves())
    assert len(curves) == 4 and curves["0.5 s0"] == [0.3, 0.10]
    text = s.finding()
    assert "dropout=0.5" in text.split("best first:")[1].split(";")[0]
    assert "measurably best" in text  # 0.10-0.12 vs 0.30-0.32: the spreads do not overlap


def test_overlapping_spreads_read_as_no_measurable_difference(tmp_path):
    path = preset(tmp_path, SPEC)
    measured(path, [0.20, 0.30, 0.22, 0.26])
    assert "No measurable difference" in LabSession([path]).finding()


def test_a_bad_preset_is_listed_with_its_error_and_does_not_run(tmp_path):
    path = preset(tmp_path, "[vary]\ndropot = [0.1]\n", "broken")
    s = LabSession([path])
    assert s.presets[0].spec is None and "vary.dropot" in s.status
    with pytest.raises(Exception, match="vary.dropot"):
        s.start()


def test_a_run_streams_each_variant_into_the_rows(tmp_path):
    s = LabSession([preset(tmp_path, TINY_RPS_SPEC)], workers=1)
    assert [r.status for r in s.rows] == ["queued", "queued"]
    s.start()
    seen = set()
    deadline = time.monotonic() + 300
    while s.worker is not None and time.monotonic() < deadline:
        s.poll()
        seen |= {r.status for r in s.rows}
        time.sleep(0.05)
    assert s.worker is None, "the run did not finish in time"
    assert [r.status for r in s.rows] == ["done", "done"]
    assert "running" in seen
    assert s.status == "done: 2 variants measured"
    assert all(0 <= r.record["next_move_accuracy"] <= 1 for r in s.rows)


def test_save_as_model_copies_the_model_and_its_card_under_a_free_name(tmp_path):
    path = preset(tmp_path, SPEC)
    out, records = measured(path, [0.3, 0.3, 0.1, 0.1])
    src = out / records[2]["model"]
    shutil.copyfile(shipped_models_dir() / "pilotnet.h5", src)
    shutil.copyfile(shipped_models_dir() / "pilotnet.card.json", card_path(src))
    s = LabSession([path])
    row = next(r for r in s.rows if r.key == records[2]["key"])
    first = s.save_as_model(row)
    second = s.save_as_model(row)
    assert first.parent == user_dir("models") and first != second
    assert first.read_bytes() == src.read_bytes()
    card = read_card(first)
    assert card["lab"]["label"] == row.label and card["lab"]["recipe"]["dropout"] == 0.5
    queued = next(r for r in s.rows if r.key == records[0]["key"])
    queued.record = None
    with pytest.raises(Exception, match="not measured yet"):
        s.save_as_model(queued)
    assert json.loads((out / "results.json").read_text())["variants"][2]["key"] == row.key


def test_cancel_stops_a_run_and_keeps_what_finished(tmp_path):
    text = SPEC + '[data]\ntracks = ["oval"]\nrate_hz = 1.0\n'
    s = LabSession([preset(tmp_path, text)], workers=1)
    s.start()
    s.rows[0].status = "running"  # as a start event would have set it
    s.cancel()
    s.worker.join(timeout=120)
    s.poll()
    assert s.worker is None
    assert s.status.startswith("cancelled")
    assert all(r.status == "queued" for r in s.rows)


# --- the spec editor ------------------------------------------------------------------------


def test_editing_a_preset_saves_your_copy_and_chooses_it(tmp_path):
    path = preset(tmp_path, SPEC, "dropout")
    s = LabSession([path])
    ed = s.edit()
    assert ed.path == user_dir("lab-specs") / "dropout-mine.toml"
    assert ed.draft.spec.name == "dropout mini (mine)"
    ed.move(2)  # seeds, samples, vary.dropout
    assert ed.current.key == "vary.dropout"
    ed.begin_value()
    assert ed.text == "[0.0, 0.5]"
    ed.backspace()
    ed.type_text(", 0.25]")
    assert ed.commit() and ed.typing is None
    assert [r.text for r in ed.rows if r.key == "vary.dropout"] == ["[0.0, 0.5, 0.25]"]
    assert len(ed.variants()) == 3 * 2
    saved = s.save_edit(ed)
    assert saved.read_text().startswith('name = "dropout mini (mine)"')
    assert s.preset.path == saved and s.preset.mine
    assert [p.name for p in s.presets] == ["dropout mini", "dropout mini (mine)"]
    assert len(s.rows) == 6 and s.status == "not run yet"
    assert s.out_dir() == user_dir("lab") / "mine" / "dropout-mine"
    assert s.out_dir(s.presets[0]) == user_dir("lab") / "dropout"
    # Editing the shipped preset again never writes over your first copy; yours is
    # edited in place.
    s.select(0)
    assert s.edit().path.name == "dropout-mine-2.toml"
    s.select(1)
    assert s.edit().path == saved


def test_a_refused_value_keeps_the_field_open_with_one_line_naming_the_key(tmp_path):
    s = LabSession([preset(tmp_path, SPEC, "dropout")])
    ed = s.edit()
    ed.move(2)
    ed.begin_value()
    ed.text = "[0.0, 1.5]"
    assert not ed.commit()
    assert ed.typing == "value"
    assert ed.error == "dropout-mine.toml: vary.dropout: 1.5 is out of range"
    ed.cancel_typing()
    assert ed.error == "" and ed.draft.spec.vary == {"dropout": [0.0, 0.5]}
    ed.begin_row()
    ed.type_text("widht = [0.5]")
    assert not ed.commit() and "vary.widht" in ed.error and "\n" not in ed.error
    ed.text = "vary.width = [0.5, 1.0]"
    assert ed.commit() and ed.current.key == "vary.width"
    ed.remove()
    assert "width" not in ed.draft.spec.vary
    ed.cursor = 0
    ed.remove()
    assert "seeds" in ed.error and ed.rows[0].key == "seeds"


def test_a_broken_preset_or_a_run_cannot_be_edited(tmp_path):
    s = LabSession([preset(tmp_path, "[vary]\ndropot = [0.1]\n", "broken"),
                    preset(tmp_path, SPEC, "dropout")])  # fmt: skip
    with pytest.raises(Exception, match="vary.dropot"):
        s.edit()
    s.select(1)
    gate = threading.Event()
    s.worker = Worker(lambda ctx: gate.wait(30), name="a run").start()  # a run going on
    try:
        with pytest.raises(Exception, match="cancel it"):
            s.edit()
    finally:
        gate.set()
        s.worker.join(30)


# --- the best variant's saliency beside the base's --------------------------------------------


def with_models(out, records):
    """Every measured variant's model file: the shipped PilotNet (so VisualBackProp runs)."""
    for r in records:
        dest = out / r["model"]
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shipped_models_dir() / "pilotnet.h5", dest)
        shutil.copyfile(shipped_models_dir() / "pilotnet.card.json", card_path(dest))


def test_the_saliency_view_shows_the_best_beside_the_base_computed_in_a_worker(tmp_path):
    path = preset(tmp_path, SPEC + '[eval]\ntracks = ["kidney"]\n')
    out, records = measured(path, [0.30, 0.32, 0.10, 0.12])  # dropout 0.5 is best
    with_models(out, records)
    s = LabSession([path])
    views = []
    for _ in range(4):
        s.next_view()
        views.append((s.showing_curves, s.showing_saliency))
    assert views == [(False, False), (True, False), (False, True), (False, False)]
    s.poll()
    assert s.saliency.job.worker is None  # nothing is computed until the view is shown
    s.next_view(), s.next_view(), s.next_view()
    assert s.showing_saliency
    s.poll()  # starts the worker; the screen's thread does not wait for it
    assert s.saliency.job.busy and s.saliency.shown is None
    assert s.saliency.job.join(timeout=240)
    shown = s.saliency.shown
    assert shown is not None and shown.track == "kidney"
    assert (shown.base.title, shown.base.label) == ("BASE", "dropout=0.0 seed=0")
    assert (shown.best.title, shown.best.label) == ("BEST", "dropout=0.5 seed=0")
    assert shown.best.figure == "mean |offset| 0.100 m"
    assert shown.frame.shape == (160, 320, 3) and shown.base.tint.shape == (160, 320, 4)
    assert shown.base.tint[..., 3].max() > 0  # the mask shows somewhere
    # Back on the preset later: the pictures are kept, nothing is computed again.
    s.select(0)
    assert s.saliency.shown is shown and not s.saliency.job.busy


def test_without_two_measured_points_the_saliency_view_says_what_is_missing(tmp_path):
    s = LabSession([preset(tmp_path, SPEC)])
    s.next_view(), s.next_view(), s.next_view()
    assert s.showing_saliency
    s.poll()
    assert s.saliency.shown is None and not s.saliency.job.busy
    assert "run the preset" in s.saliency.message


def test_rps_presets_have_no_saliency_view(tmp_path):
    s = LabSession([preset(tmp_path, TINY_RPS_SPEC)])
    for _ in range(6):
        s.next_view()
        assert not s.showing_saliency


def test_a_model_that_cannot_load_is_one_message_and_is_not_retried(tmp_path):
    path = preset(tmp_path, SPEC + '[eval]\ntracks = ["kidney"]\n')
    out, records = measured(path, [0.30, 0.32, 0.10, 0.12])
    for r in records:
        (out / r["model"]).parent.mkdir(parents=True, exist_ok=True)
        (out / r["model"]).write_bytes(b"not a model")
    s = LabSession([path])
    s.view = 3
    s.poll()
    assert s.saliency.job.join(timeout=240)
    assert s.saliency.shown is None
    assert s.saliency.message.startswith("saliency failed: ") and "model.h5" in s.saliency.message
    s.poll()
    assert not s.saliency.job.busy  # the same pair is not tried again every frame


def test_failed_variants_are_counted_apart_and_the_finding_says_why(tmp_path):
    path = preset(tmp_path, SPEC)
    out, records = measured(path, [0.30, 0.32, 0.10, 0.12])
    why = "conv5: a 3x3 kernel does not fit the 2x10 feature map"
    for r in records[:2]:  # dropout 0.0, both seeds
        r.update(status="error", error=why, mean_abs_offset_m=None, model=None)
        save_record(out, r)
    s = LabSession([path])
    assert s.status == "2/4 variants measured, 2 failed"
    assert [r.status for r in s.rows] == ["failed", "failed", "done", "done"]
    assert f"2 variant(s) failed: dropout=0.0 seed=0, dropout=0.0 seed=1: {why}." in s.finding()
