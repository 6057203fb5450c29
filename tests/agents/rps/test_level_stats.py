"""Saved games kept apart by difficulty level: the results per level, the filter "train on my
games" uses, and files from before levels (no level column) still read."""

from __future__ import annotations

import random

import pytest

from agents.rps.games import GameRecorder, games_path, load_games
from agents.rps.level_stats import (
    levels_phrase,
    only_levels,
    results_by_level,
    total,
)


def record(opponent: str, level: str, rounds: int, seed: int) -> list[tuple[int, int]]:
    """One saved match of random moves; returns its (human, ai) rounds."""
    rng = random.Random(seed)
    moves = [(rng.randrange(3), rng.randrange(3)) for _ in range(rounds)]
    with GameRecorder(opponent=opponent, level=level) as rec:
        for human, ai in moves:
            rec.record(human=human, ai=ai)
    return moves


def tally(moves: list[tuple[int, int]]) -> tuple[int, int, int]:
    """(wins, losses, draws) of the person, counted here from the moves alone."""
    wins = sum((h - a) % 3 == 1 for h, a in moves)
    losses = sum((a - h) % 3 == 1 for h, a in moves)
    return wins, losses, len(moves) - wins - losses


def old_file_with_two_rounds() -> None:
    """A games.csv from before levels: its header and rows have no level column."""
    path = games_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "time,session,opponent,round,human,ai,outcome\n"
        "2025-01-01T00:00:00,old,lstm,0,0,2,1\n"  # rock beats scissors: a win
        "2025-01-01T00:00:01,old,lstm,1,0,1,-1\n"  # rock loses to paper
    )


def test_results_are_kept_apart_per_level_and_old_rows_have_no_level():
    old_file_with_two_rounds()
    novice = record("novice", "novice", 30, 1) + record("novice", "novice", 20, 2)
    veteran = record("veteran", "veteran", 25, 3)
    rock = record("rock", "", 10, 4)
    rounds, problems = load_games()
    assert not problems
    results = {r.level: r for r in results_by_level(rounds)}
    assert [r.level for r in results_by_level(rounds)] == ["novice", "veteran", ""]
    for level, moves, matches in (("novice", novice, 2), ("veteran", veteran, 1)):
        r = results[level]
        assert (r.matches, r.rounds) == (matches, len(moves))
        assert (r.wins, r.losses, r.draws) == tally(moves)
        assert r.net == r.wins - r.losses and r.win_rate == pytest.approx(r.wins / r.rounds)
    other = results[""]  # the old file's two rounds and the games against rock, together
    assert (other.matches, other.rounds, other.label) == (2, 12, "no level")
    assert (other.wins, other.losses) == (tally(rock)[0] + 1, tally(rock)[1] + 1)
    everything = total(results.values())
    assert everything.rounds == len(rounds) == 87 and everything.matches == 5


def test_only_levels_keeps_the_chosen_levels_and_none_keeps_all():
    record("novice", "novice", 5, 1)
    record("lstm", "standard", 7, 2)
    record("rock", "", 3, 3)
    rounds, _ = load_games()
    assert len(only_levels(rounds, None)) == 15
    assert {r.level for r in only_levels(rounds, {"novice", ""})} == {"novice", ""}
    assert len(only_levels(rounds, {"novice", ""})) == 8
    assert only_levels(rounds, set()) == []
    assert levels_phrase(None) == "all levels"
    assert levels_phrase({"veteran", "novice"}) == "Novice and Veteran"
    assert levels_phrase({"", "standard", "novice"}) == "Novice, Standard and no level"


def test_an_unknown_level_is_listed_on_its_own_not_merged():
    record("lstm", "standard", 4, 1)
    record("future", "grandmaster", 6, 2)
    levels = [r.level for r in results_by_level(load_games()[0])]
    assert levels == ["standard", "grandmaster"]


def test_a_malformed_row_is_named_by_file_and_line_and_the_rest_counts():
    record("novice", "novice", 4, 1)
    with open(games_path(), "a") as f:
        f.write("2025-01-01T00:00:09,bad,lstm,0,0,5,1,standard\n")  # line 6: no such move
    rounds, problems = load_games()
    assert [str(p) for p in problems] == [f"{games_path()}:6: ai move must be 0, 1 or 2, found 5"]
    assert [(r.level, r.rounds) for r in results_by_level(rounds)] == [("novice", 4)]


def test_recorded_games_for_training_can_be_limited_to_levels():
    from agents.rps.lstm_train import load_recorded_games

    novice = record("novice", "novice", 12, 1)
    record("lstm", "standard", 9, 2)
    games, problems = load_recorded_games(None, {"novice"})
    assert not problems and len(games) == 1
    assert games[0] == ([a for _, a in novice], [h for h, _ in novice])
    assert sum(len(g[1]) for g in load_recorded_games(None)[0]) == 21


def test_training_on_a_level_with_too_few_rounds_says_which_level():
    from agents.rps.my_games import MIN_PERSON_ROUNDS, NotEnoughRounds, train_user_card

    record("lstm", "standard", MIN_PERSON_ROUNDS, 1)  # plenty at Standard...
    record("novice", "novice", 10, 2)  # ...but not at Novice
    with pytest.raises(NotEnoughRounds, match=r"play 50 more rounds at Novice first") as e:
        train_user_card(levels={"novice"})
    assert e.value.have == 10
