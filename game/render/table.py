"""A table on a card: columns by name, each with a width and an alignment; rows as cells by
column name. Columns are laid out from the card's width, so no caller knows an x position.
Rows shrink to fit the card down to `min_row_h`; beyond that the table shows a window of rows
from `first` (the caller scrolls), and `row_at` says which row a click is on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pygame

from game.render import theme

PAD = 14  # the card's inner margin left and right
HEADER_H = 44  # the column names' strip; rows start below it
DOT_W = 16  # room a cell's colour dot takes before its text
COL_GAP = 8  # the least room between a cell's text and the next column


@dataclass(frozen=True)
class Column:
    name: str  # shown in the header; rows give their cells by this name
    width: float  # share of the card's inner width (any unit: shares are normalised)
    align: Literal["left", "right"] = "left"
    max_chars: int | None = None  # longer texts end in "..." (as do texts wider than the column)


@dataclass(frozen=True)
class Cell:
    text: str
    color: theme.Color = theme.TEXT
    dot: theme.Color | None = None  # a colour dot before the text (e.g. the car's colour)


Row = Mapping[str, Cell]


def fit_text(s: str, width: int, size: int) -> str:
    """`s` cut (with "...") to fit `width` pixels in the theme font of `size`."""
    font = theme.font(size)
    if font.size(s)[0] <= width:
        return s
    while s and font.size(s + "...")[0] > width:
        s = s[:-1]
    return s + "..."


class Table:
    """Draws a header and rows; row height shrinks (from `max_row_h` down to `min_row_h`) so
    all rows fit, else the rows from `first` that do."""

    def __init__(self, columns: Sequence[Column], max_row_h: int = 48, min_row_h: int = 0) -> None:
        if len({c.name for c in columns}) != len(columns):
            raise ValueError("table columns need distinct names")
        self.columns = list(columns)
        self.max_row_h = max_row_h
        self.min_row_h = min_row_h

    def cells(self, rect: pygame.Rect) -> dict[str, tuple[int, int]]:
        """Each column's (left, right) x on a card at `rect`."""
        total = sum(c.width for c in self.columns) or 1.0
        inner = rect.w - 2 * PAD
        out, x = {}, float(rect.x + PAD)
        for c in self.columns:
            right = x + inner * c.width / total
            out[c.name] = (int(round(x)), int(round(right)))
            x = right
        return out

    def row_height(self, rect: pygame.Rect, n_rows: int) -> int:
        return max(self.min_row_h, min(self.max_row_h, (rect.h - HEADER_H) // max(n_rows, 1)))

    def visible_rows(self, rect: pygame.Rect, n_rows: int) -> int:
        """How many rows the card shows at once."""
        return min(n_rows, (rect.h - HEADER_H) // max(self.row_height(rect, n_rows), 1))

    def row_at(
        self, rect: pygame.Rect, pos: tuple[int, int], n_rows: int, first: int = 0
    ) -> int | None:
        """The index of the row drawn under `pos`, or None (header, margins, past the end)."""
        if not rect.collidepoint(pos) or pos[1] < rect.y + HEADER_H:
            return None
        k = (pos[1] - rect.y - HEADER_H) // max(self.row_height(rect, n_rows), 1)
        i = first + k
        return i if k < self.visible_rows(rect, n_rows) and i < n_rows else None

    def draw(
        self,
        surface: pygame.Surface,
        rect: pygame.Rect,
        rows: Sequence[Row],
        highlight: int | None = None,
        first: int = 0,
        card: bool = True,
    ) -> None:
        """The card (unless the caller drew one around it), the column names, then `rows`
        (those that fit, from `first`); row `highlight` (an index into `rows`) is framed."""
        if card:
            theme.draw_panel(surface, rect, theme.PANEL, theme.PANEL_EDGE, radius=10)
        cells = self.cells(rect)
        for c in self.columns:
            header = Cell(c.name, theme.ACCENT)
            self._text(surface, c, cells[c.name], rect.y + 20, header, theme.SMALL)
        row_h = self.row_height(rect, len(rows))
        shown = rows[first : first + self.visible_rows(rect, len(rows))]
        for k, row in enumerate(shown):
            i = first + k
            y = rect.y + HEADER_H + k * row_h + row_h // 2
            if i == highlight:
                hl = pygame.Rect(rect.x + 6, y - row_h // 2 + 3, rect.w - 12, row_h - 6)
                theme.draw_panel(surface, hl, theme.PANEL_DARK, theme.ACCENT, radius=8)
            for c in self.columns:
                cell = row.get(c.name)
                if cell is not None:
                    self._text(surface, c, cells[c.name], y, cell, theme.BODY)

    @staticmethod
    def _text(
        surface: pygame.Surface,
        col: Column,
        span: tuple[int, int],
        y: int,
        cell: Cell,
        size: int,
    ) -> None:
        left, right = span
        text = cell.text
        if col.max_chars is not None and len(text) > col.max_chars:
            text = text[: col.max_chars - 1] + "..."
        if cell.dot is not None:
            pygame.draw.circle(surface, cell.dot, (left, y), 7)
            left += DOT_W
        text = fit_text(text, right - left - COL_GAP, size)  # never into the next column
        if col.align == "right":
            theme.blit_text(surface, text, (right, y), size, cell.color, anchor="midright")
        else:
            theme.blit_text(surface, text, (left, y), size, cell.color, anchor="midleft")
