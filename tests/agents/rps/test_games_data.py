"""Saved games and data.txt import/export (agents/rps/games.py)."""

import pytest

from agents.rps import games
from agents.rps.games import (
    HEADER,
    GameRecorder,
    export_data_txt,
    games_path,
    human_sequences,
    import_data_txt,
    load_games,
    parse_data_txt,
    training_sequences,
)
from game.errors import UserFacingError
from game.paths import user_dir


def record(opponent, moves, session=None):
    with GameRecorder(opponent, session=session) as rec:
        for human, ai in moves:
            rec.record(human, ai)
        return rec.session


def test_recorder_appends_rows_with_header():
    sid = record("iocaine", [(0, 1), (2, 1), (1, 1)])
    path = games_path()
    assert path.parent == user_dir("rps")
    lines = path.read_text().splitlines()
    assert lines[0] == HEADER
    assert len(lines) == 4
    rounds, problems = load_games()
    assert problems == []
    assert [(r.human, r.ai, r.outcome) for r in rounds] == [(0, 1, -1), (2, 1, 1), (1, 1, 0)]
    assert {r.session for r in rounds} == {sid}
    assert [r.round for r in rounds] == [0, 1, 2]
    assert rounds[0].opponent == "iocaine" and rounds[0].time


def test_each_round_is_on_disk_before_the_next(tmp_path):
    path = tmp_path / "g.csv"
    rec = GameRecorder("markov", path=path)
    rec.record(0, 0)
    # Read while the recorder is still open, as a crash would leave it.
    assert len(load_games(path)[0]) == 1
    rec.record(1, 0)
    assert len(load_games(path)[0]) == 2
    rec.close()


def test_sessions_append_to_the_same_file():
    a = record("rock", [(1, 0), (1, 0)])
    b = record("lstm", [(2, 2)])
    rounds, _ = load_games()
    assert human_sequences(rounds) == [[1, 1], [2]]
    assert games.sessions(rounds).keys() == {a, b}
    assert games_path().read_text().count(HEADER) == 1


def test_truncated_last_line_is_reported_and_the_rest_kept():
    record("rock", [(0, 1), (1, 2), (2, 0)])
    path = games_path()
    text = path.read_text()
    path.write_text(text[:-6])  # crash in the middle of writing the last row
    rounds, problems = load_games()
    assert len(rounds) == 2
    assert len(problems) == 1
    assert problems[0].line == 4
    assert "truncated" in problems[0].message
    assert str(path) in str(problems[0])
    # The next session starts on a fresh line; the torn row stays reported, nothing is lost.
    record("rock", [(1, 1)])
    rounds, problems = load_games()
    assert [(r.human, r.ai) for r in rounds] == [(0, 1), (1, 2), (1, 1)]
    assert [p.line for p in problems] == [4]


def test_malformed_middle_lines_are_reported_with_line_numbers():
    record("rock", [(0, 1), (1, 2), (2, 0)])
    path = games_path()
    lines = path.read_text().splitlines()
    lines[2] = lines[2].replace(",1,2,", ",1,7,")  # ai move 7
    lines.insert(3, "garbage")
    path.write_text("\n".join(lines) + "\n")
    rounds, problems = load_games()
    assert len(rounds) == 2
    assert [p.line for p in problems] == [3, 4]
    assert "ai move must be 0, 1 or 2" in problems[0].message
    assert "expected 8 fields" in problems[1].message


def test_wrong_outcome_is_caught():
    record("rock", [(0, 1)])
    path = games_path()
    path.write_text(path.read_text().replace(",-1,\n", ",1,\n"))
    rounds, problems = load_games()
    assert rounds == [] and "does not match" in problems[0].message


def test_missing_games_file_is_empty():
    assert load_games() == ([], [])


def test_parse_data_txt(tmp_path):
    path = tmp_path / "data.txt"
    path.write_bytes(b"0120\r\n\n1x2\n2221\n01 2\n\xff00\n  11  \n")
    seqs, problems = parse_data_txt(path)
    assert seqs == [[0, 1, 2, 0], [2, 2, 2, 1], [1, 1]]
    assert [p.line for p in problems] == [3, 5, 6]
    assert "'x' at column 2" in problems[0].message
    assert str(problems[0]).startswith(f"{path}:3:")


def test_parse_data_txt_missing_file(tmp_path):
    with pytest.raises(UserFacingError, match="cannot read"):
        parse_data_txt(tmp_path / "nope.txt")


def test_import_then_export_round_trip(tmp_path):
    src = tmp_path / "data.txt"
    src.write_text("0011\nbad\n2102\n")
    count, problems = import_data_txt(src)
    assert count == 2 and [p.line for p in problems] == [2]
    record("lstm", [(1, 0), (0, 0)])
    seqs, problems = training_sequences()
    assert seqs == [[1, 0], [0, 0, 1, 1], [2, 1, 0, 2]]
    assert problems == []
    out = tmp_path / "export.txt"
    count, _ = export_data_txt(out)
    assert count == 3
    assert out.read_text() == "10\n0011\n2102\n"
    assert out.stat().st_mode & 0o777 == 0o644  # readable, not mkstemp's private 0o600
    assert parse_data_txt(out) == (seqs, [])
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


def test_export_to_a_missing_folder_or_a_folder_is_an_error(tmp_path):
    src = tmp_path / "data.txt"
    src.write_text("01\n")
    import_data_txt(src)
    with pytest.raises(UserFacingError, match=r"typo: no such folder"):
        export_data_txt(tmp_path / "typo" / "export.txt")
    assert not (tmp_path / "typo").exists()  # no folder made behind the person's back
    with pytest.raises(UserFacingError, match="is a folder"):
        export_data_txt(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.txt", "home"]  # no stray .tmp


def test_import_appends(tmp_path):
    src = tmp_path / "data.txt"
    src.write_text("01\n")
    import_data_txt(src)
    import_data_txt(src)
    assert training_sequences()[0] == [[0, 1], [0, 1]]


def test_import_with_no_good_lines_is_an_error(tmp_path):
    src = tmp_path / "data.txt"
    src.write_text("abc\n")
    with pytest.raises(UserFacingError, match=r"data.txt:1: unexpected character 'a'"):
        import_data_txt(src)


def test_export_without_games_is_an_error(tmp_path):
    with pytest.raises(UserFacingError, match="no saved games"):
        export_data_txt(tmp_path / "out.txt")
    assert not (tmp_path / "out.txt").exists()


def test_recorder_rejects_bad_moves():
    with GameRecorder("rock") as rec, pytest.raises(ValueError):
        rec.record(3, 0)


def test_games_saved_before_levels_still_load_and_take_new_rows():
    path = games_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "time,session,opponent,round,human,ai,outcome\n"
        "2025-01-01T12:00:00.000+00:00,old-1,lstm,0,1,2,-1\n"
        "2025-01-01T12:00:01.000+00:00,old-1,lstm,1,0,2,1\n"
    )
    with GameRecorder("novice", level="novice") as rec:
        rec.record(human=2, ai=1)
    rounds, problems = load_games()
    assert problems == []
    old = [(r.session, r.human, r.level) for r in rounds[:2]]
    assert old == [("old-1", 1, ""), ("old-1", 0, "")]
    assert rounds[2].level == "novice" and rounds[2].outcome == 1
