"""`AgentPicker`: the RPS screens' agent chooser, a button that opens a scrolling list of
every agent with its one-line description, grouped by kind (mouse); the screens also cycle
it by key. Drawing and clicks only: the screen keeps the choice in its session.
"""

from __future__ import annotations

import pygame

from game.render import theme
from game.render.rps_widgets import fit_text

__all__ = ["AgentPicker"]


class AgentPicker:
    """A button showing the current agent; a click opens a list of every agent with its
    one-line description (`descriptions`), each kind (`kinds`: name -> "bot", "predictor",
    ...) written beside its first agent. A list longer than the window scrolls (mouse wheel).

    `handle_event` returns the newly chosen name (or None). While open it swallows clicks.
    The screen sets `current` from its session (the picker holds no choice of its own).
    """

    ROW = 24
    NAME_W = 176  # the name column; the description takes the rest of the row

    def __init__(
        self,
        rect: pygame.Rect,
        kinds: dict[str, str],
        current: str,
        title: str = "",
        descriptions: dict[str, str] | None = None,
        list_width: int = 780,
    ) -> None:
        self.rect = pygame.Rect(rect)
        self.names = list(kinds)
        self.kinds = dict(kinds)
        self.descriptions = dict(descriptions or {})
        self.list_width = list_width
        self.current = current
        self.title = title
        self.open = False
        self.hovered = False
        self.hover_index: int | None = None
        self.focused = False  # the keyboard's target (drawn highlighted)
        self.scroll = 0  # the first row shown

    @staticmethod
    def _screen_size() -> tuple[int, int]:
        screen = pygame.display.get_surface()
        return screen.get_size() if screen else (1280, 720)

    def visible_rows(self) -> int:
        """Rows that fit between the button and the bottom of the window."""
        top = self.rect.bottom + 4
        return max(min(len(self.names), (self._screen_size()[1] - 8 - top - 8) // self.ROW), 1)

    def list_rect(self) -> pygame.Rect:
        screen_w = self._screen_size()[0]
        w = min(max(self.rect.w, self.list_width), screen_w - 8)
        r = pygame.Rect(self.rect.x, self.rect.bottom + 4, w, self.ROW * self.visible_rows() + 8)
        r.right = min(r.right, screen_w - 4)
        return r

    def _scroll_to(self, index: int) -> None:
        shown = self.visible_rows()
        if index < self.scroll:
            self.scroll = index
        elif index >= self.scroll + shown:
            self.scroll = index - shown + 1
        self.scroll = min(max(self.scroll, 0), max(len(self.names) - shown, 0))

    def _index_at(self, pos: tuple[int, int]) -> int | None:
        lr = self.list_rect()
        if not lr.collidepoint(pos):
            return None
        i = (pos[1] - lr.y - 4) // self.ROW
        return self.scroll + i if 0 <= i < self.visible_rows() else None

    def handle_event(self, event: pygame.event.Event, back: bool = False) -> str | None:
        """`back`: the screen's Back action (Esc), which closes an open list."""
        if event.type == pygame.MOUSEMOTION:
            self.hovered = self.rect.collidepoint(event.pos)
            self.hover_index = self._index_at(event.pos) if self.open else None
        elif event.type == pygame.MOUSEWHEEL and self.open:
            self.scroll -= 3 * event.y
            self._scroll_to(self.scroll)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            if self.open:
                i = self._index_at(event.pos)
                self.open = False
                if i is not None and self.names[i] != self.current:
                    self.current = self.names[i]
                    return self.current
            elif self.rect.collidepoint(event.pos):
                self.open = True
                self.hover_index = None
                if self.current in self.names:
                    self._scroll_to(self.names.index(self.current))
        elif back and self.open:
            self.open = False
        return None

    def draw(self, surface: pygame.Surface) -> None:
        active = self.hovered or self.open or self.focused
        theme.draw_panel(
            surface, self.rect, theme.PANEL, theme.ACCENT if active else theme.PANEL_EDGE, radius=8
        )
        left = self.rect.x + 12
        if self.title:
            r = theme.blit_text(surface, self.title, (left, self.rect.centery), theme.SMALL,
                                theme.TEXT_MUTED, anchor="midleft")  # fmt: skip
            left = r.right + 10
        name = fit_text(self.current, theme.BODY, self.rect.right - 34 - left)
        theme.blit_text(surface, name, (self.rect.right - 34, self.rect.centery), theme.BODY,
                        theme.TEXT, anchor="midright")  # fmt: skip
        cx, cy = self.rect.right - 18, self.rect.centery
        pygame.draw.polygon(
            surface,
            theme.ACCENT if active else theme.TEXT_MUTED,
            [(cx - 6, cy - 3), (cx + 6, cy - 3), (cx, cy + 4)],
        )

    def draw_list(self, surface: pygame.Surface) -> None:
        """The open list; draw it last so it covers the rest of the screen."""
        if not self.open:
            return
        lr = self.list_rect()
        theme.draw_panel(surface, lr, theme.PANEL_DARK, theme.ACCENT, radius=8)
        shown = self.visible_rows()
        kind_w = 70
        desc_x = lr.x + 4 + self.NAME_W
        desc_w = lr.right - 14 - kind_w - desc_x
        for row_i, i in enumerate(range(self.scroll, min(self.scroll + shown, len(self.names)))):
            name = self.names[i]
            row = pygame.Rect(lr.x + 4, lr.y + 4 + row_i * self.ROW, lr.w - 12, self.ROW)
            if i == self.hover_index or name == self.current:
                fill = (
                    theme.PANEL_EDGE
                    if name != self.current
                    else theme.lerp_color(theme.PANEL, theme.ACCENT, 0.35)
                )
                pygame.draw.rect(surface, fill, row, border_radius=5)
            text = fit_text(name, theme.BODY, self.NAME_W - 14)
            theme.blit_text(surface, text, (row.x + 10, row.centery), theme.BODY, theme.TEXT,
                            anchor="midleft")  # fmt: skip
            desc = fit_text(self.descriptions.get(name, ""), theme.SMALL, desc_w)
            theme.blit_text(surface, desc, (desc_x, row.centery), theme.SMALL, theme.TEXT_MUTED,
                            anchor="midleft")  # fmt: skip
            kind = self.kinds.get(name, "")
            if row_i == 0 or kind != self.kinds.get(self.names[i - 1], ""):
                theme.blit_text(surface, kind, (row.right - 6, row.centery), theme.SMALL,
                                theme.TEXT_DIM, anchor="midright")  # fmt: skip
        if shown < len(self.names):  # a scroll bar: where the rows shown are in the list
            track = pygame.Rect(lr.right - 7, lr.y + 6, 4, lr.h - 12)
            pygame.draw.rect(surface, theme.PANEL_EDGE, track, border_radius=2)
            thumb = pygame.Rect(track.x, 0, track.w, max(track.h * shown // len(self.names), 12))
            thumb.y = track.y + (track.h - thumb.h) * self.scroll // (len(self.names) - shown)
            pygame.draw.rect(surface, theme.ACCENT, thumb, border_radius=2)
