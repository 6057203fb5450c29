"""Rock-paper-scissors rules and match running. Pure stdlib + numpy.

Moves: 0 rock, 1 paper, 2 scissors; `a` beats `b` iff (a - b) % 3 == 1.

Agents are duck-typed (this module never imports `agents`): anything with
`reset()`, `act() -> int` and `observe(own=, opponent=)` plays; `predict()` and
`is_predictor` are used when present.

    result = play_match(agent_a, agent_b, rounds=1000)
    result.net, result.verdict             # net score for a, "win" / "loss" / "draw"

    match = Match(agent_a, agent_b, rounds=100)   # round by round, for screens
    while not match.done:
        rnd = match.step()                 # or match.step(move_a=human_key) for a person

    totals = play_match_totals(agent_a, agent_b, rounds=10**9)   # streamed: flat memory
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

# The one source of the move encoding and rules: agents, envs and screens import these.
ROCK, PAPER, SCISSORS = 0, 1, 2
MOVES = (ROCK, PAPER, SCISSORS)
MOVE_NAMES = ("rock", "paper", "scissors")
MOVE_LETTERS = ("R", "P", "S")
# outcome(a, b) indexed by (a - b) % 3: equal draws, one step ahead wins, two steps loses.
OUTCOME_BY_DIFF = (0, 1, -1)
# How the winner of each winning pair (winner, loser) wins, for a person to read.
WIN_PHRASES = {
    (ROCK, SCISSORS): "rock crushes scissors",
    (PAPER, ROCK): "paper covers rock",
    (SCISSORS, PAPER): "scissors cut paper",
}

# Kaggle's RPS competition counted a 1000-round match as won only beyond +20 net.
DRAW_BAND_1000 = 20.0


class ProgressFn(Protocol):
    def __call__(self, played: int) -> None: ...


def outcome(a: int, b: int) -> int:
    """+1 if move a beats move b, -1 if b beats a, 0 on a draw."""
    return OUTCOME_BY_DIFF[(a - b) % 3]


def beats(move: int) -> int:
    """The move that beats `move` (the counter to it)."""
    return (move + 1) % 3


def loses_to(move: int) -> int:
    """The move that `move` beats."""
    return (move + 2) % 3


def round_phrase(a: int, b: int) -> str:
    """Why a round came out as it did: "paper covers rock", or "both played rock"."""
    if a == b:
        return f"both played {MOVE_NAMES[a]}"
    return WIN_PHRASES[(a, b) if outcome(a, b) == 1 else (b, a)]


def draw_band(rounds: int) -> float:
    """Half-width of the draw band: 20 over 1000 rounds, scaled by sqrt(N / 1000).

    The net score of two random players has a standard deviation of about
    sqrt(2N/3), so the band grows with sqrt(N) to keep the same meaning.
    """
    return DRAW_BAND_1000 * math.sqrt(max(rounds, 0) / 1000.0)


def match_verdict(net: float, rounds: int) -> str:
    """'win' when net > band, 'loss' when net < -band, else 'draw' (from a's view)."""
    band = draw_band(rounds)
    if net > band:
        return "win"
    if net < -band:
        return "loss"
    return "draw"


@dataclass(frozen=True)
class Round:
    """One played round. `pred_*` is that agent's P(other's move) before the round, if asked."""

    index: int
    move_a: int
    move_b: int
    outcome: int  # from a's view
    net: int  # running net score for a after this round
    pred_a: np.ndarray | None = None
    pred_b: np.ndarray | None = None


@dataclass(frozen=True)
class MatchTotals:
    """Running totals of a match, from a's point of view: all a long match needs to keep."""

    wins: int = 0
    losses: int = 0
    draws: int = 0
    name_a: str = "a"
    name_b: str = "b"

    @property
    def rounds(self) -> int:
        return self.wins + self.losses + self.draws

    @property
    def net(self) -> int:
        return self.wins - self.losses

    @property
    def verdict(self) -> str:
        return match_verdict(self.net, self.rounds)

    def summary(self) -> dict[str, Any]:
        """JSON-friendly summary."""
        return {
            "a": self.name_a,
            "b": self.name_b,
            "rounds": self.rounds,
            "net": self.net,
            "wins": self.wins,
            "losses": self.losses,
            "draws": self.draws,
            "draw_band": draw_band(self.rounds),
            "verdict": self.verdict,
        }


@dataclass
class MatchResult:
    """Everything about a finished (or partly played) match, from a's point of view."""

    moves_a: np.ndarray
    moves_b: np.ndarray
    outcomes: np.ndarray  # per round: +1 a won, -1 a lost, 0 draw
    name_a: str = "a"
    name_b: str = "b"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rounds(self) -> int:
        return int(len(self.outcomes))

    @property
    def net(self) -> int:
        return int(self.outcomes.sum())

    @property
    def wins(self) -> int:
        return int((self.outcomes == 1).sum())

    @property
    def losses(self) -> int:
        return int((self.outcomes == -1).sum())

    @property
    def draws(self) -> int:
        return int((self.outcomes == 0).sum())

    @property
    def verdict(self) -> str:
        return match_verdict(self.net, self.rounds)

    def totals(self) -> MatchTotals:
        return MatchTotals(self.wins, self.losses, self.draws, self.name_a, self.name_b)

    def summary(self) -> dict[str, Any]:
        """JSON-friendly summary (no per-round arrays)."""
        return self.totals().summary()


def _name(agent: Any, default: str) -> str:
    return str(getattr(agent, "name", default)) if agent is not None else "human"


def _wants_prediction(agent: Any) -> bool:
    return agent is not None and bool(getattr(agent, "is_predictor", False))


class Tally:
    """A match's running count from a's view; Match and a screen's view of one share it."""

    rounds: int
    played: int
    wins: int
    losses: int

    @property
    def draws(self) -> int:
        return self.played - self.wins - self.losses

    @property
    def done(self) -> bool:
        return self.played >= self.rounds


class Match(Tally):
    """A match played one round at a time (screens step it; play_match runs it to the end).

    `agent_a` may be None for a person: then every step() must pass `move_a`.
    With record_predictions=True each Round carries predictor agents' P(opponent's move)
    taken *before* the round, so a screen can reveal it afterwards.
    With keep_history=False only running totals are kept (memory stays flat however long
    the match); result() then needs the history and raises, totals() still works.
    """

    def __init__(
        self,
        agent_a: Any,
        agent_b: Any,
        rounds: int = 1000,
        record_predictions: bool = False,
        reset: bool = True,
        keep_history: bool = True,
    ) -> None:
        if rounds < 1:
            raise ValueError(f"rounds must be >= 1, got {rounds}")
        self.agent_a = agent_a
        self.agent_b = agent_b
        self.rounds = rounds
        self.record_predictions = record_predictions
        self.keep_history = keep_history
        if reset:
            for agent in (agent_a, agent_b):
                if agent is not None:
                    agent.reset()
        self._a: list[int] = []
        self._b: list[int] = []
        self._out: list[int] = []
        self.played = 0
        self.net = 0
        self.wins = 0
        self.losses = 0

    def _predict(self, agent: Any) -> np.ndarray | None:
        if self.record_predictions and _wants_prediction(agent):
            return np.asarray(agent.predict(), dtype=float)
        return None

    def step(self, move_a: int | None = None, move_b: int | None = None) -> Round:
        """Play one round. A move passed in replaces asking that agent (a person's key)."""
        if self.done:
            raise RuntimeError("match is over")
        pred_a, pred_b = self._predict(self.agent_a), self._predict(self.agent_b)
        a, b, out = self._play(move_a, move_b)
        return Round(self.played - 1, a, b, out, self.net, pred_a, pred_b)

    def _play(self, move_a: int | None, move_b: int | None) -> tuple[int, int, int]:
        a = self._move(self.agent_a, move_a, "a")
        b = self._move(self.agent_b, move_b, "b")
        if self.agent_a is not None:
            self.agent_a.observe(own=a, opponent=b)
        if self.agent_b is not None:
            self.agent_b.observe(own=b, opponent=a)
        out = outcome(a, b)
        self.played += 1
        self.net += out
        if out == 1:
            self.wins += 1
        elif out == -1:
            self.losses += 1
        if self.keep_history:
            self._a.append(a)
            self._b.append(b)
            self._out.append(out)
        return a, b, out

    def play_rounds(self, n: int) -> None:
        """Play up to `n` agent-vs-agent rounds (fewer at the end of the match) without
        building Round objects: the fast path for long headless matches."""
        play = self._play
        for _ in range(min(n, self.rounds - self.played)):
            play(None, None)

    @staticmethod
    def _move(agent: Any, given: int | None, side: str) -> int:
        if given is None:
            if agent is None:
                raise ValueError(f"player {side} is a person: pass move_{side}")
            given = agent.act()
        move = int(given)
        if move not in MOVES:
            raise ValueError(f"player {side} played invalid move {given!r}")
        return move

    def totals(self) -> MatchTotals:
        """The running totals so far (kept with or without the history)."""
        return MatchTotals(
            self.wins, self.losses, self.draws, _name(self.agent_a, "a"), _name(self.agent_b, "b")
        )

    def result(self) -> MatchResult:
        """The match so far (complete once `done`), with every round's moves."""
        if not self.keep_history:
            raise RuntimeError("this match keeps no history (keep_history=False): use totals()")
        return MatchResult(
            moves_a=np.array(self._a, dtype=np.int8),
            moves_b=np.array(self._b, dtype=np.int8),
            outcomes=np.array(self._out, dtype=np.int8),
            name_a=_name(self.agent_a, "a"),
            name_b=_name(self.agent_b, "b"),
        )


def play_match(agent_a: Any, agent_b: Any, rounds: int = 1000) -> MatchResult:
    """Reset both agents and play `rounds` rounds; the result is from a's view."""
    match = Match(agent_a, agent_b, rounds)
    while not match.done:
        match.step()
    return match.result()


def play_match_totals(
    agent_a: Any,
    agent_b: Any,
    rounds: int = 1000,
    progress: ProgressFn | None = None,
    every: int = 10_000,
) -> MatchTotals:
    """Like play_match, but streamed: running totals only, so memory stays flat for any
    number of rounds. `progress(played)` is called every `every` rounds and at the end."""
    match = Match(agent_a, agent_b, rounds, keep_history=False)
    while not match.done:
        match.play_rounds(every)
        if progress is not None:
            progress(match.played)
    return match.totals()
