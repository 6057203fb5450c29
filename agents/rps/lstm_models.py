"""Keras builders and input encodings for the two RPS LSTMs, and the joint one in numpy.

- ``lstm_classic``: the reference chapter's model (hjpulkki/RPS): one scalar move per step,
  three stacked sigmoid LSTMs, two relu layers, a softmax over the next move.
- ``lstm_joint``: the default opponent's model: the joint history (own move, opponent move,
  outcome) one-hot, 9 features per step, predicting the opponent's next move at every step.
  Deliberately small so online fine-tuning during a match stays cheap.
"""

from __future__ import annotations

import numpy as np

JOINT_FEATURES = 9  # own one-hot (3) + opponent one-hot (3) + outcome one-hot (3)
JOINT_UNITS = 48
JOINT_WINDOW = 24  # rounds of history the joint model reads per prediction


def lstm_classic(learning_rate: float = 1e-3):
    """The chapter's model: input (batch, T, 1) of raw moves 0/1/2 -> (batch, T, 3) next move."""
    import keras
    from keras import layers

    model = keras.Sequential(
        [
            keras.Input(shape=(None, 1)),
            layers.LSTM(64, activation="sigmoid", return_sequences=True),
            layers.LSTM(64, activation="sigmoid", return_sequences=True),
            layers.LSTM(64, activation="sigmoid", return_sequences=True),
            layers.Dense(64, activation="relu"),
            layers.Dense(64, activation="relu"),
            layers.Dense(3, activation="softmax"),
        ],
        name="lstm_classic",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, clipnorm=1.0),
        loss=keras.losses.CategoricalCrossentropy(),
        metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")],
    )
    return model


def lstm_joint(units: int = JOINT_UNITS, learning_rate: float = 3e-3):
    """Joint-history model: input (batch, T, 9) -> (batch, T, 3) P(opponent's next move)."""
    import keras
    from keras import layers

    model = keras.Sequential(
        [
            keras.Input(shape=(None, JOINT_FEATURES)),
            layers.LSTM(units, return_sequences=True),
            layers.Dense(3, activation="softmax"),
        ],
        name="lstm_joint",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, clipnorm=1.0),
        loss=keras.losses.CategoricalCrossentropy(),
        metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")],
    )
    return model


def encode_joint(own: np.ndarray, opp: np.ndarray) -> np.ndarray:
    """Rounds -> (T, 9) float32: own one-hot, opponent one-hot, outcome (win, draw, loss) one-hot.

    The outcome is from the `own` side: a beats b iff (a - b) % 3 == 1.
    """
    own = np.asarray(own, dtype=np.int64)
    opp = np.asarray(opp, dtype=np.int64)
    t = len(own)
    x = np.zeros((t, JOINT_FEATURES), dtype=np.float32)
    rows = np.arange(t)
    x[rows, own] = 1.0
    x[rows, 3 + opp] = 1.0
    outcome = (own - opp) % 3  # 1 win, 0 draw, 2 loss
    x[rows, 6 + np.array([1, 0, 2])[outcome]] = 1.0
    return x


