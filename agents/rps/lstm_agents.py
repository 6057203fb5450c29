"""LSTM agents: `lstm-classic` (the chapter's model) and `lstm` (the default opponent).

The joint model is loaded with Keras once per model file and process, then runs in numpy
(agents.rps.lstm_models): inference and online fine-tuning (backpropagation through time,
Adam) cost well under a millisecond a move, where TF's per-call overhead alone cost several.
Every agent owns a copy of the weights, so agents never share mutable state, and online
fine-tuning is deterministic for a given seed. The classic model still runs in TF.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from agents.blas import one_blas_thread
from agents.rps.base import Agent, Decision, as_dist, register
from agents.rps.lstm_models import (
    JOINT_WINDOW,
    Adam,
    JointWeights,
    history_window,
    joint_last,
    joint_loss_and_grads,
    joint_windows,
)
from agents.rps.meta import MetaAgent
from agents.rps.predictors import NO_PREDICTION, UNIFORM, HistoryModel
from game.sim.rps import beats

JOINT_MODEL_FILE = "rps_lstm.h5"
CLASSIC_MODEL_FILE = "rps_lstm_classic.h5"
CLASSIC_WINDOW = 48  # recent moves the classic model reads per prediction

_CACHE: dict[tuple, object] = {}  # (kind, path, mtime, size) -> engine, one per process


def user_model_path(filename: str = JOINT_MODEL_FILE) -> Path:
    """Where in-app training writes ("Train on my games"); preferred when present."""
    from game.paths import user_home

    return user_home() / "models" / filename


def default_model_path(filename: str = JOINT_MODEL_FILE) -> Path:
    """The user's own trained model if there is one, else the shipped one."""
    from game.paths import shipped_models_dir

    user = user_model_path(filename)
    return user if user.exists() else shipped_models_dir() / filename


def _cached(kind: str, path: str | os.PathLike[str], build):
    from agents.modelio import ModelFileError, load_model_checked

    path = Path(path).resolve()
    st = path.stat() if path.exists() else None
    key = (kind, str(path), st.st_mtime_ns if st else 0, st.st_size if st else 0)
    if key not in _CACHE:
        model = load_model_checked(path)  # raises ModelFileError when bad
        try:
            _CACHE[key] = build(model)
        except ValueError as e:
            raise ModelFileError(f"{path}: {e}") from None
    return _CACHE[key]


class JointEngine:
    """One loaded `lstm_joint` model as numpy weights (shared read-only by every agent).

    Per-move inference and online fine-tuning run in numpy (agents.rps.lstm_models): for a
    48-unit LSTM, TF's per-call overhead alone was several milliseconds a move.
    """

    def __init__(self, model, window: int = JOINT_WINDOW) -> None:
        self.window = window
        # ValueError (a model of another shape) becomes a ModelFileError in _cached.
        self.weights = JointWeights([v.numpy() for v in model.trainable_variables])


def joint_engine(model_path: str | os.PathLike[str] | None = None) -> JointEngine:
    """The process-wide engine for a joint model file (default: user's, else shipped)."""
    return _cached("joint", model_path or default_model_path(), JointEngine)


