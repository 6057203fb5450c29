"""Small reusable UI pieces: buttons, menus, bars, toggles, toasts and the help overlay.

Widgets keep only their own UI state (hover, selection). Interactive widgets take pygame
events in `handle_event(event)` and say what happened in the return value; every widget has
`draw(surface)`. Plain read-outs are functions (`draw_label_value`, `draw_bar`, ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pygame

from game.render import theme
from game.render.theme import Color
from game.textfmt import shorten_paths


class Button:
    """A clickable rounded button; `handle_event` returns True when it was clicked."""

    def __init__(self, rect: pygame.Rect, label: str, size: int = theme.BODY) -> None:
        self.rect = pygame.Rect(rect)
        self.label = label
        self.size = size
        self.hovered = False
        self.enabled = True

    def handle_event(self, event: pygame.event.Event) -> bool:
        if event.type == pygame.MOUSEMOTION:
            self.hovered = self.rect.collidepoint(event.pos)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            return self.enabled and self.rect.collidepoint(event.pos)
        return False

    def draw(self, surface: pygame.Surface, focused: bool = False) -> None:
        active = self.enabled and (self.hovered or focused)
        fill = theme.ACCENT if active else theme.PANEL
        fg = theme.BG if active else (theme.TEXT if self.enabled else theme.TEXT_DIM)
        pygame.draw.rect(surface, fill, self.rect, border_radius=8)
        pygame.draw.rect(surface, theme.PANEL_EDGE, self.rect, width=1, border_radius=8)
        theme.blit_text(surface, self.label, self.rect.center, self.size, fg, anchor="center")


@dataclass
class MenuItem:
    key: str  # what `MenuList.handle_event` returns when the item is chosen
    label: str
    description: str = ""


class MenuList:
    """A vertical menu: Up/Down/Enter on the keyboard, hover and click with the mouse."""

    def __init__(
        self,
        items: Sequence[MenuItem],
        topleft: tuple[int, int],
        width: int,
        item_height: int = 54,
        size: int = theme.LARGE,
    ) -> None:
        self.items = list(items)
        self.topleft = topleft
        self.width = width
        self.item_height = item_height
        self.size = size
        self.selected = 0

    def item_rect(self, i: int) -> pygame.Rect:
        x, y = self.topleft
        return pygame.Rect(x, y + i * self.item_height, self.width, self.item_height - 8)

    def index_at(self, pos: tuple[int, int]) -> int | None:
        for i in range(len(self.items)):
            if self.item_rect(i).collidepoint(pos):
                return i
        return None

    @property
    def current(self) -> MenuItem | None:
        return self.items[self.selected] if self.items else None

    def handle_event(self, event: pygame.event.Event) -> str | None:
        """Returns the chosen item's key on Enter/click, else None."""
        if not self.items:
            return None
        if event.type == pygame.KEYDOWN:
            if event.key in (pygame.K_UP, pygame.K_w):
                self.selected = (self.selected - 1) % len(self.items)
            elif event.key in (pygame.K_DOWN, pygame.K_s):
                self.selected = (self.selected + 1) % len(self.items)
            elif event.key in (pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_SPACE):
                return self.items[self.selected].key
        elif event.type == pygame.MOUSEMOTION:
            i = self.index_at(event.pos)
            if i is not None:
                self.selected = i
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            i = self.index_at(event.pos)
            if i is not None:
                self.selected = i
                return self.items[i].key
        return None

    def draw(self, surface: pygame.Surface) -> None:
        for i, item in enumerate(self.items):
            rect = self.item_rect(i)
            if i == self.selected:
                theme.draw_panel(surface, rect, theme.PANEL, theme.ACCENT, radius=10, alpha=230)
                pygame.draw.rect(
                    surface, theme.ACCENT, (rect.x, rect.y + 8, 5, rect.h - 16), border_radius=3
                )
                color = theme.TEXT
            else:
                color = theme.TEXT_MUTED
            theme.blit_text(
                surface, item.label, (rect.x + 24, rect.centery), self.size, color, anchor="midleft"
            )


