"""Rock-paper-scissors screens (Arena, AI vs AI, Tournament) and the background worker,
driven headless with scripted keys and clicks."""

from __future__ import annotations

import threading
import time

import numpy as np
import pygame

from agents.rps import Agent
from agents.rps.base import Decision
from game.app import App
from game.errors import UserFacingError
from game.sessions.rps import Phase
from game.workers import CANCELLED, DONE, FAILED, IDLE, Worker

# --- helpers ---------------------------------------------------------------------------------


def key(k: int, mod: int = 0) -> list[pygame.event.Event]:
    return [pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode="")]


def click(pos: tuple[int, int]) -> list[pygame.event.Event]:
    return [pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=pos)]


def send(app: App, events: list[pygame.event.Event]) -> None:
    app.run_frames(1, lambda i: events)


def wait_until(app: App, condition, timeout: float = 20.0) -> None:
    """Play frames until `condition()` holds (background work finishing)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for background work"
        time.sleep(0.01)
        app.run_frames(1)


def finish_round(app: App, scene, timeout: float = 20.0) -> None:
    """Play frames until the committed round has been revealed (the AI's side of it runs in
    a worker, so the reveal may wait for it)."""
    deadline = time.monotonic() + timeout
    while scene.session.phase != Phase.READY:
        assert time.monotonic() < deadline, "timed out waiting for the reveal"
        app.run_frames(1)


# --- the worker ------------------------------------------------------------------------------


def test_worker_reports_progress_and_result():
    release = threading.Event()

    def job(ctx):
        ctx.progress(0.5, "half way")
        release.wait(5)
        return 42

    worker = Worker(job, name="demo").start()
    deadline = time.monotonic() + 5
    while worker.message != "half way":  # progress arrives while the job is still running
        assert time.monotonic() < deadline
        worker.poll()
    assert worker.running and worker.fraction == 0.5
    release.set()
    worker.join(5)
    worker.poll()
    assert (worker.state, worker.result, worker.fraction) == (DONE, 42, 1.0)


def test_worker_cancel_and_failures_are_reported():
    def endless(ctx):
        while not ctx.cancelled:
            time.sleep(0.001)
        return "partial"

    worker = Worker(endless).start()
    worker.cancel()
    worker.join(5)
    worker.poll()
    assert (worker.state, worker.result) == (CANCELLED, "partial")

    def bad_input(ctx):
        raise UserFacingError("games.csv:3: not a move")

    def crash(ctx):
        raise ValueError("boom")

    for job, expected in ((bad_input, "games.csv:3: not a move"), (crash, "boom")):
        worker = Worker(job, name="job").start()
        worker.join(5)
        worker.poll()
        assert worker.state == FAILED and expected in worker.error


# --- Arena -----------------------------------------------------------------------------------


def test_arena_hides_prediction_until_reveal_and_saves_every_game(app):
    from agents.rps.games import load_games

    scene = app.push("rps-arena", opponent="markov", seed=3)
    app.run_frames(2)
    assert scene.session.opponent == "markov" and scene.session.shown_prediction is None

    played = []
    for k, move in ((pygame.K_p, 1), (pygame.K_r, 0), (pygame.K_3, 2), (pygame.K_2, 1)):
        send(app, key(k))
        played.append(move)
        assert scene.session.phase == Phase.COUNTDOWN and scene.session.shown_prediction is None
        wait_until(
            app, lambda: scene.session.pending is not None
        )  # the AI's side of the round is in
        # Committed: the engine took the AI's prediction before the round, the screen hides it.
        assert scene.session.phase == Phase.COUNTDOWN
        assert scene.session.pending_decision is not None
        assert scene.session.shown_prediction is None
        assert scene.session.stats().rounds == len(played) - 1  # the score waits for the reveal
        send(app, key(pygame.K_s))  # keys during the countdown are not taken
        assert len(scene.session.rounds) == len(played)
        finish_round(app, scene)
        assert scene.session.phase == Phase.READY and scene.session.stats().rounds == len(played)
        shown, why = scene.session.shown_prediction, scene.session.explanation
        assert why is not None and f"played {('rock', 'paper', 'scissors')[move]}" in why.verdict
        if len(played) > 1:  # from round 2 markov has odds: the bars are the deciding odds
            assert tuple(shown) == scene.session.revealed_decision.dist
            assert shown.shape == (3,) and abs(shown.sum() - 1) < 1e-6

    # A click on the scissors hand plays scissors.
    send(app, click(scene.hand_buttons[2].rect.center))
    played.append(2)
    finish_round(app, scene)
    assert [r.move_a for r in scene.session.rounds] == played
    # One confidence point per round decided with odds (all but the first).
    assert [x for x, _ in scene.session.p_actual] == list(range(2, len(played) + 1))

    rounds, problems = load_games()
    assert not problems
    assert [r.human for r in rounds] == played
    assert [r.ai for r in rounds] == [r.move_b for r in scene.session.rounds]
    assert {r.opponent for r in rounds} == {"markov"}


def test_arena_switches_opponents_by_key_and_list(app):
    from agents.rps.games import load_games, sessions

    scene = app.push("rps-arena", opponent="rock", countdown_s=0.1, reveal_s=0.1)
    app.run_frames(2)
    send(app, key(pygame.K_p))
    finish_round(app, scene)
    # A bot that does not predict shows no bars, even after the reveal.
    assert scene.session.revealed is not None and scene.session.shown_prediction is None
    assert scene.session.rounds[-1].outcome == 1  # paper covers Good Ole Rock

    names = scene.picker.names
    send(app, key(pygame.K_TAB))
    assert scene.session.opponent == names[(names.index("rock") + 1) % len(names)]
    assert scene.session.rounds == []  # a new opponent starts a new match
    send(app, key(pygame.K_TAB, pygame.KMOD_SHIFT))
    assert scene.session.opponent == "rock"

    send(app, click(scene.picker.rect.center))  # open the list with the mouse ...
    assert scene.picker.open
    row = names.index("frequency")
    lr = scene.picker.list_rect()
    send(app, click((lr.x + 20, lr.y + 4 + row * scene.picker.ROW + 10)))  # ... and pick
    assert not scene.picker.open and scene.session.opponent == "frequency"
    send(app, key(pygame.K_1))
    finish_round(app, scene)

    rounds, _ = load_games()
    by_session = sessions(rounds)
    assert [g[0].opponent for g in by_session.values()] == ["rock", "frequency"]


class SlowAgent(Agent):
    """Plays paper once `go` is set, expecting rock; records the thread of every act() and
    observe()."""

    is_predictor = True

    def __init__(self, seed: int = 0, fail: bool = False) -> None:
        super().__init__(seed)
        self.go = threading.Event()
        self.fail = fail
        self.threads: list[tuple[str, threading.Thread]] = []

    def _act(self) -> int:
        self.threads.append(("act", threading.current_thread()))
        assert self.go.wait(10), "the test never let the agent play"
        if self.fail:
            raise ValueError("the model file vanished")
        return 1

    def decision(self) -> Decision:
        return Decision("it expects rock", 1, 0, (0.5, 0.3, 0.2))

    def _observe(self, own: int, opponent: int) -> None:
        self.threads.append(("observe", threading.current_thread()))


def arena_with(app: App, monkeypatch, agent: Agent):
    from game.sessions import rps_agents

    monkeypatch.setattr(rps_agents, "make_agent_now", lambda name, seed, **kw: agent)
    scene = app.push("rps-arena", opponent="rock", countdown_s=0.1, reveal_s=0.1)
    app.run_frames(1)
    assert scene.session.agent is agent
    return scene


def test_arena_plays_the_ai_round_off_the_main_thread(app, monkeypatch):
    from agents.rps.games import load_games

    agent = SlowAgent()
    scene = arena_with(app, monkeypatch, agent)
    send(app, key(pygame.K_r))
    # The agent is still deciding, yet frames go on: the countdown runs, then holds its last
    # beat; nothing of the round is shown and further keys are ignored.
    assert app.run_frames(30) == 30
    assert [what for what, _ in agent.threads] == ["act"]
    assert (
        scene.session.phase == Phase.COUNTDOWN
        and scene.session.phase_t == scene.session.countdown_s
    )
    assert scene.session.shown_prediction is None and scene.session.stats().rounds == 0
    send(app, key(pygame.K_s))
    assert scene.session.player is not None and scene.session.rounds == []

    agent.go.set()
    finish_round(app, scene)
    main = threading.main_thread()
    assert [what for what, _ in agent.threads] == ["act", "observe"]  # one round, act first
    assert all(t is not main for _, t in agent.threads)
    assert scene.session.rounds[-1].move_a == 0 and scene.session.rounds[-1].move_b == 1
    assert scene.session.shown_prediction is not None

    # A new match while a round is in flight waits for it, and the round is still saved.
    send(app, key(pygame.K_p))
    agent.go.clear()
    threading.Timer(0.05, agent.go.set).start()
    send(app, key(pygame.K_F2))
    assert (
        scene.session.player is None
        and scene.session.rounds == []
        and scene.session.phase == Phase.READY
    )
    rounds, _ = load_games()
    assert [(r.human, r.ai) for r in rounds] == [(0, 1), (1, 1)]
    assert len(agent.own) == 0  # the new match reset the agent after the round had ended


def test_arena_reports_a_failing_ai_move_and_plays_on(app, monkeypatch):
    from agents.rps.games import load_games

    agent = SlowAgent(fail=True)
    agent.go.set()
    scene = arena_with(app, monkeypatch, agent)
    send(app, key(pygame.K_r))
    finish_round(app, scene)
    assert any("the model file vanished" in t.message for t in app.toasts.items)
    assert scene.session.rounds == [] and scene.session.revealed is None
    assert load_games()[0] == []  # nothing was played, so nothing was saved
    agent.fail = False
    send(app, key(pygame.K_r))  # the person can play again
    finish_round(app, scene)
    assert [(r.move_a, r.move_b) for r in scene.session.rounds] == [(0, 1)]


# --- AI vs AI --------------------------------------------------------------------------------


def run_caught_up(app: App, scene, frames: int, timeout: float = 20.0) -> None:
    """Frames of one sim step each, every one once the match's worker has played all the
    rounds it may (bounded wait): how many rounds a frame shows then depends only on the
    speed, never on the worker thread's pace."""
    deadline = time.monotonic() + timeout
    for _ in range(frames):
        while not scene.session.player_caught_up():
            assert time.monotonic() < deadline, "timed out waiting for the match's worker"
            time.sleep(0.001)
        app.run_frames(1)


