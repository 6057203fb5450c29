"""Driving HUD pieces: speed, steering gauge, lane-offset bar, lap stats, REC mark.

Each piece is a function of plain values (or a World for the stats card), so the Drive,
Autopilot and Race screens share them. `draw_dashboard` puts speed, steering and lane offset
on one translucent card; `draw_stats_card` lists the lap and scoring figures.
"""

from __future__ import annotations

import math

import pygame

from game.render import theme
from game.render.widgets import draw_bar, draw_label_value
from game.sim.car import Car
from game.sim.world import World
from game.textfmt import plural

KMH_PER_MS = 3.6


def speed_caption(car: Car, pedals_by: str = "model") -> str:
    """What sets the car's speed, for under the speed read-out: the cruise control's set speed
    while it drives ("cruise 43 km/h"), else whoever works the pedals ("speed set by model")."""
    if car.on_cruise:
        return f"cruise {car.cruise_speed * KMH_PER_MS:.0f} km/h"
    return f"speed set by {pedals_by}"


def draw_speed(
    surface: pygame.Surface,
    center: tuple[int, int],
    speed_ms: float,
    cruise_ms: float | None = None,
    caption: str | None = None,
) -> None:
    """Big km/h read-out with what sets the speed under it: `caption` (see speed_caption),
    else the cruise-control set speed `cruise_ms`."""
    cx, cy = center
    theme.blit_text(
        surface,
        f"{speed_ms * KMH_PER_MS:3.0f}",
        (cx, cy - 8),
        theme.HUGE,
        theme.TEXT,
        anchor="center",
    )
    theme.blit_text(surface, "km/h", (cx, cy + 26), theme.SMALL, theme.TEXT_MUTED, anchor="center")
    if caption is None and cruise_ms is not None:
        caption = f"cruise {cruise_ms * KMH_PER_MS:.0f} km/h"
    if caption:
        theme.blit_text(surface, caption, (cx, cy + 44), theme.SMALL, theme.ACCENT, "center")


def _dial_point(center: tuple[int, int], r: float, value: float) -> tuple[float, float]:
    """The point at radius `r` for a wheel `value` (-1 left .. +1 right; 0 straight up)."""
    a = math.pi / 2 - max(-1.0, min(1.0, value)) * math.pi / 2
    return center[0] + r * math.cos(a), center[1] - r * math.sin(a)


def draw_steering_gauge(
    surface: pygame.Surface,
    center: tuple[int, int],
    radius: int,
    steering: float,
    command: float | None = None,
    mouse: float | None = None,
) -> None:
    """A half-dial: the needle is the wheel's position (-1 left .. +1 right, right positive);
    the small amber tick is what the driver asks for (the wheel follows at a limited rate);
    `mouse`: where mouse steering puts the wheel, a white ring inside the dial."""
    cx, cy = center
    rect = pygame.Rect(cx - radius, cy - radius, 2 * radius, 2 * radius)
    pygame.draw.arc(surface, theme.PANEL_EDGE, rect, 0.0, math.pi, 6)
    # Dial angle: 90 degrees is straight up; full right lock points right (0 degrees).
    for k in range(-4, 5):
        a = math.pi / 2 - k * (math.pi / 2) / 4
        r0 = radius - (12 if k % 2 == 0 else 7)
        pygame.draw.line(
            surface,
            theme.TEXT_DIM,
            (cx + r0 * math.cos(a), cy - r0 * math.sin(a)),
            (cx + radius * math.cos(a), cy - radius * math.sin(a)),
            2,
        )
    if command is not None:
        a = math.pi / 2 - max(-1.0, min(1.0, command)) * math.pi / 2
        pygame.draw.circle(
            surface,
            theme.ACCENT,
            (cx + (radius + 8) * math.cos(a), cy - (radius + 8) * math.sin(a)),
            5,
        )
    if mouse is not None:
        pygame.draw.circle(surface, theme.TEXT, _dial_point(center, radius - 18, mouse), 5, 2)
    tip = _dial_point(center, radius - 4, steering)
    pygame.draw.line(surface, theme.ACCENT_2, (cx, cy), tip, 4)
    pygame.draw.circle(surface, theme.ACCENT_2, (cx, cy), 7)
    theme.blit_text(surface, "STEER", (cx, cy + 16), theme.SMALL, theme.TEXT_MUTED, anchor="center")


