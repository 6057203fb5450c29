"""Train on my games: the person's latest rounds are held out and scored before and after,
their windows are weighted, and too few rounds are refused.

The trainings here are tiny (a handful of windows, one epoch): they check the wiring and
the figures the card records, not the learning (bench/rps_my_games.py measures that).
"""

from __future__ import annotations

import numpy as np
import pytest

from agents.rps.games import GameRecorder
from agents.rps.my_games import (
    HOLDOUT_MIN_ROUNDS,
    MIN_PERSON_ROUNDS,
    PERSON_WEIGHT,
    NotEnoughRounds,
    PersonHoldout,
    person_dataset,
    split_person_games,
    train_user_card,
)
from agents.training import read_model_card


def game(n: int, start: int = 0) -> tuple[list[int], list[int]]:
    return [(start + i) % 3 for i in range(n)], [(start + 2 * i) % 3 for i in range(n)]


def test_the_latest_fifth_of_the_rounds_is_held_out_even_inside_a_session():
    split = split_person_games([game(50), game(30), game(20)])
    assert split.rounds == 100 and split.heldout_rounds == 20 and split.train_rounds == 80
    assert [len(o) for o, _ in split.train] == [50, 30]  # the last session is held out whole
    assert [(len(h.game[1]), h.start) for h in split.heldout] == [(20, 0)]

    split = split_person_games([game(80)])  # one session: cut inside it
    assert [len(o) for o, _ in split.train] == [64]
    (held,) = split.heldout
    assert held.start == 64 and held.game == game(80)  # read from the start, scored from 64
    small = split_person_games([game(40), game(20)])  # 20 % of 60 is under the minimum
    assert small.heldout_rounds == HOLDOUT_MIN_ROUNDS


def test_the_persons_windows_weigh_more_than_the_default_slice():
    x, y, w = person_dataset([game(30)], [game(60, 1)], weight=PERSON_WEIGHT, stride=1)
    assert x.shape[1:] == (24, 9) and y.shape[1:] == (24, 3) and w.shape == x.shape[:2]
    # One window per predicted person round (29), the default game's every 12 rounds (5).
    assert (w[:, 0] == PERSON_WEIGHT).sum() == 29 and (w[:, 0] == 1.0).sum() == 5
    assert np.all(w == w[:, :1])  # one weight per window, repeated over its time steps


def record(rounds: int, noise_seed: int = 0) -> tuple[list[int], list[int]]:
    """The person's saved rounds: rock after a loss, else the next move, some random.
    Returns the (ai, person) moves as played."""
    rng = np.random.default_rng(noise_seed)
    ais: list[int] = []
    people: list[int] = []
    with GameRecorder(opponent="markov") as rec:
        me = 0
        for _ in range(rounds):
            ai = int(rng.integers(3))
            rec.record(human=me, ai=ai)
            ais.append(ai)
            people.append(me)
            lost = (ai - me) % 3 == 1
            me = 0 if lost else (me + 1) % 3
            if rng.random() < 0.2:
                me = int(rng.integers(3))
    return ais, people


def accuracy_on_last(model_path, ais: list[int], people: list[int], held: int) -> float:
    """Next-move accuracy of a saved model on the person's last `held` rounds, each predicted
    one at a time from the rounds before it: computed here, apart from my_games' own split."""
    from agents.modelio import load_model_checked
    from agents.rps.lstm_models import history_window

    model = load_model_checked(model_path)
    hits = 0
    for t in range(len(people) - held, len(people)):
        probs = model.predict(history_window(ais[:t], people[:t]), verbose=0)[0, -1]
        hits += int(np.argmax(probs)) == people[t]
    return round(hits / held, 4)


def test_too_few_rounds_are_refused_before_any_training():
    record(MIN_PERSON_ROUNDS - 23)
    with pytest.raises(NotEnoughRounds, match="play 23 more rounds first"):
        train_user_card()


def test_training_scores_the_held_out_rounds_and_saves_model_card_and_log(tmp_path):
    from agents.modelio import card_path
    from agents.training import training_log_path

    ais, people = record(70)
    out = tmp_path / "mine.h5"
    tiny = [game(40, 1), game(40, 2)]
    # A zero time limit lets no second epoch start (atomic_fit's limit, passed through).
    card = train_user_card(out, epochs=3, default_games=tiny, time_limit_s=0.0)
    assert card.epochs_requested == 3 and card.epochs_run == 1
    score = PersonHoldout.from_card(card)
    assert score.rounds == 70 and score.train_rounds == 56 and score.heldout_rounds == 14
    assert score.weight == PERSON_WEIGHT
    assert score.before_model == "rps_lstm.h5"  # the shipped model: no user model yet
    from agents.rps.lstm_agents import default_model_path

    # Both figures agree with a round-by-round evaluation of the two model files.
    assert score.before == accuracy_on_last(default_model_path(), ais, people, 14)
    assert score.after == accuracy_on_last(out, ais, people, 14)
    assert "your latest 14 rounds held out" in card.details["data"]
    # Written by agents.training.atomic_fit: model, card and log together (a cancelled or
    # failed run replaces none of them; tests/agents cover that path).
    assert out.exists() and card_path(out).exists() and training_log_path(out).exists()
    assert PersonHoldout.from_card(read_model_card(out)) == score


def test_training_on_chosen_levels_uses_only_their_rounds(tmp_path):
    """70 rounds at Novice and 40 at Standard: trained on Novice alone, the card counts 70
    rounds (56 train, 14 held out) and names the level."""
    rng = np.random.default_rng(5)
    for level, rounds in (("novice", 70), ("standard", 40)):
        with GameRecorder(opponent=level, level=level) as rec:
            for _ in range(rounds):
                rec.record(human=int(rng.integers(3)), ai=int(rng.integers(3)))
    out = tmp_path / "novice.h5"
    card = train_user_card(out, epochs=1, default_games=[game(40, 1)], time_limit_s=0.0,
                           levels={"novice"})  # fmt: skip
    score = PersonHoldout.from_card(card)
    assert (score.rounds, score.train_rounds, score.heldout_rounds) == (70, 56, 14)
    assert card.details["levels"] == ["novice"] and "(Novice, weight" in card.details["data"]
