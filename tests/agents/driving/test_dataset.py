"""The data pipeline: preprocessing twins, block split, balance weights, augmentation."""

from __future__ import annotations

import numpy as np
import pytest

from agents.driving.dataset import (
    augment,
    balance_weights,
    block_split,
    flip,
    load_frames,
    make_pipelines,
    session_dirs,
    time_blocks,
)
from agents.driving.preprocess import (
    InputSpec,
    preprocess_batch,
    preprocess_frame,
    preprocess_tf,
    spec_for,
    spec_from_card,
)
from game.errors import UserFacingError
from tests.agents.driving.tiny_session import make_tiny_session


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    return make_tiny_session(tmp_path_factory.mktemp("rec") / "tiny")


@pytest.mark.parametrize("arch", ["pilotnet", "pooled"])
def test_numpy_and_tensorflow_preprocessing_agree(arch):
    spec = spec_for(arch)
    frames = np.random.default_rng(0).integers(0, 256, (4, 160, 320, 3), dtype=np.uint8)
    a = preprocess_batch(frames, spec)
    b = preprocess_tf(frames, spec).numpy()
    assert a.shape == (4, *spec.shape) and a.dtype == np.uint8
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 1
    assert preprocess_tf(frames[0], spec).shape == spec.shape  # single frame keeps rank 3


def test_preprocess_crops_the_road_rows_and_averages_areas():
    spec = InputSpec(height=10, width=16, crop_top=40, crop_bottom=20, colour="rgb")
    frame = np.zeros((160, 320, 3), np.uint8)
    frame[:40] = 255  # sky: cropped away
    frame[40:140, :160] = 100  # left half of the road
    out = preprocess_frame(frame, spec)[0]
    assert out.shape == (10, 16, 3)
    assert (out[:, :8] == 100).all() and (out[:, 8:] == 0).all()


def test_yuv_of_grey_is_neutral_chroma():
    spec = InputSpec(height=4, width=4, crop_top=0, crop_bottom=0, colour="yuv")
    out = preprocess_frame(np.full((160, 320, 3), 90, np.uint8), spec)[0]
    assert np.all(out[..., 0] == 90) and np.all(np.abs(out[..., 1:].astype(int) - 128) <= 1)


def test_spec_round_trip_and_bad_spec_is_a_clear_error():
    spec = spec_for("pilotnet")
    assert InputSpec.from_dict(spec.to_dict()) == spec
    assert spec_from_card({"input": spec.to_dict()}) == spec
    with pytest.raises(UserFacingError, match=r"card\.json: bad input spec"):
        InputSpec.from_dict({"height": 66, "width": 200, "colour": "hsv"}, where="m.card.json")


def test_flip_mirrors_the_image_and_negates_steering():
    images = np.zeros((2, 4, 6, 3), np.float32)
    images[:, :, 0] = 255.0  # a bright left column
    steering = np.array([0.3, -0.7], np.float32)
    out, s = flip(images, steering)
    assert np.all(out.numpy()[:, :, -1] == 255.0) and np.all(out.numpy()[:, :, 0] == 0.0)
    assert np.allclose(s.numpy(), [-0.3, 0.7])


def test_augment_flips_image_and_label_together():
    import keras

    keras.utils.set_random_seed(0)
    spec = spec_for("pilotnet")
    n = 64
    images = np.full((n, *spec.shape), 60, np.uint8)
    images[:, :, :40] = 220  # a bright band on the left side
    steering = np.linspace(0.1, 0.9, n).astype(np.float32)
    x, s = augment(images, steering, spec)
    x, s = x.numpy(), s.numpy()
    negated = s < 0
    assert 0 < negated.sum() < n  # some flipped, some not
    assert np.allclose(np.abs(s), steering)
    left = x[:, :, :30, 0].mean(axis=(1, 2))
    right = x[:, :, -30:, 0].mean(axis=(1, 2))
    assert np.all((left < right) == negated)  # the band moved right exactly when flipped
    assert x.dtype == np.float32 and x.min() >= 0 and x.max() <= 255


