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

# Two helpers: the race's CNN cars run side by side on the
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