def test_versus_plays_at_the_chosen_speed_with_prediction_bars(app):
    from game.sessions.rps import SPEEDS

    scene = app.push("rps-versus", a="markov", b="rotate", speed=1)
    run_caught_up(app, scene, 59)
    assert scene.session.match.played == 0  # 59 sim steps are not yet a second
    run_caught_up(app, scene, 2)
    assert scene.session.match.played == 1  # 1 round per second at 60 sim steps per second

    send(app, key(pygame.K_SPACE))  # pause
    run_caught_up(app, scene, 120)
    assert scene.session.paused and scene.session.match.played == 1
    send(app, key(pygame.K_SPACE))

    for _ in range(3):
        send(app, key(pygame.K_PLUS))
    assert SPEEDS[scene.session.speed_i] == 10
    send(app, key(pygame.K_MINUS))
    assert SPEEDS[scene.session.speed_i] == 5
    run_caught_up(app, scene, 126)  # 126 steps at 5 rounds/s: 10.5 rounds' worth
    assert scene.session.match.played == 11

    markov, rotate = scene.session.sides
    assert markov.is_predictor and markov.pred is not None and abs(markov.pred.sum() - 1) < 1e-6
    assert not rotate.is_predictor and rotate.pred is None
    assert scene.net_chart.series["net"][-1][1] == scene.session.match.net
    assert len(scene.conf_chart.series) == 1  # only the predictor has a confidence line

    # Keyboard picking: Tab to side B, Down for the next agent: a new match starts.
    send(app, key(pygame.K_TAB))
    send(app, key(pygame.K_DOWN))
    names = scene.session.names
    assert scene.session.sides[1].name == names[(names.index("rotate") + 1) % len(names)]
    assert (
        scene.session.match.played == 0
        and scene.session.match.agent_b is scene.session.sides[1].agent
    )

    # Flat out: a 1000-round match of cheap bots finishes within a few seconds of frames.
    scene.session.speed_i = len(SPEEDS) - 1
    wait_until(app, lambda: scene.session.match.done)
    assert scene.session.match.played == 1000