class LSTMModel(HistoryModel):
    """P(opponent's next move) from the joint-history LSTM, fine-tuned online.

    Every round adds the gradient of two windows from the last `memory` rounds: the newest
    (ending at the round just played) and one replayed at random. Every `every` rounds (after
    `warmup`) it takes `steps` Adam steps with their mean, so each step sees every window of
    the last `every` rounds once and as many replayed. Spreading the backpropagation over the
    rounds keeps every move's time flat: one 16-window batch every tenth move made those
    moves ~4x slower than the rest (bench/rps_population.py, per-move p99).
    """

    def __init__(
        self,
        engine: JointEngine,
        seed: int = 0,
        every: int = 10,
        steps: int = 1,
        memory: int = 300,
        warmup: int = 10,
        lr: float = 3e-3,
    ) -> None:
        self.engine = engine
        self.seed = seed
        self.every, self.steps = every, steps
        self.memory, self.warmup, self.lr = memory, warmup, lr
        self.reset()

    def reset(self) -> None:
        self.weights = self.engine.weights.copy()
        self.adam = Adam(self.weights)
        self.rng = np.random.default_rng([self.seed, 7])  # own stream: act()'s rng is untouched
        self.own: list[int] = []
        self.opp: list[int] = []
        self.dropped = 0  # rounds no longer kept (beyond `memory`)
        self.updates = 0
        self._grads: list[np.ndarray] | None = None  # summed since the last Adam step
        self._windows = 0  # ... over this many windows
        self._dist: list[float] | None = None

    def update(self, own: int, opp: int) -> None:
        self.own.append(own)
        self.opp.append(opp)
        self._dist = None
        if len(self.own) > 2 * self.memory:  # keep what training and inference read (in batches)
            cut = len(self.own) - self.memory
            del self.own[:cut]
            del self.opp[:cut]
            self.dropped += cut
        if not self.steps:
            return
        with one_blas_thread():  # see agents.blas: threads stall these small products
            self._add_gradients()
            n = self.dropped + len(self.own)
            if n >= self.warmup and n % self.every == 0:
                self.fine_tune()

    def _add_gradients(self) -> None:
        """Add the gradients of the newest window and one replayed window."""
        start = max(0, len(self.own) - self.memory)
        own, opp = self.own[start:], self.opp[start:]
        # Windows are left-padded (as at the match's start) only while round 1 is in memory.
        from_start = self.dropped == 0 and start == 0
        window = self.engine.window
        first = 0 if from_start else window - 1  # the earliest round a window can end at
        last = len(own) - 2  # the latest round with a known successor
        if last < first:
            return
        ends = (last, int(self.rng.integers(first, last + 1)))
        pieces = [_window_ending(own, opp, e, window, from_start) for e in ends]
        x = np.concatenate([p[0] for p in pieces])
        y = np.concatenate([p[1] for p in pieces])
        _, grads = joint_loss_and_grads(self.weights, x, y)  # the mean over 2 windows
        if self._grads is None:
            self._grads = [g * len(ends) for g in grads]
        else:
            for total, g in zip(self._grads, grads, strict=True):
                total += g * len(ends)
        self._windows += len(ends)

    def fine_tune(self) -> None:
        """`steps` Adam steps with the mean gradient gathered since the last ones."""
        if self._grads is None:
            return
        mean = [g / self._windows for g in self._grads]
        for _ in range(self.steps):
            self.adam.apply(self.weights, mean, self.lr)
        self._grads, self._windows = None, 0
        self.updates += 1

    def dist(self) -> list[float]:
        if self._dist is None:
            if not self.own:
                self._dist = list(UNIFORM)
            else:
                x = history_window(self.own, self.opp, self.engine.window)
                p = joint_last(self.weights, x).astype(float)
                self._dist = [float(v) for v in p / p.sum()]
        return self._dist


