"""Simulated people, the habit reader, the difficulty levels and the "what it learned" card."""

from __future__ import annotations

import numpy as np
import pytest

from agents.rps.base import Agent
from agents.rps.card import learned_card, read_habits
from agents.rps.habits import PEOPLE_PRIOR, PRIOR_STRENGTH, HabitModel, HabitPrior, ReaderOverMeta
from agents.rps.people import RANGES, Ranges, SimPerson, draw_habit, make_person, population
from agents.rps.predictors import counter_move
from game.sim.rps import outcome


def play(a, b, rounds: int) -> tuple[list[tuple[int, int]], int]:
    """(a's move, b's move) per round and a's net score."""
    a.reset()
    b.reset()
    moves, net = [], 0
    for _ in range(rounds):
        x, y = a.act(), b.act()
        a.observe(own=x, opponent=y)
        b.observe(own=y, opponent=x)
        moves.append((x, y))
        net += outcome(x, y)
    return moves, net


class Cycle(Agent):
    """Plays what its last move beats: rock, scissors, paper, ... (a fixed strategy)."""

    def _act(self) -> int:
        return (self.own[-1] + 2) % 3 if self.own else 0


def _shift_probs(logits: np.ndarray) -> np.ndarray:
    """P(repeat, up, down) per outcome row, read from a habit with no favourite move."""
    out = np.empty((3, 3))
    for row in range(3):
        p = np.exp(logits[row, 0]) / np.exp(logits[row, 0]).sum()  # last move rock
        out[row] = [p[0], p[1], p[2]]
    return out


# --- the population ---------------------------------------------------------------------------


def test_people_are_reproducible_and_the_splits_differ():
    first = play(make_person(7, "heldout"), Cycle(), 200)[0]
    assert play(make_person(7, "heldout"), Cycle(), 200)[0] == first
    person = make_person(7, "heldout")
    assert play(person, Cycle(), 200)[0] == play(person, Cycle(), 200)[0]  # reset replays
    assert play(make_person(7, "tune"), Cycle(), 200)[0] != first
    assert make_person(7, "tune").traits != make_person(7, "heldout").traits
    with pytest.raises(ValueError, match="split"):
        SimPerson(0, split="test")


def test_habits_lie_within_the_stated_ranges():
    ranges = Ranges(favourite=(0.0, 0.0))  # shifts alone, as drawn
    rng = np.random.default_rng(0)
    for _ in range(200):
        shifts = _shift_probs(draw_habit(rng, ranges))
        for row, (lo, hi) in enumerate((ranges.win_stay, ranges.draw_stay, ranges.lose_stay)):
            assert lo - 1e-9 <= shifts[row, 0] <= hi + 1e-9
            moved = shifts[row, 1] / (shifts[row, 1] + shifts[row, 2])
            lo_s, hi_s = ranges.cycle_skew
            assert lo_s - 1e-9 <= max(moved, 1 - moved) <= hi_s + 1e-9
        assert shifts[0, 0] >= shifts[2, 0]  # win-stay, lose-shift
    people = population(100, "tune")
    for p in people:
        t = p.traits
        assert RANGES.noise[0] <= t.noise <= RANGES.noise[1]
        assert t.change_rate == 0 or RANGES.change_rate[0] <= t.change_rate <= RANGES.change_rate[1]
        lo, hi = RANGES.avoid_factor
        assert t.avoid_factor == 1 or lo <= t.avoid_factor <= hi
        table = p.table()
        assert np.allclose(table.sum(axis=2), 1) and table.min() >= t.noise / 3 - 1e-12
    # Each trait is present in some people and absent in others.
    assert 0 < sum(p.traits.mood_switch > 0 for p in people) < 100
    assert 0 < sum(p.traits.avoid_factor < 1 for p in people) < 100
    assert 0 < sum(p.traits.change_rate > 0 for p in people) < 100


def test_a_person_plays_by_their_stated_distribution():
    person = make_person(3, "tune")
    person.reset()
    opp = np.random.default_rng(1)
    hits = expected = 0.0
    for _ in range(3000):
        p = person.next_dist()
        move = person.act()
        hits += move == int(np.argmax(p))
        expected += p.max()
        person.observe(own=move, opponent=int(opp.integers(3)))
    assert abs(hits - expected) < 4 * np.sqrt(3000 * 0.25)  # the draws follow next_dist()


# --- the habit reader ---------------------------------------------------------------------------


