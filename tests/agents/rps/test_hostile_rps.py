"""Hostile RPS input: bad numbers on the command line, endless matches, huge or junk files.

Each case ends in a one-line message or a correct result, with memory that stays flat.
"""

from __future__ import annotations

import json
import threading
import tracemalloc

import pytest

from agents.rps import base, classic_bots, games, list_agents, make_agent
from agents.rps.base import MoveHistory
from agents.rps.games import import_data_txt, imported_path, load_games, parse_data_txt
from agents.rps.tournament import round_robin
from game.errors import UserFacingError
from game.sim.rps import Match, play_match, play_match_totals
from main import main

# --- command-line numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, message",
    [
        (["rps-match", "rock", "rotate", "--seed", "-1"], "--seed: must be at least 0, got -1"),
        (["rps-match", "rock", "rotate", "--seed", "1.5"], "--seed: must be a whole number"),
        (["rps-match", "rock", "rotate", "--rounds", "0"], "--rounds: must be at least 1"),
        (["rps-match", "rock", "rotate", "--rounds", "1e9"], "--rounds: must be a whole number"),
        (["rps-match", "rock", "rotate", "--rounds", "9" * 20], "--rounds: must be at most"),
        (["rps-tournament", "rock", "rotate", "--rounds", "-5"], "--rounds: must be at least 1"),
        (["rps-tournament", "rock", "rotate", "--seeds", "0"], "--seeds: must be at least 1"),
        (["rps-tournament", "rock", "rotate", "--seeds", "10001"], "--seeds: must be at most"),
    ],
)
def test_bad_numbers_are_one_error_line(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and message in errors[0]
    assert "Traceback" not in err


def test_unknown_agent_is_one_line_listing_the_known_ones(capsys):
    assert main(["rps-tournament", "rock", "nobody"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: unknown agent 'nobody'; known agents:")
    assert "\n" not in err
    assert all(a.name in err for a in list_agents())


# --- endless matches --------------------------------------------------------------------------


def test_streamed_match_keeps_only_totals_and_agents_keep_bounded_history():
    a, b = make_agent("beat-last", seed=0), make_agent("rotate", seed=1)
    match = Match(a, b, rounds=25_000, keep_history=False)
    match.play_rounds(25_000)
    assert match.done and match.played == 25_000
    assert match._a == [] and match._out == []  # no per-round lists
    assert match.wins + match.losses + match.draws == 25_000
    assert len(a.own) == 25_000 and len(a.own.kept) < 2 * base.HISTORY_KEEP
    with pytest.raises(RuntimeError, match="keeps no history"):
        match.result()
    # Same agents and seeds, the history-keeping runner: the same totals.
    full = play_match(make_agent("beat-last", seed=0), make_agent("rotate", seed=1), 25_000)
    assert match.totals().summary() == full.summary()


def test_streamed_match_memory_stays_flat():
    a, b = make_agent("beat-last", seed=0), make_agent("rotate", seed=1)
    match = Match(a, b, rounds=10**9, keep_history=False)
    match.play_rounds(2 * base.HISTORY_KEEP)  # histories reach their trimmed size
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        match.play_rounds(40_000)  # two trims of the agents' histories
        grown = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    assert match.played == 2 * base.HISTORY_KEEP + 40_000
    # Histories swing between HISTORY_KEEP and twice that (~0.4 MB); keeping every round
    # cost ~56 bytes a round (2.2 MB here) before streaming.
    assert grown < 1_000_000


def test_move_history_counts_everything_and_keeps_the_latest():
    h = MoveHistory(keep=4)
    assert not h and len(h) == 0
    for i in range(11):
        h.append(i % 3)
    assert len(h) == 11 and h
    assert h[-1] == 10 % 3 and h[10] == 1 and h[-2] == 9 % 3
    assert h[-3:] == [8 % 3, 9 % 3, 10 % 3]
    assert len(h.kept) >= 4
    with pytest.raises(IndexError, match="no longer kept"):
        h[0]
    with pytest.raises(IndexError, match="no longer kept"):
        h[:5]
    with pytest.raises(IndexError):
        list(h)  # iterating would silently skip the dropped moves


def test_trimmed_history_does_not_change_any_bots_play(monkeypatch):
    """Every registered non-LSTM agent plays a match long enough to trim its histories (the
    classic bots' own KEEP, the base agents' MoveHistory at 300) exactly as with histories
    that keep everything: trimming only ever drops what no rule looks at."""
    names = [a.name for a in list_agents() if a.kind != "lstm"]
    rounds = 1100  # past twice the classic bots' KEEP (500): their lists are trimmed

    def moves(trim: bool) -> tuple[dict[str, list[int]], int]:
        made: list[MoveHistory] = []

        def history(keep: int) -> MoveHistory:
            made.append(MoveHistory(keep=keep if trim else 10**9))
            return made[-1]

        with monkeypatch.context() as m:
            m.setattr(base, "MoveHistory", lambda keep=300: history(keep))
            m.setattr(classic_bots, "MoveHistory", history)
            out = {}
            for name in names:
                result = play_match(
                    make_agent(name, seed=4), make_agent("switching", seed=9), rounds
                )
                out[name] = result.moves_a.tolist()
        trimmed = sum(1 for h in made if len(h.kept) < len(h))
        return out, trimmed

    trimmed_moves, trimmed = moves(trim=True)
    full_moves, untrimmed = moves(trim=False)
    assert trimmed > len(names) and untrimmed == 0  # trimming really happened, and only there
    assert trimmed_moves == full_moves


def test_play_match_totals_reports_progress():
    seen = []
    totals = play_match_totals(
        make_agent("rock"), make_agent("rotate"), 25, progress=seen.append, every=10
    )
    assert seen == [10, 20, 25]
    # Rotate plays rock, paper, scissors, ...: a draw, a loss and a win per cycle.
    assert (totals.rounds, totals.wins, totals.losses, totals.draws) == (25, 8, 8, 9)


def test_rps_match_ctrl_c_still_reports_the_rounds_played(monkeypatch, capsys):
    from cli import rps as cli_rps

    calls = {"n": 0}
    real = Match.play_rounds

    def interrupted(self, n):
        calls["n"] += 1
        if calls["n"] > 1:
            raise KeyboardInterrupt
        real(self, n)

    monkeypatch.setattr(Match, "play_rounds", interrupted)
    code = main(["rps-match", "beat-last", "rock", "--rounds", "1000000", "--json"])
    assert code == 130
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["interrupted"] and data["rounds"] == cli_rps.PROGRESS_EVERY
    assert data["rounds_asked"] == 1_000_000
    assert "interrupted after" in captured.err


def test_tournament_cancel_stops_a_long_match_part_way():
    cancel = threading.Event()
    done: dict = {}

    def run():
        done["result"] = round_robin(["rock", "rotate"], rounds=10**9, cancel=cancel)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    cancel.set()
    thread.join(30)
    assert not thread.is_alive()
    result = done["result"]
    assert not result.complete
    assert result.played("rock") == 0  # the match cut short counts as unplayed, not a draw


# --- data.txt ---------------------------------------------------------------------------------


@pytest.fixture
def small_chunks(monkeypatch):
    """Tiny read chunks and limits, so chunk boundaries and caps are crossed by small files."""
    monkeypatch.setattr(games, "READ_CHUNK", 7)
    monkeypatch.setattr(games, "MAX_GAME_MOVES", 40)
    monkeypatch.setattr(games, "MAX_ROW_CHARS", 120)


def test_data_txt_lines_across_chunks_report_line_and_column(tmp_path, small_chunks):
    path = tmp_path / "data.txt"
    long_game = "01" * 30  # 60 moves: over the (patched) limit of 40
    path.write_bytes(
        b"\xef\xbb\xbf0120\r\n"  # a BOM is not a move
        + b"  0000000000000000x11\n"  # bad character after a chunk boundary: column 19
        + long_game.encode()
        + b"\n\n"
        + b"2" * 40
        + b"\r\n"
        + b"12"  # no final newline: still a game
    )
    seqs, problems = parse_data_txt(path)
    assert seqs == [[0, 1, 2, 0], [2] * 40, [1, 2]]
    assert [p.line for p in problems] == [2, 3]
    assert "'x' at column 19" in problems[0].message
    assert "60 characters long" in problems[1].message and "at most 40" in problems[1].message
    assert str(problems[1]).startswith(f"{path}:3:")


def test_problems_beyond_the_listing_limit_are_counted(tmp_path, monkeypatch):
    monkeypatch.setattr(games, "MAX_LISTED_PROBLEMS", 5)
    path = tmp_path / "data.txt"
    path.write_text("junk\n" * 12 + "012\n")
    seqs, problems = parse_data_txt(path)
    assert seqs == [[0, 1, 2]]
    assert len(problems) == 6 and [p.line for p in problems[:5]] == [1, 2, 3, 4, 5]
    assert problems[5].line == 6 and "7 more bad lines" in problems[5].message


def test_a_huge_single_line_is_streamed_with_flat_memory(tmp_path):
    path = tmp_path / "data.txt"
    with open(path, "wb") as f:
        f.write(b"0120\n")
        for _ in range(12):
            f.write(b"012" * 349_526)  # ~1 MiB per write; 12.6 MB in one line
        f.write(b"\n2101\n")
    seen = []
    tracemalloc.start()
    try:
        count, problems = import_data_txt(path, progress=lambda done, size: seen.append(done))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 2
    assert [p.line for p in problems] == [2] and "characters long" in problems[0].message
    assert imported_path().read_text() == "0120\n2101\n"
    assert peak < 12_000_000  # the line alone is 12.6 MB; a whole-file read took ~80x that
    assert seen and seen[-1] == path.stat().st_size  # progress reaches the end of the file


def test_import_keeps_earlier_imports_and_a_failed_import_changes_nothing(tmp_path):
    imported_path().parent.mkdir(parents=True, exist_ok=True)
    imported_path().write_text("0011\n21")  # an earlier import, torn at the end
    src = tmp_path / "data.txt"
    src.write_text("222\n")
    assert import_data_txt(src)[0] == 1
    assert imported_path().read_text() == "0011\n21\n222\n"
    before = imported_path().read_bytes()
    src.write_bytes(b"\x00\xff junk\n")
    with pytest.raises(UserFacingError, match=r"data.txt: no games found.*data.txt:1: unexpected"):
        import_data_txt(src)
    assert imported_path().read_bytes() == before
    assert not [p for p in imported_path().parent.iterdir() if p.suffix == ".tmp"]


def test_import_of_a_folder_is_one_message(tmp_path):
    with pytest.raises(UserFacingError, match="is a folder, not a file"):
        import_data_txt(tmp_path)


def test_rps_import_cli_reports_bad_lines_by_line(tmp_path, capsys):
    src = tmp_path / "data.txt"
    src.write_text("0120\nrock paper\n22\n")
    assert main(["rps-import", str(src)]) == 0
    captured = capsys.readouterr()
    assert "imported 2 games" in captured.out
    assert f"warning: skipped {src}:2: unexpected character 'r' at column 1" in captured.err


# --- the saved games log ----------------------------------------------------------------------


def test_games_log_with_junk_and_a_huge_line_keeps_every_good_row(small_chunks):
    with games.GameRecorder("rock") as rec:
        rec.record(0, 1)
        rec.record(1, 2)
    path = games.games_path()
    lines = path.read_bytes().split(b"\n")
    hostile = [
        lines[0],  # header
        lines[1],
        b"\x89PNG\r\n\x1a",  # binary junk, itself split over two lines
        b"x" * 500,  # longer than a row may be: reported, not held
        lines[2],
        b"2025-01-01T00:00:00,s,rock,0,1",  # torn: the app was killed mid-row
    ]
    path.write_bytes(b"\n".join(hostile))
    rounds, problems = load_games()
    assert [(r.human, r.ai) for r in rounds] == [(0, 1), (1, 2)]
    assert [p.line for p in problems] == [3, 4, 5, 7]
    assert "500 characters long" in problems[2].message
    assert "truncated last line" in problems[3].message
