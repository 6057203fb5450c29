"""CLI: `evaluate` (score a driver headless), `tracks`, `track-check`, `track-gen`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cli import argtypes
from game.errors import UserFacingError

TRACK_HELP = "shipped track name, path to a track JSON file, or gen:SEED"


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Registers this module's subcommands."""
    e = sub.add_parser(
        "evaluate",
        help="drive a track headless with a driver and print its score",
        description="Drive N laps without a window and report laps, interventions, autonomy "
        "(NVIDIA's PilotNet formula) and lane-offset statistics.",
    )
    e.add_argument("--driver", default="expert", help="who drives: expert, ... (default expert)")
    e.add_argument("--model", help="model file, for drivers that need one")
    e.add_argument("--track", required=True, help=TRACK_HELP)
    e.add_argument("--laps", type=argtypes.count, default=3, help="laps to drive (default 3)")
    e.add_argument(
        "--seed", type=argtypes.seed, default=0, help="seed for the dashcam's texture noise"
    )
    e.add_argument(
        "--look",
        default="day",
        help="dashcam look for camera drivers: day, dusk, ... (default day)",
    )
    e.add_argument(
        "--mode",
        default="cruise",
        help="cruise: lane keeping at cruise speed (default); race: the expert races with "
        "throttle and brakes, and lap times are reported",
    )
    e.add_argument("--json", action="store_true", help="print one JSON object")
    e.set_defaults(handler=run_evaluate)

    t = sub.add_parser("tracks", help="list the shipped tracks with length and tightest bend")
    t.set_defaults(handler=run_tracks)

    c = sub.add_parser("track-check", help="validate a track JSON file")
    c.add_argument("file", help="track JSON file")
    c.set_defaults(handler=run_track_check)

    g = sub.add_parser("track-gen", help="write a procedurally generated track to a JSON file")
    g.add_argument("seed", type=argtypes.seed, help="generator seed (same seed, same track)")
    g.add_argument("--out", required=True, help="JSON file to write")
    g.add_argument("--force", action="store_true", help="overwrite an existing file")
    g.set_defaults(handler=run_track_gen)


def run_evaluate(args: argparse.Namespace) -> int:
    from agents.driving.drivers import make_driver
    from agents.driving.evaluate import MODES, compare_table, run_driver
    from game.sim.dashcam import LOOKS
    from game.sim.tracks_catalog import resolve_track

    # Checked here rather than with argparse choices, which would load numpy at startup.
    if args.look not in LOOKS:
        raise UserFacingError(f"unknown --look {args.look!r}; choose one of {', '.join(LOOKS)}")
    mode = getattr(args, "mode", "cruise")  # callers building a Namespace may leave it out
    if mode not in MODES:
        raise UserFacingError(f"unknown --mode {mode!r}; choose one of {', '.join(MODES)}")
    if args.laps < 1:
        raise UserFacingError(f"--laps must be at least 1, got {args.laps}")
    track = resolve_track(args.track)
    kwargs = {"model_path": args.model} if args.model else {}
    name = args.driver
    if mode == "race" and name.lower() == "expert":
        name = "racer"  # the expert's race pace: the same steering with throttle and brakes
    driver = make_driver(name, **kwargs)
    if args.json:
        result = run_driver(
            driver, track, args.laps, seed=args.seed, look=args.look, mode=mode
        )
        print(json.dumps(result.to_json()))
        return 0

    from tqdm import tqdm

    total = round(args.laps * track.length)
    with tqdm(
        total=total, unit="m", desc=f"{driver.name} on {track.name}", dynamic_ncols=True
    ) as bar:

        def progress(world, steering, frame) -> None:
            if world.steps % 60 == 0:  # once a simulated second keeps the bar cheap
                bar.update(max(min(round(world.metrics.progress), total) - bar.n, 0))

        result = run_driver(
            driver,
            track,
            args.laps,
            seed=args.seed,
            look=args.look,
            on_step=progress,
            mode=mode,
        )
        if result.laps_completed >= args.laps:
            bar.update(total - bar.n)
    print(compare_table([{"driver": driver.name, **result.to_json()}]))
    return 0


def run_tracks(args: argparse.Namespace) -> int:
    """Shipped tracks, then the user's own; a bad file is listed with its problem."""
    from agents.driving.evaluate import compare_table
    from game.sim.tracks_catalog import track_entries

    rows, problems = [], []
    for entry in track_entries(user=True):
        if entry.track is None:
            problems.append(f"{entry.spec}: {entry.error}")
            continue
        t = entry.track
        rows.append(
            {
                "track": entry.spec,
                "name": t.name,
                "length_m": round(t.length),
                "min_radius_m": f"{t.min_radius:.1f}",
                "from": "shipped" if entry.shipped else "yours",
            }
        )
    print(compare_table(rows, markdown=False))
    for line in problems:
        print(f"unusable: {line}")
    return 0


def run_track_check(args: argparse.Namespace) -> int:
    from game.sim.track import load_track_file

    t = load_track_file(args.file)
    print(
        f"OK: {args.file}: {t.name!r}, {t.length:.0f} m, tightest bend radius {t.min_radius:.1f} m"
    )
    return 0


def run_track_gen(args: argparse.Namespace) -> int:
    from game.fileio import atomic_write_text
    from game.sim.trackgen import generate_track

    if args.seed < 0:
        raise UserFacingError(f"the seed must not be negative, got {args.seed}")
    out = Path(args.out)
    if out.is_dir():
        raise UserFacingError(
            f"{out} is a folder; --out needs a file name, e.g. {out / 'track.json'}"
        )
    if out.exists() and not args.force:
        raise UserFacingError(f"{out} already exists; pass --force to overwrite it")
    if not out.parent.is_dir():
        raise UserFacingError(f"{out.parent}: no such folder")
    track = generate_track(args.seed)
    # Atomic: a half-written file never takes the place of a good one.
    atomic_write_text(out, json.dumps(track.to_json(), indent=1) + "\n")
    print(f"wrote {out}: {track.name}, {track.length:.0f} m")
    return 0
