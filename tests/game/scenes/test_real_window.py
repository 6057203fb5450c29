"""The game in a real X11 window while TensorFlow loads (issue 7).

Headless tests use SDL's dummy video driver, which never loads OpenGL, so they cannot see
the crash a person met: Mesa's OpenGL driver and TensorFlow each bring an LLVM, and the
game died when both were loaded. This test starts a private Xvfb server and runs Autopilot
and the RPS Arena in a real window in a child process (see real_window_child.py).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CHILD = Path(__file__).with_name("real_window_child.py")

pytestmark = pytest.mark.skipif(
    shutil.which("Xvfb") is None, reason="Xvfb is not installed (Debian package: xvfb)"
)


@pytest.fixture
def display():
    """A private Xvfb server; -displayfd picks a free display number and reports it."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as f:  # bounded: an Xvfb that says nothing fails, not hangs
            number = f.readline().strip() if select.select([f], [], [], 30)[0] else ""
        assert number.isdigit(), "Xvfb did not start"
        yield f":{number}"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)


def test_autopilot_and_arena_load_tensorflow_in_a_real_window(display, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SDL_VIDEODRIVER"}
    env.update(
        DISPLAY=display,
        NEURAL_ARCADE_HOME=str(tmp_path / "home"),
        PYTHONPATH=str(ROOT),
        PYGAME_HIDE_SUPPORT_PROMPT="1",
    )
    proc = subprocess.run(
        [sys.executable, str(CHILD)], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=280,
    )
    # A negative return code is the signal that killed the game (-11 SIGSEGV, -6 SIGABRT).
    assert proc.returncode == 0, f"the game died (rc {proc.returncode}):\n{proc.stderr[-3000:]}"
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["video_driver"] == "x11"  # a real window, not the dummy driver
    assert report["autopilot_error"] is None
    assert report["autopilot_frames_while_loading"] > 10  # frames kept coming during the load
    assert report["autopilot_progress_m"] > 5.0  # then the CNN drove
    assert report["autopilot_inference_ms"] is not None
    assert report["arena_rounds"] == 4
    assert report["crash_logs"] == []