def offset_color(offset: float, half_lane: float) -> theme.Color:
    """Green near the lane centre, amber halfway out, red at the lane edge."""
    t = min(abs(offset) / max(half_lane, 1e-6), 1.0)
    if t < 0.5:
        return theme.lerp_color(theme.GOOD, theme.WARN, t * 2)
    return theme.lerp_color(theme.WARN, theme.BAD, (t - 0.5) * 2)


def draw_lane_offset_bar(
    surface: pygame.Surface, rect: pygame.Rect, offset: float, half_lane: float
) -> None:
    """Signed offset from the lane centre (right positive); the bar ends are the lane edges."""
    rect = pygame.Rect(rect)
    theme.blit_text(
        surface,
        "LANE OFFSET",
        (rect.x, rect.y - 14),
        theme.SMALL,
        theme.TEXT_MUTED,
        anchor="midleft",
    )
    theme.blit_text(
        surface,
        f"{offset:+.2f} m",
        (rect.right, rect.y - 14),
        theme.SMALL,
        offset_color(offset, half_lane),
        anchor="midright",
    )
    draw_bar(
        surface, rect, offset, -half_lane, half_lane, offset_color(offset, half_lane), centered=True
    )
    theme.blit_text(
        surface, "L", (rect.x + 2, rect.bottom + 10), theme.SMALL, theme.TEXT_DIM, anchor="midleft"
    )
    theme.blit_text(
        surface,
        "R",
        (rect.right - 2, rect.bottom + 10),
        theme.SMALL,
        theme.TEXT_DIM,
        anchor="midright",
    )


def autonomy_color(pct: float) -> theme.Color:
    """Green from 90 %, amber from 50 %, red below."""
    return theme.GOOD if pct >= 90 else theme.WARN if pct >= 50 else theme.BAD


