"""Simulated people: a seeded population of RPS players with human-like habits (no TF).

A simulated proxy of the players in the laboratory studies (Wang, Xu & Zhou 2014, "Social
cycling and conditional responses in the Rock-Paper-Scissors game"; Wang et al. 2020), not
real people: each person's next move depends on the last round's outcome and their own
last move (a *conditional response table*), with the studies' qualitative habits drawn per
person from the ranges in `RANGES`:

- win-stay / lose-shift: after a win they repeat more often than after a loss;
- a cycling direction: their shifts lean one way (most towards the move that beats their
  own last, "R -> P -> S"), each person with their own skew;
- a favourite move; per-person noise (a share of purely random moves);
- slow drift of the whole table (a mean-reverting random walk) and sudden changes of habit
  (a fresh table at a random round);
- short memories: some avoid playing the same move three times, some shift harder after two
  losses in a row;
- mixtures: some switch between two habits in spells.

    person = make_person(seed=3, split="heldout")
    person.reset()
    p = person.next_dist()          # the exact P(their next move), what an oracle knows
    move = person.act()             # drawn from that distribution
    person.observe(own=move, opponent=ai_move)

`population(n, split)` gives n people; "tune" and "heldout" draw from disjoint seed streams,
so an agent tuned on one is measured on people it never saw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.rps.base import Agent
from game.sim.rps import outcome

SPLITS = {"tune": 1, "heldout": 2}  # separate seed streams: never the same person


@dataclass(frozen=True)
class Ranges:
    """The ranges each person's habits are drawn from (uniformly unless said)."""

    win_stay: tuple[float, float] = (0.35, 0.70)  # P(repeat) after a win
    draw_stay: tuple[float, float] = (0.25, 0.55)  # after a draw
    lose_stay: tuple[float, float] = (0.10, 0.35)  # after a loss
    # Of the shifts, the share towards the move that beats their own last (the "up" cycle);
    # a person is an up-cycler with probability `up_share`, else the skew is mirrored.
    cycle_skew: tuple[float, float] = (0.50, 0.85)
    up_share: float = 0.7
    favourite: tuple[float, float] = (0.0, 0.6)  # extra log-odds of one favourite move
    noise: tuple[float, float] = (0.20, 0.60)  # share of purely random moves
    drift: tuple[float, float] = (0.0, 0.05)  # per-round random-walk step on the log-odds
    drift_pull: float = 0.02  # pull back towards the person's habit each round
    changes: float = 0.5  # share of people whose habit changes suddenly ...
    change_rate: tuple[float, float] = (1 / 300, 1 / 100)  # ... at this rate per round
    avoid_three: float = 0.5  # share who avoid playing a move three times running ...
    avoid_factor: tuple[float, float] = (0.1, 0.5)  # ... multiplying its odds by this
    tilt: float = 0.4  # share who shift harder after two losses in a row ...
    tilt_factor: tuple[float, float] = (0.3, 0.7)  # ... multiplying P(repeat) by this
    mixture: float = 0.3  # share with two habits, switching in spells ...
    mood_switch: tuple[float, float] = (0.02, 0.08)  # ... with this chance each round


RANGES = Ranges()


def _u(rng: np.random.Generator, lo_hi: tuple[float, float]) -> float:
    return float(rng.uniform(*lo_hi))


def draw_habit(rng: np.random.Generator, ranges: Ranges = RANGES) -> np.ndarray:
    """A habit: log-odds (3 outcomes, 3 last moves, 3 next moves) of the next move, by the
    last outcome (0 win, 1 draw, 2 loss, the person's view) and their own last move."""
    stays = [_u(rng, ranges.win_stay), _u(rng, ranges.draw_stay), _u(rng, ranges.lose_stay)]
    up = rng.random() < ranges.up_share
    fav = int(rng.integers(3))
    bias = np.zeros(3)
    bias[fav] = _u(rng, ranges.favourite)
    logits = np.empty((3, 3, 3))
    for o, stay in enumerate(stays):
        skew = _u(rng, ranges.cycle_skew)
        to_up = skew if up else 1.0 - skew
        shift = np.array([stay, (1 - stay) * to_up, (1 - stay) * (1 - to_up)])  # +0, +1, +2
        for last in range(3):
            p = np.array([shift[(x - last) % 3] for x in range(3)])
            logits[o, last] = np.log(p) + bias
    return logits


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


@dataclass(frozen=True)
class Traits:
    """One person's fixed traits (drawn once from their seed)."""

    noise: float
    drift: float
    change_rate: float  # 0: never changes habit
    avoid_factor: float  # 1: does not mind three in a row
    tilt_factor: float  # 1: no tilt after two losses
    mood_switch: float  # 0: one habit only


