"""Round-robin tournaments between registered agents.

    result = round_robin(["iocaine", "markov", "rock"], rounds=1000, seeds=3)
    result.net          # (n, n) mean net score of row vs column; net[a, b] == -net[b, a]
    result.table()      # ranking rows: name, W, L, D, points, net

Each pair plays once per seed (so the matrix is antisymmetric by construction). A match
counts as a win only beyond the draw band (20 over 1000 rounds, scaled by sqrt(N)).
Safe to run in a background thread: pass `progress(done, total)` and a `cancel` Event;
`on_match(MatchPlayed)` hears of each match as it ends, so a screen can fill its matrix
live (feed them to a `Tally` for the result so far).
A cancelled tournament keeps what was played: unplayed matches are NaN, never 0, so they
do not pull averages towards a draw; a pair with no match at all has net NaN.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from agents.rps.base import make_agent
from game.sim.rps import Match, draw_band, match_verdict

# Seed offset for the second agent of a pair, so two random-ish agents never share a stream.
SECOND_SEED_OFFSET = 1_000_003
CANCEL_CHECK_ROUNDS = 250  # a cancel is noticed within this many rounds, even mid-match


@dataclass
class TournamentResult:
    names: list[str]
    rounds: int
    seeds: int
    net: np.ndarray  # (n, n) mean net over the played seeds, row agent's view; NaN: unplayed
    matches: np.ndarray  # (n, n, seeds) net per match; NaN where a match was not played
    wins: dict[str, int] = field(default_factory=dict)
    losses: dict[str, int] = field(default_factory=dict)
    draws: dict[str, int] = field(default_factory=dict)
    complete: bool = True  # False when cancelled part-way

    def points(self, name: str) -> float:
        """Chess-style match points: 1 per win, 1/2 per draw."""
        return self.wins[name] + 0.5 * self.draws[name]

    def played(self, name: str) -> int:
        """Matches this agent played (fewer than scheduled when cancelled)."""
        return self.wins[name] + self.losses[name] + self.draws[name]

    def total_net(self, name: str) -> float:
        """Mean net per opponent, summed over the opponents it has played."""
        return float(np.nansum(self.net[self.names.index(name)]))

    def ranking(self) -> list[str]:
        """Names by points, then summed net score; agents that played nothing come last."""
        return sorted(
            self.names,
            key=lambda n: (self.played(n) > 0, self.points(n), self.total_net(n)),
            reverse=True,
        )

    def table(self) -> list[dict[str, Any]]:
        """Ranking rows; `net` is None for an agent that played no match."""
        return [
            {
                "rank": i + 1,
                "name": name,
                "played": self.played(name),
                "wins": self.wins[name],
                "losses": self.losses[name],
                "draws": self.draws[name],
                "points": self.points(name),
                "net": round(self.total_net(name), 1) if self.played(name) else None,
            }
            for i, name in enumerate(self.ranking())
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "agents": self.names,
            "rounds": self.rounds,
            "seeds": self.seeds,
            "draw_band": draw_band(self.rounds),
            "complete": self.complete,
            "net": [[None if np.isnan(v) else round(float(v), 2) for v in row] for row in self.net],
            "ranking": self.table(),
        }


@dataclass(frozen=True)
class MatchPlayed:
    """One finished match of a round-robin: names[i] vs names[j], seed s, net for i."""

    i: int
    j: int
    seed: int
    net: int


class Tally:
    """A round-robin's matches so far; `result()` is the TournamentResult they make."""

    def __init__(self, names: Sequence[str], rounds: int, seeds: int) -> None:
        n = len(names)
        self.names, self.rounds, self.seeds = list(names), rounds, seeds
        self.matches = np.full((n, n, seeds), np.nan)  # NaN until played
        self.matches[np.arange(n), np.arange(n)] = 0.0  # against itself: even by definition
        self.record = {name: [0, 0, 0] for name in names}  # wins, losses, draws
        self.played = 0

    def add(self, m: MatchPlayed) -> None:
        self.matches[m.i, m.j, m.seed], self.matches[m.j, m.i, m.seed] = m.net, -m.net
        verdict = match_verdict(m.net, self.rounds)
        if verdict == "draw":
            self.record[self.names[m.i]][2] += 1
            self.record[self.names[m.j]][2] += 1
        else:
            winner, loser = (m.i, m.j) if verdict == "win" else (m.j, m.i)
            self.record[self.names[winner]][0] += 1
            self.record[self.names[loser]][1] += 1
        self.played += 1

    def result(self, complete: bool) -> TournamentResult:
        return TournamentResult(
            names=list(self.names),
            rounds=self.rounds,
            seeds=self.seeds,
            net=_mean_played(self.matches),
            matches=self.matches.copy(),
            wins={k: v[0] for k, v in self.record.items()},
            losses={k: v[1] for k, v in self.record.items()},
            draws={k: v[2] for k, v in self.record.items()},
            complete=complete,
        )


def round_robin(
    names: Sequence[str],
    rounds: int = 1000,
    seeds: int = 1,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
    on_match: Callable[[MatchPlayed], None] | None = None,
) -> TournamentResult:
    """Every pair of `names` plays `seeds` matches of `rounds` rounds (seed s = 0..seeds-1)."""
    names = list(names)
    if len(set(names)) != len(names):
        raise ValueError("agent names must be distinct")
    if seeds < 1 or rounds < 1:
        raise ValueError("rounds and seeds must be >= 1")
    tally = Tally(names, rounds, seeds)
    pairs = list(combinations(range(len(names)), 2))
    total, complete = len(pairs) * seeds, True
    for i, j in pairs:
        for s in range(seeds):
            if cancel is not None and cancel.is_set():
                complete = False
                break
            a = make_agent(names[i], seed=s)
            b = make_agent(names[j], seed=s + SECOND_SEED_OFFSET)
            net = _play(a, b, rounds, cancel)
            if net is None:  # cancelled mid-match: that match stays unplayed (NaN)
                complete = False
                break
            played = MatchPlayed(i, j, s, net)
            tally.add(played)
            if on_match is not None:
                on_match(played)
            if progress is not None:
                progress(tally.played, total)
        if not complete:
            break
    return tally.result(complete)


def _play(a: Any, b: Any, rounds: int, cancel: threading.Event | None) -> int | None:
    """a's net score over a streamed match (running totals only: flat memory for any
    length); None when `cancel` is set before it ends."""
    match = Match(a, b, rounds, keep_history=False)
    while not match.done:
        if cancel is not None and cancel.is_set():
            return None
        match.play_rounds(CANCEL_CHECK_ROUNDS)
    return match.net


def _mean_played(matches: np.ndarray) -> np.ndarray:
    """Mean over seeds of the played matches only; NaN where a pair played none."""
    played = ~np.isnan(matches)
    count = played.sum(axis=2)
    total = np.where(played, matches, 0.0).sum(axis=2)
    return np.divide(total, count, out=np.full(count.shape, np.nan), where=count > 0)
