"""CLI: `models` (list every driving model with its card's facts and scoreboard results),
`models rename OLD NEW` and `models delete NAME` (the library is agents/driving/registry.py)."""

from __future__ import annotations

import argparse


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Registers `models` and its `rename` / `delete` actions."""
    p = sub.add_parser(
        "models",
        help="list, rename or delete driving models",
        description="Without an action: a table of every driving model (yours newest first, "
        "then the shipped ones) with architecture, training data, training time and the "
        "scoreboard's results (run it from the Models screen): autonomy and |offset| from "
        "the cruise runs, the lap sum and interventions from the race runs. Renaming and "
        "deleting move or remove a model with its card and training log; shipped models are "
        "read-only.",
    )
    p.set_defaults(handler=run_list)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    r = actions.add_parser("rename", help="rename one of your models (with its card and log)")
    r.add_argument("old", help="the model's name (file name without .h5)")
    r.add_argument("new", help="the new name: letters, digits, '-' and '_'")
    r.set_defaults(handler=run_rename)
    d = actions.add_parser("delete", help="delete one of your models (with its card and log)")
    d.add_argument("name", help="the model's name (file name without .h5)")
    d.set_defaults(handler=run_delete)


def run_list(args: argparse.Namespace) -> int:
    from agents.driving.evaluate import compare_table
    from agents.driving.registry import SUITE_LAPS, SUITE_TRACKS, Scoreboard, list_models
    from game.textfmt import plural

    board = Scoreboard.load()
    models = list_models(board)
    rows = [
        {
            "model": m.name,
            "from": "shipped" if m.shipped else "yours",
            "arch": m.architecture,
            "data": m.data_text,
            "trained": m.time_text,
            "created": m.created_text,
            "autonomy": m.autonomy_text,
            "|offset|": m.offset_text,
            "lap sum": m.laps_text,
            "race int": m.race_interventions_text,
        }
        for m in models
    ]
    print(compare_table(rows, markdown=False) if rows else "no driving models")
    if any(m.scores for m in models):
        print(f"autonomy, |offset|: the cruise runs; lap sum, race int: the race runs "
              f"({plural(SUITE_LAPS, 'lap')} on each of {', '.join(SUITE_TRACKS)})")  # fmt: skip
    for m in models:
        if m.problem:
            print(f"problem: {m.problem}")
    if board.problem:
        print(f"problem: {board.problem}")
    return 0


def run_rename(args: argparse.Namespace) -> int:
    from agents.driving.registry import find_model, rename_model

    model = find_model(args.old)
    target = rename_model(model.path, args.new)
    print(f"renamed {model.name} to {target.stem} ({target})")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    from agents.driving.registry import delete_model, find_model

    model = find_model(args.name)
    removed = delete_model(model.path)
    print(f"deleted {model.name}: " + ", ".join(p.name for p in removed))
    return 0
