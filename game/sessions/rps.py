"""Rock-paper-scissors sessions: the Arena's and AI vs AI's state and rules, without pygame.

The screens (game.scenes.rps_arena, rps_versus) turn keys and clicks into calls on these
objects and draw what they hold. Every agent call that may be slow (an LSTM's TensorFlow
import, its first traces, its online fine-tune) runs in a game.workers.Worker, never on the
main thread; these objects only start, poll and cancel those workers.

- agent helpers: the registry's names, kinds and descriptions; `agent_job` builds and warms
  up an agent in a worker;
- `ArenaSession`: a person against one agent, one round in flight at most, every round saved;
- `VersusSession`: two agents, played by a player worker a bounded distance ahead of the
  screen, which takes finished rounds in at the chosen speed.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

import numpy as np

from agents.training import Phase as TrainingPhase
from agents.training import TrainingProgress
from game.sim.rps import Match, Round, Tally, draw_band, match_verdict
from game.workers import DONE, FAILED, Worker, WorkerContext

# A message for the person: notify(text, kind), kind "info" or "error" (App.toast's).
Notify = Callable[[str, str], None]
Points = dict[str, list[tuple[float, float]]]  # chart series by name: what a LineChart draws


def no_notice(text: str, kind: str = "info") -> None:
    """The default Notify: sessions used without a screen (tests) report nowhere."""


# --- agents -----------------------------------------------------------------------------------
WARMUP_ROUNDS = 12  # enough for an LSTM agent's first online fine-tune (traces it)
FALLBACK_AGENT = "iocaine"  # when an LSTM cannot load (e.g. no model file)


@lru_cache(maxsize=1)
def _registry() -> dict[str, Any]:
    # The registry is fixed once the agent modules are imported; screens ask every frame.
    from agents.rps import list_agents

    return {a.name: a for a in list_agents()}


def agent_names() -> list[str]:
    """Registered agents, in registry order (bots, predictors, meta, LSTMs)."""
    return list(_registry())


def agent_kind(name: str) -> str:
    info = _registry().get(name)
    return info.kind if info else ""


def agent_description(name: str) -> str:
    info = _registry().get(name)
    return info.description if info else ""


def needs_worker(name: str) -> bool:
    """LSTM agents import TensorFlow and trace functions on first use: build them off-frame."""
    return agent_kind(name) == "lstm"


def cycle_name(names: list[str], current: str, step: int) -> str:
    """The name `step` places after `current` in `names`, wrapping."""
    i = names.index(current) if current in names else 0
    return names[(i + step) % len(names)]


def make_agent_now(name: str, seed: int, **kwargs: Any):
    from agents.rps import make_agent

    return make_agent(name, seed=seed, **kwargs)


def agent_job(name: str, seed: int, **kwargs: Any):
    """A worker job that builds agent `name` and plays a short throw-away match so that the
    first real moves are as fast as the rest; returns the reset agent."""

    def job(ctx: WorkerContext):
        ctx.progress(None, f"loading {name}...")
        agent = make_agent_now(name, seed, **kwargs)
        ctx.progress(0.5, f"warming up {name}...")
        sparring = make_agent_now("rotate", 0)
        match = Match(agent, sparring, rounds=WARMUP_ROUNDS, record_predictions=True)
        while not match.done and not ctx.cancelled:
            match.step()
        agent.reset()
        return agent

    return job


def moving_average(values: list[float], window: int) -> list[float]:
    """Trailing mean over up to `window` values, one output per input."""
    out, total = [], 0.0
    for i, v in enumerate(values):
        total += v
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


# --- the Arena ---------------------------------------------------------------------------------
ENDLESS = 1_000_000  # the arena has no fixed length: a match runs until you leave
ARENA_CONFIDENCE_WINDOW = 10  # rounds in the confidence chart's moving average
TRAIN_EPOCHS = 40  # upper bound: training stops early once validation loss stalls


class Phase(StrEnum):
    READY = "ready"  # taking the person's move
    COUNTDOWN = "countdown"  # committed; the AI's side runs in a worker
    REVEAL = "reveal"  # both moves shown, animating


@dataclass(frozen=True)
class ArenaStats:
    """Score read-outs from the person's side."""

    rounds: int = 0
    wins: int = 0
    losses: int = 0
    draws: int = 0
    streak: int = 0  # > 0: rounds won in a row now; < 0: lost in a row
    best: int = 0  # the longest run of wins
    win_rate: float = 0.0

    @property
    def net(self) -> int:
        return self.wins - self.losses

    @classmethod
    def of(cls, outcomes: list[int]) -> ArenaStats:
        streak = 0
        for o in reversed(outcomes):
            if o == 0 or (streak and (o > 0) != (streak > 0)):
                break
            streak += o
        best = run = 0
        for o in outcomes:
            run = run + 1 if o == 1 else 0
            best = max(best, run)
        wins, n = outcomes.count(1), len(outcomes)
        return cls(n, wins, outcomes.count(-1), outcomes.count(0), streak, best,
                   wins / n if n else 0.0)  # fmt: skip


