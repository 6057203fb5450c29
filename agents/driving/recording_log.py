"""A recording session's layout and its log row: `LogRow` is the one place log.csv's columns,
their types and their text form are spelled out (the writer, the reader and recovery views
all derive theirs from it).

A session folder holds

    frames/NNNNNN.png   the dashcam images
    log.csv             a header, then one row per frame (COLUMNS)
    meta.json           camera parameters, track, app version, look, rate, created time
"""

# No `from __future__ import annotations`: the field types below are read as classes.
from dataclasses import dataclass, field, fields

FORMAT_VERSION = 1
FRAMES_DIR = "frames"
LOG_NAME = "log.csv"
META_NAME = "meta.json"
SOURCES = ("human", "expert", "recovery", "takeover")
NUMBER_FORMAT = ".7g"  # every float column but t


@dataclass(frozen=True, kw_only=True)
class LogRow:
    """One row of log.csv; field order is column order. Floats are written with 7 significant
    digits (t with 4 decimals), `off_lane` as 1/0: training skips a person's off-lane rows."""

    frame: str = ""  # frames/NNNNNN.png: the Recorder names it when it saves the image
    steering: float
    throttle: float
    speed: float
    lane_offset: float
    heading_error: float
    x: float
    y: float
    yaw: float
    track: str
    source: str
    t: float = field(metadata={"format": ".4f"})
    look: str = ""  # empty: the recorder's look
    cam_dx: float = 0.0  # a recovery view's camera displacement
    cam_dyaw: float = 0.0
    off_lane: bool = False

    def cells(self) -> list[str]:
        """The row as log.csv's text cells, in COLUMNS order."""
        out = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type is bool:
                out.append("1" if value else "0")
            elif f.type is float:
                out.append(format(float(value), f.metadata.get("format", NUMBER_FORMAT)))
            else:
                out.append(value)
        return out


COLUMNS = tuple(f.name for f in fields(LogRow))
# The columns the reader parses as numbers (off_lane reads back as 0.0 / 1.0).
FLOAT_COLUMNS = tuple(f.name for f in fields(LogRow) if f.type in (float, bool))
# Logs written before the off_lane column: still read (off_lane = 0) and appended to as they are.
LEGACY_COLUMNS = COLUMNS[:-1]
REQUIRED_COLUMNS = ("frame", "steering")
