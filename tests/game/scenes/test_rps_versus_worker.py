"""AI vs AI plays its agents in a background worker: frames never wait for an agent.

A stub agent stands in for a slow LSTM (its observe, where the online fine-tune happens,
sleeps); the tests count rounds and threads, never wall time.
"""

from __future__ import annotations

import threading
import time

import pygame

from agents.rps import Agent
from game.app import App
from game.sessions import rps_agents
from game.sessions.rps import SPEEDS, rounds_ahead

MAIN = threading.main_thread()


class SlowAgent(Agent):
    """Plays rock-paper-scissors in turn; `observe` sleeps like an LSTM fine-tune. Records
    the thread of every call and any moment two threads were inside it at once."""

    is_predictor = True

    def __init__(self, seed: int = 0, delay: float = 0.2, fail_at: int | None = None) -> None:
        self.delay = delay
        self.fail_at = fail_at
        self.calls: list[tuple[str, threading.Thread]] = []
        self.overlaps: list[str] = []
        self._inside = threading.Lock()
        super().__init__(seed)
        self.calls.clear()  # construction (on the test's thread) is not a game call

    def _enter(self, what: str) -> None:
        if not self._inside.acquire(blocking=False):
            self.overlaps.append(what)
            self._inside.acquire()
        self.calls.append((what, threading.current_thread()))

    def reset(self) -> None:
        if not hasattr(self, "_inside"):  # Agent.__init__'s own reset
            super().reset()
            return
        self._enter("reset")
        try:
            super().reset()
        finally:
            self._inside.release()

    def _act(self) -> int:
        self._enter("act")
        try:
            if self.fail_at is not None and len(self.own) >= self.fail_at:
                raise ValueError("the model file vanished")
            return len(self.own) % 3
        finally:
            self._inside.release()

    def _observe(self, own: int, opponent: int) -> None:
        self._enter("observe")
        try:
            time.sleep(self.delay)
        finally:
            self._inside.release()

    @property
    def acts(self) -> int:
        return sum(what == "act" for what, _ in self.calls)


def wait_until(app: App, condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the match"
        time.sleep(0.01)
        app.run_frames(1)


def versus_with(app: App, monkeypatch, agents: dict[str, Agent], speed: float):
    monkeypatch.setattr(rps_agents, "make_agent_now", lambda name, seed, **kw: agents[name])
    return app.push("rps-versus", a="rock", b="rotate", speed=speed)


def test_flat_out_with_a_slow_agent_never_blocks_a_frame(app, monkeypatch):
    slow = SlowAgent(delay=0.2)
    quick = SlowAgent(delay=0.0)
    scene = versus_with(app, monkeypatch, {"rock": slow, "rotate": quick}, speed=float("inf"))
    assert scene.session.match is not None and scene.session.player is not None

    assert app.run_frames(60) == 60
    # Played on the main thread, 60 flat-out frames would be at least 60 rounds (each one a
    # 0.2 s observe); in the background only a few have finished, and frames went on.
    assert scene.session.match.played < 60
    assert scene.session.match.played <= slow.acts
    wait_until(app, lambda: scene.session.match.played >= 2)  # ... and the match does advance
    calls = slow.calls + quick.calls
    assert {"reset", "act", "observe"} <= {what for what, _ in calls}
    assert all(thread is not MAIN for _, thread in calls)
    assert slow.overlaps == [] and quick.overlaps == []


def test_the_player_stays_a_bounded_distance_ahead_of_the_screen(app, monkeypatch):
    a, b = SlowAgent(delay=0.0), SlowAgent(delay=0.0)
    scene = versus_with(app, monkeypatch, {"rock": a, "rotate": b}, speed=1)
    send = [pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE, mod=0, unicode="")]
    app.run_frames(1, lambda i: send)  # pause: the screen takes no rounds
    ahead = rounds_ahead(SPEEDS[scene.session.speed_i])
    wait_until(app, lambda: a.acts >= ahead)
    app.run_frames(30)
    assert scene.session.paused and scene.session.match.played == 0
    assert a.acts == ahead  # it waits for the screen instead of playing the whole match


def test_switching_agents_mid_round_never_shares_an_agent_between_threads(app, monkeypatch):
    agents = {"rock": SlowAgent(delay=0.05), "rotate": SlowAgent(delay=0.05)}
    for name in ("beat-last", "switching"):
        agents[name] = SlowAgent(delay=0.05)
    scene = versus_with(app, monkeypatch, agents, speed=float("inf"))
    app.run_frames(3)
    scene.session.set_agent(1, "beat-last")  # the old match's player may be mid-round
    app.run_frames(2)
    scene.session.set_agent(1, "switching")
    scene.session.set_agent(0, "rock")  # same agent object, reset for the new match
    wait_until(app, lambda: scene.session.match.played >= 3)
    assert scene.session.match.agent_b is agents["switching"]
    assert all(agent.overlaps == [] for agent in agents.values())
    first = scene.session.player
    app.pop()  # leaving cancels the match in the background
    first.join(5)
    assert not first._thread.is_alive()


def test_a_failing_agent_stops_the_match_with_a_message(app, monkeypatch):
    a, b = SlowAgent(delay=0.0, fail_at=3), SlowAgent(delay=0.0)
    scene = versus_with(app, monkeypatch, {"rock": a, "rotate": b}, speed=float("inf"))
    wait_until(app, lambda: scene.session.player is None)
    assert any("the model file vanished" in t.message for t in app.toasts.items)
    assert (
        scene.session.match.played == 3 and not scene.session.match.done
    )  # the rounds played are shown
    assert app.run_frames(5) == 5  # and the screen carries on
