"""History predictors: frequency counter, order-k Markov on the joint history, pattern matching.

Each predictor is a small *model* (update with a round, ask for P(opponent's next move))
wrapped by an *agent* that plays the expected-value best reply to that distribution.
The models are reused by the Iocaine meta-strategy, which also runs them on the swapped
history (own <-> opponent) to guess what the opponent expects us to play.

Models work on plain lists of three floats: this runs every move, and numpy's per-call
overhead on 3-element arrays costs more than the arithmetic.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import numpy as np

from agents.rps.base import Agent, Decision, as_dist, register
from game.sim.rps import MOVE_NAMES

UNIFORM = (1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0)
# Rounds of history a pattern matcher searches. Far beyond a 1000-round match (play there is
# unchanged); it keeps memory and the per-round search bounded in a 10^9-round match.
PATTERN_WINDOW = 10_000


def normalise(counts: Sequence[float], prior: float) -> list[float]:
    """counts + prior, scaled to sum to 1."""
    total = counts[0] + counts[1] + counts[2] + 3.0 * prior
    return [(c + prior) / total for c in counts]


def expected_values(dist: Sequence[float]) -> tuple[float, float, float]:
    """EV of playing x against P(opponent plays y): EV[x] = P[x+2] - P[x+1] (mod 3).

    Better than countering the argmax: against 20-39-41 the argmax says rock (to beat
    scissors), but scissors (beating paper, losing to rock) has the higher EV.
    """
    return (dist[2] - dist[1], dist[0] - dist[2], dist[1] - dist[0])


def counter_move(dist: Sequence[float], rng: np.random.Generator, tol: float = 1e-9) -> int:
    """The expected-value best reply to `dist`; ties broken with `rng`."""
    ev = expected_values(dist)
    best = max(ev)
    choices = [x for x in range(3) if ev[x] >= best - tol]
    if len(choices) == 1:
        return choices[0]
    return choices[int(rng.integers(len(choices)))]


class HistoryModel:
    """Predicts the opponent's next move from the rounds seen so far."""

    def reset(self) -> None:
        raise NotImplementedError

    def update(self, own: int, opp: int) -> None:
        raise NotImplementedError

    def dist(self) -> list[float]:
        """P(opponent's next move) as three floats summing to 1."""
        raise NotImplementedError


class FrequencyModel(HistoryModel):
    """How often the opponent played each move, over all rounds or the last `window`; with
    `decay` < 1 older rounds count less (each round multiplies the counts by `decay`)."""

    def __init__(self, window: int | None = None, prior: float = 0.5, decay: float = 1.0) -> None:
        self.window = window
        self.prior = prior
        self.decay = decay
        self.reset()

    def reset(self) -> None:
        self.counts = [0.0, 0.0, 0.0]
        self.recent: deque[int] = deque()

    def update(self, own: int, opp: int) -> None:
        if self.decay != 1.0:
            d = self.decay
            self.counts = [c * d for c in self.counts]
        self.counts[opp] += 1.0
        if self.window is not None:
            self.recent.append(opp)
            if len(self.recent) > self.window:
                self.counts[self.recent.popleft()] -= 1.0

    def dist(self) -> list[float]:
        return normalise(self.counts, self.prior)


class MarkovModel(HistoryModel):
    """Order-k Markov chain on the joint history (own, opponent) pairs, with back-off.

    For every order 0..k it counts the opponent's move after each context of that many
    previous rounds; it answers from the longest context seen before. Counts of a context
    decay by `decay` each time it is seen again, so a bot that changes its rule is
    re-learnt within a few visits. `context` "opp" uses only the opponent's moves as the
    context (sparser rules are learnt sooner).
    """

    def __init__(
        self, order: int = 2, decay: float = 0.9, prior: float = 0.1, context: str = "joint"
    ) -> None:
        self.order = order
        self.decay = decay
        self.prior = prior
        self.joint = context == "joint"
        self.reset()

    def reset(self) -> None:
        self.tables: list[dict[tuple[int, ...], list[float]]] = [{} for _ in range(self.order + 1)]
        self.symbols: list[int] = []  # the last `order` rounds: no context is longer

    def update(self, own: int, opp: int) -> None:
        n = len(self.symbols)
        d = self.decay
        for k in range(min(self.order, n) + 1):
            ctx = tuple(self.symbols[n - k :])
            counts = self.tables[k].get(ctx)
            if counts is None:
                counts = self.tables[k][ctx] = [0.0, 0.0, 0.0]
            counts[0] *= d
            counts[1] *= d
            counts[2] *= d
            counts[opp] += 1.0
        self.symbols.append(own * 3 + opp if self.joint else opp)
        if len(self.symbols) > self.order:
            del self.symbols[0]

    def dist(self) -> list[float]:
        n = len(self.symbols)
        for k in range(min(self.order, n), -1, -1):
            counts = self.tables[k].get(tuple(self.symbols[n - k :]))
            if counts is not None:
                return normalise(counts, self.prior)
        return list(UNIFORM)