# --- Tournament ------------------------------------------------------------------------------


def test_tournament_runs_in_background_and_matrix_matches_each_match(app):
    from agents.rps import make_agent
    from agents.rps.tournament import SECOND_SEED_OFFSET
    from game.sim.rps import play_match

    names = ["rock", "rotate", "beat-last"]
    scene = app.push("rps-tournament", agents=names, rounds=100)
    app.run_frames(2)
    send(app, key(pygame.K_RETURN))
    # Started (cheap bots may already have finished within that frame, so not `running`).
    assert scene.session.worker is not None and scene.session.worker.state != IDLE
    wait_until(app, lambda: scene.session.worker.finished)
    app.run_frames(2)  # draws the heat map and table
    res = scene.session.result
    assert res.names == names and res.complete and res.rounds == 100
    # Every cell, both ways round, is the net score of that pair's match played on its own.
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i != j:
                lo, hi = min(i, j), max(i, j)
                net = play_match(make_agent(names[lo], seed=0),
                                 make_agent(names[hi], seed=SECOND_SEED_OFFSET), 100).net
                assert res.net[i, j] == (net if i == lo else -net), (a, b)  # fmt: skip
    assert res.net[2, 0] > 90  # Beat Last Move plays paper against Good Ole Rock from round 2
    assert [row["name"] for row in res.table()] == res.ranking()
    assert scene.session.worker.state == DONE