def default_opponent() -> str:
    """`lstm` when a model file for it exists (no TensorFlow needed to check), else iocaine."""
    try:
        from agents.rps.lstm_agents import default_model_path

        return "lstm" if default_model_path().exists() else FALLBACK_AGENT
    except ImportError:
        return FALLBACK_AGENT


def training_progress(ctx: WorkerContext) -> Callable[[TrainingProgress], None]:
    """The trainer's batch events as worker progress: fraction done and a status line."""

    def on_progress(ev: TrainingProgress) -> None:
        if ev.phase is TrainingPhase.TRAIN and ev.batch:
            loss = "" if ev.loss is None else f"  loss {ev.loss:.2f}"
            ctx.progress(ev.fraction, f"epoch {ev.epoch}/{ev.epochs}{loss}")

    return on_progress


def train_job(seed: int):
    """Worker job for "Train on my games": train the LSTM on the saved games, then build and
    warm up an `lstm` agent on the new model. Returns (model card, agent or None)."""

    def job(ctx: WorkerContext):
        from agents.rps import lstm_train
        from agents.rps.lstm_agents import user_model_path
        ctx.progress(None, "preparing training data...")
        card = lstm_train.train_user_card(
            epochs=TRAIN_EPOCHS, progress=training_progress(ctx), cancel=ctx.cancel
        )
        return card, agent_job("lstm", seed, model_path=user_model_path())(ctx)

    return job


