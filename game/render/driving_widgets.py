"""What the driving screens (Drive, Autopilot, Race) share on the pygame side: their layout
from the window size, the banner over the road, the map card, the lane-departure flash, the
countdown. Each has one behaviour wherever it is used.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import pygame

from game.render import theme
from game.render.hud import draw_dashboard
from game.render.minimap import Minimap
from game.render.table import fit_text
from game.render.world_view import CarSprite, FollowCamera, WorldView, _car_sprite
from game.sim.track import Track
from game.sim.world import World

CARD_PAD = 14  # inset of the side column's cards
CARD_TITLE_H = 30  # a card's title strip; its content starts below
BANNER_Y = 190  # the banner's centre below the view's top: above the car, which sits mid-view
GHOST_ALPHA = 110  # Race: the cars not followed are ghosts (no collisions), drawn see-through
PRERENDER_TILES_PER_FRAME = 2  # ~1.5 ms a tile: a new track's tiles fill in over a few seconds


class RoadViews:
    """The pygame side of a session's track: the top-down view, the minimap and the camera
    that follows a car; rebuilt when the session's track changes."""

    def __init__(self) -> None:
        self.track: Track | None = None
        self.follow_cam = FollowCamera()

    def sync(self, track: Track, map_size: tuple[int, int], prerender: bool = True) -> None:
        """Build the views for `track` unless they are; `prerender`: draw the whole track's
        tiles now (~0.1 s) instead of hitches while driving."""
        if track is self.track:
            return
        self.track = track
        self.view = WorldView(track)
        if prerender:
            self.view.prerender()
        self.minimap = Minimap(track, map_size)
        self.follow_cam = FollowCamera()

    def fit_map(self, map_size: tuple[int, int]) -> None:
        """A minimap of `map_size` (the map card changed size with the window)."""
        if self.track is not None and self.minimap.size != map_size:
            self.minimap = Minimap(self.track, map_size)

    def follow(self, world: World, dt: float) -> None:
        st = world.car.state
        self.follow_cam.update(st.yaw, st.speed, dt)

    def draw_one_car(
        self,
        surface: pygame.Surface,
        lay: DrivingLayout,
        world: World,
        color: theme.Color,
        ghosts: Sequence[CarSprite] = (),
    ) -> CarSprite:
        """The road round `world`'s car, with `ghosts` see-through under it; returns the car's
        sprite for the minimap. A new track's views are built here without drawing all its
        tiles at once (0.1-0.4 s): the visible ones are drawn as needed and the rest a few per
        frame, so a track change never stalls a frame."""
        self.sync(world.track, lay.map_size, prerender=False)
        self.view.prerender(max_tiles=PRERENDER_TILES_PER_FRAME)
        st = world.car.state
        car = CarSprite(st.x, st.y, st.yaw, color)
        if ghosts:
            self.draw_race_road(surface, lay.view, world, car, ghosts)
        else:
            self.draw_road(surface, lay.view, world, [car])
        return car

    def draw_road(
        self, surface: pygame.Surface, rect: pygame.Rect, world: World, cars: list[CarSprite]
    ) -> None:
        """The view centred ahead of `world`'s car (the followed one)."""
        st = world.car.state
        self.view.draw(surface, rect, self.follow_cam.center(st.x, st.y), cars)

    def draw_race_road(
        self,
        surface: pygame.Surface,
        rect: pygame.Rect,
        world: World,
        followed: CarSprite,
        ghosts: Sequence[CarSprite],
    ) -> None:
        """Race: the view round `world`'s (the followed) car; the other cars are ghosts,
        drawn translucent under the followed car, which is solid and on top."""
        center = self.follow_cam.center(world.car.state.x, world.car.state.y)
        self.view.draw(surface, rect, center, [])
        old_clip = surface.get_clip()
        surface.set_clip(rect)
        at = [self._blit_car(surface, rect, center, car, GHOST_ALPHA) for car in ghosts]
        mine = self._blit_car(surface, rect, center, followed, 255)
        # Labels last, the followed car's first: a ghost's label that would overlap one
        # already written (cars side by side on the grid or stopped at the line) is left out.
        taken: list[pygame.Rect] = []
        for car, xy in [(followed, mine), *zip(ghosts, at, strict=True)]:
            if car.label and xy is not None:
                box = pygame.Rect((0, 0), theme.font(theme.SMALL).size(car.label))
                box.center = (xy[0], xy[1] - 26)
                if box.collidelist(taken) == -1:
                    color = theme.TEXT if car is followed else theme.TEXT_MUTED
                    theme.blit_text(surface, car.label, box.center, theme.SMALL, color, "center")
                    taken.append(box)
        surface.set_clip(old_clip)

    def _blit_car(
        self,
        surface: pygame.Surface,
        rect: pygame.Rect,
        center: tuple[float, float],
        car: CarSprite,
        alpha: int,
    ) -> tuple[int, int] | None:
        """Draw `car` (no label) at `alpha`; its screen point, or None when off the view."""
        view = self.view
        cx, cy = view.to_px(*center)
        px, py = view.to_px(car.x, car.y)
        sx, sy = round(rect.centerx + px - cx), round(rect.centery + py - cy)
        if not rect.inflate(80, 80).collidepoint(sx, sy):
            return None
        angle = int(round(math.degrees(car.yaw) / 3.0)) % 120 * 3  # 3 degree steps, cached
        cache = self.__dict__.setdefault("_ghost_sprites", {})
        key = (view.scale, car.color, angle, alpha)
        sprite = cache.get(key)
        if sprite is None:
            sprite = pygame.transform.rotozoom(_car_sprite(car.color, view.scale), angle, 0.5)
            sprite.set_alpha(alpha)  # scales the sprite's own per-pixel alpha
            cache[key] = sprite
        surface.blit(sprite, sprite.get_rect(center=(sx, sy)))
        return sx, sy