def test_tournament_list_says_how_many_agents_are_hidden(app):
    """Ticked agents scrolled out of view are counted above / below the list."""
    scene = app.push("rps-tournament", agents=["rock", "lstm", "iocaine"], rounds=100)
    app.run_frames(1)
    names, agents = scene.session.names, scene.agent_list
    shown = agents.visible_rows
    assert agents.overflows and shown < len(names)
    assert agents.hidden() == (0, len(names) - shown)
    press(app, pygame.K_UP)  # wraps to the last agent: the list scrolls to the end
    app.run_frames(1)
    assert agents.hidden() == (len(names) - shown, 0)
    # The note is drawn: capture the strip above the rows and look for its text.
    strip = agents.rect.copy()
    strip.h = agents.body.y - agents.rect.y
    before = pygame.Surface(strip.size)
    before.blit(app.screen, (0, 0), strip)
    press(app, pygame.K_DOWN)  # back to the top: nothing hidden above any more
    app.run_frames(1)
    after = pygame.Surface(strip.size)
    after.blit(app.screen, (0, 0), strip)
    assert agents.hidden() == (0, len(names) - shown)
    assert pygame.image.tobytes(before, "RGB") != pygame.image.tobytes(after, "RGB")


def test_tournament_esc_cancels_then_goes_back(app):
    scene = app.push(
        "rps-tournament", agents=["iocaine", "pattern", "markov", "frequency"], rounds=3000, seeds=5
    )
    send(app, key(pygame.K_RETURN))
    send(app, key(pygame.K_ESCAPE))
    wait_until(app, lambda: scene.session.worker.finished)
    assert scene.session.worker.state == CANCELLED and app.scene is scene
    assert scene.session.result is not None and not scene.session.result.complete
    send(app, key(pygame.K_ESCAPE))
    assert app.scene is not scene