class Toggle:
    """An on/off switch with a label; `handle_event` returns True when it flipped."""

    def __init__(self, rect: pygame.Rect, label: str, value: bool = False) -> None:
        self.rect = pygame.Rect(rect)
        self.label = label
        self.value = value

    def handle_event(self, event: pygame.event.Event) -> bool:
        if (
            event.type == pygame.MOUSEBUTTONDOWN
            and event.button == 1
            and self.rect.collidepoint(event.pos)
        ):
            self.value = not self.value
            return True
        return False

    def draw(self, surface: pygame.Surface) -> None:
        sw = pygame.Rect(0, 0, 40, 22)
        sw.midright = self.rect.midright
        pygame.draw.rect(
            surface, theme.GOOD if self.value else theme.PANEL_EDGE, sw, border_radius=11
        )
        knob_x = sw.right - 11 if self.value else sw.left + 11
        pygame.draw.circle(surface, theme.TEXT, (knob_x, sw.centery), 8)
        theme.blit_text(
            surface,
            self.label,
            (self.rect.x, self.rect.centery),
            theme.BODY,
            theme.TEXT,
            anchor="midleft",
        )


def draw_label_value(
    surface: pygame.Surface,
    pos: tuple[int, int],
    label: str,
    value: str,
    width: int,
    value_color: Color = theme.TEXT,
    size: int = theme.BODY,
) -> None:
    """`label ........ value` on one line, label muted on the left, value on the right."""
    x, y = pos
    theme.blit_text(surface, label, (x, y), theme.SMALL, theme.TEXT_MUTED, anchor="midleft")
    theme.blit_text(surface, value, (x + width, y), size, value_color, anchor="midright")


