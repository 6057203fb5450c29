"""Stepping a screen session until its background work is done (bounded)."""

from __future__ import annotations

import time


def settle(session, done, timeout: float = 20.0) -> None:
    """Step the session (1/60 s per step) until `done()` holds; fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out waiting for the session's workers"
        session.update(1 / 60)
        time.sleep(0.002)
