"""Classic competition-style opponents: a population of strong, varied RoShamBo-era bots.

Written from the published ideas of the 1999/2000 RoShamBo programming competitions and
Kaggle's 2021 RPS contest (frequency counters, history matching, Sicilian second guesses,
Markov players that bail out, ACT-R models of people, Iocaine/Greenberg-style meta players,
anti-meta players, noisy pattern and rotation players). None is a copy of a real entry.

They are the yardstick for the project's own meta agents (bench/rps_population.py), so they
are self-contained on purpose: nothing here imports the project's predictors or meta layer,
and improving those never moves the yardstick. Every bot keeps the history it needs itself
(so a trimmed MoveHistory cannot change its play) and only as much of it as it reads (so a
10^9-round headless match stays in bounded memory), is deterministic for a seed and cheap
(well under a millisecond a move). Registered with kind "classic".
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence

import numpy as np

from agents.rps.base import Agent, MoveHistory, register
from agents.rps.bots import Bot
from game.sim.rps import OUTCOME_BY_DIFF

_OUTCOME = np.array(OUTCOME_BY_DIFF, dtype=np.int8)  # outcome(a, b) at (a - b) % 3
KEEP = 500  # rounds of its own lists a bot keeps: no rule looks further back
MATCH_KEEP = 2000  # rounds a history matcher searches (beyond any 1000-round match)
ACTR_KEEP = 1000  # uses of a memory chunk that ACT-R keeps (its oldest ones barely count)
Prediction = int | None  # a predicted opponent move, or None for "no idea"


def _beat(move: int) -> int:
    return (move + 1) % 3


def _best_reply(weights: Sequence[float], rng: np.random.Generator) -> int:
    """The expected-value best reply to weights over the opponent's move (ties at random)."""
    ev = (weights[2] - weights[1], weights[0] - weights[2], weights[1] - weights[0])
    top = max(ev)
    best = [m for m in range(3) if ev[m] >= top - 1e-12]
    return best[0] if len(best) == 1 else best[int(rng.integers(len(best)))]


class ClassicBot(Bot):
    """Base: keeps full own/opponent move lists and a running score; subclasses `_choose`.

    `noise` is the chance of a uniformly random move instead of the rule's move; with a
    `failsafe` (as several 1999 entries had) it plays at random while its net score for the
    match is below -failsafe, which caps what any opponent can win from it.
    """

    noise = 0.0
    failsafe: int | None = None

    def _reset(self) -> None:
        # len() counts every round; indexing reaches back KEEP rounds (see MoveHistory).
        self.mine = MoveHistory(KEEP)
        self.theirs = MoveHistory(KEEP)
        self.results = MoveHistory(KEEP)
        self.score = 0
        self._setup()

    def _setup(self) -> None:
        """Subclass hook: per-match state."""

    def _observe(self, own: int, opponent: int) -> None:
        result = int(_OUTCOME[(own - opponent) % 3])
        self.mine.append(own)
        self.theirs.append(opponent)
        self.results.append(result)
        self.score += result
        self._update(own, opponent)

    def _update(self, own: int, opp: int) -> None:
        """Subclass hook: after a round (lists already appended)."""

    def _act(self) -> int:
        move = self._choose()
        if self.noise and self.rng.random() < self.noise:
            return self.random_move()
        if self.failsafe is not None and self.score < -self.failsafe:
            return self.random_move()
        return move

    def _choose(self) -> int:
        raise NotImplementedError

    def recent_score(self, n: int) -> int:
        return sum(self.results[-n:])


# --- shared pieces ----------------------------------------------------------------------------


class Matcher:
    """History matching: find the longest recent stretch (up to `max_len`) of a history that
    happened before, and predict the opponent's move that followed it.

    `side` picks the history matched: "opp", "own" or "joint". `window` limits the search to
    the latest rounds (None: all of them)."""

    def __init__(self, side: str, max_len: int, window: int | None = None) -> None:
        self.side, self.max_len, self.window = side, max_len, window
        self.text = ""
        self.opp: list[int] = []

    def update(self, own: int, opp: int) -> None:
        symbol = {"opp": opp, "own": own, "joint": 3 * own + opp}[self.side]
        self.text += chr(48 + symbol)
        self.opp.append(opp)
        if len(self.opp) >= 2 * MATCH_KEEP:  # keep the latest MATCH_KEEP rounds (in batches)
            self.text = self.text[-MATCH_KEEP:]
            del self.opp[:-MATCH_KEEP]

    def predict(self) -> Prediction:
        text, n = self.text, len(self.text)
        lo = 0 if self.window is None else max(0, n - self.window)
        found = -1
        for length in range(1, min(self.max_len, n - 1 - lo) + 1):
            pos = text.rfind(text[n - length :], lo, n - 1)
            if pos < 0:
                break
            found = pos + length
        return self.opp[found] if found >= 0 else None