class ArenaSession:
    """A person against one agent. Flow of a round: `commit(move)` starts the AI's side
    (Match.step: its act, then observe and any online fine-tune) in a worker and the
    countdown; the round is saved as soon as it is played; the reveal follows (the countdown
    holds its last beat while the AI is busy); then the AI's prediction for the move just
    played may be shown. Only one round is ever in flight, and anything else that uses the
    agent (new match, switch, model swap, close) first waits for it (`_settle_round`).
    """

    def __init__(
        self,
        opponent: str,
        seed: int,
        countdown_s: float = 0.9,
        reveal_s: float = 0.45,
        notify: Notify = no_notice,
    ) -> None:
        self.names = agent_names()
        self.seed = seed
        self.countdown_s = countdown_s
        self.reveal_s = reveal_s
        self.notify = notify
        self.wanted = opponent  # the name on the picker: loading, or playing
        self.opponent = ""  # the agent playing now
        self.agent = None
        self.loader: Worker | None = None
        self.trainer: Worker | None = None  # the running "Train on my games", if any
        self.player: Worker | None = None  # the AI's side of the committed round, in flight
        self.last_training: Worker | None = None
        self.recorder = None
        self.match: Match | None = None
        self.confidence: Points = {}  # the chart: P(your move) and its moving average
        self._clear_rounds()

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        self.set_opponent(self.wanted)

    def close(self) -> None:
        self._settle_round()  # a committed round is saved even when the person leaves at once
        self._close_recorder()
        for worker in (self.loader, self.trainer):
            if worker is not None:
                worker.cancel()

    @property
    def loading(self) -> bool:
        return self.loader is not None

    @property
    def training(self) -> bool:
        return self.trainer is not None and self.trainer.running

    # --- match state -----------------------------------------------------------------------
    def new_match(self) -> None:
        """Score back to zero against the same opponent (a new saved session)."""
        self._settle_round()  # Match() resets the agent: the round in flight must end first
        self._close_recorder()
        self._clear_rounds()
        self.match = Match(None, self.agent, rounds=ENDLESS, record_predictions=True)

    def _clear_rounds(self) -> None:
        self.rounds: list[Round] = []
        self.pending: Round | None = None  # committed, not yet revealed
        self.revealed: Round | None = None  # the latest round whose reveal has finished
        self.phase = Phase.READY
        self.phase_t = 0.0
        self.p_actual: list[float] = []  # probability the AI gave to the person's move
        self.exploited = False  # the agent's flag, read only while no round is in flight
        self.confidence.clear()

    def set_opponent(self, name: str) -> None:
        """Switch to opponent `name`; LSTMs load in a worker while the stage says so."""
        self.wanted = name
        if self.loader is not None:
            self.loader.cancel()
            self.loader = None
        if needs_worker(name):
            self.loader = Worker(agent_job(name, self.seed), name=f"load {name}").start()
            return
        self._install(make_agent_now(name, self.seed), name)

    def cycle_opponent(self, step: int) -> None:
        if not self.loading:
            self.set_opponent(cycle_name(self.names, self.wanted, step))

    def _install(self, agent, name: str) -> None:
        self.agent, self.opponent, self.wanted = agent, name, name
        self.new_match()

    def _close_recorder(self) -> None:
        if self.recorder is not None:
            self.recorder.close()
            self.recorder = None

    @property
    def shown_prediction(self) -> np.ndarray | None:
        """The AI's prediction the screen shows: only ever the one for the move just revealed,
        and nothing from a commit until its reveal is over."""
        if self.phase != Phase.READY or self.revealed is None:
            return None
        return self.revealed.pred_b

    @property
    def taking_moves(self) -> bool:
        return self.agent is not None and not self.loading and self.phase != Phase.COUNTDOWN

    def commit(self, move: int) -> bool:
        """The person plays `move`: the AI's side of the round starts in a worker and the
        countdown begins. False when no move is taken (loading, or a round in flight)."""
        if not self.taking_moves:
            return False
        if self.phase == Phase.REVEAL:
            self._finish_reveal()
        match = self.match
        # Off the main thread: an LSTM opponent fine-tunes every few rounds (~0.1-0.16 s),
        # which would freeze the countdown. Match.step still asks the agent to act before it
        # observes the person's move.
        self.player = Worker(lambda ctx: match.step(move_a=move), name="the AI's move").start()
        self.phase, self.phase_t = Phase.COUNTDOWN, 0.0
        return True

    def _poll_round(self, wait: bool = False) -> None:
        """Take in the AI's round once its worker is done (`wait`: block until it is)."""
        if self.player is None:
            return
        if wait:
            self.player.join()
        self.player.poll()
        if not self.player.finished:
            return
        player, self.player = self.player, None
        if player.state != DONE:
            self.notify(player.error or "the AI's move was cancelled", "error")
            self.phase, self.phase_t = Phase.READY, 0.0  # nothing was played: play again
            return
        rnd = player.result
        if self.recorder is None:
            from agents.rps.games import GameRecorder

            self.recorder = GameRecorder(opponent=self.opponent)
        self.recorder.record(human=rnd.move_a, ai=rnd.move_b)  # saved before it is shown
        self.rounds.append(rnd)
        self.pending = rnd
        self.exploited = bool(getattr(self.agent, "exploited", False))

    def _settle_round(self) -> None:
        """Wait for the round in flight (it saves it): the agent is then free to reuse."""
        self._poll_round(wait=True)

    def _finish_reveal(self) -> None:
        rnd = self.pending
        if rnd is None:
            return
        self.revealed, self.pending, self.phase = rnd, None, Phase.READY
        if rnd.pred_b is not None:
            self.p_actual.append(float(rnd.pred_b[rnd.move_a]))
            avg = moving_average(self.p_actual, ARENA_CONFIDENCE_WINDOW)
            for name, ys in (("P(your move)", self.p_actual),
                             (f"avg {ARENA_CONFIDENCE_WINDOW}", avg)):  # fmt: skip
                self.confidence[name] = [(float(x), y) for x, y in enumerate(ys, start=1)]

    # --- read-outs -------------------------------------------------------------------------
    @property
    def visible_rounds(self) -> list[Round]:
        """Rounds the screen may show: a committed round stays hidden during its countdown."""
        if self.phase == Phase.COUNTDOWN and self.pending is not None:
            return self.rounds[:-1]
        return self.rounds

    def stats(self) -> ArenaStats:
        """Score read-outs over the visible rounds (the countdown must not give it away)."""
        return ArenaStats.of([r.outcome for r in self.visible_rounds])

    def countdown_beat(self) -> tuple[int, float]:
        """(beat 0..2 of "rock... paper... scissors!", fraction of that beat)."""
        # Just short of the end, so a held countdown rests on the end of its last beat.
        beats = min(self.phase_t, 0.999 * self.countdown_s) / (self.countdown_s / 3)
        return min(int(beats), 2), beats % 1.0

    def status(self) -> str:
        """The AI's side in a few words, under its hand."""
        if self.exploited:
            return "you are exploiting me: I play at random for now"
        if self.loading:
            return "getting ready..."
        return "both moves locked in" if self.phase == Phase.COUNTDOWN else "waiting for you..."

    @property
    def reveal_t(self) -> float:
        """0..1 through the reveal animation; 1 once it is over."""
        return self.phase_t / self.reveal_s if self.phase == Phase.REVEAL else 1.0

    # --- training --------------------------------------------------------------------------
    def start_training(self) -> None:
        if self.training:
            self.notify("training is already running", "info")
            return
        self.trainer = Worker(train_job(self.seed), name="training").start()
        self.notify("training the LSTM on your saved games (keep playing!)", "info")

    def cancel_training(self) -> bool:
        """Esc: cancel a running training; False when there is none (Esc then leaves)."""
        if not self.training:
            return False
        self.trainer.cancel()
        self.notify("cancelling training...", "info")
        return True

    def _training_finished(self, worker: Worker) -> None:
        """The trainer's outcome: a new model plays at once against an `lstm` opponent."""
        if worker.state == FAILED:
            self.notify(f"training failed: {worker.error}", "error")
            return
        if worker.state != DONE:
            self.notify("training cancelled; the previous model is kept", "info")
            return
        card, agent = worker.result
        acc = card.details.get("val_accuracy") if card is not None else None
        note = f" (validation accuracy {100 * acc:.0f}%)" if isinstance(acc, float) else ""
        if self.opponent == "lstm" and agent is not None:
            self._install(agent, "lstm")
            self.notify(f"new model trained{note}: lstm now plays with it, new match", "info")
        else:
            self.notify(f"new model trained{note}: pick lstm to play it", "info")

    def _poll_workers(self) -> None:
        if self.loader is not None:
            self.loader.poll()
            if self.loader.finished:
                loader, self.loader = self.loader, None
                if loader.state == DONE:
                    self._install(loader.result, self.wanted)
                elif loader.state == FAILED:
                    self.notify(f"cannot load {self.wanted}: {loader.error}", "error")
                    if self.agent is None:
                        self._install(make_agent_now(FALLBACK_AGENT, self.seed), FALLBACK_AGENT)
                    self.wanted = self.opponent
        if self.trainer is not None:
            self.trainer.poll()
            # A new model waits for the round on screen to be revealed before it takes over.
            if self.trainer.finished and self.phase == Phase.READY:
                self.last_training, self.trainer = self.trainer, None
                self._training_finished(self.last_training)

    def update(self, dt: float) -> None:
        self._poll_workers()
        self._poll_round()
        if self.phase == Phase.COUNTDOWN:
            # Hold the last beat until the AI's round is in (pending is set then).
            self.phase_t = min(self.phase_t + dt, self.countdown_s)
            if self.phase_t >= self.countdown_s and self.pending is not None:
                self.phase, self.phase_t = Phase.REVEAL, 0.0
        elif self.phase == Phase.REVEAL:
            self.phase_t += dt
            if self.phase_t >= self.reveal_s:
                self._finish_reveal()


