"""The RPS LSTMs: model shapes, encodings, .h5 files, online fine-tuning, training, determinism.

Tiny models throughout (the shipped ones are exercised by the agent-contract tests).
"""

import threading

import numpy as np
import pytest

from agents.modelio import ModelFileError, card_path, read_card, save_model_atomic
from agents.rps import make_agent
from agents.rps.lstm_models import (
    JOINT_WINDOW,
    classic_sequences,
    encode_joint,
    history_window,
    joint_windows,
    lstm_classic,
    lstm_joint,
)


@pytest.fixture(scope="module")
def tiny_joint_path(tmp_path_factory):
    import keras

    keras.utils.set_random_seed(1)
    path = tmp_path_factory.mktemp("models") / "tiny_lstm.h5"
    save_model_atomic(lstm_joint(units=8), path)
    return path


def test_model_shapes():
    joint = lstm_joint(units=8)
    assert joint(np.zeros((2, JOINT_WINDOW, 9), np.float32)).shape == (2, JOINT_WINDOW, 3)
    classic = lstm_classic()
    assert classic(np.zeros((1, 10, 1), np.float32)).shape == (1, 10, 3)
    lstms = [layer for layer in classic.layers if layer.__class__.__name__ == "LSTM"]
    assert [(layer.units, layer.activation.__name__) for layer in lstms] == [(64, "sigmoid")] * 3
    assert classic.layers[-1].units == 3


def test_encode_joint_one_hot_and_outcome():
    x = encode_joint([0, 1, 2], [2, 1, 0])  # rock beats scissors; draw; scissors loses to rock
    assert x.shape == (3, 9)
    assert np.all(x.sum(axis=1) == 3)
    assert x[0, 0] == 1 and x[0, 5] == 1 and x[0, 6] == 1  # own rock, opp scissors, win
    assert x[1, 7] == 1  # draw
    assert x[2, 8] == 1  # loss


def test_joint_windows_target_is_next_opponent_move():
    own, opp = [0, 1, 2, 0, 1], [1, 1, 2, 0, 2]
    x, y = joint_windows(own, opp, window=3, stride=1)
    assert x.shape[1:] == (3, 9) and y.shape[1:] == (3, 3)
    # The last window's last step reads round 3 and targets the opponent's round-4 move.
    np.testing.assert_array_equal(x[-1, -1], encode_joint([0], [0])[0])
    assert y[-1, -1].argmax() == 2
    # The first window is left-padded: no history yet.
    assert x[0, 0].sum() == 0 and x[0, -1].sum() == 3
    window = history_window(own, opp, window=8)
    assert window.shape == (1, 8, 9) and window[0, :3].sum() == 0


def test_classic_sequences_shift_by_one():
    x, y = classic_sequences([[0, 1, 2, 0, 1, 2, 0]], length=4, stride=2)
    assert x.shape[1:] == (4, 1) and y.shape[1:] == (4, 3)
    np.testing.assert_array_equal(x[0, :, 0], [0, 1, 2, 0])
    np.testing.assert_array_equal(y[0].argmax(axis=1), [1, 2, 0, 1])


def test_h5_round_trip_gives_identical_outputs(tiny_joint_path):
    import keras

    from agents.modelio import load_model_checked

    original = keras.models.load_model(tiny_joint_path, compile=False)
    x = np.random.default_rng(0).random((2, JOINT_WINDOW, 9)).astype(np.float32)
    again = tiny_joint_path.with_name("again.h5")
    save_model_atomic(original, again)
    loaded = load_model_checked(again)
    np.testing.assert_array_equal(original(x).numpy(), loaded(x).numpy())


def test_corrupt_h5_gives_clear_error(tmp_path):
    bad = tmp_path / "broken.h5"
    bad.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00garbage" * 50)
    with pytest.raises(ModelFileError, match="broken.h5"):
        make_agent("lstm", model_path=bad)
    with pytest.raises(ModelFileError, match="not found"):
        make_agent("lstm", model_path=tmp_path / "missing.h5")


