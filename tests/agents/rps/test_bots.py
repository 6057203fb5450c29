"""The defining behaviour of each 1999 RoShamBo dummy bot (agents/rps/bots.py)."""

from collections import Counter
from itertools import product

import numpy as np
import pytest

from agents.rps import list_agents, make_agent
from agents.rps.bots import DE_BRUIJN_81, de_bruijn

BOTS = [
    "random", "rock", "rps-20-20-60", "rotate", "beat-last", "switching", "beat-frequent",
    "de-bruijn", "flat", "anti-flat", "foxtrot", "copy-drift", "add-drift", "add-react",
    "anti-rotn", "switch-a-lot",
]  # fmt: skip


def drive(name, opponent, rounds, seed=0):
    """Play `name` against a function opponent(t, bot_move_now, bot_moves, opp_moves)."""
    bot = make_agent(name, seed=seed)
    own, opp = [], []
    for t in range(rounds):
        move = bot.act()
        reply = opponent(t, move, own, opp)
        bot.observe(own=move, opponent=reply)
        own.append(move)
        opp.append(reply)
    return own, opp


def random_opponent(seed=99):
    rng = np.random.default_rng(seed)
    return lambda t, move, own, opp: int(rng.integers(3))


def shares(moves):
    counts = Counter(moves)
    return [counts[m] / len(moves) for m in range(3)]


def test_whole_suite_is_registered_as_bots():
    bots = {a.name for a in list_agents("bot")}
    assert set(BOTS) <= bots
    random_flags = {name: make_agent(name).is_random for name in BOTS}
    assert [n for n, flag in random_flags.items() if flag] == ["random"]


def test_random_is_uniform_and_seeded():
    own, _ = drive("random", random_opponent(), 3000)
    assert all(0.30 < s < 0.37 for s in shares(own))
    assert drive("random", random_opponent(), 50, seed=1)[0] != own[:50]


def test_rock_always_rock():
    own, _ = drive("rock", random_opponent(), 200)
    assert set(own) == {0}


def test_rps_20_20_60_mix():
    own, _ = drive("rps-20-20-60", random_opponent(), 5000)
    assert np.allclose(shares(own), [0.2, 0.2, 0.6], atol=0.025)


def test_rotate_cycles_rock_paper_scissors():
    own, _ = drive("rotate", random_opponent(), 9)
    assert own == [0, 1, 2] * 3


def test_beat_last_beats_the_previous_opponent_move():
    own, opp = drive("beat-last", random_opponent(), 300)
    assert all(own[t] == (opp[t - 1] + 1) % 3 for t in range(1, 300))


def test_switching_never_repeats_but_uses_both_other_moves():
    own, _ = drive("switching", random_opponent(), 1000)
    assert all(a != b for a, b in zip(own, own[1:], strict=False))
    ups = sum((b - a) % 3 == 1 for a, b in zip(own, own[1:], strict=False))
    assert 400 < ups < 600  # switches up and down about equally often


def test_beat_frequent_beats_the_opponents_favourite():
    script = [2, 2, 1, 2, 0, 1, 1, 1, 1]  # scissors leads, then paper takes over
    own, opp = drive("beat-frequent", lambda t, m, o, p: script[t], len(script))
    for t in range(1, len(script)):
        counts = Counter(opp[:t])
        favourite = max(range(3), key=lambda m: (counts[m], -m))
        assert own[t] == (favourite + 1) % 3


def test_de_bruijn_sequence_holds_every_four_move_word_once():
    assert len(DE_BRUIJN_81) == 81 == len(de_bruijn(3, 4))
    cyclic = list(DE_BRUIJN_81) + list(DE_BRUIJN_81[:3])
    words = {tuple(cyclic[i : i + 4]) for i in range(81)}
    assert words == set(product(range(3), repeat=4))
    assert de_bruijn(2, 3) == [0, 0, 0, 1, 0, 1, 1, 1]


def test_de_bruijn_bot_repeats_every_81_moves():
    own, _ = drive("de-bruijn", random_opponent(), 243, seed=5)
    assert own[:81] == own[81:162] == own[162:]
    assert {tuple(own[i : i + 4]) for i in range(81)} == set(product(range(3), repeat=4))


