"""Tracks: a closed centre line in driving order, two lanes, the car in the right-hand one.

Coordinates are metres, x east, y north; angles are counter-clockwise from +x.
Signs used across the project: positive lateral offset, heading error and steering all mean
"to the right" of the driving direction.
"""

from __future__ import annotations

import json
import math
import stat
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from game.errors import UserFacingError
from game.fileio import read_json_file
from game.sim.geometry import (
    TooDenseError,
    closed_catmull_rom,
    resample_closed,
    segments_intersect,
    signed_curvature,
)

DEFAULT_LANE_WIDTH = 3.5
SAMPLE_SPACING_M = 1.0
# Tightest centre-line radius a track may have: the right lane of a right-hand bend has radius
# R - lane_width/2, and it must stay wider than the car's turning circle with some margin.
CAR_MIN_TURN_RADIUS_M = 4.6
BEND_MARGIN = 1.5
MIN_POINTS = 4
MAX_TRACK_LENGTH_M = 50_000.0  # longer loops are a units mistake and would not fit in memory
# A point every 0.25 m of the longest loop: far more than any real centre line needs, and the
# checks and the spline over that many points still take well under a second each.
MAX_POINTS = 200_000
# Pairs of nearby segments the self-crossing check may test. A real loop of MAX_POINTS needs
# about 1 million; only strands lying on each other need more.
MAX_CROSSING_PAIRS = 20_000_000
MAX_TRACK_FILE_BYTES = 20_000_000  # MAX_POINTS pairs of numbers written out take ~10 MB


class TrackError(UserFacingError):
    """A track file or centre line that cannot be driven; the message says why and where."""


def min_allowed_radius(lane_width: float) -> float:
    return lane_width / 2.0 + BEND_MARGIN * CAR_MIN_TURN_RADIUS_M


@dataclass
class Projection:
    """Where a point lies relative to the track."""

    index: int  # segment index on the dense centre line
    s: float  # arc length along the centre line (m)
    lateral: float  # signed distance from the centre line, positive = right (m)
    heading: float  # track direction at that point (rad)