def joint_windows(
    own: np.ndarray,
    opp: np.ndarray,
    window: int = JOINT_WINDOW,
    stride: int | None = None,
    from_start: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Training windows from rounds: x (n, window, 9), y (n, window, 3) = opponent's next move.

    With `from_start` (the rounds begin a match) windows are left-padded with zero rows, so the
    first rounds look exactly as they do at play time (no history yet). The last window always
    ends at the latest round with a known successor.
    """
    stride = stride or window // 2
    empty = (
        np.zeros((0, window, JOINT_FEATURES), np.float32),
        np.zeros((0, window, 3), np.float32),
    )
    n = len(own)
    if n < 2 or (not from_start and n - 1 < window):
        return empty
    feats = encode_joint(own, opp)
    target = np.eye(3, dtype=np.float32)[np.asarray(opp, dtype=np.int64)]
    # Step t's input is round t; its target is the opponent's move in round t + 1.
    pad = window - 1 if from_start else 0
    padded_x = np.concatenate([np.zeros((pad, JOINT_FEATURES), np.float32), feats[:-1]])
    padded_y = np.concatenate([np.zeros((pad, 3), np.float32), target[1:]])
    last = len(padded_x) - 1
    ends = list(range(last, window - 2, -stride))[::-1]
    xs = np.stack([padded_x[e - window + 1 : e + 1] for e in ends])
    ys = np.stack([padded_y[e - window + 1 : e + 1] for e in ends])
    return xs, ys


def history_window(own: list[int], opp: list[int], window: int = JOINT_WINDOW) -> np.ndarray:
    """The (1, window, 9) input for predicting the next opponent move from the rounds so far."""
    x = np.zeros((1, window, JOINT_FEATURES), dtype=np.float32)
    k = min(window, len(own))
    if k:
        x[0, window - k :] = encode_joint(own[-k:], opp[-k:])
    return x


def classic_sequences(
    lines: list[list[int]], length: int = 48, stride: int = 24
) -> tuple[np.ndarray, np.ndarray]:
    """data.txt games -> chunks x (n, length, 1) of moves, y (n, length, 3) = next move one-hot.

    The chapter fits one game per batch in file order and notes random order would be better;
    fixed-length chunks let us shuffle and batch them. Games shorter than a chunk are left-padded
    with zero targets (masked by zero weight in the loss via all-zero one-hot rows).
    """
    xs, ys = [], []
    for moves in lines:
        seq = np.asarray(moves, dtype=np.int64)
        if len(seq) < 2:
            continue
        x_all = seq[:-1].astype(np.float32)
        y_all = np.eye(3, dtype=np.float32)[seq[1:]]
        if len(x_all) < length:
            pad = length - len(x_all)
            x_all = np.concatenate([np.zeros(pad, np.float32), x_all])
            y_all = np.concatenate([np.zeros((pad, 3), np.float32), y_all])
        starts = list(range(0, len(x_all) - length + 1, stride))
        if starts[-1] != len(x_all) - length:
            starts.append(len(x_all) - length)
        for s in starts:
            xs.append(x_all[s : s + length, None])
            ys.append(y_all[s : s + length])
    if not xs:
        return np.zeros((0, length, 1), np.float32), np.zeros((0, length, 3), np.float32)
    return np.stack(xs), np.stack(ys)


# --- the joint model in numpy ----------------------------------------------------------------
# Inference and online fine-tuning run every few rounds of a match; TF's per-call overhead on
# a 48-unit LSTM costs several milliseconds a move, numpy a fraction of one. The maths is
# Keras' LSTMCell (gates i, f, c, o; sigmoid and tanh) followed by Dense + softmax, and the
# training loss is Keras' CategoricalCrossentropy (mean over batch and time steps).


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * z) + 1.0)  # = 1 / (1 + e^-z), with no overflow; keeps the dtype


class JointWeights:
    """The five arrays of an `lstm_joint` model (float32, as Keras keeps them): kernel
    (9, 4u), recurrent kernel (u, 4u), bias (4u,), dense kernel (u, 3), dense bias (3,)."""

    def __init__(self, arrays: list[np.ndarray], dtype: type = np.float32) -> None:
        arrays = [np.array(a, dtype=dtype) for a in arrays]
        shapes = [a.shape for a in arrays]
        if len(arrays) != 5 or len(shapes[0]) != 2 or shapes[0][0] != JOINT_FEATURES:
            raise ValueError(f"not an lstm_joint model: weight shapes {shapes}")
        u = shapes[1][0]
        if shapes != [(JOINT_FEATURES, 4 * u), (u, 4 * u), (4 * u,), (u, 3), (3,)]:
            raise ValueError(f"not an lstm_joint model: weight shapes {shapes}")
        self.arrays = arrays
        self.units = u

    def copy(self) -> JointWeights:
        return JointWeights([a.copy() for a in self.arrays], self.arrays[0].dtype)


def joint_forward(w: JointWeights, x: np.ndarray, keep: bool = False):
    """x (B, T, 9) -> P(opponent's next move) at every step (B, T, 3); with `keep`, also the
    hidden states (T, B, u) and the per-step cache backward needs."""
    kernel, recurrent, bias, dense, dense_bias = w.arrays
    b, t, _ = x.shape
    u = w.units
    dt = kernel.dtype
    xz = (x @ kernel + bias).transpose(1, 0, 2)  # (T, B, 4u): every step's input part at once
    acts = np.empty((t, b, 4 * u), dt)  # i, f, g, o after their activations
    cs = np.zeros((t + 1, b, u), dt)  # cell states; cs[0] is the initial zero
    tcs = np.empty((t, b, u), dt)  # tanh of each cell state
    hs = np.empty((t, b, u), dt)
    h = np.zeros((b, u), dt)
    for step in range(t):
        z = xz[step] + h @ recurrent
        act = acts[step]
        act[:] = _sigmoid(z)  # i, f, o; the g slice is replaced by tanh below
        act[:, 2 * u : 3 * u] = np.tanh(z[:, 2 * u : 3 * u])
        c = cs[step + 1]
        np.multiply(act[:, u : 2 * u], cs[step], out=c)
        c += act[:, :u] * act[:, 2 * u : 3 * u]
        np.tanh(c, out=tcs[step])
        h = hs[step]
        np.multiply(act[:, 3 * u :], tcs[step], out=h)
    hs_bt = hs.transpose(1, 0, 2)
    logits = hs_bt @ dense + dense_bias
    logits -= logits.max(axis=-1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=-1, keepdims=True)
    return (p, hs, (acts, cs, tcs)) if keep else p


def joint_last(w: JointWeights, x: np.ndarray) -> np.ndarray:
    """P(opponent's next move) after the last step of one window x (1, T, 9): shape (3,)."""
    kernel, recurrent, bias, dense, dense_bias = w.arrays
    u = w.units
    xz = x[0] @ kernel + bias
    h = np.zeros(u, kernel.dtype)
    c = np.zeros(u, kernel.dtype)
    for z_in in xz:
        z = z_in + h @ recurrent
        sig = _sigmoid(z)  # the g slice is recomputed below with tanh
        c = sig[u : 2 * u] * c + sig[:u] * np.tanh(z[2 * u : 3 * u])
        h = sig[3 * u :] * np.tanh(c)
    logits = h @ dense + dense_bias
    p = np.exp(logits - logits.max())
    return p / p.sum()


def joint_loss_and_grads(
    w: JointWeights, x: np.ndarray, y: np.ndarray
) -> tuple[float, list[np.ndarray]]:
    """Keras' CategoricalCrossentropy of the model on (x, y), and its gradient (BPTT).

    All-zero target rows (the left padding) add nothing to the loss but count in the mean,
    as in Keras."""
    kernel, recurrent, bias, dense, dense_bias = w.arrays
    p, hs, (acts, cs, tcs) = joint_forward(w, x, keep=True)
    b, t, _ = x.shape
    u = w.units
    n = b * t
    eps = 1e-7  # Keras clips probabilities to [eps, 1 - eps] before the log
    loss = float(-(y * np.log(np.clip(p, eps, 1 - eps))).sum() / n)
    dlogits = ((p * y.sum(axis=-1, keepdims=True) - y) / n).transpose(1, 0, 2)  # (T, B, 3)
    d_dense = hs.reshape(n, u).T @ dlogits.reshape(n, 3)
    d_dense_bias = dlogits.sum(axis=(0, 1))
    dh_out = dlogits @ dense.T  # (T, B, u)
    # The activations' derivatives for every step at once: sigmoid' = a (1 - a) for i, f, o,
    # tanh' = 1 - g^2 for g; and d c / d h through h = o tanh(c).
    derivs = acts * (1.0 - acts)
    g_all = acts[:, :, 2 * u : 3 * u]
    derivs[:, :, 2 * u : 3 * u] = 1.0 - g_all * g_all
    dc_from_h = acts[:, :, 3 * u :] * (1.0 - tcs * tcs)
    dt = kernel.dtype
    dz_all = np.empty((t, b, 4 * u), dt)
    dgates = np.empty((b, 4 * u), dt)
    dh = np.zeros((b, u), dt)
    dc = np.zeros((b, u), dt)
    for step in range(t - 1, -1, -1):
        act = acts[step]
        dh += dh_out[step]
        dc += dh * dc_from_h[step]
        np.multiply(dc, act[:, 2 * u : 3 * u], out=dgates[:, :u])  # d/di
        np.multiply(dc, cs[step], out=dgates[:, u : 2 * u])  # d/df
        np.multiply(dc, act[:, :u], out=dgates[:, 2 * u : 3 * u])  # d/dg
        np.multiply(dh, tcs[step], out=dgates[:, 3 * u :])  # d/do
        dz = dz_all[step]
        np.multiply(dgates, derivs[step], out=dz)
        dc *= act[:, u : 2 * u]
        dh = dz @ recurrent.T
    h_prev = np.concatenate([np.zeros((1, b, u), dt), hs[:-1]])
    dz_flat = dz_all.reshape(n, 4 * u)
    d_kernel = x.transpose(1, 0, 2).reshape(n, -1).T @ dz_flat
    d_recurrent = h_prev.reshape(n, u).T @ dz_flat
    d_bias = dz_flat.sum(axis=0)
    return loss, [d_kernel, d_recurrent, d_bias, d_dense, d_dense_bias]


class Adam:
    """Plain Adam (beta 0.9 / 0.999, epsilon 1e-7, Keras' form) on a JointWeights, in place."""

    def __init__(self, w: JointWeights) -> None:
        self.step = 0
        self.m = [np.zeros_like(a) for a in w.arrays]
        self.v = [np.zeros_like(a) for a in w.arrays]

    def apply(self, w: JointWeights, grads: list[np.ndarray], lr: float) -> None:
        self.step += 1
        fix1 = 1.0 - 0.9**self.step
        fix2 = 1.0 - 0.999**self.step
        for a, g, m, v in zip(w.arrays, grads, self.m, self.v, strict=True):
            m *= 0.9
            m += 0.1 * g
            v *= 0.999
            v += 0.001 * g * g
            a -= lr * (m / fix1) / (np.sqrt(v / fix2) + 1e-7)