@dataclass(frozen=True)
class DrivingLayout:
    """Where things go on a road screen, from the window size: the road view on the left, a
    side column with the dashcam panel, a stats card (or the standings) and the map card."""

    view: pygame.Rect
    side: pygame.Rect
    dashcam_at: tuple[int, int]  # top-left pixel of the 320x160 camera image
    stats: pygame.Rect
    map_card: pygame.Rect
    dashboard: pygame.Rect

    @property
    def messages(self) -> pygame.Rect:
        """The message area: the road view's band just above the dashboard, so messages
        never cover the speed, gauges or lane bar."""
        return pygame.Rect(self.view.x, self.dashboard.top - 104, self.view.w, 100)

    @property
    def map_size(self) -> tuple[int, int]:
        """The minimap's size inside the map card."""
        return self.map_card.w - 16, self.map_card.h - CARD_TITLE_H - 8


def driving_layout(
    size: tuple[int, int],
    side_w: int = 360,
    stats_top: int = 278,
    stats_h: int = 196,
    dashboard_w: int = 620,
) -> DrivingLayout:
    """The layout for a window of `size`; stats_top/stats_h place the side column's first card
    (below the dashcam panel on Drive and Autopilot, under the header on Race)."""
    w, h = size
    view = pygame.Rect(0, 0, w - side_w, h)
    side = pygame.Rect(view.right, 0, side_w, h)
    stats = pygame.Rect(side.x + CARD_PAD, stats_top, side.w - 2 * CARD_PAD, stats_h)
    map_top = stats.bottom + CARD_PAD
    map_card = pygame.Rect(stats.x, map_top, stats.w, h - 12 - map_top)
    # A narrow road view (Race's wider side column at 1024 px) gets a narrower dashboard.
    dashboard = pygame.Rect(0, 0, min(dashboard_w, view.w - 32), 118)
    dashboard.midbottom = (view.centerx, view.bottom - 16)
    return DrivingLayout(view, side, (side.x + 20, 96), stats, map_card, dashboard)


def draw_card(surface: pygame.Surface, rect: pygame.Rect, title: str) -> pygame.Rect:
    """A side-column card with its title; returns the area below the title."""
    theme.draw_panel(surface, rect, theme.PANEL, theme.PANEL_EDGE, radius=10)
    theme.blit_text(
        surface, title, (rect.x + CARD_PAD, rect.y + 16), theme.SMALL, theme.ACCENT, "midleft"
    )
    return pygame.Rect(rect.x + 8, rect.y + CARD_TITLE_H, rect.w - 16, rect.h - CARD_TITLE_H)