# --- AI vs AI ---------------------------------------------------------------------------------
SPEEDS = (1, 2, 5, 10, 20, 50, 100, 300, 1000, math.inf)  # rounds per second; inf = flat out
FLAT_OUT_BUDGET_S = 0.005  # at "max", take finished rounds in for at most this long per step
LOOKAHEAD_S = 0.5  # the player may run this many seconds of rounds ahead of the screen
FLAT_OUT_AHEAD = 500  # ... and this many rounds at "max"
CREDIT_WAIT_S = 0.05  # how often a player waiting for the screen checks for a cancel
HISTORY_SHOWN = 14  # rounds in the centre's history strip
MATCH_ROUNDS = 1000
CONFIDENCE_WINDOW = 20
PATTERNED = ("rotate", "de-bruijn", "beat-last", "switching", "copy-drift")
PRESET_A = "lstm"
PRESET_SPEED = 20


def speed_label(rate: float) -> str:
    return "max" if math.isinf(rate) else f"{rate:g}/s"


def rounds_ahead(rate: float) -> int:
    """How many rounds the player may have played beyond what the screen has shown."""
    return FLAT_OUT_AHEAD if math.isinf(rate) else max(2, math.ceil(rate * LOOKAHEAD_S))


def player_job(
    agent_a, agent_b, rounds: int, credits: threading.Semaphore, previous: Worker | None
):
    """Worker job: play a match, sending each Round to the screen with ctx.emit.

    Each round first takes a credit from `credits` (the screen hands them out as it shows
    rounds), which keeps the player a bounded distance ahead. `previous` is the last match's
    player: it was cancelled, and it must be done with the agents before they are reset.
    Returns the rounds played.
    """

    def job(ctx: WorkerContext) -> int:
        if previous is not None:
            previous.join()
        if ctx.cancelled:
            return 0
        match = Match(agent_a, agent_b, rounds=rounds, record_predictions=True)
        while not match.done:
            while not credits.acquire(timeout=CREDIT_WAIT_S):
                if ctx.cancelled:
                    return match.played
            if ctx.cancelled:
                return match.played
            ctx.emit(match.step())
        return match.played

    return job


