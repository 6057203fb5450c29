"""The agent contract, for every registered agent (including ones other modules register)."""

import numpy as np
import pytest

from agents.rps import list_agents, make_agent
from agents.rps.meta import SicilianMeta, rotate
from agents.rps.predictors import (
    UNIFORM,
    FrequencyModel,
    MarkovModel,
    PatternModel,
    counter_move,
    expected_values,
)
from game.errors import UserFacingError

AGENTS = list_agents()


def rounds_for(info) -> int:
    return 12 if info.kind == "lstm" else 150  # LSTMs are slow per move; keep the suite fast


def play(agent, rounds, seed=7, ask=True):
    """Play against a seeded random opponent; collect moves and (if `ask`) predictions."""
    rng = np.random.default_rng(seed)
    agent.reset()
    moves, preds = [], []
    for _ in range(rounds):
        if ask:
            preds.append(np.asarray(agent.predict(), dtype=float))
        move = agent.act()
        moves.append(move)
        agent.observe(own=move, opponent=int(rng.integers(3)))
    return moves, preds


@pytest.mark.parametrize("info", AGENTS, ids=[a.name for a in AGENTS])
def test_agent_contract(info):
    rounds = rounds_for(info)
    agent = make_agent(info.name, seed=11)
    moves, preds = play(agent, rounds)
    assert set(moves) <= {0, 1, 2}
    for p in preds:
        assert p.shape == (3,)
        assert np.all(p >= 0)
        assert p.sum() == pytest.approx(1.0)
    # Same seed -> same match, from a fresh agent and after reset().
    assert play(make_agent(info.name, seed=11), rounds)[0] == moves
    assert play(agent, rounds)[0] == moves
    # Asking for predictions (screens do, before every round) must not change the play.
    assert play(make_agent(info.name, seed=11), rounds, ask=False)[0] == moves
    assert agent.name == info.name
    assert info.kind in {"bot", "predictor", "meta", "lstm", "classic"}


@pytest.mark.parametrize(
    "info", [a for a in AGENTS if a.kind in ("predictor", "meta")], ids=lambda a: a.name
)
def test_predictors_learn_a_constant_opponent(info):
    agent = make_agent(info.name, seed=0)
    assert agent.is_predictor
    for _ in range(40):
        agent.observe(own=agent.act(), opponent=0)
    assert agent.predict().argmax() == 0
    assert agent.act() == 1  # paper covers rock


def test_unknown_agent_is_a_user_facing_error():
    with pytest.raises(UserFacingError, match="unknown agent 'nope'"):
        make_agent("nope")


def test_counter_move_uses_expected_value_not_argmax():
    rng = np.random.default_rng(0)
    dist = [0.20, 0.39, 0.41]
    assert expected_values(dist) == pytest.approx((0.02, -0.21, 0.19))
    assert counter_move(dist, rng) == 2  # scissors (+0.19), not rock, which beats the argmax
    assert counter_move([0.1, 0.1, 0.8], rng) == 0
    assert counter_move([0.0, 0.5, 0.5], rng) == 2  # scissors: beats paper, ties scissors
    ties = {counter_move([1 / 3] * 3, rng) for _ in range(50)}
    assert ties == {0, 1, 2}


def test_markov_learns_a_joint_rule():
    # Opponent copies our previous move: only the joint history explains it.
    model = MarkovModel(order=1)
    rng = np.random.default_rng(1)
    own_prev = 0
    for _ in range(200):
        own = int(rng.integers(3))
        model.update(own, own_prev)
        own_prev = own
    assert np.argmax(model.dist()) == own_prev
    assert max(model.dist()) > 0.8


def test_pattern_finds_the_longest_earlier_match():
    model = PatternModel("opp")
    seq = [0, 1, 2, 2, 1, 0, 0, 1, 2, 2, 1]  # "01221" seen before, followed by 0
    for m in seq:
        model.update(0, m)
    assert model.match()[0] == 5
    assert np.argmax(model.dist()) == 0


def test_frequency_window_forgets():
    model = FrequencyModel(window=5)
    for m in [0] * 20 + [2] * 5:
        model.update(1, m)
    dist = model.dist()
    assert np.argmax(dist) == 2
    assert dist[0] == pytest.approx(dist[1])  # the 20 rocks before the window are forgotten
    assert dist[2] > 0.8


def test_frequency_predicts_the_most_frequent_move_and_nothing_before_any():
    assert FrequencyModel().dist() == pytest.approx(UNIFORM)  # nothing seen: no move favoured
    model = FrequencyModel()
    for m in [1, 1, 0, 1, 2, 1]:  # paper four times out of six
        model.update(0, m)
    assert int(np.argmax(model.dist())) == 1


def test_rotate():
    assert rotate([0.7, 0.2, 0.1], 1) == [0.1, 0.7, 0.2]
    assert rotate([0.7, 0.2, 0.1], 3) == [0.7, 0.2, 0.1]


def test_sicilian_meta_finds_the_rotation_that_wins():
    # The only source always predicts rock, but the opponent plays scissors: the P'
    # rotation (they play p + 2) wins, and the meta must switch to it.
    meta = SicilianMeta(np.random.default_rng(0))
    for _ in range(30):
        move = meta.choose([[0.8, 0.1, 0.1]])
        meta.observe(own=move, opp=2)
    assert meta.choose([[0.8, 0.1, 0.1]]) == 0  # rock beats scissors
    assert meta.prediction.argmax() == 2
    assert not meta.exploited


def test_sicilian_meta_falls_back_to_random_when_exploited():
    meta = SicilianMeta(np.random.default_rng(0), window=50, exploit_threshold=10)
    moves = []
    for _ in range(300):
        move = meta.choose([[1 / 3] * 3], [[1 / 3] * 3])
        moves.append(move)
        meta.observe(own=move, opp=(move + 1) % 3)  # an opponent that reads us perfectly
    assert meta.exploited
    assert np.allclose(meta.prediction, 1 / 3)
    assert len(set(moves[-50:])) == 3


def test_sicilian_meta_needs_a_fixed_number_of_sources():
    meta = SicilianMeta(np.random.default_rng(0))
    meta.choose([[1, 0, 0]])
    meta.observe(0, 0)
    with pytest.raises(ValueError, match="same number of sources"):
        meta.choose([[1, 0, 0], [0, 1, 0]])
