"""Iocaine-style meta-strategy: many predictors, each in its Sicilian rotations, plus shadows.

After Dan Egnor's Iocaine Powder (winner of the 1999 RoShamBo competition), from its
published description. A prediction "they will play p" gives three strategies:

- P   : they play p, so we play what beats p;
- P'  : they expect P and beat our reply, so they play p + 2 (the second guess);
- P'' : they expect P' and beat that, so they play p + 1 (the third guess).

The same again for the other side: predict *our* next move q the way the opponent
would (the predictor run on the swapped history); they play what beats q, and the
three rotations of that. Every strategy is scored on every round (as if it had been
played) with exponentially decayed scores; several decay rates are kept, each picks
its best strategy, and a second decayed score picks among those picks and their three
rotations (Iocaine's own top-level Sicilian step: "they read my pick").

`SicilianMeta` is that layer on its own, for any source of predictions:

    meta = SicilianMeta(rng)
    move = meta.choose(opp_dists=[p1, p2], own_dists=[q1])   # each a length-3 distribution
    ...                                                      # play the round
    meta.observe(own=move, opp=their_move)
    meta.prediction   # P(opponent's next move) behind the chosen move, shape (3,)
    meta.decision(names, move)   # the Decision record of that move
    meta.exploited    # True while the fall-back to random play is on

`MetaPlayer` is the engine the `iocaine` and `lstm` agents share: the predictors on both
sides of the history, any extra sources (the LSTM), and *shadows* - more SicilianMetas fed
the same predictions but sitting in one seat or the other, so "what would an Iocaine-like
player do now, in their seat or in mine?" becomes one more prediction to rotate and score.
(After the Kaggle 2021 RPS contest, where strong agents ran copies of well-known bots as
predictors.) The shadows cost a few array operations, not another set of predictors.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Sequence

import numpy as np

from agents.rps.base import Agent, Decision, register
from agents.rps.habits import PEOPLE_PRIOR, HabitModel, HabitPrior, ReaderOverMeta
from agents.rps.predictors import (
    UNIFORM,
    FrequencyModel,
    HistoryModel,
    MarkovModel,
    PatternModel,
    RotationModel,
    counter_move,
    reply_decision,
)
from agents.rps.words import RANDOM_FALLBACK, about_me, about_you
from game.sim.rps import OUTCOME_BY_DIFF

_OUTCOME = np.array(OUTCOME_BY_DIFF, dtype=np.int8)  # outcome(a, b) at (a - b) % 3
_EV_PLUS = [2, 0, 1]  # EV[x] = P[x + 2] - P[x + 1]: the move x beats, minus the one beating x
_EV_MINUS = [1, 2, 0]

# How a strategy's rotation k reads, for predictions of the opponent (k = 0, 1, 2) and for
# predictions of us that the opponent counters.
OPP_ROTATION_WORDS = (
    "",
    ", third guess (they expect my second guess)",
    ", second guess (they expect my counter)",
)
OWN_ROTATION_WORDS = (
    ", on me (they counter my likely move)",
    ", on me, third guess",
    ", on me, second guess (they expect me to see their counter)",
)


META_DETAIL = "chosen by the Sicilian meta layer (Iocaine-style)"
META_DETAIL_RANDOM = "fall-back: random play while exploited - Sicilian meta layer"


def rotate(dist: Sequence[float], k: int) -> list[float]:
    """Shift a distribution over moves by k: P'(x + k) = P(x)."""
    k %= 3
    return [dist[(x - k) % 3] for x in range(3)]


