"""TrainConfig: one frozen value for a training run's options (no TensorFlow here)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from agents.driving.train_config import Focus, TrainConfig
from agents.training import (
    EARLY_STOP_PATIENCE,
    FINE_TUNE_EPOCHS,
    FINE_TUNE_TIME_LIMIT_S,
    SCRATCH_EPOCHS,
)
from game.errors import UserFacingError


def test_the_two_starts_take_their_defaults_from_agents_training():
    tune = TrainConfig.fine_tune("models/base.h5", ["rec/a"], "out.h5")
    assert (tune.epochs, tune.time_limit_s) == (FINE_TUNE_EPOCHS, FINE_TUNE_TIME_LIMIT_S)
    assert tune.initial_model == Path("models/base.h5") and tune.fine_tuning
    assert tune.arch is None  # the model's own architecture
    new = TrainConfig.scratch(["rec/a"], "out.h5", arch="pooled")
    assert (new.epochs, new.time_limit_s, new.initial_model) == (SCRATCH_EPOCHS, None, None)
    assert new.arch == "pooled" and not new.fine_tuning and new.patience == EARLY_STOP_PATIENCE
    # A given option wins over the start's default.
    assert TrainConfig.fine_tune("b.h5", [], "o.h5", epochs=4).epochs == 4


def test_it_is_frozen_and_with_makes_a_changed_copy():
    base = TrainConfig(["rec/a", Path("rec/b")], out_path="m.h5", devices=["/cpu:0"])
    assert base.sessions == (Path("rec/a"), Path("rec/b")) and base.devices == ("/cpu:0",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        base.epochs = 3  # type: ignore[misc]
    variant = base.with_(epochs=3, flip_prob=0.5)
    assert (variant.epochs, variant.flip_prob) == (3, 0.5)
    assert (base.epochs, base.flip_prob) == (SCRATCH_EPOCHS, 0.0)  # the original is unchanged
    assert variant.with_(epochs=SCRATCH_EPOCHS, flip_prob=0.0) == base
    assert hash(variant) != hash(base)  # usable as a key (the lab's variants)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"epochs": 0}, "epochs must be at least 1, got 0"),
        ({"batch_size": 0}, "batch size must be at least 1, got 0"),
        ({"out_path": "model.keras"}, "model.keras: the model file must end in .h5"),
    ],
)
def test_a_bad_option_is_one_clear_error_also_through_with(changes, message):
    with pytest.raises(UserFacingError, match=message):
        TrainConfig(("s",), **changes)
    with pytest.raises(UserFacingError, match=message):
        TrainConfig(("s",)).with_(**changes)


def test_to_dict_is_json_with_every_option():
    focus = Focus((Path("rec/takeover"),), share=0.25, max_weight=20.0, max_other_frames=6000)
    config = TrainConfig.fine_tune(
        Path("models/base.h5"), [Path("rec/a")], Path("out.h5"), focus=focus,
        tensorboard_dir=Path("tb"), devices=("/cpu:0", "/cpu:1"),
    )  # fmt: skip
    d = json.loads(json.dumps(config.to_dict()))
    assert set(d) == {f.name for f in dataclasses.fields(TrainConfig)}
    assert d["sessions"] == ["rec/a"] and d["initial_model"] == "models/base.h5"
    assert d["out_path"] == "out.h5" and d["tensorboard_dir"] == "tb"
    assert d["devices"] == ["/cpu:0", "/cpu:1"] and d["time_limit_s"] == FINE_TUNE_TIME_LIMIT_S
    assert d["focus"] == {
        "sessions": ["rec/takeover"], "share": 0.25, "max_weight": 20.0,
        "max_other_frames": 6000,
    }  # fmt: skip
    assert TrainConfig(("s",)).to_dict()["focus"] is None
