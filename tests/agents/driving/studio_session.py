"""A small synthetic recording for the Studio's tests: frames whose left and right halves
differ (so a mirrored frame is easy to tell), and steering that differs row by row."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from agents.driving.recording_log import LogRow
from agents.driving.recording_writer import Recorder


def steering_of(i: int) -> float:
    return round(((i * 37) % 41 - 20) / 25.0, 4)


def frame_of(i: int) -> np.ndarray:
    """A 160x320 frame: a bright band on the left, a row-dependent shade elsewhere."""
    f = np.full((160, 320, 3), (i * 5) % 200, np.uint8)
    f[:, : 40 + i % 60] = 250
    f[80:, 200:, 1] = 30
    return f


def make_studio_session(folder: Path, rows: int = 40, source: str = "human",
                        views: bool = False) -> Path:  # fmt: skip
    """`rows` rows at 10 Hz; with `views` every third row is a recovery view sharing the
    previous row's time, as the expert recorder writes them."""
    with Recorder(folder, None, "oval", "day", rate_hz=10.0, source=source) as rec:
        t = 0.0
        for i in range(rows):
            view = views and i % 3 == 2
            if not view:
                t = i * 0.1
            row = LogRow(
                steering=steering_of(i), throttle=0.5, speed=10.0 + i % 7, lane_offset=0.0,
                heading_error=0.0, x=float(i), y=0.0, yaw=0.0, track="oval",
                source="recovery" if view else source, t=t,
            )  # fmt: skip
            rec.write_row(frame_of(i), row)
    return folder
