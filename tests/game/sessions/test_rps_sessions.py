"""The RPS screens' sessions without a window: arena rounds, phases and statistics, the
AI vs AI match and its controls, the tournament run. Agents are cheap classic bots."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from game.sessions import rps as sessions
from game.sessions import rps_agents
from game.sessions.rps import (
    SPEEDS,
    ArenaSession,
    ArenaStats,
    Phase,
    VersusSession,
    cycle_name,
    moving_average,
)
from game.sessions.rps_arena import AVERAGE_SERIES, CHANCE_SERIES
from game.sessions.tournament import TournamentSession, matches_in
from tests.game.sessions.settle import settle


class Notices(list):
    """A Notify that keeps what it was told."""

    def __call__(self, text: str, kind: str = "info") -> None:
        self.append((text, kind))




def test_sessions_import_no_pygame():
    code = "import sys, game.sessions.rps, game.sessions.tournament; print('pygame' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "False"


# --- the Arena --------------------------------------------------------------------------------


def test_arena_stats_count_streaks_and_win_rate():
    st = ArenaStats.of([1, 1, 0, 1, 1, 1, -1, -1])
    assert (st.rounds, st.wins, st.losses, st.draws, st.net) == (8, 5, 2, 1, 3)
    assert st.streak == -2 and st.best == 3 and st.win_rate == pytest.approx(5 / 8)
    assert ArenaStats.of([0, 1, 1]).streak == 2
    assert ArenaStats.of([1, 0]).streak == 0  # a draw ends a streak
    assert ArenaStats.of([]) == ArenaStats()


def test_moving_average_and_cycling_names():
    assert moving_average([1.0, 0.0, 1.0, 1.0], 2) == [1.0, 0.5, 0.5, 1.0]
    names = ["a", "b", "c"]
    assert cycle_name(names, "c", 1) == "a" and cycle_name(names, "a", -1) == "c"
    assert cycle_name(names, "gone", 1) == "b"


def test_arena_round_runs_through_its_phases_and_is_saved():
    from agents.rps.games import load_games

    notices = Notices()
    s = ArenaSession("rock", seed=0, countdown_s=0.1, reveal_s=0.1, notify=notices)
    s.start()
    assert s.opponent == "rock" and s.phase is Phase.READY and s.taking_moves
    assert s.commit(1)  # paper against Good Ole Rock
    assert s.phase is Phase.COUNTDOWN and not s.commit(2)  # one round in flight at most
    settle(s, lambda: s.pending is not None)
    assert s.stats().rounds == 0  # the countdown must not give the round away
    settle(s, lambda: s.phase is Phase.READY)
    assert s.stats() == ArenaStats.of([1]) and s.revealed.outcome == 1
    assert s.shown_prediction is None  # a bot predicts nothing
    s.close()
    rounds, problems = load_games()
    assert not problems and [(r.human, r.ai, r.opponent) for r in rounds] == [(1, 0, "rock")]
    assert notices == []


def test_arena_prediction_is_shown_only_after_its_reveal_and_charted():
    s = ArenaSession("markov", seed=3, countdown_s=0.05, reveal_s=0.05)
    s.start()
    for move in (0, 0, 1, 1):
        s.commit(move)
        settle(s, lambda: s.pending is not None)
        assert s.shown_prediction is None and s.pending_decision is not None
        settle(s, lambda: s.phase is Phase.READY)
        decision = s.revealed_decision
        if decision.dist is None:  # the first round: nothing to go on, no odds, no point
            assert s.shown_prediction is None
            continue
        assert tuple(s.shown_prediction) == decision.dist  # the bars: the deciding odds
        assert s.p_actual[-1] == (len(s.rounds), decision.dist[move])  # the chart: the same
    assert [x for x, _ in s.confidence[CHANCE_SERIES]] == [2.0, 3.0, 4.0]
    mean = np.mean([p for _, p in s.p_actual])
    assert s.confidence[AVERAGE_SERIES][-1][1] == pytest.approx(mean)
    s.new_match()
    assert s.rounds == [] and s.confidence == {} and s.p_actual == []
    s.close()


def test_a_trained_model_takes_over_and_the_score_goes_on(monkeypatch):
    """"Train on my games" finishing mid-match: the new agent has seen every round of the
    match (most in the trainer's worker, the rest on the swap) and the score is kept."""
    from game.sessions import rps_training
    from game.sessions.rps import TrainingDone

    trained = rps_agents.make_agent_now("markov", 9)  # stands in for the retrained lstm
    release = __import__("threading").Event()

    def fake_train(seed, history=None, levels=None):
        def job(ctx):
            no, moves = history()
            rps_training.catch_up(trained, moves)
            assert release.wait(10)  # rounds go on being played while it "trains"
            return TrainingDone(None, trained, None, (no, len(moves)))

        return job

    monkeypatch.setattr(rps_training, "train_job", fake_train)
    notices = Notices()
    s = ArenaSession("markov", seed=0, countdown_s=0.02, reveal_s=0.02, notify=notices)
    s.start()
    s.opponent = "lstm"  # the swap happens for an lstm opponent
    person = [0, 0, 1, 2, 1, 1, 0]

    def play(move):
        s.commit(move)
        settle(s, lambda: s.phase is Phase.READY and s.pending is None)

    for move in person[:4]:
        play(move)
    s.start_training()
    settle(s, lambda: trained.own)  # the worker caught up on the first 4 rounds
    for move in person[4:]:
        play(move)
    before = s.stats()
    recorder = s.recorder
    release.set()
    settle(s, lambda: s.trainer is None)
    assert s.agent is trained and s.match.agent_b is trained
    assert s.stats() == before and len(s.rounds) == len(person)  # nothing was reset
    assert s.recorder is recorder  # the same saved session goes on
    seen = list(zip(trained.own, trained.opp, strict=True))
    assert [(r.move_b, r.move_a) for r in s.rounds] == seen  # it saw every round, in order
    assert "the score goes on" in notices[-1][0]
    play(2)  # the next round is the new agent's
    assert s.stats().rounds == len(person) + 1 and len(trained.own) == len(person) + 1
    s.close()


def test_accuracy_figures_say_their_rounds_and_hide_small_samples():
    from agents.rps.my_games import MIN_SCORED_ROUNDS, PersonHoldout
    from game.sessions.rps_training import margin, score_line

    small = PersonHoldout(66, 53, 13, 8.0, 0.46, 0.54)
    line = score_line(small)
    assert "46%" not in line and "54%" not in line  # no figures on 13 rounds
    assert "13" in line and str(MIN_SCORED_ROUNDS) in line and "too few" in line
    big = PersonHoldout(400, 320, 80, 8.0, 0.35, 0.55)
    line = score_line(big)
    assert "35% -> 55%" in line and "80 held-out rounds" in line
    assert f"{100 * margin(80):.0f}" == "11" and "(+/-11 pts)" in line  # 1.96 * sqrt(.25 / 80)
    at = PersonHoldout(150, 120, MIN_SCORED_ROUNDS, 8.0, None, 0.5)
    assert "-> 50%" in score_line(at)  # the threshold itself shows figures
    assert score_line(None) == ""


def test_arena_switches_opponents_and_reports_a_failing_move(monkeypatch):
    s = ArenaSession("rock", seed=0, countdown_s=0.05, reveal_s=0.05)
    s.start()
    s.cycle_opponent(1)
    assert s.opponent == cycle_name(s.names, "rock", 1)
    s.cycle_opponent(-1)
    assert s.opponent == "rock"
    assert not s.cancel_training()  # nothing to cancel: Esc leaves the screen

    class Broken:
        is_predictor = False

        def reset(self) -> None: ...

        def act(self) -> int:
            raise ValueError("the model file vanished")

    notices = Notices()
    monkeypatch.setattr(rps_agents, "make_agent_now", lambda name, seed, **kw: Broken())
    s = ArenaSession("rock", seed=0, countdown_s=0.05, reveal_s=0.05, notify=notices)
    s.start()
    s.commit(0)
    settle(s, lambda: s.player is None)
    assert s.phase is Phase.READY and s.rounds == []
    assert any("the model file vanished" in text and kind == "error" for text, kind in notices)
    s.close()


def test_training_progress_reports_the_fraction_of_batches_done():
    class Ctx:
        def __init__(self) -> None:
            self.seen: list[tuple[float | None, str]] = []

        def progress(self, fraction, text=""):
            self.seen.append((fraction, text))

    from agents.training import Phase, TrainingProgress

    ctx = Ctx()
    report = sessions.training_progress(ctx)
    report(TrainingProgress(Phase.DATA, message="loading games"))  # what it prepares
    report(TrainingProgress(Phase.TRAIN, epoch=1, epochs=4, batch=0, batches=4))  # no batch yet
    report(TrainingProgress(Phase.TRAIN, epoch=2, epochs=4, batch=2, batches=4, loss=0.5))
    assert ctx.seen == [
        (None, "loading games"),
        (pytest.approx(1.5 / 4), "epoch 2/4  loss 0.50"),  # half of epoch 2
    ]


# --- AI vs AI ---------------------------------------------------------------------------------


def test_versus_plays_a_match_in_the_background_with_read_outs():
    s = VersusSession("beat-last", "rock", speed=float("inf"), rounds=50)
    s.start()
    settle(s, lambda: s.match is not None and s.match.done)
    assert s.match.played == 50 and s.match.net > 40  # paper against rock from round 2
    assert s.net_points["net"][-1] == (50.0, float(s.match.net))
    assert s.verdict() == "beat-last WINS" and s.draw_band() == pytest.approx(20 * 0.05**0.5)
    assert s.moves_of(1) == (0, -1)  # rock, and it lost
    assert list(s.move_share(1)) == [1.0, 0.0, 0.0]
    assert s.confidence == {}  # neither bot has odds behind its moves
    s.close()


def test_versus_controls_clamp_focus_and_cycle():
    s = VersusSession("rock", "rotate", speed=1)
    s.start()
    s.change_speed(-1)
    assert s.speed == SPEEDS[0]  # clamped at the slow end
    s.set_speed_index(99)
    assert s.speed == SPEEDS[-1]
    s.toggle_pause()
    assert s.paused
    s.toggle_focus()
    s.cycle_agent(1)
    assert s.sides[1].name == cycle_name(s.names, "rotate", 1) and s.match.played == 0
    seed = s.seed
    s.replay()
    assert s.seed == seed + 2 and s.sides[0].name == "rock"
    s.close()


def test_versus_preset_is_lstm_against_the_next_patterned_bot(monkeypatch):
    real = rps_agents.make_agent_now  # a Markov predictor stands in for the LSTM (no TF here)
    monkeypatch.setattr(rps_agents, "needs_worker", lambda name: False)
    monkeypatch.setattr(
        rps_agents,
        "make_agent_now",
        lambda name, seed, **kw: real(name.replace("lstm", "markov"), seed),
    )
    s = VersusSession("rock", "rock", speed=1)
    s.start()
    s.preset()
    assert s.speed == 20 and not s.paused
    assert [side.wanted for side in s.sides] == ["lstm", sessions.PATTERNED[0]]
    s.preset()
    assert s.sides[1].wanted == sessions.PATTERNED[1]
    s.close()


# --- the tournament ---------------------------------------------------------------------------


def test_tournament_setup_and_refusals():
    notices = Notices()
    t = TournamentSession(agents=["rock"], rounds=250, seeds=4, notify=notices)
    assert (t.rounds, t.seeds) == (300, 3)  # the nearest offered choices
    assert not t.can_start and not t.start()
    assert notices == [("tick at least two agents", "error")]
    t.toggle(t.names.index("rotate"))
    assert t.chosen() == [n for n in t.names if n in {"rock", "rotate"}] and t.can_start
    t.toggle_all()
    assert t.selected == set(t.names)
    t.toggle_all()
    assert t.selected == set()
    assert matches_in(4, 3) == 18


def test_tournament_runs_and_freezes_its_setup_while_running():
    t = TournamentSession(agents=["rock", "rotate", "beat-last"], rounds=50)
    assert t.start()
    t.set_rounds(3000)
    t.toggle(0)
    if t.running:  # cheap bots may already be done
        assert t.rounds == 50 and len(t.selected) == 3
    # The live matrix fills in match by match: wait for the run itself to end.
    settle(t, lambda: not t.running and t.result is not None)
    assert t.result.complete and t.result.names == ["rock", "rotate", "beat-last"]
    assert t.worker.fraction == 1.0 and not t.cancel()


def test_tournament_cancel_keeps_the_partial_result():
    notices = Notices()
    t = TournamentSession(["iocaine", "pattern", "markov", "frequency"], 3000, 5, notices)
    t.start()
    assert t.cancel() and t.worker.cancel_requested
    settle(t, lambda: not t.running)
    assert t.result is not None and not t.result.complete
    assert notices == [("tournament cancelled", "info")]


def test_training_with_too_few_of_your_rounds_asks_for_more():
    notices = Notices()
    s = ArenaSession("rock", seed=0, countdown_s=0.02, reveal_s=0.02, notify=notices)
    s.start()
    for move in (0, 1, 2):
        s.commit(move)
        settle(s, lambda: s.phase is Phase.READY and s.pending is None)
    s.close()  # the three rounds are saved
    s = ArenaSession("rock", seed=0, notify=notices)
    s.start()
    s.start_training()
    settle(s, lambda: s.trainer is None)
    assert s.last_training.state == "done" and s.last_score is None
    assert notices[-1] == (
        "play 57 more rounds first: training on your games needs at least 60 of your rounds "
        "(you have 3)",
        "info",
    )
    s.close()
