"""Model files: atomic saves keep the old file, bad files give one clear line."""

import numpy as np
import pytest

from agents import modelio


def _tiny_model():
    import keras

    inp = keras.Input((4,))
    out = keras.layers.Dense(1)(inp)
    model = keras.Model(inp, out)
    model.compile(optimizer="adam", loss=keras.losses.MeanSquaredError())
    return model


def test_save_and_load_round_trip(tmp_path):
    model = _tiny_model()
    path = modelio.save_model_atomic(model, tmp_path / "m.h5")
    loaded = modelio.load_model_checked(path)
    x = np.ones((2, 4), np.float32)
    np.testing.assert_allclose(model(x).numpy(), loaded(x).numpy())
    assert not list(tmp_path.glob("*.tmp*")), "temporary files must not be left behind"


def test_failed_save_keeps_previous_model(tmp_path):
    path = tmp_path / "m.h5"
    modelio.save_model_atomic(_tiny_model(), path)
    before = path.read_bytes()

    class Exploding:
        def save(self, p):
            with open(p, "wb") as f:
                f.write(b"half a file")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        modelio.save_model_atomic(Exploding(), path)
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.tmp*"))


@pytest.mark.parametrize(
    "content, reason",
    [(None, "not found"), (b"", "empty"), (b"garbage bytes here", "not an HDF5")],
)
def test_bad_files_give_clear_errors(tmp_path, content, reason):
    path = tmp_path / "bad.h5"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(modelio.ModelFileError) as err:
        modelio.load_model_checked(path)
    assert reason in str(err.value) and "bad.h5" in str(err.value)


def test_truncated_h5_is_reported(tmp_path):
    path = modelio.save_model_atomic(_tiny_model(), tmp_path / "m.h5")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(modelio.ModelFileError, match="cannot load model"):
        modelio.load_model_checked(path)


def test_model_card_round_trip_and_broken_card(tmp_path):
    model_path = tmp_path / "m.h5"
    modelio.write_card(model_path, {"architecture": "pilotnet", "epochs": 3})
    assert modelio.card_path(model_path).name == "m.card.json"
    assert modelio.read_card(model_path)["epochs"] == 3
    modelio.card_path(model_path).write_text("{not json")
    with pytest.raises(modelio.ModelFileError, match="m.card.json"):
        modelio.read_card(model_path)
    assert modelio.read_card(tmp_path / "other.h5") == {}


def test_model_card_reads_both_schemas_and_round_trips(tmp_path):
    from agents.training import CARD_SCHEMA_VERSION, ModelCard, read_model_card

    old_rps = {"model": "lstm_joint", "architecture": "LSTM(48) ...", "epochs_run": 56,
               "best_epoch": 51, "val_loss": 0.6481, "val_accuracy": 0.7, "seed": 0}  # fmt: skip
    card = ModelCard.from_dict(old_rps)
    assert (card.kind, card.architecture, card.schema_version) == ("rps", "lstm_joint", 1)
    assert (card.epochs_run, card.best_epoch, card.best_val_loss) == (56, 51, 0.6481)
    assert card.details == {"description": "LSTM(48) ...", "val_accuracy": 0.7}
    old_driving = {"architecture": "pilotnet", "input": {"height": 66}, "epochs": {"best": 3}}
    card = ModelCard.from_dict(old_driving)
    assert (card.kind, card.best_epoch, card.details) == ("driving", 3, {"input": {"height": 66}})
    # Written as schema 2, read back equal; hand-edited odd values become None, not errors.
    new = ModelCard.from_dict({**card.to_dict(), "schema_version": CARD_SCHEMA_VERSION})
    modelio.write_card(tmp_path / "m.h5", new.to_dict())
    assert read_model_card(tmp_path / "m.h5") == new and new.schema_version == 2
    odd = ModelCard.from_dict({"architecture": 3, "epochs": "ten", "seed": True, "history": []})
    assert (odd.architecture, odd.epochs_run, odd.seed, odd.history) == ("", None, None, {})
    assert read_model_card(tmp_path / "none.h5") is None
