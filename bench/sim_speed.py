"""Driving-sim speed on ONE core: sim steps/s without the camera, and dashcam frames/s.

    python -m bench.sim_speed [--tracks gen:1 spielberg] [--steps 60000] [--frames 2000]

Targets (issue 2): >= 20,000 sim steps/s and >= 500 dashcam frames/s. Prints a markdown table.
"""

from __future__ import annotations

import os

# One core, one thread: set before numpy is imported so BLAS/OpenMP pools stay single-threaded.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from game.sim.car import steering_for_curvature  # noqa: E402
from game.sim.dashcam import Dashcam  # noqa: E402
from game.sim.tracks_catalog import resolve_track  # noqa: E402
from game.sim.world import World  # noqa: E402


def pin_to_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def sim_steps_per_s(track, steps: int) -> tuple[float, int]:
    """World.step rate with a trivial lane-keeping controller (so the car stays on the road)."""
    world = World(track, start_speed=12.0)
    curvature = track.curvature
    params = world.car.params
    start = time.perf_counter()
    for _ in range(steps):
        m = world.metrics
        kappa = float(curvature[int(m.s) % len(curvature)])
        steer = steering_for_curvature(kappa, params) - 0.4 * m.offset - 1.0 * m.heading_error
        world.step(steer)
    return steps / (time.perf_counter() - start), world.interventions


def dashcam_frames_per_s(track, frames: int, look: str) -> tuple[float, float]:
    """(frames/s, raster+camera set-up seconds) rendering poses spread round the lane."""
    start = time.perf_counter()
    cam = Dashcam(track, look=look)
    setup = time.perf_counter() - start
    poses = [track.lane_center(s) for s in np.linspace(0.0, track.length, frames, endpoint=False)]
    for pose in poses[:50]:
        cam.render(*pose)  # warm caches
    start = time.perf_counter()
    for pose in poses:
        cam.render(*pose)
    return frames / (time.perf_counter() - start), setup


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tracks", nargs="+", default=["gen:1", "spielberg"])
    ap.add_argument("--steps", type=int, default=60_000, help="sim steps per track")
    ap.add_argument("--frames", type=int, default=2_000, help="dashcam frames per track")
    ap.add_argument("--look", default="day")
    args = ap.parse_args(argv)
    pin_to_one_core()
    print(
        "| track | length m | sim steps/s (no camera) | dashcam frames/s | dashcam set-up s "
        "| raster texel m | raster MB |"
    )
    print("|---|---|---|---|---|---|---|")
    for spec in args.tracks:
        track = resolve_track(spec)
        rate, _ = sim_steps_per_s(track, args.steps)
        fps, setup = dashcam_frames_per_s(track, args.frames, args.look)
        raster = Dashcam(track).raster  # cached: free
        print(
            f"| {track.name} | {track.length:.0f} | {rate:,.0f} | {fps:,.0f} | {setup:.2f} "
            f"| {raster.res:.3f} | {raster.nbytes / 1e6:.1f} |"
        )
    print("\ntargets: sim >= 20,000 steps/s, dashcam >= 500 frames/s (one core, one thread)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
