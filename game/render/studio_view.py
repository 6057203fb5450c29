"""Drawing for the Studio screen: the timeline of a recording (steering, the model's
prediction, throttle, speed, who drove), the whole-session strip, the filmstrip and the
steering histogram. Pure drawing: the numbers come from game/sessions/studio.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pygame

from game.render import theme
from game.render.theme import Color

SOURCE_COLORS: dict[str, Color] = {
    "human": theme.GOOD,
    "expert": theme.ACCENT_2,
    "recovery": (200, 120, 255),
    "takeover": theme.ACCENT,
}
OTHER_SOURCE = theme.TEXT_DIM
STEERING = theme.TEXT
PREDICTION = theme.ACCENT
THROTTLE = theme.GOOD
SPEED = theme.ACCENT_2
DELETED = (60, 64, 74)
MIRRORED = (200, 120, 255)
SELECTION = (64, 200, 244)
LABEL_W = 64  # room at the left of each lane for its name


@dataclass
class TimelineData:
    """The visible rows' values (all the same length) and where cursor and selection are."""

    steering: np.ndarray
    throttle: np.ndarray | None
    speed: np.ndarray | None  # already scaled to 0..1
    source: np.ndarray  # str per row
    deleted: np.ndarray  # bool per row
    mirrored: np.ndarray
    prediction: np.ndarray | None  # NaN where not predicted
    driven: np.ndarray  # bool per row: the car was there (not a recovery view beside it)
    cursor: int | None  # index into the rows above, None when outside
    selection: tuple[int, int] | None  # [start, end) into the rows, clipped
    first_row: int  # the row number of index 0 (for the axis labels)
    speed_max: float = 0.0  # m/s at the top of the speed lane


def _xs(n: int, rect: pygame.Rect) -> np.ndarray:
    """x pixel of the centre of each of n rows across rect."""
    return rect.x + (np.arange(n) + 0.5) * rect.w / max(n, 1)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    m = np.concatenate([[False], np.asarray(mask, bool), [False]]).astype(np.int8)
    e = np.flatnonzero(np.diff(m))
    return list(zip(e[::2].tolist(), e[1::2].tolist(), strict=True))


def _span(rect: pygame.Rect, n: int, a: int, b: int) -> pygame.Rect:
    x0 = rect.x + int(a * rect.w / max(n, 1))
    x1 = rect.x + int(np.ceil(b * rect.w / max(n, 1)))
    return pygame.Rect(x0, rect.y, max(x1 - x0, 1), rect.h)


