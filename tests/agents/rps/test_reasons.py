"""Agents explain their moves honestly: reason() names the strategy that chose the move,
what it predicted, and the move actually played (agents.rps.base.MoveReason)."""

import numpy as np
import pytest

from agents.rps import list_agents, make_agent
from agents.rps.meta import OPP_ROTATION_WORDS, OWN_ROTATION_WORDS, SicilianMeta

# Scripted opponents: f(t, own_moves, their_moves, agent_move_now) -> move.
OPPONENTS = {
    "rock": lambda t, own, opp, now: 0,
    "cycle": lambda t, own, opp, now: t % 3,
    "beat-my-last": lambda t, own, opp, now: (own[-1] + 1) % 3 if own else 0,
    "second-guesser": lambda t, own, opp, now: (own[-1] + 2) % 3 if own else 1,
    "seeded-random": lambda t, own, opp, now: int(np.random.default_rng(t).integers(3)),
    "cheater": lambda t, own, opp, now: (now + 1) % 3,  # sees the move: we must hide
}


def play(agent, opponent, rounds):
    """Play `rounds` rounds; return each round's (reason, own move, opponent move)."""
    agent.reset()
    own, opp, rows = [], [], []
    for t in range(rounds):
        move = agent.act()
        reply = opponent(t, own, opp, move)
        agent.observe(own=move, opponent=reply)
        rows.append((agent.reason(), move, reply))  # asked after the round, as screens do
        own.append(move)
        opp.append(reply)
    return rows


def check_honest(rows):
    for reason, move, _ in rows:
        assert reason is not None
        assert reason.played == move
        assert reason.strategy
        if reason.predicted is not None:
            assert (reason.played - reason.predicted) % 3 == 1  # played counters predicted
            if "Iocaine in" in reason.strategy:  # a simulated player states no probability
                assert reason.probability is None
            else:
                assert 0.0 <= reason.probability <= 1.0
        else:
            assert reason.probability is None


@pytest.fixture(scope="module")
def lstm_agent():
    return make_agent("lstm", seed=2)


@pytest.mark.parametrize("opponent", sorted(OPPONENTS))
def test_iocaine_reasons_are_honest_every_round(opponent):
    check_honest(play(make_agent("iocaine", seed=1), OPPONENTS[opponent], 100))


@pytest.mark.parametrize("opponent", ["cycle", "beat-my-last", "seeded-random", "cheater"])
def test_lstm_reasons_are_honest_every_round(lstm_agent, opponent):
    check_honest(play(lstm_agent, OPPONENTS[opponent], 60))


def test_reasons_name_the_strategy_that_read_a_patterned_opponent():
    rows = play(make_agent("iocaine", seed=0), OPPONENTS["cycle"], 120)
    late = rows[60:]
    assert all(r.read_opponent(opp) for r, _, opp in late)  # the stated prediction was right
    assert all(r.probability > 0.5 for r, _, _ in late)


def test_a_counter_of_my_likely_move_is_described_as_such():
    # One source predicts *our* move (rock, 80%); the opponent always plays paper, which
    # beats it. The winning strategy is "they counter my likely move": we play scissors,
    # and the reason states paper as the predicted opponent move.
    meta = SicilianMeta(np.random.default_rng(0))
    for _ in range(30):
        move = meta.choose([], [[0.8, 0.1, 0.1]])
        meta.observe(own=move, opp=1)
    move = meta.choose([], [[0.8, 0.1, 0.1]])
    reason = meta.reason(["frequency"], move)
    assert reason.strategy == "frequency" + OWN_ROTATION_WORDS[0]
    assert (reason.played, reason.predicted) == (2, 1)
    assert reason.probability == pytest.approx(0.8)


def test_second_guess_is_described_as_such():
    # A source predicts rock for the opponent, who plays scissors: the second guess wins.
    meta = SicilianMeta(np.random.default_rng(0))
    for _ in range(30):
        meta.observe(own=meta.choose([[0.8, 0.1, 0.1]]), opp=2)
    move = meta.choose([[0.8, 0.1, 0.1]])
    reason = meta.reason(["markov-2"], move)
    assert reason.strategy == "markov-2" + OPP_ROTATION_WORDS[2]
    assert "second guess" in reason.strategy
    assert (reason.played, reason.predicted) == (0, 2)


def test_random_fallback_is_stated_when_exploited():
    rows = play(make_agent("iocaine", seed=0), OPPONENTS["cheater"], 150)
    hidden = [r for r, _, _ in rows if r.strategy == "random (being exploited)"]
    assert len(hidden) > 75
    assert all(r.predicted is None for r in hidden)


def test_every_agent_reason_matches_its_move():
    """Bots name themselves and predict nothing; predictors say what they countered."""
    for info in list_agents():
        if info.kind == "lstm":
            continue  # covered above (slow to build)
        agent = make_agent(info.name, seed=3)
        rows = play(agent, OPPONENTS["seeded-random"], 30)
        check_honest(rows)
        if info.kind in ("bot", "classic"):
            assert all(r.strategy == info.name and r.predicted is None for r, _, _ in rows)


def test_reason_before_any_move_is_none():
    assert make_agent("iocaine").reason() is None
    assert make_agent("rock").reason() is None


def test_a_hedged_reply_says_a_likelier_move_was_passed_over():
    from agents.rps.predictors import reply_reason

    # Scissors 41%, paper 39%, rock 20%: scissors (beats paper, loses only to rock) is the
    # better bet than rock, so the reply aims at paper and says scissors was likelier.
    reason = reply_reason("markov-2", [0.20, 0.39, 0.41], played=2)
    assert (reason.predicted, reason.probability) == (1, pytest.approx(0.39))
    assert reason.strategy == "markov-2 (hedged: scissors was likelier)"
    assert reply_reason("markov-2", [0.1, 0.1, 0.8], played=0).strategy == "markov-2"
    flat = reply_reason("markov-2", [1 / 3] * 3, played=1)
    assert flat.predicted is None and "no prediction" in flat.strategy
