"""A reusable line chart: loss curves per epoch, net score over rounds, anything over time.

    chart = LineChart(pygame.Rect(40, 80, 520, 260), "Loss", y_label="MSE", x_label="epoch")
    chart.add("train", 0.12)            # x defaults to the series' next index
    chart.add("val", 0.15, x=1)
    chart.draw(screen)

Axes fit the data (or a fixed `y_range`) and are marked at round values (nice_ticks: steps of
1, 2, 2.5 or 5 times a power of ten); series keep their colour by order of first use.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pygame

from game.render import theme
from game.render.theme import Color

PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 56, 16, 40, 28
LEGEND_VALUE_W = 44  # room kept for each legend value, so the row does not flip as they change


def _fmt(v: float) -> str:
    """Short legend numbers: 1234, 12.3, 0.0123."""
    return f"{v:.0f}" if abs(v) >= 1000 else f"{v:.3g}"


NICE_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)  # tick steps per decade (matplotlib's MaxNLocator's)


def nice_ticks(lo: float, hi: float, max_ticks: int = 6) -> list[float]:
    """At most `max_ticks` (3 or more) evenly spaced round values (steps of 1, 2, 2.5 or 5
    times a power of ten), the first at or below `lo`, the last at or above `hi`: the axis
    then spans them."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"axis bounds must be finite, got {lo}, {hi}")
    if hi < lo:
        lo, hi = hi, lo
    if hi - lo < 1e-12 * max(abs(lo), abs(hi), 1.0):
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    intervals = max(max_ticks - 1, 2)  # two: a range across zero needs a tick at it
    raw = (hi - lo) / intervals
    decade = 10.0 ** math.floor(math.log10(raw))
    # Snapping the ends out to whole steps can need a bigger step than `raw`: try the nice
    # steps of the next decades too.
    for mult in (m * 10**k for k in range(4) for m in NICE_STEPS[:-1]):
        step = mult * decade
        first = math.floor(lo / step + 1e-9) * step
        last = math.ceil(hi / step - 1e-9) * step
        if round((last - first) / step) <= intervals:
            break
    n = int(round((last - first) / step))
    return [_clean(first + k * step) for k in range(n + 1)]


def _clean(v: float) -> float:
    """Round away float noise (0.30000000000000004) and negative zero."""
    v = float(f"{v:.12g}")
    return 0.0 if v == 0 else v


def tick_labels(ticks: Sequence[float]) -> list[str]:
    """Labels with as many decimals as the step needs and no more: 0 0.5 1, 0.02 0.04, 100 200."""
    if len(ticks) < 2:
        return [f"{t:g}" for t in ticks]
    step = abs(ticks[1] - ticks[0])
    decimals = 0
    while decimals < 8 and abs(step * 10**decimals - round(step * 10**decimals)) > 1e-6:
        decimals += 1
    return [f"{t:,.{decimals}f}" for t in ticks]


def legend_rows(
    names: list[str], widths: list[int], rect: pygame.Rect, title_right: int
) -> list[tuple[list[str], int]]:
    """A card's legend as (names, y) rows, right-aligned: on the title's line when every
    entry (`widths`, in pixels) fits right of `title_right`, else in rows of their own below
    the title, each within the card (never drawn over the title or past the card)."""
    if sum(widths) <= rect.right - 14 - (title_right + 16):
        return [(names, rect.y + 18)]
    rows: list[tuple[list[str], int]] = []
    row: list[str] = []
    used = 0
    for name, w in zip(names, widths, strict=True):
        if row and used + w > rect.w - 28:
            rows.append((row, rect.y + 40 + 18 * len(rows)))
            row, used = [], 0
        row.append(name)
        used += w
    rows.append((row, rect.y + 40 + 18 * len(rows)))
    return rows


def legend_drop(rows: list[tuple[list[str], int]], rect: pygame.Rect) -> int:
    """How far a legend below the title pushes the plot down (0 on the title's line)."""
    return 0 if rows[-1][1] == rect.y + 18 else rows[-1][1] - rect.y - 14


def whole_ticks(lo: int, hi: int, max_ticks: int = 6) -> list[float]:
    """Whole-number ticks from `lo` to at least `hi` (and past `lo`), at most `max_ticks`:
    for an axis that counts (rounds, epochs), where 1.8 or 2.5 would mean nothing."""
    step = max(1, math.ceil((max(hi, lo + 1) - lo) / max(max_ticks - 1, 1)))
    n = max(1, math.ceil((max(hi, lo + 1) - lo) / step))
    return [float(lo + i * step) for i in range(n + 1)]


