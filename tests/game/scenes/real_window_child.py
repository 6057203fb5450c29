"""Run by tests/game/scenes/test_real_window.py in its own process, in a real window (DISPLAY set):
Autopilot loads TensorFlow in its worker while frames are drawn and then drives; the RPS
Arena loads the LSTM the same way and plays rounds. Prints one JSON line of what happened.
A crash in SDL/TensorFlow kills this process with a signal, which the test reports."""

from __future__ import annotations

import json
import sys
import time

import pygame

from game.app import App
from game.sessions.rps import Phase

TIMEOUT_S = 240.0


def key_event(k: int) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0)


def play_until(app: App, done, seconds_after: float = 0.0) -> int:
    """Real-time frames (as App.run does) until done(), then `seconds_after` more."""
    frames, last = 0, time.perf_counter()
    deadline = time.monotonic() + TIMEOUT_S
    end: float | None = None
    while True:
        if end is None and done():
            end = time.monotonic() + seconds_after
        if end is not None and time.monotonic() >= end:
            return frames
        if time.monotonic() > deadline:
            raise TimeoutError("timed out waiting for a screen's worker")
        app.clock.tick(60)
        now = time.perf_counter()
        app.frame(pygame.event.get(), now - last)
        last, frames = now, frames + 1


def main() -> int:
    report: dict = {}
    app = App(headless=False)
    report["video_driver"] = pygame.display.get_driver()
    app.push("menu")

    autopilot = app.push("autopilot", track="gen:5100")
    pilot = autopilot.session
    report["autopilot_frames_while_loading"] = play_until(app, lambda: not pilot.loading.busy)
    report["autopilot_error"] = pilot.error
    report["autopilot_frames_driving"] = play_until(app, lambda: True, seconds_after=3.0)
    report["autopilot_progress_m"] = float(pilot.world.metrics.progress)
    report["autopilot_inference_ms"] = pilot.median_inference_ms

    arena = app.replace("rps-arena", opponent="lstm", seed=1)
    report["arena_frames_while_loading"] = play_until(app, lambda: arena.session.loader is None)
    for k in (pygame.K_r, pygame.K_p, pygame.K_s, pygame.K_r):
        pygame.event.post(key_event(k))
        play_until(app, lambda: arena.session.phase != Phase.READY)
        play_until(app, lambda: arena.session.phase == Phase.READY)
    report["arena_rounds"] = len(arena.session.rounds)
    report["crash_logs"] = [str(p) for p in app.crash_logs]
    app.close()
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