class MatchView(Tally):
    """The match as the screen shows it: the rounds taken in so far (main thread only).

    The match itself is played by the player worker, a little ahead of this view.
    """

    def __init__(self, agent_a, agent_b, rounds: int) -> None:
        self.agent_a = agent_a
        self.agent_b = agent_b
        self.rounds = rounds
        self.played = self.net = self.wins = self.losses = 0
        self.recent: deque[Round] = deque(maxlen=HISTORY_SHOWN)
        self.move_counts = ([0, 0, 0], [0, 0, 0])  # how often side A / B played each move

    def add(self, rnd: Round) -> None:
        self.played += 1
        self.net = rnd.net
        self.wins += rnd.outcome == 1
        self.losses += rnd.outcome == -1
        self.recent.append(rnd)
        self.move_counts[0][rnd.move_a] += 1
        self.move_counts[1][rnd.move_b] += 1


class Side:
    """One player of the match: its agent (or loader) and prediction read-outs."""

    def __init__(self, label: str, wanted: str) -> None:
        self.label = label
        self.wanted = wanted  # the name on its picker: loading, or playing
        self.agent = None
        self.name = ""  # the agent playing now
        self.loader: Worker | None = None
        self.reset_stats()

    def reset_stats(self) -> None:
        self.pred: np.ndarray | None = None  # last prediction, taken before the last round
        self.hits: deque[int] = deque(maxlen=50)
        self.p_actual: deque[float] = deque(maxlen=CONFIDENCE_WINDOW)

    @property
    def is_predictor(self) -> bool:
        return bool(getattr(self.agent, "is_predictor", False))

    @property
    def hit_rate(self) -> float | None:
        return sum(self.hits) / len(self.hits) if self.hits else None

    @property
    def mean_p_actual(self) -> float | None:
        return sum(self.p_actual) / len(self.p_actual) if self.p_actual else None


