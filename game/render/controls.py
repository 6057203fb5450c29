"""Shared controls with one behaviour each: a check list, a stepper and a progress bar.

The controls keep only UI state (cursor, scroll, hover). What is ticked and which value a
stepper shows belong to the screen's session object; a control reports what the user asked
for and the screen passes it on.

CheckList — rows with a tick box, Up/Down cursor (wraps), Space or click ticks the row under
the cursor, Ctrl+A ticks all / none, the wheel scrolls; with `show_hidden=True` a list longer
than its rect says how many rows are hidden above and below ("3 more") beside a scroll bar::

    self.agents = CheckList(layout.list_rect, row_h=26)
    ...
    self.agents.rows = [CheckRow(name, right=kind, checked=name in state.selected)
                        for name in state.names]
    tick = self.agents.handle_event(event)      # None, or Tick(row) / Tick(None) for "all"
    if tick is not None:
        state.toggle_all() if tick.row is None else state.toggle(tick.row)
    self.agents.draw(surface)

Stepper — "label   <  value  >" over a fixed tuple of choices; at either end it clamps (never
wraps) wherever it is used::

    self.rounds = Stepper(rect, "rounds / match", (50, 100, 300, 1000), value=300)
    if self.rounds.handle_event(event):         # a click on < or > changed the value
        state.rounds = self.rounds.value
    if action is Action.RIGHT and self.rounds.step(+1):   # keys: the screen maps them
        state.rounds = self.rounds.value
    self.rounds.enabled = not state.running     # a disabled stepper ignores clicks and steps
    self.rounds.draw(surface)

ProgressBar — game.render.widgets.ProgressBar (re-exported here, with draw_bar) that also
shows work of unknown length: set `fraction = None` and pass the clock::

    self.bar = ProgressBar(rect, label="epoch 3/10")
    self.bar.fraction = 0.42        # or None: a sliding block while the amount is unknown
    self.bar.draw(surface, clock=self.clock)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pygame

from game.actions import Action, action_for
from game.render import theme
from game.render.theme import Color
from game.render.widgets import Button, draw_bar
from game.render.widgets import ProgressBar as _BaseProgressBar

__all__ = ["CheckList", "CheckRow", "ProgressBar", "Stepper", "Tick", "draw_bar", "tick_all"]


# --- check list ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckRow:
    label: str
    detail: str = ""  # a second, smaller line under the label (only when row_h >= 40)
    right: str = ""  # small text at the right edge (e.g. the agent's kind, a frame count)
    checked: bool = False
    enabled: bool = True  # False: shown dimmed (e.g. a broken session); ticking it is refused
    detail_color: Color = theme.TEXT_DIM


@dataclass(frozen=True)
class Tick:
    """What a CheckList was asked to tick: one row, or (row None) all / none."""

    row: int | None


def tick_all(usable: set, selected: set) -> set:
    """Ctrl+A's one meaning: tick every usable row, or none when all are ticked already."""
    return set() if usable <= selected else set(usable)


MORE_H = 18  # the strip above / below an overflowing CheckList for its "N more" note
SCROLLBAR_W = 10  # ... and the room at its right for the scroll bar


