"""The Arena's difficulty levels and its "what it learned about you" card (no window)."""

from __future__ import annotations

from game.sessions.rps import ArenaSession, Phase
from tests.game.sessions.settle import settle


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
    assert again.was == 1.0 and again.share < 1.0 and "down from 100 % last time" in again.line()


def save(opponent: str, level: str, moves: list[tuple[int, int]]) -> None:
    from agents.rps.games import GameRecorder

    with GameRecorder(opponent=opponent, level=level) as rec:
        for human, ai in moves:
            rec.record(human=human, ai=ai)


def test_your_games_by_level_and_training_on_the_ticked_levels(monkeypatch):
    from game.sessions import rps_training

    save("novice", "novice", [(0, 2)] * 40 + [(0, 1)] * 10)  # 40 won, 10 lost
    save("lstm", "standard", [(1, 2)] * 30)  # 30 lost
    save("rock", "", [(0, 0)] * 20)  # 20 drawn
    asked = []

    def fake_train(seed, history=None, levels=None):
        asked.append(levels)
        return lambda ctx: rps_training.TrainingRefused("stand-in: nothing trained")

    monkeypatch.setattr(rps_training, "train_job", fake_train)
    notes = []
    s = ArenaSession("rock", seed=0, countdown_s=0.01, reveal_s=0.01,
                     notify=lambda text, kind: notes.append(text))  # fmt: skip
    s.start()
    s.open_levels()
    assert s.levels_open
    settle(s, lambda: s.levels is not None)
    choice = s.levels
    rows = [(r.level, r.matches, r.rounds, r.net, round(r.win_rate, 2)) for r in choice.results]
    assert rows == [("novice", 1, 50, 30, 0.8), ("standard", 1, 30, -30, 0.0), ("", 1, 20, 0, 0.0)]
    assert choice.ticked == {"novice", "standard", ""} and choice.levels is None  # all
    s.train_ticked()  # all ticked: trains on every saved round
    assert asked == [None] and not s.levels_open and s.trainer is not None
    settle(s, lambda: s.trainer is None)
    assert notes[-1] == "stand-in: nothing trained"

    s.open_levels()
    settle(s, lambda: s.levels is not None)
    s.levels.toggle(1)  # untick Standard
    s.levels.toggle(2)  # and no level: Novice alone, 50 rounds (60 needed)
    assert s.levels.ticked_rounds == 50
    s.train_ticked()
    assert s.levels_open and s.trainer is None and len(asked) == 1  # refused here, at once
    assert "play 10 more rounds at Novice first" in notes[-1]
    s.levels.toggle(2)  # Novice and no level: 70 rounds
    s.train_ticked()
    assert asked[-1] == {"novice", ""} and not s.levels_open
    settle(s, lambda: s.trainer is None)
    s.close()


def test_the_games_panel_reads_this_matchs_rounds_too():
    s = ArenaSession("novice", seed=0, countdown_s=0.01, reveal_s=0.01)
    s.start()
    play_rounds(s, [0, 1, 2, 0])
    s.open_levels()
    settle(s, lambda: s.levels is not None)
    assert [(r.level, r.rounds) for r in s.levels.results] == [("novice", 4)]
    s.close_levels()
    assert not s.levels_open and s.levels_reader is None
    s.close()
