"""Neural Arcade command line: parse arguments and dispatch; the work lives in cli/*."""

from __future__ import annotations

import argparse
import os
import sys

# Keep TensorFlow's C++ start-up chatter out of the terminal unless asked for.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from cli import COMMAND_MODULES  # noqa: E402
from game.errors import UserFacingError  # noqa: E402


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neural-arcade",
        description="Neural Arcade: drive, record, train and watch AI agents.",
    )
    parser.add_argument(
        "--home",
        help="user data folder (recordings, models, games); default: $NEURAL_ARCADE_HOME "
        "or the OS user data folder",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        args = parser.parse_args(["play", *(argv or sys.argv[1:])])
    from game.paths import set_home

    set_home(args.home)
    try:
        return int(args.handler(args) or 0)
    except UserFacingError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # a file or folder the user named can't be read or written
        where = f"{e.filename}: " if e.filename else ""
        print(f"error: {where}{e.strerror or e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    import multiprocessing

    # In the PyInstaller bundle a worker process (compare, build-models) re-runs this file:
    # freeze_support makes it run its task instead of the game. A no-op elsewhere.
    multiprocessing.freeze_support()
    raise SystemExit(main())
