"""Small numpy matrix products on one BLAS thread.

OpenBLAS splits a product over its threads once the product is big enough. For the online
RPS LSTM's products (a batch of 16 windows: 384 rows by 48-192 columns) waking the threads
costs more than the product: one fine-tuning step took 21-23 ms with two threads on a busy
2-core machine and 8 ms with one (batch 4: 1.9 ms either way). `one_blas_thread()` limits
OpenBLAS (through threadpoolctl) for the length of a block; it costs ~0.02 ms.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import numpy as np  # noqa: F401 - loaded first: threadpoolctl only sees loaded libraries

_controller = None
_lock = threading.Lock()


def _get_controller():
    global _controller
    with _lock:
        if _controller is None:
            from threadpoolctl import ThreadpoolController

            _controller = ThreadpoolController()  # ~12 ms: finds the loaded BLAS libraries
        return _controller


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with numpy's BLAS on one thread (as it was after)."""
    with _get_controller().limit(limits=1, user_api="blas"):
        yield
