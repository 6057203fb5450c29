"""The best-laps leaderboard: top laps per track, kept across restarts, broken files."""

from __future__ import annotations

import json

import pytest

from game.sessions.leaderboard import FILE_NAME, Leaderboard


def test_a_corrupt_leaderboard_starts_empty_with_a_message_and_is_set_aside(tmp_path):
    path = tmp_path / FILE_NAME
    notes: list[tuple[str, str]] = []
    texts = ("{not json", '{"tracks": {"Oval": [{"label": "x", "time_s": "fast"}]}}', "[]")
    for n, text in enumerate(texts, start=1):
        path.write_text(text)
        notes.clear()
        board = Leaderboard.load(path, notify=lambda t, k="info": notes.append((t, k)))
        assert board.tracks == {}
        assert len(notes) == 1 and notes[0][1] == "error" and str(path) in notes[0][0]
        assert board.add("Oval", "You", 40.0)
        board.save()  # the next lap writes a good file; the broken one is kept beside it
        assert Leaderboard.load(path).top("Oval")[0].time_s == 40.0
        assert (tmp_path / f"{FILE_NAME}.broken-{n}").read_text() == text  # none replaced


def test_one_bad_lap_drops_only_itself_and_the_file_is_kept_aside(tmp_path):
    path = tmp_path / FILE_NAME
    good = {"label": "You", "time_s": 41.5, "date": "2026-12-01"}
    data = {"version": 1, "tracks": {
        "Oval": [good, {"label": "m", "time_s": "fast", "date": "2026-12-01"}],
        "Kidney": [{**good, "time_s": 50.0}],
        "Ring": "not a list",
    }}  # fmt: skip
    path.write_text(json.dumps(data))
    notes: list[str] = []
    board = Leaderboard.load(path, notify=lambda t, k="info": notes.append(t))
    assert [lap.time_s for lap in board.top("Oval")] == [41.5]
    assert [lap.time_s for lap in board.top("Kidney")] == [50.0]
    (note,) = notes
    assert str(path) in note and "lap 2" in note and "'fast'" in note and '"Ring"' in note
    board.add("Oval", "Expert", 39.0)
    board.save()
    again = Leaderboard.load(path, notify=lambda t, k="info": notes.append(t))
    assert len(notes) == 1  # the saved file is good
    assert [lap.time_s for lap in again.top("Oval")] == [39.0, 41.5]
    assert [lap.time_s for lap in again.top("Kidney")] == [50.0]
    assert json.loads((tmp_path / f"{FILE_NAME}.broken-1").read_text()) == data


def test_a_save_merges_with_laps_another_game_saved_since_loading(tmp_path):
    path = tmp_path / FILE_NAME
    mine, theirs = Leaderboard.load(path), Leaderboard.load(path)
    theirs.add("Oval", "Them", 40.0)
    theirs.save()
    mine.add("Kidney", "Me", 50.0)
    mine.save()
    board = Leaderboard.load(path)
    assert board.top("Oval")[0].label == "Them" and board.top("Kidney")[0].label == "Me"
    assert mine.top("Oval")[0].label == "Them"  # the saving board now shows the merge too


def test_an_unwritable_board_raises_oserror_for_the_caller_to_report(tmp_path):
    path = tmp_path / "leaderboard-is-a-folder"
    path.mkdir()
    board = Leaderboard(path)
    board.add("Oval", "You", 40.0)
    with pytest.raises(OSError) as info:
        board.save()
    assert info.value.filename == str(path) and path.is_dir()  # named, and never moved