def draw_map_card(
    surface: pygame.Surface,
    rect: pygame.Rect,
    minimap: Minimap,
    cars: Sequence[CarSprite],
    follow: int = 0,
) -> None:
    """The TRACK MAP card: the minimap with every car, car `follow` drawn on top."""
    inside = draw_card(surface, rect, "TRACK MAP")
    minimap.draw(surface, inside.topleft, cars, follow=follow)


def draw_banner(
    surface: pygame.Surface, view: pygame.Rect, title: str, line: str = "", hint: str = ""
) -> None:
    """A big centred card over the road (PAUSED, LOADING, NO MODEL, FINISHED); long lines
    (file errors) wrap to three lines at most."""
    lines = textwrap.wrap(line, 78)[:3]
    width = max([theme.text(t, theme.BODY).get_width() for t in lines] + [0]) + 48
    height = 84 + 26 * len(lines) + (26 if hint else 0)
    card = pygame.Rect(0, 0, min(max(width, 380), view.w - 40), height)
    card.center = (view.centerx, view.y + BANNER_Y)
    theme.draw_panel(surface, card, theme.PANEL_DARK, theme.ACCENT, radius=14, alpha=230)
    x = card.centerx
    theme.blit_text(surface, title, (x, card.y + 38), theme.TITLE, theme.ACCENT, "center")
    y = card.y + 80
    for text in lines:
        theme.blit_text(surface, text, (x, y), theme.BODY, theme.TEXT, "center")
        y += 26
    if hint:
        theme.blit_text(surface, hint, (x, y + 4), theme.SMALL, theme.TEXT_MUTED, "center")


def draw_departure_flash(
    surface: pygame.Surface, view: pygame.Rect, flash_s: float, text: str = "LANE DEPARTURE"
) -> None:
    """A blinking red frame round the road while `flash_s` > 0 (the car left its lane)."""
    if flash_s <= 0:
        return
    width = 6 if int(flash_s * 10) % 2 == 0 else 3
    pygame.draw.rect(surface, theme.BAD, view, width)
    theme.blit_text(surface, text, (view.centerx, view.y + 90), theme.LARGE, theme.BAD, "center")


def draw_off_lane_flash(
    surface: pygame.Surface, view: pygame.Rect, flash_s: float, text: str = "OFF LANE"
) -> None:
    """A person's off-lane: a thin blinking amber frame and a word, gentler than the red
    departure flash (nothing was taken away from them)."""
    if flash_s <= 0:
        return
    width = 4 if int(flash_s * 10) % 2 == 0 else 2
    pygame.draw.rect(surface, theme.WARN, view, width)
    theme.blit_text(surface, text, (view.centerx, view.y + 90), theme.LARGE, theme.WARN, "center")


def draw_countdown(surface: pygame.Surface, view: pygame.Rect, countdown: float, t: float) -> None:
    """3, 2, 1 before the start, then GO! for the race's first second (`t`: race time)."""
    at = (view.centerx, view.y + 200)
    if countdown > 0:
        n = str(math.ceil(countdown))
        theme.blit_text(surface, n, (at[0] + 4, at[1] + 4), theme.HUGE * 2, (0, 0, 0), "center")
        theme.blit_text(surface, n, at, theme.HUGE * 2, theme.ACCENT, "center")
    elif t < 1.0:
        theme.blit_text(surface, "GO!", at, theme.HUGE * 2, theme.GOOD, "center")


def draw_mouse_rail(
    surface: pygame.Surface,
    view: pygame.Rect,
    y: int,
    span_frac: float,
    mouse_x: float,
    wheel: float,
    marks: Sequence[float] = (),
) -> None:
    """Mouse steering's rail across the view: full lock at its ends (`span_frac` of the half
    view), ticks at `marks` (mouse positions, -1..1 across the view, of e.g. 25/50/75 % lock),
    and the mouse's marker with the lock it asks for (`wheel`)."""
    half = view.w / 2.0
    span = half * span_frac
    cx = view.centerx
    pygame.draw.line(surface, theme.TEXT_DIM, (cx - span, y), (cx + span, y), 2)
    for m in (0.0, *marks, *(-m for m in marks), -span_frac, span_frac):
        h = 8 if m in (0.0, -span_frac, span_frac) else 5
        pygame.draw.line(surface, theme.TEXT_DIM, (cx + m * half, y - h), (cx + m * half, y + h), 2)
    x = cx + max(-span, min(span, mouse_x * half))
    pygame.draw.circle(surface, theme.ACCENT, (x, y), 6)
    theme.blit_text(surface, f"{wheel * 100:+.0f} %", (x, y - 16), theme.SMALL, theme.ACCENT,
                    "center")  # fmt: skip


