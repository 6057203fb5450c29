"""Reading a person's habits: a Bayesian model of their conditional response table.

People's next move depends on how the last round went and what they played (win-stay,
lose-shift, a cycling direction: agents.rps.people). `HabitModel` estimates that table,
P(next | last outcome, their last move), from few rounds by pooling: each of the 9 cells
starts from a Dirichlet prior built from the *shift* habits after that outcome (repeat,
move up, move down: 3 cells that fill three times faster), which start from a flat prior
or from everyone's saved games (`HabitPrior`). Counts decay each time their cell is seen
again, so a change of habit is re-learnt within a few visits.

    model = HabitModel()
    model.update(own=ai_move, opp=person_move)     # after every round
    model.dist()                                    # P(person's next move)
    model.estimates()                               # the table, for "what it learned about you"
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agents.rps.base import register
from agents.rps.predictors import UNIFORM, HistoryModel, PredictorAgent
from game.sim.rps import outcome

PRIOR_STRENGTH = 40.0  # rounds per outcome a prior counts for: a person's own ~100 outweigh it
# The person's view of a round, as a row index: 0 they won, 1 draw, 2 they lost.
ROW = {1: 0, 0: 1, -1: 2}
SHIFTS = ("repeat", "up", "down")  # next = last, last + 1 (beats last), last + 2


@dataclass(frozen=True)
class HabitPrior:
    """Pseudo-counts of the shift habits after each outcome: (3 outcomes) x (3 shifts)."""

    shifts: tuple[tuple[float, float, float], ...] = ((0.0,) * 3,) * 3

    def scaled(self, strength: float) -> HabitPrior:
        """The same habits, worth `strength` rounds per outcome."""
        rows = []
        for row in self.shifts:
            total = sum(row)
            rows.append(tuple(strength * c / total for c in row) if total else (0.0,) * 3)
        return HabitPrior(tuple(rows))

    @classmethod
    def from_games(
        cls, games: Iterable[Sequence[tuple[int, int]]], strength: float = PRIOR_STRENGTH
    ):
        """A prior worth `strength` rounds per outcome, from saved games given as lists of
        (AI move, person move): everyone's habits pooled, as a starting guess."""
        counts = [[0.0, 0.0, 0.0] for _ in range(3)]
        for game in games:
            for (ai, me), (_, nxt) in zip(game, game[1:], strict=False):
                counts[ROW[outcome(me, ai)]][(nxt - me) % 3] += 1.0
        return cls(tuple(tuple(row) for row in counts)).scaled(strength)


# What people do on average, as a starting guess for everyone: the shift habits of the
# "tune" split of simulated people pooled (agents.rps.levels.prior_from_people(50), which a
# test checks), i.e. the studies' win-stay, lose-shift and upward cycle. Never the held-out
# people the bench measures.
PEOPLE_PRIOR = HabitPrior(
    ((0.4232, 0.3127, 0.2641), (0.3550, 0.3429, 0.3021), (0.2538, 0.3944, 0.3518))
).scaled(PRIOR_STRENGTH)


class HabitModel(HistoryModel):
    """P(person's next move | last outcome, their last move), a two-level Dirichlet model.

    `decay`: each visit of a cell multiplies its counts first (1: never forget);
    `cell_prior`: how many rounds the shift habits count for in a cell of the table;
    `flat`: pseudo-counts of "no habit" in each shift row.
    """

    def __init__(
        self,
        decay: float = 0.99,
        cell_prior: float = 30.0,
        flat: float = 3.0,
        prior: HabitPrior | None = None,
        twice_prior: float = 3.0,
    ) -> None:
        self.decay = decay
        self.twice_prior = twice_prior
        self.cell_prior = cell_prior
        self.flat = flat
        self.prior = prior or HabitPrior()
        self.reset()

    def reset(self) -> None:
        self.cells = [[[0.0, 0.0, 0.0] for _ in range(3)] for _ in range(3)]  # [row][last]
        self.shifts = [[0.0, 0.0, 0.0] for _ in range(3)]  # [row][shift]
        # The same after they played one move twice running (do they avoid a third?).
        self.twice = [[0.0, 0.0, 0.0] for _ in range(3)]
        self.last: tuple[int, int] | None = None  # (row, their last move)
        self.repeated = False  # their last two moves were the same
        self.rounds = 0

    def update(self, own: int, opp: int) -> None:
        d = self.decay
        if self.last is not None:
            row, mine = self.last
            cell = self.cells[row][mine]
            shift = self.shifts[row]
            for x in range(3):
                cell[x] *= d
                shift[x] *= d
            cell[opp] += 1.0
            shift[(opp - mine) % 3] += 1.0
            if self.repeated:
                twice = self.twice[row]
                for x in range(3):
                    twice[x] *= d
                twice[(opp - mine) % 3] += 1.0
        self.repeated = self.last is not None and self.last[1] == opp
        self.last = (ROW[outcome(opp, own)], opp)
        self.rounds += 1

    def shift_dist(self, row: int, repeated: bool = False) -> list[float]:
        """P(repeat, up, down) after outcome `row`: the pooled habit; `repeated`: after they
        played the same move twice (that habit, with the pooled one as its prior)."""
        base = self.prior.shifts[row]
        counts = [self.shifts[row][k] + base[k] + self.flat / 3 for k in range(3)]
        total = sum(counts)
        pooled = [c / total for c in counts]
        if not repeated:
            return pooled
        twice, a = self.twice[row], self.twice_prior
        total = sum(twice) + a
        return [(twice[k] + a * pooled[k]) / total for k in range(3)]

    def cell_dist(self, row: int, mine: int, repeated: bool = False) -> list[float]:
        """P(next move) after outcome `row` with their last move `mine`."""
        shift = self.shift_dist(row, repeated)
        cell = self.cells[row][mine]
        a = self.cell_prior
        total = sum(cell) + a
        return [(cell[x] + a * shift[(x - mine) % 3]) / total for x in range(3)]

    def dist(self) -> list[float]:
        if self.last is None:
            return list(UNIFORM)
        return self.cell_dist(*self.last, self.repeated)

    def seen(self, row: int) -> float:
        """The (decayed) rounds behind the shift habits after outcome `row`."""
        return sum(self.shifts[row])


