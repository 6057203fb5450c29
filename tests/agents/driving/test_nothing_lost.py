"""Nothing lost: a model, its card and its training log are replaced only together and only
by a finished, finite run; killed runs' temporaries are cleaned; failed saves name the file;
frames that fail to decode are skipped, reported with file and line, and the rest train."""

from __future__ import annotations

import errno
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from agents import modelio
from agents.driving.cnn_driver import load_driving_model
from agents.driving.dataset import drop_undecodable, load_frames, summarize_problems
from agents.driving.preprocess import spec_for
from agents.modelio import (
    ModelFileError,
    card_path,
    is_temporary_name,
    partial_path,
    read_card,
    remove_stale_temporaries,
    save_model_atomic,
    save_model_with_card,
    write_card,
)
from game.errors import UserFacingError
from tests.agents.driving.tiny_session import make_tiny_session

ENOSPC = OSError(errno.ENOSPC, "No space left on device")  # h5py-style: names no file


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if is_temporary_name(p.name))


def tiny_model():
    import keras

    inputs = keras.Input((4,))
    return keras.Model(inputs, keras.layers.Dense(1)(inputs))


# --- stale temporaries ----------------------------------------------------------------------


def test_remove_stale_temporaries_deletes_only_our_old_temporaries(tmp_path):
    old = time.time() - 3600
    ours = [
        partial_path(tmp_path / "pilotnet.h5", ".h5"),  # a killed training's checkpoint
        partial_path(tmp_path / "pilotnet.training.csv"),
        partial_path(tmp_path / "pilotnet.card.json"),
        partial_path(tmp_path / "rps_lstm.h5", ".weights.h5"),
        tmp_path / "pilotnet.ab12cd34.tmp.h5",  # save_model_atomic, earlier versions
        tmp_path / ".pilotnet.card.json.x1y2z3w4.tmp",  # fileio.atomic_write_bytes
    ]
    young = partial_path(tmp_path / "running.h5", ".h5")  # a training running right now
    users = [tmp_path / n for n in ("pilotnet.h5", "my.backup01.h5", "pilotnet.training.csv")]
    for p in [*ours, young, *users]:
        p.write_bytes(b"x" * 100)
    for p in [*ours, *users]:
        os.utime(p, (old, old))
    outside = tmp_path.parent / f"{tmp_path.name}-outside.h5"
    outside.write_bytes(b"not ours")
    link = tmp_path / ".evil.h5.abcdefgh.partial.h5"
    link.symlink_to(outside)
    folder = tmp_path / ".dir.h5.abcdefgh.partial.h5"
    folder.mkdir()

    removed = remove_stale_temporaries(tmp_path)
    assert sorted(removed) == sorted(ours)
    assert all(p.exists() for p in [young, *users, outside, folder]) and link.is_symlink()
    assert remove_stale_temporaries(tmp_path / "missing") == []


def test_temporary_names_are_never_listed_as_models(tmp_path, monkeypatch):
    from agents.driving import model_catalog

    monkeypatch.setattr(model_catalog, "user_dir", lambda name: tmp_path)
    save_model_atomic(tiny_model(), tmp_path / "mine.h5")
    partial_path(tmp_path / "mine.h5", ".h5").write_bytes(b"half")
    assert [m.path.name for m in model_catalog.available_models() if not m.shipped] == ["mine.h5"]


# --- model + card as a pair -------------------------------------------------------------------


def test_a_crash_between_card_and_model_is_detected_on_load(tmp_path, monkeypatch):
    path = tmp_path / "m.h5"
    save_model_with_card(tiny_model(), path, {"version": 1})
    assert read_card(path)["version"] == 1 and read_card(path)["model_file"]["bytes"] > 0
    old_model = path.read_bytes()

    real_replace = os.replace

    def killed_after_the_card(src, dst):
        if Path(dst) == path:  # the model's replace, after the card's: the process dies here
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", killed_after_the_card)
    import keras

    keras.utils.set_random_seed(5)
    with pytest.raises(KeyboardInterrupt):
        save_model_with_card(tiny_model(), path, {"version": 2})
    monkeypatch.undo()
    assert path.read_bytes() == old_model and leftovers(tmp_path) == []
    with pytest.raises(ModelFileError, match=r"m\.card\.json: this card was written for another"):
        read_card(path)
    with pytest.raises(ModelFileError, match="another version"):
        load_driving_model(path)


