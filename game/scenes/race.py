"""The Race screen: the expert, saved CNN models and optionally the person on one track.

A picker comes first (keyboard or mouse): who races (Space), the track and the laps
(Left / Right), Enter starts. The cars, standings and finish are game.sessions.race's
RaceSession; this module turns input into its calls and draws it. No TensorFlow here.
"""

from __future__ import annotations

import numpy as np
import pygame

from game import actions
from game.actions import Action, action_for
from game.audio import CountdownBeeps, LapChime
from game.render import theme
from game.render.driving_widgets import (
    DrivingLayout,
    RoadViews,
    best_laps_card_height,
    draw_banner,
    draw_best_laps_card,
    draw_countdown,
    draw_departure_flash,
    draw_map_card,
    draw_race_person_hud,
    driving_layout,
)
from game.render.hud import draw_pill
from game.render.table import Cell, Column, Table
from game.render.widgets import Button, draw_bar
from game.render.world_view import CarSprite, lead_point
from game.scenes import register_scene
from game.scenes.base import Scene
from game.sessions.controls import SteerKeys, track_label
from game.sessions.race import EXPERT, MAX_CARS, PERSON, RaceSession
from game.sessions.race_run import RULES, Racer, Standing, standings
from game.textfmt import plural

__all__ = ["EXPERT", "PERSON", "RaceScene", "standings"]

KEYS = SteerKeys.of(actions)
PICKER_W = 560
BEST_W = 330  # the BEST LAPS card beside the picker
GAP = 16
ROW_H = 40
STANDINGS = Table(
    [
        # Shares in px of the 384 px inside the card (the side column's width is fixed):
        # each header and its widest value ("mine-testxyz", "+128.5s", "10:36.0") whole.
        Column("POS", 35),
        Column("DRIVER", 119, max_chars=14),
        Column("LAP", 32, "right"),
        Column("GAP", 57, "right"),
        Column("LAST", 52, "right"),
        Column("BEST", 52, "right"),
        Column("PEN", 32, "right"),
    ]
)


def race_layout(size: tuple[int, int]) -> DrivingLayout:
    """The racing view's layout: a wider side column for the standings, no dashcam panel."""
    return driving_layout(size, side_w=440, stats_top=64, stats_h=300)


def car_color(racer: Racer) -> theme.Color:
    return theme.CAR_COLORS[racer.slot % len(theme.CAR_COLORS)]


def standing_cells(row: Standing, laps: int) -> dict[str, Cell]:
    """One standings row as table cells."""
    r = row.racer
    last_color = theme.BAD if r.clean_laps and not r.clean_laps[-1] else theme.TEXT_MUTED
    if row.gap_s is None:
        gap = "LEAD" if r.race_time is None else theme.format_time(r.race_time)
    else:
        gap = f"+{row.gap_s:.1f}s"
    return {
        "POS": Cell(str(row.pos)),
        "DRIVER": Cell(r.label, dot=car_color(r)),
        "LAP": Cell("FIN", theme.GOOD) if row.finished else Cell(f"{row.lap}/{laps}"),
        "GAP": Cell(gap, theme.TEXT_MUTED),
        # A spoiled lap (a penalty in it) shows red: it does not count as a best lap.
        "LAST": Cell(theme.format_time(r.last_lap), last_color),
        "BEST": Cell(theme.format_time(r.best_lap), theme.ACCENT_2),
        "PEN": Cell(str(row.penalties), theme.BAD if row.penalties else theme.TEXT),
    }