@dataclass
class Track:
    """A drivable track. `points` are the (raw) centre-line vertices; geometry is densified."""

    name: str
    points: np.ndarray
    lane_width: float = DEFAULT_LANE_WIDTH
    source: str = ""
    license: str = ""
    centerline: np.ndarray = field(init=False, repr=False)
    s: np.ndarray = field(init=False, repr=False)
    length: float = field(init=False)
    headings: np.ndarray = field(init=False, repr=False)
    normals: np.ndarray = field(init=False, repr=False)  # left-pointing unit normals
    curvature: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        pts = np.asarray(self.points, dtype=float)
        smooth = closed_catmull_rom(pts, samples_per_segment=12)
        self.centerline = resample_closed(smooth, SAMPLE_SPACING_M)
        nxt = np.roll(self.centerline, -1, axis=0)
        d = nxt - self.centerline
        seg_len = np.linalg.norm(d, axis=1)
        self.s = np.concatenate([[0.0], np.cumsum(seg_len)[:-1]])
        self.length = float(seg_len.sum())
        self._seg_len = seg_len
        self._dir = d / seg_len[:, None]
        self.headings = np.arctan2(d[:, 1], d[:, 0])
        self.normals = np.column_stack([-self._dir[:, 1], self._dir[:, 0]])
        kappa = signed_curvature(self.centerline)
        # Average over ~5 m: the bend a car feels, not sampling noise.
        k = 5
        self.curvature = np.convolve(np.concatenate([kappa[-k:], kappa, kappa[:k]]),
                                     np.ones(2 * k + 1) / (2 * k + 1), mode="same")[k:-k]
        # Plain lists make the per-step local search fast (no numpy call overhead).
        self._cx = self.centerline[:, 0].tolist()
        self._cy = self.centerline[:, 1].tolist()
        self._dx = self._dir[:, 0].tolist()
        self._dy = self._dir[:, 1].tolist()
        self._len = seg_len.tolist()
        self._s = self.s.tolist()

    # --- queries -------------------------------------------------------------------------

    @property
    def n(self) -> int:
        return len(self.centerline)

    @property
    def min_radius(self) -> float:
        return float(1.0 / max(np.abs(self.curvature).max(), 1e-9))

    def lane_center(self, s: float) -> tuple[float, float, float]:
        """(x, y, heading) of the right-hand lane's centre at arc length s."""
        x, y, heading = self.point_at(s)
        half = self.lane_width / 2.0
        # The right lane centre is half a lane to the right of the centre line.
        return x + math.sin(heading) * half, y - math.cos(heading) * half, heading

    def point_at(self, s: float) -> tuple[float, float, float]:
        """(x, y, heading) on the centre line at arc length s (wraps around)."""
        s = s % self.length
        i = int(np.searchsorted(self.s, s, side="right")) - 1
        t = s - self._s[i]
        return self._cx[i] + self._dx[i] * t, self._cy[i] + self._dy[i] * t, float(self.headings[i])

    def project(self, x: float, y: float, hint: int | None = None, window: int = 6) -> Projection:
        """Nearest point on the centre line. With `hint` only nearby segments are searched."""
        if hint is None:
            return self._project_global(x, y)
        n = self.n
        best_d2 = math.inf
        best = (hint, 0.0, 0.0)
        cx, cy, dx, dy, ln = self._cx, self._cy, self._dx, self._dy, self._len
        for k in range(hint - window, hint + window + 1):
            i = k % n
            px, py = x - cx[i], y - cy[i]
            t = px * dx[i] + py * dy[i]
            if t < 0.0:
                t = 0.0
            elif t > ln[i]:
                t = ln[i]
            ex, ey = px - dx[i] * t, py - dy[i] * t
            d2 = ex * ex + ey * ey
            if d2 < best_d2:
                best_d2 = d2
                # cross(dir, p) > 0 means the point is left of the line: lateral is right-positive.
                best = (i, t, -(dx[i] * py - dy[i] * px))
        i, t, lateral = best
        if abs(i - hint) % n >= window - 1 and (n - abs(i - hint)) % n >= window - 1:
            return self._project_global(x, y)  # moved further than the window: search all
        return Projection(i, (self._s[i] + t) % self.length, lateral, float(self.headings[i]))

    def _project_global(self, x: float, y: float) -> Projection:
        p = np.array([x, y])
        rel = p - self.centerline
        t = np.clip((rel * self._dir).sum(axis=1), 0.0, self._seg_len)
        closest = self.centerline + self._dir * t[:, None]
        i = int(np.argmin(((p - closest) ** 2).sum(axis=1)))
        px, py = rel[i]
        lateral = -(self._dx[i] * py - self._dy[i] * px)
        return Projection(i, (self._s[i] + float(t[i])) % self.length, float(lateral),
                          float(self.headings[i]))

    def lane_offset(self, lateral: float) -> float:
        """Signed offset from the right lane's centre (positive = right) for a lateral distance."""
        return lateral - self.lane_width / 2.0

    def edges(self) -> tuple[np.ndarray, np.ndarray]:
        """(left edge, right edge) polylines of the road (two lanes)."""
        off = self.normals * self.lane_width
        return self.centerline + off, self.centerline - off

    def bounds(self, margin: float = 0.0) -> tuple[float, float, float, float]:
        lo = self.centerline.min(axis=0) - margin
        hi = self.centerline.max(axis=0) + margin
        return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])

    # --- serialisation -------------------------------------------------------------------

    def to_json(self) -> dict:
        d = {"name": self.name, "lane_width": self.lane_width,
             "centerline": [[round(float(x), 3), round(float(y), 3)] for x, y in self.points]}
        if self.source:
            d["source"] = self.source
        if self.license:
            d["license"] = self.license
        return d

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=1) + "\n")


def _check_point_count(n: int, where: str) -> None:
    if n > MAX_POINTS:
        raise TrackError(f"{where}: centerline has {n:,} points; at most {MAX_POINTS:,} are"
                         " allowed (one every 0.25 m of a 50 km loop)")


