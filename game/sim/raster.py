"""A top-down raster of a track's surface: one uint8 material id per texel.

The dashcam looks the ground up in this raster, so it is built once per track (and cached per
Track object, and on disk in the user's cache folder keyed by the track's geometry: building one
takes 0.3-1.7 s, loading it a few ms; the app fills it for the shipped tracks in the
background at start, so opening a screen on one never freezes the window).
Only the ground near the road differs from plain grass, so the raster is stored
as square tiles: tiles that touch the road hold texels, all others share one grass tile. That
keeps fine 8 cm texels affordable on a 4 km circuit (~10 MB instead of ~160 MB).

It is made by "splatting": points are sampled densely in the track's own frame (arc length s,
lateral offset) and written to the texels they land in, one material band at a time, so the
road always wins over kerbs and lines over asphalt where bands overlap.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from game.paths import user_cache_dir
from game.sim.track import Track

log = logging.getLogger(__name__)

# Material ids. DASH_GAP is asphalt between centre dashes: far away the dashcam blends dashes
# and gaps to their average colour (a cheap mip-map), so it needs to know which texels they are.
GRASS, ASPHALT, EDGE_LINE, DASH, DASH_GAP, KERB_RED, KERB_WHITE = range(7)
MATERIALS = ("grass", "asphalt", "edge_line", "dash", "dash_gap", "kerb_red", "kerb_white")

EDGE_LINE_WIDTH_M = 0.3  # solid white line just inside each road edge
DASH_WIDTH_M = 0.25
DASH_LENGTH_M = 3.0
DASH_PERIOD_M = 8.0  # dash + gap; adjusted per track so the pattern closes on the loop
KERB_WIDTH_M = 0.9
KERB_STRIPE_M = 1.0
KERB_MIN_CURVATURE = 1.0 / 120.0  # kerbs line bends tighter than this radius...
KERB_EXTEND_M = 10  # ...and run this far before and after them

RES_M = 0.08  # texel size
TILE_SHIFT = 6
TILE = 1 << TILE_SHIFT  # texels per tile side
MARGIN_M = 12.0


@dataclass(frozen=True)
class TrackRaster:
    """Material ids on a regular grid: texel (row, col) covers x0 + col*res, y0 + row*res.

    Texel (row, col) lives in tile tile_index[row >> TILE_SHIFT, col >> TILE_SHIFT] at
    (row % TILE, col % TILE); tile 0 is the shared all-grass tile.
    """

    tiles: np.ndarray  # (n_tiles, TILE, TILE) uint8
    tile_index: np.ndarray  # (tile_rows, tile_cols) int32
    x0: float
    y0: float
    res: float
    dash_period: float

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols) in texels."""
        tr, tc = self.tile_index.shape
        return tr * TILE, tc * TILE

    def storage_index(self, row: np.ndarray, col: np.ndarray) -> np.ndarray:
        """Flat index into `tiles` of texels (row, col) (int32 arrays inside `shape`)."""
        t = self.tile_index.reshape(-1).take(
            (row >> TILE_SHIFT) * self.tile_index.shape[1] + (col >> TILE_SHIFT)
        )
        t <<= 2 * TILE_SHIFT
        t += (row & (TILE - 1)) << TILE_SHIFT
        t += col & (TILE - 1)
        return t

    def lookup(self, row: np.ndarray, col: np.ndarray) -> np.ndarray:
        """Material ids of texels (row, col) (int32 arrays inside `shape`)."""
        return self.tiles.reshape(-1).take(self.storage_index(row, col))

    def material_at(self, x: float, y: float) -> int:
        """Material id under a world point (grass outside the raster)."""
        col = math.floor((x - self.x0) / self.res)
        row = math.floor((y - self.y0) / self.res)
        rows, cols = self.shape
        if 0 <= row < rows and 0 <= col < cols:
            return int(self.lookup(np.array([row], np.int32), np.array([col], np.int32))[0])
        return GRASS

    @property
    def nbytes(self) -> int:
        return self.tiles.nbytes + self.tile_index.nbytes


