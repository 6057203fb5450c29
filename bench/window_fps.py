"""Frames per second in a real window (issue 7: 60 FPS at 1280x720 without SDL's OpenGL
framebuffer).

    DISPLAY=:99 python -m bench.window_fps [--seconds 8] [screens ...]

Opens the game as `play` does (a real X11 window, the 60 FPS cap of App.run), lets each
screen run for --seconds after a 2 s warm-up (Autopilot: after its model has loaded) and
prints the frame rate and the time the app's own frame work takes (p50/p99).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("screens", nargs="*", default=["drive", "autopilot"])
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY"):
        parser.error("needs a display: Xvfb :99 & and DISPLAY=:99")
    os.environ.pop("SDL_VIDEODRIVER", None)
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ["NEURAL_ARCADE_HOME"] = tempfile.mkdtemp(prefix="fps-home-")

    import pygame

    from game.app import App

    app = App()
    app.push("menu")
    print(f"video driver: {pygame.display.get_driver()}, window {app.screen.get_size()}")
    print("| screen | FPS | frame work p50 ms | p99 ms |")
    print("|---|---|---|---|")
    for name in args.screens:
        scene = app.push(name, track="oval")
        last = time.perf_counter()
        deadline = time.perf_counter() + 120.0
        warm_until = time.perf_counter() + 2.0
        work: list[float] = []
        frames, start = 0, None
        while True:
            app.clock.tick(60)
            now = time.perf_counter()
            t0 = time.perf_counter()
            app.frame(pygame.event.get(), now - last)
            last = now
            ready = getattr(scene, "loader", None) is None and now >= warm_until
            if start is None and ready:
                start = now
            elif start is not None:
                work.append((time.perf_counter() - t0) * 1000)
                frames += 1
                if now - start >= args.seconds:
                    break
            if now > deadline:
                raise SystemExit(f"{name}: did not get ready in 120 s")
        fps = frames / (time.perf_counter() - start)
        p50, p99 = np.percentile(work, [50, 99])
        print(f"| {name} | {fps:.1f} | {p50:.2f} | {p99:.2f} |", flush=True)
        app.pop()
    app.close()
    print("\ntarget: 60 FPS at 1280x720")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
