"""Speed-aware models: speed labels from the recordings, the speed branch beside steering,
and a speed-only stage that leaves steering exactly as it was."""

from __future__ import annotations

import numpy as np
import pytest

from agents.driving.dataset import (
    SPEED_WINDOW_S,
    FrameTable,
    load_arrays,
    load_frames,
    make_pipelines,
    speed_targets,
)
from agents.driving.models import (
    SPEED_FAR_ROWS,
    SPEED_SCALE,
    build_model,
    output_count,
    speed_far_rows,
    with_speed_head,
)
from agents.driving.preprocess import spec_for
from agents.driving.train import TrainConfig, speed_outputs_card, train, update_card
from agents.modelio import load_model_checked, read_card, save_model_atomic
from game.errors import UserFacingError
from tests.agents.driving.tiny_session import TINY_TRACK


@pytest.fixture(scope="module")
def race_session(tmp_path_factory):
    from agents.driving.expert_recorder import ExpertRecording, record_expert

    folder = tmp_path_factory.mktemp("race") / "race"
    recipe = ExpertRecording(TINY_TRACK, 1, folder, look="mixed", rate_hz=2.0, seed=1, race=True)
    record_expert(recipe)
    return folder


def test_speed_label_brakes_early_but_never_speeds_up_early():
    t = np.array([0.0, 0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    speed = np.array([20.0, 99.0, 20.0, 18.0, 15.0, 15.0, 17.0, 19.0], np.float32)
    driven = np.array([True, False, True, True, True, True, True, True])  # row 1: a recovery view
    out = speed_targets(t, speed, driven, window_s=0.3)
    # Braking from t = 0.2 shows from t = 0 (row 0 and its recovery view alike); speeding up
    # from t = 0.5 does not show before it happens.
    assert out.tolist() == [15.0, 15.0, 15.0, 15.0, 15.0, 15.0, 17.0, 19.0]


def test_speed_label_keeps_its_own_speed_where_time_goes_back():
    t = np.array([0.0, 0.5, 0.2, 0.7])  # appended after a reset: not one timeline
    speed = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    assert speed_targets(t, speed, np.ones(4, bool)).tolist() == speed.tolist()


def test_racing_recording_gives_finite_speed_labels(race_session):
    table = load_frames([race_session], spec_for("pilotnet"))
    assert len(table.speed) == len(table) and np.isfinite(table.speed).all()
    # The racing expert changes speed round the lap: the labels are not one cruise value.
    assert table.speed.max() - table.speed.min() > 5.0
    assert table.speed.max() <= SPEED_SCALE * 1.5


def test_a_table_without_speeds_cannot_train_a_speed_model(tmp_path):
    table = FrameTable(["a.png"] * 10, np.zeros(10, np.float32), np.arange(10))
    table.speed = np.full(10, np.nan, np.float32)
    with pytest.raises(UserFacingError, match="no speed column"):
        make_pipelines(table, spec_for("pilotnet"), outputs=2)


def test_speed_head_shares_the_steering_network():
    base = build_model("pilotnet")
    both = with_speed_head(base)
    assert output_count(base) == 1 and output_count(both) == 2
    x = np.random.default_rng(0).uniform(0, 255, (3, 66, 200, 3)).astype(np.float32)
    out = both(x).numpy()
    assert out.shape == (3, 2)
    np.testing.assert_allclose(out[:, 0], base(x).numpy()[:, 0], atol=1e-6)
    assert speed_far_rows(both) == SPEED_FAR_ROWS and speed_far_rows(base) == 0


def test_models_with_the_older_plain_speed_branch_still_fine_tune(race_session, tmp_path):
    """A speed model from before the far-road branch (flatten features only) keeps its own
    branch when fine-tuned: its weights still fit."""
    old = tmp_path / "old.h5"
    save_model_atomic(with_speed_head(build_model("pilotnet"), far_rows=0), old)
    update_card(old, architecture="pilotnet", outputs=speed_outputs_card())
    again = tmp_path / "again.h5"
    train(TrainConfig((race_session,), epochs=1, out_path=again, batch_size=32,
                      initial_model=old))  # fmt: skip
    model = load_model_checked(again)
    assert output_count(model) == 2 and speed_far_rows(model) == 0


def test_speed_head_stage_keeps_steering_and_learns_speed(race_session, tmp_path):
    """The build's fast speed stage: a new far-road branch on any start model (here one with
    the older branch), the steering weights unchanged, the speed output fitted to the labels."""
    from agents.driving.models import steering_part
    from agents.driving.speed_head import train_speed_head

    path = tmp_path / "m.h5"
    start = with_speed_head(build_model("pilotnet"), far_rows=0)
    save_model_atomic(start, path)
    update_card(path, architecture="pilotnet", note="kept")
    steering_before = [w.copy() for w in steering_part(start).get_weights()]
    result = train_speed_head(path, [race_session], epochs=60, patience=60, restarts=1)
    model = load_model_checked(path)
    assert speed_far_rows(model) == SPEED_FAR_ROWS and output_count(model) == 2
    for a, b in zip(steering_part(model).get_weights(), steering_before, strict=True):
        np.testing.assert_array_equal(a, b)
    card = read_card(path)
    assert card["note"] == "kept" and card["outputs"]["speed_scale"] == SPEED_SCALE
    spec = spec_for("pilotnet")
    table = load_frames([race_session], spec)
    images, _ = load_arrays(table, spec)
    labels = table.speed / SPEED_SCALE
    x = images.astype(np.float32)
    before = np.mean((np.asarray(start(x))[:, 1] - labels) ** 2)
    after = np.mean((np.asarray(model(x))[:, 1] - labels) ** 2)
    assert after < 0.25 * before  # it learned toward the labels (tiny data: the fit itself)
    assert np.isfinite(result.best_val_loss) and result.epochs_run >= 1


def test_speed_head_stage_leaves_out_an_undecodable_frame_and_says_which(race_session, tmp_path):
    import shutil

    from agents.driving.speed_head import train_speed_head

    session = tmp_path / "race"
    shutil.copytree(race_session, session)
    broken = sorted(session.rglob("*.png"))[3]
    broken.write_bytes(b"\x89PNG\r\n\x1a\n cut off")
    path = tmp_path / "m.h5"
    save_model_atomic(build_model("pilotnet"), path)
    update_card(path, architecture="pilotnet")
    events = []
    result = train_speed_head(path, [session], epochs=2, restarts=1, progress=events.append)
    assert output_count(load_model_checked(path)) == 2 and np.isfinite(result.best_val_loss)
    skipped = [p for e in events for p in e.skipped]
    assert any(broken.name in p for p in skipped)


def test_fine_tuning_a_steering_model_with_speed_adds_the_speed_output(race_session, tmp_path):
    base = tmp_path / "base.h5"
    save_model_atomic(build_model("pilotnet"), base)
    update_card(base, architecture="pilotnet")
    out = tmp_path / "racer.h5"
    train(TrainConfig((race_session,), epochs=1, out_path=out, batch_size=32,
                      initial_model=base, speed=True))  # fmt: skip
    assert output_count(load_model_checked(out)) == 2
    card = read_card(out)
    assert card["outputs"] == {
        "names": ["steering", "speed"],
        "speed_scale": SPEED_SCALE,
        "speed_window_s": SPEED_WINDOW_S,
    }
    # Fine-tuning a speed model keeps its speed output (and its card says so).
    again = tmp_path / "again.h5"
    train(TrainConfig((race_session,), epochs=1, out_path=again, batch_size=32,
                      initial_model=out))  # fmt: skip
    assert output_count(load_model_checked(again)) == 2 and "outputs" in read_card(again)


@pytest.mark.parametrize("quantile", [0.5, 0.8])
def test_pinball_loss_is_lowest_at_the_labels_quantile(quantile):
    """The speed branch's loss: the constant guess it scores best is the labels' quantile
    (0.8: above most speeds of an ambiguous frame, not their mean)."""
    from agents.driving.speed_head import pinball_loss

    labels = np.arange(1.0, 11.0, dtype=np.float32)[:, None]  # 1..10
    loss = pinball_loss(quantile)
    guesses = np.arange(0.0, 11.01, 0.25, dtype=np.float32)
    scores = [float(np.mean(np.asarray(loss(labels, np.full_like(labels, g))))) for g in guesses]
    best = guesses[int(np.argmin(scores))]
    assert np.quantile(labels, quantile, method="inverted_cdf") - 1 <= best
    assert best <= np.quantile(labels, quantile, method="inverted_cdf")
    assert (best > 6.0) == (quantile == 0.8)  # the mean is 5.5
