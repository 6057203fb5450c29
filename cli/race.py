"""CLI: `race` runs a race headless, with the Race screen's rules (game.sessions.race_run)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from cli import argtypes
from game.errors import UserFacingError

if TYPE_CHECKING:
    from agents.driving.drivers import Driver

DRIVER_HELP = (
    "a car, in grid order (repeat for each car, pole first): racer (the racing expert; "
    "'expert' is the same) or cnn:PATH (a model file)"
)
MAX_CARS = 8  # the screen takes 5 (one per colour); headless only the grid's length limits it
MAX_MINUTES_PER_LAP = 10.0  # a car that has not finished by then is listed as not finished


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Registers this module's subcommand."""
    r = sub.add_parser(
        "race",
        help="race drivers against each other headless and print the standings",
        description="Race without a window, by the Race screen's rules: the cars line up one "
        "behind another in the order given, every car's race time runs from the green light, "
        "best laps are clean flying laps (lap 2 on), and leaving the lane stops the car, holds "
        "it still a moment and spoils the lap. Your best laps (leaderboard) are not touched.",
    )
    r.add_argument("--driver", action="append", required=True, help=DRIVER_HELP)
    r.add_argument("--track", required=True, help="shipped track name, track JSON file or gen:SEED")
    r.add_argument("--laps", type=argtypes.whole(1, 100), default=3, help="laps (default 3)")
    r.add_argument(
        "--seed", type=argtypes.seed, default=0, help="seed for the dashcam's texture noise "
        "(default 0, as on the Race screen)"
    )  # fmt: skip
    r.add_argument("--json", action="store_true", help="print one JSON object")
    r.set_defaults(handler=run_race)


def parse_driver(spec: str) -> str | None:
    """None for the racing expert, the model path for cnn:PATH; else a UserFacingError.
    Checked for every car before any model loads (TensorFlow takes seconds to import)."""
    kind, _, path = spec.partition(":")
    kind, path = kind.strip().lower(), path.strip()
    if kind in ("racer", "expert") and not path:
        return None
    if kind == "cnn" and path:
        if not Path(path).is_file():
            raise UserFacingError(f"{path}: model file not found")
        return path
    raise UserFacingError(f"--driver {spec!r}: use racer, expert or cnn:PATH (a model file)")


def make_car(model: str | None) -> tuple[str, Driver]:
    """(label, driver) for a parsed --driver value."""
    if model is None:
        from agents.driving.racing import RacingExpert

        return "Expert", RacingExpert()
    from agents.driving.cnn_driver import CnnDriver

    return Path(model).stem, CnnDriver(model)


def unique_labels(labels: list[str]) -> list[str]:
    """The same driver twice: "Expert", "Expert 2", ..."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} {seen[label]}")
    return out


def run_race(args: argparse.Namespace) -> int:
    from game.sessions.race_run import GRID_GAP_M, PENALTY_HOLD_S, Race
    from game.sim.car import DT
    from game.sim.tracks_catalog import resolve_track

    if len(args.driver) > MAX_CARS:
        raise UserFacingError(f"at most {MAX_CARS} cars, got {len(args.driver)}")
    models = [parse_driver(spec) for spec in args.driver]
    track = resolve_track(args.track)
    cars = [make_car(model) for model in models]
    labels = unique_labels([label for label, _ in cars])
    race = Race(
        track, args.laps, [(lb, d) for lb, (_, d) in zip(labels, cars, strict=True)], args.seed
    )
    max_steps = round(args.laps * MAX_MINUTES_PER_LAP * 60.0 / DT)
    if args.json:
        for _ in range(max_steps):
            if race.finished:
                break
            race.step()
    else:
        from tqdm import tqdm

        total = len(race.racers) * args.laps
        with tqdm(total=total, unit="lap", desc=f"race on {track.name}", dynamic_ncols=True) as bar:
            for _ in range(max_steps):
                if race.finished:
                    break
                race.step()
                done = sum(len(r.lap_times) for r in race.racers)
                if done != bar.n:
                    bar.update(done - bar.n)
    results = race.results()
    if args.json:
        out = {
            "track": track.name,
            "laps": args.laps,
            "seed": args.seed,
            "race_seconds": round(race.time, 3),
            "cars": [r.to_json() for r in results],
        }
        print(json.dumps(out))
        return 0
    from agents.driving.evaluate import compare_table

    rows = []
    for r in results:
        rows.append({
            "pos": r.position, "grid": r.grid_slot, "driver": r.driver,
            "race_time_s": r.race_time_s if r.finished else (r.retired and "retired" or "DNF"),
            "laps": r.laps, "lap_times_s": " ".join(f"{t:.2f}" for t in r.lap_times_s) or None,
            "best_lap_s": r.best_lap_s, "penalties": r.penalties,
        })  # fmt: skip
    print(compare_table(rows, markdown=False))
    print(
        f"grid {GRID_GAP_M:g} m apart; race time from the green light; best lap: clean flying "
        f"laps (lap 2 on); penalty: left the lane, stopped and held {PENALTY_HOLD_S:g} s, "
        "lap spoiled"
    )
    for r in results:
        if r.retired:
            print(f"{r.driver} retired: {r.retired}")
    return 0
