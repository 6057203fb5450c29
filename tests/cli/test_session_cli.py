"""`main.py session show|trim|restore|mirror|predict`: what the Studio does, from a shell;
bad input is one `error:` line and exit status 2."""

from __future__ import annotations

import json

import pytest

from agents.driving.session_edits import EDITS_NAME
from main import main
from tests.agents.driving.studio_session import make_studio_session


@pytest.fixture
def session(tmp_path):
    return make_studio_session(tmp_path / "rec", rows=30, views=True)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_show_trim_restore_mirror(capsys, session):
    code, out, _ = run(capsys, "session", "show", str(session))
    assert code == 0
    assert "rows      30 of 30" in out and "sources   human 20  recovery 10" in out
    assert "deleted   0 rows: none" in out
    code, out, _ = run(capsys, "session", "trim", str(session), "--from", "3", "--to", "9")
    assert code == 0 and "deleted   6 rows: [3, 9)" in out and "trains on 24 rows" in out
    code, out, _ = run(capsys, "session", "mirror", str(session), "--from", "20", "--to", "30")
    assert code == 0 and "mirrored  10 rows: [20, 30)" in out
    code, out, _ = run(capsys, "session", "restore", str(session), "--from", "5", "--to", "7")
    assert code == 0 and "deleted   4 rows: [3, 5), [7, 9)" in out
    code, out, _ = run(capsys, "session", "show", str(session), "--json")
    data = json.loads(out)
    assert data["deleted"] == [[3, 5], [7, 9]] and data["mirrored"] == [[20, 30]]
    assert data["deleted_rows"] == 4 and data["sources"] == {"human": 20, "recovery": 10}
    code, out, _ = run(capsys, "session", "restore", str(session), "--all")
    assert code == 0 and "deleted   0 rows" in out


def test_a_session_by_name_in_the_recordings(capsys, tmp_path):
    from game.paths import user_dir

    make_studio_session(user_dir("recordings") / "mine", rows=5)
    code, out, _ = run(capsys, "session", "show", "mine")
    assert code == 0 and "rows      5 of 5" in out


def one_error(capsys, *argv) -> str:
    code, out, err = run(capsys, *argv)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def test_bad_input_is_one_error_line(capsys, session, tmp_path):
    line = one_error(capsys, "session", "show", str(tmp_path / "nope"))
    assert "no such recording session" in line
    line = one_error(capsys, "session", "trim", str(session), "--from", "10", "--to", "31")
    assert "rows [10, 31) are not a range" in line and str(session) in line
    line = one_error(capsys, "session", "trim", str(session), "--from", "5", "--to", "5")
    assert "not a range" in line
    assert "--all" in one_error(capsys, "session", "restore", str(session))
    assert not (session / EDITS_NAME).exists()  # nothing was written by the refusals
    (session / EDITS_NAME).write_text("[1, 2]")
    assert EDITS_NAME in one_error(capsys, "session", "show", str(session))
    (session / EDITS_NAME).unlink()
    meta = session / "meta.json"
    good_meta = meta.read_text()
    meta.write_text("{broken")
    assert "meta.json" in one_error(capsys, "session", "show", str(session))
    meta.write_text(good_meta)
    log = session / "log.csv"
    log.write_text("frame,nothing\n")
    line = one_error(capsys, "session", "trim", str(session), "--from", "0", "--to", "1")
    assert "log.csv line 1: header lacks the 'steering' column" in line


def test_predict_prints_the_open_loop_error(capsys, session, tmp_path):
    from tests.agents.driving.test_open_loop import save_tiny

    model = save_tiny(tmp_path / "tiny.h5")
    run(capsys, "session", "trim", str(session), "--from", "0", "--to", "6")
    code, out, _ = run(capsys, "session", "predict", str(session), "--model", str(model),
                       "--from", "10", "--to", "20", "--json")  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["whole"]["rows"] == 24 and data["range"]["rows"] == 10
    assert data["deleted_rows_left_out"] == 6
    assert {k: v["rows"] for k, v in data["by_source"].items()} == {"human": 16, "recovery": 8}
    assert 0 <= data["range"]["mean_abs_error"] <= data["range"]["p95_abs_error"] <= 2
    code, out, _ = run(capsys, "session", "predict", str(session), "--model", str(model))
    assert code == 0 and "mean |error|" in out and "(24 rows)" in out
    line = one_error(capsys, "session", "predict", str(session), "--model", "no-such-model")
    assert "no model named 'no-such-model'" in line