class RotationModel(HistoryModel):
    """The opponent's move-to-move shift (repeat, +1, +2), counted with `decay`: predicts
    their last move plus the usual shift (catches rotating and switching players)."""

    def __init__(self, decay: float = 0.9, prior: float = 0.1) -> None:
        self.decay = decay
        self.prior = prior
        self.reset()

    def reset(self) -> None:
        self.shifts = [0.0, 0.0, 0.0]
        self.last: int | None = None

    def update(self, own: int, opp: int) -> None:
        if self.last is not None:
            d = self.decay
            self.shifts = [c * d for c in self.shifts]
            self.shifts[(opp - self.last) % 3] += 1.0
        self.last = opp

    def dist(self) -> list[float]:
        if self.last is None:
            return list(UNIFORM)
        p = normalise(self.shifts, self.prior)
        return [p[(x - self.last) % 3] for x in range(3)]


class PatternModel(HistoryModel):
    """Longest history match: find the longest recent stretch of history that happened
    before, and predict what the opponent played right after it.

    `source` picks the history matched: "joint" (both moves), "opp" or "own". The next
    moves after the (up to `votes`) latest earlier occurrences of that longest stretch are
    counted, the latest weighted most. Only the latest `window` to 2 * `window` rounds are
    searched, which bounds memory and time per round in very long matches.
    """

    SOURCES = ("joint", "opp", "own")

    def __init__(
        self,
        source: str = "joint",
        max_len: int = 20,
        votes: int = 3,
        prior: float = 0.1,
        window: int = PATTERN_WINDOW,
    ) -> None:
        if source not in self.SOURCES:
            raise ValueError(f"source must be one of {self.SOURCES}, got {source!r}")
        self.window = window
        self.source = source
        self.known_as = {"opp": "pattern on their moves", "own": "pattern on my moves"}.get(
            source, "pattern"
        )
        self.max_len = max_len
        self.votes = votes
        self.prior = prior
        self.reset()

    def reset(self) -> None:
        self.text = ""  # the matched history, one character per round (str.rfind is C-fast)
        self.opp: list[int] = []
        self._cache: list[float] | None = None

    def update(self, own: int, opp: int) -> None:
        symbol = {"joint": own * 3 + opp, "opp": opp, "own": own}[self.source]
        self.text += chr(48 + symbol)
        self.opp.append(opp)
        self._cache = None
        if len(self.opp) >= 2 * self.window:  # keep the latest `window` rounds (in batches)
            cut = len(self.opp) - self.window
            self.text = self.text[cut:]
            del self.opp[:cut]

    def match(self) -> tuple[int, int]:
        """(length, position) of the longest suffix seen earlier, ending before the last round."""
        text, n = self.text, len(self.text)
        best_len, best_pos = 0, -1
        for length in range(1, min(self.max_len, n - 1) + 1):
            # Any occurrence of the longer suffix also contains the shorter one, so stop at
            # the first length that does not recur.
            pos = text.rfind(text[n - length :], 0, n - 1)
            if pos < 0:
                break
            best_len, best_pos = length, pos
        return best_len, best_pos

    def dist(self) -> list[float]:
        if self._cache is not None:
            return self._cache
        length, pos = self.match()
        if length == 0:
            self._cache = list(UNIFORM)
            return self._cache
        counts = [0.0, 0.0, 0.0]
        suffix = self.text[len(self.text) - length :]
        weight = 1.0
        for _ in range(self.votes):
            counts[self.opp[pos + length]] += weight
            weight *= 0.5
            pos = self.text.rfind(suffix, 0, pos + length - 1)
            if pos < 0:
                break
        self._cache = normalise(counts, self.prior)
        return self._cache


