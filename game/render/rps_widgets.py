"""Drawing shared by the three rock-paper-scissors screens (no state, no rules here).

- vector-drawn hands (`draw_hand`, `draw_hand_badge`), move and outcome colours;
- prediction bars, `draw_decision` / `draw_decision_text` (why the AI played its move, all
  from one Decision record via the session's Explanation), the coloured history strip;
- text that fits: `fit_text` (cut with "..."), `wrap_text` (a few lines), `fit_size`;
- `draw_progress`: a worker's progress (controls.ProgressBar), `draw_title`: a screen's title.

The agent picker (a scrolling list of agents) is game.render.rps_picker.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import pygame

from game.render import theme
from game.render.controls import ProgressBar
from game.render.theme import Color
from game.render.widgets import draw_bar, draw_label_value
from game.sim.rps import MOVE_LETTERS, MOVE_NAMES, MOVES, Round
from game.workers import Worker

MOVE_COLORS: tuple[Color, ...] = ((236, 120, 64), (64, 170, 236), (186, 104, 236))
OUTCOME_COLORS = {1: theme.GOOD, 0: theme.TEXT_DIM, -1: theme.BAD}
SKIN = (250, 212, 170)
SKIN_EDGE = (86, 54, 40)
ELLIPSIS = "..."


# --- text that fits --------------------------------------------------------------------------
@lru_cache(maxsize=2048)
def fit_text(text: str, size: int, width: int) -> str:
    """`text`, cut at the end with "..." if needed, so it is at most `width` px wide."""
    font = theme.font(size)
    if font.size(text)[0] <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # the longest prefix that fits with the ellipsis
        mid = (lo + hi + 1) // 2
        if font.size(text[:mid].rstrip() + ELLIPSIS)[0] <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + ELLIPSIS


@lru_cache(maxsize=1024)
def wrap_text(text: str, size: int, width: int, max_lines: int = 2) -> tuple[str, ...]:
    """`text` broken at spaces into at most `max_lines` lines of `width` px; the last line
    is cut with "..." when the text does not fit."""
    font = theme.font(size)
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines - 1:
        line = words.pop(0)
        while words and font.size(f"{line} {words[0]}")[0] <= width:
            line = f"{line} {words.pop(0)}"
        lines.append(fit_text(line, size, width))
    if words:
        lines.append(fit_text(" ".join(words), size, width))
    return tuple(lines)


def fit_size(text: str, sizes: Sequence[int], width: int) -> int:
    """The first (largest) of `sizes` at which `text` fits in `width` px (else the last)."""
    for size in sizes:
        if theme.font(size).size(text)[0] <= width:
            return size
    return sizes[-1]


# --- hands ---------------------------------------------------------------------------------
# Each hand is a palm (rounded rect: x0, y0, x1, y1) plus capsules (x0, y0, x1, y1, width),
# in units of the icon size, centred on (0, 0), fingers up. Drawn outline-first so the
# shapes merge into one silhouette.
_PALM = {
    0: (-0.42, -0.28, 0.42, 0.46),
    1: (-0.36, -0.04, 0.36, 0.5),
    2: (-0.36, 0.0, 0.36, 0.5),
}
_FINGERS = {
    0: [
        (-0.31, -0.3, -0.31, -0.16, 0.21),
        (-0.1, -0.34, -0.1, -0.16, 0.21),
        (0.11, -0.34, 0.11, -0.16, 0.21),
        (0.31, -0.3, 0.31, -0.16, 0.21),
    ],
    1: [
        (-0.27, 0.0, -0.29, -0.5, 0.16),
        (-0.09, 0.0, -0.09, -0.64, 0.16),
        (0.09, 0.0, 0.1, -0.6, 0.16),
        (0.27, 0.0, 0.3, -0.44, 0.16),
        (-0.3, 0.28, -0.62, -0.04, 0.17),
    ],
    2: [
        (-0.1, 0.08, -0.36, -0.62, 0.17),
        (0.1, 0.08, 0.3, -0.62, 0.17),
        (0.14, 0.06, 0.16, 0.0, 0.2),
        (0.3, 0.08, 0.3, 0.02, 0.18),
    ],
}
# Drawn on top with their own outline: the thumb folded across a fist.
_THUMBS = {
    0: [(-0.36, 0.1, 0.14, 0.1, 0.2)],
    1: [],
    2: [(-0.34, 0.26, 0.1, 0.26, 0.18)],
}


def _capsule(
    surface: pygame.Surface,
    color: Color,
    a: tuple[float, float],
    b: tuple[float, float],
    width: float,
) -> None:
    r = max(int(round(width / 2)), 1)
    pygame.draw.line(surface, color, a, b, 2 * r)
    pygame.draw.circle(surface, color, a, r)
    pygame.draw.circle(surface, color, b, r)


def draw_hand(
    surface: pygame.Surface,
    move: int,
    center: tuple[float, float],
    size: float,
    skin: Color = SKIN,
    edge: Color = SKIN_EDGE,
) -> None:
    """A hand showing `move` (0 rock fist, 1 paper open palm, 2 scissors V), `size` px tall."""
    cx, cy = center
    outline = max(2.0, size * 0.05)

    def pt(x: float, y: float) -> tuple[float, float]:
        return (cx + x * size, cy + y * size)

    x0, y0, x1, y1 = _PALM[move]
    palm = pygame.Rect(0, 0, (x1 - x0) * size, (y1 - y0) * size)
    palm.topleft = pt(x0, y0)
    radius = int(size * 0.16)
    caps = [(pt(a, b), pt(c, d), w * size) for a, b, c, d, w in _FINGERS[move]]
    thumbs = [(pt(a, b), pt(c, d), w * size) for a, b, c, d, w in _THUMBS[move]]
    pad = int(outline)
    pygame.draw.rect(surface, edge, palm.inflate(2 * pad, 2 * pad), border_radius=radius + pad)
    for a, b, w in caps:
        _capsule(surface, edge, a, b, w + 2 * outline)
    pygame.draw.rect(surface, skin, palm, border_radius=radius)
    for a, b, w in caps:
        _capsule(surface, skin, a, b, w)
    for a, b, w in thumbs:
        _capsule(surface, edge, a, b, w + 2 * outline)
        _capsule(surface, skin, a, b, w)
    if move == 0:  # knuckle creases make the fist read as a fist
        for x in (-0.2, 0.0, 0.21):
            pygame.draw.line(surface, edge, pt(x, -0.3), pt(x, -0.14), max(1, int(outline * 0.6)))


def draw_hand_badge(
    surface: pygame.Surface,
    move: int | None,
    center: tuple[float, float],
    radius: float,
    ring: Color | None = None,
    dim: bool = False,
    label: str | None = None,
    color: Color | None = None,
) -> None:
    """A round badge with a hand in it; `move=None` draws a '?' (not chosen yet).
    `color` replaces the move's colour (e.g. neutral fists during the countdown)."""
    cx, cy = center
    base = color or (MOVE_COLORS[move] if move is not None else theme.PANEL_EDGE)
    fill = theme.lerp_color(theme.PANEL_DARK, base, 0.35 if dim else 0.75)
    pygame.draw.circle(surface, theme.lerp_color(fill, (0, 0, 0), 0.5), (cx + 4, cy + 6), radius)
    pygame.draw.circle(surface, fill, (cx, cy), radius)
    pygame.draw.circle(
        surface,
        theme.lerp_color(base, (255, 255, 255), 0.3),
        (cx, cy),
        radius,
        max(2, int(radius * 0.06)),
    )
    if ring is not None:
        pygame.draw.circle(surface, ring, (cx, cy), radius + 7, max(3, int(radius * 0.07)))
    if move is None:
        theme.blit_text(
            surface, "?", (cx, cy), int(radius * 1.3), theme.TEXT_MUTED, anchor="center"
        )
    else:
        skin = theme.lerp_color(SKIN, theme.PANEL_DARK, 0.45) if dim else SKIN
        draw_hand(surface, move, (cx, cy + radius * 0.04), radius * 1.2, skin)
    if label:
        theme.blit_text(
            surface,
            label,
            (cx, cy + radius + 22),
            theme.BODY,
            theme.TEXT_MUTED if dim else theme.TEXT,
            anchor="center",
        )