def _line(surface: pygame.Surface, rect: pygame.Rect, ys: np.ndarray, lo: float, hi: float,
          color: Color, width: int = 1, rows: np.ndarray | None = None) -> None:  # fmt: skip
    """A polyline of ys (lo at the bottom, hi at the top) across rect; NaNs break it. `rows`:
    only these row indices are joined (e.g. the driven rows, not the recovery views between
    them). More rows than pixels are drawn as each pixel column's min..max, so no spike is
    lost."""
    n = len(ys)
    if n == 0:
        return
    ys = np.asarray(ys, np.float64)
    idx = np.arange(n) if rows is None else np.asarray(rows)
    if len(idx) > rect.w * 2:  # decimate to pixel columns: min and max per column
        cols = np.minimum((idx * rect.w) // n, rect.w - 1)
        for c_lo, c_hi, c_x in _column_extents(ys[idx], cols, rect.w):
            y0 = _y(c_lo, rect, lo, hi)
            y1 = _y(c_hi, rect, lo, hi)
            pygame.draw.line(surface, color, (rect.x + c_x, y0), (rect.x + c_x, y1), width)
        return
    xs = _xs(n, rect)
    pts: list[tuple[float, float]] = []
    for i in idx:
        v = ys[i]
        if np.isfinite(v):
            pts.append((xs[i], _y(v, rect, lo, hi)))
        else:
            _flush(surface, pts, color, width)
            pts = []
    _flush(surface, pts, color, width)


def _dots(surface: pygame.Surface, rect: pygame.Rect, ys: np.ndarray, rows: np.ndarray,
          color: Color) -> None:  # fmt: skip
    """One small mark per row in `rows` (when there is room for them)."""
    n = len(ys)
    if not len(rows) or n > rect.w:
        return
    xs = _xs(n, rect)
    for i in rows:
        if np.isfinite(ys[i]):
            y = int(_y(ys[i], rect, -1.0, 1.0))
            pygame.draw.line(surface, color, (int(xs[i]) - 1, y), (int(xs[i]) + 1, y))


def _column_extents(ys: np.ndarray, cols: np.ndarray, w: int):
    finite = np.isfinite(ys)
    lo = np.full(w, np.inf)
    hi = np.full(w, -np.inf)
    np.minimum.at(lo, cols[finite], ys[finite])
    np.maximum.at(hi, cols[finite], ys[finite])
    for c in np.flatnonzero(np.isfinite(lo)):
        yield lo[c], hi[c], int(c)


def _flush(surface, pts, color, width) -> None:
    if len(pts) >= 2:
        pygame.draw.lines(surface, color, False, pts, width)
    elif len(pts) == 1:
        pygame.draw.circle(surface, color, (int(pts[0][0]), int(pts[0][1])), 1)


def _y(v: float, rect: pygame.Rect, lo: float, hi: float) -> float:
    f = (min(max(float(v), lo), hi) - lo) / (hi - lo)
    return rect.bottom - 1 - f * (rect.h - 2)


def _label(surface, text: str, rect: pygame.Rect, color: Color = theme.TEXT_MUTED) -> None:
    theme.blit_text(surface, text, (rect.x - 8, rect.centery), theme.SMALL, color,
                    anchor="midright")  # fmt: skip


def timeline_lanes(rect: pygame.Rect) -> tuple[pygame.Rect, pygame.Rect, pygame.Rect]:
    """(steering lane, throttle/speed lane, source band) inside the timeline panel."""
    inner = pygame.Rect(rect.x + LABEL_W, rect.y + 8, rect.w - LABEL_W - 10, rect.h - 34)
    band_h = 12
    steer_h = (inner.h - band_h - 12) * 62 // 100
    steer = pygame.Rect(inner.x, inner.y, inner.w, steer_h)
    pedals = pygame.Rect(inner.x, steer.bottom + 6, inner.w, inner.h - steer_h - band_h - 12)
    band = pygame.Rect(inner.x, pedals.bottom + 6, inner.w, band_h)
    return steer, pedals, band


def draw_timeline(surface: pygame.Surface, rect: pygame.Rect, d: TimelineData) -> None:
    """Lanes over the visible rows: steering (-1..1, right up) with the prediction over it,
    throttle and speed, and a band coloured by source. Deleted rows are greyed, mirrored rows
    marked, the selection tinted, the cursor a vertical line."""
    theme.draw_panel(surface, rect, theme.PANEL, theme.PANEL_EDGE, radius=8)
    steer, pedals, band = timeline_lanes(rect)
    n = len(d.steering)
    for lane in (steer, pedals):
        pygame.draw.rect(surface, theme.PANEL_DARK, lane)
    if n == 0:
        return
    full = pygame.Rect(steer.x, steer.y, steer.w, band.bottom - steer.y)
    for a, b in _runs(d.deleted):
        pygame.draw.rect(surface, DELETED, _span(full, n, a, b))
    if d.selection is not None:
        sel = _span(full, n, *d.selection)
        tint = pygame.Surface(sel.size, pygame.SRCALPHA)
        tint.fill((*SELECTION, 48))
        surface.blit(tint, sel)
        pygame.draw.rect(surface, SELECTION, sel, 1)
    for a, b in _runs(d.mirrored):
        r = _span(steer, n, a, b)
        pygame.draw.rect(surface, MIRRORED, (r.x, steer.y, r.w, 4))
    zero = _y(0.0, steer, -1.0, 1.0)
    pygame.draw.line(surface, theme.PANEL_EDGE, (steer.x, zero), (steer.right, zero))
    # Lines join the driven rows; recovery views (displaced cameras at the same instant,
    # labelled with a correction) are dots, or the line would zigzag between them.
    driven, views = np.flatnonzero(d.driven), np.flatnonzero(~d.driven)
    if not len(driven):
        driven, views = views, driven
    if d.prediction is not None:  # under the recorded line, which stays visible where they meet
        _dots(surface, steer, d.prediction, views, (150, 110, 40))
        _line(surface, steer, d.prediction, -1.0, 1.0, PREDICTION, 3, rows=driven)
    _dots(surface, steer, d.steering, views, theme.TEXT_MUTED)
    _line(surface, steer, d.steering, -1.0, 1.0, STEERING, rows=driven)
    if d.throttle is not None:
        _line(surface, pedals, d.throttle, 0.0, 1.0, THROTTLE, rows=driven)
    if d.speed is not None:
        _line(surface, pedals, d.speed, 0.0, 1.0, SPEED, rows=driven)
    _draw_sources(surface, band, d.source)
    _label(surface, "steer", steer)
    _label(surface, "R +1", pygame.Rect(steer.x, steer.y, 1, 16), theme.TEXT_DIM)
    _label(surface, "L -1", pygame.Rect(steer.x, steer.bottom - 16, 1, 16), theme.TEXT_DIM)
    _label(surface, "pedals", pedals)
    _label(surface, "source", band)
    if d.cursor is not None:
        draw_timeline_cursor(surface, rect, n, d.cursor)
    first, last = d.first_row, d.first_row + n - 1
    y = band.bottom + 10
    theme.blit_text(surface, f"row {first}", (steer.x, y), theme.SMALL, theme.TEXT_DIM)
    theme.blit_text(surface, f"row {last}", (steer.right, y), theme.SMALL, theme.TEXT_DIM,
                    anchor="topright")  # fmt: skip
    legend = [("recorded", STEERING), ("model", PREDICTION), ("throttle", THROTTLE),
              ("speed" + (f" 0-{d.speed_max:.0f} m/s" if d.speed_max else ""), SPEED)]  # fmt: skip
    x = steer.x + 110
    for name, color in legend:
        pygame.draw.line(surface, color, (x, y + 7), (x + 16, y + 7), 3)
        x = theme.blit_text(surface, name, (x + 22, y), theme.SMALL, theme.TEXT_MUTED).right + 16


def draw_timeline_cursor(surface: pygame.Surface, rect: pygame.Rect, n: int, cursor: int) -> None:
    """The cursor's line over a timeline panel of n visible rows (drawn every frame over a
    cached timeline)."""
    steer, _, band = timeline_lanes(rect)
    x = int(_xs(n, steer)[cursor])
    pygame.draw.line(surface, theme.ACCENT, (x, steer.y - 4), (x, band.bottom + 2), 2)


def _draw_sources(surface: pygame.Surface, band: pygame.Rect, source: np.ndarray) -> None:
    n = len(source)
    if n > band.w:  # one pixel column per row is the most the eye can see
        source = source[(np.arange(band.w) * n) // band.w]
        n = band.w
    if n == 0:
        return
    change = np.flatnonzero(source[1:] != source[:-1]) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [n]])
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        color = SOURCE_COLORS.get(str(source[a]), OTHER_SOURCE)
        pygame.draw.rect(surface, color, _span(band, n, a, b))


