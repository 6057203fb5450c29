"""The model list meets odd files: a FIFO or a link to a device named *.h5 is refused without
hanging, a card-less RPS model is not offered as a driving one, and a linked user model is the
user's to rename."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from agents import modelio
from agents.driving import registry
from agents.driving.model_catalog import available_models
from game.paths import shipped_models_dir, user_dir
from main import main
from tests.fifo import FifoRescuer, needs_fifo


@needs_fifo
def test_a_fifo_named_like_a_model_is_listed_as_unreadable_not_waited_on(capsys):
    fifo = user_dir("models") / "pipe.h5"
    os.mkfifo(fifo)
    with FifoRescuer(fifo) as rescuer:
        (info,) = [m for m in registry.list_models() if m.name == "pipe"]
        with pytest.raises(modelio.ModelFileError, match="not a regular file"):
            modelio.load_model_checked(fifo)
        assert main(["models"]) == 0
    assert not rescuer.rescued
    assert info.sha256 is None and "not a regular file" in info.problem
    assert str(fifo) in info.problem
    assert "pipe" in capsys.readouterr().out


def test_a_link_to_an_endless_device_is_never_hashed():
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    link = user_dir("models") / "zero.h5"
    link.symlink_to("/dev/zero")
    with pytest.raises(OSError, match="not a regular file"):
        modelio.file_stamp(link)  # reading it would never end
    (info,) = [m for m in registry.list_models() if m.name == "zero"]
    assert info.sha256 is None and "not a regular file" in info.problem


def test_a_card_less_rps_model_is_not_offered_for_driving():
    models = user_dir("models")
    shutil.copy(shipped_models_dir() / "rps_lstm.h5", models / "rps_lstm.h5")  # no card
    shutil.copy(shipped_models_dir() / "pilotnet.h5", models / "bare.h5")  # no card either
    names = [e.name for e in available_models() if not e.shipped]
    assert names == ["bare"]


def test_a_linked_user_model_can_be_renamed_and_deleted(tmp_path):
    elsewhere = tmp_path / "elsewhere.h5"
    elsewhere.write_bytes(b"h5")
    link = user_dir("models") / "linked.h5"
    link.symlink_to(elsewhere)
    renamed = registry.rename_model(link, "mine")
    assert renamed.is_symlink() and renamed.resolve() == elsewhere.resolve()
    registry.delete_model(renamed)
    assert not renamed.exists() and elsewhere.exists()  # the link goes, its target stays


def test_a_stale_name_claim_is_cleaned_and_a_live_one_is_kept():
    models = user_dir("models")
    old, live = models / ".a-2026.claim", models / ".b-2026.claim"
    old.touch()
    live.touch()
    past = time.time() - 2 * modelio.STALE_AFTER_S
    os.utime(old, (past, past))
    assert modelio.remove_stale_temporaries(models) == [old]
    assert live.exists()