class PredictorAgent(Agent):
    """An agent that plays the expected-value best reply to its model's prediction.

    `known_as` names its model in the meta layer's terms (agents.rps.words), for plain words."""

    is_predictor = True
    known_as = "frequency"

    def make_model(self) -> HistoryModel:
        raise NotImplementedError

    def _reset(self) -> None:
        self.model = self.make_model()
        self._decision: Decision | None = None

    def _observe(self, own: int, opponent: int) -> None:
        self.model.update(own, opponent)

    def predict(self) -> np.ndarray:
        return np.array(self.model.dist(), dtype=float)

    def _act(self) -> int:
        from agents.rps.words import about_you

        dist = self.model.dist()
        move = counter_move(dist, self.rng)
        last = (self.own[-1], self.opp[-1]) if self.own else None

        def words(noticed: int | None) -> str:
            return about_you(self.known_as, noticed, last)

        self._decision = reply_decision(words, dist, move, detail=f"{self.name} predictor")
        return move

    def decision(self) -> Decision | None:
        return self._decision


NO_PREDICTION = "it had nothing to go on yet, so it picked at random"  # before any round
# Flat odds from a strategy that may have played a while (the habit reader in charge, meeting a
# kind of round it has no lean on): "nothing to go on yet" would contradict its detail line.
EVEN_ODDS = "its odds on your move were even, so it picked at random"


def reply_decision(
    words, dist: Sequence[float], played: int, with_odds: bool = True, detail: str = "",
    rotation: int = 0, **model
) -> Decision:
    """The decision to play `played` as the reply to `dist`: aimed at the move it beats, with
    `dist` as the odds (none when `with_odds` is False: a made-up distribution). `words(m)`
    gives the plain words for the strategy, `m` being the move its unrotated prediction
    (rotated by `rotation`) aimed at, or None when that was not its likeliest move.

    A flat `dist` predicts nothing: the reply was a random pick (EVEN_ODDS). The
    expected-value reply is not always the counter to the most likely move (against scissors
    41%, paper 39%, rock 20%, scissors itself is the better bet); the words then say so, so
    the stated prediction never hides a likelier move."""
    if max(dist) - min(dist) < 1e-9:
        return Decision(EVEN_ODDS, played, detail=(detail + " (even odds: a random pick)").strip(),
                        **model)  # fmt: skip
    predicted = (played + 2) % 3
    top = max(range(3), key=lambda m: dist[m])
    hedged = dist[top] > dist[predicted] + 1e-9
    strategy = words(None if hedged else (predicted - rotation) % 3)
    if hedged:
        strategy += (
            f"; {MOVE_NAMES[top]} was a bit likelier, but this reply risked less"
        )
    odds = as_dist(dist) if with_odds else None
    return Decision(strategy, played, predicted, odds, detail, **model)


@register("frequency", "predictor", "Frequency counter: beats the opponent's most likely move")
class FrequencyAgent(PredictorAgent):
    def __init__(self, seed: int = 0, window: int | None = None) -> None:
        self.window = window
        super().__init__(seed)

    def make_model(self) -> HistoryModel:
        return FrequencyModel(window=self.window)


@register("markov", "predictor", "Order-2 Markov chain on the joint history, with back-off")
class MarkovAgent(PredictorAgent):
    def __init__(self, seed: int = 0, order: int = 2, decay: float = 0.9) -> None:
        self.order = order
        self.known_as = f"markov-{order}"
        self.decay = decay
        super().__init__(seed)

    def make_model(self) -> HistoryModel:
        return MarkovModel(order=self.order, decay=self.decay)


@register("pattern", "predictor", "Longest history match on the joint history")
class PatternAgent(PredictorAgent):
    def __init__(self, seed: int = 0, source: str = "joint", max_len: int = 20) -> None:
        self.source = source
        self.known_as = {"opp": "pattern on their moves", "own": "pattern on my moves"}.get(
            source, "pattern"
        )
        self.max_len = max_len
        super().__init__(seed)

    def make_model(self) -> HistoryModel:
        return PatternModel(source=self.source, max_len=self.max_len)
