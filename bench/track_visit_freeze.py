"""The worst frame on a first visit to a track: does changing track freeze the window?

    python -m bench.track_visit_freeze [--tracks norisring brands_hatch spielberg] [--cold]

Runs the real App headless (SDL dummy video driver). Two ways of reaching a track, each in
a fresh process state per track (the in-memory raster cache starts empty):
- "open": the Drive screen opened on the track (the app's push, timed as one frame);
- "N key": on the Drive screen on the Oval, the track requested as N does, then every frame
  timed until it is installed and 60 frames more.
`--cold` empties the raster disk cache first (a first visit ever); without it the cache
filled by an earlier run is used, as on a user's second start (the game fills it for the shipped
tracks in the background when it starts). Target: no frame over 200 ms. On a busy machine the
wall-clock times measure waiting for a core; the CPU column is the opening's own work.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from game.app import SIM_DT, App  # noqa: E402
from game.paths import user_dir  # noqa: E402
from game.sim import raster  # noqa: E402

MAX_FRAMES = 60 * 30  # a load that takes longer than 30 s counts as a failure


def open_ms(spec: str) -> tuple[float, float]:
    """(wall ms, this thread's CPU ms) the app spends opening the Drive screen on `spec` and
    drawing its first frame."""
    raster.forget_cached()
    app = App(headless=True)
    try:
        app.push("menu")
        start, start_cpu = time.perf_counter(), time.thread_time()
        app.push("drive", track=spec)
        app.frame([], SIM_DT)
        return (time.perf_counter() - start) * 1000.0, (time.thread_time() - start_cpu) * 1000.0
    finally:
        app.close()


def switch_worst_ms(spec: str) -> tuple[float, float, int]:
    """(worst frame wall ms, most CPU ms of one frame, frames) from requesting `spec` on the
    Drive screen until it drives."""
    app = App(headless=True)
    try:
        app.push("menu")
        scene = app.push("drive", track="oval")
        raster.forget_cached()
        scene.session.request_track(spec)
        worst, worst_cpu, frames, after = 0.0, 0.0, 0, 0
        while frames < MAX_FRAMES and after < 60:
            start, start_cpu = time.perf_counter(), time.thread_time()
            app.frame([], SIM_DT)
            worst = max(worst, (time.perf_counter() - start) * 1000.0)
            worst_cpu = max(worst_cpu, (time.thread_time() - start_cpu) * 1000.0)
            frames += 1
            after += scene.session.pending is None
        return worst, worst_cpu, frames
    finally:
        app.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tracks", nargs="+", default=["norisring", "brands_hatch", "spielberg"])
    ap.add_argument("--cold", action="store_true", help="empty the raster disk cache first")
    args = ap.parse_args(argv)
    home = os.environ.setdefault("NEURAL_ARCADE_HOME", tempfile.mkdtemp(prefix="bench-visit-"))
    print(f"user folder: {home}")
    print(
        "| track | cache | open Drive on it, ms | its CPU ms | N key: worst frame ms "
        "| its CPU ms | frames to drive |"
    )
    print("|---|---|---|---|---|---|---|")
    for spec in args.tracks:
        if args.cold:
            shutil.rmtree(user_dir("cache"), ignore_errors=True)
        state = "cold" if args.cold else "warm"
        opened, opened_cpu = open_ms(spec)
        if args.cold:
            shutil.rmtree(user_dir("cache"), ignore_errors=True)
        worst, worst_cpu, frames = switch_worst_ms(spec)
        print(
            f"| {spec} | {state} | {opened:.0f} | {opened_cpu:.0f} | {worst:.0f} "
            f"| {worst_cpu:.0f} | {frames} |"
        )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nload average during the run: {load:.1f} on {os.cpu_count()} cores")
    print("target: no frame over 200 ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
