"""`play`: open the game window."""

from __future__ import annotations

import argparse
import logging
import os
import sys


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("play", help="open the game window (the default command)")
    p.add_argument("--scene", default="menu", help="screen to open first (menu, drive, ...)")
    p.add_argument("--track", default=None, help="track: shipped name, JSON path or gen:SEED")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from game.app import run_app

    status = run_app(first_scene=args.scene, track=args.track)
    # The app has closed every screen (recordings closed, files synced). Once TensorFlow has
    # loaded, the interpreter's own teardown takes 1-2 s more, joining TF's threads: skip it
    # so the window closes, and SIGTERM/SIGINT end the game, at once.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
