"""Run the benchmarks one after another and print their tables (`make bench`).

    python -m bench.run_all            # the quick ones (a few minutes)
    python -m bench.run_all --all      # also the slow model evaluations (tens of minutes)

Each script can also run alone: `python -m bench.NAME --help`.
"""

from __future__ import annotations

import argparse
import importlib
import time

QUICK = ["sim_speed", "expert", "drive_frame_time", "inference", "rps_bots", "audio"]
SLOW = ["train_throughput", "autopilot_frame_time", "rps_lstm", "eval_default_model",
        "race_frame_time"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="include the slow benchmarks")
    parser.add_argument("names", nargs="*", help="run only these bench modules")
    args = parser.parse_args(argv)
    names = args.names or (QUICK + SLOW if args.all else QUICK)
    for name in names:
        print(f"\n## bench.{name}\n", flush=True)
        start = time.perf_counter()
        importlib.import_module(f"bench.{name}").main([])
        print(f"\n(bench.{name} took {time.perf_counter() - start:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