def test_disk_full_while_saving_names_the_file_and_keeps_the_old_pair(tmp_path, monkeypatch):
    path = tmp_path / "m.h5"
    save_model_with_card(tiny_model(), path, {"version": 1})
    before = (path.read_bytes(), card_path(path).read_bytes())

    class FullDisk:
        def save(self, p):
            Path(p).write_bytes(b"half a model")
            raise ENOSPC

    with pytest.raises(OSError) as err:
        save_model_with_card(FullDisk(), path, {"version": 2})
    assert err.value.filename == str(path) and err.value.errno == errno.ENOSPC

    def full_fsync(fd):
        raise ENOSPC

    monkeypatch.setattr(modelio.os, "fsync", full_fsync)
    with pytest.raises(OSError) as err:
        save_model_with_card(tiny_model(), path, {"version": 2})
    assert err.value.filename == str(card_path(path))
    assert (path.read_bytes(), card_path(path).read_bytes()) == before
    assert read_card(path)["version"] == 1 and leftovers(tmp_path) == []


# --- training -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> Path:
    return make_tiny_session(tmp_path_factory.mktemp("rec") / "tiny", rate_hz=1.0)


def corrupt(frame: Path, how: str) -> None:
    data = frame.read_bytes()
    if how == "truncated":
        frame.write_bytes(data[: len(data) // 2])
    else:  # a valid signature and IHDR chunk, then junk
        frame.write_bytes(data[:33] + os.urandom(len(data) - 33))


def frame_line(session: Path, frame: Path) -> int:
    lines = (session / "log.csv").read_text().splitlines()
    rel = f"frames/{frame.name}"
    return next(i for i, line in enumerate(lines, start=1) if line.startswith(rel + ","))


def test_frames_that_fail_to_decode_are_skipped_and_reported(session, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(session, copy)
    spec = spec_for("pilotnet")
    table = load_frames([copy], spec)  # read before the damage: only the decode check sees it
    frames = sorted((copy / "frames").glob("*.png"))
    corrupt(frames[3], "truncated")
    corrupt(frames[10], "junk")
    checked = drop_undecodable(table, spec)
    assert len(checked) == len(table) - 2
    assert str(frames[3]) not in checked.paths and str(frames[10]) not in checked.paths
    problems = checked.problems[-2:]
    for frame, problem in zip((frames[3], frames[10]), problems, strict=True):
        assert problem.startswith(f"{copy}: log.csv line {frame_line(copy, frame)}: ")
        assert f"frames/{frame.name}: cannot decode" in problem
    assert checked.sessions[0]["skipped"] == table.sessions[0]["skipped"] + 2


def test_skipped_rows_summary_lists_the_first_five_and_how_many_more(capsys):
    problems = [f"/rec/s: log.csv line {n}: missing image frames/{n:06d}.png" for n in range(2, 9)]
    lines = summarize_problems(problems)
    assert lines[0] == "skipped 7 bad rows:" and lines[-1] == "  and 2 more"
    assert lines[1:6] == [f"  {p}" for p in problems[:5]]
    assert summarize_problems([]) == []

    from agents.training import report_data
    from cli.pilotnet import print_data_event

    report_data(print_data_event, "7 frames", problems)
    err = capsys.readouterr().err
    assert "skipped 7 bad rows" in err and "log.csv line 2" in err and "and 2 more" in err


def test_train_screen_lists_skipped_rows():
    from game.app import App
    from game.scenes.train import SKIPPED_SHOWN, TrainScene

    app = App(headless=True)
    try:
        app.push("menu")
        scene = app.push("train")
        assert isinstance(scene, TrainScene)
        problems = [f"/rec/s1: log.csv line {n}: bad number 'x' for steering" for n in range(2, 9)]
        from agents.training import report_data
        from game.sessions.training import TrainingRun

        scene.state.run = TrainingRun()
        report_data(scene.state.run.on_event, "100 frames", problems)
        lines = scene.skipped_lines()
        assert lines[0] == "s1: log.csv line 2: bad number 'x' for steering"
        assert len(lines) == SKIPPED_SHOWN + 1 and lines[-1] == f"and {7 - SKIPPED_SHOWN} more"
        assert app.run_frames(3) == 3  # the panel draws
    finally:
        app.close()


def test_training_replaces_model_card_and_log_together_or_not_at_all(
    session, tmp_path, monkeypatch
):
    import keras

    from agents.driving import train as train_mod
    from agents.driving.train import TrainConfig

    out = tmp_path / "m.h5"
    log = tmp_path / "m.training.csv"
    log.write_text("the previous run's log\n")
    copy = tmp_path / "rec"
    shutil.copytree(session, copy)
    bad = sorted((copy / "frames").glob("*.png"))[5:7]
    corrupt(bad[0], "junk")
    corrupt(bad[1], "truncated")

    # 1. A finished run: model, card (stamped with the model's hash) and log are all new; the
    # broken frames are left out and reported with their log.csv lines.
    config = TrainConfig((copy,), "pilotnet", epochs=1, out_path=out, batch_size=32)
    result = train_mod.train(config)
    assert result.model_path == out and log.read_text().startswith("epoch,")
    for frame in bad:
        line = f"log.csv line {frame_line(copy, frame)}: frames/{frame.name}"
        assert any(line in p for p in result.skipped), result.skipped
    card = read_card(out)  # verifies the stamp
    assert card["model_file"] == modelio.file_stamp(out) and card["skipped_rows"] >= 1
    assert leftovers(tmp_path) == []
    good = (out.read_bytes(), card_path(out).read_bytes(), log.read_bytes())

    # 2. A fine-tune whose loss turns NaN never replaces the good model.
    model = keras.models.clone_model(load_driving_model(out)[0])
    model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
    nan_model = save_model_atomic(model, tmp_path / "nan.h5")
    write_card(nan_model, {"architecture": "pilotnet", "input": card["input"]})
    with pytest.raises(UserFacingError, match="NaN") as err:
        train_mod.train(TrainConfig((copy,), epochs=2, out_path=out, batch_size=32,
                                    initial_model=nan_model))  # fmt: skip
    assert str(out) in str(err.value)
    assert (out.read_bytes(), card_path(out).read_bytes(), log.read_bytes()) == good

    # 3. A full disk (here: creating the new log): one line naming the file; all stays.
    from agents import training

    real_partial = training.partial_path

    def full_disk(target, ext=None):
        if str(target).endswith(".csv"):
            raise ENOSPC
        return real_partial(target, ext)

    monkeypatch.setattr(training, "partial_path", full_disk)
    with pytest.raises(UserFacingError, match="No space left on device") as err:
        train_mod.train(TrainConfig((copy,), "pilotnet", epochs=1, out_path=out, batch_size=32))
    assert str(err.value).startswith(f"{out}: cannot save")
    assert (out.read_bytes(), card_path(out).read_bytes(), log.read_bytes()) == good
    assert leftovers(tmp_path) == []


def test_rps_training_with_nan_loss_keeps_the_old_model(tmp_path, monkeypatch):
    from agents.rps import lstm_train
    from agents.rps.lstm_models import lstm_joint

    rng = np.random.default_rng(0)
    games = [(rng.integers(3, size=60).tolist(), rng.integers(3, size=60).tolist())] * 3
    out = tmp_path / "rps.h5"
    save_model_with_card(lstm_joint(units=4), out, {"model": "lstm_joint"})
    before = (out.read_bytes(), card_path(out).read_bytes())

    def nan_lstm():
        model = lstm_joint(units=4)
        model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
        return model

    monkeypatch.setattr(lstm_train, "lstm_joint", nan_lstm)
    with pytest.raises(UserFacingError, match=r"NaN.*rps\.h5 was not replaced"):
        lstm_train.train_joint(games, out, epochs=2)
    assert (out.read_bytes(), card_path(out).read_bytes()) == before
    assert leftovers(tmp_path) == []