def pop_scale(t: float) -> float:
    """0..1 -> a scale that overshoots a little and settles at 1 (a 'pop' in)."""
    t = min(max(t, 0.0), 1.0)
    return 1.0 + 0.25 * math.sin(math.pi * t) * (1.0 - t) - 0.4 * (1.0 - t) ** 3


# --- read-outs -----------------------------------------------------------------------------
def draw_prediction_bars(
    surface: pygame.Surface,
    rect: pygame.Rect,
    probs: Sequence[float],
    actual: int | None = None,
    row_h: int = 34,
    names: bool = True,
) -> None:
    """Three bars, P(rock), P(paper), P(scissors); the `actual` move's row is outlined.
    `names=False` leaves the move names out (the hands say them) for a narrow column."""
    rect = pygame.Rect(rect)
    top = max(MOVES, key=lambda m: probs[m])
    for m in MOVES:
        y = rect.y + m * row_h
        row = pygame.Rect(rect.x, y, rect.w, row_h - 6)
        if m == actual:
            pygame.draw.rect(surface, theme.ACCENT, row.inflate(8, 6), width=2, border_radius=8)
        draw_hand_badge(surface, m, (row.x + row.h // 2, row.centery), row.h * 0.45)
        ink = theme.TEXT if m == top else theme.TEXT_MUTED
        if names:
            at = (row.x + row.h + 8, row.centery)
            theme.blit_text(surface, MOVE_NAMES[m], at, theme.BODY, ink, anchor="midleft")
        left = row.x + row.h + (96 if names else 8)
        bar = pygame.Rect(left, row.centery - 8, row.right - 56 - left, 16)
        draw_bar(surface, bar, float(probs[m]), 0.0, 1.0, MOVE_COLORS[m])
        theme.blit_text(surface, f"{100 * probs[m]:.0f}%", (row.right, row.centery), theme.BODY,
                        ink, anchor="midright")  # fmt: skip


def draw_decision_text(
    surface: pygame.Surface,
    at: tuple[int, int],
    width: int,
    why: Any,
    big: bool = True,
    bottom: int | None = None,
) -> int:
    """The lines of a game.sessions.rps_reasons.Explanation, top-down from `at`: what the
    deciding strategy expected (with its probability, the same as its bar), whether that read
    the other side, the move played, the strategy in plain words, then small and dim its
    technical name and the agent's own model's view. Lines that would end below `bottom`
    are left out (the dim ones come last). Returns the y below the last line."""
    x, y = at
    sizes = (theme.LARGE, theme.BODY, theme.SMALL) if big else (theme.BODY, theme.SMALL)
    size = fit_size(why.expected, sizes, width)
    theme.blit_text(surface, fit_text(why.expected, size, width), (x, y + size // 2), size,
                    theme.ACCENT, anchor="midleft")  # fmt: skip
    y += size + 6
    verdict_ink = theme.GOOD if why.read else theme.TEXT if why.read is None else theme.BAD
    lines = [(why.verdict, verdict_ink)] + ([(why.move, theme.TEXT)] if why.move else [])
    lines += [(t, theme.TEXT) for t in wrap_text(f"why: {why.why}", theme.SMALL, width, 2)]
    lines += [(fit_text(why.detail, theme.SMALL, width), theme.TEXT_DIM)] if why.detail else []
    lines += [(t, theme.TEXT_DIM) for t in wrap_text(why.model, theme.SMALL, width, 2)]
    for text, ink in lines:
        if bottom is not None and y + 17 > bottom:
            break
        theme.blit_text(surface, fit_text(text, theme.SMALL, width), (x, y + 8), theme.SMALL,
                        ink, anchor="midleft")  # fmt: skip
        y += 17
    return y


def draw_decision(surface: pygame.Surface, rect: pygame.Rect, why: Any, actual: int) -> None:
    """Why the AI played its move, from one Decision (via its Explanation): the sentence on
    the left, the odds it used as bars on the right (the predicted move's bar is the
    sentence's percentage), or a note when it used none."""
    bars_w = min(230, max(rect.w // 3, 150))
    text_w = rect.w - bars_w - 16
    draw_decision_text(surface, (rect.x, rect.y + 4), text_w, why)
    col = pygame.Rect(rect.right - bars_w, rect.y + 4, bars_w, rect.h - 8)
    head = fit_text("ODDS IT USED", theme.SMALL, col.w)
    theme.blit_text(surface, head, (col.x, col.y + 8), theme.SMALL, theme.TEXT_DIM,
                    anchor="midleft")  # fmt: skip
    if why.bars is None:
        for k, line in enumerate(wrap_text("none: this move was chosen without odds",
                                           theme.SMALL, col.w, 3)):  # fmt: skip
            at = (col.x, col.y + 34 + 17 * k)
            theme.blit_text(surface, line, at, theme.SMALL, theme.TEXT_MUTED, anchor="midleft")
        return
    row_h = min(44, (col.h - 24) // 3)
    bars = pygame.Rect(col.x + 4, col.y + 24, col.w - 4, 3 * row_h)
    draw_prediction_bars(surface, bars, why.bars, actual=actual, row_h=row_h, names=False)


def draw_history_strip(
    surface: pygame.Surface, rect: pygame.Rect, rounds: Sequence[Round], title: str = ""
) -> None:
    """The latest rounds, oldest on the left: one tile per round coloured by outcome
    (for the first player), showing the first player's move as R / P / S."""
    rect, cell = pygame.Rect(rect), rect.h
    if title:
        at = (rect.x, rect.y - 10)
        theme.blit_text(surface, title, at, theme.SMALL, theme.TEXT_DIM, anchor="midleft")
    fit = max(rect.w // (cell + 3), 1)
    for k, rnd in enumerate(list(rounds)[-fit:]):
        tile = pygame.Rect(rect.x + k * (cell + 3), rect.y, cell, cell)
        pygame.draw.rect(surface, OUTCOME_COLORS[rnd.outcome], tile, border_radius=5)
        letter = MOVE_LETTERS[rnd.move_a]
        theme.blit_text(surface, letter, tile.center, theme.SMALL, theme.BG, anchor="center")


def signed_color(value: float) -> Color:
    """Good for a gain, bad for a loss, plain for zero (net scores, streaks)."""
    return theme.GOOD if value > 0 else theme.BAD if value < 0 else theme.TEXT


def draw_rows_panel(
    surface: pygame.Surface, rect: pygame.Rect, title: str, rows: Sequence[tuple[str, str, Color]]
) -> None:
    """A panel with a title and `label ..... value` rows (value in its colour)."""
    theme.draw_panel(surface, rect)
    at = (rect.x + 14, rect.y + 18)
    theme.blit_text(surface, title, at, theme.BODY, theme.TEXT, anchor="midleft")
    step = min(27, (rect.h - 64) // max(len(rows) - 1, 1))  # closer rows in a short panel
    for i, (label, value, color) in enumerate(rows):
        draw_label_value(surface, (rect.x + 16, rect.y + 52 + step * i), label, value,
                         rect.w - 32, color)  # fmt: skip


def draw_progress(
    surface: pygame.Surface,
    rect: pygame.Rect,
    worker: Worker,
    label: str,
    clock: float,
    cancel_hint: bool = False,
) -> None:
    """A worker's progress bar and status (`label` until it says more); with `cancel_hint`,
    "Esc cancels" under it, or "cancelling..." once asked."""
    bar = ProgressBar(rect, worker.message or label)
    bar.fraction = worker.fraction  # None (amount unknown) shows a sliding block
    bar.draw(surface, clock=clock)
    if cancel_hint:
        hint = "cancelling..." if worker.cancel_requested else "Esc cancels"
        at = (rect.centerx, rect.bottom + 14)
        theme.blit_text(surface, hint, at, theme.SMALL, theme.TEXT_DIM, anchor="center")


def draw_title(surface: pygame.Surface, x: int, accent: str, rest: str) -> pygame.Rect:
    """A screen's title ("RPS" in the accent colour, then "ARENA") and the help hint;
    returns the hint's rect."""
    y = 36
    r = theme.blit_text(surface, accent, (x, y), theme.LARGE + 12, theme.ACCENT, anchor="midleft")
    r = theme.blit_text(
        surface, rest, (r.right + 12, y), theme.LARGE + 12, theme.TEXT, anchor="midleft"
    )
    return theme.blit_text(
        surface, "H help", (r.right + 20, y + 2), theme.SMALL, theme.TEXT_DIM, anchor="midleft"
    )