def draw_dashboard(
    surface: pygame.Surface,
    rect: pygame.Rect,
    world: World,
    steering_cmd: float | None = None,
    show_cruise: bool = True,
    mouse: float | None = None,
) -> None:
    """Speed, steering gauge and lane-offset bar on one translucent card (`show_cruise`:
    what sets the speed under it (speed_caption); off for a person on the pedals; `mouse`: where
    mouse steering puts the wheel, marked on the gauge)."""
    rect = pygame.Rect(rect)
    theme.draw_panel(surface, rect, theme.PANEL_DARK, theme.PANEL_EDGE, radius=14, alpha=215)
    st = world.car.state
    third = rect.w // 3
    caption = speed_caption(world.car, "the pedals") if show_cruise else None
    draw_speed(surface, (rect.x + third // 2, rect.centery - 6), st.speed, caption=caption)
    draw_steering_gauge(
        surface, (rect.x + third + third // 2, rect.centery + 14), 44, st.steering, steering_cmd,
        mouse,
    )  # fmt: skip
    bar = pygame.Rect(rect.x + 2 * third + 8, rect.centery - 4, third - 28, 14)
    draw_lane_offset_bar(surface, bar, world.metrics.offset, world.track.lane_width / 2.0)


def draw_stats_card(
    surface: pygame.Surface, rect: pygame.Rect, world: World, title: str = "SESSION"
) -> None:
    """Lap, lap times, interventions and autonomy % of a World, one per line."""
    autonomy = world.autonomy_pct
    rows = [
        ("Lap", f"{world.laps + 1}", theme.TEXT),
        ("Lap time", theme.format_time(world.lap_time), theme.TEXT),
        ("Best lap", theme.format_time(world.best_lap_time), theme.GOOD),
        ("Last lap", theme.format_time(world.last_lap_time), theme.TEXT),
        (
            "Interventions",
            f"{world.interventions}",
            theme.BAD if world.interventions else theme.TEXT,
        ),
        ("Autonomy", f"{autonomy:.1f} %", autonomy_color(autonomy)),
    ]
    draw_rows_card(surface, rect, title, rows)


def person_stats_rows(world: World) -> list[tuple[str, str, theme.Color]]:
    """A person's figures: lap, lap time (marked when spoiled), valid laps, best valid lap and
    off-lanes. No interventions or Autonomy %: those score AI drivers."""
    lap_time = theme.format_time(world.lap_time)
    if not world.lap_valid:
        lap_time += "  lap invalid"
    return [
        ("Lap", f"{world.laps + 1}", theme.TEXT),
        ("Lap time", lap_time, theme.TEXT if world.lap_valid else theme.WARN),
        ("Valid laps", f"{world.valid_laps} / {world.laps}", theme.TEXT),
        ("Best lap", theme.format_time(world.best_valid_lap), theme.GOOD),
        ("Last lap", theme.format_time(world.last_lap_time), theme.TEXT),
        ("Off-lanes", f"{world.off_lanes}", theme.WARN if world.off_lanes else theme.TEXT),
    ]


def draw_person_stats_card(
    surface: pygame.Surface, rect: pygame.Rect, world: World, title: str = "SESSION"
) -> None:
    """`draw_stats_card` for a person driving (see `person_stats_rows`)."""
    draw_rows_card(surface, rect, title, person_stats_rows(world))


def draw_rows_card(
    surface: pygame.Surface,
    rect: pygame.Rect,
    title: str,
    rows: list[tuple[str, str, theme.Color]],
) -> None:
    """A titled card of `LABEL ..... value` rows spread evenly down it."""
    rect = pygame.Rect(rect)
    theme.draw_panel(surface, rect, theme.PANEL, theme.PANEL_EDGE, radius=10)
    theme.blit_text(
        surface, title, (rect.x + 14, rect.y + 16), theme.SMALL, theme.ACCENT, anchor="midleft"
    )
    y = rect.y + 44
    step = (rect.bottom - 16 - y) / max(len(rows) - 1, 1)
    for label, value, color in rows:
        draw_label_value(surface, (rect.x + 14, int(y)), label.upper(), value, rect.w - 28, color)
        y += step


def draw_ghost_gap(
    surface: pygame.Surface, topright: tuple[int, int], gap_s: float | None, best_s: float
) -> pygame.Rect:
    """The gap to the ghost of the best lap: "+1.23 s" (behind, red) or "-0.45 s" (ahead,
    green), "--" where the ghost's lap does not say (it ended); returns the card's rect."""
    if gap_s is None:
        value, color = "--", theme.TEXT_MUTED
    else:
        value = f"{gap_s:+.2f} s"
        color = theme.BAD if gap_s > 0.005 else theme.GOOD
    label = theme.text("GHOST", theme.SMALL, theme.TEXT_MUTED)
    number = theme.text(value, theme.LARGE, color)
    best = theme.text(f"best {theme.format_time(best_s)}", theme.SMALL, theme.TEXT_MUTED)
    w = label.get_width() + number.get_width() + best.get_width() + 56
    card = pygame.Rect(0, 0, w, 40)
    card.topright = topright
    theme.draw_panel(surface, card, theme.PANEL_DARK, theme.PANEL_EDGE, radius=12, alpha=215)
    x = card.x + 16
    for piece in (label, number, best):
        surface.blit(piece, piece.get_rect(midleft=(x, card.centery)))
        x += piece.get_width() + 12
    return card


def draw_rec_mark(
    surface: pygame.Surface, topleft: tuple[int, int], frame_count: int, blink_on: bool = True
) -> pygame.Rect:
    """A red REC pill with the number of frames recorded; returns its rect."""
    label = theme.text(f"REC  {plural(frame_count, 'frame')}", theme.BODY, theme.TEXT)
    card = pygame.Rect(topleft, (label.get_width() + 48, 34))
    theme.draw_panel(surface, card, (60, 12, 16), theme.REC, radius=17, alpha=220)
    if blink_on:
        pygame.draw.circle(surface, theme.REC, (card.x + 18, card.centery), 7)
    surface.blit(label, label.get_rect(midleft=(card.x + 34, card.centery)))
    return card


def draw_pill(
    surface: pygame.Surface,
    topleft: tuple[int, int],
    text: str,
    color: theme.Color = theme.TEXT_MUTED,
) -> pygame.Rect:
    """A small rounded label (input mode, paused, look, ...); returns its rect."""
    label = theme.text(text, theme.SMALL, color)
    card = pygame.Rect(topleft, (label.get_width() + 24, 26))
    theme.draw_panel(surface, card, theme.PANEL_DARK, theme.PANEL_EDGE, radius=13, alpha=210)
    surface.blit(label, label.get_rect(center=card.center))
    return card
