"""The scatter's legend: beside the title when it fits, else in rows of its own below it,
every row inside the card (a narrow Lab window used to draw it over the title and past the
card's left edge)."""

import pygame

from game.render import theme
from game.render.scatter import _legend_rows, draw_scatter

GROUPS = ["dropout=0.0", "dropout=0.25", "dropout=0.5", "dropout=0.1"]
TITLE = "parameters vs |offset| m"


def width(names):
    return sum(theme.text(g, theme.SMALL).get_width() + 24 for g in names)


def test_a_legend_that_fits_stays_on_the_title_line():
    rect = pygame.Rect(0, 0, 900, 400)
    assert _legend_rows(GROUPS[:2], rect, TITLE) == [(GROUPS[:2], 18)]


def test_a_long_legend_wraps_below_the_title_inside_the_card():
    rect = pygame.Rect(10, 20, 330, 360)
    rows = _legend_rows(GROUPS, rect, TITLE)
    assert len(rows) >= 2
    assert [n for names, _ in rows for n in names] == GROUPS  # each once, in order
    for names, y in rows:
        assert y >= rect.y + 40 and width(names) <= rect.w - 28


def test_the_scatter_draws_with_a_wrapped_legend():
    surface = pygame.Surface((400, 400))
    points = [(252219.0, 0.1 * i, g) for i, g in enumerate(GROUPS)]
    draw_scatter(surface, pygame.Rect(10, 20, 330, 360), TITLE, "parameters", "|offset| m",
                 points)  # fmt: skip
    assert surface.get_at((5, 25))[:3] == (0, 0, 0)  # nothing drawn left of the card
