"""Teach's result card, drawn: the sentence, the four drivers' figures and the offset plot.

Not a screen: a drawing helper the Teach and Models screens share. It lives beside them
because it reads the card's session types and grades (game.render may not import sessions).

    draw_result_card(surface, rect, result)                    # the figures are in
    draw_result_card(surface, rect, None, measuring=(0.4, "your car drives 2 laps"))

The Teach screen shows it at the end of the flow and the Models screen shows the one saved
with a model (game.sessions.teach_result.TeachResult). Colours follow game.sessions.grades:
each car's offset and lap against the expert's on the same track.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pygame

from game.render import theme
from game.render.table import Cell, Column, Table, fit_text
from game.sessions.grades import Grade, lap_grade, offset_grade
from game.sessions.teach_result import CAR, EXPERT, RESULT_LAPS, YOU, Figures, TeachResult, Trace

COLORS = {YOU: theme.ACCENT, CAR: theme.ACCENT_2, "shipped": (200, 120, 255),
          EXPERT: theme.GOOD}  # fmt: skip
GRADE_COLORS = {Grade.GOOD: theme.GOOD, Grade.FAIR: theme.WARN, Grade.POOR: theme.BAD}
COLUMNS = [
    Column("DRIVER", 2.2), Column("FROM LANE CENTRE", 2.0, "right"),
    Column("LEFT THE LANE", 1.8, "right"), Column("FASTEST LAP", 1.6, "right"),
    Column("LAPS", 0.8, "right"),
]  # fmt: skip
ROW_H = 30
PAD = 22


def grade_color(grade: Grade, default: theme.Color = theme.TEXT) -> theme.Color:
    return GRADE_COLORS.get(grade, default)


def figures_row(f: Figures, expert: Figures | None) -> dict[str, Cell]:
    """One driver as a table row; a car's offset and lap coloured against the expert's."""
    ref_off = expert.mean_abs_offset_m if expert is not None and f.who != EXPERT else None
    ref_lap = expert.best_lap_s if expert is not None and f.who != EXPERT else None
    out = f.out_of_lane
    left = "never" if out == 0 else "once" if out == 1 else f"{out} times"
    what = "" if not out else " (off-lanes)" if f.who == YOU else " (interventions)"
    return {
        "DRIVER": Cell(f.label, theme.TEXT, dot=COLORS.get(f.who, theme.TEXT_MUTED)),
        "FROM LANE CENTRE": Cell(f"{f.mean_abs_offset_m * 100:.1f} cm",
                                 grade_color(offset_grade(f.mean_abs_offset_m, ref_off))),
        "LEFT THE LANE": Cell(left + what, theme.WARN if out else theme.TEXT),
        "FASTEST LAP": Cell(theme.format_time(f.best_lap_s),
                            grade_color(lap_grade(f.best_lap_s, ref_lap))),
        "LAPS": Cell(str(f.laps)),
    }  # fmt: skip


def wrap(text: str, width: int, size: int) -> list[str]:
    """`text` in lines that fit `width` pixels."""
    font, lines, line = theme.font(size), [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if line and font.size(trial)[0] > width:
            lines.append(line)
            line = word
        else:
            line = trial
    return [*lines, line] if line else lines


def draw_result_card(
    surface: pygame.Surface,
    rect: pygame.Rect,
    result: TeachResult | None,
    measuring: tuple[float | None, str] | None = None,
    error: str = "",
    keys: str = "",
    title: str = "WHAT YOUR CAR LEARNED",
) -> None:
    """The card in `rect`: figures when `result` is in, else what is being measured."""
    theme.draw_panel(surface, rect, theme.PANEL_DARK, theme.ACCENT, radius=14, alpha=242)
    x, w = rect.x + PAD, rect.w - 2 * PAD
    theme.blit_text(surface, title, (x, rect.y + 30), theme.LARGE, theme.ACCENT, "midleft")
    bottom = rect.bottom - (36 if keys else 12)
    if keys:
        theme.blit_text(surface, fit_text(keys, w, theme.SMALL), (x, rect.bottom - 22),
                        theme.SMALL, theme.TEXT, "midleft")  # fmt: skip
    if result is None:
        _draw_waiting(surface, pygame.Rect(x, rect.y + 60, w, bottom - rect.y - 60), measuring,
                      error)  # fmt: skip
        return
    where = (f"{result.track}: each drives at its own pace; the cars {RESULT_LAPS} laps from "
             "a standing start (evaluate --mode race)")  # fmt: skip
    theme.blit_text(surface, fit_text(where, w, theme.SMALL), (x, rect.y + 58), theme.SMALL,
                    theme.TEXT_MUTED, "midleft")  # fmt: skip
    y = rect.y + 84
    sentence = result.sentence
    good = sentence.startswith(("Your car drives", "Your car keeps the"))
    for line in wrap(sentence, w, theme.BODY)[:3]:
        theme.blit_text(surface, line, (x, y), theme.BODY, theme.GOOD if good else theme.WARN,
                        "midleft")  # fmt: skip
        y += 24
    expert = result.row(EXPERT)
    rows = [figures_row(f, expert) for f in result.rows]
    table = pygame.Rect(rect.x + PAD - 14, y, w + 28, 44 + ROW_H * len(rows))
    Table(COLUMNS, max_row_h=ROW_H).draw(surface, table, rows, card=False)
    plot = pygame.Rect(x, table.bottom + 8, w, bottom - table.bottom - 8)
    if plot.h >= 90:
        draw_offset_plot(surface, plot, result)


def _draw_waiting(surface, area: pygame.Rect, measuring, error: str) -> None:
    if error:
        for k, line in enumerate(wrap(error, area.w, theme.BODY)[:4]):
            theme.blit_text(surface, line, (area.x, area.y + 20 + 26 * k), theme.BODY, theme.BAD,
                            "midleft")  # fmt: skip
        return
    fraction, message = measuring if measuring is not None else (None, "")
    theme.blit_text(
        surface,
        "Measuring you, your car, the shipped model and the expert on the same track...",
        (area.x, area.y + 20),
        theme.BODY,
        theme.TEXT,
        "midleft",
    )
    bar = pygame.Rect(area.x, area.y + 48, area.w, 18)
    pygame.draw.rect(surface, theme.PANEL, bar, border_radius=6)
    if fraction is not None:
        done = bar.copy()
        done.w = max(6, int(bar.w * fraction))
        pygame.draw.rect(surface, theme.ACCENT_2, done, border_radius=6)
    theme.blit_text(surface, message, (area.x, area.y + 84), theme.SMALL, theme.TEXT_MUTED,
                    "midleft")  # fmt: skip


def nice_step(span: float, ticks: int = 5) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving about `ticks` ticks."""
    raw = max(span, 1e-9) / ticks
    base = 10 ** math.floor(math.log10(raw))
    return next(m * base for m in (1, 2, 5, 10) if m * base >= raw)


