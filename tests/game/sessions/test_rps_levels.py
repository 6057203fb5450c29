"""The Arena's difficulty levels and its "what it learned about you" card (no window)."""

from __future__ import annotations

import time

from game.sessions.rps import ArenaSession, Phase


def settle(session, done, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out waiting for the session's workers"
        session.update(1 / 60)
        time.sleep(0.002)


def play_rounds(s: ArenaSession, moves: list[int]) -> None:
    for m in moves:
        assert s.commit(m)
        settle(s, lambda: s.phase is Phase.READY and s.player is None)


def test_the_level_is_saved_with_each_round_and_cycles():
    from agents.rps.games import load_games

    s = ArenaSession("novice", seed=0, countdown_s=0.01, reveal_s=0.01)
    s.start()
    assert s.level == "novice" and s.level_label() == "Novice"
    play_rounds(s, [0, 1, 2])
    rounds, problems = load_games()
    assert not problems and [r.level for r in rounds] == ["novice"] * 3
    s.cycle_level(-1)  # Novice -> Veteran (wraps), an LSTM: it loads in a worker
    assert s.wanted == "veteran" and s.level_label() == "Veteran"
    settle(s, lambda: not s.loading, timeout=120)
    assert s.opponent == "veteran" and s.level == "veteran"
    s.close()


def test_another_opponent_has_no_level_and_d_goes_to_standard():
    s = ArenaSession("rock", seed=0, countdown_s=0.01, reveal_s=0.01)
    s.start()
    assert s.level == "" and s.level_label() == "custom opponent"
    s.cycle_level(1)
    assert s.wanted == "lstm"
    s.close()


def test_new_match_shows_and_saves_the_card_and_the_next_one_compares():
    from agents.rps.card import CARD_MIN_ROUNDS, last_card

    s = ArenaSession("novice", seed=0, countdown_s=0.01, reveal_s=0.01)
    s.start()
    play_rounds(s, [0] * 5)
    s.new_match()  # too short for a card
    assert s.card is None and last_card() is None
    play_rounds(s, [0] * CARD_MIN_ROUNDS)
    s.toggle_card()  # L: this match so far
    assert s.card is not None and not s.card_is_final
    s.toggle_card()
    assert s.card is None
    s.new_match()
    card = s.card
    assert card is not None and s.card_is_final and card.level == "novice"
    assert last_card() == card and card.rounds == CARD_MIN_ROUNDS
    twice = {st.key: st for st in card.statements}["twice: 0"]
    assert (twice.count, twice.total) == (CARD_MIN_ROUNDS - 1, CARD_MIN_ROUNDS - 1)
    assert s.commit(1)  # playing on hides it
    assert s.card is None
    settle(s, lambda: s.phase is Phase.READY and s.player is None)
    play_rounds(s, [0, 0, 1] * (CARD_MIN_ROUNDS // 2))
    s.close()  # leaving saves this match's card, which compares with the last one
    latest = last_card()
    assert latest is not None and latest.session != card.session
    again = {st.key: st for st in latest.statements}["twice: 0"]
    assert again.was == 1.0 and again.share < 1.0 and "last time 100 %" in again.line()