def test_tournament_draws_a_partial_result(app):
    """A cancelled tournament: unplayed pairs (NaN) are drawn as "-", not as a crash."""
    from agents.rps.tournament import round_robin

    cancel = threading.Event()
    names = ["rock", "rotate", "beat-last"]
    partial = round_robin(
        names, rounds=20, progress=lambda d, t: d == 1 and cancel.set(), cancel=cancel
    )
    assert np.isnan(partial.net[1, 2])  # rotate vs beat-last never played
    scene = app.push("rps-tournament", agents=names)
    scene.session.result = partial
    app.run_frames(1)
    grid, cell = scene._matrix_geometry()
    unplayed = (grid.x + 2 * cell + cell // 2, grid.y + cell + cell // 2)  # row 1, column 2
    app.run_frames(2, lambda i: [pygame.event.Event(pygame.MOUSEMOTION, pos=unplayed, rel=(0, 0))])
    assert scene.hover_cell == (1, 2)
    assert scene.session.result.table()[-1]["net"] is None  # beat-last played nothing: shown as "-"


def press(app: App, k: int, times: int = 1, mod: int = 0) -> None:
    for _ in range(times):
        send(app, key(k, mod))


def test_tournament_keys_change_the_setup(app):
    scene = app.push("rps-tournament", agents=["rock", "rotate"], rounds=300, seeds=1)
    s = scene.session
    press(app, pygame.K_RIGHT)
    assert s.rounds == 1000
    press(app, pygame.K_RIGHT, 5)
    assert s.rounds == 3000  # clamped at the end
    press(app, pygame.K_LEFT)
    assert s.rounds == 1000
    press(app, pygame.K_RIGHTBRACKET)
    assert s.seeds == 2
    press(app, pygame.K_LEFTBRACKET, 2)
    assert s.seeds == 1  # clamped at the start
    press(app, pygame.K_a, mod=pygame.KMOD_CTRL)
    assert s.selected == set(s.names)
    press(app, pygame.K_DOWN)
    press(app, pygame.K_SPACE)
    assert s.selected == set(s.names) - {s.names[1]}


def test_versus_keys_replay_speed_and_focus(app):
    scene = app.push("rps-versus", a="rock", b="rotate", speed=10)
    s = scene.session
    press(app, pygame.K_F5)  # the same agents, new seeds
    assert s.seed == 2 and [side.name for side in s.sides] == ["rock", "rotate"]
    press(app, pygame.K_RIGHT)
    assert s.speed == 20
    press(app, pygame.K_LEFT, 2)
    assert s.speed == 5
    press(app, pygame.K_TAB, mod=pygame.KMOD_SHIFT)
    assert s.focus == 1 and scene.pickers[1].focused


# --- LSTM opponent and "Train on my games" ----------------------------------------------------


def test_arena_lstm_loads_in_background_and_training_swaps_the_model(app, monkeypatch, tmp_path):
    """A tiny untrained model stands in for the shipped one; training is replaced by writing
    another tiny model, so the test checks the screen's wiring, not the learning."""
    from agents.modelio import save_model_atomic
    from agents.rps import lstm_agents
    from agents.rps.lstm_agents import user_model_path
    from agents.rps.lstm_models import lstm_joint
    from game.sessions import rps_training
    from game.sessions.rps import TrainingDone, agent_job

    # No model file at all: a clear message, and the arena falls back to a classic opponent.
    with monkeypatch.context() as m:  # (a context: undo() would also drop the tmp user home)
        m.setattr(lstm_agents, "default_model_path", lambda *a: tmp_path / "missing.h5")
        scene = app.push("rps-arena", opponent="lstm")
        wait_until(app, lambda: not scene.session.loading, timeout=60)
    assert scene.session.opponent == "iocaine" and scene.picker.current == "iocaine"
    assert any("model file not found" in t.message for t in app.toasts.items)
    app.pop()

    assert user_model_path().is_relative_to(tmp_path)  # the test's own user home
    save_model_atomic(lstm_joint(units=4), user_model_path())
    scene = app.push("rps-arena", countdown_s=0.05, reveal_s=0.05)
    assert (
        scene.picker.current == "lstm" and scene.session.loading
    )  # the default when a model exists
    wait_until(app, lambda: not scene.session.loading, timeout=60)
    assert scene.session.opponent == "lstm"
    send(app, key(pygame.K_r))
    finish_round(app, scene)
    first = scene.session.agent
    why = scene.session.explanation  # the first round: nothing to go on yet, no odds
    assert why is not None and why.model.startswith("LSTM alone")

    from agents.training import ModelCard

    def fake_train(seed, history=None, levels=None):
        def job(ctx):
            ctx.progress(0.5, "training")
            save_model_atomic(lstm_joint(units=4), user_model_path())
            agent = agent_job("lstm", seed, model_path=user_model_path())(ctx)
            return TrainingDone(ModelCard("rps", "lstm_joint"), agent)

        return job

    monkeypatch.setattr(rps_training, "train_job", fake_train)
    from agents.rps.games import GameRecorder

    with GameRecorder(opponent="lstm", level="standard") as rec:  # enough rounds to train on
        for k in range(60):
            rec.record(human=k % 3, ai=0)
    send(app, key(pygame.K_t))  # your games by level, every level ticked
    wait_until(app, lambda: scene.session.levels is not None)
    send(app, key(pygame.K_RETURN))  # train on them
    assert scene.session.trainer.running and not scene.session.levels_open
    send(app, key(pygame.K_p))  # the arena keeps playing while it trains
    finish_round(app, scene)
    assert len(scene.session.rounds) == 2
    score = scene.session.stats()
    wait_until(app, lambda: scene.session.trainer is None, timeout=60)
    assert scene.session.last_training.state == DONE
    # The new model plays on in the same match: the score is kept.
    assert scene.session.agent is not first and scene.session.opponent == "lstm"
    assert len(scene.session.rounds) == 2 and scene.session.stats() == score
    assert scene.session.match.agent_b is scene.session.agent


def test_arena_and_versus_draw_why_the_ai_played_its_move(app, monkeypatch):
    """The reason panels draw (an agent that explains itself), and the open pickers list
    every agent with its description and scroll."""
    from game.sessions import rps_agents
    from tests.game.sessions.test_rps_reasons_display import Explainer

    scene = arena_with(app, monkeypatch, Explainer())
    send(app, key(pygame.K_r))
    finish_round(app, scene)
    app.run_frames(2)
    assert scene.session.explanation.bars is not None
    send(app, click(scene.picker.rect.center))
    assert scene.picker.open and scene.picker.descriptions["markov"]
    app.run_frames(1, lambda i: [pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=-3)])
    assert scene.picker.scroll > 0 or scene.picker.visible_rows() == len(scene.picker.names)
    send(app, key(pygame.K_ESCAPE))
    assert not scene.picker.open and app.scene is scene
    app.pop()

    agents = {"rock": Explainer(), "rotate": Explainer(explains=False)}
    monkeypatch.setattr(rps_agents, "make_agent_now", lambda name, seed, **kw: agents[name])
    versus = app.push("rps-versus", a="rock", b="rotate", speed=float("inf"))
    wait_until(app, lambda: versus.session.match.played >= 5)
    app.run_frames(2)
    assert versus.session.explanation(0).bars is not None
    assert versus.session.explanation(1) is None


