"""The monkey in a real window for N minutes: crashes, hangs and events per second.

    DISPLAY=:99 python -m bench.monkey [--minutes 5] [--seed 1] [--headless]

Like the monkey test in `make test`, with broken files planted in a throw-away user folder
(never your own), but in a real window at real speed (60 FPS cap), cycling over every
screen until the time is up. A crash is an exception that escaped a screen (it leaves a
crash log); a hang is a frame that took longer than --hang-s. A crash of the process itself
(e.g. SDL and TensorFlow clashing) ends the run with a signal instead of a table.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--events-per-screen", type=int, default=600)
    parser.add_argument("--hang-s", type=float, default=1.0, help="a frame slower than this")
    parser.add_argument("--headless", action="store_true", help="SDL dummy driver, no window")
    args = parser.parse_args(argv)
    if args.headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
    elif not os.environ.get("DISPLAY"):
        parser.error("no DISPLAY: start Xvfb (Xvfb :99 &; export DISPLAY=:99) or use --headless")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ["NEURAL_ARCADE_HOME"] = tempfile.mkdtemp(prefix="monkey-home-")

    from game.app import App
    from game.monkey import Monkey, plant_broken_files
    from game.paths import set_home

    set_home(None)
    plant_broken_files()
    app = App(headless=args.headless)
    app.push("menu")
    deadline = time.monotonic() + args.minutes * 60.0
    monkey = Monkey(app, seed=args.seed, hang_s=args.hang_s)
    report = monkey.run(
        args.events_per_screen,
        rounds=10**6,
        real_time=True,
        stop=lambda: time.monotonic() > deadline,
    )
    app.close()
    print(
        f"| minutes | events | events/s | frames | crashes | hangs (> {args.hang_s:g} s) "
        "| slowest frame |"
    )
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {report.seconds / 60:.1f} | {report.events} | {report.events_per_second:.1f} "
        f"| {report.frames} | {len(report.crash_logs)} | {report.hangs} "
        f"| {report.slowest_frame_s * 1000:.0f} ms ({report.slowest_screen}) |"
    )
    for name, count in sorted(report.screens.items()):
        print(f"  {name}: {count} events")
    for path in report.crash_logs:
        print(f"crash log: {path}")
    return 1 if report.crash_logs else 0


if __name__ == "__main__":
    raise SystemExit(main())