def build_raster(track: Track, res: float = RES_M) -> TrackRaster:
    """Rasterise the road, its lines and kerbs; everything else is grass."""
    half_road = track.lane_width  # two lanes: the road edge is one lane width from the centre
    outer = half_road + KERB_WIDTH_M
    xmin, ymin, xmax, ymax = track.bounds(margin=outer + MARGIN_M)
    tile_m = TILE * res
    shape = (int(math.ceil((ymax - ymin) / tile_m)), int(math.ceil((xmax - xmin) / tile_m)))
    splat = _Splatter(track, res)

    # Tiles the road touches (coarse samples, grown by one tile to catch every splat point).
    step = tile_m / 2.0
    pts = splat.pos[:: max(1, int(step / splat.step))]
    nrm = splat.left[:: max(1, int(step / splat.step))]
    used = np.zeros((shape[0] + 2, shape[1] + 2), bool)
    for lat in np.linspace(-outer, outer, int(math.ceil(2 * outer / step)) + 1):
        p = pts + nrm * lat
        used[
            ((p[:, 1] - ymin) // tile_m).astype(int) + 1,
            ((p[:, 0] - xmin) // tile_m).astype(int) + 1,
        ] = True
    grown = used.copy()
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            grown[1:-1, 1:-1] |= used[1 + dy : shape[0] + 1 + dy, 1 + dx : shape[1] + 1 + dx]
    grown = grown[1:-1, 1:-1]
    tile_index = np.zeros(shape, np.int32)
    tile_index[grown] = np.arange(1, int(grown.sum()) + 1)
    tiles = np.zeros((int(grown.sum()) + 1, TILE, TILE), np.uint8)  # tile 0 stays grass
    raster = TrackRaster(
        tiles,
        tile_index,
        xmin,
        ymin,
        res,
        track.length / max(1, round(track.length / DASH_PERIOD_M)),
    )
    splat.raster = raster

    w, kw, ew, dw = half_road, KERB_WIDTH_M, EDGE_LINE_WIDTH_M, DASH_WIDTH_M
    kerbed = _kerb_mask(track)[splat.seg]
    kerb_s = splat.s[kerbed]
    kerb = np.where((kerb_s // KERB_STRIPE_M) % 2 == 0, KERB_RED, KERB_WHITE).astype(np.uint8)
    for lo, hi in ((w, w + kw), (-w - kw, -w)):
        splat.band(lo, hi, kerb, where=kerbed)
    splat.band(-w, w, ASPHALT)
    for lo, hi in ((w - ew, w), (-w, -w + ew)):
        splat.band(lo, hi, EDGE_LINE)
    dash = np.where(splat.s % raster.dash_period < DASH_LENGTH_M, DASH, DASH_GAP).astype(np.uint8)
    splat.band(-dw / 2, dw / 2, dash)
    return raster


def _kerb_mask(track: Track) -> np.ndarray:
    """Per centre-line sample: True where kerbs line the road (bends, a little extended)."""
    bend = (np.abs(track.curvature) > KERB_MIN_CURVATURE).astype(float)
    k = KERB_EXTEND_M  # samples are 1 m apart
    wrapped = np.concatenate([bend[-k:], bend, bend[:k]])
    return np.convolve(wrapped, np.ones(2 * k + 1), mode="same")[k:-k] > 0


class _Splatter:
    """Samples the track frame densely enough that every texel of a band gets hit."""

    raster: TrackRaster  # set once the tiles are allocated

    def __init__(self, track: Track, res: float) -> None:
        self.step = 0.45 * res  # < half a texel: no holes, even on the outside of bends
        cl = track.centerline
        seg_vec = np.roll(cl, -1, axis=0) - cl
        seg_len = np.linalg.norm(seg_vec, axis=1)
        # Normals turn smoothly along each segment (vertex tangents interpolated), otherwise the
        # outside of a bend would show gaps at every 1 m vertex.
        h = track.headings
        vert = h - 0.5 * _wrap(h - np.roll(h, 1))  # tangent at vertex i: between segments i-1, i
        dvert = _wrap(np.roll(vert, -1) - vert)
        self.s = np.arange(0.0, track.length, self.step)
        self.seg = np.clip(np.searchsorted(track.s, self.s, side="right") - 1, 0, track.n - 1)
        t = (self.s - track.s[self.seg]) / seg_len[self.seg]
        self.pos = cl[self.seg] + seg_vec[self.seg] * t[:, None]
        ang = vert[self.seg] + dvert[self.seg] * t
        self.left = np.column_stack([-np.sin(ang), np.cos(ang)])  # left unit normal

    def band(self, lo: float, hi: float, material, where: np.ndarray | None = None) -> None:
        """Write `material` (an id, or one id per selected sample) to lateral offsets lo..hi m
        (left positive) along the track (or only at samples where `where` is True)."""
        n_lat = max(2, int(math.ceil((hi - lo) / self.step)) + 1)
        lat = np.linspace(lo, hi, n_lat)
        pos, left = self.pos, self.left
        if where is not None:
            pos, left = pos[where], left[where]
        r = self.raster
        flat = r.tiles.reshape(-1)
        mat = np.asarray(material, np.uint8)
        chunk = max(1, 2_000_000 // n_lat)  # bound temporary memory
        for i in range(0, len(pos), chunk):
            p, nv = pos[i : i + chunk], left[i : i + chunk]
            col = ((p[:, 0:1] + nv[:, 0:1] * lat - r.x0) / r.res).astype(np.int32)
            row = ((p[:, 1:2] + nv[:, 1:2] * lat - r.y0) / r.res).astype(np.int32)
            flat[r.storage_index(row, col)] = mat if mat.ndim == 0 else mat[i : i + chunk, None]


def _wrap(a: np.ndarray) -> np.ndarray:
    return (a + np.pi) % (2.0 * np.pi) - np.pi


_CACHE: dict[int, tuple[weakref.ref, TrackRaster]] = {}
# Bump when build_raster's output changes for the same track: old cache files are then ignored.
RASTER_FORMAT = 1


def raster_for(track: Track) -> TrackRaster:
    """The track's raster: shared while the Track object lives, read from the disk cache when
    an earlier run built it, else built (and written there for the next time)."""
    for key in [k for k, (ref, _) in _CACHE.items() if ref() is None]:
        del _CACHE[key]  # tracks that are gone: free their rasters
    hit = _CACHE.get(id(track))
    if hit is not None and hit[0]() is track:
        return hit[1]
    path = cache_path(track)
    raster = _read(path)
    if raster is None:
        raster = build_raster(track)
        _write(path, raster)
    _CACHE[id(track)] = (weakref.ref(track), raster)
    return raster


def forget_cached() -> None:
    """Drop every raster held in memory (benches time a first visit with this)."""
    _CACHE.clear()


def fill_disk_cache(tracks: Iterable[Track], stop: Callable[[], bool] = lambda: False) -> int:
    """Build and write the rasters of `tracks` that the disk cache lacks (the app does this
    for the shipped tracks in the background, so even a first visit loads from the cache).
    Checks `stop` between tracks. Returns how many were built."""
    built = 0
    for track in tracks:
        if stop():
            break
        path = cache_path(track)
        if not path.is_file():
            _write(path, build_raster(track))
            built += 1
    return built


def track_key(track: Track, res: float = RES_M) -> str:
    """A digest of everything the raster depends on: the centre line, lane width, texel size
    and this module's format."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(track.centerline, np.float64).tobytes())
    h.update(f"{track.lane_width!r}/{res!r}/{RASTER_FORMAT}/{TILE}".encode())
    return h.hexdigest()[:32]


def cache_path(track: Track) -> Path:
    return user_cache_dir("rasters") / f"{track_key(track)}.npy"


_FIELDS = ("x0", "y0", "res", "dash_period")


def _read(path: Path) -> TrackRaster | None:
    """The cached raster at `path`, or None (missing, unreadable or not a raster: the cache is
    derived data, so a bad file is simply built again and overwritten).

    The file is three .npy arrays one after the other (tiles, tile index, the four numbers):
    unlike an .npz it has no zip CRC to compute, which was most of the reading time."""
    if not path.is_file():
        return None
    try:
        with open(path, "rb") as f:
            tiles, index, meta = (np.load(f, allow_pickle=False) for _ in range(3))
        if tiles.dtype != np.uint8 or tiles.shape[1:] != (TILE, TILE) or meta.shape != (4,):
            raise ValueError("not a track raster")
        if index.dtype != np.int32 or index.ndim != 2:
            raise ValueError("not a tile index")
        if index.max(initial=0) >= len(tiles) or index.min(initial=0) < 0:
            raise ValueError("tile index out of range")
        return TrackRaster(tiles, index, *(float(v) for v in meta))
    except (OSError, ValueError, EOFError) as e:
        log.warning("raster cache %s unreadable (%s): building it again", path, e)
        return None


def _write(path: Path, raster: TrackRaster) -> None:
    """Write atomically (a temporary file, then a rename); a full or read-only disk only costs
    the next visit the build time."""
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
    meta = np.array([getattr(raster, f) for f in _FIELDS], np.float64)
    try:
        with open(tmp, "wb") as f:
            for array in (raster.tiles, raster.tile_index, meta):
                np.save(f, array, allow_pickle=False)
        os.replace(tmp, path)
    except OSError as e:
        log.warning("raster cache %s not written: %s", path, e)
        tmp.unlink(missing_ok=True)
