"""Closed-polyline geometry helpers (pure numpy)."""

from __future__ import annotations

import math

import numpy as np


def wrap_angle(a: float) -> float:
    """Wrap an angle to (-pi, pi]."""
    return (a + math.pi) % (2.0 * math.pi) - math.pi


def closed_catmull_rom(points: np.ndarray, samples_per_segment: int = 12) -> np.ndarray:
    """Sample a smooth closed curve through `points` (N, 2) with a uniform Catmull-Rom spline."""
    p0 = np.roll(points, 1, axis=0)
    p1 = points
    p2 = np.roll(points, -1, axis=0)
    p3 = np.roll(points, -2, axis=0)
    t = np.linspace(0.0, 1.0, samples_per_segment, endpoint=False)[None, :, None]
    a = 2.0 * p1
    b = p2 - p0
    c = 2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3
    d = -p0 + 3.0 * p1 - 3.0 * p2 + p3
    curve = 0.5 * (a[:, None] + b[:, None] * t + c[:, None] * t**2 + d[:, None] * t**3)
    return curve.reshape(-1, 2)


def resample_closed(points: np.ndarray, spacing: float) -> np.ndarray:
    """Resample a closed polyline at (nearly) uniform arc-length spacing."""
    closed = np.vstack([points, points[:1]])
    seg = np.linalg.norm(np.diff(closed, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    n = max(8, int(round(s[-1] / spacing)))
    targets = np.linspace(0.0, s[-1], n, endpoint=False)
    return np.column_stack(
        [np.interp(targets, s, closed[:, 0]), np.interp(targets, s, closed[:, 1])]
    )


def segments_intersect(points: np.ndarray) -> tuple[int, int] | None:
    """First pair of non-adjacent segments of a closed polyline that cross, or None."""
    a = points
    b = np.roll(points, -1, axis=0)
    n = len(points)
    d = b - a
    for i in range(n):
        # Vectorised test of segment i against every later non-adjacent segment j.
        j = np.arange(i + 2, n)
        if i == 0:
            j = j[j != n - 1]
        if len(j) == 0:
            continue
        p, r = a[i], d[i]
        q, s = a[j], d[j]
        rxs = r[0] * s[:, 1] - r[1] * s[:, 0]
        qp = q - p
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (qp[:, 0] * s[:, 1] - qp[:, 1] * s[:, 0]) / rxs
            u = (qp[:, 0] * r[1] - qp[:, 1] * r[0]) / rxs
        hit = (np.abs(rxs) > 1e-12) & (t >= 0) & (t <= 1) & (u >= 0) & (u <= 1)
        if hit.any():
            return i, int(j[np.argmax(hit)])
    return None


def signed_curvature(points: np.ndarray) -> np.ndarray:
    """Curvature (1/m, left turns positive) of a closed, uniformly sampled polyline."""
    prev = np.roll(points, 1, axis=0)
    nxt = np.roll(points, -1, axis=0)
    a = points - prev
    b = nxt - points
    cross = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    dot = (a * b).sum(axis=1)
    turn = np.arctan2(cross, dot)
    ds = 0.5 * (np.linalg.norm(a, axis=1) + np.linalg.norm(b, axis=1))
    return turn / np.maximum(ds, 1e-9)
