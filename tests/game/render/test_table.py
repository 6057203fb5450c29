"""A table cell never draws into the next column: a text wider than its column is cut with
"..." (a long model name on the Models screen at 1024 px ran over the FROM column)."""

from __future__ import annotations

import numpy as np
import pygame

from game.render import theme
from game.render.table import COL_GAP, HEADER_H, Cell, Column, Table, fit_text


def _lit_columns(surface: pygame.Surface, band: pygame.Rect) -> np.ndarray:
    """x positions (absolute) in `band` with any drawn (non-black) pixel."""
    px = pygame.surfarray.array3d(surface)[band.left : band.right, band.top : band.bottom]
    return band.left + np.nonzero(px.sum(axis=(1, 2)) > 0)[0]


def test_a_long_cell_is_cut_before_the_next_column():
    pygame.font.init()
    surface = pygame.Surface((600, 120))
    table = Table([Column("MODEL", 1.0), Column("FROM", 1.0)])
    rect = pygame.Rect(0, 0, 600, 120)
    left, right = table.cells(rect)["MODEL"]
    name = "my-first-model-with-a-rather-long-name-that-never-ends"
    assert theme.font(theme.BODY).size(name)[0] > right - left  # it would run over
    table.draw(surface, rect, [{"MODEL": Cell(name)}], card=False)
    band = pygame.Rect(0, HEADER_H, 600, 120 - HEADER_H)  # the row, below the header
    lit = _lit_columns(surface, band)
    assert lit.size and lit.max() <= right - COL_GAP  # nothing drawn in FROM's column
    assert lit.max() > left + (right - left) // 2  # but the cut text still fills its own
    assert fit_text(name, right - left - COL_GAP, theme.BODY).endswith("...")