def test_augment_never_shifts_the_road_sideways():
    # A sideways shift turns the view without turning the label; only pitch shifts are made.
    import keras

    keras.utils.set_random_seed(1)
    spec = spec_for("pilotnet")
    n = 32
    images = np.full((n, *spec.shape), 60, np.uint8)
    images[:, :, 97:103] = 220  # a bright vertical stripe, like a lane line
    x, _ = augment(images, np.zeros(n, np.float32), spec, flip_prob=0.0)
    columns = x.numpy()[:, :, :, 0].mean(axis=1)
    assert np.all(np.argmax(columns, axis=1) >= 97) and np.all(np.argmax(columns, axis=1) < 103)
    assert np.all(columns[:, 96] < columns[:, 100]) and np.all(columns[:, 103] < columns[:, 100])


def test_time_blocks_keep_views_of_one_instant_together():
    t = np.repeat(np.arange(300) / 20.0, 3)  # each sample: a frame + 2 recovery views
    blocks = time_blocks(t, rate_hz=20.0, block_seconds=2.0)
    for k in range(300):
        assert len(set(blocks[3 * k : 3 * k + 3])) == 1
    assert np.all(np.diff(blocks) >= 0)  # contiguous, in time order
    assert len(np.unique(blocks)) == 8


def test_block_split_has_no_frame_in_both_halves():
    t = np.repeat(np.arange(1000) / 20.0, 3)
    blocks = time_blocks(t, rate_hz=20.0)
    train, val = block_split(blocks, seed=3)
    assert len(np.intersect1d(train, val)) == 0
    assert len(train) + len(val) == len(t)
    assert 0.15 <= len(val) / len(t) <= 0.25
    # Whole blocks go one way: no block has rows on both sides.
    assert not set(blocks[train]) & set(blocks[val])
    # Validation is a few contiguous runs, not scattered frames.
    assert np.count_nonzero(np.diff(val) > 1) < 5


def test_short_session_still_splits():
    train, val = block_split(time_blocks(np.arange(20) / 20.0, rate_hz=20.0))
    assert len(train) > 0 and len(val) > 0


def test_balance_weights_favour_curves_over_straights():
    steering = np.concatenate([np.zeros(900), np.full(100, 0.5), np.full(100, -0.5)])
    w = balance_weights(steering.astype(np.float32))
    assert w.mean() == pytest.approx(1.0, abs=1e-5)
    assert w[-1] > 2 * w[0]
    # Left and right curves of the same size weigh the same (flips keep them symmetric).
    assert w[950] == pytest.approx(w[1050])
    # Total weight of curves is no longer swamped by straights.
    assert w[900:].sum() >= 0.4 * w[:900].sum()
    assert np.allclose(balance_weights(steering.astype(np.float32), power=0.0), 1.0)


def test_tiny_dataset_from_a_generated_session(session):
    spec = spec_for("pilotnet")
    table = load_frames(session_dirs([session.parent]), spec)
    assert len(table) > 100 and table.sessions[0]["frames"] == len(table)
    data = make_pipelines(table, spec, batch_size=32, seed=0)
    assert data.train_frames + data.val_frames == len(table)
    x, y, w = next(iter(data.train))
    assert x.shape == (32, 66, 200, 3) and x.dtype.name == "float32"
    assert y.shape == (32, 1) and w.shape == (32,)
    assert np.all(np.abs(y.numpy()) <= 1.0)
    n_val = sum(int(b[0].shape[0]) for b in data.val)
    assert n_val == data.val_frames


def test_missing_session_folder_is_a_clear_error(tmp_path):
    with pytest.raises(UserFacingError, match="no such recording session"):
        session_dirs([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserFacingError, match="no recording sessions"):
        session_dirs([tmp_path / "empty"])


def test_off_lane_rows_are_left_out_of_training(session, tmp_path):
    import csv
    import shutil

    folder = tmp_path / "offlane"
    shutil.copytree(session, folder)
    log = folder / "log.csv"
    rows = list(csv.DictReader(log.open(newline="")))
    header = list(rows[0])
    for i, row in enumerate(rows):
        row["off_lane"] = "1" if i < 7 else "0"
    with log.open("w", newline="") as f:
        w = csv.DictWriter(f, header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    spec = spec_for("pilotnet")
    table = load_frames([folder], spec)
    assert len(table) == len(rows) - 7 and table.sessions[0]["off_lane"] == 7
    assert table.off_lane_rows == 7 and table.problems == []  # left out, not "bad rows"
    assert rows[0]["frame"] not in table.rel and rows[7]["frame"] in table.rel
    assert len(load_frames([folder], spec, keep_off_lane=True)) == len(rows)
