"""Training: one short epoch, cancel keeps the old model, .h5 round trips, clear errors for
bad files, the CLI's MirroredStrategy over two logical CPU devices and its device check."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from agents.driving.models import ConvNetRecipe, build_model, network_from_card
from agents.driving.train import TrainConfig, check_devices, train, update_card
from agents.modelio import (
    ModelFileError,
    load_model_checked,
    read_card,
    save_model_atomic,
    write_card,
)
from agents.training import CARD_SCHEMA_VERSION, Phase, TrainingCancelled, read_model_card
from game.errors import UserFacingError
from tests.agents.driving.tiny_session import make_tiny_session

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    return make_tiny_session(tmp_path_factory.mktemp("rec") / "tiny")


def test_one_short_epoch_trains_and_writes_model_and_card(session, tmp_path):
    events = []
    out = tmp_path / "m.h5"
    config = TrainConfig((session,), "pilotnet", epochs=1, out_path=out, batch_size=32)
    result = train(config, progress=events.append)
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
    assert card["config"] == config.to_dict()  # the options the run was given, as one value
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
        config = TrainConfig((session,), "pilotnet", epochs=3, out_path=out, batch_size=16)
        train(config, progress=progress, cancel=cancel)
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
    # A learning rate too small to move the weights: what is saved is the start, so it must
    # be the base model's weights, not a fresh initialisation.
    result = train(TrainConfig((session,), epochs=1, out_path=out, batch_size=32,
                               initial_model=base, learning_rate=1e-9))  # fmt: skip
    assert result.card.details["fine_tuned_from"] == str(base) and out.exists()
    start = [w.numpy() for w in load_model_checked(base).weights]
    tuned = [w.numpy() for w in load_model_checked(out).weights]
    fresh = [w.numpy() for w in build_model("pilotnet").weights]
    assert max(float(np.abs(a - b).max()) for a, b in zip(start, tuned, strict=True)) < 1e-4
    assert max(float(np.abs(a - b).max()) for a, b in zip(start, fresh, strict=True)) > 1e-2


def test_a_narrow_network_records_its_recipe_and_can_be_fine_tuned(session, tmp_path):
    """A PilotNet built narrower (the default model's build may be) names its recipe in its
    card, so a fine-tune checks the weights against that recipe, not the paper's widths."""
    narrow = tmp_path / "narrow.h5"
    recipe = ConvNetRecipe(width=0.5)
    train(TrainConfig((session,), "pilotnet", epochs=1, out_path=narrow, batch_size=32,
                      network=recipe))  # fmt: skip
    card = read_card(narrow)
    assert network_from_card(card) == recipe and card["params"] < 252_219
    out = tmp_path / "tuned.h5"
    result = train(TrainConfig((session,), epochs=1, out_path=out, batch_size=32,
                               initial_model=narrow))  # fmt: skip
    assert result.card.details["fine_tuned_from"] == str(narrow) and out.exists()
    # Without the recipe the card names the paper's PilotNet, which these weights do not fit.
    card.pop("network")
    write_card(narrow, card)
    with pytest.raises(ModelFileError, match="do not fit the pilotnet architecture"):
        train(TrainConfig((session,), epochs=1, out_path=out, initial_model=narrow))


def test_a_card_with_a_broken_network_recipe_is_one_clear_line():
    with pytest.raises(UserFacingError, match='m.h5: "network.width" must be a number'):
        network_from_card({"network": {"width": "wide"}}, "m.h5")
    with pytest.raises(UserFacingError, match='m.h5: bad "network"'):
        network_from_card({"network": {"filters": "wide"}}, "m.h5")
    with pytest.raises(UserFacingError, match='m.h5: "network" must be a JSON object'):
        network_from_card({"network": [1, 2]}, "m.h5")
    assert network_from_card({}) is None


def test_cli_mirrored_strategy_trains_two_replicas_over_two_logical_cpus(session, tmp_path):
    """The CLI path itself: --cpu-devices 2 splits the CPU before TensorFlow starts and the
    card records how many replicas trained (a strategy built by the test could not fail)."""
    out = tmp_path / "mirrored.h5"
    proc = subprocess.run(
        [sys.executable, "main.py", "--home", str(tmp_path / "home"), "train-driver",
         "--data", str(session), "--scratch", "--epochs", "1", "--batch-size", "32",
         "--strategy", "mirrored", "--cpu-devices", "2", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    card = read_card(out)
    assert card["strategy"] == "mirrored" and card["replicas"] == 2
    assert [d.rsplit("/", 1)[-1] for d in card["devices"]] == ["device:CPU:0", "device:CPU:1"]
    assert np.isfinite(card["best_val_loss"])


def test_an_unknown_device_is_one_line_before_any_data_loads(tmp_path, capsys):
    from main import main

    # A folder that does not exist: checked after the devices, so its error must not show.
    code = main(["--home", str(tmp_path), "train-driver", "--data", str(tmp_path / "none"),
                 "--strategy", "mirrored", "--devices", "/cpu:0", "/cpu:7"])  # fmt: skip
    assert code == 2
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1
    assert "unknown device '/cpu:7'" in lines[0] and "/device:CPU:0" in lines[0]
    assert "recording session" not in lines[0]


@pytest.mark.parametrize("name", ["/cpu:0", "cpu:0", "CPU:0", "/device:CPU:0",
                                  "/job:localhost/replica:0/task:0/device:CPU:0"])  # fmt: skip
def test_device_spellings_name_the_same_device(name):
    assert check_devices([name]) == ["/device:CPU:0"]


@pytest.mark.parametrize("name", ["/gpu:9", "cpu", "/cpu:0:0", "tpu:0"])
def test_devices_that_do_not_exist_are_refused(name):
    with pytest.raises(UserFacingError, match="unknown device") as err:
        check_devices(["/cpu:0", name])
    assert repr(name) in str(err.value) and "/device:CPU:0" in str(err.value)
