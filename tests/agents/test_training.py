"""agents.training.atomic_fit's time limit: judged on steady epochs, not on epoch 1's tracing.

A fake clock stands in for time: a callback moves it on at every batch (the first training
and validation batches of epoch 1 are slow, as graph tracing makes them), so nothing here
depends on how fast the machine is.
"""

from __future__ import annotations

import numpy as np
import pytest

# Seconds on the fake clock. Epoch 1: training 8 + 1 + 1, validation 3 + 0.5 + 0.5 = 14 s;
# every later epoch 3 + 1.5 = 4.5 s. Epoch 1 alone would predict 14 s for epoch 2.
TRACED_TRAIN_S, TRAIN_S = 8.0, 1.0
TRACED_VAL_S, VAL_S = 3.0, 0.5


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def ticking(clock: FakeClock):
    """A Keras callback that moves the clock on as each batch runs."""
    import keras

    class Tick(keras.callbacks.Callback):
        epoch = 0

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_begin(self, batch, logs=None):
            clock.now += TRACED_TRAIN_S if (self.epoch, batch) == (0, 0) else TRAIN_S

        def on_test_batch_begin(self, batch, logs=None):
            clock.now += TRACED_VAL_S if (self.epoch, batch) == (0, 0) else VAL_S

    return Tick()


@pytest.mark.parametrize(
    ("limit_s", "epochs_run"),
    [
        (17.0, 1),  # 14 + a steady 4.5 > 17: epoch 2 would end late
        (20.0, 2),  # 14 + 4.5 fits; 18.5 + 4.5 does not (epoch 1 as the guide: only 1 epoch)
        (23.5, 3),  # 18.5 + 4.5 = 23 fits; 23 + 4.5 does not
    ],
)
def test_the_time_limit_judges_steady_epochs_not_the_traced_first_one(
    tmp_path, limit_s, epochs_run
):
    import keras

    from agents.training import FitPlan, ModelCard, atomic_fit

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(1e-3), loss=keras.losses.MeanSquaredError())
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(30, 4)), rng.normal(size=(30, 1))  # 3 batches of 10
    val = rng.normal(size=(30, 4)), rng.normal(size=(30, 1))  # 3 validation batches
    clock = FakeClock()
    card, outcome = atomic_fit(
        model, tmp_path / "m.h5", x, y, validation_data=val,
        plan=FitPlan(10, patience=10, time_limit_s=limit_s),
        describe=lambda outcome, checkpoint: ModelCard("test", "dense"),
        clock=clock, extra_callbacks=lambda: [ticking(clock)],
        batch_size=10, shuffle=False,
    )  # fmt: skip
    assert outcome.epochs_run == epochs_run
    assert clock.now <= limit_s  # no epoch ended after the limit


def test_validation_batches_report_progress_and_the_eta_counts_down(tmp_path):
    import keras

    from agents.training import FitPlan, ModelCard, Phase, atomic_fit

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(1e-3), loss=keras.losses.MeanSquaredError())
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(30, 4)), rng.normal(size=(30, 1))
    val = rng.normal(size=(20, 4)), rng.normal(size=(20, 1))
    clock, events = FakeClock(), []
    atomic_fit(
        model, tmp_path / "m.h5", x, y, validation_data=val, plan=FitPlan(1, val_batches=2),
        describe=lambda outcome, checkpoint: ModelCard("test", "dense"), progress=events.append,
        clock=clock, extra_callbacks=lambda: [ticking(clock)], batch_size=10,
    )  # fmt: skip
    checks = [e for e in events if e.phase is Phase.VALIDATE]
    assert [(e.val_batch, e.val_batches) for e in checks] == [(1, 2), (2, 2)]
    train = [e for e in events if e.phase is Phase.TRAIN and e.batch]
    # 3 training + 2 validation batches: the bar keeps moving after training's last batch.
    steps = [e.steps_fraction for e in train + checks]
    assert steps == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    assert train[-1].fraction == 1.0 and checks[0].fraction == 1.0  # the Train screen's bar
    etas = [e.eta_s for e in train + checks]
    assert etas == sorted(etas, reverse=True) and etas[-1] == 0.0


def test_the_watchdog_says_once_when_no_batch_finishes():
    from agents.training import Watchdog, stall_message

    clock, said = FakeClock(), []
    dog = Watchdog(60.0, said.append, clock=clock)
    clock.now = 59.0
    assert not dog.check() and said == []
    clock.now = 61.0
    assert dog.check() and said == [61.0]
    clock.now = 200.0
    assert not dog.check() and said == [61.0]  # once per stall, not every look
    dog.beat()
    clock.now = 261.0
    assert dog.check() and said == [61.0, 61.0]  # a new stall after progress resumed
    assert "no training batch has finished in 61 s" in stall_message(61.0)
