"""'What it learned about you' next time: the card compares with the last one, in plain words,
and every figure it gives (now and last time) is a count in the game record."""

from __future__ import annotations

import pytest

from agents.rps.card import (
    MIN_ROUNDS,
    Card,
    Statement,
    change_words,
    last_card,
    learned_card,
    save_card,
)
from agents.rps.games import GameRecorder, load_games, sessions


def counted(rounds) -> dict[str, tuple[int, int]]:
    """(rounds that showed the habit, rounds it could show) per card key, counted from the
    game record here, apart from the habit model."""
    out: dict[str, list[int]] = {}
    for r, nxt in zip(rounds, rounds[1:], strict=False):
        after = {1: "a win", 0: "a draw", -1: "a loss"}[r.outcome]
        for k in range(3):
            c = out.setdefault(f"after {after}: {k}", [0, 0])
            c[0] += (nxt.human - r.human) % 3 == k
            c[1] += 1
        c = out.setdefault(f"twice: {r.human}", [0, 0])
        c[0] += nxt.human == r.human
        c[1] += 1
    return {k: (a, b) for k, (a, b) in out.items()}


def save_match(people: list[int], ais: list[int]) -> None:
    with GameRecorder(opponent="novice", level="novice") as rec:
        for me, ai in zip(people, ais, strict=True):
            rec.record(human=me, ai=ai)


def test_the_next_card_says_what_changed_with_counts_from_the_record():
    # Match 1: the AI always plays paper; the person repeats rock twice then switches up, so
    # after a loss (rock v paper) they mostly repeat. Match 2: after a loss they move up.
    save_match([0, 0, 1] * 10, [1] * 30)
    save_match([0, 1, 2] * 10, [1] * 30)
    first_rounds, second_rounds = sessions(load_games()[0]).values()
    first = learned_card([(r.ai, r.human) for r in first_rounds])
    second = learned_card([(r.ai, r.human) for r in second_rounds], previous=first)
    then, now = counted(first_rounds), counted(second_rounds)
    assert second.was_rounds == 30
    for st in second.statements + second.faded:
        assert (st.count, st.total) == now[st.key], st.key  # the figures now: the record's
        if st.was is not None:  # ... and last time's: the first match's record
            c, t = then[st.key]
            assert st.was == pytest.approx(c / t), st.key
    # Last time, after a loss, they played the same move again (10 of 20); this time they
    # never did: that habit is not stated any more, and the card says so with both figures.
    assert "after a loss: 0" in {s.key for s in first.statements}
    faded = {st.key: st for st in second.faded}
    gone = faded["after a loss: 0"]
    assert (gone.count, gone.total) == now["after a loss: 0"] == (0, 10)
    assert gone.faded_line() == ("after a loss you play the same move again: 0 % now "
                                 "(0 of 10), was 50 %")  # fmt: skip
    assert gone.faded_line() in second.changes()
    for st in second.faded:  # only what changed is listed
        assert abs(round(100 * st.share) - round(100 * st.was)) >= 5


def test_a_habit_is_compared_even_when_the_last_card_did_not_state_it():
    # Last time they always kept rock, after a win too: "after a win you switch to what your
    # last move beats" was 0 of 15, not stated, yet kept in the card's counts.
    first = learned_card([(2, 0), (1, 0)] * 15)  # a win with rock, then a loss with rock
    assert "after a win: 2" not in {s.key for s in first.statements}
    assert first.counts["after a win: 2"][1] >= MIN_ROUNDS
    second = learned_card([(2, 0), (0, 2)] * 15, previous=first)  # now after a win: that
    st = {s.key: s for s in second.statements}["after a win: 2"]
    c, t = first.counts["after a win: 2"]
    assert st.was == pytest.approx(c / t) and "up from 0 % last time" in st.line()


def test_change_words():
    assert change_words(0.58, 0.40) == "up from 40 % last time"
    assert change_words(0.20, 0.70) == "down from 70 % last time"
    assert change_words(0.52, 0.50) == "about the same as last time (50 %)"


def test_a_card_keeps_its_counts_and_an_old_card_still_compares(tmp_path):
    path = tmp_path / "cards.jsonl"
    card = learned_card([(0, 0)] * 30, session="s1", level="novice")
    save_card(card, path)
    assert last_card(path) == card and last_card(path).counts["twice: 0"] == (29, 29)
    # A card saved before counts were kept: its statements still give "last time".
    path.write_text(
        '{"session": "s0", "level": "", "rounds": 30, "statements": [{"key": '
        '"twice: 0", "text": "t", "count": 29, "total": 29, "was": null}]}\n'
    )
    old = last_card(path)
    assert old.counts == {} and old.shares() == {"twice: 0": 1.0}
    again = learned_card([(0, 0), (0, 1)] * 15, previous=old)
    assert {s.key: s.was for s in again.statements}["twice: 0"] == 1.0


def test_statement_line_without_a_previous_card():
    st = Statement("after a win: 0", "after a win you play the same move again", 11, 19)
    assert st.line() == "after a win you play the same move again 58 % of the time (11 of 19)"
    assert Card("s", "", 20).changes() == []


def test_a_habit_left_off_but_unchanged_is_not_news():
    # Last time: rock, rock, paper...: "you rarely play paper twice" (0 %). This time paper,
    # scissors, rock...: no move is ever repeated, rock is named the rarest, and paper, still
    # at 0 %, is not listed as a change.
    first = learned_card([(0, m) for m in [0, 0, 1] * 10])
    second = learned_card([(0, m) for m in [1, 2, 0] * 10], previous=first)
    assert "twice: 1" in {s.key for s in first.statements}
    assert "twice: 1" not in {s.key for s in second.statements}
    assert second.counts["twice: 1"][0] == 0
    assert "twice: 1" not in {s.key for s in second.faded}
    assert "twice: 0" in {s.key for s in second.faded} | {s.key for s in second.statements}
