"""The classic competition-style population (agents/rps/classic_bots.py)."""

from collections import Counter

import numpy as np
import pytest

from agents.rps import list_agents, make_agent
from game.sim.rps import play_match

CLASSIC = [a for a in list_agents("classic")]
NAMES = [a.name for a in CLASSIC]


def drive(name, rounds, seed=0, opponent_seed=99):
    """The bot's moves against a seeded random opponent."""
    bot = make_agent(name, seed=seed)
    rng = np.random.default_rng(opponent_seed)
    moves = []
    for _ in range(rounds):
        move = bot.act()
        bot.observe(own=move, opponent=int(rng.integers(3)))
        moves.append(move)
    return moves


def test_population_is_large_varied_and_described():
    assert len(CLASSIC) >= 30
    assert len(set(NAMES)) == len(NAMES)
    assert all(a.description.strip() for a in CLASSIC)
    assert all(make_agent(n).name == n for n in NAMES)
    # None of them is a plain random player.
    assert not any(make_agent(n).is_random for n in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_classic_bot_is_deterministic_for_a_seed_and_legal(name):
    moves = drive(name, 120, seed=3)
    assert set(moves) <= {0, 1, 2}
    assert drive(name, 120, seed=3) == moves
    # After a whole match, reset() gives the same game again against the same opponent.
    agent = make_agent(name, seed=3)
    for _ in range(2):
        rng = np.random.default_rng(99)
        again = []
        for _ in range(120):
            move = agent.act()
            agent.observe(own=move, opponent=int(rng.integers(3)))
            again.append(move)
        assert again == moves
        agent.reset()


def test_noisy_bots_are_noisy_but_keep_their_rule():
    # rotate-down-noisy: its last move minus one, 35% of moves random.
    moves = drive("rotate-down-noisy", 2000)
    steps = Counter((b - a) % 3 for a, b in zip(moves, moves[1:], strict=False))
    assert 0.70 < steps[2] / 1999 < 0.82  # 65% by rule + a third of the random ones
    assert steps[0] > 150 and steps[1] > 150


def test_failsafe_bot_turns_random_once_far_behind():
    bot = make_agent("hist-match-joint", seed=0)
    for t in range(30):  # a cycling opponent: the history matcher has a firm prediction
        bot.observe(own=bot.act(), opponent=t % 3)
    bot.score = 0
    assert len({bot.act() for _ in range(40)}) == 1  # the rule's move, every time
    bot.score = -41  # 40 down: the fail-safe plays at random
    assert len({bot.act() for _ in range(40)}) == 3


@pytest.mark.parametrize(
    "strong, weak", [("iocaine-lite", "rotate"), ("greenberg-like", "beat-last"),
                     ("hist-match-8", "rotate"), ("bandit-softmax", "rock")],
)  # fmt: skip
def test_strong_bots_beat_a_simple_bot(strong, weak):
    assert play_match(make_agent(strong, seed=1), make_agent(weak, seed=2), 200).net > 80


@pytest.mark.parametrize("bot", ["second-guess", "wsls-noisy", "beat-second-last"])
def test_iocaine_beats_classic_bots(bot):
    """Strength regression: the project's meta agent wins clearly in 300 rounds."""
    assert play_match(make_agent("iocaine", seed=0), make_agent(bot, seed=1000), 300).net > 60


def test_long_matches_keep_memory_bounded():
    from agents.rps.classic_bots import KEEP, MATCH_KEEP

    bot = make_agent("hist-match-joint", seed=0)
    rng = np.random.default_rng(0)
    for _ in range(2 * MATCH_KEEP + 10):
        bot.observe(own=bot.act(), opponent=int(rng.integers(3)))
    assert len(bot.mine) == 2 * MATCH_KEEP + 10  # every round still counts...
    assert len(bot.mine.kept) < 2 * KEEP  # ...but only the latest are kept
    assert len(bot.matcher.text) < 2 * MATCH_KEEP