def test_arena_games_by_level_panel_takes_keys_and_clicks(app, monkeypatch):
    """T opens the panel: move keys do not play while it is open, Space and a click tick,
    Enter trains on the ticked levels, Esc closes it without leaving the Arena."""
    from agents.rps.games import GameRecorder
    from game.sessions import rps_training

    for opponent, level, n in (("novice", "novice", 40), ("lstm", "standard", 30),
                               ("rock", "", 5)):  # fmt: skip
        with GameRecorder(opponent=opponent, level=level) as rec:
            for k in range(n):
                rec.record(human=k % 3, ai=(k + 1) % 3)
    asked = []

    def fake_train(seed, history=None, levels=None):
        asked.append(levels)
        return lambda ctx: rps_training.TrainingRefused("stand-in")

    monkeypatch.setattr(rps_training, "train_job", fake_train)
    scene = app.push("rps-arena", opponent="rock", countdown_s=0.05, reveal_s=0.05)
    send(app, key(pygame.K_t))
    s = scene.session
    wait_until(app, lambda: s.levels is not None)
    assert [r.level for r in s.levels.results] == ["novice", "standard", ""]
    for k in (pygame.K_r, pygame.K_1, pygame.K_p):  # no moves while the panel is open
        send(app, key(k))
    assert s.rounds == [] and s.phase is Phase.READY
    send(app, key(pygame.K_DOWN))
    send(app, key(pygame.K_SPACE))  # untick Standard
    row = scene.level_list.row_rect(2)  # click "no level": untick it too
    send(app, click(row.center))
    assert s.levels.ticked == {"novice"}
    send(app, key(pygame.K_RETURN))  # 40 rounds: too few, refused at once, the panel stays
    assert asked == [] and s.levels_open and not scene.level_train.enabled
    send(app, key(pygame.K_SPACE))  # the cursor is on "no level" (clicked): tick it again
    send(app, key(pygame.K_UP))
    send(app, key(pygame.K_SPACE))  # and Standard: 75 rounds
    assert scene.level_train.enabled and "all levels: 75 rounds" in scene.level_train.label
    send(app, click(scene.level_train.rect.center))  # the button trains too
    assert asked == [None] and not s.levels_open
    wait_until(app, lambda: s.trainer is None)
    send(app, key(pygame.K_t))
    send(app, key(pygame.K_ESCAPE))  # closes the panel, stays in the Arena
    assert not s.levels_open and app.scene is scene


