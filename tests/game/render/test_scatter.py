"""The scatter's and the line chart's legend: beside the title when it fits, else in rows
of its own below it, every row inside the card (a narrow Lab window used to draw it over the
title and past the card's left edge)."""

import pygame

from game.render import theme
from game.render.charts import LineChart, legend_rows
from game.render.scatter import draw_scatter

GROUPS = ["dropout=0.0", "dropout=0.25", "dropout=0.5", "dropout=0.1"]
TITLE = "parameters vs |offset| m"


def widths(names):
    return [theme.text(g, theme.SMALL).get_width() + 24 for g in names]


def title_right(rect):
    return rect.x + 14 + theme.text(TITLE, theme.BODY).get_width()


def test_a_legend_that_fits_stays_on_the_title_line():
    rect = pygame.Rect(0, 0, 900, 400)
    assert legend_rows(GROUPS[:2], widths(GROUPS[:2]), rect, title_right(rect)) == [
        (GROUPS[:2], 18)]  # fmt: skip


def test_a_long_legend_wraps_below_the_title_inside_the_card():
    rect = pygame.Rect(10, 20, 330, 360)
    rows = legend_rows(GROUPS, widths(GROUPS), rect, title_right(rect))
    assert len(rows) >= 2
    assert [n for names, _ in rows for n in names] == GROUPS  # each once, in order
    for names, y in rows:
        assert y >= rect.y + 40 and sum(widths(names)) <= rect.w - 28


def test_the_scatter_draws_with_a_wrapped_legend():
    surface = pygame.Surface((400, 400))
    points = [(252219.0, 0.1 * i, g) for i, g in enumerate(GROUPS)]
    draw_scatter(surface, pygame.Rect(10, 20, 330, 360), TITLE, "parameters", "|offset| m",
                 points)  # fmt: skip
    assert surface.get_at((5, 25))[:3] == (0, 0, 0)  # nothing drawn left of the card


def test_a_line_charts_long_legend_moves_the_plot_down_not_over_the_title():
    rect = pygame.Rect(10, 20, 330, 360)
    chart = LineChart(rect, "Val loss", x_label="epoch")
    before = chart.plot_rect()
    for g in GROUPS:
        chart.set(g, [0.3, 0.2], [1, 2])
    assert chart.plot_rect().y > before.y and chart.plot_rect().bottom == before.bottom
    surface = pygame.Surface((400, 400))
    chart.draw(surface)
    assert surface.get_at((5, 38))[:3] == (0, 0, 0)  # nothing drawn left of the card
    wide = LineChart(pygame.Rect(0, 0, 900, 300), "Val loss")
    wide.set("train", [0.3, 0.2])
    before = wide.plot_rect()
    wide.set("val", [0.4, 0.3])
    assert wide.plot_rect() == before  # a legend that fits stays on the title's line
