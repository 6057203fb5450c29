"""How much this machine alone stretches a frame: the same fixed work, timed again and again.

    python -m bench.machine_jitter [--ms 4] [--frames 1200] [--fps 60]

A frame-time p99 measures the code and the machine together. This times a frame's worth of
fixed CPU work (Python and numpy, sized to --ms at the median) that does the same thing
every time, so its p99 / p50 is what the machine (other processes, a virtual CPU shared
with other guests) adds on its own. The frame-time benches print it beside their tables,
paced as they are (with --fps, each frame's work starts on the frame clock and the rest of
the frame is slept, as the game's 60 FPS cap does).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

_A = np.random.default_rng(0).random((96, 96)).astype(np.float32)


def _unit() -> float:
    """~0.1 ms of mixed work: a small matrix product and some Python arithmetic."""
    total = float((_A @ _A)[0, 0])
    for i in range(200):
        total += i * 0.5
    return total


def fixed_work_frames(ms: float, frames: int, fps: float | None = None) -> np.ndarray:
    """Wall-clock ms of `frames` repetitions of fixed work sized to about `ms` each; with
    `fps`, the rest of each 1/fps s is slept."""
    chunks = []  # the median of several chunks: one slow moment must not size the work
    for _ in range(9):
        t0 = time.perf_counter()
        for _ in range(20):
            _unit()
        chunks.append((time.perf_counter() - t0) * 1000.0 / 20)
    per_unit = float(np.median(chunks))
    units = max(1, round(ms / per_unit))
    out = np.empty(frames)
    for i in range(frames):
        start = time.perf_counter()
        for _ in range(units):
            _unit()
        out[i] = (time.perf_counter() - start) * 1000.0
        if fps:
            time.sleep(max(0.0, 1.0 / fps - out[i] / 1000.0))
    return out


def jitter_line(ms: float, frames: int = 1200, fps: float | None = None) -> str:
    """One line for a bench's output: the fixed work's p50 and p99."""
    t = fixed_work_frames(ms, frames, fps)
    p50, p99 = np.percentile(t, [50, 99])
    paced = f", paced at {fps:g} FPS" if fps else ""
    return (
        f"this machine alone: the same fixed work every frame{paced} took p50 {p50:.2f} ms, "
        f"p99 {p99:.2f} ms ({p99 / p50:.1f}x)"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ms", type=float, default=4.0, help="median work per frame")
    ap.add_argument("--frames", type=int, default=1200)
    ap.add_argument("--fps", type=float, default=None, help="pace the frames (sleep the rest)")
    args = ap.parse_args(argv)
    print(jitter_line(args.ms, args.frames, args.fps))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