class VersusSession:
    """Two agents in a match, taken in at `speed` rounds per second (see player_job)."""

    def __init__(
        self,
        a: str = "iocaine",
        b: str = "rotate",
        speed: float = 10,
        rounds: int = MATCH_ROUNDS,
        notify: Notify = no_notice,
    ) -> None:
        self.names = agent_names()
        self.notify = notify
        self.sides = [Side("A", a), Side("B", b)]
        self.focus = 0
        # The nearest offered speed; inf - inf is NaN, so "max" is matched by hand.
        self.speed_i = (
            len(SPEEDS) - 1
            if math.isinf(speed)
            else min(range(len(SPEEDS) - 1), key=lambda i: abs(SPEEDS[i] - speed))
        )
        self.rounds_total = rounds
        self.seed = 0
        self.paused = False
        self.preset_i = -1
        self.match: MatchView | None = None
        self.last: Round | None = None
        self.net_points: Points = {}  # the charts' series, kept as they are drawn
        self.confidence: Points = {}
        self._budget = 0.0
        self.player: Worker | None = None  # plays the current match in the background
        self._previous: Worker | None = None  # the latest player started (to wait for)
        self._credits = threading.Semaphore(0)
        self._granted = 0  # rounds the current player has been allowed to play
        self._ready: deque[Round] = deque()  # played by the worker, not yet shown

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        for i, side in enumerate(self.sides):
            self.set_agent(i, side.wanted)

    def close(self) -> None:
        self._stop_player()
        for side in self.sides:
            if side.loader is not None:
                side.loader.cancel()

    @property
    def speed(self) -> float:
        return SPEEDS[self.speed_i]

    @property
    def loading(self) -> bool:
        return any(s.loader is not None for s in self.sides)

    # --- choosing agents -------------------------------------------------------------------
    def set_agent(self, i: int, name: str) -> None:
        side = self.sides[i]
        side.wanted = name
        if side.loader is not None:
            side.loader.cancel()
            side.loader = None
        self._stop_player()  # the old match ends now, even while the new agent loads
        self.match = None
        seed = self.seed + i  # a different seed per side, so two random players differ
        if needs_worker(name):
            side.loader = Worker(agent_job(name, seed), name=f"load {name}").start()
            return
        side.agent, side.name = make_agent_now(name, seed), name
        self.restart()

    def cycle_agent(self, step: int) -> None:
        """The focused side's next / previous agent."""
        self.set_agent(self.focus, cycle_name(self.names, self.sides[self.focus].wanted, step))

    def replay(self) -> None:
        """The same agents again, with new seeds."""
        self.seed += 2
        for i, side in enumerate(self.sides):
            self.set_agent(i, side.wanted)

    def preset(self) -> None:
        """LSTM against the next patterned bot, at a speed where you can watch it learn."""
        self.preset_i = (self.preset_i + 1) % len(PATTERNED)
        self.speed_i = SPEEDS.index(PRESET_SPEED)
        self.paused = False
        self.set_agent(1, PATTERNED[self.preset_i])
        self.set_agent(0, PRESET_A)

    def _poll_loaders(self) -> None:
        for side in self.sides:
            if side.loader is None:
                continue
            side.loader.poll()
            if side.loader.finished:
                loader, side.loader = side.loader, None
                if loader.state == DONE:
                    side.agent, side.name = loader.result, side.wanted
                else:
                    self.notify(f"cannot load {side.wanted}: {loader.error}", "error")
                    if side.agent is None:  # nothing to fall back to: a classic meta player
                        side.agent = make_agent_now(FALLBACK_AGENT, self.seed)
                        side.name = FALLBACK_AGENT
                    side.wanted = side.name
                self.restart()

    # --- the match -------------------------------------------------------------------------
    def restart(self) -> None:
        """A new match between the current agents (once both are ready)."""
        self._stop_player()
        self.match = None
        self.last = None
        self._budget = 0.0
        self.net_points.clear()
        self.confidence.clear()
        for side in self.sides:
            side.reset_stats()
        if self.loading or any(s.agent is None for s in self.sides):
            return
        a, b = (s.agent for s in self.sides)
        self.match = MatchView(a, b, self.rounds_total)
        self._credits = threading.Semaphore(0)
        self._granted = 0
        self._grant()
        job = player_job(a, b, self.rounds_total, self._credits, self._previous)
        self.player = self._previous = Worker(job, name="AI vs AI match").start()
        self.net_points["net"] = [(0.0, 0.0)]

    def _stop_player(self) -> None:
        """Cancel the current match's player (never waits: the next player waits for it)."""
        if self.player is not None:
            self.player.cancel()
            self.player = None
        self._ready.clear()

    def _grant(self) -> None:
        """Let the player run up to rounds_ahead(speed) rounds beyond what is shown."""
        if self.match is None:
            return
        target = min(self.match.played + rounds_ahead(self.speed), self.match.rounds)
        if target > self._granted:
            self._credits.release(target - self._granted)
            self._granted = target

    def _poll_player(self) -> None:
        """Collect the rounds the player has finished; report it if it failed."""
        if self.player is None:
            return
        for event in self.player.poll():
            if event.kind == "data":
                self._ready.append(event.data)
        if self.player.state == FAILED:
            self.notify(f"the match stopped: {self.player.error}", "error")
            self.player = None
        elif self.player.finished:
            self.player = None

    def take_round(self) -> Round | None:
        """Show the next round the player has finished and update every read-out; None when
        there is none ready (the player is still busy, or there is no match)."""
        if self.match is None or self.match.done or not self._ready:
            return None
        rnd = self._ready.popleft()
        self.match.add(rnd)
        self.last = rnd
        x = float(rnd.index + 1)
        self.net_points.setdefault("net", []).append((x, float(rnd.net)))
        for side, pred, actual in (
            (self.sides[0], rnd.pred_a, rnd.move_b),
            (self.sides[1], rnd.pred_b, rnd.move_a),
        ):
            if pred is None:
                continue
            side.pred = pred
            side.hits.append(int(np.argmax(pred) == actual))
            side.p_actual.append(float(pred[actual]))
            series = self.confidence.setdefault(f"{side.label}: {side.name}", [])
            series.append((x, side.mean_p_actual))
        return rnd

    def update(self, dt: float) -> None:
        self._poll_loaders()
        self._poll_player()
        if self.paused or self.match is None or self.match.done:
            return
        if math.isinf(self.speed):
            deadline = time.perf_counter() + FLAT_OUT_BUDGET_S
            while time.perf_counter() < deadline and self.take_round() is not None:
                pass
        else:
            self._budget += self.speed * dt
            while self._budget >= 1.0 and self.take_round() is not None:
                self._budget -= 1.0
            if not self._ready:  # waiting on the player: no burst of rounds once it catches up
                self._budget = min(self._budget, 1.0)
        self._grant()

    # --- controls --------------------------------------------------------------------------
    def toggle_focus(self) -> None:
        self.focus = 1 - self.focus

    def toggle_pause(self) -> None:
        self.paused = not self.paused

    def set_speed_index(self, i: int) -> None:
        self.speed_i = min(max(i, 0), len(SPEEDS) - 1)
        self._budget = 0.0

    def change_speed(self, step: int) -> None:
        self.set_speed_index(self.speed_i + step)

    # --- read-outs -------------------------------------------------------------------------
    def moves_of(self, i: int) -> tuple[int | None, int]:
        """Side i's move in the last round shown (None before any) and its outcome for i."""
        if self.last is None:
            return None, 0
        if i == 0:
            return self.last.move_a, self.last.outcome
        return self.last.move_b, -self.last.outcome

    def move_share(self, i: int) -> np.ndarray:
        """How often side i has played each move so far (uniform before any round)."""
        freq = np.asarray(self.match.move_counts[i] if self.match else (0, 0, 0), float)
        return freq / freq.sum() if freq.sum() else np.full(3, 1 / 3)

    def verdict(self) -> str:
        """Who leads, or who won once the match is over, against the draw band."""
        played, net = (self.match.played, self.match.net) if self.match else (0, 0)
        v = match_verdict(net, played)
        a, b = self.sides[0].name, self.sides[1].name
        if self.match is not None and self.match.done:
            return {"win": f"{a} WINS", "loss": f"{b} WINS", "draw": "DRAW"}[v]
        return {"win": f"{a} ahead", "loss": f"{b} ahead", "draw": "inside the draw band"}[v]

    def draw_band(self) -> float:
        return draw_band(self.match.played if self.match else 0)
