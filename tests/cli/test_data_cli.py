"""`import-data`, `export-data` and export-model's argument checks, run as a user would."""

from __future__ import annotations

import io
import json

import numpy as np
from PIL import Image

from agents.driving.recording_reader import list_sessions, load_session
from main import main


def udacity_folder(folder, rows: int = 12):
    (folder / "IMG").mkdir(parents=True)
    lines = []
    for i in range(rows):
        buf = io.BytesIO()
        Image.new("RGB", (320, 160), (10 * i, 90, 90)).save(buf, format="JPEG")
        (folder / "IMG" / f"center_{i}.jpg").write_bytes(buf.getvalue())
        lines.append(f"IMG/center_{i}.jpg,,,{(i - 6) / 10},0.5,0,20")
    lines.insert(3, "IMG/center_0.jpg,,,straight,0.5,0,20")  # one bad row, line 4
    (folder / "driving_log.csv").write_text("\n".join(lines) + "\n")
    return folder


def test_import_data_writes_a_session_the_train_screen_lists(tmp_path, capsys):
    src = udacity_folder(tmp_path / "sim")
    home = tmp_path / "home"
    assert main(["--home", str(home), "import-data", str(src), "--name", "my-sim"]) == 0
    out, err = capsys.readouterr()
    assert "imported 12 frames" in out and "1 records skipped" in out
    assert "skipped: driving_log.csv line 4: steering 'straight' is not a number" in err
    (summary,) = list_sessions(home / "recordings")
    assert summary.error is None and summary.frames == 12 and summary.track == "my-sim"
    session = load_session(summary.path)
    np.testing.assert_allclose(session.columns["steering"], (np.arange(12) - 6) / 10, atol=1e-6)
    meta = json.loads((summary.path / "meta.json").read_text())
    assert meta["imported"]["format"] == "udacity" and meta["imported"]["skipped"] == 1


def test_import_data_of_a_folder_that_is_neither_format_is_one_error_line(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["--home", str(tmp_path / "home"), "import-data", str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "neither a Udacity" in err[0]


def test_a_bad_crop_box_is_one_error_line(tmp_path, capsys):
    src = udacity_folder(tmp_path / "sim")
    code = main(["--home", str(tmp_path / "home"), "import-data", str(src), "--crop", "5,5,1,1"])
    assert code == 2
    assert "--crop" in capsys.readouterr().err


def test_export_data_then_import_data_round_trips(tmp_path, capsys):
    src = udacity_folder(tmp_path / "sim")
    home = tmp_path / "home"
    main(["--home", str(home), "import-data", str(src), "--out", str(tmp_path / "s1")])
    for fmt in ("udacity", "donkey"):
        out = tmp_path / f"out-{fmt}"
        assert main(["export-data", str(tmp_path / "s1"), "--format", fmt, "--out", str(out)]) == 0
        back = tmp_path / f"back-{fmt}"
        assert main(["--home", str(home), "import-data", str(out), "--out", str(back)]) == 0
        steering = load_session(back).columns["steering"]
        np.testing.assert_allclose(steering, (np.arange(12) - 6) / 10, atol=1e-6)
    assert main(["export-data", str(tmp_path / "s1"), "--format", "donkey", "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_export_model_refuses_a_missing_model_and_quantized_donkey(tmp_path, capsys):
    assert main(["export-model", str(tmp_path / "none.h5")]) == 2
    assert "no such model file" in capsys.readouterr().err
    args = ["export-model", "models/pilotnet.h5", "--format", "donkey", "--quantize", "int8"]
    assert main(args) == 2
    assert "--quantize is for --format tflite" in capsys.readouterr().err
