"""Expert driver quality per track: laps, interventions, autonomy and lane offset.

    python -m bench.expert [--laps 3] [--seeds 0 1 2 3 4]

Drives every shipped track and a few generated ones with the ground-truth expert and prints a
markdown table (the figures the README reports), plus the simulated steps per second.
"""

from __future__ import annotations

import argparse
import time

from agents.driving.evaluate import compare_table, run_driver
from agents.driving.expert import ExpertDriver
from game.sim.tracks_catalog import list_tracks, resolve_track


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--laps", type=int, default=3)
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2, 3, 4])
    args = parser.parse_args(argv)

    rows = []
    steps = 0
    start = time.perf_counter()
    for spec in list_tracks() + [f"gen:{s}" for s in args.seeds]:
        track = resolve_track(spec)
        r = run_driver(ExpertDriver(), track, args.laps)
        steps += round(r.elapsed_s * 60)
        rows.append({
            "track": track.name, "length_m": round(track.length),
            "min_radius_m": f"{track.min_radius:.1f}", "laps": r.laps_completed,
            "interventions": r.interventions, "autonomy_pct": r.autonomy_pct,
            "mean_abs_offset_m": f"{r.mean_abs_offset_m:.3f}",
            "max_abs_offset_m": f"{r.max_abs_offset_m:.3f}",
        })  # fmt: skip
    seconds = time.perf_counter() - start
    print(f"## Expert driver, {args.laps} laps per track at 12 m/s cruise\n")
    print(compare_table(rows))
    print(
        f"\n{steps} sim steps with the expert steering in {seconds:.1f} s "
        f"({steps / seconds:,.0f} steps/s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
