"""CLI: `session show|trim|restore|mirror|predict`: what the Studio screen does, from a shell
(the logic is game/sessions/studio.py; the edits format agents/driving/session_edits.py)."""

from __future__ import annotations

import argparse
import json

from cli import argtypes

ROW = argtypes.whole(0, 10**9)
SESSION_HELP = "a session folder, or its name in the user's recordings"
RANGE_HELP = "rows [FROM, TO) of log.csv, row 0 being the first after the header"


def _range_args(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument("--from", dest="start", type=ROW, required=required, metavar="A",
                   help=f"first row; {RANGE_HELP}")  # fmt: skip
    p.add_argument("--to", dest="end", type=ROW, required=required, metavar="B",
                   help="the row after the last one")  # fmt: skip


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Registers `session` and its actions."""
    p = sub.add_parser(
        "session",
        help="look inside a recorded session, soft-delete or mirror rows, predict a model on it",
        description="The Studio screen's functions. Edits go to the session's edits.json "
        "(log.csv and the frames are never changed): deleted rows are left out of training "
        "and can be restored; mirrored rows are trained flipped left-right with their "
        "steering negated.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    s = actions.add_parser("show", help="summary, rows per source, deleted and mirrored ranges")
    s.add_argument("session", help=SESSION_HELP)
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(handler=run_show)
    t = actions.add_parser("trim", help="soft-delete rows [A, B): training skips them")
    t.add_argument("session", help=SESSION_HELP)
    _range_args(t)
    t.set_defaults(handler=run_trim)
    r = actions.add_parser("restore", help="undelete rows [A, B), or every row with --all")
    r.add_argument("session", help=SESSION_HELP)
    _range_args(r, required=False)
    r.add_argument("--all", action="store_true", help="restore every deleted row")
    r.set_defaults(handler=run_restore)
    m = actions.add_parser("mirror", help="train rows [A, B) mirrored (steering negated)")
    m.add_argument("session", help=SESSION_HELP)
    _range_args(m)
    m.add_argument("--off", action="store_true", help="stop mirroring those rows")
    m.set_defaults(handler=run_mirror)
    pr = actions.add_parser(
        "predict",
        help="open-loop error of a model on the session: mean and p95 |steering error|",
        description="Runs the model on every frame and compares its steering with the "
        "recorded one, over the rows that are not deleted (and over [A, B) with --from/--to).",
    )
    pr.add_argument("session", help=SESSION_HELP)
    pr.add_argument("--model", required=True,
                    help="a model name (see `models`) or a path to a .h5 file")  # fmt: skip
    _range_args(pr, required=False)
    pr.add_argument("--json", action="store_true", help="print one JSON object")
    pr.set_defaults(handler=run_predict)


def _print_overview(session, edits) -> None:
    from game.sessions.studio_data import overview

    for line in overview(session, edits).lines():
        print(line)


def run_show(args: argparse.Namespace) -> int:
    from game.sessions.studio_data import open_session, overview

    session, edits = open_session(args.session)
    ov = overview(session, edits)
    if args.json:
        print(json.dumps(ov.to_dict(), indent=1))
        return 0
    for line in ov.lines():
        print(line)
    if ov.problems:
        print(f"problems  {len(ov.problems)}: first: {ov.problems[0]}")
    return 0


def run_trim(args: argparse.Namespace) -> int:
    from game.sessions.studio_data import trim

    session, edits = trim(args.session, args.start, args.end)
    print(f"deleted rows [{args.start}, {args.end}) (restore with `session restore`)")
    _print_overview(session, edits)
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from game.errors import UserFacingError
    from game.sessions.studio_data import restore

    given = args.start is not None or args.end is not None
    if args.all == given:
        raise UserFacingError("restore needs either --from A --to B or --all")
    session, edits = restore(args.session, args.start, args.end)
    print("restored every deleted row" if args.all else
          f"restored rows [{args.start}, {args.end})")  # fmt: skip
    _print_overview(session, edits)
    return 0


def run_mirror(args: argparse.Namespace) -> int:
    from game.sessions.studio_data import mirror

    session, edits = mirror(args.session, args.start, args.end, on=not args.off)
    print(f"{'unmirrored' if args.off else 'mirrored'} rows [{args.start}, {args.end})")
    _print_overview(session, edits)
    return 0


def _model_path(name: str):
    from pathlib import Path

    from agents.driving.registry import find_model

    p = Path(name)
    if p.suffix.lower() == ".h5" and (p.exists() or p.parent != Path(".")):
        return p
    return find_model(name).path


def run_predict(args: argparse.Namespace) -> int:
    from agents.driving.open_loop import error_stats, predict_session
    from agents.driving.session_edits import check_range
    from game.errors import UserFacingError
    from game.sessions.studio_data import open_session, source_counts

    if (args.start is None) != (args.end is None):
        raise UserFacingError("give both --from A and --to B, or neither")
    session, edits = open_session(args.session)
    if not len(session):
        raise UserFacingError(f"{session.dir}: no readable rows to predict on")
    if args.start is not None:
        check_range((args.start, args.end), session.log_row_count, session.dir)
    model = _model_path(args.model)
    pred = predict_session(session, model)
    steering = session.columns["steering"]
    keep = ~edits.deleted_mask(session.log_rows)
    out = {
        "session": str(session.dir),
        "model": str(model),
        "whole": error_stats(pred, steering, keep).to_dict(),
        "deleted_rows_left_out": int((~keep).sum()),
        "by_source": {
            src: error_stats(pred, steering, keep & (session.columns["source"] == src)).to_dict()
            for src in source_counts(session)
        },
    }
    if args.start is not None:
        inside = (session.log_rows >= args.start) & (session.log_rows < args.end)
        out["range"] = {"from": args.start, "to": args.end,
                        **error_stats(pred, steering, keep & inside).to_dict()}  # fmt: skip
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    print(f"{model.stem} on {session.dir.name}: open-loop steering error over the rows kept")
    lines = [("session", out["whole"])]
    if "range" in out:
        lines.append((f"rows [{args.start}, {args.end})", out["range"]))
    lines += [(f"  {src} rows", st) for src, st in out["by_source"].items()]
    for label, st in lines:
        mean, p95 = st["mean_abs_error"], st["p95_abs_error"]
        text = "no rows" if not st["rows"] else f"mean |error| {mean:.4f}   p95 {p95:.4f}"
        print(f"  {label:<22} {text}   ({st['rows']} rows)")
    if out["deleted_rows_left_out"]:
        print(f"  ({out['deleted_rows_left_out']} deleted rows left out)")
    return 0
