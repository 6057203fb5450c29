"""RPS rules, the draw band and the match runners (game/sim/rps.py)."""

import ast
from pathlib import Path

import numpy as np
import pytest

from game.sim import rps
from game.sim.rps import Match, beats, draw_band, match_verdict, outcome, play_match


class Scripted:
    """A duck-typed agent playing a fixed list of moves (the sim must not need agents/)."""

    def __init__(self, moves, name="scripted"):
        self.moves = list(moves)
        self.name = name
        self.seen = []

    def reset(self):
        self.t = 0
        self.seen = []

    def act(self):
        move = self.moves[self.t % len(self.moves)]
        self.t += 1
        return move

    def observe(self, own, opponent):
        self.seen.append((own, opponent))


def test_outcome_table():
    # rows: a = rock, paper, scissors; columns: b
    expected = [[0, -1, 1], [1, 0, -1], [-1, 1, 0]]
    for a in range(3):
        for b in range(3):
            assert outcome(a, b) == expected[a][b]
            assert outcome(a, b) == -outcome(b, a)
        assert outcome(beats(a), a) == 1


def test_draw_band_scales_with_sqrt_rounds():
    assert draw_band(1000) == pytest.approx(20.0)
    assert draw_band(4000) == pytest.approx(40.0)
    assert draw_band(250) == pytest.approx(10.0)


@pytest.mark.parametrize(
    "net, rounds, verdict",
    [
        (20, 1000, "draw"),
        (21, 1000, "win"),
        (-20, 1000, "draw"),
        (-21, 1000, "loss"),
        (10, 250, "draw"),
        (11, 250, "win"),
        (39, 4000, "draw"),
        (41, 4000, "win"),
        (0, 1, "draw"),
    ],
)
def test_match_verdict(net, rounds, verdict):
    assert match_verdict(net, rounds) == verdict


def test_play_match_counts_and_history():
    a = Scripted([0, 0, 1])  # rock rock paper
    b = Scripted([2, 1, 1])  # scissors paper paper
    result = play_match(a, b, rounds=9)
    assert result.rounds == 9
    assert list(result.moves_a) == [0, 0, 1] * 3
    assert list(result.moves_b) == [2, 1, 1] * 3
    assert list(result.outcomes) == [1, -1, 0] * 3
    assert (result.wins, result.losses, result.draws, result.net) == (3, 3, 3, 0)
    assert result.verdict == "draw"
    # Each agent observes its own move first.
    assert a.seen[0] == (0, 2) and b.seen[0] == (2, 0)


def test_play_match_is_antisymmetric_and_resets():
    a, b = Scripted([1]), Scripted([0, 0, 2])  # paper vs rock, rock, scissors
    ab = play_match(a, b, rounds=50)
    assert ab.net == 16 + 2  # +1 per cycle of three, then two more rocks
    ba = play_match(b, a, rounds=50)
    assert ba.net == -ab.net
    assert len(a.seen) == 50  # reset at the start of the second match


def test_paper_beats_rock_every_round():
    result = play_match(Scripted([1]), Scripted([0]), rounds=100)
    assert result.net == 100 and result.verdict == "win"
    assert result.summary()["verdict"] == "win"


def test_stepwise_match_with_a_person():
    bot = Scripted([0])
    match = Match(None, bot, rounds=3)
    r = match.step(move_a=1)
    assert (r.index, r.move_a, r.move_b, r.outcome, r.net) == (0, 1, 0, 1, 1)
    match.step(move_a=2)
    assert not match.done
    match.step(move_a=0)
    assert match.done
    assert match.result().net == 1 + -1 + 0
    assert match.result().name_a == "human"
    with pytest.raises(RuntimeError):
        match.step(move_a=0)


def test_stepwise_match_rejects_bad_moves():
    match = Match(None, Scripted([0]), rounds=5)
    with pytest.raises(ValueError):
        match.step()  # a person must pass a move
    with pytest.raises(ValueError):
        match.step(move_a=3)
    assert match.played == 0


def test_predictions_are_taken_before_the_round():
    class Predictor(Scripted):
        is_predictor = True

        def predict(self):
            # Expects the opponent to repeat its last move.
            p = np.full(3, 0.1)
            p[self.seen[-1][1] if self.seen else 0] = 0.8
            return p

    match = Match(None, Predictor([0]), rounds=2, record_predictions=True)
    first = match.step(move_a=2)
    second = match.step(move_a=1)
    assert first.pred_a is None
    assert first.pred_b.argmax() == 0  # nothing seen yet
    assert second.pred_b.argmax() == 2  # saw scissors last round, not this round's paper
    assert second.pred_b.sum() == pytest.approx(1.0)


def test_sim_imports_no_project_packages():
    tree = ast.parse(Path(rps.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= {"__future__", "math", "dataclasses", "typing", "numpy"}