def _series(trace: Trace) -> list[tuple[list[float], list[float]]]:
    return [run for run in trace.laps() if len(run[0]) >= 2]


def draw_offset_plot(surface: pygame.Surface, rect: pygame.Rect, result: TeachResult) -> None:
    """Lateral offset (m, right of the lane centre) along the lap (m): you and your car."""
    theme.draw_panel(surface, rect, theme.PANEL, theme.PANEL_EDGE, radius=10)
    theme.blit_text(surface, "Where each drove in the lane, along the lap",
                    (rect.x + 12, rect.y + 16), theme.SMALL, theme.TEXT, "midleft")  # fmt: skip
    lx = rect.right - 12
    for who, label in ((CAR, "your car"), (YOU, "you (every lap)")):
        r = theme.blit_text(surface, label, (lx, rect.y + 16), theme.SMALL, COLORS[who],
                            "midright")  # fmt: skip
        pygame.draw.line(surface, COLORS[who], (r.x - 20, r.centery), (r.x - 6, r.centery), 3)
        lx = r.x - 32
    plot = pygame.Rect(rect.x + 64, rect.y + 34, rect.w - 80, rect.h - 34 - 34)
    traces = [(YOU, _series(result.you)), (CAR, _series(result.car))]
    values = [abs(v) for _, runs in traces for _, ys in runs for v in ys]
    top = max(max(values, default=0.0), 0.2) * 1.1
    step = nice_step(2 * top, 4)
    top = math.ceil(top / step) * step
    length = max(result.track_length_m, 1.0)

    def at(s: float, off: float) -> tuple[float, float]:
        # Right of the lane centre is drawn up, as the axis labels say.
        return plot.x + plot.w * s / length, plot.centery - plot.h / 2 * off / top

    k = -round(top / step)
    while k * step <= top + 1e-9:
        v = k * step
        y = at(0, v)[1]
        color = theme.TEXT_DIM if abs(v) < 1e-9 else theme.PANEL_EDGE
        pygame.draw.line(surface, color, (plot.x, y), (plot.right, y), 2 if abs(v) < 1e-9 else 1)
        label = "centre" if abs(v) < 1e-9 else f"{abs(v):g} m {'right' if v > 0 else 'left'}"
        theme.blit_text(surface, label, (plot.x - 6, y), theme.SMALL, theme.TEXT_MUTED,
                        "midright")  # fmt: skip
        k += 1
    half_lane = result.lane_width_m / 2.0
    for edge in (half_lane, -half_lane):
        if abs(edge) <= top:
            y = at(0, edge)[1]
            for x0 in range(plot.x, plot.right, 14):
                pygame.draw.line(surface, theme.WARN, (x0, y), (min(x0 + 7, plot.right), y))
    xstep = nice_step(length, 6)
    xv = 0.0
    while xv <= length + 1e-9:
        px = at(xv, 0)[0]
        anchor = "midleft" if xv == 0 else "center"
        theme.blit_text(surface, f"{xv:g}", (px, plot.bottom + 12), theme.SMALL,
                        theme.TEXT_MUTED, anchor)  # fmt: skip
        xv += xstep
    theme.blit_text(surface, "m along the lap", (plot.right, plot.bottom + 26), theme.SMALL,
                    theme.TEXT_DIM, "midright")  # fmt: skip
    clip = surface.get_clip()
    surface.set_clip(plot.inflate(2, 4))
    for who, runs in traces:
        _lines(surface, [[at(s, o) for s, o in zip(xs, ys, strict=True)] for xs, ys in runs],
               COLORS[who], 1 if who == YOU else 2)  # fmt: skip
    surface.set_clip(clip)


def _lines(surface, runs: Sequence[Sequence[tuple[float, float]]], color, width: int) -> None:
    for pts in runs:
        if len(pts) >= 2:
            pygame.draw.lines(surface, color, False, pts, width)
