"""Colours, fonts and cached text: one place that gives every screen the same look.

Fonts are pygame's bundled default (freesansbold.ttf, shipped inside pygame-ce), so the game
looks the same on every machine and needs no font files of its own.
"""

from __future__ import annotations

from functools import lru_cache

import pygame

from game.textfmt import format_time  # noqa: F401 - the screens call theme.format_time

Color = tuple[int, int, int]

# --- palette ------------------------------------------------------------------------------
BG = (14, 18, 28)  # window background
BG_TOP = (22, 30, 52)  # top of the menu gradient
PANEL = (24, 30, 44)
PANEL_EDGE = (52, 62, 86)
PANEL_DARK = (16, 20, 30)
TEXT = (232, 236, 242)
TEXT_MUTED = (140, 150, 170)
TEXT_DIM = (92, 102, 124)
ACCENT = (255, 178, 36)  # amber: the game's signature colour
ACCENT_2 = (64, 200, 244)  # cyan: secondary highlights, chart series
GOOD = (86, 214, 120)
WARN = (255, 196, 64)
BAD = (255, 84, 84)
REC = (255, 60, 60)
SERIES = (ACCENT_2, ACCENT, GOOD, (200, 120, 255), BAD, (255, 255, 255))

# --- world colours (top-down view and minimap) --------------------------------------------
GRASS = (62, 122, 58)
GRASS_STRIPE = (68, 130, 62)
GRASS_SPECK = (54, 110, 50)
ASPHALT = (72, 75, 82)
ROAD_EDGE = (236, 236, 236)
CENTRE_DASH = (245, 245, 240)
KERB_RED = (210, 56, 46)
KERB_WHITE = (240, 240, 240)
CAR_COLORS = ((232, 60, 52), (52, 140, 240), (250, 196, 40), (90, 210, 120), (200, 120, 255))

# --- type scale (pixel sizes for pygame.font.Font) -----------------------------------------
SMALL = 16
BODY = 20
LARGE = 28
TITLE = 64
HUGE = 84


@lru_cache(maxsize=32)
def font(size: int) -> pygame.font.Font:
    """The game font at `size` px (cached: loading a font is slow)."""
    if not pygame.font.get_init():
        pygame.font.init()
    return pygame.font.Font(None, size)


@lru_cache(maxsize=1024)
def text(s: str, size: int = BODY, color: Color = TEXT) -> pygame.Surface:
    """Rendered, anti-aliased text, cached: most labels repeat every frame."""
    return font(size).render(s, True, color)


def blit_text(
    surface: pygame.Surface,
    s: str,
    pos: tuple[int, int],
    size: int = BODY,
    color: Color = TEXT,
    anchor: str = "topleft",
) -> pygame.Rect:
    """Draw `s` with its `anchor` point (any pygame.Rect attribute name) at `pos`."""
    img = text(s, size, color)
    rect = img.get_rect(**{anchor: pos})
    surface.blit(img, rect)
    return rect


def draw_heading(
    surface: pygame.Surface,
    title: str,
    note: str,
    pos: tuple[int, int],
    gap: int = 38,
    *,
    title_size: int = BODY,
    title_color: Color = TEXT,
    note_size: int = SMALL,
    note_color: Color = TEXT_MUTED,
    anchor: str = "midleft",
) -> None:
    """A title at `pos` with a muted note `gap` px below it, both placed by `anchor`."""
    x, y = pos
    blit_text(surface, title, (x, y), title_size, title_color, anchor)
    blit_text(surface, note, (x, y + gap), note_size, note_color, anchor)


def draw_side_header(
    surface: pygame.Surface, side: pygame.Rect, title: str, info: str, pad: int = 20
) -> None:
    """The driving screens' side column: background, edge line, title left and info right."""
    pygame.draw.rect(surface, BG, side)
    pygame.draw.line(surface, PANEL_EDGE, side.topleft, side.bottomleft, 2)
    blit_text(surface, title, (side.x + pad, 26), LARGE, TEXT, anchor="midleft")
    blit_text(surface, info, (side.right - 18, 28), SMALL, TEXT_MUTED, anchor="midright")


def clear_caches() -> None:
    """Forget cached fonts and text: they die with pygame.quit() (the app calls this)."""
    font.cache_clear()
    text.cache_clear()
    _translucent_card.cache_clear()


def lerp_color(a: Color, b: Color, t: float) -> Color:
    t = min(max(t, 0.0), 1.0)
    return (
        int(a[0] + (b[0] - a[0]) * t),
        int(a[1] + (b[1] - a[1]) * t),
        int(a[2] + (b[2] - a[2]) * t),
    )


def vertical_gradient(size: tuple[int, int], top: Color, bottom: Color) -> pygame.Surface:
    """A surface filled with a top-to-bottom colour gradient (build once, blit often)."""
    w, h = size
    surf = pygame.Surface((w, h))
    for y in range(h):
        pygame.draw.line(surf, lerp_color(top, bottom, y / max(h - 1, 1)), (0, y), (w, y))
    return surf


def draw_panel(
    surface: pygame.Surface,
    rect: pygame.Rect,
    color: Color = PANEL,
    border: Color | None = PANEL_EDGE,
    radius: int = 10,
    alpha: int = 255,
) -> None:
    """A rounded card; with alpha < 255 it is translucent over what is below."""
    if alpha >= 255:
        pygame.draw.rect(surface, color, rect, border_radius=radius)
    else:
        surface.blit(_translucent_card(tuple(rect.size), color, alpha, radius), rect)
    if border is not None:
        pygame.draw.rect(surface, border, rect, width=1, border_radius=radius)


@lru_cache(maxsize=64)
def _translucent_card(
    size: tuple[int, int], color: Color, alpha: int, radius: int
) -> pygame.Surface:
    card = pygame.Surface(size, pygame.SRCALPHA)
    pygame.draw.rect(card, (*color, alpha), card.get_rect(), border_radius=radius)
    return card
