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


LEAF_SEGMENTS = 8  # a box holding more segments than this is split in two
SPLIT_GAIN = 0.75  # split only if each half keeps at most this share of the box's segments
MAX_ENTRIES_PER_SEGMENT = 16  # beyond ~16 n (segment, box) entries, stop splitting
BIG_LEAF = 64  # leaves with more segments are scanned in index order, stopping at a crossing
SCAN_BLOCK_PAIRS = 1 << 20  # pairs tested per step of that scan


class TooDenseError(ValueError):
    """The crossing check would test more segment pairs than it was allowed to."""


def _crosses(a: np.ndarray, d: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Whether segment i[k] crosses segment j[k] (the test the all-pairs scan always made)."""
    p, r = a[i], d[i]
    q, s = a[j], d[j]
    rxs = r[:, 0] * s[:, 1] - r[:, 1] * s[:, 0]
    qp = q - p
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        t = (qp[:, 0] * s[:, 1] - qp[:, 1] * s[:, 0]) / rxs
        u = (qp[:, 0] * r[:, 1] - qp[:, 1] * r[:, 0]) / rxs
    return (np.abs(rxs) > 1e-12) & (t >= 0) & (t <= 1) & (u >= 0) & (u <= 1)


def _leaves(a: np.ndarray, d: np.ndarray):
    """Yield (i, j) arrays of segments that share a small leaf of a k-d tree of their boxes,
    and, whole, the segment arrays of leaves too crowded to pair up at once.

    Each box is split at the median of its segments' midpoints, on the axis that splits it
    best; a segment that straddles the cut goes to both halves. Two segments that cross share
    the crossing point P, and for a cut at v both have min <= P <= max, so both go left when
    P <= v and both go right when P >= v: they always meet again in some leaf.
    """
    b = a + d
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    with np.errstate(over="ignore", invalid="ignore"):
        mid = (lo + hi) / 2.0
    finite = np.isfinite(lo).all(axis=1) & np.isfinite(hi).all(axis=1) & np.isfinite(mid).all(
        axis=1
    )
    seg = np.flatnonzero(finite)  # a NaN segment can never pass the crossing test
    node = np.zeros(len(seg), np.int64)
    max_entries = MAX_ENTRIES_PER_SEGMENT * len(seg) + 100_000
    while len(seg):
        order = np.argsort(node, kind="stable")
        seg, node = seg[order], node[order]
        starts = np.flatnonzero(np.concatenate([[True], node[1:] != node[:-1]]))
        counts = np.diff(np.append(starts, len(node)))
        split = counts > LEAF_SEGMENTS
        if len(seg) > max_entries:
            split[:] = False  # pathological input: pair up what there is (within max_pairs)
        if split.any():
            # For each crowded box and each axis: cut at the median midpoint, count each side.
            rank = np.repeat(np.cumsum(split) - 1, counts)  # index among split boxes, or junk
            in_split = np.repeat(split, counts)
            s_seg, s_rank = seg[in_split], rank[in_split]
            n_split = int(split.sum())
            s_counts = counts[split]
            s_starts = np.concatenate([[0], np.cumsum(s_counts)[:-1]])
            best_max = np.full(n_split, np.inf)
            best_left = np.zeros(len(s_seg), bool)
            best_right = np.zeros(len(s_seg), bool)
            for axis in (0, 1):
                m = mid[s_seg, axis]
                by = np.lexsort((m, s_rank))
                cut = np.repeat(m[by][s_starts + s_counts // 2], s_counts)
                left = lo[s_seg, axis] <= cut
                right = hi[s_seg, axis] >= cut
                worst = np.maximum(
                    np.bincount(s_rank, left, n_split), np.bincount(s_rank, right, n_split)
                )
                better = worst < best_max
                best_max = np.where(better, worst, best_max)
                use = np.repeat(better, s_counts)
                best_left = np.where(use, left, best_left)
                best_right = np.where(use, right, best_right)
            # A cut that leaves most segments on both sides gains nothing: keep the box whole.
            gain = best_max <= SPLIT_GAIN * s_counts
            split[np.flatnonzero(split)[~gain]] = False
        leaf_entry = np.repeat(~split, counts)
        if (~split).any():
            c = counts[~split].astype(np.int64)
            big = np.repeat(c > BIG_LEAF, c)
            l_seg, l_node = seg[leaf_entry], node[leaf_entry]
            for group in np.split(l_seg[big], np.flatnonzero(np.diff(l_node[big])) + 1):
                if len(group):
                    yield group
            l_seg, l_node = l_seg[~big], l_node[~big]
            for off in range(1, min(int(c.max()), BIG_LEAF)):
                same = l_node[:-off] == l_node[off:]
                yield l_seg[:-off][same], l_seg[off:][same]
        if not split.any():
            return
        # Children of the k-th box that is split: 2k (low side) and 2k+1 (high side).
        keep = np.repeat(gain, s_counts)
        s_seg, s_rank = s_seg[keep], np.cumsum(gain)[s_rank[keep]] - 1
        left, right = best_left[keep], best_right[keep]
        seg = np.concatenate([s_seg[left], s_seg[right]])
        node = np.concatenate([2 * s_rank[left], 2 * s_rank[right] + 1])


def segments_intersect(
    points: np.ndarray, max_pairs: int | None = None
) -> tuple[int, int] | None:
    """First pair (i, j), i < j, of non-adjacent segments of a closed polyline that cross.

    "First" is the smallest i, then the smallest j, as a scan of every pair finds. The pairs
    tested come from a k-d tree of the segments, so a loop of n points costs about
    O(n log n) instead of O(n^2). Raises TooDenseError if more than `max_pairs` pairs would
    have to be tested (only for strands packed unnaturally tight, e.g. lying on each other).
    """
    a = np.asarray(points, dtype=float)
    n = len(a)
    if n < 4:
        return None  # every pair of segments of a triangle is adjacent
    d = np.roll(a, -1, axis=0) - a
    best = None  # i * n + j of the first crossing found so far
    tested = 0
    for leaf in _leaves(a, d):
        if isinstance(leaf, tuple):
            lo, hi = np.minimum(*leaf), np.maximum(*leaf)
            found, count = _first_crossing(a, d, lo, hi, n)
        else:
            found, count = _scan_leaf(a, d, np.sort(leaf), n, best, max_pairs, tested)
        tested += count
        if found is not None and (best is None or found < best):
            best = found
        if max_pairs is not None and tested > max_pairs:
            if best is not None:
                break  # it does cross; which pair is first is not worth more time
            raise TooDenseError(f"more than {max_pairs:,} segment pairs to test")
    return None if best is None else divmod(best, n)


def _first_crossing(
    a: np.ndarray, d: np.ndarray, lo: np.ndarray, hi: np.ndarray, n: int
) -> tuple[int | None, int]:
    """(smallest lo * n + hi among the pairs that cross, or None; pairs tested)."""
    ok = (hi - lo >= 2) & ~((lo == 0) & (hi == n - 1))  # neighbours share a point: skip
    lo, hi = lo[ok], hi[ok]
    hit = _crosses(a, d, lo, hi)
    return (int((lo[hit] * n + hi[hit]).min()) if hit.any() else None), len(lo)


def _scan_leaf(
    a: np.ndarray,
    d: np.ndarray,
    group: np.ndarray,
    n: int,
    best: int | None,
    max_pairs: int | None,
    tested: int,
) -> tuple[int | None, int]:
    """First crossing in a crowded leaf (sorted segment ids), scanning rows in index order.

    Crowded leaves are either many crossings (stop at the first row that has one) or strands
    lying on each other (the scan runs into max_pairs).
    """
    c = len(group)
    rows = max(1, SCAN_BLOCK_PAIRS // c)
    count = 0
    for start in range(0, c - 1, rows):
        if best is not None and group[start] > best // n:
            break  # every pair left starts after the best crossing found
        if max_pairs is not None and tested + count > max_pairs:
            break  # the caller raises TooDenseError
        pos_i = np.arange(start, min(start + rows, c - 1))
        pos_j = np.arange(c)
        ii, jj = np.nonzero(pos_j[None, :] > pos_i[:, None])
        found, k = _first_crossing(a, d, group[pos_i[ii]], group[jj], n)
        count += k
        if found is not None:
            return found, count
    return None, count


def segments_intersect_bruteforce(points: np.ndarray) -> tuple[int, int] | None:
    """The O(n^2) scan segments_intersect replaces; kept as the reference for its tests."""
    a = np.asarray(points, dtype=float)
    n = len(a)
    d = np.roll(a, -1, axis=0) - a
    for i in range(n):
        j = np.arange(i + 2, n)
        if i == 0:
            j = j[j != n - 1]
        if len(j) == 0:
            continue
        hit = _crosses(a, d, np.full(len(j), i), j)
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
