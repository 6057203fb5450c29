"""Wall time of a 6-variant tiny lab grid with 1 and with 2 local worker processes.

    python -m bench.lab_workers [--task rps|driving] [--workers 1 2]

Each run starts from an empty folder (the driving data is recorded once beforehand and
linked in, so both runs time only training and judging). Prints one line per worker count
and the speed-up. Workers share the cores (each limits its TensorFlow threads to
cores / workers), so the gain comes from overlapping each variant's single-threaded parts
(Python, data decoding, the closed-loop simulation) rather than from more arithmetic.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from agents.lab.runner import run_lab
from agents.lab.spec import parse_spec

GRIDS = {
    "rps": {
        "name": "bench rps",
        "task": "rps",
        "base": {"epochs": 2},
        "vary": {"units": [4, 8], "window": [4, 8, 12]},
        "eval": {"games": 16, "rounds": 40},
    },
    "driving": {
        "name": "bench driving",
        "task": "driving",
        "base": {"filters": [4, 4, 4, 4, 4], "dense": [8, 4], "epochs": 1, "batch_size": 32},
        "vary": {"dropout": [0.0, 0.2, 0.4], "width": [1.0, 2.0]},
        "data": {"tracks": ["oval"], "rate_hz": 2.0},
        "eval": {"tracks": ["oval"], "max_seconds": 10.0},
    },
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=sorted(GRIDS), default="rps")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    spec = parse_spec(GRIDS[args.task], f"bench/lab_workers.py ({args.task})")
    print(f"{os.cpu_count()} cores; {args.task} grid of 6 variants")
    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        data_root = Path(tmp) / "shared"
        if spec.task == "driving":
            from agents.lab.data import ensure_data

            ensure_data(data_root, spec.data)
        for w in args.workers:
            out = Path(tmp) / f"w{w}"
            out.mkdir()
            if spec.task == "driving":
                (out / "data").symlink_to(data_root / "data")
            t0 = time.perf_counter()
            records = run_lab(spec, out, workers=w)
            times[w] = time.perf_counter() - t0
            ok = sum(r["status"] == "ok" for r in records)
            print(f"workers={w}: {times[w]:.1f} s wall for {len(records)} variants ({ok} ok)")
    if 1 in times and len(times) > 1:
        for w, t in times.items():
            if w != 1:
                print(f"speed-up with {w} workers: {times[1] / t:.2f}x")


if __name__ == "__main__":
    main()