class CheckList:
    """A scrolling list of tickable rows (see the module docstring for usage).

    `draw_extra(surface, index, row_rect)` may draw more into each row (e.g. a histogram);
    `reserve_right` keeps that many pixels at the row's right free for it. `show_hidden`:
    when the rows overflow the rect, keep a strip above and below them for "N more" notes and
    room at the right for a scroll bar.
    """

    def __init__(
        self,
        rect: pygame.Rect,
        row_h: int = 26,
        draw_extra: Callable[[pygame.Surface, int, pygame.Rect], None] | None = None,
        reserve_right: int = 0,
        show_hidden: bool = False,
    ) -> None:
        self.rect = pygame.Rect(rect)
        self.show_hidden = show_hidden
        self.row_h = row_h
        self.draw_extra = draw_extra
        self.reserve_right = reserve_right
        self.rows: list[CheckRow] = []
        self.cursor = 0
        self.scroll = 0

    @property
    def overflows(self) -> bool:
        """Notes on hidden rows are wanted and there are more rows than the rect holds."""
        return self.show_hidden and len(self.rows) * self.row_h > self.rect.h

    @property
    def body(self) -> pygame.Rect:
        """Where the rows go: the rect, less a strip above and below for the "N more" notes
        and a scroll bar at the right when the list overflows."""
        if not self.overflows:
            return self.rect
        r = self.rect
        return pygame.Rect(r.x, r.y + MORE_H, r.w - SCROLLBAR_W, r.h - 2 * MORE_H)

    @property
    def visible_rows(self) -> int:
        return max(self.body.h // self.row_h, 1)

    def hidden(self) -> tuple[int, int]:
        """How many rows are scrolled out of view: (above, below)."""
        below = len(self.rows) - self.scroll - self.visible_rows
        return self.scroll, max(below, 0)

    def row_rect(self, i: int) -> pygame.Rect:
        """Screen rectangle of row `i` (whether or not it is scrolled into view)."""
        body = self.body
        y = body.y + (i - self.scroll) * self.row_h
        return pygame.Rect(body.x, y, body.w, self.row_h - 4)

    def row_at(self, pos: tuple[int, int]) -> int | None:
        body = self.body
        if not body.collidepoint(pos):
            return None
        i = self.scroll + (pos[1] - body.y) // self.row_h
        return i if i < min(len(self.rows), self.scroll + self.visible_rows) else None

    def move(self, step: int) -> None:
        """Move the cursor (wrapping) and scroll it into view."""
        if not self.rows:
            return
        self.cursor = (self.cursor + step) % len(self.rows)
        self._clamp()

    def _clamp(self) -> None:
        self.cursor = min(max(self.cursor, 0), max(len(self.rows) - 1, 0))
        if self.cursor < self.scroll:
            self.scroll = self.cursor
        elif self.cursor >= self.scroll + self.visible_rows:
            self.scroll = self.cursor - self.visible_rows + 1
        self.scroll = min(max(self.scroll, 0), max(len(self.rows) - self.visible_rows, 0))

    def handle_event(self, event: pygame.event.Event) -> Tick | None:
        action = action_for(event)
        if action is Action.UP:
            self.move(-1)
        elif action is Action.DOWN:
            self.move(+1)
        elif action is Action.TOGGLE and self.rows:
            self._clamp()
            return Tick(self.cursor)
        elif action is Action.SELECT_ALL:
            return Tick(None)
        elif event.type == pygame.MOUSEWHEEL:
            most = max(len(self.rows) - self.visible_rows, 0)
            self.scroll = min(max(self.scroll - event.y, 0), most)
        elif event.type in (pygame.MOUSEMOTION, pygame.MOUSEBUTTONDOWN):
            row = self.row_at(event.pos)
            if row is not None:
                self.cursor = row
                if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
                    return Tick(row)
        return None

    def draw(self, surface: pygame.Surface) -> None:
        self._clamp()
        end = min(len(self.rows), self.scroll + self.visible_rows)
        for i in range(self.scroll, end):
            self._draw_row(surface, i, self.row_rect(i))
        if self.overflows:
            self._draw_scroll(surface)

    def _draw_scroll(self, surface: pygame.Surface) -> None:
        """ "N more, K ticked" above and below (with an arrow), and a scroll bar beside."""
        above, below = self.hidden()
        body = self.body
        ticked_above = sum(r.checked for r in self.rows[:above])
        ticked_below = sum(r.checked for r in self.rows[len(self.rows) - below :])
        for count, ticked, y, up in (
            (above, ticked_above, self.rect.y + MORE_H // 2, True),
            (below, ticked_below, self.rect.bottom - MORE_H // 2, False),
        ):
            if not count:
                continue
            cx = body.centerx - 60
            tip, base = (y - 4, y + 4) if up else (y + 4, y - 4)
            pygame.draw.polygon(
                surface, theme.TEXT_MUTED, [(cx - 6, base), (cx + 6, base), (cx, tip)]
            )
            note = f"{count} more" + (f", {ticked} ticked" if ticked else "")
            theme.blit_text(surface, note, (cx + 12, y), theme.SMALL, theme.TEXT_MUTED,
                            anchor="midleft")  # fmt: skip
        track = pygame.Rect(body.right + 4, body.y, 4, body.h)
        pygame.draw.rect(surface, theme.PANEL_EDGE, track, border_radius=2)
        shown, total = self.visible_rows, len(self.rows)
        thumb = pygame.Rect(track.x, 0, track.w, max(track.h * shown // total, 12))
        thumb.y = track.y + (track.h - thumb.h) * self.scroll // max(total - shown, 1)
        pygame.draw.rect(surface, theme.ACCENT, thumb, border_radius=2)

    def _draw_row(self, surface: pygame.Surface, i: int, rect: pygame.Rect) -> None:
        row = self.rows[i]
        if i == self.cursor:
            theme.draw_panel(surface, rect, theme.PANEL_DARK, theme.ACCENT, radius=6)
        side = min(18, rect.h - 6)
        box = pygame.Rect(rect.x + 8, rect.centery - side // 2, side, side)
        pygame.draw.rect(surface, theme.TEXT_MUTED, box, width=2, border_radius=4)
        if row.checked:
            pygame.draw.rect(surface, theme.GOOD, box.inflate(-6, -6), border_radius=2)
        color = theme.TEXT if row.checked else theme.TEXT_MUTED
        if not row.enabled:
            color = theme.TEXT_DIM
        x = box.right + 10
        two_lines = bool(row.detail) and rect.h >= 40
        label_y = rect.y + rect.h // 3 if two_lines else rect.centery
        theme.blit_text(surface, row.label, (x, label_y), theme.BODY, color, anchor="midleft")
        if two_lines:
            theme.blit_text(
                surface,
                row.detail,
                (x, rect.y + 3 * rect.h // 4),
                theme.SMALL,
                row.detail_color,
                anchor="midleft",
            )
        right = rect.right - 8 - self.reserve_right
        if row.right:
            theme.blit_text(
                surface, row.right, (right, rect.centery), theme.SMALL, theme.TEXT_DIM,
                anchor="midright",
            )  # fmt: skip
        if self.draw_extra is not None and self.reserve_right:
            extra = pygame.Rect(right + 6, rect.y + 4, self.reserve_right - 4, rect.h - 8)
            self.draw_extra(surface, i, extra)


# --- stepper ---------------------------------------------------------------------------------


class Stepper:
    """A value picked from fixed `choices` with < and > buttons; clamps at both ends."""

    def __init__(
        self,
        rect: pygame.Rect,
        label: str,
        choices: Sequence,
        value: object | None = None,
        fmt: Callable[[object], str] = str,
    ) -> None:
        if not choices:
            raise ValueError("a Stepper needs at least one choice")
        self.label = label
        self.choices = tuple(choices)
        self.fmt = fmt
        self.enabled = True
        self.index = 0
        self.set(self.choices[0] if value is None else value)
        self.rect = pygame.Rect(rect)
        self.less = Button(pygame.Rect(0, 0, 1, 1), "<")
        self.more = Button(pygame.Rect(0, 0, 1, 1), ">")
        self.place(self.rect)

    def place(self, rect: pygame.Rect) -> None:
        """Lay the stepper out in `rect`: label on the left, `< value >` on the right half."""
        self.rect = pygame.Rect(rect)
        side = self.rect.h
        self.more.rect = pygame.Rect(self.rect.right - side, self.rect.y, side, side)
        self.less.rect = pygame.Rect(self.rect.right - 4 * side, self.rect.y, side, side)

    @property
    def value(self):
        return self.choices[self.index]

    def set(self, value: object) -> None:
        """Show `value`, or the nearest choice for a number that is not one of them."""
        if value in self.choices:
            self.index = self.choices.index(value)
        elif isinstance(value, int | float):
            self.index = min(range(len(self.choices)), key=lambda i: abs(self.choices[i] - value))

    def step(self, delta: int) -> bool:
        """Move `delta` choices, clamped to the ends; True when the value changed."""
        if not self.enabled:
            return False
        index = min(max(self.index + delta, 0), len(self.choices) - 1)
        changed = index != self.index
        self.index = index
        return changed

    @property
    def at_start(self) -> bool:
        return self.index == 0

    @property
    def at_end(self) -> bool:
        return self.index == len(self.choices) - 1

    def handle_event(self, event: pygame.event.Event) -> bool:
        """Clicks on < / >; True when the value changed. Keys are the screen's to map."""
        if self.less.handle_event(event):
            return self.step(-1)
        if self.more.handle_event(event):
            return self.step(+1)
        return False

    def draw(self, surface: pygame.Surface) -> None:
        theme.blit_text(
            surface, self.label, (self.rect.x, self.rect.centery), theme.BODY, theme.TEXT_MUTED,
            anchor="midleft",
        )  # fmt: skip
        self.less.enabled = self.enabled and not self.at_start
        self.more.enabled = self.enabled and not self.at_end
        self.less.draw(surface)
        self.more.draw(surface)
        mid = ((self.less.rect.right + self.more.rect.left) // 2, self.rect.centery)
        color = theme.TEXT if self.enabled else theme.TEXT_MUTED
        theme.blit_text(surface, self.fmt(self.value), mid, theme.BODY, color, anchor="center")


# --- progress bar ----------------------------------------------------------------------------


class ProgressBar(_BaseProgressBar):
    """widgets.ProgressBar, plus `fraction = None` for work of unknown length."""

    fraction: float | None

    def draw(self, surface: pygame.Surface, clock: float = 0.0) -> None:
        if self.fraction is not None:
            super().draw(surface)
            return
        rect = self.rect
        draw_bar(surface, rect, 0.0, 0.0, 1.0)
        w = rect.w // 4
        x = rect.x + int((math.sin(clock * 2.5) * 0.5 + 0.5) * (rect.w - w))
        pygame.draw.rect(surface, theme.ACCENT, (x, rect.y, w, rect.h), border_radius=rect.h // 2)
        theme.blit_text(surface, self.label, rect.center, theme.SMALL, theme.TEXT, anchor="center")