def draw_bar(
    surface: pygame.Surface,
    rect: pygame.Rect,
    value: float,
    lo: float,
    hi: float,
    color: Color = theme.ACCENT_2,
    centered: bool = False,
    back: Color = theme.PANEL_DARK,
) -> None:
    """A horizontal bar for `value` in lo..hi. `centered`: fills from the middle (signed)."""
    rect = pygame.Rect(rect)
    pygame.draw.rect(surface, back, rect, border_radius=rect.h // 2)
    t = (min(max(value, lo), hi) - lo) / (hi - lo)
    if centered:
        mid = rect.x + rect.w // 2
        x = rect.x + int(t * rect.w)
        fill = pygame.Rect(min(mid, x), rect.y, max(abs(x - mid), 2), rect.h)
        pygame.draw.rect(surface, color, fill, border_radius=3)
        pygame.draw.line(surface, theme.TEXT_MUTED, (mid, rect.y - 3), (mid, rect.bottom + 2))
    elif t > 0:
        fill = pygame.Rect(rect.x, rect.y, max(int(t * rect.w), rect.h), rect.h)
        pygame.draw.rect(surface, color, fill, border_radius=rect.h // 2)
    pygame.draw.rect(surface, theme.PANEL_EDGE, rect, width=1, border_radius=rect.h // 2)


class ProgressBar:
    """A labelled progress bar (e.g. epochs done) with the percentage on it."""

    def __init__(self, rect: pygame.Rect, label: str = "") -> None:
        self.rect = pygame.Rect(rect)
        self.label = label
        self.fraction = 0.0

    def draw(self, surface: pygame.Surface) -> None:
        draw_bar(surface, self.rect, self.fraction, 0.0, 1.0, theme.ACCENT)
        pct = (
            f"{self.label}  {100.0 * self.fraction:.0f}%"
            if self.label
            else f"{100.0 * self.fraction:.0f}%"
        )
        theme.blit_text(surface, pct, self.rect.center, theme.SMALL, theme.TEXT, anchor="center")


def draw_fps(surface: pygame.Surface, fps: float) -> pygame.Rect:
    """The F3 frame-rate read-out: a small dark tag in the window's top-right corner."""
    img = theme.text(f"{fps:.0f} FPS", theme.SMALL, theme.TEXT)
    tag = img.get_rect(topright=(surface.get_width() - 6, 6)).inflate(12, 8)
    theme.draw_panel(surface, tag, theme.PANEL_DARK, None, radius=6, alpha=200)
    surface.blit(img, img.get_rect(center=tag.center))
    return tag


def draw_help_overlay(
    surface: pygame.Surface, title: str, lines: Sequence[tuple[str, str]]
) -> pygame.Rect:
    """A dimmed full-screen card listing (key, what it does) pairs in two columns; returns the
    card. Many lines in a low window: the lines close up (30 px down to 22) so all fit."""
    w, h = surface.get_size()
    shade = pygame.Surface((w, h), pygame.SRCALPHA)
    shade.fill((0, 0, 0, 170))
    surface.blit(shade, (0, 0))
    rows = len(lines)
    step = max(22, min(30, (h - 16 - 110) // max(rows, 1)))
    card = pygame.Rect(0, 0, 620, 110 + step * rows)
    card.center = (w // 2, h // 2)
    theme.draw_panel(surface, card, theme.PANEL, theme.ACCENT, radius=14)
    theme.blit_text(
        surface, title, (card.centerx, card.y + 36), theme.LARGE, theme.ACCENT, anchor="center"
    )
    y = card.y + 76
    for key, what in lines:
        key_rect = theme.blit_text(
            surface, key, (card.x + 170, y), theme.BODY, theme.TEXT, anchor="midright"
        )
        pygame.draw.rect(
            surface, theme.PANEL_EDGE, key_rect.inflate(12, 6), width=1, border_radius=5
        )
        theme.blit_text(
            surface, what, (card.x + 196, y), theme.BODY, theme.TEXT_MUTED, anchor="midleft"
        )
        y += step
    theme.blit_text(
        surface,
        "press H or Esc to close",
        (card.centerx, card.bottom - 18),
        theme.SMALL,
        theme.TEXT_DIM,
        anchor="center",
    )
    return card


@dataclass
class Toast:
    message: str
    kind: str  # "info" | "error"
    seconds_left: float


class Toasts:
    """The one message area: at most two short messages that fade away (errors stay longer),
    drawn inside the rectangle the current screen gives (`Scene.message_area`), so they never
    cover its HUD. A newer message pushes out the oldest."""

    MAX = 2

    def __init__(self) -> None:
        self.items: list[Toast] = []

    def push(self, message: str, kind: str = "info", seconds: float | None = None) -> None:
        """Show `message`; paths in the user's folders in it are shortened (short_path)."""
        message = shorten_paths(message)
        if seconds is None:
            seconds = 6.0 if kind == "error" else 3.0
        if self.items and self.items[-1].message == message:  # the same again: refresh it
            self.items[-1] = Toast(message, kind, seconds)
            return
        self.items.append(Toast(message, kind, seconds))
        del self.items[: -self.MAX]

    def clear_info(self) -> None:
        """Drop the information messages (the screen changed); errors stay until they fade."""
        self.items = [t for t in self.items if t.kind == "error"]

    def update(self, dt: float) -> None:
        for t in self.items:
            t.seconds_left -= dt
        self.items = [t for t in self.items if t.seconds_left > 0]

    def draw(self, surface: pygame.Surface, area: pygame.Rect | None = None) -> None:
        """Newest message at the bottom of `area` (default: the bottom of the window)."""
        if area is None:
            w, h = surface.get_size()
            area = pygame.Rect(0, h - 110, w, 100)
        y = area.bottom - 8
        max_w = area.w - 56
        for t in reversed(self.items):
            color = theme.BAD if t.kind == "error" else theme.ACCENT_2
            msg = t.message
            img = theme.text(msg, theme.BODY, theme.TEXT)
            while img.get_width() > max_w and len(msg) > 8:  # shorten to fit the area
                msg = msg[: max(8, int(len(msg) * max_w / img.get_width()) - 3)] + "..."
                img = theme.text(msg, theme.BODY, theme.TEXT)
            card = img.get_rect().inflate(36, 18)
            card.midbottom = (area.centerx, y)
            if card.top < area.top:
                break
            theme.draw_panel(surface, card, theme.PANEL_DARK, color, radius=8, alpha=235)
            pygame.draw.rect(surface, color, (card.x, card.y, 6, card.h), border_radius=3)
            surface.blit(img, img.get_rect(center=(card.centerx + 3, card.centery)))
            y = card.y - 8
