"""Expert race lap and cruise lap per shipped track (the figures the README reports).

    python -m bench.race_laps [--laps 2] [--seeds 0 1 ... 19]

Race: the racing expert (pure-pursuit steering, throttle and brakes from the grip-limited
speed profile); cruise: the lane-keeping expert at the 12 m/s cruise. The first lap starts
from a standstill; "flying lap" is the best of the later ones. Also checks the racing expert
on generated tracks (interventions must stay 0).
"""

from __future__ import annotations

import argparse
import time

from agents.driving.evaluate import compare_table, run_driver
from agents.driving.expert import ExpertDriver
from agents.driving.racing import RacingExpert
from game.sim.tracks_catalog import list_tracks, resolve_track


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--laps", type=int, default=2)
    parser.add_argument("--seeds", type=int, nargs="*", default=list(range(20)))
    args = parser.parse_args(argv)

    start = time.perf_counter()
    rows = []
    for spec in list_tracks():
        track = resolve_track(spec)
        race = run_driver(RacingExpert(), track, args.laps, mode="race")
        cruise = run_driver(ExpertDriver(), track, args.laps, mode="race")
        laps = race.lap_times_s or ()
        c_laps = cruise.lap_times_s or ()
        rows.append({
            "track": track.name, "length_m": round(track.length),
            "race_lap1_s": laps[0] if laps else None,
            "race_flying_s": min(laps[1:]) if len(laps) > 1 else None,
            "cruise_lap1_s": c_laps[0] if c_laps else None,
            "cruise_flying_s": min(c_laps[1:]) if len(c_laps) > 1 else None,
            "race_interventions": race.interventions,
            "race_max_offset_m": race.max_abs_offset_m,
        })  # fmt: skip
    print(f"## Expert race lap vs cruise lap ({args.laps} laps, standing start)\n")
    print(compare_table(rows))

    dirty = []
    for seed in args.seeds:
        r = run_driver(RacingExpert(), resolve_track(f"gen:{seed}"), 1, mode="race")
        if r.interventions or r.laps_completed < 1:
            dirty.append(f"gen:{seed} ({r.interventions} interventions)")
    print(
        f"\nRacing expert on {len(args.seeds)} generated tracks: "
        + ("all clean (0 interventions)" if not dirty else "NOT clean: " + ", ".join(dirty))
    )
    print(f"({time.perf_counter() - start:.1f} s)")
    return 0 if not dirty else 1


if __name__ == "__main__":
    raise SystemExit(main())
