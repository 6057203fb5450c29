"""Does the grid slot decide a race? The Race rules (game.sessions.race_run) measured headless.

    python -m bench.race_grid [--model models/pilotnet.h5] [--laps 2] [--tracks oval ...]

1. Four identical racing experts per track, pole to 4th: each slot's race time (from the green
   light, so a car further back has further to go) and the spread of their best (flying) laps,
   which must stay under 0.1 s.
2. The racing expert and the model on Oval, 1 and 3 laps, in both grid orders: the same rules
   and the same code as the Race screen and `main.py race`.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from agents.driving.evaluate import compare_table  # noqa: E402
from agents.driving.racing import RacingExpert  # noqa: E402
from game.sessions.race_run import CarResult, Race  # noqa: E402
from game.sim.tracks_catalog import list_tracks, resolve_track  # noqa: E402

MAX_SPREAD_S = 0.1
MAX_STEPS = 60 * 60 * 10  # ten simulated minutes: a race that is not done by then is reported


def run(track: str, laps: int, cars: list[tuple[str, object]]) -> list[CarResult]:
    race = Race(resolve_track(track), laps, cars)
    for _ in range(MAX_STEPS):
        if race.finished:
            break
        race.step()
    return race.results()


def identical_cars(tracks: list[str], laps: int) -> tuple[list[dict], bool]:
    rows, ok = [], True
    for spec in tracks:
        results = sorted(
            run(spec, laps, [(f"racer {i + 1}", RacingExpert()) for i in range(4)]),
            key=lambda r: r.grid_slot,
        )
        bests = [r.best_lap_s for r in results]
        spread = max(bests) - min(bests) if None not in bests else None
        in_order = [r.position for r in results] == [1, 2, 3, 4]
        ok &= spread is not None and spread < MAX_SPREAD_S and in_order
        rows.append({
            "track": spec, "laps": laps,
            **{f"slot{r.grid_slot}_race_s": r.race_time_s for r in results},
            "finish_order": "grid" if in_order else "NOT grid",
            "best_lap_s": min(bests) if spread is not None else None,
            "best_lap_spread_s": spread,
        })  # fmt: skip
    return rows, ok


def head_to_head(model: str) -> list[dict]:
    from agents.driving.cnn_driver import CnnDriver

    rows = []
    for laps in (1, 3):
        for model_first in (False, True):
            cars = [("Expert", RacingExpert()), ("model", CnnDriver(model))]
            if model_first:
                cars.reverse()
            for r in run("oval", laps, cars):
                rows.append({
                    "laps": laps, "grid": r.grid_slot, "driver": r.driver,
                    "position": r.position, "race_time_s": r.race_time_s,
                    "best_lap_s": r.best_lap_s, "penalties": r.penalties,
                })  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/pilotnet.h5")
    parser.add_argument("--laps", type=int, default=2, help="laps for the identical cars")
    parser.add_argument("--tracks", nargs="*", default=None, help="default: every shipped one")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    rows, ok = identical_cars(args.tracks or list_tracks(), args.laps)
    print("## Four identical racing experts, pole to 4th (race time from the green light)\n")
    print(compare_table(rows))
    print(f"\nbest laps within {MAX_SPREAD_S} s and finish in grid order: {'yes' if ok else 'NO'}")
    print(f"\n## The racing expert against {args.model} on Oval, both grid orders\n")
    print(compare_table(head_to_head(args.model)))
    print(f"\n({time.perf_counter() - t0:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