def ev_replies(dists: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The expected-value best reply (see predictors.counter_move) to each row of `dists`
    (n, 3), ties broken at random with `rng`."""
    ev = dists[:, _EV_PLUS] - dists[:, _EV_MINUS]
    ties = ev >= ev.max(axis=1, keepdims=True) - 1e-9
    return (ties * rng.random(ev.shape)).argmax(axis=1)


def argmax_replies(dists: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """What beats each row's most likely move, as classic bots play (ties: by expected value,
    then at random). The shadows use it: they stand for classic players."""
    ev = dists[:, _EV_PLUS] - dists[:, _EV_MINUS]
    likely = dists >= dists.max(axis=1, keepdims=True) - 1e-9
    key = likely * 10.0 + np.roll(ev, -1, axis=1) + rng.random(ev.shape) * 1e-6
    return (key.argmax(axis=1) + 1) % 3


class SicilianMeta:
    """Picks among Sicilian rotations of any predictions, by decayed score.

    Each `choose()` takes `opp_dists` (P(opponent's next move), one per source) and
    optionally `own_dists` (P(our next move) as the opponent might predict it, one per
    source); the number of each must stay the same for the whole match. It returns the
    move to play. `observe()` must follow every round.

    Strategies are numbered 3 * base + k: base b's prediction rotated by k (k = 0: they play
    what it says; k = 2: they expect our counter and beat it, the second guess; k = 1: the
    third guess), with the reply rotated alike. Each decay rate picks its best-scoring
    strategy; a meta score ranks those picks in each of their three rotations; the best
    is played. The final move is thus always one rotation of one base, which `chosen` names.

    Fall-back (`fallback=True`): the opponent is reading us when the net score of the last
    `window` rounds we played by prediction drops below -exploit_threshold (or, with a
    `fast_threshold`, of the last `fast_window` ones to -fast_threshold or lower). Then we play
    uniformly at random (unexploitable) while every strategy keeps being scored, and come
    back once the move we would have played has been winning lately (decayed score >=
    `return_score`). The losses stay in the window, so a return that goes wrong is cut short
    after a loss or two: small stakes each time.
    """

    def __init__(
        self,
        rng: np.random.Generator,
        decays: Sequence[float] = (0.7, 0.9, 0.99),
        meta_decay: float = 0.97,
        window: int = 100,
        exploit_threshold: int = 10,
        fast_window: int = 20,
        fast_threshold: int | None = 5,
        return_decay: float = 0.8,
        return_score: float = 2.0,
        fallback: bool = True,
        top_rotations: bool = True,
    ) -> None:
        self.rng = rng
        self.decays = np.asarray(decays, dtype=float)
        self.meta_decay = meta_decay
        self.window = window
        self.exploit_threshold = exploit_threshold
        self.fast_window = fast_window
        self.fast_threshold = fast_threshold
        self.return_decay = return_decay
        self.return_score = return_score
        self.fallback = fallback
        self.turns = np.arange(3 if top_rotations else 1)
        self.reset()

    def reset(self) -> None:
        self.scores: np.ndarray | None = None  # (len(decays), n_strategies)
        self.meta_scores = np.zeros((len(self.decays), len(self.turns)))  # picks, rotated
        self.played: deque[int] = deque()  # results of the rounds we played by prediction
        self.played_net = 0
        self.hiding = False
        self.virtual = 0.0  # decayed score of the move prediction chose (played or not)
        self._moves: np.ndarray | None = None  # every strategy's move this round
        self._picks: np.ndarray | None = None  # each decay's chosen move this round
        self._final = -1  # the move prediction chose this round
        self.n_opp = 0  # bases that predict the opponent (the rest predict us)
        self.chosen = -1  # strategy index behind the last move (-1: random)
        self.prediction = np.array(UNIFORM)

    @property
    def exploited(self) -> bool:
        return self.hiding

    @property
    def final_move(self) -> int:
        """The move this round's prediction chose (played unless falling back to random)."""
        return self._final

    @staticmethod
    def _as_bases(
        opp_dists: Sequence[Sequence[float]], own_dists: Sequence[Sequence[float]]
    ) -> list[list[float]]:
        # They play what beats the move they expect from us.
        return [list(p) for p in opp_dists] + [rotate(q, 1) for q in own_dists]

    def choose(
        self, opp_dists: Sequence[Sequence[float]], own_dists: Sequence[Sequence[float]] = ()
    ) -> int:
        bases = np.array(self._as_bases(opp_dists, own_dists), dtype=float).reshape(-1, 3)
        return self.choose_bases(bases, ev_replies(bases, self.rng), len(opp_dists))

    def choose_bases(self, bases: np.ndarray, replies: np.ndarray, n_opp: int) -> int:
        """`choose` for callers that hold the bases (n, 3: P(opponent's move), predictions of
        us already turned into "they beat it") and their replies: no work done twice."""
        moves = ((replies[:, None] + np.arange(3)[None, :]) % 3).ravel()
        if self.scores is None:
            self.scores = np.zeros((len(self.decays), len(moves)))
        elif self.scores.shape[1] != len(moves):
            raise ValueError(
                f"SicilianMeta got {len(moves)} strategies, expected {self.scores.shape[1]}: "
                "pass the same number of sources every round"
            )
        self._moves = moves
        self.n_opp = n_opp
        best = self.scores.argmax(axis=1)  # each decay's favourite strategy
        self._picks = moves[best]
        level, turn = divmod(int(self.meta_scores.argmax()), len(self.turns))
        base, k = divmod(int(best[level]), 3)
        k = (k + turn) % 3  # a rotated pick is the same base, rotated further
        index = 3 * base + k
        self._final = int(moves[index])
        if self.hiding:
            self.chosen = -1
            self.prediction = np.array(UNIFORM)
            return int(self.rng.integers(3))
        self.chosen = index
        self.prediction = np.array(rotate(bases[base], k))
        return self._final

    def describe(self, index: int, names: Sequence[str]) -> str:
        """Words for strategy `index`, given one name per base (opponent sources first)."""
        base, k = divmod(index, 3)
        words = OPP_ROTATION_WORDS if base < self.n_opp else OWN_ROTATION_WORDS
        return names[base] + words[k]

    def decision(
        self,
        names: Sequence[str],
        played: int,
        unsure: Collection[int] = (),
        words: Callable[[int, int, int | None], str] | None = None,
        **model,
    ) -> Decision:
        """The Decision record of the last `choose()` (which gave `played`), naming bases with
        `names` on its detail line.

        The predicted move is the one the reply was aimed at (the move `played` beats), with
        the chosen strategy's rotated distribution as the odds (none for the bases in `unsure`,
        whose distribution is not a real probability). `words(base, k, noticed)` gives the
        plain words (default: the technical name)."""
        if self.chosen < 0:
            return Decision(RANDOM_FALLBACK, played, detail=META_DETAIL_RANDOM, **model)
        base, k = divmod(self.chosen, 3)
        detail = f"{self.describe(self.chosen, names)} - {META_DETAIL}"

        def plain(noticed: int | None) -> str:
            return words(base, k, noticed) if words else self.describe(self.chosen, names)

        return reply_decision(plain, self.prediction, played, base not in unsure, detail,
                              rotation=k, **model)  # fmt: skip

    def observe(self, own: int, opp: int) -> None:
        """Score every strategy (and each decay's pick) against the opponent's actual move."""
        if self._moves is not None:
            gained = _OUTCOME[(self._moves - opp) % 3]
            self.scores = self.scores * self.decays[:, None] + gained[None, :]
            turned = (self._picks[:, None] + self.turns[None, :] - opp) % 3
            self.meta_scores = self.meta_scores * self.meta_decay + _OUTCOME[turned]
            self.virtual = self.virtual * self.return_decay + int(
                _OUTCOME[(self._final - opp) % 3]
            )
            self._moves = None
        if not self.fallback:
            return
        if self.hiding:
            if self.virtual >= self.return_score:
                self.hiding = False
            return
        result = int(_OUTCOME[(own - opp) % 3])
        self.played.append(result)
        self.played_net += result
        if len(self.played) > self.window:
            self.played_net -= self.played.popleft()
        if self.played_net < -self.exploit_threshold or self._fast_loss():
            self.hiding = True
            self.virtual = 0.0

    def _fast_loss(self) -> bool:
        if self.fast_threshold is None or len(self.played) < self.fast_window:
            return False
        recent = sum(self.played[i] for i in range(-self.fast_window, 0))
        return recent <= -self.fast_threshold


# --- the shared engine of the meta agents -------------------------------------------------


def named_models() -> list[tuple[str, HistoryModel]]:
    """The base predictors, named as they predict the opponent (run on the true history)."""
    return [
        ("frequency", FrequencyModel()),
        ("frequency, last 20", FrequencyModel(window=20)),
        ("frequency, decay 0.9", FrequencyModel(decay=0.9)),
        ("frequency, decay 0.97", FrequencyModel(decay=0.97)),
        ("markov-1", MarkovModel(order=1)),
        ("markov-2", MarkovModel(order=2)),
        ("markov-3", MarkovModel(order=3)),
        ("markov-2 on their moves", MarkovModel(order=2, decay=0.95, context="opp")),
        ("rotation", RotationModel(0.9)),
        ("pattern", PatternModel("joint")),
        ("pattern on their moves", PatternModel("opp")),
        ("pattern on my moves", PatternModel("own")),
    ]


def _swap_words(name: str) -> str:
    """A model's name when run on the swapped history (it then predicts us)."""
    return name.replace("their moves", "\0").replace("my moves", "their moves").replace(
        "\0", "my moves"
    )


def default_models() -> list[HistoryModel]:
    """The base predictors the meta agents run (on each side of the history)."""
    return [model for _, model in named_models()]


# Shadows: (name, seat, SicilianMeta settings). "their seat" plays the opponent's side: its
# move is a prediction of the opponent. "my seat" plays ours: its move is what an Iocaine-like
# opponent expects from us. A shadow is a predictor, so it never falls back to random play;
# it models the classic Iocaine, so it has no top-level rotations either.
_FAST = {"decays": (0.8, 0.6, 0.4), "meta_decay": 0.8}
SHADOWS: tuple[tuple[str, str, dict], ...] = (
    ("Iocaine in their seat", "their seat", {}),
    ("fast Iocaine in their seat", "their seat", _FAST),
    ("Iocaine in my seat", "my seat", {}),
    ("fast Iocaine in my seat", "my seat", _FAST),
)
SHADOW_SURE = 0.8  # the probability a shadow's move is given as a prediction
# Row m: the distribution "they play m" with that confidence.
_SHADOW_DISTS = np.full((3, 3), (1.0 - SHADOW_SURE) / 2.0)
np.fill_diagonal(_SHADOW_DISTS, SHADOW_SURE)


class MetaPlayer:
    """Predictors on both sides, extra opponent sources, shadows, and a SicilianMeta.

        player = MetaPlayer(rng, seed, extra=[("LSTM", lstm_model)])
        move = player.decide()            # once per round; asking again returns the same
        player.observe(own=move, opp=their_move)
        player.decision(move, last)       # the Decision record of that move

    `extra` sources predict the opponent and are updated by the caller; the shadows see only
    the base predictors, so every meta agent's shadows are the same classic Iocaine.
    `meta_settings` go to the main SicilianMeta (decays, fall-back thresholds, ...).
    """

    def __init__(
        self,
        rng: np.random.Generator,
        seed: int,
        extra: Sequence[tuple[str, HistoryModel]] = (),
        **meta_settings,
    ) -> None:
        self.rng = rng
        named = named_models()
        self.theirs = [model for _, model in named]  # predict the opponent
        self.ours = default_models()  # predict us, from the opponent's side (swapped history)
        self.extra = [model for _, model in extra]
        self.shadows = [
            (
                seat == "their seat",
                SicilianMeta(
                    np.random.default_rng([seed, 11, i]), fallback=False, top_rotations=False, **kw
                ),
            )
            for i, (_, seat, kw) in enumerate(SHADOWS)
        ]
        opp_shadows = [name for name, seat, _ in SHADOWS if seat == "their seat"]
        own_shadows = [name for name, seat, _ in SHADOWS if seat == "my seat"]
        # Each base's plain-words key (its name as it predicts the opponent) and side.
        self.keys = (
            [(name, True) for name, _ in named]
            + [(name, True) for name, _ in extra]
            + [(name, True) for name in opp_shadows]
            + [(name, False) for name, _ in named]
            + [(name, False) for name in own_shadows]
        )
        self.names = (
            [name for name, _ in named]
            + [name for name, _ in extra]
            + opp_shadows
            + [_swap_words(name) for name, _ in named]
            + own_shadows
        )
        # A shadow's move is given a made-up confidence (SHADOW_SURE): its reasons state none.
        first = len(named) + len(extra)
        self.shadow_bases = set(range(first, first + len(opp_shadows)))
        self.shadow_bases |= set(range(len(self.names) - len(own_shadows), len(self.names)))
        self.meta = SicilianMeta(rng, **meta_settings)
        self._next: int | None = None

    def decide(self) -> int:
        if self._next is not None:
            return self._next
        t = np.array([m.dist() for m in self.theirs], dtype=float)
        o = np.array([m.dist() for m in self.ours], dtype=float)
        e = np.array([m.dist() for m in self.extra], dtype=float).reshape(-1, 3)
        rt, ro, re = (ev_replies(d, self.rng) for d in (t, o, e))
        st, so = (argmax_replies(d, self.rng) for d in (t, o))
        # Predictions of us become "they beat it": rotate by one, and so does the reply.
        t_beat, o_beat = np.roll(t, 1, axis=1), np.roll(o, 1, axis=1)
        opp_moves, own_moves = [], []
        for their_seat, shadow in self.shadows:
            if their_seat:  # it predicts us with our `ours` models and we are its opponent
                bases = np.concatenate([o, t_beat])
                move = shadow.choose_bases(bases, np.concatenate([so, (st + 1) % 3]), len(o))
                opp_moves.append(move)
            else:
                bases = np.concatenate([t, o_beat])
                move = shadow.choose_bases(bases, np.concatenate([st, (so + 1) % 3]), len(t))
                own_moves.append(move)
        opp_hot = _SHADOW_DISTS[opp_moves].reshape(-1, 3)
        own_hot = np.roll(_SHADOW_DISTS[own_moves].reshape(-1, 3), 1, axis=1)
        bases = np.concatenate([t, e, opp_hot, o_beat, own_hot])
        replies = np.concatenate(
            [
                rt,
                re,
                (np.array(opp_moves, dtype=np.int64) + 1) % 3,
                (ro + 1) % 3,
                (np.array(own_moves, dtype=np.int64) + 2) % 3,
            ]
        )
        n_opp = len(t) + len(e) + len(opp_moves)
        self._next = self.meta.choose_bases(bases, replies, n_opp)
        return self._next

    def observe(self, own: int, opp: int) -> None:
        """After the round: every score and base predictor (extra sources are the caller's)."""
        self.decide()  # a round observed without act() still settles every choice first
        self.meta.observe(own, opp)
        for their_seat, shadow in self.shadows:
            if their_seat:
                shadow.observe(opp, own)
            else:
                shadow.observe(own, opp)
        for model in self.theirs:
            model.update(own, opp)
        for model in self.ours:
            model.update(opp, own)
        self._next = None

    def decision(self, played: int, last: tuple[int, int] | None = None, **model) -> Decision:
        """The Decision record of this round's move `played`; `last` is (our last move, the
        opponent's last move), for plain words about the last round."""

        def words(base: int, k: int, noticed: int | None) -> str:
            key, theirs = self.keys[base]
            return about_you(key, noticed, last, k) if theirs else about_me(key, k)

        return self.meta.decision(self.names, played, self.shadow_bases, words, **model)

    @property
    def prediction(self) -> np.ndarray:
        return self.meta.prediction

    @property
    def exploited(self) -> bool:
        return self.meta.exploited


READER_DETAIL = "habit reader, over the meta layer"


class MetaAgent(Agent):
    """An agent played by a MetaPlayer; `extra_sources()` adds opponent predictors.

    With `reads_people`, a habit reader sits on top (agents.rps.habits.ReaderOverMeta): its
    reply is played unless the meta layer's decayed score clearly leads, or the reader has
    been beaten while played (a program reading it).
    `habit_prior` starts the reader from pooled habits: what people do on average (the
    default) or everyone's saved games (Veteran)."""

    is_predictor = True
    reads_people = False
    habit_prior: HabitPrior = PEOPLE_PRIOR

    def extra_sources(self) -> list[tuple[str, HistoryModel]]:
        return []

    def _reset(self) -> None:
        self.sources = self.extra_sources()
        self.player = MetaPlayer(self.rng, self.seed, self.sources)
        self.reader = (
            ReaderOverMeta(HabitModel(prior=self.habit_prior)) if self.reads_people else None
        )
        self._reader_rng = np.random.default_rng([self.seed, 13])  # meta's stream untouched
        self._decision: Decision | None = None

    def _observe(self, own: int, opponent: int) -> None:
        self.player.observe(own, opponent)
        for _, model in self.sources:
            model.update(own, opponent)
        if self.reader is not None:
            self.reader.observe(opponent)
            self.reader.model.update(own, opponent)

    def model_view(self) -> dict:
        """The agent's own model's view, recorded beside each decision (none here)."""
        return {}

    def _act(self) -> int:
        move = self.player.decide()
        last = (self.own[-1], self.opp[-1]) if self.own else None
        if self.reader is not None:
            dist = self.reader.model.dist()
            reply = counter_move(dist, self._reader_rng)
            if self.reader.choose(self.player.meta.final_move, reply):

                def words(noticed: int | None) -> str:
                    return about_you("habits", noticed, last)

                self._decision = reply_decision(
                    words, dist, reply, detail=READER_DETAIL, **self.model_view()
                )
                return reply
        # Now: observe() moves the meta layer on.
        self._decision = self.player.decision(move, last, **self.model_view())
        return move

    def decision(self) -> Decision | None:
        """How the last act() chose its move: the strategy, its odds, the move played."""
        return self._decision

    @property
    def exploited(self) -> bool:
        """True while the meta layer has fallen back to random play (and plays it)."""
        reading = self.reader is not None and self.reader.using_reader
        return self.player.exploited and not reading

    @property
    def meta(self) -> SicilianMeta:
        return self.player.meta


@register(
    "iocaine",
    "meta",
    "Many pattern-spotters, each also second-guessed: the best scorer picks each move (after "
    "Iocaine Powder)",
)
class IocaineAgent(MetaAgent):
    """Runs the base predictors on the true history (what will they play?) and on the
    swapped one (what do they think we will play?), with Iocaine shadows in both seats,
    and lets SicilianMeta choose."""

    def predict(self) -> np.ndarray:
        """P(opponent's next move) behind this round's choice (uniform while exploited)."""
        self.player.decide()
        return self.player.prediction.copy()
