"""Training: one short epoch, cancel keeps the old model, .h5 round trips, clear errors for
bad files, and a MirroredStrategy step over two logical CPU devices."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from agents.driving.models import build_model
from agents.driving.train import train, update_card
from agents.modelio import ModelFileError, load_model_checked, read_card, save_model_atomic
from agents.training import CARD_SCHEMA_VERSION, Phase, TrainingCancelled, read_model_card
from tests.agents.driving.tiny_session import make_tiny_session

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    return make_tiny_session(tmp_path_factory.mktemp("rec") / "tiny")


def test_one_short_epoch_trains_and_writes_model_and_card(session, tmp_path):
    events = []
    out = tmp_path / "m.h5"
    result = train([session], "pilotnet", epochs=1, out_path=out, batch_size=32,
                   progress=events.append)  # fmt: skip
    assert result.model_path == out and out.exists()
    assert np.isfinite(result.best_val_loss)
    card = read_card(out)
    assert card["architecture"] == "pilotnet"
    assert card["input"]["height"] == 66 and card["input"]["width"] == 200
    assert card["frames"]["train"] + card["frames"]["val"] == card["frames"]["total"]
    assert card["sessions"][0]["frames"] == card["frames"]["total"]
    assert card["best_val_loss"] == pytest.approx(result.best_val_loss)
    assert card["schema_version"] == CARD_SCHEMA_VERSION and card["kind"] == "driving"
    typed = read_model_card(out)
    assert typed.architecture == "pilotnet" and typed.best_val_loss == card["best_val_loss"]
    assert typed.epochs_requested == 1 and typed.details["input"] == card["input"]
    batches = [e for e in events if e.phase is Phase.TRAIN and e.batch > 0]
    assert batches and batches[-1].batch == batches[-1].batches
    assert batches[-1].fraction == 1.0 and batches[0].fraction == pytest.approx(
        1 / batches[0].batches
    )
    ends = [e for e in events if e.phase is Phase.EPOCH_END]
    assert len(ends) == 1 and ends[0].val_loss == pytest.approx(result.best_val_loss)
    assert events[-1].phase is Phase.DONE
    assert (tmp_path / "m.training.csv").exists()
    # The trained model loads and predicts finite steering.
    model = load_model_checked(out)
    pred = model(np.zeros((1, 66, 200, 3), np.float32)).numpy()
    assert pred.shape == (1, 1) and np.isfinite(pred).all()
    # Evaluation results are merged into the card later.
    update_card(out, evaluation={"autonomy_pct": 100.0})
    assert read_card(out)["evaluation"] == {"autonomy_pct": 100.0}
    assert read_card(out)["architecture"] == "pilotnet"


def test_cancelling_keeps_the_old_file(session, tmp_path):
    out = tmp_path / "m.h5"
    out.write_bytes(b"the previous model")
    cancel = threading.Event()

    def progress(event):
        if event.phase is Phase.TRAIN and event.batch >= 2:
            cancel.set()

    with pytest.raises(TrainingCancelled, match="left unchanged"):
        train([session], "pilotnet", epochs=3, out_path=out, batch_size=16,
              progress=progress, cancel=cancel)  # fmt: skip
    assert out.read_bytes() == b"the previous model"
    assert sorted(p.name for p in tmp_path.glob("*.h5")) == ["m.h5"]  # no temp file left


def test_h5_round_trip_gives_identical_outputs(tmp_path):
    import keras

    keras.utils.set_random_seed(1)
    model = build_model("pilotnet")
    x = np.random.default_rng(0).uniform(0, 255, (2, 66, 200, 3)).astype(np.float32)
    path = save_model_atomic(model, tmp_path / "rt.h5")
    for loaded in (load_model_checked(path), keras.models.load_model(path)):
        assert np.array_equal(loaded(x).numpy(), model(x).numpy())


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "empty"), (b"not a model at all", "not an HDF5"), (None, "cannot load model")],
)
def test_corrupt_h5_is_a_clear_error(tmp_path, content, reason):
    path = tmp_path / "bad.h5"
    if content is None:  # a real .h5 cut in half
        save_model_atomic(build_model("pilotnet"), path)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    else:
        path.write_bytes(content)
    with pytest.raises(ModelFileError, match=reason) as err:
        load_model_checked(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_fine_tuning_starts_from_a_saved_model(session, tmp_path):
    base = tmp_path / "base.h5"
    save_model_atomic(build_model("pilotnet"), base)
    update_card(base, architecture="pilotnet")
    out = tmp_path / "tuned.h5"
    result = train([session], epochs=1, out_path=out, batch_size=32, initial_model=base)
    assert result.card.details["fine_tuned_from"] == str(base) and out.exists()


MIRRORED = textwrap.dedent(
    """
    import json, sys
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from agents.driving.train import make_strategy, train
    devices = ["/cpu:0", "/cpu:1"]
    strategy = make_strategy("mirrored", devices)
    result = train([sys.argv[1]], "pilotnet", epochs=1, out_path=sys.argv[2], batch_size=32,
                   strategy="mirrored", devices=devices)
    print(json.dumps({"replicas": strategy.num_replicas_in_sync,
                      "loss": result.best_val_loss, "saved": str(result.model_path)}))
    """
)


def test_mirrored_strategy_trains_over_two_logical_cpus(session, tmp_path):
    out = tmp_path / "mirrored.h5"
    proc = subprocess.run(
        [sys.executable, "-c", MIRRORED, str(session), str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2
    assert np.isfinite(report["loss"]) and Path(report["saved"]) == out and out.exists()