def test_flat_keeps_its_own_counts_balanced():
    own, _ = drive("flat", random_opponent(), 1000)
    least_played = 0
    for t in range(1, 1000):
        counts = Counter(own[:t])
        spread = max(counts[m] for m in range(3)) - min(counts[m] for m in range(3))
        assert spread <= 6
        least_played += counts[own[t]] == min(counts[m] for m in range(3))
    assert least_played / 999 > 0.8  # 80% by rule, plus random picks that happen to match


def test_anti_flat_beats_the_opponents_least_used_move():
    script = [0, 0, 1, 2, 2, 2, 0, 1, 1, 1]
    own, opp = drive("anti-flat", lambda t, m, o, p: script[t], len(script))
    for t in range(len(script)):
        counts = Counter(opp[:t])
        least = min(range(3), key=lambda m: (counts[m], m))
        assert own[t] == (least + 1) % 3


def test_foxtrot_even_turns_follow_the_pattern():
    own, _ = drive("foxtrot", random_opponent(), 600)
    shifts = [(own[t] - own[t - 1]) % 3 for t in range(1, 600, 2)]
    assert shifts == [2, 1, 0] * 100
    odd_turns = own[0::2]
    assert all(0.25 < s < 0.42 for s in shares(odd_turns))  # the others are random


def _offsets(own, opp, with_own):
    return [(own[t] - opp[t - 1] - (own[t - 1] if with_own else 0)) % 3 for t in range(1, len(own))]


@pytest.mark.parametrize("name, with_own", [("copy-drift", False), ("add-drift", True)])
def test_drift_bots_follow_a_slowly_drifting_rule(name, with_own):
    own, opp = drive(name, random_opponent(), 2000)
    offsets = _offsets(own, opp, with_own)
    steps = [(b - a) % 3 for a, b in zip(offsets, offsets[1:], strict=False)]
    assert set(steps) == {0, 1}  # the offset only ever steps forward by one
    assert 0.06 < sum(steps) / len(steps) < 0.14  # about 10% of moves


def test_add_react_shifts_only_after_a_losing_block():
    # Always beaten: the rule must shift after every block of 10 rounds.
    own, opp = drive("add-react", lambda t, m, o, p: (m + 1) % 3, 60)
    offsets = _offsets(own, opp, with_own=True)
    assert offsets[:9] == [0] * 9  # moves 2..10
    assert offsets[9:19] == [1] * 10  # moves 11..20
    assert offsets[19:29] == [2] * 10
    # Always winning: the rule never changes.
    own, opp = drive("add-react", lambda t, m, o, p: (m + 2) % 3, 60)
    assert set(_offsets(own, opp, with_own=True)) == {0}


def test_anti_rotn_reads_a_rotating_opponent():
    own, opp = drive("anti-rotn", lambda t, m, o, p: t % 3, 100)  # rotation +1 every move
    outcomes = [(a - b) % 3 == 1 for a, b in zip(own[10:], opp[10:], strict=True)]
    assert all(outcomes)


def test_anti_rotn_turns_random_when_losing():
    # An opponent that always sees its move and beats it: once anti-rotn is 40 down it
    # gives up predicting and plays at random.
    own, _ = drive("anti-rotn", lambda t, m, o, p: (m + 1) % 3, 1000)
    assert all(0.28 < s < 0.39 for s in shares(own[100:]))
    assert len(set(own[100:])) == 3


def test_switch_a_lot_seldom_repeats():
    own, _ = drive("switch-a-lot", random_opponent(), 4000)
    repeats = sum(a == b for a, b in zip(own, own[1:], strict=False)) / 3999
    assert 0.09 < repeats < 0.15
    assert all(0.28 < s < 0.39 for s in shares(own))


@pytest.mark.parametrize("name", BOTS)
def test_each_bot_is_deterministic_by_seed(name):
    a = drive(name, random_opponent(), 120, seed=3)
    b = drive(name, random_opponent(), 120, seed=3)
    assert a == b
