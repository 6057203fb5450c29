"""Drawing shared by the three rock-paper-scissors screens (no state, no rules here).

- vector-drawn hands (`draw_hand`, `draw_hand_badge`), move and outcome colours;
- prediction bars, `draw_explanation` (why the AI played its move, from the session's
  Explanation), the coloured history strip;
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
) -> None:
    """Three bars, P(rock), P(paper), P(scissors); the `actual` move's row is outlined."""
    rect = pygame.Rect(rect)
    top = max(MOVES, key=lambda m: probs[m])
    for m in MOVES:
        y = rect.y + m * row_h
        row = pygame.Rect(rect.x, y, rect.w, row_h - 6)
        if m == actual:
            pygame.draw.rect(surface, theme.ACCENT, row.inflate(8, 6), width=2, border_radius=8)
        draw_hand_badge(surface, m, (row.x + row.h // 2, row.centery), row.h * 0.45)
        theme.blit_text(
            surface,
            MOVE_NAMES[m],
            (row.x + row.h + 8, row.centery),
            theme.BODY,
            theme.TEXT if m == top else theme.TEXT_MUTED,
            anchor="midleft",
        )
        bar = pygame.Rect(row.x + row.h + 96, row.centery - 8, row.w - row.h - 160, 16)
        draw_bar(surface, bar, float(probs[m]), 0.0, 1.0, MOVE_COLORS[m])
        theme.blit_text(
            surface,
            f"{100 * probs[m]:.0f}%",
            (row.right, row.centery),
            theme.BODY,
            theme.TEXT if m == top else theme.TEXT_MUTED,
            anchor="midright",
        )


def draw_expectation(
    surface: pygame.Surface,
    rect: pygame.Rect,
    pred: Sequence[float],
    actual: int,
    why: Any = None,
) -> None:
    """An agent that cannot say why it played its move: what its model expected ("my model
    expected rock (62%)"), the move that came, and the bars. No "read you" / "missed": the
    move may come from more than this model. `why`: the session's Explanation of it."""
    top, x = max(MOVES, key=lambda m: pred[m]), rect.x
    head = why.expected if why is not None else f"my model expected {MOVE_NAMES[top]}"
    size = fit_size(head, (theme.LARGE, theme.BODY), rect.w)
    at = (x, rect.y + 16)
    theme.blit_text(surface, fit_text(head, size, rect.w), at, size, theme.ACCENT, "midleft")
    text = (
        f"{why.verdict}; {why.move}"
        if why is not None
        else f"you played {MOVE_NAMES[actual]} ({100 * pred[actual]:.0f}%)"
    )
    at = (x, rect.y + 44)
    text = fit_text(text, theme.SMALL, rect.w)
    theme.blit_text(surface, text, at, theme.SMALL, theme.TEXT_MUTED, anchor="midleft")
    bars = pygame.Rect(x + 4, rect.y + 66, rect.w - 4, rect.h - 66)
    draw_prediction_bars(surface, bars, pred, actual=actual)


def draw_explanation(
    surface: pygame.Surface,
    rect: pygame.Rect,
    why: Any,
    model_pred: Sequence[float] | None = None,
    model_name: str = "",
) -> None:
    """Why the AI played its move (a game.sessions.rps_reasons.Explanation from a reason):
    what the deciding strategy expected, whether it read the person, the move it played,
    the strategy's name; then, dim, what its own model alone expected (`model_pred`)."""
    x, w = rect.x, rect.w
    size = fit_size(why.expected, (theme.LARGE, theme.BODY), w)
    theme.blit_text(surface, fit_text(why.expected, size, w), (x, rect.y + 16), size,
                    theme.ACCENT, anchor="midleft")  # fmt: skip
    color = theme.GOOD if why.read else theme.TEXT if why.read is None else theme.TEXT_MUTED
    theme.blit_text(surface, fit_text(why.verdict, theme.BODY, w), (x, rect.y + 46),
                    theme.BODY, color, anchor="midleft")  # fmt: skip
    theme.blit_text(surface, fit_text(why.move, theme.BODY, w), (x, rect.y + 72), theme.BODY,
                    theme.TEXT, anchor="midleft")  # fmt: skip
    y = rect.y + 98
    for line in wrap_text(why.chooser, theme.SMALL, w, 2):
        theme.blit_text(surface, line, (x, y), theme.SMALL, theme.TEXT_MUTED, anchor="midleft")
        y += 18
    if model_pred is not None and y + 10 <= rect.bottom:
        odds = "  ".join(f"{MOVE_NAMES[m]} {100 * model_pred[m]:.0f}%" for m in MOVES)
        text = fit_text(f"{model_name} model alone: {odds}".strip(), theme.SMALL, w)
        theme.blit_text(surface, text, (x, y + 8), theme.SMALL, theme.TEXT_DIM, anchor="midleft")


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
    for i, (label, value, color) in enumerate(rows):
        draw_label_value(surface, (rect.x + 16, rect.y + 52 + 27 * i), label, value,
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