def test_numpy_lstm_matches_keras(tiny_joint_path):
    import keras

    from agents.rps.lstm_models import JointWeights, joint_forward, joint_last

    model = keras.models.load_model(tiny_joint_path, compile=False)
    weights = JointWeights([v.numpy() for v in model.trainable_variables])
    x = np.random.default_rng(0).random((3, JOINT_WINDOW, 9)).astype(np.float32)
    expected = model(x).numpy()
    np.testing.assert_allclose(joint_forward(weights, x), expected, atol=1e-5)
    np.testing.assert_allclose(joint_last(weights, x[1:2]), expected[1, -1], atol=1e-5)


def test_numpy_lstm_gradient_matches_finite_differences():
    from agents.rps.lstm_models import JointWeights, joint_forward, joint_loss_and_grads

    rng = np.random.default_rng(1)
    u = 6
    shapes = [(9, 4 * u), (u, 4 * u), (4 * u,), (u, 3), (3,)]
    weights = JointWeights([rng.normal(size=s) * 0.5 for s in shapes], dtype=np.float64)
    own, opp = rng.integers(3, size=40).tolist(), rng.integers(3, size=40).tolist()
    x, y = joint_windows(own, opp, window=8, stride=3)
    _, grads = joint_loss_and_grads(weights, x, y)

    def loss(w):
        p = joint_forward(w, x)
        return -(y * np.log(p)).sum() / (y.shape[0] * y.shape[1])

    for k, shape in enumerate(shapes):
        for _ in range(3):
            idx = tuple(int(rng.integers(n)) for n in shape)
            up, down = weights.copy(), weights.copy()
            up.arrays[k][idx] += 1e-6
            down.arrays[k][idx] -= 1e-6
            numeric = (loss(up) - loss(down)) / 2e-6
            assert grads[k][idx] == pytest.approx(numeric, rel=1e-4, abs=1e-9)


def test_lstm_agent_rejects_a_model_of_another_shape(tmp_path):
    import keras

    path = tmp_path / "wide.h5"
    save_model_atomic(keras.Sequential([keras.Input((None, 9)), keras.layers.Dense(3)]), path)
    with pytest.raises(ModelFileError, match=r"wide.h5: not an lstm_joint model"):
        make_agent("lstm", model_path=path)


def test_online_update_changes_prediction(tiny_joint_path):
    from agents.rps.lstm_agents import LSTMModel, joint_engine

    engine = joint_engine(tiny_joint_path)
    tuned = LSTMModel(engine, seed=0, every=10, steps=3)
    frozen = LSTMModel(engine, seed=0, steps=0)
    for i in range(20):  # the opponent always plays rock
        tuned.update(i % 3, 0)
        frozen.update(i % 3, 0)
    assert tuned.updates == 2 and frozen.updates == 0
    assert tuned.dist()[0] > frozen.dist()[0]  # more sure of rock after fine-tuning
    assert abs(sum(tuned.dist()) - 1) < 1e-5


def _moves_and_predictions(path, seed, rounds=30):
    from game.sim.rps import Match

    agent = make_agent("lstm", seed=seed, model_path=path)
    match = Match(agent, make_agent("switching", seed=5), rounds, record_predictions=True)
    steps = [match.step() for _ in range(rounds)]
    return [r.move_a for r in steps], np.array([r.pred_a for r in steps])


def test_lstm_agent_deterministic_by_seed(tiny_joint_path):
    moves_1, preds_1 = _moves_and_predictions(tiny_joint_path, seed=3)
    moves_2, preds_2 = _moves_and_predictions(tiny_joint_path, seed=3)
    assert moves_1 == moves_2
    np.testing.assert_array_equal(preds_1, preds_2)
    assert set(moves_1) <= {0, 1, 2}
    np.testing.assert_allclose(preds_1.sum(axis=1), 1.0, atol=1e-5)


@pytest.fixture(scope="module")
def cycle_model(tmp_path_factory):
    """The joint LSTM trained a few epochs on opponents who cycle rock, paper, scissors."""
    from agents.rps.lstm_train import train_joint

    rng = np.random.default_rng(0)
    games = [(rng.integers(3, size=150).tolist(), [(i + k) % 3 for k in range(150)])
             for i in range(6)]  # fmt: skip
    path = tmp_path_factory.mktemp("cycle") / "cycle.h5"
    events = []
    card = train_joint(games, path, epochs=8, progress=events.append)
    return path, card, events