class TablePlayer(Agent):
    """Plays from a fixed response table by (own last outcome row, own last move)."""

    def __init__(self, table: np.ndarray, seed: int = 0) -> None:
        self.table = table
        super().__init__(seed)

    def dist(self) -> np.ndarray:
        if not self.own:
            return np.full(3, 1 / 3)
        row = {1: 0, 0: 1, -1: 2}[outcome(self.own[-1], self.opp[-1])]
        return self.table[row, self.own[-1]]

    def _act(self) -> int:
        return int(self.rng.choice(3, p=self.dist()))


def test_the_habit_model_converges_to_the_best_response_on_a_known_table():
    rng = np.random.default_rng(4)
    table = rng.dirichlet(np.ones(3) * 0.7, size=(3, 3))  # a person with clear habits
    person = TablePlayer(table, seed=2)
    person.reset()
    model = HabitModel(decay=1.0)
    ai = np.random.default_rng(3)
    for _ in range(3000):
        me, them = int(ai.integers(3)), person.act()
        person.observe(own=them, opponent=me)
        model.update(own=me, opp=them)
    for row in range(3):
        for last in range(3):
            ev = [table[row, last][(x + 2) % 3] - table[row, last][(x + 1) % 3] for x in range(3)]
            best = max(ev)
            mine = counter_move(model.cell_dist(row, last), ai)
            assert ev[mine] >= best - 0.05, (row, last)
            assert model.cell_dist(row, last) == pytest.approx(table[row, last], abs=0.1)


def test_the_habit_reader_beats_a_habit_player_that_random_play_does_not():
    from agents.rps import make_agent

    rng = np.random.default_rng(5)
    table = rng.dirichlet(np.ones(3) * 0.7, size=(3, 3))
    _, net = play(make_agent("habits", seed=1), TablePlayer(table, seed=3), 300)
    _, chance = play(make_agent("random", seed=1), TablePlayer(table, seed=3), 300)
    assert net > 40 and net > chance + 30


def test_a_prior_from_saved_games_is_the_pooled_shift_habits():
    # After a win (rock beats scissors) the person always repeats; after a loss, moves up.
    games = [[(2, 0), (2, 0), (1, 0), (2, 1)]]
    prior = HabitPrior.from_games(games, strength=6.0)
    assert prior.shifts[0] == pytest.approx((6.0, 0.0, 0.0))  # won twice, repeated twice
    assert prior.shifts[2] == pytest.approx((0.0, 6.0, 0.0))  # lost, moved up
    assert prior.shifts[1] == (0.0, 0.0, 0.0)
    model = HabitModel(prior=prior)
    model.update(own=2, opp=0)  # they won with rock
    assert int(np.argmax(model.dist())) == 0  # so: rock again


# --- difficulty levels ---------------------------------------------------------------------------


def test_the_people_prior_is_the_tune_peoples_pooled_habits():
    from agents.rps.levels import prior_from_people

    pooled = prior_from_people(50).scaled(PRIOR_STRENGTH)
    for ours, measured in zip(PEOPLE_PRIOR.shifts, pooled.shifts, strict=True):
        assert sum(ours) == pytest.approx(PRIOR_STRENGTH)
        assert ours == pytest.approx(measured, abs=0.002 * PRIOR_STRENGTH)
    # What the studies report: people repeat more after a win than after a loss.
    assert PEOPLE_PRIOR.shifts[0][0] > PEOPLE_PRIOR.shifts[2][0]


def test_the_reader_plays_first_and_yields_once_the_meta_layer_scores_clearly_better():
    top = ReaderOverMeta(HabitModel())
    played = 0
    # The opponent always plays scissors: the meta layer's rock wins, the reader's scissors
    # draw (so the reader is never beaten, only outscored).
    while top.choose(meta_move=0, reader_move=2):
        top.observe(2)
        played += 1
        assert played < 50
    assert played == 14  # 14 wins decayed by 0.98 (12.3) first lead a draw's 0 by over 12
    assert not top.suspect


def test_a_reader_beaten_while_played_is_suspected_and_then_has_to_lead():
    top = ReaderOverMeta(HabitModel())
    beaten = 0
    # The opponent beats the reader's paper with scissors; the meta layer's paper loses too.
    while top.choose(meta_move=1, reader_move=1):
        top.observe(2)
        beaten += 1
        assert beaten < 20
    assert top.suspect and beaten == 8  # its record (decayed by 0.99) reached -7 (-7.7)
    for _ in range(5):  # level scores: the reader is no longer played
        assert not top.choose(meta_move=1, reader_move=1)
        top.observe(1)
    for _ in range(40):  # the reader alone wins now, yet it stays benched while its
        top.choose(meta_move=0, reader_move=2)  # recent results are poor...
        top.observe(1)
    assert top.reader_score > top.meta_score + top.suspect_margin
    assert top.choose(meta_move=0, reader_move=2)  # ... and once they recover, it plays


