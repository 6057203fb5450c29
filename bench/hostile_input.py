"""Hostile-input figures (issue 7): big tracks, a very long RPS match, a huge data.txt line.

    python -m bench.hostile_input [--points 20000 100000 200000] [--rounds 1000000]

Prints markdown tables: seconds to validate a track of N points (a circle with a point every
0.24 m, about the densest loop the caps allow, and the same with a tiny crossing 90 % of the
way round), and the peak Python-heap growth (tracemalloc) of a streamed `rps-match` and of
importing 50 MB of data.txt.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from game.sim.track import build_track


def loop(n: int, spacing_m: float = 0.24, crossing: bool = False) -> np.ndarray:
    r = n * spacing_m / (2 * np.pi)
    a = np.linspace(0, 2 * np.pi, n, endpoint=False)
    pts = np.stack([r * np.cos(a), r * np.sin(a)], axis=1)
    if crossing:  # swap two neighbours far into the loop: a tiny bow-tie crossing
        i = n - n // 10
        pts[[i, i + 1]] = pts[[i + 1, i]]
    return pts


def time_validation(n: int, crossing: bool) -> tuple[float, str]:
    t = time.perf_counter()
    try:
        build_track(f"{n} points", loop(n, crossing=crossing))
        outcome = "valid"
    except Exception as e:  # noqa: BLE001 - the message is the figure
        outcome = str(e).split(": ", 1)[-1][:60]
    return time.perf_counter() - t, outcome


def heap_peak_mb(fn) -> tuple[float, float]:
    tracemalloc.start()
    t = time.perf_counter()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6, time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, nargs="+", default=[20_000, 100_000, 200_000])
    parser.add_argument("--rounds", type=int, default=1_000_000)
    args = parser.parse_args(argv)

    print("| track points | crossing | validate s | result |")
    print("|---|---|---|---|")
    for n in args.points:
        for crossing in (False, True):
            secs, outcome = time_validation(n, crossing)
            print(f"| {n:,} | {'yes' if crossing else 'no'} | {secs:.2f} | {outcome} |")

    from agents.rps import make_agent
    from agents.rps.games import import_data_txt
    from game.sim.rps import Match

    def long_match() -> None:
        m = Match(
            make_agent("frequency", seed=0),
            make_agent("rotate", seed=1),
            args.rounds,
            keep_history=False,
        )
        while not m.done:
            m.play_rounds(10_000)

    print("\n| streamed job | size | peak heap MB | s |")
    print("|---|---|---|---|")
    peak, secs = heap_peak_mb(long_match)
    print(f"| rps-match frequency vs rotate | {args.rounds:,} rounds | {peak:.1f} | {secs:.1f} |")
    with tempfile.TemporaryDirectory() as tmp:
        from game.errors import UserFacingError
        from game.paths import set_home

        set_home(Path(tmp) / "home")  # the import goes to a throw-away user folder
        one_line = Path(tmp) / "one-line.txt"
        one_line.write_text("012" * (50_000_000 // 3) + "\n")  # refused: over 10^6 moves
        many = Path(tmp) / "many.txt"
        many.write_text(("012" * 333_333 + "\n") * 50)  # 50 games of ~10^6 moves

        def try_import(path: Path) -> None:
            try:
                import_data_txt(path)
            except UserFacingError:
                pass  # the figure is the memory it took to find out

        for label, path in (("one 50 MB line (refused)", one_line), ("50 games, 50 MB", many)):
            peak, secs = heap_peak_mb(lambda p=path: try_import(p))
            print(f"| rps-import, {label} | 50 MB | {peak:.1f} | {secs:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
