"""A guard for tests of code that must never open a FIFO: a wrong open is caught, not hung."""

from __future__ import annotations

import os
import threading

import pytest

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")


class FifoRescuer:
    """Opens the FIFO's writing end whenever someone is blocked reading it, so that a reader
    that wrongly opened it returns (and the test fails) instead of hanging forever."""

    def __init__(self, path) -> None:
        self.path, self.rescued = path, False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            try:  # succeeds only while a reader has it open
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                continue
            self.rescued = True
            os.close(fd)

    def __enter__(self) -> FifoRescuer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
