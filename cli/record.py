"""CLI: `record` (headless expert recording) and `sessions` (list recorded sessions)."""

from __future__ import annotations

import argparse

from cli import argtypes
from game.errors import UserFacingError
from game.textfmt import plural


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Registers this module's subcommands."""
    p = sub.add_parser(
        "record",
        help="record driving data headless (dashcam frames + log.csv + meta.json)",
        description="Drive with the expert and record a session folder. With recovery views "
        "(default) each sample also saves displaced/yawed camera views labelled with the "
        "expert's corrective steering.",
    )
    p.add_argument("--driver", default="expert", choices=["expert"], help="who drives")
    p.add_argument("--track", required=True, help="shipped track name, JSON file, or gen:SEED")
    p.add_argument("--laps", type=argtypes.count, default=1, help="laps to drive (default 1)")
    p.add_argument(
        "--out",
        help="the session folder to write (default: a new folder under the user's recordings)",
    )
    p.add_argument(
        "--headless",
        action="store_true",
        help="run without a window (the only mode for now; accepted for clarity)",
    )
    p.add_argument("--look", default="day", help="dashcam look: day, dusk, ... or mixed")
    p.add_argument(
        "--no-recovery",
        dest="recovery",
        action="store_false",
        help="save only the normal dashcam frames",
    )
    p.add_argument(
        "--rate", type=argtypes.rate_hz, default=20.0, help="samples per simulated second"
    )
    p.add_argument(
        "--seed", type=argtypes.seed, default=0, help="seed for looks and recovery views"
    )
    p.set_defaults(handler=run_record)

    s = sub.add_parser("sessions", help="list recorded sessions with their frame counts")
    s.add_argument("root", nargs="?", help="folder holding sessions (default: user recordings)")
    s.set_defaults(handler=run_sessions)


def run_record(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from agents.driving.expert_recorder import ExpertRecording, record_expert
    from game.sim.dashcam import LOOKS
    from game.sim.tracks_catalog import resolve_track

    if args.rate <= 0:
        raise UserFacingError(f"--rate must be positive, got {args.rate}")
    if args.look != "mixed" and args.look not in LOOKS:
        raise UserFacingError(f"unknown --look {args.look!r}; choose {', '.join(LOOKS)} or mixed")
    if args.laps < 1:
        raise UserFacingError(f"--laps must be at least 1, got {args.laps}")
    track = resolve_track(args.track)
    out = args.out
    if out is None:
        from agents.driving.recording_writer import new_session_dir

        out = new_session_dir(track.name)
    with tqdm(
        total=round(args.laps * track.length),
        unit="m",
        desc=f"recording {track.name}",
        dynamic_ncols=True,
    ) as bar:

        def progress(done_m: float, total_m: float) -> None:
            bar.update(max(round(done_m) - bar.n, 0))

        recipe = ExpertRecording(
            track,
            args.laps,
            out,
            look=args.look,
            rate_hz=args.rate,
            seed=args.seed,
            recovery=args.recovery,
        )
        summary = record_expert(recipe, progress)
    print(
        f"wrote {plural(summary.frames, 'frame')} ({summary.expert_frames} expert, "
        f"{summary.recovery_frames} recovery) to {summary.out_dir}; "
        f"laps {summary.laps_completed}, interventions {summary.interventions}, "
        f"mean |offset| {summary.mean_abs_offset_m:.3f} m"
    )
    return 0


SESSION_PROBLEMS_SHOWN = 3  # per session; the rest are counted


def run_sessions(args: argparse.Namespace) -> int:
    from agents.driving.recording_reader import list_sessions

    sessions = list_sessions(args.root)
    if not sessions:
        print("no sessions found")
        return 0
    for s in sessions:
        if s.error:
            # One unreadable session is reported on its line; the others still list.
            print(f"{s.path}  unreadable: {s.error}")
            continue
        sources = ", ".join(f"{k} {v}" for k, v in sorted(s.sources.items()))
        skipped = f"  ({s.skipped} skipped)" if s.skipped else ""
        frames = plural(s.frames, "frame")
        print(f"{s.path}  {frames}  track {s.track}  look {s.look}  [{sources}]{skipped}")
        for problem in s.problems[:SESSION_PROBLEMS_SHOWN]:
            print(f"    {problem}")
        if len(s.problems) > SESSION_PROBLEMS_SHOWN:
            print(f"    ... and {len(s.problems) - SESSION_PROBLEMS_SHOWN} more")
    return 0
