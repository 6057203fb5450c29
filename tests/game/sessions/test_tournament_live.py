"""The tournament's matrix fills in live: each match's result reaches the session (and so the
screen) as soon as that match ends, while the rest are still being played. Also: `lstm` is
ticked by default and every registered kind can be ticked."""

from __future__ import annotations

import threading
import time

import numpy as np

from agents.rps import tournament as tournament_mod
from game.sessions.tournament import DEFAULT_PICK, TournamentSession


def settle(session, done, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out waiting for the tournament"
        session.update()
        time.sleep(0.002)


def test_each_match_reaches_the_screen_while_the_others_are_played(monkeypatch):
    release = threading.Event()
    real_play = tournament_mod._play
    started: list[int] = []

    def gated_play(a, b, rounds, cancel):
        started.append(1)
        if len(started) >= 2:  # the second match waits until the test has looked
            assert release.wait(20), "the test never released the match"
        return real_play(a, b, rounds, cancel)

    monkeypatch.setattr(tournament_mod, "_play", gated_play)
    t = TournamentSession(agents=["rock", "rotate", "beat-last"], rounds=50)
    assert t.start()
    settle(t, lambda: t.result is not None)
    live = t.result
    assert t.running and not live.complete  # shown while the second match is still on
    assert live.net[0, 1] == -live.net[1, 0] and not np.isnan(live.net[0, 1])  # rock v rotate
    assert np.isnan(live.net[0, 2]) and np.isnan(live.net[1, 2])  # not played yet
    assert t.note() == "running: 1 of 3 matches"
    release.set()
    settle(t, lambda: not t.running)
    assert t.result.complete and not np.isnan(t.result.net).any() and t.note() == ""
    assert t.result.net[2, 0] > 40  # Beat Last Move plays paper against Good Ole Rock


def test_lstm_is_ticked_by_default_and_every_kind_can_be_ticked():
    from game.sessions.rps_agents import agent_kind

    t = TournamentSession()
    assert "lstm" in DEFAULT_PICK and "lstm" in t.selected
    kinds = {agent_kind(n) for n in t.names}
    assert {"bot", "predictor", "meta", "lstm"} <= kinds
    order = [agent_kind(n) for n in t.names]
    assert order == sorted(order, key=lambda k: [*dict.fromkeys(order)].index(k))  # grouped
    for kind in kinds:  # one agent of each kind joins the tournament
        name = next(n for n in reversed(t.names) if agent_kind(n) == kind)
        if name not in t.selected:
            t.toggle(t.names.index(name))
        assert name in t.chosen()