def test_novice_is_beaten_by_a_fixed_cycle_that_veteran_beats():
    from agents.rps import make_agent

    _, novice = play(make_agent("novice", seed=0), Cycle(), 300)
    _, veteran = play(make_agent("veteran", seed=0), Cycle(), 300)
    assert novice < -100  # it keeps countering your last move, which the cycle has left
    assert veteran > 150


def test_levels_map_to_opponents_and_back():
    from agents.rps.levels import LEVEL_AGENTS, LEVELS, level_of

    assert [level_of(LEVEL_AGENTS[lv]) for lv in LEVELS] == list(LEVELS)
    assert level_of("iocaine") == ""


# --- the card ----------------------------------------------------------------------------------


def _independent_counts(rounds) -> dict[str, tuple[int, int]]:
    """From a game record: (habit shown, rounds it could show) per card key, counted apart."""
    out: dict[str, list[int]] = {}
    for r, nxt in zip(rounds, rounds[1:], strict=False):
        after = {1: "a win", 0: "a draw", -1: "a loss"}[r.outcome]
        shift = (nxt.human - r.human) % 3
        for k in range(3):
            c = out.setdefault(f"after {after}: {k}", [0, 0])
            c[0] += shift == k
            c[1] += 1
        c = out.setdefault(f"twice: {r.human}", [0, 0])
        c[0] += nxt.human == r.human
        c[1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


def test_card_statements_equal_counts_in_the_game_record():
    from agents.rps.games import GameRecorder, load_games

    person = make_person(11, "tune")
    moves, _ = play(person, Cycle(), 120)
    with GameRecorder(opponent="novice", level="novice") as rec:
        for me, ai in moves:
            rec.record(human=me, ai=ai)
    rounds, problems = load_games()
    assert not problems and {r.level for r in rounds} == {"novice"}
    card = learned_card([(r.ai, r.human) for r in rounds], level="novice")
    counts = _independent_counts(rounds)
    assert card.statements  # a person with habits gets something said
    for st in card.statements:
        assert (st.count, st.total) == counts[st.key], st.key
        assert f"{st.count} of {st.total}" in st.line()
        assert f"{round(100 * st.count / st.total)} %" in st.line()


def test_the_next_card_says_what_changed():
    first = learned_card([(0, 0)] * 30)  # always rock against rock: a draw, then rock again
    assert [s.key for s in first.statements] == ["after a draw: 0", "twice: 0"]
    second = learned_card([(0, 0), (0, 1)] * 15, previous=first)
    by_key = {s.key: s for s in second.statements}
    twice = by_key["twice: 0"]
    assert twice.was == 1.0 and "down from 100 % last time" in twice.line()


def test_cards_are_saved_and_read_back(tmp_path):
    from agents.rps.card import last_card, save_card

    path = tmp_path / "cards.jsonl"
    assert last_card(path) is None
    card = learned_card([(0, 0)] * 30, session="s1", level="veteran")
    save_card(card, path)
    with open(path, "a") as f:
        f.write("{not json\n")  # a torn line is skipped, the last good card is kept
    assert last_card(path) == card


def test_read_habits_counts_without_forgetting():
    model = read_habits([(2, 0)] * 10)  # rock against scissors, ten times: won, repeated
    assert model.shifts[0] == [9.0, 0.0, 0.0]


def test_lstm_plays_the_habit_reader_against_a_person_and_says_so_truthfully():
    from agents.rps import make_agent
    from agents.rps.meta import READER_DETAIL
    from tests.agents.rps.test_reasons import check_honest

    agent = make_agent("lstm", seed=4)
    person = make_person(2, "tune")
    agent.reset()
    person.reset()
    rows, read = [], 0
    for _ in range(200):
        expected = list(agent.reader.model.dist())  # the reader's odds before this move
        move, them = agent.act(), person.act()
        d = agent.decision()
        if d.detail == READER_DETAIL:
            read += 1
            assert d.dist == pytest.approx(expected) and d.strategy.startswith("it noticed you")
        agent.observe(own=move, opponent=them)
        person.observe(own=them, opponent=move)
        rows.append((d, move, them))
    check_honest(rows)
    assert read > 50  # against a person the reader's reply is what it mostly plays
