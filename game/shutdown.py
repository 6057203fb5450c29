"""SIGINT and SIGTERM end the game within two seconds, on every screen.

The normal path is clean: the signal handler asks the app to stop, the loop ends after the
current frame, and every screen's on_exit runs (recordings are closed, workers cancelled).
Python only runs signal handlers on the main thread between bytecodes, so a main thread
stuck inside C code would never see them. A watchdog thread therefore also hears the signal
(through `signal.set_wakeup_fd`, written by the C-level handler) and, if the clean path has
not finished within the grace period, ends the process itself. Recordings are flushed and
fsynced every second, so even that path keeps every complete row.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from types import FrameType

QUIT_SIGNALS = (signal.SIGINT, signal.SIGTERM)
GRACE_S = 1.5  # clean shutdown must finish within this; the budget is 2 s


class QuitOnSignals:
    """Context manager for the game loop: install the handlers, restore them on exit.

    `request_quit(reason)` is called on the main thread; call `finished()` once the app has
    closed. Only usable from the main thread (a Python rule for signal handlers)."""

    def __init__(self, request_quit: Callable[[str], None], grace_s: float = GRACE_S) -> None:
        self._request_quit = request_quit
        self._grace_s = grace_s
        self._done = threading.Event()
        self._previous: dict[int, object] = {}
        self._previous_fd = -1
        self._reader: socket.socket | None = None
        self._writer: socket.socket | None = None
        self.signal_number: int | None = None

    def finished(self) -> None:
        self._done.set()

    @property
    def exit_status(self) -> int | None:
        """128 + the signal's number, as a shell reports a signal, or None if none came."""
        return None if self.signal_number is None else 128 + self.signal_number

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self.signal_number = signum
        self._request_quit(f"{signal.Signals(signum).name} received")

    def _watch(self) -> None:
        assert self._reader is not None
        while not self._done.is_set():
            try:
                data = self._reader.recv(16)
            except OSError:
                return
            if not data:
                return
            signums = [b for b in data if b in QUIT_SIGNALS]
            if signums and not self._done.wait(self._grace_s):
                # The main thread did not get back to the loop in time: end it here.
                sys.stderr.write("neural-arcade: not responding to the signal; exiting now\n")
                sys.stderr.flush()
                os._exit(128 + signums[0])

    def __enter__(self) -> QuitOnSignals:
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(True)
        self._writer.setblocking(False)
        for sig in QUIT_SIGNALS:
            self._previous[sig] = signal.signal(sig, self._on_signal)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        threading.Thread(target=self._watch, name="quit-watchdog", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        signal.set_wakeup_fd(self._previous_fd)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
        for sock in (self._writer, self._reader):
            if sock is not None:
                sock.close()
