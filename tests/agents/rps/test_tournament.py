"""Round-robin tournaments (agents/rps/tournament.py)."""

import json
import threading
from itertools import combinations

import numpy as np
import pytest

from agents.rps import make_agent
from agents.rps.tournament import SECOND_SEED_OFFSET, round_robin
from game.sim.rps import play_match

NAMES = ["rock", "rotate", "beat-last", "random", "iocaine"]


@pytest.fixture(scope="module")
def result():
    return round_robin(NAMES, rounds=200, seeds=2)


def test_matrix_cells_are_the_matches_played_on_their_own(result):
    """Each cell, both ways round, is the net score of that pair's match replayed alone with
    play_match (the row agent's view); the matrix is their mean over the seeds."""
    n = len(NAMES)
    assert result.net.shape == (n, n) and result.matches.shape == (n, n, 2)
    for i, j in combinations(range(n), 2):
        for s in range(2):
            a = make_agent(NAMES[i], seed=s)
            b = make_agent(NAMES[j], seed=s + SECOND_SEED_OFFSET)
            net = play_match(a, b, rounds=200).net
            assert (result.matches[i, j, s], result.matches[j, i, s]) == (net, -net)
    assert np.array_equal(result.net, result.matches.mean(axis=2))
    assert np.all(np.diag(result.net) == 0)


def test_known_results(result):
    i = NAMES.index
    assert result.net[i("beat-last"), i("rock")] == pytest.approx(199, abs=1)  # paper from round 2
    assert result.net[i("rock"), i("rotate")] == -1  # (draw, loss, win) x 66, draw, loss
    for bot in ("rock", "rotate", "beat-last"):
        assert result.net[i("iocaine"), i(bot)] > 150


def test_wins_losses_draws_add_up(result):
    for name in NAMES:
        assert result.wins[name] + result.losses[name] + result.draws[name] == (len(NAMES) - 1) * 2
    assert sum(result.wins.values()) == sum(result.losses.values())
    assert result.wins["iocaine"] >= 6  # beats the three patterned bots on both seeds
    assert result.draws["rock"] >= 2  # rock vs rotate is inside the draw band


def test_ranking_table(result):
    table = result.table()
    assert [row["rank"] for row in table] == list(range(1, len(NAMES) + 1))
    assert table[0]["name"] == "iocaine"
    points = [row["points"] for row in table]
    assert points == sorted(points, reverse=True)
    data = json.loads(json.dumps(result.to_json()))
    assert data["agents"] == NAMES and data["complete"] is True
    assert data["draw_band"] == pytest.approx(20 * (200 / 1000) ** 0.5)


def test_seeded_tournaments_repeat():
    a = round_robin(["random", "flat", "markov"], rounds=100, seeds=2)
    b = round_robin(["random", "flat", "markov"], rounds=100, seeds=2)
    assert np.array_equal(a.matches, b.matches)


def test_progress_and_background_thread():
    calls = []
    out = {}

    def work():
        out["result"] = round_robin(
            ["rock", "rotate", "random"],
            rounds=50,
            seeds=3,
            progress=lambda d, t: calls.append((d, t)),
        )

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=60)
    assert calls == [(k, 9) for k in range(1, 10)]
    assert out["result"].complete


def test_cancel_stops_early():
    cancel = threading.Event()
    done = []

    def progress(d, t):
        done.append(d)
        if d == 2:
            cancel.set()

    result = round_robin(
        ["rock", "rotate", "random", "flat"], rounds=30, progress=progress, cancel=cancel
    )
    assert done == [1, 2]
    assert not result.complete


def test_bad_arguments():
    with pytest.raises(ValueError):
        round_robin(["rock", "rock"], rounds=10)
    with pytest.raises(ValueError):
        round_robin(["rock", "rotate"], rounds=0)


def test_cancelled_tournament_averages_only_played_matches():
    """Unplayed matches are NaN, not 0: they must not drag a pair's mean towards a draw."""
    cancel = threading.Event()
    names = ["rock", "rotate", "beat-last", "flat"]

    def progress(d, t):
        if d == 3:  # rock-rotate twice, then rock-beat-last once
            cancel.set()

    result = round_robin(names, rounds=30, seeds=2, progress=progress, cancel=cancel)
    assert not result.complete
    net, m = result.net, result.matches
    assert net[0, 2] == m[0, 2, 0] < -20  # one played match: its own score, not half of it
    assert np.isnan(m[0, 2, 1]) and np.isnan(net[1, 2]) and np.isnan(net[0, 3])
    assert np.array_equal(net, -net.T, equal_nan=True)  # net(a, b) == -net(b, a) still
    assert np.all(np.diag(net) == 0)

    table = result.table()
    assert [row["name"] for row in table][-1] == "flat"  # never played: ranked last
    assert table[-1]["played"] == 0 and table[-1]["net"] is None
    assert {row["name"]: row["played"] for row in table}["rock"] == 3
    data = json.loads(json.dumps(result.to_json(), allow_nan=False))  # strict JSON: no NaN
    assert data["net"][0][3] is None and data["net"][0][2] == pytest.approx(net[0, 2])