class Frequency:
    """Decayed counts of the opponent's moves (decay 1: all rounds alike)."""

    def __init__(self, decay: float = 1.0, side: str = "opp") -> None:
        self.decay, self.side = decay, side
        self.counts = [0.0, 0.0, 0.0]

    def update(self, own: int, opp: int) -> None:
        c, d = self.counts, self.decay
        c[0] *= d
        c[1] *= d
        c[2] *= d
        c[opp if self.side == "opp" else own] += 1.0

    def predict(self) -> Prediction:
        c = self.counts
        top = max(c)
        return None if top == 0 else c.index(top)


class Markov:
    """Order-k counts of the opponent's next move after the last k rounds (`joint` context:
    both moves; else the opponent's moves only)."""

    def __init__(self, order: int, joint: bool = False, decay: float = 1.0) -> None:
        self.order, self.joint, self.decay = order, joint, decay
        self.table: dict[tuple[int, ...], list[float]] = {}
        self.context: list[int] = []

    def update(self, own: int, opp: int) -> None:
        if len(self.context) == self.order:
            counts = self.table.setdefault(tuple(self.context), [0.0, 0.0, 0.0])
            if self.decay != 1.0:
                counts[:] = [c * self.decay for c in counts]
            counts[opp] += 1.0
        if self.order:
            self.context.append(3 * own + opp if self.joint else opp)
            if len(self.context) > self.order:
                del self.context[0]

    def counts(self) -> list[float] | None:
        if len(self.context) < self.order:
            return None
        return self.table.get(tuple(self.context))

    def predict(self) -> Prediction:
        counts = self.counts()
        if not counts:
            return None
        return counts.index(max(counts))