def mouse_x_in(view: pygame.Rect, pos: tuple[int, int]) -> float:
    """The mouse across the road view: -1 at the left edge, +1 at the right."""
    return (pos[0] - view.centerx) / (view.w / 2.0)


BEST_LAP_ROW_H = 26


def best_laps_card_height(rows: int, note: bool = False) -> int:
    """The height of a best-laps card with `rows` lines (and a `note` line under them)."""
    return CARD_TITLE_H + BEST_LAP_ROW_H * max(rows, 1) + 12 + (BEST_LAP_ROW_H if note else 0)


def draw_best_laps_card(
    surface: pygame.Surface,
    rect: pygame.Rect,
    title: str,
    rows: Sequence[tuple[str, str, str]],
    note: str = "",
) -> None:
    """A card listing best laps, one (who, time, date) per line, a hint when there is none;
    `note` (which laps count) in a dim line at the card's foot."""
    inside = draw_card(surface, rect, title)
    if not rows:
        at = (inside.x + 8, inside.y + 14)
        theme.blit_text(surface, "no laps yet", at, theme.SMALL, theme.TEXT_DIM, "midleft")
    date_w = theme.font(theme.SMALL).size("2026-12-31")[0]
    time_right = inside.right - 8 - date_w - 16
    time_w = theme.font(theme.SMALL).size("0:00.0")[0]
    for i, (who, time_text, date) in enumerate(rows):
        y = inside.y + 14 + i * BEST_LAP_ROW_H
        # A long model name is cut before the time column, never drawn under it.
        who = fit_text(f"{i + 1}. {who}", time_right - time_w - 12 - (inside.x + 8), theme.SMALL)
        theme.blit_text(surface, who, (inside.x + 8, y), theme.SMALL, theme.TEXT, "midleft")
        at = (time_right, y)
        theme.blit_text(surface, time_text, at, theme.SMALL, theme.ACCENT_2, "midright")
        at = (inside.right - 8, y)
        theme.blit_text(surface, date, at, theme.SMALL, theme.TEXT_DIM, "midright")
    if note:
        at = (inside.x + 8, rect.bottom - 18)
        note = fit_text(note, inside.w - 16, theme.SMALL)
        theme.blit_text(surface, note, at, theme.SMALL, theme.TEXT_MUTED, "midleft")


def draw_race_person_hud(
    surface: pygame.Surface,
    lay: DrivingLayout,
    world: World,
    steering_cmd: float,
    lap: str,
    lap_time: float | None,
    best: float | None,
) -> None:
    """Race, following your car: the dashboard (speed, steering gauge, lane bar) and a line
    over it with the lap, this lap's time and your best lap."""
    draw_dashboard(surface, lay.dashboard, world, steering_cmd, show_cruise=False)
    text = f"LAP {lap}    {theme.format_time(lap_time)}    BEST {theme.format_time(best)}"
    at = (lay.dashboard.centerx, lay.dashboard.top - 16)
    theme.blit_text(surface, text, (at[0] + 2, at[1] + 2), theme.BODY, (0, 0, 0), "center")
    theme.blit_text(surface, text, at, theme.BODY, theme.TEXT, "center")


def draw_instruction_band(
    surface: pygame.Surface, rect: pygame.Rect, title: str, line: str = ""
) -> None:
    """A guided screen's "what to do now": a dark band across the road view with the step in
    the body size and a smaller second line (keys, what happens next)."""
    theme.draw_panel(surface, rect, theme.PANEL_DARK, theme.ACCENT, radius=12, alpha=228)
    x = rect.x + 16
    y = rect.y + (18 if line else rect.h // 2)
    theme.blit_text(surface, title, (x, y), theme.BODY, theme.TEXT, "midleft")
    if line:  # a narrow window: a size smaller, then cut, never past the band
        room = rect.w - 32
        size = theme.SMALL if theme.font(theme.SMALL).size(line)[0] <= room else theme.SMALL - 2
        line = fit_text(line, room, size)
        theme.blit_text(surface, line, (x, rect.y + 42), size, theme.TEXT_MUTED, "midleft")
