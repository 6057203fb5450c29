"""Keras builders and input encodings for the two RPS LSTMs.

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
