"""A reusable line chart: loss curves per epoch, net score over rounds, anything over time.

    chart = LineChart(pygame.Rect(40, 80, 520, 260), "Loss", y_label="MSE")
    chart.add("train", 0.12)            # x defaults to the series' next index
    chart.add("val", 0.15, x=1)
    chart.draw(screen)

Axes fit the data (or a fixed `y_range`); series keep their colour by order of first use.
"""

from __future__ import annotations

from collections.abc import Sequence

import pygame

from game.render import theme
from game.render.theme import Color

PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 56, 16, 40, 28


def _fmt(v: float) -> str:
    """Short axis/legend numbers: 1234, 12.3, 0.0123."""
    return f"{v:.0f}" if abs(v) >= 1000 else f"{v:.3g}"


class LineChart:
    def __init__(
        self,
        rect: pygame.Rect,
        title: str = "",
        y_label: str = "",
        y_range: tuple[float, float] | None = None,
        max_points: int = 2000,
        colors: Sequence[Color] = theme.SERIES,
        reference: tuple[float, str] | None = None,
        hint: str = "",
    ) -> None:
        """`reference`: (y, label) drawn as a dashed line (e.g. pure chance); `hint`: what
        the chart will show, written under it while it has no data."""
        self.rect = pygame.Rect(rect)
        self.reference = reference
        self.hint = hint
        self.title = title
        self.y_label = y_label
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

    def plot_rect(self) -> pygame.Rect:
        """The area inside the axes."""
        r = self.rect
        return pygame.Rect(
            r.x + PAD_LEFT, r.y + PAD_TOP, r.w - PAD_LEFT - PAD_RIGHT, r.h - PAD_TOP - PAD_BOTTOM
        )

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

    def _bounds(self) -> tuple[float, float, float, float]:
        pts = [p for s in self.series.values() for p in s]
        x0 = min(p[0] for p in pts)
        x1 = max(p[0] for p in pts)
        if self.y_range is not None:
            y0, y1 = self.y_range
        else:
            y0 = min(p[1] for p in pts)
            y1 = max(p[1] for p in pts)
            margin = (y1 - y0) * 0.08 or max(abs(y1) * 0.1, 1e-3)
            y0, y1 = y0 - margin, y1 + margin
        if x1 == x0:
            x1 = x0 + 1.0
        return x0, x1, y0, y1

    def draw(self, surface: pygame.Surface) -> None:
        r = self.rect
        theme.draw_panel(surface, r, theme.PANEL, theme.PANEL_EDGE, radius=10)
        theme.blit_text(
            surface, self.title, (r.x + 14, r.y + 18), theme.BODY, theme.TEXT, anchor="midleft"
        )
        plot = self.plot_rect()
        # Legend: name and latest value, right-aligned in the title row.
        lx = r.right - 14
        for name in reversed(list(self.series)):
            pts = self.series[name]
            label = f"{name} {_fmt(pts[-1][1])}" if pts else name
            lr = theme.blit_text(
                surface, label, (lx, r.y + 18), theme.SMALL, self.color_of(name), anchor="midright"
            )
            pygame.draw.line(
                surface, self.color_of(name), (lr.x - 18, lr.centery), (lr.x - 6, lr.centery), 3
            )
            lx = lr.x - 30
        if not any(self.series.values()):
            theme.blit_text(
                surface, "no data yet", plot.center, theme.SMALL, theme.TEXT_DIM, anchor="center"
            )
            at = (r.centerx, r.bottom - 16)
            theme.blit_text(surface, self.hint, at, theme.SMALL, theme.TEXT_DIM, anchor="center")
            self._draw_reference(surface, plot)
            return
        x0, x1, y0, y1 = self._bounds()
        for k in range(5):  # horizontal grid with y values
            yv = y0 + (y1 - y0) * k / 4
            py = plot.bottom - plot.h * k / 4
            pygame.draw.line(surface, theme.PANEL_EDGE, (plot.x, py), (plot.right, py), 1)
            theme.blit_text(
                surface,
                _fmt(yv),
                (plot.x - 6, py),
                theme.SMALL,
                theme.TEXT_MUTED,
                anchor="midright",
            )
        for xv, px, anchor in ((x0, plot.x, "midleft"), (x1, plot.right, "midright")):
            at = (px, plot.bottom + 12)
            theme.blit_text(surface, _fmt(xv), at, theme.SMALL, theme.TEXT_MUTED, anchor=anchor)
        if self.y_label:
            theme.blit_text(
                surface,
                self.y_label,
                (plot.centerx, plot.bottom + 12),
                theme.SMALL,
                theme.TEXT_DIM,
                anchor="center",
            )
        sx = plot.w / (x1 - x0)
        sy = plot.h / (y1 - y0)
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