@register(
    "habits",
    "predictor",
    "Reads your habits: what you play after a win, a loss or a draw (Bayesian, from few rounds)",
)
class HabitAgent(PredictorAgent):
    """Plays the expected-value best reply to HabitModel's prediction; no meta layer."""

    known_as = "habits"

    def __init__(self, seed: int = 0, decay: float = 0.99, prior: HabitPrior | None = None):
        self.decay = decay
        self.prior = prior
        super().__init__(seed)

    def make_model(self) -> HistoryModel:
        return HabitModel(decay=self.decay, prior=self.prior)


RECENT_DECAY, RECORD_DECAY = 0.97, 0.99  # the reader's results over ~33 and ~100 rounds


class ReaderOverMeta:
    """The top of the `lstm` agent: the habit reader's reply, or its meta layer's move.

    Against a person, hundreds of strategies scored on noisy rounds make the meta layer chase
    noise (the best of many decayed scores is mostly luck) and its fall-back to random play
    trip on a bad patch, so the reader's reply is the default. Both are scored every round
    as if played (decayed by `decay`), and the meta layer's move is played while its score
    leads the reader's by `meta_margin`: a program the meta layer reads gives it that lead
    within a couple of dozen rounds, a person's noise hardly ever does.

    The reader's reply is a plain function of the last round, which an adaptive program
    learns to beat once it is played. So its results in the rounds it was played are kept
    (`record`, over ~100 rounds): at `-suspect_at` the opponent is taken for a program
    reading it (`suspect`, for the rest of the match), and from then on the reader has to
    earn each round: it is played only while its score leads the meta layer's by
    `suspect_margin` and its `recent` results (~33 rounds) stay above `-recent_floor`.
    A person's bad patch sinks the record that far for about one person in ten (mostly the
    noisiest, bench/rps_people.py); a program that reads the reader does so within a few
    dozen to a few hundred rounds. Letting a suspected reader back in on a lead of 1 cost
    ~50 per 1000 against dllu-like (bench/rps_population.py), hence the wide margin.
    """

    def __init__(
        self,
        model: HabitModel,
        decay: float = 0.98,
        meta_margin: float = 12.0,
        suspect_at: float = 7.0,
        suspect_margin: float = 8.0,
        recent_floor: float = 3.0,
    ) -> None:
        self.model = model
        self.decay = decay
        self.meta_margin = meta_margin
        self.suspect_at = suspect_at
        self.suspect_margin = suspect_margin
        self.recent_floor = recent_floor
        self.reset()

    def reset(self) -> None:
        self.meta_score = 0.0
        self.reader_score = 0.0
        # The reader's results in the rounds it was played, over ~33 and ~100 rounds.
        self.recent = 0.0
        self.record = 0.0
        self.using_reader = False
        self.suspect = False  # the reader was beaten while played: a program reading it
        self._moves: tuple[int, int] | None = None  # (meta's chosen move, reader's reply)

    def choose(self, meta_move: int, reader_move: int) -> bool:
        """True when the reader's reply is to be played this round."""
        self._moves = (meta_move, reader_move)
        if self.record <= -self.suspect_at:
            self.suspect = True
        if self.suspect:  # the reader has to earn each round: lead the meta layer
            ok = self.reader_score > self.meta_score + self.suspect_margin
            ok = ok and self.recent > -self.recent_floor
        else:
            ok = self.meta_score <= self.reader_score + self.meta_margin
        self.using_reader = ok
        return self.using_reader

    def observe(self, opp: int) -> None:
        if self._moves is None:
            return
        meta_move, reader_move = self._moves
        d = self.decay
        self.meta_score = self.meta_score * d + outcome(meta_move, opp)
        self.reader_score = self.reader_score * d + outcome(reader_move, opp)
        self.recent *= RECENT_DECAY
        self.record *= RECORD_DECAY
        if self.using_reader:
            result = outcome(reader_move, opp)
            self.recent += result
            self.record += result
        self._moves = None