def test_arena_games_panel_fits_the_smallest_window(app):
    """Four levels and a skipped line: every row, the total, the note and the footer (the
    button's place, then the keys) fit in the panel, and the panel in the window."""
    from agents.rps.games import GameRecorder, games_path
    from game.app import MIN_WINDOW_SIZE

    for level in ("novice", "standard", "veteran", ""):
        with GameRecorder(opponent=level or "rock", level=level) as rec:
            rec.record(human=0, ai=1)
    with open(games_path(), "a") as f:
        f.write("not,a,row\n")
    scene = app.push("rps-arena", opponent="rock")
    send(app, key(pygame.K_t))
    wait_until(app, lambda: scene.session.levels is not None)
    assert len(scene.session.levels.problems) == 1
    for size in ((1280, 800), MIN_WINDOW_SIZE):
        app.resize(size)
        app.run_frames(1)
        panel = scene.levels_rect()
        assert app.screen.get_rect().contains(panel)
        rows = [scene.level_list.row_rect(i) for i in range(4)]
        assert all(panel.contains(r) for r in rows)
        # The total and the skipped-line note (22 px each) end above the footer's line or
        # button (its top 81 px above the panel's bottom).
        assert rows[-1].bottom + 12 + 2 * 22 <= panel.bottom - 81


def test_arena_card_with_changes_fits_both_window_sizes(app):
    """A card as long as they come (five statements and three habits left off, each on two
    lines) fits whole: at 1280x800 all of it, in the smallest window four and two."""
    from agents.rps.card import Card, Statement
    from game.app import MIN_WINDOW_SIZE

    long = "after a draw you switch to what your last move beats, which is a long habit name"
    stated = [Statement(f"k{i}", long, 6, 9, 0.1) for i in range(5)]
    faded = [Statement(f"f{i}", long, 2, 9, 1.0) for i in range(3)]
    scene = app.push("rps-arena", opponent="rock")
    scene.session.card = Card("s", "novice", 22, stated, {}, faded, 30, "veteran")
    for size, shown in (((1280, 800), 5 + 1 + 3), (MIN_WINDOW_SIZE, 4 + 1 + 2)):
        app.resize(size)
        app.run_frames(1)
        rect, lines, needed = scene.card_layout()
        wrapped = [ls for ls, _ in lines if ls[0] != "NO LONGER ON THE CARD"]
        assert len(lines) == shown and all(len(ls) == 2 for ls in wrapped)
        assert needed <= rect.h and app.screen.get_rect().contains(rect)
