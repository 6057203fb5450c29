"""Autopilot's DAgger fine-tune: each session once, takeovers weighted, one pass in budget."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from agents.driving import dagger
from agents.driving.dataset import FrameTable, load_frames, make_pipelines
from agents.driving.models import build_model
from agents.driving.preprocess import spec_for
from agents.driving.recovery_views import FOLDER_NAME
from agents.driving.train import Focus, apply_focus, unique_dirs, update_card
from agents.modelio import save_model_atomic
from agents.training import FINE_TUNE_EPOCHS, FINE_TUNE_TIME_LIMIT_S
from tests.agents.driving.tiny_session import TINY_TRACK


@pytest.fixture(scope="module")
def takeover(tmp_path_factory) -> Path:
    """A short session a person drove in the Autopilot screen (source=takeover)."""
    from agents.driving.expert_recorder import ExpertRecording, record_expert

    folder = tmp_path_factory.mktemp("takeover") / "t"
    record_expert(ExpertRecording(TINY_TRACK, 1, folder, rate_hz=0.5, seed=2, recovery=False))
    log = folder / "log.csv"
    with open(log, newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["source"] = "takeover"
    with open(log, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    meta = json.loads((folder / "meta.json").read_text())
    (folder / "meta.json").write_text(json.dumps({**meta, "source": "takeover"}))
    return folder


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> Path:
    from agents.driving.expert_recorder import ExpertRecording, record_expert

    folder = tmp_path_factory.mktemp("orig") / "o"
    record_expert(ExpertRecording(TINY_TRACK, 1, folder, rate_hz=4.0, seed=1, recovery=False))
    return folder


def test_unique_dirs_keeps_each_resolved_path_once(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (tmp_path / "link").symlink_to(a)
    dirs = [a, b, tmp_path / "b" / ".." / "a", tmp_path / "link", Path(str(b) + "/")]
    assert unique_dirs(dirs) == [a, b]


def _table(sizes: dict[str, int], block_rows: int = 10) -> FrameTable:
    paths, steering, blocks, index, sessions = [], [], [], [], []
    next_block = 0
    for i, (path, n) in enumerate(sizes.items()):
        sessions.append({"path": path, "frames": n, "skipped": 0})
        paths += [f"{path}/frames/{k:06d}.png" for k in range(n)]
        steering += [0.1] * n
        blocks += [next_block + k // block_rows for k in range(n)]
        next_block += (n - 1) // block_rows + 1
        index += [i] * n
    return FrameTable(
        paths, np.asarray(steering, np.float32), np.asarray(blocks), sessions, [],
        np.asarray(index), [Path(p).name for p in paths], np.zeros(0, np.float32),
    )  # fmt: skip


def test_takeovers_and_their_views_are_weighted_and_kept_whole(tmp_path):
    take = tmp_path / "take"
    table = _table({
        str(tmp_path / "orig"): 500,
        str(take): 20,
        str(take / FOLDER_NAME): 40,
        str(tmp_path / "other" / FOLDER_NAME): 200,
    })  # fmt: skip
    focus = Focus((take,), share=0.25, max_weight=20.0, max_other_frames=300)
    out, weights, summary = apply_focus(table, focus, seed=0)
    focus_rows = [p for p in out.paths if p.startswith(str(take) + "/")]
    assert len(focus_rows) == 60  # every takeover frame and view is kept
    others = len(out) - 60
    assert 300 - 10 < others <= 300  # the replay sample: whole blocks up to the cap
    assert len(set(out.paths)) == len(out)
    # 60 takeover frames beside ~300 others: x1.67 each makes them 25 % of the loss.
    w = 0.25 / 0.75 * others / 60
    assert weights == pytest.approx([1.0, w, w, 1.0])
    assert summary["frames"] == 60 and summary["share"] == pytest.approx(0.25, abs=0.001)
    assert [s["frames"] for s in out.sessions][1:3] == [20, 40]
    assert sum(s["frames"] for s in out.sessions) == len(out)


def test_a_few_takeover_frames_weigh_at_most_the_cap():
    focus = Focus((Path("t"),), share=0.25, max_weight=20.0)
    assert focus.weight(36, 24_000) == 20.0  # not 222: a handful of frames cannot rule
    assert focus.weight(6_000, 6_000) == 1.0  # never less than an ordinary frame
    assert focus.weight(0, 100) == 1.0


def test_session_weights_multiply_the_frames_loss_weights(original, takeover):
    spec = spec_for("pilotnet")
    table = load_frames([original, takeover], spec)
    plain = make_pipelines(table, spec, batch_size=512, augment_train=False)
    heavy = make_pipelines(table, spec, batch_size=512, augment_train=False,
                           session_weights=[1.0, 5.0])  # fmt: skip
    w0 = np.concatenate([b[2].numpy() for b in plain.val])
    w1 = np.concatenate([b[2].numpy() for b in heavy.val])
    n_take = int((table.session_index == 1).sum())
    ratio = w1 / w0
    assert sorted(set(np.round(ratio, 5))) == [1.0, 5.0]  # validation holds both sessions
    assert n_take > 0


def test_fine_tune_uses_each_session_once_and_weights_the_takeovers(
    original, takeover, tmp_path, monkeypatch
):
    monkeypatch.setattr(dagger, "TAKEOVER_SHARE", 0.5)  # half the loss: easy to check
    base = tmp_path / "base.h5"
    save_model_atomic(build_model("pilotnet"), base)
    # A card as a Teach model's: the session and its recovery views, here listed twice over
    # (another spelling of the same folder), which the old fine-tune trained on twice.
    again = original.parent / ".." / original.parent.name / original.name
    update_card(base, architecture="pilotnet",
                sessions=[{"path": str(original)}, {"path": str(again)}])  # fmt: skip
    result, n_original = dagger.fine_tune(base, [takeover, takeover])
    card = result.card
    used = [Path(s["path"]).resolve() for s in card.details["sessions"]]
    assert n_original == 1
    assert used == [original.resolve(), takeover.resolve(), (takeover / FOLDER_NAME).resolve()]
    focus = card.details["focus"]
    take_frames = sum(s["frames"] for s in card.details["sessions"][1:])
    others = card.details["frames"]["total"] - take_frames
    assert focus["frames"] == take_frames and take_frames < others
    # Half the loss: each takeover frame weighs (other frames / takeover frames).
    assert focus["weight"] == pytest.approx(others / take_frames, abs=0.01)
    assert focus["weight"] > 1.0 and focus["share"] == pytest.approx(0.5, abs=0.002)
    assert card.details["recovery_views"] == card.details["sessions"][2]["frames"] > 0
    assert card.epochs_requested == FINE_TUNE_EPOCHS == 1
    assert dagger.TIME_LIMIT_S == FINE_TUNE_TIME_LIMIT_S
    assert result.model_path.exists() and result.model_path != base
