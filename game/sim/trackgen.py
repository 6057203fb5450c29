"""Seeded procedural tracks: smooth closed loops of roughly 500-1500 m.

A loop is drawn as a radius r(phi) around a centre. Any positive r(phi) traces a star-shaped
curve, which can never cross itself; a few low Fourier harmonics make it interesting, and
candidates whose tightest bend is too sharp are redrawn from the same seeded stream.
"""

from __future__ import annotations

import numpy as np

from game.sim.track import DEFAULT_LANE_WIDTH, Track, build_track

MIN_LENGTH_M = 500.0
MAX_LENGTH_M = 1500.0
# Generated bends stay well inside what the car can take, so every one is drivable.
GENERATED_MIN_RADIUS_M = 18.0
CONTROL_POINTS = 72


def generate_points(seed: int) -> np.ndarray:
    """Centre-line control points (CONTROL_POINTS, 2) for `seed`. Deterministic."""
    rng = np.random.default_rng(seed)
    phi = np.linspace(0.0, 2.0 * np.pi, CONTROL_POINTS, endpoint=False)
    for _ in range(200):
        harmonics = rng.integers(2, 6, size=3)
        amps = rng.uniform(0.05, 0.28, size=3) / np.sqrt(harmonics / 2.0)
        phases = rng.uniform(0.0, 2.0 * np.pi, size=3)
        r = 1.0 + sum(
            a * np.cos(k * phi + p) for a, k, p in zip(amps, harmonics, phases, strict=True)
        )
        if r.min() < 0.35:
            continue
        shape = np.column_stack([r * np.cos(phi), r * np.sin(phi)])
        stretch = rng.uniform(0.7, 1.3)
        shape[:, 0] *= stretch
        target_len = rng.uniform(MIN_LENGTH_M * 1.05, MAX_LENGTH_M * 0.95)
        closed = np.vstack([shape, shape[:1]])
        unit_len = np.linalg.norm(np.diff(closed, axis=0), axis=1).sum()
        pts = shape * (target_len / unit_len)
        # Clockwise loops and anticlockwise loops are both wanted: flip half of them.
        if rng.random() < 0.5:
            pts = pts[::-1].copy()
        track = Track(name="candidate", points=pts)
        if (
            track.min_radius >= GENERATED_MIN_RADIUS_M
            and MIN_LENGTH_M <= track.length <= MAX_LENGTH_M
        ):
            return pts
    raise RuntimeError(f"no drivable track found for seed {seed}")  # never seen in practice


def generate_track(seed: int, lane_width: float = DEFAULT_LANE_WIDTH) -> Track:
    """A validated generated track named `gen:SEED`."""
    return build_track(
        f"gen:{seed}",
        generate_points(seed),
        lane_width,
        source=f"procedural generator, seed {seed}",
        license="generated",
    )
