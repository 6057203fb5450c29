"""`lab run SPEC --out DIR`: run a model-lab experiment grid (agents/lab) and print its table."""

from __future__ import annotations

import argparse
import sys

from cli import argtypes


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lab", help="the model lab: run experiment grids from TOML specs")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    r = actions.add_parser(
        "run",
        help="train and judge every variant of a spec (a preset name or a .toml file)",
        description="Expands the spec's grid, records the expert's data once into DIR, "
        "trains every variant with the same budget and seeds, judges each on the road "
        "(driving) or against bots (RPS) and writes DIR/results.json and results.csv. "
        "A rerun with the same DIR skips the variants already finished.",
    )
    r.add_argument("spec", help="a .toml file, or a preset name (see `lab presets`)")
    r.add_argument("--out", required=True, help="the run's folder (data, models, results)")
    r.add_argument(
        "--samples",
        type=argtypes.whole(1, 10_000),
        help="run a random sample of this many grid points (seeded)",
    )
    r.add_argument(
        "--seeds",
        type=argtypes.whole(1, 100),
        help="train each variant with seeds 0..K-1 (default: the spec's seeds)",
    )
    r.add_argument(
        "--workers",
        type=argtypes.whole(1, 64),
        default=2,
        help="local worker processes (default 2)",
    )
    r.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="run the variants on a Ray cluster (needs the 'cluster' extra)",
    )
    r.add_argument("--quick", action="store_true", help="the spec's [quick] budget")
    r.set_defaults(handler=run)
    ls = actions.add_parser("presets", help="list the shipped presets")
    ls.set_defaults(handler=list_presets)
    p.set_defaults(handler=lambda args: p.print_help() or 0)


def run(args: argparse.Namespace) -> int:
    from agents.lab.findings import finding, table
    from agents.lab.presets import resolve_spec
    from agents.lab.runner import LabEvent, run_lab

    spec = resolve_spec(args.spec)

    def show(e: LabEvent) -> None:
        if e.kind == "data":
            print(e.message, file=sys.stderr)
        elif e.kind == "skip":
            print(f"[{e.done}/{e.total}] {e.label}: finished before, skipped", file=sys.stderr)
        elif e.kind == "start":
            print(f"started {e.label}", file=sys.stderr)
        elif e.kind in ("done", "error"):
            what = e.record.get("error") if e.kind == "error" else "done"
            print(f"[{e.done}/{e.total}] {e.label}: {what}", file=sys.stderr)

    records = run_lab(spec, args.out, quick=args.quick, samples=args.samples, seeds=args.seeds,
                      workers=args.workers, cluster=args.cluster, progress=show)  # fmt: skip
    print(table(records))
    print()
    print(finding(spec, records))
    print(f"\nresults: {args.out}/results.json, {args.out}/results.csv")
    return 0


def list_presets(args: argparse.Namespace) -> int:
    from agents.lab.presets import presets

    for p in presets():
        print(f"{p.stem:<20} {p}")
    return 0