class LineChart:
    def __init__(
        self,
        rect: pygame.Rect,
        title: str = "",
        y_label: str = "",
        x_label: str = "",
        y_range: tuple[float, float] | None = None,
        max_points: int = 2000,
        colors: Sequence[Color] = theme.SERIES,
        reference: tuple[float, str] | None = None,
        hint: str = "",
        value_format: Callable[[float], str] = _fmt,
    ) -> None:
        """`y_label` / `x_label`: what the axes measure (beside the title / at the x axis'
        right end); `reference`: (y, label) drawn as a dashed line (e.g. pure chance); `hint`:
        what the chart will show, written under it while it has no data; `value_format`: how
        the legend writes each series' latest value (e.g. as a percentage)."""
        self.value_format = value_format
        self.rect = pygame.Rect(rect)
        self.reference = reference
        self.hint = hint
        self.title = title
        self.y_label = y_label
        self.x_label = x_label
        self.y_range = y_range
        self.max_points = max_points
        self.colors = list(colors)
        self.series: dict[str, list[tuple[float, float]]] = {}

    def add(self, name: str, y: float, x: float | None = None) -> None:
        pts = self.series.setdefault(name, [])
        pts.append((float(len(pts)) if x is None else float(x), float(y)))
        if len(pts) > self.max_points:
            del pts[: len(pts) - self.max_points]

    def set(self, name: str, ys: Sequence[float], xs: Sequence[float] | None = None) -> None:
        """Replace a whole series."""
        xs = range(len(ys)) if xs is None else xs
        self.series[name] = [(float(x), float(y)) for x, y in zip(xs, ys, strict=True)]

    def clear(self) -> None:
        self.series.clear()

    def color_of(self, name: str) -> Color:
        i = list(self.series).index(name) if name in self.series else len(self.series)
        return self.colors[i % len(self.colors)]

    def legend_below(self) -> bool:
        """True when the legend does not fit beside the title: it then gets rows of its own."""
        return legend_drop(self._legend(), self.rect) > 0

    def plot_rect(self) -> pygame.Rect:
        """The area inside the axes (below the legend when it needs rows of its own)."""
        r = self.rect
        drop = legend_drop(self._legend(), r)
        return pygame.Rect(
            r.x + PAD_LEFT,
            r.y + PAD_TOP + drop,
            r.w - PAD_LEFT - PAD_RIGHT,
            r.h - PAD_TOP - PAD_BOTTOM - drop,
        )

    def _labels(self) -> dict[str, str]:
        """Each series' legend entry: its name and latest value."""
        return {
            name: f"{name} {self.value_format(pts[-1][1])}" if pts else name
            for name, pts in self.series.items()
        }

    def _legend(self) -> list[tuple[list[str], int]]:
        labels = self._labels()
        title_right = self.rect.x + 14 + theme.text(self.title, theme.BODY).get_width()
        if self.y_label:
            title_right += 8 + theme.text(self.y_label, theme.SMALL).get_width()
        # Room for each value is kept whatever it reads now, so the legend does not jump
        # between rows as the values change.
        small = theme.font(theme.SMALL)
        widths = [
            max(small.size(label)[0], small.size(name)[0] + LEGEND_VALUE_W) + 30
            for name, label in labels.items()
        ]
        return legend_rows(list(labels), widths, self.rect, title_right)

    def _draw_reference(self, surface: pygame.Surface, plot: pygame.Rect) -> None:
        if self.reference is None or self.y_range is None:
            return
        value, label = self.reference
        y0, y1 = self.y_range
        y = plot.bottom - plot.h * (value - y0) / (y1 - y0)
        for x in range(plot.x, plot.right, 12):
            pygame.draw.line(surface, theme.TEXT_MUTED, (x, y), (min(x + 6, plot.right), y))
        at = (plot.right - 2, y - 9)
        theme.blit_text(surface, label, at, theme.SMALL, theme.TEXT_MUTED, anchor="midright")

    def _ticks(self, plot: pygame.Rect) -> tuple[list[float], list[float]]:
        """(x ticks, y ticks): round values spanning the data (or `y_range`); the axes run from
        the first tick to the last."""
        pts = [p for s in self.series.values() for p in s]
        xs = [p[0] for p in pts]
        n_x = max(3, min(6, plot.w // 70))
        x_ticks = nice_ticks(min(xs), max(xs), n_x)
        if all(float(x).is_integer() for x in xs) and not all(t.is_integer() for t in x_ticks):
            x_ticks = whole_ticks(int(min(xs)), int(max(xs)), n_x)  # counts: rounds, epochs
        if self.y_range is not None:
            y0, y1 = self.y_range
        else:
            y0, y1 = min(p[1] for p in pts), max(p[1] for p in pts)
        y_ticks = nice_ticks(y0, y1, max(3, min(6, plot.h // 28)))
        if self.y_range is not None:  # a fixed range keeps its ends; only ticks inside it
            y_ticks = [t for t in y_ticks if y0 - 1e-9 <= t <= y1 + 1e-9]
        return x_ticks, y_ticks

    def _bounds(self) -> tuple[float, float, float, float]:
        """(x0, x1, y0, y1): the axes' ends."""
        x_ticks, y_ticks = self._ticks(self.plot_rect())
        y0, y1 = self.y_range if self.y_range is not None else (y_ticks[0], y_ticks[-1])
        return x_ticks[0], x_ticks[-1], y0, y1

    def draw(self, surface: pygame.Surface) -> None:
        r = self.rect
        theme.draw_panel(surface, r, theme.PANEL, theme.PANEL_EDGE, radius=10)
        title = theme.blit_text(
            surface, self.title, (r.x + 14, r.y + 18), theme.BODY, theme.TEXT, anchor="midleft"
        )
        if self.y_label:  # the y axis' quantity, beside the title
            at = (title.right + 8, r.y + 19)
            theme.blit_text(surface, self.y_label, at, theme.SMALL, theme.TEXT_DIM, "midleft")
        plot = self.plot_rect()
        # Legend: name and latest value, right-aligned in the title row (or rows below it).
        labels = self._labels()
        for names, y in self._legend() if self.series else []:
            lx = r.right - 14
            for name in reversed(names):
                color = self.color_of(name)
                lr = theme.blit_text(surface, labels[name], (lx, y), theme.SMALL, color,
                                     anchor="midright")  # fmt: skip
                pygame.draw.line(surface, color, (lr.x - 18, lr.centery), (lr.x - 6, lr.centery), 3)
                lx = lr.x - 30
        if not any(self.series.values()):
            theme.blit_text(
                surface, "no data yet", plot.center, theme.SMALL, theme.TEXT_DIM, anchor="center"
            )
            at = (r.centerx, r.bottom - 16)
            theme.blit_text(surface, self.hint, at, theme.SMALL, theme.TEXT_DIM, anchor="center")
            self._draw_reference(surface, plot)
            return
        x_ticks, y_ticks = self._ticks(plot)
        x0, x1, y0, y1 = self._bounds()
        sx = plot.w / (x1 - x0)
        sy = plot.h / (y1 - y0)
        for yv, text in zip(y_ticks, tick_labels(y_ticks), strict=True):  # grid with y values
            py = round(plot.bottom - (yv - y0) * sy)
            pygame.draw.line(surface, theme.PANEL_EDGE, (plot.x, py), (plot.right, py), 1)
            at = (plot.x - 6, py)
            theme.blit_text(surface, text, at, theme.SMALL, theme.TEXT_MUTED, anchor="midright")
        x_label = self._draw_x_label(surface, plot)
        for xv, text in zip(x_ticks, tick_labels(x_ticks), strict=True):
            px = round(plot.x + (xv - x0) * sx)
            pygame.draw.line(surface, theme.PANEL_EDGE, (px, plot.bottom), (px, plot.bottom + 4))
            anchor = "midleft" if xv == x0 else "midright" if xv == x1 else "center"
            img = theme.text(text, theme.SMALL, theme.TEXT_MUTED)
            rect = img.get_rect(**{anchor: (px, plot.bottom + 12)})
            if x_label is None or not rect.colliderect(x_label):
                surface.blit(img, rect)
        if y0 < 0.0 < y1:  # a signed quantity (net score): mark zero
            py = plot.bottom + y0 * sy
            pygame.draw.line(surface, theme.TEXT_DIM, (plot.x, py), (plot.right, py), 2)
        old_clip = surface.get_clip()
        surface.set_clip(plot.inflate(4, 4))
        for name, pts in self.series.items():
            # At most ~2 points per pixel column: long runs stay cheap to draw.
            step = max(1, len(pts) // max(2 * plot.w, 1))
            xy = [(plot.x + (x - x0) * sx, plot.bottom - (y - y0) * sy) for x, y in pts[::step]]
            color = self.color_of(name)
            if len(xy) >= 2:
                pygame.draw.lines(surface, color, False, xy, 2)
            pygame.draw.circle(surface, color, xy[-1], 4)
        surface.set_clip(old_clip)
        self._draw_reference(surface, plot)

    def _draw_x_label(self, surface: pygame.Surface, plot: pygame.Rect) -> pygame.Rect | None:
        """The x axis' quantity, at the right end under the axis (tick labels give way)."""
        if not self.x_label:
            return None
        img = theme.text(self.x_label, theme.SMALL, theme.TEXT_DIM)
        rect = img.get_rect(midright=(plot.right, plot.bottom + 12))
        surface.blit(img, rect)
        return rect.inflate(12, 0)
