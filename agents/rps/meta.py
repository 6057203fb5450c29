"""Iocaine-style meta-strategy: many predictors, each in its three Sicilian rotations.

After Dan Egnor's Iocaine Powder (winner of the 1999 RoShamBo competition), from its
published description. A prediction "they will play p" gives three strategies:

- P   : they play p, so we play what beats p;
- P'  : they expect P and beat our reply, so they play p + 2;
- P'' : they expect P' and beat that, so they play p + 1.

The same again for the other side: predict *our* next move q the way the opponent
would (the predictor run on the swapped history); they play what beats q, and the
three rotations of that. Every strategy is scored on every round (as if it had been
played) with exponentially decayed scores; several decay rates are kept, each picks
its best strategy, and a second decayed score picks among those picks.

`SicilianMeta` is that layer on its own, for any source of predictions (the LSTM uses it):

    meta = SicilianMeta(rng)
    move = meta.choose(opp_dists=[p1, p2], own_dists=[q1])   # each a length-3 distribution
    ...                                                      # play the round
    meta.observe(own=move, opp=their_move)
    meta.prediction   # P(opponent's next move) behind the chosen move, shape (3,)
    meta.exploited    # True while the fall-back to random play is on
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import numpy as np

from agents.rps.base import Agent, register
from agents.rps.predictors import (
    UNIFORM,
    FrequencyModel,
    HistoryModel,
    MarkovModel,
    PatternModel,
    counter_move,
)
from game.sim.rps import OUTCOME_BY_DIFF

_OUTCOME = np.array(OUTCOME_BY_DIFF, dtype=np.int8)  # outcome(a, b) at (a - b) % 3


def rotate(dist: Sequence[float], k: int) -> list[float]:
    """Shift a distribution over moves by k: P'(x + k) = P(x)."""
    k %= 3
    return [dist[(x - k) % 3] for x in range(3)]


class SicilianMeta:
    """Picks among Sicilian rotations of any predictions, by decayed score.

    Each `choose()` takes `opp_dists` (P(opponent's next move), one per source) and
    optionally `own_dists` (P(our next move) as the opponent might predict it, one per
    source); the number of each must stay the same for the whole match. It returns the
    move to play. `observe()` must follow every round.

    Fall-back: when the net score over the last `window` rounds is below
    `-exploit_threshold`, the opponent is reading us, so play uniformly at random
    (unexploitable) until the window recovers. Strategy scores keep updating meanwhile.
    """

    def __init__(
        self,
        rng: np.random.Generator,
        decays: Sequence[float] = (0.7, 0.9, 0.99),
        meta_decay: float = 0.97,
        window: int = 100,
        exploit_threshold: int = 10,
    ) -> None:
        self.rng = rng
        self.decays = np.asarray(decays, dtype=float)
        self.meta_decay = meta_decay
        self.window = window
        self.exploit_threshold = exploit_threshold
        self.reset()

    def reset(self) -> None:
        self.scores: np.ndarray | None = None  # (len(decays), n_strategies)
        self.meta_scores = np.zeros(len(self.decays))
        self.recent: deque[int] = deque()
        self.recent_net = 0
        self._moves: np.ndarray | None = None  # every strategy's move this round
        self._dists: list[list[float]] = []
        self._picks: np.ndarray | None = None  # each decay's chosen move this round
        self.chosen = -1  # index of the strategy behind the last move (-1: random)
        self.prediction = np.array(UNIFORM)

    @property
    def exploited(self) -> bool:
        return self.recent_net < -self.exploit_threshold

    def strategies(
        self, opp_dists: Sequence[Sequence[float]], own_dists: Sequence[Sequence[float]] = ()
    ) -> list[list[float]]:
        """Every strategy as a P(opponent's next move): 3 rotations per source, per side."""
        bases = [list(p) for p in opp_dists]
        # They play what beats the move they expect from us.
        bases += [rotate(q, 1) for q in own_dists]
        return [rotate(b, k) for b in bases for k in (0, 2, 1)]

    def choose(
        self, opp_dists: Sequence[Sequence[float]], own_dists: Sequence[Sequence[float]] = ()
    ) -> int:
        dists = self.strategies(opp_dists, own_dists)
        # One EV reply per base; rotating the prediction by k rotates the reply by k.
        moves = []
        for i in range(0, len(dists), 3):
            m = counter_move(dists[i], self.rng)
            moves += [m, (m + 2) % 3, (m + 1) % 3]
        self._moves = np.array(moves, dtype=np.int8)
        self._dists = dists
        if self.scores is None:
            self.scores = np.zeros((len(self.decays), len(moves)))
        elif self.scores.shape[1] != len(moves):
            raise ValueError(
                f"SicilianMeta got {len(moves)} strategies, expected {self.scores.shape[1]}: "
                "pass the same number of sources every round"
            )
        best = self.scores.argmax(axis=1)  # each decay's favourite strategy
        self._picks = self._moves[best]
        level = int(self.meta_scores.argmax())
        if self.exploited:
            self.chosen = -1
            self.prediction = np.array(UNIFORM)
            return int(self.rng.integers(3))
        self.chosen = int(best[level])
        self.prediction = np.array(dists[self.chosen])
        return int(self._moves[self.chosen])

    def observe(self, own: int, opp: int) -> None:
        """Score every strategy (and each decay's pick) against the opponent's actual move."""
        if self._moves is not None:
            gained = _OUTCOME[(self._moves - opp) % 3]
            self.scores = self.scores * self.decays[:, None] + gained[None, :]
            self.meta_scores = (
                self.meta_scores * self.meta_decay + _OUTCOME[(self._picks - opp) % 3]
            )
            self._moves = None
        result = int(_OUTCOME[(own - opp) % 3])
        self.recent.append(result)
        self.recent_net += result
        if len(self.recent) > self.window:
            self.recent_net -= self.recent.popleft()


def default_models() -> list[HistoryModel]:
    """The base predictors the Iocaine agent runs (on each side of the history)."""
    return [
        FrequencyModel(),
        FrequencyModel(window=20),
        MarkovModel(order=1),
        MarkovModel(order=2),
        MarkovModel(order=3),
        PatternModel("joint"),
        PatternModel("opp"),
        PatternModel("own"),
    ]


@register("iocaine", "meta", "Iocaine-style meta: every predictor in its 6 Sicilian rotations")
class IocaineAgent(Agent):
    """Runs `default_models()` twice: on the true history (what will they play?) and on
    the swapped one (what do they think we will play?), and lets SicilianMeta choose."""

    is_predictor = True

    def _reset(self) -> None:
        self.theirs = default_models()  # predicts the opponent
        self.ours = default_models()  # predicts us, from the opponent's side
        self.meta = SicilianMeta(self.rng)
        self._next: int | None = None  # this round's move, chosen once (predict or act)

    def _observe(self, own: int, opponent: int) -> None:
        self.meta.observe(own, opponent)
        for model in self.theirs:
            model.update(own, opponent)
        for model in self.ours:
            model.update(opponent, own)
        self._next = None

    def _decide(self) -> int:
        if self._next is None:
            self._next = self.meta.choose(
                [m.dist() for m in self.theirs], [m.dist() for m in self.ours]
            )
        return self._next

    def _act(self) -> int:
        return self._decide()

    def predict(self) -> np.ndarray:
        """P(opponent's next move) behind this round's choice (uniform while exploited)."""
        self._decide()
        return self.meta.prediction.copy()
