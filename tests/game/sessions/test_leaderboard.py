"""The best-laps leaderboard: top laps per track, kept across restarts, broken files."""

from __future__ import annotations

from game.sessions.leaderboard import FILE_NAME, Leaderboard


def test_a_corrupt_leaderboard_starts_empty_with_a_message(tmp_path):
    path = tmp_path / FILE_NAME
    notes: list[tuple[str, str]] = []
    for text in ("{not json", '{"tracks": {"Oval": [{"label": "x", "time_s": "fast"}]}}', "[]"):
        path.write_text(text)
        notes.clear()
        board = Leaderboard.load(path, notify=lambda t, k="info": notes.append((t, k)))
        assert board.tracks == {}
        assert len(notes) == 1 and notes[0][1] == "error" and str(path) in notes[0][0]
        assert board.add("Oval", "You", 40.0)
        board.save()  # the next lap writes a good file over the broken one
        assert Leaderboard.load(path).top("Oval")[0].time_s == 40.0


def test_the_leaderboard_keeps_the_ten_best_laps_per_track(tmp_path):
    board = Leaderboard(tmp_path / FILE_NAME)
    for i in range(12):
        board.add("Oval", f"m{i}", 50.0 - i, date="2026-11-30")
    assert not board.add("Oval", "slow", 99.0)
    board.add("Ring", "You", 30.0)
    board.save()
    loaded = Leaderboard.load(tmp_path / FILE_NAME)
    assert [x.label for x in loaded.top("Oval")] == [f"m{i}" for i in range(11, 1, -1)]
    assert loaded.top("Oval", 3)[0].time_s == 39.0 and loaded.top("Ring")[0].label == "You"
