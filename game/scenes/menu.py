"""The main menu: the game's title over an attract-mode car lapping a generated track.

Lists every registered screen with `in_menu` (see game/scenes/__init__.py), in menu order,
plus Quit. Keyboard: Up/Down/Enter; mouse: hover and click. On a first run (no recordings
and no models of the person's own yet) "Teach a car to drive" is chosen and marked START HERE.
"""

from __future__ import annotations

import pygame

from agents.driving.expert import ExpertDriver
from agents.driving.loop import DrivingLoop
from game.render import theme
from game.render.widgets import MenuItem, MenuList
from game.render.world_view import CarSprite, WorldView, lead_point
from game.scenes import menu_entries, register_scene
from game.scenes.base import Scene
from game.sessions.teach import is_first_run
from game.sim.trackgen import generate_track
from game.sim.world import World

QUIT = "__quit__"
FIRST_RUN_SCENE = "teach"
ATTRACT_TRACK_SEED = 7
SUBTITLE = "drive, record and train neural networks  -  then take them on"
MENU_TOP = 256  # the entries share the band from here to FOOTER_H above the window's bottom,
FOOTER_H = 84  # however many there are; below it: the entry's description, then the key hint


@register_scene("menu", label="Main menu", in_menu=False)
class MenuScene(Scene):
    help_lines = [("Up / Down", "choose"), ("Enter / click", "open"), ("Esc", "quit")]

    def __init__(self, app) -> None:
        super().__init__(app)
        items = [MenuItem(s.name, s.label, s.description) for s in menu_entries()]
        items.append(MenuItem(QUIT, "Quit", "Close the game"))
        self.menu = MenuList(items, (90, MENU_TOP), 380)
        self.first_run = False
        self._check_first_run()
        self._size = (0, 0)
        self.fit(app.screen.get_size())
        # Attract mode: the expert laps a generated track behind the menu.
        track = generate_track(ATTRACT_TRACK_SEED)
        self.world = World(track, start_s=track.length * 0.3, start_speed=14.0)
        self.world.car.set_cruise(14.0)
        driver = ExpertDriver()
        driver.reset(self.world)
        self.loop = DrivingLoop(self.world, driver)
        self.view = WorldView(track, scale=7.0)

    def fit(self, size: tuple[int, int]) -> None:
        """Lay the menu out for a window of `size`: the entries share the height left between
        the title and the footer, so the description and the key hint never overlap them."""
        if size == self._size:
            return
        self._size = size
        item_height = min(58, (size[1] - FOOTER_H - MENU_TOP) // len(self.menu.items))
        self.menu.item_height = item_height
        big = theme.LARGE if item_height >= 48 else theme.BODY + 4
        # The text fits its row: smaller type as the screens outgrow a short window.
        body = theme.BODY if item_height >= 28 else theme.SMALL
        self.menu.size = big if item_height >= 34 else body
        self._shade = _left_shade(size)

    def _check_first_run(self) -> None:
        keys = [item.key for item in self.menu.items]
        self.first_run = FIRST_RUN_SCENE in keys and is_first_run()
        if self.first_run:
            self.menu.selected = keys.index(FIRST_RUN_SCENE)

    def on_resume(self) -> None:
        self._check_first_run()  # after the first laps or model the mark goes

    def handle_event(self, event: pygame.event.Event) -> None:
        self.fit(self.app.screen.get_size())
        if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
            self.app.quit()
            return
        before = self.menu.selected
        chosen = self.menu.handle_event(event)
        if chosen is not None:
            self.app.audio.play("click")
        elif self.menu.selected != before:
            self.app.audio.play("move")
        if chosen == QUIT:
            self.app.quit()
        elif chosen is not None:
            self.app.push(chosen)

    def update(self, dt: float) -> None:
        self.loop.step()

    def draw(self, surface: pygame.Surface) -> None:
        self.fit(surface.get_size())
        st = self.world.car.state
        w, h = surface.get_size()
        # Keep the car in the right half of the screen, where the menu does not cover it.
        cx, cy = lead_point(st.x, st.y, st.yaw, st.speed)
        center = (cx - (w * 0.2) / self.view.scale, cy)
        self.view.draw(
            surface,
            surface.get_rect(),
            center,
            [CarSprite(st.x, st.y, st.yaw, theme.CAR_COLORS[0])],
        )
        surface.blit(self._shade, (0, 0))

        theme.blit_text(surface, "NEURAL", (93, 73), theme.HUGE, (0, 0, 0))
        theme.blit_text(surface, "NEURAL", (90, 70), theme.HUGE, theme.ACCENT)
        theme.blit_text(surface, "ARCADE", (93, 143), theme.HUGE, (0, 0, 0))
        theme.blit_text(surface, "ARCADE", (90, 140), theme.HUGE, theme.TEXT)
        theme.blit_text(surface, SUBTITLE, (92, 220), theme.BODY, theme.TEXT_MUTED)
        self.menu.draw(surface)
        if self.first_run:
            self._draw_start_here(surface)
        item = self.menu.current
        if item is not None and item.description:
            y = self.menu.item_rect(len(self.menu.items) - 1).bottom + 22
            theme.blit_text(surface, item.description, (92, y), theme.BODY, theme.ACCENT_2)
        hint = "Up/Down choose   Enter open   H help   F12 screenshot   Esc quit"
        theme.blit_text(surface, hint, (92, h - 30), theme.SMALL, theme.TEXT_DIM, anchor="midleft")

    def _draw_start_here(self, surface: pygame.Surface) -> None:
        """An amber START HERE tag beside the first-run entry."""
        keys = [item.key for item in self.menu.items]
        rect = self.menu.item_rect(keys.index(FIRST_RUN_SCENE))
        label = theme.text("START HERE", theme.SMALL, theme.BG)
        tag = pygame.Rect(0, 0, label.get_width() + 20, 24)
        tag.midleft = (rect.right + 12, rect.centery)
        pygame.draw.rect(surface, theme.ACCENT, tag, border_radius=12)
        surface.blit(label, label.get_rect(center=tag.center))


def _left_shade(size: tuple[int, int]) -> pygame.Surface:
    """Dark on the left (behind the menu), fading to a light tint on the right."""
    w, h = size
    shade = pygame.Surface((w, h), pygame.SRCALPHA)
    for x in range(w):
        t = min(max((x - 420) / 520, 0.0), 1.0)
        alpha = int(235 - 165 * t)
        pygame.draw.line(shade, (*theme.BG, alpha), (x, 0), (x, h))
    return shade