def _window_ending(
    own: list[int], opp: list[int], end: int, window: int, from_start: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The training window (1, window, 9), (1, window, 3) whose last input is round `end` and
    whose last target is the opponent's round end + 1: joint_windows' window, cut out alone."""
    first = max(0, end - window + 1)
    xs, ys = joint_windows(
        own[first : end + 2], opp[first : end + 2], window, stride=window,
        from_start=from_start and first == 0,
    )  # fmt: skip
    return xs[-1:], ys[-1:]


class ClassicEngine:
    """Compiled inference for the chapter's model: opponent moves (1, T, 1) -> P(next)."""

    def __init__(self, model) -> None:
        import tensorflow as tf

        self.model = model
        self.predict = tf.function(
            lambda x: model(x, training=False)[0, -1],
            input_signature=[tf.TensorSpec([1, None, 1], tf.float32)],
        )


def classic_engine(model_path: str | os.PathLike[str] | None = None) -> ClassicEngine:
    return _cached("classic", model_path or default_model_path(CLASSIC_MODEL_FILE), ClassicEngine)


def _one_hot(move: int, sure: float = 0.9) -> list[float]:
    dist = [(1.0 - sure) / 2.0] * 3
    dist[move] = sure
    return dist


def confidence(dist) -> float:
    """How sure a prediction is: its top probability (1/3 = no idea, 1 = certain)."""
    return float(max(dist))


@register(
    "lstm-classic",
    "lstm",
    "The chapter's LSTM (hjpulkki/RPS): reads the opponent's moves, beats the predicted one",
)
class ClassicLSTMAgent(Agent):
    """Plays what beats the classic model's most likely next opponent move; no meta layer."""

    is_predictor = True

    def __init__(self, seed: int = 0, model_path: str | os.PathLike[str] | None = None) -> None:
        self.engine = classic_engine(model_path)
        super().__init__(seed)

    def _reset(self) -> None:
        self.last_prediction = np.array(UNIFORM)
        self._decision: Decision | None = None

    def predict(self) -> np.ndarray:
        if not self.opp:
            return np.array(UNIFORM)
        x = np.asarray(self.opp[-CLASSIC_WINDOW:], np.float32).reshape(1, -1, 1)
        p = self.engine.predict(x).numpy().astype(float)
        self.last_prediction = p / p.sum()
        return self.last_prediction

    @property
    def confidence(self) -> float:
        return confidence(self.last_prediction)

    def _act(self) -> int:
        detail = "lstm-classic: the chapter's LSTM on your moves, no meta layer"
        if not self.opp:
            move = self.random_move()
            self._decision = Decision(NO_PREDICTION, move, detail=detail)
            return move
        dist = self.predict()
        predicted = int(np.argmax(dist))
        move = beats(predicted)
        words = "its neural network (LSTM) read a pattern in your recent moves"
        self._decision = Decision(words, move, predicted, as_dist(dist), detail)
        return move

    def decision(self) -> Decision | None:
        return self._decision


@register(
    "lstm",
    "lstm",
    "An LSTM that learns your habits as you play, with simpler pattern-spotters: the best "
    "scorer picks each move",
)
class LSTMAgent(MetaAgent):
    """The default opponent.

    The LSTM's prediction joins the classic predictors and the Iocaine shadows as one more
    source in the meta layer (agents.rps.meta.MetaPlayer), which picks the best-scoring
    rotation and falls back to random play when exploited. The LSTM adds what fixed-order
    models miss (longer, fuzzier patterns learnt offline and re-fitted to this opponent as
    the match goes); the meta layer keeps it unfarmable. `decision()` is what chose each move;
    `predict()` is the LSTM's own P(opponent's next move), also kept in the decision
    (`model_dist`) so a screen can show it beside, labelled. A habit reader sits on top
    (`reads_people`, agents.rps.habits): against a person, who is neither a program nor
    random, it plays the best reply to their habits while that scores better.
    """

    reads_people = True

    def __init__(
        self,
        seed: int = 0,
        model_path: str | os.PathLike[str] | None = None,
        fine_tune: bool = True,
    ) -> None:
        self.engine = joint_engine(model_path)
        self.fine_tune = fine_tune
        super().__init__(seed)

    def extra_sources(self) -> list[tuple[str, HistoryModel]]:
        self.lstm = LSTMModel(self.engine, seed=self.seed, steps=1 if self.fine_tune else 0)
        return [("LSTM", self.lstm)]

    def predict(self) -> np.ndarray:
        """The LSTM's own P(opponent's next move): one source of the meta layer, not
        necessarily what chooses the move (see decision())."""
        return np.array(self.lstm.dist())

    def model_view(self) -> dict:
        """The LSTM's own view, recorded beside each decision of the meta layer."""
        return {"model_name": "LSTM", "model_dist": as_dist(self.lstm.dist())}

    @property
    def last_prediction(self) -> np.ndarray:
        """The LSTM's P(opponent's next move) for the coming round."""
        return self.predict()

    @property
    def confidence(self) -> float:
        return confidence(self.lstm.dist())