def test_training_learns_a_learnable_sequence(cycle_model):
    from agents.rps.lstm_train import evaluate_joint
    from agents.training import CARD_SCHEMA_VERSION, Phase, read_model_card

    path, card, events = cycle_model
    assert card.details["val_accuracy"] > 0.6  # chance is 1/3
    assert evaluate_joint(path, seq="012" * 20, online=False) > 0.6
    again = read_model_card(path)
    assert again == card and again.schema_version == CARD_SCHEMA_VERSION
    assert (again.kind, again.architecture, again.epochs_requested) == ("rps", "lstm_joint", 8)
    assert read_card(path)["val_accuracy"] == card.details["val_accuracy"]
    ends = [e for e in events if e.phase is Phase.EPOCH_END]
    assert len(ends) == card.epochs_run and ends[-1].fraction == ends[-1].epoch / 8
    assert "val_accuracy" in ends[0].metrics and events[-1].phase is Phase.DONE


def test_lstm_agent_exposes_prediction_and_confidence(tiny_joint_path, cycle_model):
    agent = make_agent("lstm", seed=0, model_path=tiny_joint_path)
    for _ in range(5):
        agent.observe(own=agent.act(), opponent=1)
    assert agent.last_prediction.shape == (3,)
    # A model that learnt the cycle predicts its next move, and is surer than chance.
    agent = make_agent("lstm", seed=0, model_path=cycle_model[0])
    for k in range(30):
        agent.observe(own=agent.act(), opponent=k % 3)
    assert int(np.argmax(agent.last_prediction)) == 30 % 3
    assert agent.confidence == pytest.approx(float(max(agent.last_prediction)))
    assert agent.confidence > 0.4  # chance is 1/3


def test_train_classic_on_data_txt_smoke(tmp_path):
    from agents.rps.lstm_train import TrainingCancelled, evaluate_classic, train_classic
    from agents.training import Phase

    data = tmp_path / "data.txt"
    data.write_text("0120120120120120\n0011220011220011\n1010101010101\n")
    out = tmp_path / "classic.h5"
    events = []
    card = train_classic(data, out, epochs=1, progress=events.append)
    assert out.exists() and card_path(out).exists()
    assert read_card(out)["games"] == 3 and card.architecture == "lstm_classic"
    assert [e.epoch for e in events if e.phase is Phase.EPOCH_END] == [1]
    # The card's figure was measured on the file as saved.
    assert card.details["validation_sequence_accuracy"] == evaluate_classic(out)

    # A cancelled run leaves the previous model file untouched.
    before = out.read_bytes()
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(TrainingCancelled):
        train_classic(data, out, epochs=3, cancel=cancel)
    assert out.read_bytes() == before


def test_data_txt_problems_are_reported_not_fatal(tmp_path):
    from agents.rps.lstm_train import read_data_txt

    data = tmp_path / "data.txt"
    data.write_text("012012\n01x2\n2211\n")
    lines, problems = read_data_txt(data)
    assert lines == [[0, 1, 2, 0, 1, 2], [2, 2, 1, 1]]
    assert len(problems) == 1 and "data.txt:2" in problems[0]


@pytest.mark.parametrize("rounds", [2, 5, 24, 25, 60])
@pytest.mark.parametrize("from_start", [True, False])
def test_online_windows_cut_alone_equal_the_training_windows(rounds, from_start):
    """The windows fine-tuning takes one by one are exactly joint_windows' (padding too)."""
    from agents.rps.lstm_agents import _window_ending
    from agents.rps.lstm_models import JOINT_WINDOW, joint_windows

    rng = np.random.default_rng(rounds)
    own, opp = list(rng.integers(3, size=rounds)), list(rng.integers(3, size=rounds))
    xs, ys = joint_windows(own, opp, JOINT_WINDOW, stride=1, from_start=from_start)
    first = 0 if from_start else JOINT_WINDOW - 1
    ends = range(first, rounds - 1)
    assert len(ends) == len(xs)
    for k, end in enumerate(ends):
        x, y = _window_ending(own, opp, end, JOINT_WINDOW, from_start)
        np.testing.assert_array_equal(x[0], xs[k])
        np.testing.assert_array_equal(y[0], ys[k])
