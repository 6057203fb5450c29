"""A scatter plot on a card: points (x, y) coloured by group, axes at round values.

    draw_scatter(screen, rect, "Size vs offset", "parameters", "|offset| m",
                 [(252219, 0.12, "stride"), (180000, 0.15, "pool")])

Groups keep their colour by order of first appearance (theme.SERIES); a legend names them.
"""

from __future__ import annotations

from collections.abc import Sequence

import pygame

from game.render import theme
from game.render.charts import legend_drop, legend_rows, nice_ticks, tick_labels

PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 60, 16, 44, 40


def group_colors(points: Sequence[tuple[float, float, str]]) -> dict[str, theme.Color]:
    out: dict[str, theme.Color] = {}
    for _, _, g in points:
        if g not in out:
            out[g] = theme.SERIES[len(out) % len(theme.SERIES)]
    return out


def draw_scatter(
    surface: pygame.Surface,
    rect: pygame.Rect,
    title: str,
    x_title: str,
    y_title: str,
    points: Sequence[tuple[float, float, str]],
) -> None:
    theme.draw_panel(surface, rect, theme.PANEL, theme.PANEL_EDGE, radius=10)
    theme.blit_text(surface, title, (rect.x + 14, rect.y + 18), theme.BODY, anchor="midleft")
    plot = pygame.Rect(rect.x + PAD_LEFT, rect.y + PAD_TOP,
                       rect.w - PAD_LEFT - PAD_RIGHT, rect.h - PAD_TOP - PAD_BOTTOM)  # fmt: skip
    if not points:
        theme.blit_text(surface, "no measured variants yet", plot.center, theme.SMALL,
                        theme.TEXT_DIM, anchor="center")  # fmt: skip
        return
    colors = group_colors(points)
    widths = [theme.text(g, theme.SMALL).get_width() + 24 for g in colors]
    title_right = rect.x + 14 + theme.text(title, theme.BODY).get_width()
    legend = legend_rows(list(colors), widths, rect, title_right)
    drop = legend_drop(legend, rect)
    plot = pygame.Rect(plot.x, plot.y + drop, plot.w, plot.h - drop)
    xs = nice_ticks(min(p[0] for p in points), max(p[0] for p in points), 5)
    ys = nice_ticks(min(p[1] for p in points), max(p[1] for p in points), 5)
    x0, x1, y0, y1 = xs[0], xs[-1], ys[0], ys[-1]

    def at(x: float, y: float) -> tuple[int, int]:
        return (round(plot.x + (x - x0) / (x1 - x0) * plot.w),
                round(plot.bottom - (y - y0) / (y1 - y0) * plot.h))  # fmt: skip

    for yv, label in zip(ys, tick_labels(ys), strict=True):
        py = at(x0, yv)[1]
        pygame.draw.line(surface, theme.PANEL_EDGE, (plot.x, py), (plot.right, py), 1)
        theme.blit_text(surface, label, (plot.x - 6, py), theme.SMALL, theme.TEXT_MUTED,
                        anchor="midright")  # fmt: skip
    for xv, label in zip(xs, tick_labels(xs), strict=True):
        px = at(xv, y0)[0]
        pygame.draw.line(surface, theme.PANEL_EDGE, (px, plot.bottom), (px, plot.bottom + 4))
        theme.blit_text(surface, label, (px, plot.bottom + 14), theme.SMALL, theme.TEXT_MUTED,
                        anchor="center")  # fmt: skip
    theme.blit_text(surface, x_title, (plot.right, rect.bottom - 10), theme.SMALL,
                    theme.TEXT_DIM, anchor="midright")  # fmt: skip
    theme.blit_text(surface, y_title, (plot.x, plot.y - 12), theme.SMALL,
                    theme.TEXT_DIM, anchor="midleft")  # fmt: skip
    for x, y, g in points:
        pygame.draw.circle(surface, colors[g], at(x, y), 6)
        pygame.draw.circle(surface, theme.BG, at(x, y), 6, 1)
    for names, y in legend:
        lx = rect.right - 14
        for g in reversed(names):
            r = theme.blit_text(surface, g, (lx, y), theme.SMALL, colors[g], anchor="midright")
            pygame.draw.circle(surface, colors[g], (r.x - 10, r.centery), 5)
            lx = r.x - 24