def row_at(rect: pygame.Rect, n: int, x: int) -> int:
    """The visible row index under x in a timeline panel's lanes (clamped)."""
    steer, _, _ = timeline_lanes(rect)
    f = (x - steer.x) / max(steer.w, 1)
    return min(max(int(f * n), 0), max(n - 1, 0))


def draw_overview(surface: pygame.Surface, rect: pygame.Rect, n: int, view: tuple[int, int],
                  cursor: int, deleted: Sequence[tuple[int, int]]) -> None:  # fmt: skip
    """The whole session as a thin strip: deleted ranges grey, the visible range a box."""
    pygame.draw.rect(surface, theme.PANEL_DARK, rect, border_radius=4)
    if n <= 0:
        return
    for a, b in deleted:
        pygame.draw.rect(surface, DELETED, _span(rect, n, a, b))
    box = _span(rect, n, *view)
    pygame.draw.rect(surface, theme.ACCENT_2, box, 2, border_radius=3)
    x = rect.x + int((cursor + 0.5) * rect.w / n)
    pygame.draw.line(surface, theme.ACCENT, (x, rect.y), (x, rect.bottom - 1), 2)


def draw_histogram(surface: pygame.Surface, rect: pygame.Rect, counts: np.ndarray,
                   title: str = "") -> None:  # fmt: skip
    """Steering histogram, -1 (left) .. +1 (right), bars on a square-root scale."""
    pygame.draw.rect(surface, theme.PANEL_DARK, rect, border_radius=4)
    if title:
        theme.blit_text(surface, title, (rect.x + 6, rect.y + 4), theme.SMALL, theme.TEXT_DIM)
    n = len(counts)
    top = float(max(counts.max(), 1)) if n else 1.0
    w = rect.w / max(n, 1)
    for i, c in enumerate(counts):
        h = int(round((rect.h - 24) * (c / top) ** 0.5))
        if h > 0:
            bar = pygame.Rect(int(rect.x + i * w) + 1, rect.bottom - 2 - h, max(int(w) - 1, 1), h)
            pygame.draw.rect(surface, theme.ACCENT_2, bar)
    pygame.draw.line(
        surface, theme.TEXT_DIM, (rect.centerx, rect.y + 20), (rect.centerx, rect.bottom)
    )
    theme.blit_text(surface, "L", (rect.x + 4, rect.bottom - 4), theme.SMALL, theme.TEXT_DIM,
                    anchor="bottomleft")  # fmt: skip
    theme.blit_text(surface, "R", (rect.right - 4, rect.bottom - 4), theme.SMALL, theme.TEXT_DIM,
                    anchor="bottomright")  # fmt: skip


def frame_surface(frame: np.ndarray | None, size: tuple[int, int]) -> pygame.Surface:
    """A dashcam frame scaled to `size` (black when there is none)."""
    if frame is None:
        s = pygame.Surface(size)
        s.fill((0, 0, 0))
        return s
    h, w = frame.shape[:2]
    image = pygame.image.frombuffer(np.ascontiguousarray(frame), (w, h), "RGB")
    return pygame.transform.smoothscale(image, size) if (w, h) != size else image.copy()


def draw_frame_marks(surface: pygame.Surface, rect: pygame.Rect, deleted: bool,
                     mirrored: bool) -> None:  # fmt: skip
    """Grey a deleted frame, mark a mirrored one, over a frame already drawn in `rect`."""
    if deleted:
        shade = pygame.Surface(rect.size, pygame.SRCALPHA)
        shade.fill((20, 22, 28, 170))
        surface.blit(shade, rect)
    if mirrored:
        pygame.draw.rect(surface, MIRRORED, rect, 3)
