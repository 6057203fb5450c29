"""Sound start-up and per-frame cost (issue 9, item 7: synthesis at start-up < 100 ms).

    python -m bench.audio [--repeats 5]

Times game.audio.synthesise (every one-shot, the engine bank and the squeal loop, uncached)
at 44.1 and 22.05 kHz, then the per-call cost of the calls a screen makes each sim step
(set_engine, set_squeal, play) on the mixer (SDL dummy audio driver unless one is set).
Prints a markdown table; medians over --repeats runs.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from game import synth  # noqa: E402
from game.audio import Audio, synthesise  # noqa: E402
from game.settings import Settings  # noqa: E402


def synth_ms(rate: int, repeats: int) -> tuple[float, float]:
    """(median, max) ms to synthesise every sound at `rate`, caches cleared each time."""
    times = []
    for _ in range(repeats):
        synthesise.cache_clear()
        synth._engine_noise.cache_clear()
        t = time.perf_counter()
        synthesise(rate)
        times.append((time.perf_counter() - t) * 1000)
    return float(np.median(times)), float(np.max(times))


def call_us(audio: Audio, calls: int = 600) -> dict[str, float]:
    """Mean microseconds per call, a 10 s drive's worth of 60 Hz steps."""
    speeds = np.linspace(0.0, 30.0, calls)
    out = {}
    t = time.perf_counter()
    for v in speeds:
        audio.set_engine(float(v), 0.7)
    out["set_engine (rate-limited)"] = (time.perf_counter() - t) / calls * 1e6
    t = time.perf_counter()
    for i, v in enumerate(speeds):
        audio.set_engine(float(v), 0.7, now=1e9 + i)  # every call is applied
    out["set_engine (each applied)"] = (time.perf_counter() - t) / calls * 1e6
    t = time.perf_counter()
    for i in range(calls):
        audio.set_squeal((i % 10) / 10)
    out["set_squeal"] = (time.perf_counter() - t) / calls * 1e6
    t = time.perf_counter()
    for _ in range(calls):
        audio.play("move")
    out["play"] = (time.perf_counter() - t) / calls * 1e6
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    print("| what | median | max |")
    print("|---|---|---|")
    for rate in (44100, 22050):
        med, top = synth_ms(rate, max(1, args.repeats))
        print(f"| synthesise every sound at {rate} Hz | {med:.1f} ms | {top:.1f} ms |")
    audio = Audio(Settings())
    t = time.perf_counter()
    opened = audio.open()
    open_ms = (time.perf_counter() - t) * 1000
    print(f"| open the mixer + make Sounds (cached synthesis) | {open_ms:.1f} ms | |")
    if not opened:
        print("\n(no audio device: per-call costs skipped)")
        return 0
    try:
        for name, us in call_us(audio).items():
            print(f"| {name} | {us:.1f} us/call | |")
    finally:
        audio.close()
    print(f"\n(engine bank: {len(synth.engine_pitches())} pitches; driver: "
          f"{os.environ.get('SDL_AUDIODRIVER')})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
