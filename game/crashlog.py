"""Crash logs: the traceback of an unexpected error, saved in the user folder.

A bug in one screen must not end the game, but it must not vanish either: the app writes
the traceback here, tells the player where it is, and carries on from the menu.
"""

from __future__ import annotations

import logging
import platform
import sys
import time
import traceback
from pathlib import Path

from game.fileio import atomic_write_text
from game.paths import user_dir

log = logging.getLogger(__name__)
KEEP_LOGS = 50  # older crash logs are removed so a recurring bug can't fill the disk


def write_crash_log(error: BaseException, context: str) -> Path | None:
    """Save `error`'s traceback with `context` (where it happened). Returns the file, or
    None when even that failed (the reason is logged; the caller keeps going)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    text = "".join(
        [
            f"Neural Arcade crash log, {time.strftime('%Y-%m-%d %H:%M:%S')}\n",
            f"where: {context}\n",
            f"python {sys.version.split()[0]} on {platform.platform()}\n\n",
            *traceback.format_exception(error),
        ]
    )
    try:
        folder = user_dir("crashes")
        path = folder / f"crash-{stamp}-{time.monotonic_ns() % 1_000_000:06d}.log"
        atomic_write_text(path, text)
        for old in sorted(folder.glob("crash-*.log"))[:-KEEP_LOGS]:
            old.unlink(missing_ok=True)
    except OSError as e:
        log.error("could not write a crash log (%s):\n%s", e, text)
        return None
    return path
