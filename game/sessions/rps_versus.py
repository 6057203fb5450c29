"""AI vs AI's state and rules, without pygame: two agents, played by a worker a bounded
distance ahead of the screen, which takes finished rounds in at the chosen speed.

The screen (game.scenes.rps_versus) turns keys and clicks into calls on `VersusSession` and
draws what it holds. Each round arrives with both agents' Decision records
(game.sessions.rps_reasons): each side's sentence, bars, hit rate and confidence line all
come from the record of the strategy that chose its move.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Any

import numpy as np

from game.sessions import rps_agents
from game.sessions.rps_agents import (
    FALLBACK_AGENT,
    Notify,
    Points,
    agent_job,
    agent_names,
    cycle_name,
    no_notice,
)
from game.sessions.rps_reasons import Explanation, Played, explain, play_round
from game.sim.rps import Match, Round, Tally, draw_band, match_verdict
from game.workers import DONE, FAILED, Worker, WorkerContext

SPEEDS = (1, 2, 5, 10, 20, 50, 100, 300, 1000, math.inf)  # rounds per second; inf = flat out
FLAT_OUT_BUDGET_S = 0.005  # at "max", take finished rounds in for at most this long per step
LOOKAHEAD_S = 0.5  # the player may run this many seconds of rounds ahead of the screen
FLAT_OUT_AHEAD = 500  # ... and this many rounds at "max"
CREDIT_WAIT_S = 0.05  # how often a player waiting for the screen checks for a cancel
HISTORY_SHOWN = 14  # rounds in the centre's history strip
READS_WINDOW = 50  # rounds in a side's "read the other" rate
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
    """Worker job: play a match, sending each round (a Played: the Round and both agents'
    reasons) to the screen with ctx.emit.

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
        match = Match(agent_a, agent_b, rounds=rounds)
        while not match.done:
            while not credits.acquire(timeout=CREDIT_WAIT_S):
                if ctx.cancelled:
                    return match.played
            if ctx.cancelled:
                return match.played
            ctx.emit(play_round(match))
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
    """One player of the match: its agent (or loader), prediction and reason read-outs."""

    def __init__(self, label: str, wanted: str) -> None:
        self.label = label
        self.wanted = wanted  # the name on its picker: loading, or playing
        self.agent = None
        self.name = ""  # the agent playing now
        self.loader: Worker | None = None
        self.reset_stats()

    def reset_stats(self) -> None:
        self.decision: Any = None  # its Decision for the last round shown (None: none given)
        # The deciding odds of the last round that had any (the bars), and what they gave the
        # move that came, over the last CONFIDENCE_WINDOW such rounds (the chart).
        self.pred: np.ndarray | None = None
        self.p_actual: deque[float] = deque(maxlen=CONFIDENCE_WINDOW)
        self.reads: deque[int] = deque(maxlen=READS_WINDOW)  # 1: the deciding guess was right

    def take(self, decision: Any, actual: int) -> None:
        """The Decision behind this side's move in the round just shown, and the other's
        move."""
        self.decision = decision
        if decision is None:
            return
        if decision.predicted is not None:
            self.reads.append(int(decision.read_opponent(actual)))
        if decision.dist is not None:
            self.pred = np.array(decision.dist)
            self.p_actual.append(decision.dist[actual])

    @property
    def read_rate(self) -> float | None:
        """Share of recent rounds whose deciding prediction was the other side's move."""
        return sum(self.reads) / len(self.reads) if self.reads else None

    @property
    def is_predictor(self) -> bool:
        return bool(getattr(self.agent, "is_predictor", False))

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
        self._ready: deque[Played] = deque()  # played by the worker, not yet shown

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
        if rps_agents.needs_worker(name):
            side.loader = Worker(agent_job(name, seed), name=f"load {name}").start()
            return
        side.agent, side.name = rps_agents.make_agent_now(name, seed), name
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
                        side.agent = rps_agents.make_agent_now(FALLBACK_AGENT, self.seed)
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

    def player_caught_up(self) -> bool:
        """Take in what the player has finished; True once it has played every round it may
        so far (or there is no match to play): then how many rounds a step shows depends only
        on the speed and the step, never on the worker's pace (what a scripted test waits
        for)."""
        self._poll_player()
        if self.match is None or self.player is None:
            return True
        return self.match.played + len(self._ready) >= min(self._granted, self.match.rounds)

    def take_round(self) -> Round | None:
        """Show the next round the player has finished and update every read-out; None when
        there is none ready (the player is still busy, or there is no match)."""
        if self.match is None or self.match.done or not self._ready:
            return None
        played = self._ready.popleft()
        rnd = played.round
        self.match.add(rnd)
        self.last = rnd
        x = float(rnd.index + 1)
        self.net_points.setdefault("net", []).append((x, float(rnd.net)))
        for side, decision, actual in (
            (self.sides[0], played.decision_a, rnd.move_b),
            (self.sides[1], played.decision_b, rnd.move_a),
        ):
            side.take(decision, actual)
            if decision is not None and decision.dist is not None:
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
    def explanation(self, i: int) -> Explanation | None:
        """Why side i played its move in the last round shown, from its Decision (see
        rps_reasons.explain)."""
        if self.last is None:
            return None
        side, other = self.sides[i], self.sides[1 - i]
        actual = self.last.move_b if i == 0 else self.last.move_a
        return explain(side.decision, actual, me=side.label, you=other.label)

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