@register_scene(
    "race",
    label="Race",
    order=40,
    description="Expert, your CNN models and you on the same track",
)
class RaceScene(Scene):
    title = "Race"
    # 17 lines with the app's own: the card fits a 1024 x 640 window at full spacing.
    help_lines = [
        ("Up / Down, Space", "picker: choose a row, add / remove a driver (or click)"),
        ("Left / Right", "picker: track, laps"),
        ("Enter", "picker: start the race"),
        ("Arrows, WASD", "race: steer, throttle, brake (your car)"),
        ("Tab", "race: camera follows the next car"),
        ("F5 / P", "race: start again / pause"),
        *RULES,  # the race's rules (game.sessions.race_run)
    ]

    def __init__(
        self,
        app,
        track: str | None = None,
        drivers: list[str] | None = None,
        laps: int = 3,
        start: bool = False,
    ) -> None:
        super().__init__(app)
        self._size = app.screen.get_size()
        self.lay = race_layout(self._size)
        self.session = RaceSession(track or app.track_spec, drivers, laps, app.toast)
        self.roads = RoadViews()
        self.start_button = Button(pygame.Rect(0, 0, 220, 44), "START RACE", theme.BODY)
        self.beeps, self.lap_chime = CountdownBeeps(), LapChime()
        s = self.session
        self.picker_actions = {
            Action.BACK: app.pop,
            Action.UP: lambda: s.move_cursor(-1),
            Action.DOWN: lambda: s.move_cursor(+1),
            Action.LEFT: lambda: s.change(s.cursor, -1),
            Action.RIGHT: lambda: s.change(s.cursor, +1),
            Action.TOGGLE: lambda: s.toggle(s.cursor),
            Action.CONFIRM: s.start_race,
        }
        self.race_actions = {
            Action.BACK: s.back_to_picker,
            Action.NEXT: s.follow_next,
            Action.PAUSE: s.toggle_pause,
            Action.RESTART: s.restart,
        }
        if start:
            s.start_race()

    def on_exit(self) -> None:
        self.session.close()

    # --- picker layout -------------------------------------------------------------------
    def _row_h(self) -> int:
        # Many saved models: rows shrink so the picker still fits the window.
        return max(24, min(ROW_H, (self.app.screen.get_height() - 190) // self.session.rows))

    def picker_rects(self) -> tuple[pygame.Rect, pygame.Rect]:
        """The picker card and the BEST LAPS card beside it, centred together in the window
        (side by side from 1024 px wide; one over the other in anything narrower)."""
        w, h = self.app.screen.get_size()
        card = pygame.Rect(0, 0, PICKER_W, 110 + self.session.rows * self._row_h() + 30)
        side = pygame.Rect(0, 0, BEST_W, best_laps_card_height(3, note=True))
        if card.w + GAP + side.w <= w - 2 * GAP:
            card.topleft = ((w - card.w - GAP - side.w) // 2, (h - card.h) // 2)
            side.topleft = (card.right + GAP, card.y)
        else:
            card.topleft = ((w - card.w) // 2, max(0, (h - card.h - GAP - side.h) // 2))
            side.topleft = (card.x, card.bottom + GAP)
        return card, side

    def _row_rect(self, i: int) -> pygame.Rect:
        card, row_h = self.picker_rects()[0], self._row_h()
        y = card.y + 84 + i * row_h + (12 if i >= len(self.session.entries) else 0)
        return pygame.Rect(card.x + 24, y, card.w - 48, row_h - 6)

    # --- input ---------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> None:
        s, action = self.session, action_for(event)
        if s.racing:
            do = self.race_actions.get(action)
        elif s.loading.busy:  # models loading: only Esc
            do = self.app.pop if action is Action.BACK else None
        else:
            if self.start_button.handle_event(event):
                s.start_race()
                return
            if event.type in (pygame.MOUSEMOTION, pygame.MOUSEBUTTONDOWN):
                self._picker_mouse(event)
                return
            do = self.picker_actions.get(action)
        if do is not None:
            do()

    def _picker_mouse(self, event: pygame.event.Event) -> None:
        s = self.session
        for i in range(s.rows):
            rect = self._row_rect(i)
            if not rect.collidepoint(event.pos):
                continue
            s.cursor = i
            if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
                if i in (s.track_row, s.laps_row):  # left half steps back, right half on
                    s.change(i, -1 if event.pos[0] < rect.centerx else 1)
                else:
                    s.toggle(i)
            return

    def fit(self, size: tuple[int, int]) -> None:
        """Lay the racing view out for a window of `size` (after the window was resized)."""
        if size == self._size:
            return
        self._size = size
        self.lay = race_layout(size)
        self.roads.fit_map(self.lay.map_size)  # the map card changed size: a map to fit it

    def update(self, dt: float) -> None:
        self.fit(self.app.screen.get_size())
        s = self.session
        was_racing = s.racing
        if s.update(dt, KEYS.read(self.app)):
            self.roads.follow(s.racers[s.follow].world, dt)
        if s.racing and not was_racing:
            self.roads.sync(s.track, self.lay.map_size, prerender=False)
            self.roads.view.prerender()  # ~0.1 s before the countdown, not hitches later
        self._sound()

    def _sound(self) -> None:
        """Countdown beeps, then the followed car's engine, squeal and lap chime."""
        s, audio = self.session, self.app.audio
        if not s.racing:
            self.beeps.reset()
            audio.stop_loops()
            return
        self.beeps.update(audio, s.countdown)
        racer = s.racers[s.follow]
        self.lap_chime.update(audio, racer, max(int(racer.progress // s.track.length), 0))
        if s.paused or racer.finish_time is not None or racer.retired:
            audio.stop_loops()
        else:
            audio.follow_car(racer.world)

    # --- drawing -------------------------------------------------------------------------
    def message_area(self, size: tuple[int, int]) -> pygame.Rect:
        return self.lay.messages

    def draw(self, surface: pygame.Surface) -> None:
        self.fit(surface.get_size())
        s, lay = self.session, self.lay
        self.roads.sync(s.track, lay.map_size, prerender=False)
        if not s.racing:
            self._draw_picker(surface)
            return
        sprites = [
            CarSprite(r.world.car.state.x, r.world.car.state.y, r.world.car.state.yaw,
                      car_color(r), r.label)
            for r in s.racers
        ]  # fmt: skip
        # Ghosts: the others see-through, the followed car solid and on top.
        ghosts = sprites[: s.follow] + sprites[s.follow + 1 :]
        world = s.racers[s.follow].world
        self.roads.draw_race_road(surface, lay.view, world, sprites[s.follow], ghosts)
        self._draw_overlays(surface)
        info = f"{plural(s.laps, 'lap')}   {theme.format_time(s.race_time)}"
        theme.draw_side_header(surface, lay.side, track_label(s.track), info)
        table = s.table()
        rows = [standing_cells(row, s.laps) for row in table]
        followed = s.racers[s.follow]
        highlight = next((i for i, row in enumerate(table) if row.racer is followed), None)
        STANDINGS.draw(surface, lay.stats, rows, highlight)
        draw_map_card(surface, lay.map_card, self.roads.minimap, sprites, follow=s.follow)

    def _draw_overlays(self, surface: pygame.Surface) -> None:
        s, view = self.session, self.lay.view
        racer = s.racers[s.follow]
        card = draw_pill(surface, (16, 16), f"camera: {racer.label}  (Tab)")
        if racer.inference_ms:
            text = f"CNN {np.median(racer.inference_ms):.1f} ms/frame"
            at = (card.right + 12, card.centery)
            theme.blit_text(surface, text, at, theme.SMALL, theme.ACCENT_2, anchor="midleft")
        draw_countdown(surface, view, s.countdown, s.race_time)
        if racer.driver is None and not racer.retired:  # your car: the full HUD
            w = racer.world
            lap = f"{racer.lap(s.laps)}/{s.laps}"
            draw_race_person_hud(surface, self.lay, w, s.controls.value, lap, racer.lap_time,
                                 racer.best_lap)  # fmt: skip
        if racer.held:  # a penalty: the car left its lane and stands still a moment
            left = racer.held_until - racer.world.time
            draw_departure_flash(surface, view, left, f"OFF LANE: PENALTY {left:.1f}s")
        if s.finished:
            winner = standings(s.racers)[0]
            if winner.race_time is None:
                line = "no car finished"
            else:
                time = theme.format_time(winner.race_time)
                line = f"winner: {winner.label}  {time} from the green light"
            hint = "F5: race again   Esc: picker"
            draw_banner(surface, view, "FINISHED", line, hint)
        elif s.paused:
            draw_banner(surface, view, "PAUSED", "press P to race on")

    def _draw_picker(self, surface: pygame.Surface) -> None:
        s = self.session
        x, y, yaw = s.track.lane_center(0.0)
        self.roads.view.draw(surface, surface.get_rect(), lead_point(x, y, yaw, 10.0))
        shade = pygame.Surface(surface.get_size(), pygame.SRCALPHA)
        shade.fill((*theme.BG, 150))
        surface.blit(shade, (0, 0))
        card, side = self.picker_rects()
        theme.draw_panel(surface, card, theme.PANEL, theme.ACCENT, radius=16, alpha=240)
        top = (card.x + 24, card.y + 34)
        theme.blit_text(surface, "RACE", top, theme.TITLE, theme.ACCENT, anchor="midleft")
        most = min(MAX_CARS, len(s.entries))  # "of 5" would promise drivers that are not there
        count = f"{len(s.chosen)} of {most} cars"
        at = (card.right - 24, card.y + 36)
        theme.blit_text(surface, count, at, theme.BODY, theme.TEXT_MUTED, anchor="midright")
        slot = 0
        for i in range(s.rows):
            rect = self._row_rect(i)
            focused = i == s.cursor
            if i == s.start_row:
                self.start_button.rect.center = (card.centerx, rect.centery + 10)
                self.start_button.enabled = not s.loading.busy
                self.start_button.draw(surface, focused=focused)
                continue
            if focused:
                theme.draw_panel(surface, rect, theme.PANEL_DARK, theme.ACCENT, radius=8)
            if i < len(s.entries):
                entry = s.entries[i]
                self._draw_check_row(surface, rect, entry.label, entry.chosen, slot)
                slot += entry.chosen
            else:
                self._draw_stepper_row(surface, rect, i)
        self._draw_picker_footer(surface, card)
        best = [(x.label, theme.format_time(x.time_s), x.date) for x in s.best_laps(3)]
        # Which laps count (game.sessions.race_run): a 1-lap race adds none.
        note = "a 1-lap race sets none" if s.laps == 1 else "clean flying laps (lap 2 on) only"
        title = f"BEST LAPS - {track_label(s.track)}"
        draw_best_laps_card(surface, side, title, best, note)

    @staticmethod
    def _draw_check_row(
        surface: pygame.Surface, rect: pygame.Rect, label: str, chosen: bool, slot: int
    ) -> None:
        box = pygame.Rect(rect.x + 10, rect.centery - 9, 18, 18)
        pygame.draw.rect(surface, theme.TEXT_MUTED, box, width=2, border_radius=4)
        if chosen:
            pygame.draw.rect(surface, theme.GOOD, box.inflate(-6, -6), border_radius=2)
            color = theme.CAR_COLORS[slot % len(theme.CAR_COLORS)]
            pygame.draw.circle(surface, color, (rect.right - 18, rect.centery), 8)
        color = theme.TEXT if chosen else theme.TEXT_MUTED
        theme.blit_text(surface, label, (rect.x + 40, rect.centery), theme.BODY, color, "midleft")

    def _draw_stepper_row(self, surface: pygame.Surface, rect: pygame.Rect, i: int) -> None:
        s = self.session
        name, value = ("Track", track_label(s.track)) if i == s.track_row else ("Laps", str(s.laps))
        y = rect.centery
        theme.blit_text(surface, name, (rect.x + 10, y), theme.BODY, theme.TEXT_MUTED, "midleft")
        value = f"<  {value}  >"
        theme.blit_text(surface, value, (rect.right - 12, y), theme.BODY, theme.TEXT, "midright")

    def _draw_picker_footer(self, surface: pygame.Surface, card: pygame.Rect) -> None:
        # The band between the START button and the card's foot (27 px or more).
        loader, top = self.session.loading.worker, self.start_button.rect.bottom
        if loader is not None:
            text, at = loader.message or "loading models", (card.centerx, top + 10)
            theme.blit_text(surface, text, at, theme.SMALL, theme.TEXT_MUTED, "center")
            bar = pygame.Rect(card.x + 24, top + 20, card.w - 48, 6)
            draw_bar(surface, bar, loader.fraction or 0.0, 0.0, 1.0, theme.ACCENT)
        else:
            hint = "Up/Down choose   Space add/remove   Left/Right change   Enter start"
            at = (card.centerx, (top + card.bottom) // 2)
            theme.blit_text(surface, hint, at, theme.SMALL, theme.TEXT_DIM, anchor="center")
