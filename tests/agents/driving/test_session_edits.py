"""Session edits: soft-deleted and mirrored row ranges in edits.json, undone exactly, honoured
by training (deleted rows never reach the pipeline, mirrored rows arrive flipped with their
steering negated), and by the recovery views of a person's session."""

from __future__ import annotations

import json

import numpy as np
import pytest

from agents.driving.dataset import block_split, load_frames, make_pipelines
from agents.driving.preprocess import InputSpec, preprocess_batch
from agents.driving.recording_reader import load_session, summarize_session
from agents.driving.recovery_views import _person_rows
from agents.driving.session_edits import (
    EDITS_NAME,
    SessionEdits,
    merge,
    read_edits,
    subtract,
    write_edits,
)
from game.errors import UserFacingError
from game.sessions import studio_data
from tests.agents.driving.studio_session import frame_of, make_studio_session, steering_of

SPEC = InputSpec(20, 40, 20, 20, "rgb")  # small model input; frames are 160x320


def test_ranges_merge_and_subtract():
    assert merge([(5, 8), (0, 2), (2, 3), (7, 10), (4, 4)]) == [(0, 3), (5, 10)]
    assert subtract([(0, 10)], (3, 5)) == [(0, 3), (5, 10)]
    assert subtract([(0, 3), (5, 10)], (0, 10)) == []
    assert subtract([(4, 6)], (0, 2)) == [(4, 6)]


def test_trim_restore_round_trip(tmp_path):
    folder = make_studio_session(tmp_path / "s", rows=30)
    assert read_edits(folder).empty and not (folder / EDITS_NAME).exists()
    studio_data.trim(folder, 5, 12)
    studio_data.trim(folder, 10, 20)
    assert read_edits(folder).deleted == [(5, 20)]
    data = json.loads((folder / EDITS_NAME).read_text())
    assert data == {"format": 1, "deleted": [[5, 20]], "mirrored": []}
    studio_data.restore(folder, 8, 10)
    assert read_edits(folder).deleted == [(5, 8), (10, 20)]
    session, edits = studio_data.open_session(folder)
    assert np.flatnonzero(edits.deleted_mask(session.log_rows)).tolist() == [
        *range(5, 8), *range(10, 20)
    ]
    studio_data.restore(folder)  # --all
    assert read_edits(folder).deleted == []
    # The recording itself was never touched.
    assert len(load_session(folder)) == 30


def test_ranges_are_checked_and_a_broken_file_is_named(tmp_path):
    folder = make_studio_session(tmp_path / "s", rows=10)
    for a, b in ((0, 11), (5, 5), (7, 3)):
        with pytest.raises(UserFacingError, match=r"not a range of this session's rows"):
            studio_data.trim(folder, a, b)
    (folder / EDITS_NAME).write_text('{"deleted": [[3, 1]]}')
    with pytest.raises(UserFacingError, match=rf"{EDITS_NAME}: deleted\[0\]"):
        read_edits(folder)
    (folder / EDITS_NAME).write_text("{not json")
    with pytest.raises(UserFacingError, match=EDITS_NAME):
        load_frames([folder], SPEC)  # training refuses, naming the file


def test_edits_follow_log_rows_when_an_earlier_row_turns_bad(tmp_path):
    folder = make_studio_session(tmp_path / "s", rows=12)
    write_edits(folder, SessionEdits(deleted=[(6, 8)]))
    (folder / "frames" / "000002.png").unlink()  # row 2 can no longer be read
    session = load_session(folder)
    deleted = read_edits(folder).deleted_mask(session.log_rows)
    assert len(session) == 11 and session.log_rows[deleted].tolist() == [6, 7]


def test_deleted_rows_are_not_trained_on_and_are_counted(tmp_path):
    folder = make_studio_session(tmp_path / "s", rows=40)
    studio_data.trim(folder, 10, 25)
    table = load_frames([folder], SPEC)
    assert len(table) == 25 and table.sessions[0]["deleted"] == 15 and table.deleted_rows == 15
    names = {f"frames/{i:06d}.png" for i in range(10, 25)}
    assert not names & set(table.rel)
    assert table.problems == []  # left out on purpose, not "bad rows"
    assert summarize_session(folder).deleted == 15  # the Train screen's list says so
    studio_data.restore(folder)
    assert len(load_frames([folder], SPEC)) == 40


def test_mirrored_rows_train_flipped_with_negated_steering(tmp_path):
    folder = make_studio_session(tmp_path / "s", rows=40)
    studio_data.mirror(folder, 0, 40)  # every row, so the validation half holds mirrored rows too
    studio_data.mirror(folder, 20, 40, on=False)
    table = load_frames([folder], SPEC)
    assert table.mirror.tolist() == [True] * 20 + [False] * 20 and table.mirrored_rows == 20
    expected = [(-1 if i < 20 else 1) * steering_of(i) for i in range(40)]
    assert np.allclose(table.steering, expected, atol=1e-6)
    data = make_pipelines(table, SPEC, batch_size=8, augment_train=False, balance=False)
    _, val_idx = block_split(data.table.block, 0)  # the order the val pipeline reads
    images = np.concatenate([x.numpy() for x, _, _ in data.val])
    labels = np.concatenate([y.numpy()[:, 0] for _, y, _ in data.val])
    assert len(images) == len(val_idx) > 0
    for k, i in enumerate(val_idx):
        row = int(data.table.rel[i][len("frames/") : -len(".png")])
        frame = frame_of(row)[:, ::-1] if row < 20 else frame_of(row)
        assert np.array_equal(images[k], preprocess_batch(frame, SPEC)[0].astype(np.float32))
        assert labels[k] == pytest.approx(expected[row], abs=1e-6)
    assert any(int(data.table.rel[i][7:13]) < 20 for i in val_idx)  # a mirrored row was checked


def test_recovery_views_skip_deleted_person_rows(tmp_path):
    folder = make_studio_session(tmp_path / "s", rows=20, source="human")
    assert len(_person_rows(load_session(folder))) == 20
    studio_data.trim(folder, 0, 5)
    assert _person_rows(load_session(folder)).tolist() == list(range(5, 20))


def test_the_model_card_counts_deleted_and_mirrored_rows(tmp_path):
    from agents.driving.train import TrainConfig, train
    from agents.modelio import read_card

    folder = make_studio_session(tmp_path / "s", rows=60, source="expert")
    studio_data.trim(folder, 0, 12)
    studio_data.mirror(folder, 30, 40)
    events = []
    out = tmp_path / "m.h5"
    config = TrainConfig((folder,), "pilotnet", epochs=1, out_path=out, batch_size=16,
                         recovery_views=False)  # fmt: skip
    train(config, progress=events.append)
    card = read_card(out)
    assert card["deleted_rows"] == 12 and card["mirrored_rows"] == 10
    assert card["frames"]["total"] == 48
    assert card["sessions"][0]["deleted"] == 12 and card["sessions"][0]["mirrored"] == 10
    assert any("12 deleted rows left out" in (e.message or "") for e in events)
