"""LSTM agents: `lstm-classic` (the chapter's model) and `lstm` (the default opponent).

Per-move cost is kept low by compiling, once per model file and process, two pure functions
of the weights: ``predict(weights, window)`` and ``train_step(weights, adam, x, y)``. Every
agent owns its weights as tensors and passes them in, so agents never share mutable state,
construction costs no tracing, and online fine-tuning is deterministic for a given seed.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from agents.rps.base import Agent, register
from agents.rps.lstm_models import JOINT_FEATURES, JOINT_WINDOW, history_window, joint_windows
from agents.rps.predictors import UNIFORM, HistoryModel
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
    from agents.modelio import load_model_checked

    path = Path(path).resolve()
    st = path.stat() if path.exists() else None
    key = (kind, str(path), st.st_mtime_ns if st else 0, st.st_size if st else 0)
    if key not in _CACHE:
        _CACHE[key] = build(load_model_checked(path))  # raises ModelFileError when bad
    return _CACHE[key]


class JointEngine:
    """Compiled inference and Adam fine-tuning for one loaded `lstm_joint` model."""

    def __init__(self, model, window: int = JOINT_WINDOW) -> None:
        import keras
        import tensorflow as tf

        self.model = model
        self.window = window
        self.initial = tuple(tf.constant(v.numpy()) for v in model.trainable_variables)
        self._frozen = [tf.constant(v.numpy()) for v in model.non_trainable_variables]
        self._loss = keras.losses.CategoricalCrossentropy()
        w_spec = [tf.TensorSpec(w.shape, w.dtype) for w in self.initial]
        adam_spec = [tf.TensorSpec([], tf.float32)] + [s for s in w_spec for _ in (0, 1)]
        x_spec = tf.TensorSpec([None, window, JOINT_FEATURES], tf.float32)
        y_spec = tf.TensorSpec([None, window, 3], tf.float32)
        self.predict = tf.function(
            self._predict, input_signature=[w_spec, tf.TensorSpec([1, window, JOINT_FEATURES])]
        )
        self.train_step = tf.function(
            self._train_step,
            input_signature=[w_spec, adam_spec, x_spec, y_spec, tf.TensorSpec([], tf.float32)],
        )

    def _predict(self, weights, x):
        y, _ = self.model.stateless_call(weights, self._frozen, x)
        return y[0, -1]

    def zero_adam(self) -> list:
        """Fresh Adam state: [step, m0, v0, m1, v1, ...]."""
        import tensorflow as tf

        return [tf.zeros([])] + [tf.zeros_like(w) for w in self.initial for _ in (0, 1)]

    def _train_step(self, weights, adam, x, y, lr):
        # Adam written out because Keras' stateless_apply is unavailable on the TF backend.
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(weights)
            pred, _ = self.model.stateless_call(weights, self._frozen, x, training=True)
            loss = self._loss(y, pred)
        grads = tape.gradient(loss, weights)
        step = adam[0] + 1.0
        new_w, new_adam = [], [step]
        for i, (w, g) in enumerate(zip(weights, grads, strict=True)):
            m = 0.9 * adam[1 + 2 * i] + 0.1 * g
            v = 0.999 * adam[2 + 2 * i] + 0.001 * tf.square(g)
            m_hat = m / (1.0 - tf.pow(0.9, step))
            v_hat = v / (1.0 - tf.pow(0.999, step))
            new_w.append(w - lr * m_hat / (tf.sqrt(v_hat) + 1e-7))
            new_adam += [m, v]
        return new_w, new_adam, loss


def joint_engine(model_path: str | os.PathLike[str] | None = None) -> JointEngine:
    """The process-wide engine for a joint model file (default: user's, else shipped)."""
    return _cached("joint", model_path or default_model_path(), JointEngine)


class LSTMModel(HistoryModel):
    """P(opponent's next move) from the joint-history LSTM, fine-tuned online.

    Every `every` rounds (after `warmup`) it takes `steps` Adam steps on a batch of windows
    from the last `memory` rounds: half the newest windows, half replayed at random.
    """

    def __init__(
        self,
        engine: JointEngine,
        seed: int = 0,
        every: int = 10,
        steps: int = 2,
        batch: int = 16,
        memory: int = 300,
        warmup: int = 10,
        lr: float = 3e-3,
    ) -> None:
        self.engine = engine
        self.seed = seed
        self.every, self.steps, self.batch = every, steps, batch
        self.memory, self.warmup, self.lr = memory, warmup, lr
        self.reset()

    def reset(self) -> None:
        self.weights = list(self.engine.initial)
        self.adam = self.engine.zero_adam()
        self.rng = np.random.default_rng([self.seed, 7])  # own stream: act()'s rng is untouched
        self.own: list[int] = []
        self.opp: list[int] = []
        self.updates = 0
        self._dist: list[float] | None = None

    def update(self, own: int, opp: int) -> None:
        self.own.append(own)
        self.opp.append(opp)
        self._dist = None
        n = len(self.own)
        if self.steps and n >= self.warmup and n % self.every == 0:
            self.fine_tune()

    def fine_tune(self) -> None:
        import tensorflow as tf

        start = max(0, len(self.own) - self.memory)
        x, y = joint_windows(
            self.own[start:], self.opp[start:], self.engine.window, stride=1, from_start=start == 0
        )
        if len(x) == 0:
            return
        newest = np.arange(max(0, len(x) - self.batch // 2), len(x))
        replay = self.rng.integers(len(x), size=self.batch - len(newest))
        idx = np.concatenate([newest, replay])
        xb, yb = tf.constant(x[idx]), tf.constant(y[idx])
        lr = tf.constant(self.lr, tf.float32)
        for _ in range(self.steps):
            self.weights, self.adam, _ = self.engine.train_step(self.weights, self.adam, xb, yb, lr)
        self.updates += 1

    def dist(self) -> list[float]:
        if self._dist is None:
            x = history_window(self.own, self.opp, self.engine.window)
            p = self.engine.predict(self.weights, x).numpy().astype(float)
            self._dist = list(p / p.sum()) if len(self.own) else list(UNIFORM)
        return self._dist


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
        if not self.opp:
            return self.random_move()
        return beats(int(np.argmax(self.predict())))


@register(
    "lstm",
    "lstm",
    "Joint-history LSTM, fine-tuned online, in a Sicilian meta layer with the classic predictors",
)
class LSTMAgent(Agent):
    """The default opponent.

    The LSTM's prediction joins the Iocaine predictors as one more source in SicilianMeta,
    which picks the best-scoring rotation and falls back to random play when exploited.
    The LSTM adds what fixed-order models miss (longer, fuzzier patterns learnt offline
    and re-fitted to this opponent as the match goes); the meta layer keeps it unfarmable.
    `predict()` is the LSTM's own P(opponent's next move), for screens.
    """

    is_predictor = True

    def __init__(
        self,
        seed: int = 0,
        model_path: str | os.PathLike[str] | None = None,
        fine_tune: bool = True,
    ) -> None:
        self.engine = joint_engine(model_path)
        self.fine_tune = fine_tune
        super().__init__(seed)

    def _reset(self) -> None:
        from agents.rps.meta import IocaineAgent, SicilianMeta, default_models

        self.lstm = LSTMModel(self.engine, seed=self.seed, steps=2 if self.fine_tune else 0)
        self.theirs = default_models()
        self.ours = default_models()  # predicts us from the opponent's side (swapped history)
        self.meta = SicilianMeta(self.rng)
        # A shadow Iocaine sitting in the opponent's seat: "what would a meta player like
        # the classic one play against us now?" Makes meta-vs-meta games winnable.
        self.mirror = IocaineAgent(seed=self.seed + 1)
        self._next: int | None = None

    def _observe(self, own: int, opponent: int) -> None:
        self.meta.observe(own, opponent)
        self.mirror.act()  # settles its choice for this round before it sees the round
        self.mirror.observe(own=opponent, opponent=own)
        self.lstm.update(own, opponent)
        for model in self.theirs:
            model.update(own, opponent)
        for model in self.ours:
            model.update(opponent, own)
        self._next = None

    def _act(self) -> int:
        if self._next is None:
            self._next = self.meta.choose(
                [self.lstm.dist(), _one_hot(self.mirror.act())] + [m.dist() for m in self.theirs],
                [m.dist() for m in self.ours],
            )
        return self._next

    def predict(self) -> np.ndarray:
        return np.array(self.lstm.dist())

    @property
    def last_prediction(self) -> np.ndarray:
        """The LSTM's P(opponent's next move) for the coming round."""
        return self.predict()

    @property
    def confidence(self) -> float:
        return confidence(self.lstm.dist())

    @property
    def exploited(self) -> bool:
        """True while the meta layer has fallen back to random play."""
        return self.meta.exploited
