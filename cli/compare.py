"""CLI: `compare` several CNN models with the expert on several tracks (the library is
agents/driving/compare.py)."""

from __future__ import annotations

import argparse
import json
import os

from cli import argtypes
from game.errors import UserFacingError


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Registers `compare`."""
    p = sub.add_parser(
        "compare",
        help="evaluate CNN models next to the expert on several tracks",
        description="Drive each model and the expert on each track and print a table: "
        "autonomy %%, mean and max |offset|, laps completed, interventions, inference ms.",
    )
    p.add_argument("--model", nargs="+", required=True, metavar="PATH", help=".h5 model files")
    p.add_argument(
        "--track", nargs="+", required=True, metavar="T", help="track names, JSON files or gen:SEED"
    )
    p.add_argument("--laps", type=argtypes.count, default=1, help="laps per run (default 1)")
    p.add_argument("--seed", type=argtypes.seed, default=0, help="dashcam texture seed")
    p.add_argument("--look", default="day", help="dashcam look (default day)")
    p.add_argument(
        "--jobs", type=int, default=1, help="worker processes (default 1; one per core is best)"
    )
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.set_defaults(handler=run_compare)


def run_compare(args: argparse.Namespace) -> int:
    from agents.driving.compare import compare_jobs, run_jobs
    from agents.driving.evaluate import compare_table
    from game.sim.tracks_catalog import resolve_track

    if args.laps < 1:
        raise UserFacingError(f"--laps must be at least 1, got {args.laps}")
    if args.jobs < 1:
        raise UserFacingError(f"--jobs must be at least 1, got {args.jobs}")
    for path in args.model:
        if not os.path.isfile(path):
            raise UserFacingError(f"{path}: model file not found")
    for spec in args.track:
        resolve_track(spec)  # fail fast on a bad track name, before any worker starts
    jobs = compare_jobs(args.model, args.track, args.laps, args.seed, args.look)
    rows = [row.to_json() for row in run_jobs(jobs, processes=args.jobs, progress=not args.json)]
    print(json.dumps(rows, indent=2) if args.json else compare_table(rows))
    return 0
