"""Model calls on helper threads, so they overlap the screen's own work.

TFLite's invoke() and TensorFlow's ops release the GIL, so on two cores the forward pass for
a car's next step runs while the screen draws the current one (bench/race_frame_time.py,
bench/autopilot_frame_time.py). Results are always waited for before they are used, so a
drive is the same, step for step, as one that runs every call in place.
No pygame here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

# Two helpers: the race's CNN cars (or a driver and its saliency) run side by side on the
# second core. More threads only queue for the same two cores.
WORKERS = 2

_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def submit(fn: Callable[..., Any], *args: Any) -> Future:
    """`fn(*args)` on a helper thread; its Future re-raises what `fn` raised."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="model-call")
        return _pool.submit(fn, *args)


class Pending:
    """At most one background call whose result is kept until it is taken.

    `start(fn, ...)` does nothing while a call is still running (the caller skips a beat,
    e.g. a saliency mask shown one frame later); `take()` returns a finished call's result
    once, else None, re-raising what the call raised.
    """

    def __init__(self) -> None:
        self._future: Future | None = None

    def start(self, fn: Callable[..., Any], *args: Any) -> bool:
        """Start `fn(*args)` unless a call is running or unclaimed; True when it started."""
        if self._future is not None:
            return False
        self._future = submit(fn, *args)
        return True

    def take(self) -> Any:
        """The finished call's result (once), None while none finished."""
        future = self._future
        if future is None or not future.done():
            return None
        self._future = None
        return future.result()

    def drop(self) -> None:
        """Forget the call (it may still finish; its result is discarded)."""
        self._future = None