class Swapped:
    """A predictor run on the swapped history: what the opponent would predict of us."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def update(self, own: int, opp: int) -> None:
        self.inner.update(opp, own)

    def predict(self) -> Prediction:
        return self.inner.predict()


class SicilianScorer:
    """Iocaine's meta layer in small: every prediction gives six strategies (they play p,
    or p + 2, or p + 1; they beat our predicted move q, or that rotated), each scored every
    round with decayed scores at several `decays`; each decay picks its best strategy and a
    meta score (decay `meta_decay`) picks among those picks. With `bail` = (window, limit),
    play at random while the net score of the last `window` rounds is below -limit."""

    def __init__(
        self,
        rng: np.random.Generator,
        decays: Sequence[float],
        meta_decay: float = 0.95,
        bail: tuple[int, int] | None = None,
    ) -> None:
        self.rng = rng
        self.decays = np.asarray(decays, dtype=float)
        self.meta_decay = meta_decay
        self.bail = bail
        self.scores: np.ndarray | None = None
        self.meta = np.zeros(len(decays))
        self.moves: np.ndarray | None = None
        self.picks: np.ndarray | None = None
        self.results: deque[int] = deque(maxlen=bail[0] if bail else 1)

    def choose(self, opp_preds: Sequence[Prediction], own_preds: Sequence[Prediction]) -> int:
        bases = []
        for p in opp_preds:
            bases.append(_beat(p) if p is not None else int(self.rng.integers(3)))
        for q in own_preds:  # they beat q; we beat that
            bases.append((q + 2) % 3 if q is not None else int(self.rng.integers(3)))
        base = np.array(bases, dtype=np.int64)
        self.moves = np.concatenate([base, (base + 2) % 3, (base + 1) % 3]) % 3
        if self.scores is None:
            self.scores = np.zeros((len(self.decays), len(self.moves)))
        best = self.scores.argmax(axis=1)
        self.picks = self.moves[best]
        if self.bail is not None:
            window, limit = self.bail
            if sum(self.results) < -limit:
                return int(self.rng.integers(3))
        return int(self.picks[int(self.meta.argmax())])

    def observe(self, own: int, opp: int) -> None:
        if self.moves is not None:
            self.scores = self.scores * self.decays[:, None] + _OUTCOME[(self.moves - opp) % 3]
            self.meta = self.meta * self.meta_decay + _OUTCOME[(self.picks - opp) % 3]
            self.moves = None
        self.results.append(int(_OUTCOME[(own - opp) % 3]))


class MetaBot(ClassicBot):
    """A bot made of predictors (each run on both sides of the history) and a SicilianScorer."""

    decays: Sequence[float] = (0.99, 0.9, 0.7)
    meta_decay = 0.95
    bail: tuple[int, int] | None = None

    def predictors(self) -> list:
        raise NotImplementedError

    def _setup(self) -> None:
        self.ours = self.predictors()
        self.mirror = [Swapped(p) for p in self.predictors()]
        self.meta = SicilianScorer(self.rng, self.decays, self.meta_decay, self.bail)

    def _update(self, own: int, opp: int) -> None:
        self.meta.observe(own, opp)
        for p in self.ours:
            p.update(own, opp)
        for p in self.mirror:
            p.update(own, opp)

    def _choose(self) -> int:
        return self.meta.choose(
            [p.predict() for p in self.ours], [p.predict() for p in self.mirror]
        )


def classic(name: str, description: str) -> Callable[[type[Agent]], type[Agent]]:
    return register(name, "classic", description)


# --- frequency players ------------------------------------------------------------------------


class DecayFrequencyBot(ClassicBot):
    decay = 0.9

    def _setup(self) -> None:
        self.freq = Frequency(self.decay)

    def _update(self, own: int, opp: int) -> None:
        self.freq.update(own, opp)

    def _choose(self) -> int:
        if not self.theirs:
            return self.random_move()
        return _best_reply(self.freq.counts, self.rng)


@classic("freq-decay-60", "Frequency with decay 0.6: beats the opponent's move of the last few")
class FreqDecay60(DecayFrequencyBot):
    decay = 0.6


@classic("freq-mixed-85", "Granite-like: decayed frequency (0.85), reply drawn in proportion")
class FreqMixed85(DecayFrequencyBot):
    """Plays what beats move x with probability P(x) from its decayed counts: a mixed
    strategy that is right as often as the counts are, and harder to read."""

    decay = 0.85

    def _choose(self) -> int:
        c = self.freq.counts
        total = c[0] + c[1] + c[2]
        if total == 0:
            return self.random_move()
        return _beat(int(self.rng.choice(3, p=[x / total for x in c])))


@classic("freq-decay-97", "Frequency with decay 0.97, 25% random moves")
class FreqDecay97(DecayFrequencyBot):
    decay, noise = 0.97, 0.25


@classic("freq-second-guess", "Frequency second-guesser with a fail-safe (random when 40 down)")
class FreqSecondGuess(DecayFrequencyBot):
    decay, failsafe = 0.9, 40

    def _choose(self) -> int:
        p = self.freq.predict()
        if p is None:
            return self.random_move()
        # Naive reply beats p; the opponent beats that; this beats the opponent: plays p.
        return p


# --- history matchers -------------------------------------------------------------------------


class MatchBot(ClassicBot):
    side, max_len, window = "opp", 3, None

    def _setup(self) -> None:
        self.matcher = Matcher(self.side, self.max_len, self.window)

    def _update(self, own: int, opp: int) -> None:
        self.matcher.update(own, opp)

    def _choose(self) -> int:
        p = self.matcher.predict()
        return self.random_move() if p is None else _beat(p)


@classic("hist-match-3", "History match: the opponent's last 3 moves seen before, beats what came")
class HistMatch3(MatchBot):
    side, max_len = "opp", 3


@classic("hist-match-8", "History match on the opponent's moves, longest up to 8, 15% noise")
class HistMatch8(MatchBot):
    side, max_len, noise = "opp", 8, 0.15


@classic("hist-match-joint", "History match on both players' moves, up to 12, with a fail-safe")
class HistMatchJoint(MatchBot):
    side, max_len, failsafe = "joint", 12, 40


@classic("hist-match-own", "History match on its own moves: expects you to react to its pattern")
class HistMatchOwn(MatchBot):
    side, max_len, window = "own", 10, 300


# --- Sicilian reasoning -----------------------------------------------------------------------


@classic("second-guess", "Second-guesser: Markov prediction, assumes you counter its counter")
class SecondGuess(ClassicBot):
    """Order-1 joint Markov predicts p; the naive reply is p + 1, a thinking opponent plays
    p + 2 against it, so this plays p (which beats p + 2)."""

    shift = 0  # added to the predicted opponent move: 0 second guess, 2 third guess

    def _setup(self) -> None:
        self.markov = Markov(1, joint=True)

    def _update(self, own: int, opp: int) -> None:
        self.markov.update(own, opp)

    def _choose(self) -> int:
        p = self.markov.predict()
        return self.random_move() if p is None else (p + self.shift) % 3


@classic("third-guess", "Third-guesser: one level deeper than second-guess, 20% noise")
class ThirdGuess(SecondGuess):
    shift, noise = 2, 0.20


@classic("sicilian-switch", "Sicilian switcher: one history matcher, plays its best-scoring level")
class SicilianSwitch(ClassicBot):
    """Keeps the three guess levels (beat p, second guess, third guess) of one history matcher,
    scored over the last 12 rounds, and plays the best."""

    def _setup(self) -> None:
        self.matcher = Matcher("joint", 6)
        self.levels: list[deque[int]] = [deque(maxlen=12) for _ in range(3)]
        self.pending: list[int] | None = None

    def _update(self, own: int, opp: int) -> None:
        if self.pending is not None:
            for k, move in enumerate(self.pending):
                self.levels[k].append(int(_OUTCOME[(move - opp) % 3]))
        self.matcher.update(own, opp)

    def _choose(self) -> int:
        p = self.matcher.predict()
        if p is None:
            self.pending = None
            return self.random_move()
        self.pending = [_beat(p), p, (p + 2) % 3]
        scores = [sum(level) for level in self.levels]
        return self.pending[scores.index(max(scores))]


# --- Markov players that bail out -------------------------------------------------------------


class MarkovBails(ClassicBot):
    """Order-k Markov on the opponent's moves; when its last `window` rounds net below
    -`limit` it bails out to random play for `hide` rounds, then tries again."""

    order, window, limit, hide = 1, 30, 3, 50

    def _setup(self) -> None:
        self.markov = Markov(self.order)
        self.hiding = 0
        self.since = 0  # its score counts from here: a fresh start at each bail

    def _update(self, own: int, opp: int) -> None:
        self.markov.update(own, opp)
        rounds = len(self.results)
        if self.hiding:
            self.hiding -= 1
        elif rounds - self.since >= 10:
            recent = self.results[max(rounds - self.window, self.since) :]
            if sum(recent) < -self.limit:
                self.hiding = self.hide
                self.since = rounds

    def _choose(self) -> int:
        counts = self.markov.counts()
        if self.hiding or not counts:
            return self.random_move()
        return _best_reply(counts, self.rng)


@classic("markov-bails-1", "MarkovBails: order-1 Markov that hides in random play when losing")
class MarkovBails1(MarkovBails):
    order = 1


@classic("markov-bails-2", "MarkovBails: order-2 Markov, bails to random sooner and longer")
class MarkovBails2(MarkovBails):
    order, window, limit, hide = 2, 20, 2, 80


# --- ACT-R models of a person -----------------------------------------------------------------


class ActR(ClassicBot):
    """After West & Lebiere's ACT-R model of people playing RPS: chunks "after context c the
    opponent played m" are strengthened each time they occur and decay with time (base-level
    activation ln sum t^-d, d = 0.5); the most active chunk for the current context, with
    logistic noise (s = 0.25), is the prediction, and it plays what beats it."""

    lag = 1
    decay, noise_s = 0.5, 0.25

    def _setup(self) -> None:
        self.uses: dict[tuple[int, ...], list[list[int]]] = {}

    def _update(self, own: int, opp: int) -> None:
        t = len(self.theirs)
        if t > self.lag:
            context = tuple(self.theirs[t - 1 - self.lag : t - 1])
            times = self.uses.setdefault(context, [[], [], []])[opp]
            times.append(t)
            if len(times) > 2 * ACTR_KEEP:
                del times[:-ACTR_KEEP]

    def _choose(self) -> int:
        t = len(self.theirs)
        if t < self.lag:
            return self.random_move()
        slots = self.uses.get(tuple(self.theirs[t - self.lag :]))
        if slots is None:
            return self.random_move()
        now = t + 1
        best, best_a = 0, -math.inf
        for move in range(3):
            times = slots[move]
            if not times:
                continue
            strength = float(np.sum((now - np.asarray(times, dtype=float)) ** -self.decay))
            a = math.log(strength) + float(self.rng.logistic(0.0, self.noise_s))
            if a > best_a:
                best, best_a = move, a
        return _beat(best)


@classic("actr-lag1", "ACT-R lag-1: memory of what followed the opponent's last move, decaying")
class ActRLag1(ActR):
    lag = 1


@classic("actr-lag2", "ACT-R lag-2: memory of what followed the opponent's last two moves")
class ActRLag2(ActR):
    lag = 2


# --- Iocaine- and Greenberg-like meta players -------------------------------------------------


@classic("iocaine-lite", "Iocaine-like: history matchers and frequency in 6 Sicilian rotations")
class IocaineLite(MetaBot):
    decays = (0.99, 0.9, 0.7)

    def predictors(self) -> list:
        return [
            Matcher("opp", 20),
            Matcher("own", 20),
            Matcher("joint", 20),
            Frequency(),
            Frequency(0.8),
        ]


@classic("iocaine-fast", "Iocaine-like with short memories: fast to switch its strategy")
class IocaineFast(MetaBot):
    decays = (0.8, 0.6, 0.4)
    meta_decay = 0.8

    def predictors(self) -> list:
        return [Matcher("opp", 8, 100), Matcher("joint", 8, 100), Frequency(0.7)]


@classic("iocaine-bails", "Iocaine-like that plays random while it is being out-guessed")
class IocaineBails(MetaBot):
    decays = (0.98, 0.85)
    bail = (40, 6)

    def predictors(self) -> list:
        return [Matcher("opp", 12), Matcher("joint", 12), Markov(2, joint=True), Frequency(0.9)]


@classic("greenberg-like", "Greenberg-like: many history matchers and ages, Sicilian meta")
class GreenbergLike(MetaBot):
    """After the 2000 winner's published idea: history matching over several search windows
    on each side, frequency over several ages, all six rotations, several score ages."""

    decays = (0.999, 0.99, 0.9, 0.7, 0.5)
    meta_decay = 0.9

    def predictors(self) -> list:
        out: list = []
        for side in ("opp", "own", "joint"):
            out += [Matcher(side, 20), Matcher(side, 10, 200), Matcher(side, 5, 30)]
        return out + [Frequency(), Frequency(0.9), Markov(1, joint=True)]


# --- anti-meta players ------------------------------------------------------------------------


@classic("anti-iocaine", "Anti-meta: runs an Iocaine-like model of you and beats its move")
class AntiIocaine(ClassicBot):
    """A shadow Iocaine-lite sits in the opponent's seat (fed the swapped history); the
    opponent is expected to play what that shadow plays. A small Sicilian switch over the
    three guess levels of that expectation keeps it from being second-guessed cheaply."""

    def _setup(self) -> None:
        self.shadow = IocaineLite(seed=self.seed + 1)
        self.levels = [0.0, 0.0, 0.0]
        self.pending: list[int] | None = None
        self._shadow_move: int | None = None

    def _update(self, own: int, opp: int) -> None:
        if self.pending is not None:
            for k, move in enumerate(self.pending):
                self.levels[k] = 0.9 * self.levels[k] + int(_OUTCOME[(move - opp) % 3])
        if self._shadow_move is None:
            self.shadow.act()
        self.shadow.observe(own=opp, opponent=own)
        self._shadow_move = None

    def _choose(self) -> int:
        if self._shadow_move is None:
            self._shadow_move = self.shadow.act()
        p = self._shadow_move
        self.pending = [_beat(p), p, (p + 2) % 3]
        return self.pending[self.levels.index(max(self.levels))]


@classic("anti-freq", "Anti-frequency: expects you to beat its most frequent move, 25% noise")
class AntiFreq(ClassicBot):
    noise = 0.25
    def _setup(self) -> None:
        self.freq = Frequency(0.95, side="own")

    def _update(self, own: int, opp: int) -> None:
        self.freq.update(own, opp)

    def _choose(self) -> int:
        q = self.freq.predict()
        return self.random_move() if q is None else (q + 2) % 3  # beats your beat of q


@classic("anti-markov", "Anti-Markov: expects an order-1 Markov reader, fail-safe when 40 down")
class AntiMarkov(ClassicBot):
    failsafe = 40
    def _setup(self) -> None:
        self.model = Swapped(Markov(1, joint=True, decay=0.95))

    def _update(self, own: int, opp: int) -> None:
        self.model.update(own, opp)

    def _choose(self) -> int:
        q = self.model.predict()
        return self.random_move() if q is None else (q + 2) % 3


@classic("anti-pattern", "Anti-pattern: expects you to history-match it, beats that, 15% noise")
class AntiPattern(ClassicBot):
    noise = 0.15
    def _setup(self) -> None:
        self.model = Swapped(Matcher("joint", 10))

    def _update(self, own: int, opp: int) -> None:
        self.model.update(own, opp)

    def _choose(self) -> int:
        q = self.model.predict()
        return self.random_move() if q is None else (q + 2) % 3


# --- noisy pattern players --------------------------------------------------------------------


class CycleBot(ClassicBot):
    """Repeats a random pattern (drawn once per match from the seed) with noise."""

    length = 5

    def _setup(self) -> None:
        self.pattern = [int(m) for m in self.rng.integers(3, size=self.length)]

    def _choose(self) -> int:
        return self.pattern[len(self.mine) % len(self.pattern)]


@classic("cycle5-noise10", "Noisy pattern: repeats a 5-move phrase, 10% random moves")
class Cycle5Noise10(CycleBot):
    length, noise = 5, 0.10


@classic("cycle11-noise25", "Noisy pattern: repeats an 11-move phrase, 25% random moves")
class Cycle11Noise25(CycleBot):
    length, noise = 11, 0.25


@classic("phrase-switcher", "Phrase switcher: a new 3-8 move phrase every 100-200 rounds, 5% noise")
class PhraseSwitcher(ClassicBot):
    noise = 0.05

    def _setup(self) -> None:
        self._new_phrase(0)

    def _new_phrase(self, start: int) -> None:
        self.start = start
        self.pattern = [int(m) for m in self.rng.integers(3, size=int(self.rng.integers(3, 9)))]
        self.until = start + int(self.rng.integers(100, 201))

    def _choose(self) -> int:
        t = len(self.mine)
        if t >= self.until:
            self._new_phrase(t)
        return self.pattern[(t - self.start) % len(self.pattern)]


# --- switch and rotation players with noise ---------------------------------------------------


@classic("wsls-noisy", "Win-stay lose-shift (to beat your last move), 25% random moves")
class WinStayLoseShift(ClassicBot):
    noise = 0.25

    def _choose(self) -> int:
        if not self.mine:
            return self.random_move()
        if self.results[-1] > 0:
            return self.mine[-1]
        if self.results[-1] < 0:
            return _beat(self.theirs[-1])
        return (self.mine[-1] + 1) % 3


@classic("rotate-down-noisy", "Rotation: its last move minus one (S, P, R, ...), 35% random")
class RotateDownNoisy(ClassicBot):
    noise = 0.35

    def _choose(self) -> int:
        return (self.mine[-1] + 2) % 3 if self.mine else self.random_move()


@classic("beat-last-noisy", "Beat your last move, 30% random moves")
class BeatLastNoisy(ClassicBot):
    noise = 0.30

    def _choose(self) -> int:
        return _beat(self.theirs[-1]) if self.theirs else self.random_move()


@classic("copy-last-noisy", "Copies your last move, 35% random moves")
class CopyLastNoisy(ClassicBot):
    noise = 0.35

    def _choose(self) -> int:
        return self.theirs[-1] if self.theirs else self.random_move()


@classic("switch-on-loss", "Repeats its move until it loses, then switches at random")
class SwitchOnLoss(ClassicBot):
    def _choose(self) -> int:
        if not self.mine:
            return self.random_move()
        if self.results[-1] >= 0:
            return self.mine[-1]
        return (self.mine[-1] + 1 + int(self.rng.integers(2))) % 3


@classic("beat-second-last", "Beats your move of two rounds ago, 30% random moves")
class BeatSecondLast(ClassicBot):
    noise = 0.30

    def _choose(self) -> int:
        return _beat(self.theirs[-2]) if len(self.theirs) >= 2 else self.random_move()


@classic("human-like", "A person's habits: repeats after a win, upgrades after a loss, 30% noise")
class HumanLike(ClassicBot):
    """Repeats after a win, plays what would have beaten its losing move after a loss,
    plays what beats your last move after a draw; a third of its moves are random."""

    noise = 0.30

    def _choose(self) -> int:
        if not self.mine:
            return 0  # people open with rock
        if self.results[-1] > 0:
            return self.mine[-1]
        if self.results[-1] < 0:
            return _beat(self.mine[-1])
        return _beat(self.theirs[-1])


# --- more competition-style predictors --------------------------------------------------------


@classic("ppm-joint", "PPM-like: blends Markov orders 0-5 on both histories, with a fail-safe")
class PPMJoint(ClassicBot):
    max_order, failsafe = 5, 40

    def _setup(self) -> None:
        self.models = [Markov(k, joint=True) for k in range(self.max_order + 1)]

    def _update(self, own: int, opp: int) -> None:
        for m in self.models:
            m.update(own, opp)

    def _choose(self) -> int:
        blend = [0.0, 0.0, 0.0]
        for k, m in enumerate(self.models):
            counts = m.counts()
            if counts:
                total = sum(counts)
                for x in range(3):
                    blend[x] += (k + 1) ** 2 * counts[x] / total
        if max(blend) == 0:
            return self.random_move()
        return _best_reply(blend, self.rng)


SHOFAR_RULES: tuple[Callable[[list[int], list[int]], int], ...] = (
    lambda mine, theirs: 0,
    lambda mine, theirs: 1,
    lambda mine, theirs: 2,
    lambda mine, theirs: (mine[-1] + 1) % 3,
    lambda mine, theirs: (mine[-1] + 2) % 3,
    lambda mine, theirs: theirs[-1],
    lambda mine, theirs: (theirs[-1] + 1) % 3,
    lambda mine, theirs: (theirs[-1] + 2) % 3,
    lambda mine, theirs: (mine[-1] + theirs[-1]) % 3,
)


@classic("shofar-like", "Shofar-like: keeps a simple rule until it loses, then the best one")
class ShofarLike(ClassicBot):
    """Scores nine simple rules (constants, rotations, beat/copy your last, sums) every round
    over the last 20; sticks with the current rule while its score holds, switches to the
    best one after it goes negative, and plays at random while down more than 10 in 50."""

    def _setup(self) -> None:
        self.rule_results: list[deque[int]] = [deque(maxlen=20) for _ in SHOFAR_RULES]
        self.current = 0
        self.pending: list[int] | None = None

    def _update(self, own: int, opp: int) -> None:
        if self.pending is not None:
            for k, move in enumerate(self.pending):
                self.rule_results[k].append(int(_OUTCOME[(move - opp) % 3]))
        scores = [sum(r) for r in self.rule_results]
        if scores[self.current] < 0:
            self.current = scores.index(max(scores))

    def _choose(self) -> int:
        if not self.mine:
            self.pending = None
            return self.random_move()
        self.pending = [rule(self.mine, self.theirs) for rule in SHOFAR_RULES]
        if len(self.results) >= 50 and self.recent_score(50) < -10:
            return self.random_move()
        return self.pending[self.current]


@classic("rotation-reader", "Rotation reader: decayed counts of your shifts, EV reply, 20% noise")
class RotationReader(ClassicBot):
    noise = 0.20
    def _setup(self) -> None:
        self.shifts = [0.0, 0.0, 0.0]

    def _update(self, own: int, opp: int) -> None:
        if len(self.theirs) >= 2:
            self.shifts = [0.93 * s for s in self.shifts]
            self.shifts[(self.theirs[-1] - self.theirs[-2]) % 3] += 1.0

    def _choose(self) -> int:
        if len(self.theirs) < 2:
            return self.random_move()
        last = self.theirs[-1]
        weights = [self.shifts[(x - last) % 3] for x in range(3)]
        return _best_reply(weights, self.rng)


@classic("markov-joint-3", "Order-3 Markov on both players' moves, decaying, with a fail-safe")
class MarkovJoint3(ClassicBot):
    failsafe = 40
    def _setup(self) -> None:
        self.models = [Markov(k, joint=True, decay=0.9) for k in (3, 2, 1)]

    def _update(self, own: int, opp: int) -> None:
        for m in self.models:
            m.update(own, opp)

    def _choose(self) -> int:
        for m in self.models:  # longest context seen before
            counts = m.counts()
            if counts:
                return _best_reply(counts, self.rng)
        return self.random_move()


@classic("mixed-strategist", "Switches among three classic players every 150 rounds, fail-safe")
class MixedStrategist(ClassicBot):
    """Plays frequency (decay 0.9), then history match, then second guess, 150 rounds each,
    all fed every round so each is ready when its turn comes."""

    failsafe = 60

    def _setup(self) -> None:
        self.freq = Frequency(0.9)
        self.matcher = Matcher("joint", 8)
        self.markov = Markov(1, joint=True)

    def _update(self, own: int, opp: int) -> None:
        self.freq.update(own, opp)
        self.matcher.update(own, opp)
        self.markov.update(own, opp)

    def _choose(self) -> int:
        phase = (len(self.mine) // 150) % 3
        p = (self.freq, self.matcher, self.markov)[phase].predict()
        if p is None:
            return self.random_move()
        return _beat(p) if phase < 2 else p


@classic("greenberg-bails", "Greenberg-like that hides in random play when out-guessed")
class GreenbergBails(GreenbergLike):
    bail = (30, 5)


@classic("iocaine-noisy", "Iocaine-like with 20% random moves: hard to read, hard to farm")
class IocaineNoisy(IocaineLite):
    noise = 0.20


@classic("iocaine-meta", "Iocaine-like with the top Sicilian step: it second-guesses its own pick")
class IocaineMeta(IocaineLite):
    """On top of Iocaine-lite's pick, scores the pick's three rotations (as if the opponent
    reads the pick) with decay 0.9 and plays the best rotation."""

    def _setup(self) -> None:
        super()._setup()
        self.top = [0.0, 0.0, 0.0]
        self.pick: int | None = None

    def _update(self, own: int, opp: int) -> None:
        if self.pick is not None:
            self.top = [
                0.9 * s + int(_OUTCOME[(self.pick + r - opp) % 3]) for r, s in enumerate(self.top)
            ]
        super()._update(own, opp)

    def _choose(self) -> int:
        self.pick = super()._choose()
        return (self.pick + self.top.index(max(self.top))) % 3


@classic("bandit-softmax", "Kaggle-style bandit: 10 predictors x 3 levels, softmax over scores")
class BanditSoftmax(ClassicBot):
    """Each strategy's decayed score (0.9) sets its chance of being played: P ~ exp(2 * score).
    A random choice among good strategies is hard to read and still wins when one is good."""

    def _setup(self) -> None:
        self.models = [
            Frequency(0.9),
            Frequency(0.6),
            Markov(1),
            Markov(1, joint=True),
            Markov(2, joint=True, decay=0.9),
            Matcher("opp", 6),
            Matcher("joint", 10),
            Swapped(Frequency(0.9)),
            Swapped(Markov(1, joint=True)),
            Swapped(Matcher("joint", 10)),
        ]
        self.n_opp = 7
        self.scores = np.zeros(3 * len(self.models))
        self.moves: np.ndarray | None = None

    def _update(self, own: int, opp: int) -> None:
        if self.moves is not None:
            self.scores = 0.9 * self.scores + _OUTCOME[(self.moves - opp) % 3]
        for m in self.models:
            m.update(own, opp)

    def _choose(self) -> int:
        base = []
        for i, m in enumerate(self.models):
            p = m.predict()
            if p is None:
                base.append(int(self.rng.integers(3)))
            else:
                base.append(_beat(p) if i < self.n_opp else (p + 2) % 3)
        b = np.array(base)
        self.moves = np.concatenate([b, (b + 1) % 3, (b + 2) % 3])
        weights = np.exp(2.0 * (self.scores - self.scores.max()))
        pick = int(self.rng.choice(len(weights), p=weights / weights.sum()))
        return int(self.moves[pick])


@classic("dllu-like", "History matchers at 12 lengths on both sides, 6 rotations, random if unsure")
class DlluLike(MetaBot):
    """After Kaggle's history-matching ensembles: a matcher per maximum length on each
    history, all six rotations, one fast decay; and random play while the best decayed
    score is not clearly positive."""

    decays = (0.85,)
    meta_decay = 0.5

    def predictors(self) -> list:
        return [Matcher(side, n) for side in ("opp", "joint") for n in (1, 2, 3, 5, 8, 12)]

    def _choose(self) -> int:
        move = super()._choose()
        if self.meta.scores is not None and self.meta.scores.max() < 3.0:
            return self.random_move()
        return move


@classic("greenberg-noisy", "Greenberg-like with 15% random moves")
class GreenbergNoisy(GreenbergLike):
    noise = 0.15


@classic("markov-mixed", "Order-2 Markov that draws its reply in proportion to its counts")
class MarkovMixed(ClassicBot):
    def _setup(self) -> None:
        self.markov = Markov(2, joint=True, decay=0.95)

    def _update(self, own: int, opp: int) -> None:
        self.markov.update(own, opp)

    def _choose(self) -> int:
        counts = self.markov.counts()
        if not counts:
            return self.random_move()
        total = sum(counts)
        return _beat(int(self.rng.choice(3, p=[c / total for c in counts])))
