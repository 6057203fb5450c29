"""`train-driver` and the Train screen share one set of defaults (agents.training): a
fine-tune of the shipped model, one pass, within a minute; --epochs N and --scratch still work."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

import main as cli_main
from agents.driving import train as train_mod
from agents.training import FINE_TUNE_EPOCHS, FINE_TUNE_TIME_LIMIT_S, SCRATCH_EPOCHS
from cli import pilotnet
from game.sessions.training import DEFAULT_EPOCHS, TrainScreenState


@pytest.fixture
def calls(monkeypatch, tmp_path) -> list[dict]:
    """train() replaced by a recorder of its config's options (no TensorFlow, no data)."""
    seen: list[dict] = []

    def fake_train(config, **hooks):
        seen.append(vars(config))
        card = SimpleNamespace(best_epoch=1, details={"frames": {"total": 10}})
        return SimpleNamespace(model_path=config.out_path, best_val_loss=0.01, epochs_run=1,
                               skipped=[], seconds=1.0, card=card)  # fmt: skip

    monkeypatch.setattr(train_mod, "train", fake_train)
    return seen


def _run(tmp_path: Path, *extra: str) -> int:
    return cli_main.main(["--home", str(tmp_path), "train-driver", "--data", str(tmp_path),
                          "--out", str(tmp_path / "m.h5"), *extra])  # fmt: skip


def test_without_epochs_it_fine_tunes_the_shipped_model_as_the_train_screen(calls, tmp_path):
    assert _run(tmp_path) == 0
    kw = calls[-1]
    assert kw["initial_model"] is not None and Path(kw["initial_model"]).name == "pilotnet.h5"
    assert kw["epochs"] == FINE_TUNE_EPOCHS == 1
    assert kw["time_limit_s"] == FINE_TUNE_TIME_LIMIT_S == 60.0
    # The Train screen starts from the same model with the same pass count.
    screen = TrainScreenState()
    assert screen.start_from == Path(kw["initial_model"]) and screen.epochs == kw["epochs"]


def test_epochs_and_scratch_still_work(calls, tmp_path):
    assert _run(tmp_path, "--epochs", "4") == 0
    assert calls[-1]["epochs"] == 4 and calls[-1]["time_limit_s"] is None
    assert calls[-1]["initial_model"] is not None
    assert _run(tmp_path, "--scratch") == 0
    assert calls[-1]["initial_model"] is None and calls[-1]["time_limit_s"] is None
    assert calls[-1]["epochs"] == SCRATCH_EPOCHS == DEFAULT_EPOCHS  # the screen's scratch runs
    assert _run(tmp_path, "--time-limit", "30") == 0
    assert calls[-1]["epochs"] == FINE_TUNE_EPOCHS and calls[-1]["time_limit_s"] == 30.0


def test_the_help_gives_the_defaults(capsys):
    with pytest.raises(SystemExit):
        cli_main.main(["train-driver", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "fine-tune the shipped model for 1 pass, stopping within 60 s" in text
    assert "1 when fine-tuning, 10 with --scratch" in text


def test_schedule_reads_the_shared_constants():
    assert pilotnet.schedule(True, None, None) == (FINE_TUNE_EPOCHS, FINE_TUNE_TIME_LIMIT_S)
    assert pilotnet.schedule(False, None, None) == (SCRATCH_EPOCHS, None)
    assert pilotnet.schedule(True, 3, None) == (3, None)