def draw_traits(rng: np.random.Generator, ranges: Ranges = RANGES) -> Traits:
    def maybe(share: float, lo_hi: tuple[float, float], off: float) -> float:
        hit = rng.random() < share
        value = _u(rng, lo_hi)  # always drawn: the stream does not depend on the coin
        return value if hit else off

    return Traits(
        noise=_u(rng, ranges.noise),
        drift=_u(rng, ranges.drift),
        change_rate=maybe(ranges.changes, ranges.change_rate, 0.0),
        avoid_factor=maybe(ranges.avoid_three, ranges.avoid_factor, 1.0),
        tilt_factor=maybe(ranges.tilt, ranges.tilt_factor, 1.0),
        mood_switch=maybe(ranges.mixture, ranges.mood_switch, 0.0),
    )


class SimPerson(Agent):
    """One simulated person (an Agent, so it plays any match; not in the registry)."""

    name = "person"
    is_random = False

    def __init__(self, seed: int = 0, split: str = "heldout", ranges: Ranges = RANGES) -> None:
        if split not in SPLITS:
            raise ValueError(f"split must be one of {sorted(SPLITS)}, got {split!r}")
        self.split = split
        self.ranges = ranges
        traits_rng = np.random.default_rng([SPLITS[split], seed, 0])
        self.traits = draw_traits(traits_rng, ranges)
        super().__init__(seed)

    def _reset(self) -> None:
        # Habits and play draw from their own streams: a match replays exactly.
        self.rng = np.random.default_rng([SPLITS[self.split], self.seed, 1])
        self.habit_rng = np.random.default_rng([SPLITS[self.split], self.seed, 2])
        n_habits = 2 if self.traits.mood_switch > 0 else 1
        self.habits = [draw_habit(self.habit_rng, self.ranges) for _ in range(n_habits)]
        self.current = [h.copy() for h in self.habits]  # the drifting tables
        self.mood = 0
        self.changed_at: list[int] = []  # rounds at which a sudden change happened
        self._dist: np.ndarray | None = None

    # --- the person's state ------------------------------------------------------------
    def table(self) -> np.ndarray:
        """The current response table: P(next move) by (last outcome, own last move), (3,3,3),
        noise included (without the short-memory effects, which need two rounds)."""
        z = self.current[self.mood]
        e = np.exp(z - z.max(axis=2, keepdims=True))
        p = e / e.sum(axis=2, keepdims=True)
        return (1 - self.traits.noise) * p + self.traits.noise / 3

    def next_dist(self) -> np.ndarray:
        """The exact P(their next move) now: what a best response that knows them uses."""
        if self._dist is not None:
            return self._dist
        t = self.traits
        if not self.own:
            # First round: the favourite move's pull only, through noise.
            z = self.current[self.mood].mean(axis=(0, 1))
            p = (1 - t.noise) * _softmax(z) + t.noise / 3
        else:
            last, o = self.own[-1], outcome(self.own[-1], self.opp[-1])
            row = {1: 0, 0: 1, -1: 2}[o]
            z = self.current[self.mood][row, last].copy()
            if t.tilt_factor < 1 and o == -1 and len(self.own) >= 2:
                if outcome(self.own[-2], self.opp[-2]) == -1:
                    z[last] += np.log(t.tilt_factor)
            if t.avoid_factor < 1 and len(self.own) >= 2 and self.own[-2] == last:
                z[last] += np.log(t.avoid_factor)
            p = (1 - t.noise) * _softmax(z) + t.noise / 3
        self._dist = p
        return p

    def _act(self) -> int:
        return int(self.rng.choice(3, p=self.next_dist()))

    def _observe(self, own: int, opponent: int) -> None:
        t, r, h = self.traits, self.ranges, self.habit_rng
        self._dist = None
        # Always draw the same numbers per round, whatever the traits: a person's stream is
        # then independent of which effects they have.
        steps = h.normal(size=(len(self.current), 3, 3, 3))
        change, switch = h.random(), h.random()
        for k, cur in enumerate(self.current):
            cur += r.drift_pull * (self.habits[k] - cur) + t.drift * steps[k]
        if change < t.change_rate:
            self.habits[self.mood] = draw_habit(h, r)
            self.current[self.mood] = self.habits[self.mood].copy()
            self.changed_at.append(len(self.own))
        if switch < t.mood_switch:
            self.mood = 1 - self.mood


def make_person(seed: int, split: str = "heldout", ranges: Ranges = RANGES) -> SimPerson:
    return SimPerson(seed=seed, split=split, ranges=ranges)


def population(n: int, split: str = "heldout", ranges: Ranges = RANGES) -> list[SimPerson]:
    """`n` people of one split (seeds 0..n-1 of its stream)."""
    return [make_person(i, split, ranges) for i in range(n)]
