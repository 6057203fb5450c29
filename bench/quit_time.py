"""How fast SIGTERM / SIGINT end the game on every screen (issue 7: within 2 s).

    python -m bench.quit_time [--wait 20] [--signal TERM] [--window]

Starts `main.py play --scene NAME` per screen (headless, or in a real window with --window
and DISPLAY set), waits --wait seconds so that the screen has loaded its models, sends the
signal and prints the seconds until the process is gone, and its exit status.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCREENS = [
    "menu",
    "drive",
    "train",
    "autopilot",
    "race",
    "rps-arena",
    "rps-versus",
    "rps-tournament",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wait", type=float, default=20.0, help="seconds before the signal")
    parser.add_argument("--signal", choices=["TERM", "INT"], default="TERM")
    parser.add_argument("--window", action="store_true", help="a real window (needs DISPLAY)")
    parser.add_argument("screens", nargs="*", default=SCREENS)
    args = parser.parse_args(argv)
    sig = signal.Signals[f"SIG{args.signal}"]
    env = {**os.environ, "PYGAME_HIDE_SUPPORT_PROMPT": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    if args.window:
        env.pop("SDL_VIDEODRIVER", None)
    else:
        env["SDL_VIDEODRIVER"] = "dummy"
    print(f"| screen | SIG{args.signal} to exit, s | exit status |")
    print("|---|---|---|")
    with tempfile.TemporaryDirectory() as home:
        for screen in args.screens:
            proc = subprocess.Popen(
                [sys.executable, "main.py", "--home", home, "play", "--scene", screen],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(args.wait)
            start = time.perf_counter()
            proc.send_signal(sig)
            try:
                rc = proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                rc = "hung (killed after 30 s)"
            print(f"| {screen} | {time.perf_counter() - start:.2f} | {rc} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