def validate_centerline(points: np.ndarray, lane_width: float, where: str) -> None:
    """Raise TrackError naming the problem if the loop can't be a drivable track."""
    if points.ndim != 2 or points.shape[1] != 2:
        raise TrackError(f"{where}: centerline must be a list of [x, y] pairs")
    _check_point_count(len(points), where)
    if len(points) < MIN_POINTS:
        raise TrackError(f"{where}: centerline has {len(points)} points; at least {MIN_POINTS}"
                         " are needed for a closed loop")
    bad = ~np.isfinite(points).all(axis=1)
    if bad.any():
        raise TrackError(f"{where}: centerline point {int(np.argmax(bad))} is not a finite number"
                         " (NaN or infinity)")
    if not (np.isfinite(lane_width) and 2.0 <= lane_width <= 10.0):
        raise TrackError(f"{where}: lane_width {lane_width} must be between 2 and 10 metres")
    with np.errstate(over="ignore", invalid="ignore"):
        seg = np.linalg.norm(np.roll(points, -1, axis=0) - points, axis=1)
    if not seg.sum() <= MAX_TRACK_LENGTH_M:
        raise TrackError(f"{where}: the loop is longer than {MAX_TRACK_LENGTH_M / 1000:.0f} km"
                         " (coordinates are metres)")
    if (seg < 1e-6).any():
        raise TrackError(f"{where}: centerline point {int(np.argmax(seg < 1e-6))} repeats the next"
                         " point")
    try:
        hit = segments_intersect(points, max_pairs=MAX_CROSSING_PAIRS)
    except TooDenseError:
        raise TrackError(f"{where}: parts of the loop lie on top of each other too densely to"
                         " check for crossings; simplify the centre line") from None
    if hit is not None:
        raise TrackError(f"{where}: the loop crosses itself (segment {hit[0]} meets segment"
                         f" {hit[1]})")


def loop_turns_left(points) -> bool:
    """True when a closed centre line (N, 2) runs anticlockwise, i.e. turns left overall
    (its shoelace area is positive in the sim's x-right, y-up frame)."""
    p = np.asarray(points, dtype=float)
    x, y = p[:, 0], p[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)) > 0.0


def build_track(name: str, points, lane_width: float = DEFAULT_LANE_WIDTH, source: str = "",
                license: str = "", where: str | None = None) -> Track:
    """Validate a centre line and build a Track, or raise TrackError."""
    where = where or f"track {name!r}"
    try:
        pts = np.asarray(points, dtype=float)
    except (TypeError, ValueError) as e:
        raise TrackError(f"{where}: centerline must be a list of [x, y] number pairs") from e
    if len(pts) > 1 and np.allclose(pts[0], pts[-1]):
        pts = pts[:-1]  # accept loops that repeat the first point at the end
    validate_centerline(pts, lane_width, where)
    track = Track(name=name, points=pts, lane_width=float(lane_width), source=source,
                  license=license)
    limit = min_allowed_radius(track.lane_width)
    if track.min_radius < limit:
        i = int(np.argmax(np.abs(track.curvature)))
        x, y = track.centerline[i]
        raise TrackError(f"{where}: bend at ({x:.0f}, {y:.0f}) m has radius"
                         f" {track.min_radius:.1f} m; the car needs at least {limit:.1f} m")
    return track


def track_from_dict(data, where: str) -> Track:
    if not isinstance(data, dict):
        raise TrackError(f"{where}: a track file must hold a JSON object")
    for key in ("name", "centerline"):
        if key not in data:
            raise TrackError(f"{where}: missing field {key!r}")
    if not isinstance(data["name"], str):
        raise TrackError(f"{where}: field 'name' must be a string")
    cl = data["centerline"]
    if isinstance(cl, list):
        _check_point_count(len(cl), where)  # before the per-point type checks below
    if not isinstance(cl, list) or not all(
        isinstance(p, list) and len(p) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in p)
        for p in cl
    ):
        raise TrackError(f"{where}: field 'centerline' must be a list of [x, y] number pairs")
    lw = data.get("lane_width", DEFAULT_LANE_WIDTH)
    if not isinstance(lw, (int, float)) or isinstance(lw, bool):
        raise TrackError(f"{where}: field 'lane_width' must be a number")
    for key in ("source", "license"):
        if key in data and not isinstance(data[key], str):
            raise TrackError(f"{where}: field {key!r} must be a string")
    return build_track(data["name"], cl, float(lw), data.get("source", ""),
                       data.get("license", ""), where)


def load_track_file(path: str | Path) -> Track:
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except OSError:
        mode = None  # read_json_file names the problem
    if mode is not None and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        # A pipe or device would block or never end; folders get read_json_file's message.
        raise TrackError(f"{path}: not a regular file")
    try:
        # NaN/Infinity are read as NaN so that the point holding one is named.
        data = read_json_file(path, "track file", MAX_TRACK_FILE_BYTES, allow_nan_words=True)
    except TrackError:
        raise
    except UserFacingError as e:
        raise TrackError(str(e)) from None
    return track_from_dict(data, str(path))
