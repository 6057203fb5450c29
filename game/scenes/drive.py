"""The Drive screen: drive a car yourself, and record dashcam frames + steering (R).

Layout: a large top-down view that follows the car (with the dashboard card over it), and a
side column with the dashcam panel (exactly the camera's pixels), lap stats and a minimap.
The ghost of your best valid lap on the track drives beside you, see-through, with the gap
to it over the dashboard (C hides it). The state and rules (tracks, looks, cruise, recording,
the ghost) are game.sessions.driving's DriveSession; this module turns keys into its calls
and draws it.
"""

from __future__ import annotations

import pygame

from game import actions
from game.actions import Action, action_for, road_actions
from game.audio import LapChime
from game.render import theme
from game.render.dashcam_panel import DashcamPanel
from game.render.driving_widgets import (
    DrivingLayout,
    RoadViews,
    draw_banner,
    draw_map_card,
    draw_mouse_rail,
    draw_off_lane_flash,
    driving_layout,
    mouse_x_in,
)
from game.render.hud import (
    draw_dashboard,
    draw_ghost_gap,
    draw_person_stats_card,
    draw_pill,
    draw_rec_mark,
)
from game.render.world_view import CarSprite
from game.scenes import register_scene
from game.scenes.base import Scene
from game.sessions.controls import SteeringControls, SteerKeys, track_label
from game.sessions.driving import ERASE_SECONDS, DriveSession

KEYS = SteerKeys.of(actions)
# The road view in the default 1280 x 720 window (benches aim the mouse with it).
VIEW = driving_layout((1280, 720)).view
__all__ = ["VIEW", "DriveScene", "SteeringControls"]


@register_scene(
    "drive", label="Drive", order=10, description="Drive yourself; press R to record training data"
)
class DriveScene(Scene):
    title = "Drive"
    help_lines = [
        ("Left / Right, A / D", "steer: a held key adds lock and settles, less when fast"),
        ("Up / Down, W / S", "cruise speed faster / slower"),
        ("M", "mouse steering on / off (gentle near the centre)"),
        ("Gamepad stick", "steer, when a gamepad is connected"),
        ("R", "record on / off"),
        ("Backspace / X", f"erase the last {ERASE_SECONDS:.0f} s of recording"),
        ("P", "pause"),
        ("N / B", "next / previous track"),
        ("G", "new random track"),
        ("L", "next dashcam look"),
        ("C", "ghost of your best lap on / off"),
    ]

    def __init__(
        self,
        app,
        track: str | None = None,
        look: str = "day",
        session: DriveSession | None = None,
    ) -> None:
        """`session`: drive one made elsewhere (the Teach screen's) instead of a new one."""
        super().__init__(app)
        self._size = app.screen.get_size()
        self.lay: DrivingLayout = driving_layout(self._size)
        self.session = session or DriveSession(track or app.track_spec, look, app.toast)
        self.top_inset = 0  # px at the top of the road view left to an embedding screen
        self.roads = RoadViews()
        self.panel = DashcamPanel(self.lay.dashcam_at)
        self.lap_chime = LapChime()
        s = self.session
        self.actions = {
            **road_actions(s),
            Action.BACK: app.pop,
            Action.RECORD: s.toggle_recording,
            Action.ERASE: s.erase_recent,
            Action.MOUSE_STEERING: s.toggle_mouse,
            Action.GHOST: s.toggle_ghost,
        }

    def on_exit(self) -> None:
        self.session.close()

    def handle_event(self, event: pygame.event.Event) -> None:
        do = self.actions.get(action_for(event))
        if do is not None:
            do()

    def fit(self, size: tuple[int, int]) -> None:
        """Lay the screen out for a window of `size` (after the window was resized)."""
        if size == self._size:
            return
        self._size = size
        self.lay = driving_layout(size)
        self.panel.image_rect.topleft = self.lay.dashcam_at
        self.roads.fit_map(self.lay.map_size)  # the map card changed size: a map to fit it

    def update(self, dt: float) -> None:
        self.fit(self.app.screen.get_size())
        mouse_x = mouse_x_in(self.lay.view, self.app.mouse_pos)
        if self.session.update(dt, KEYS.read(self.app, mouse_x)):
            world = self.session.world
            self.roads.follow(world, dt)
            self.app.audio.follow_car(world)
            self.lap_chime.update(self.app.audio, world, world.laps)
        else:
            self.app.audio.stop_loops()  # paused or loading a track

    # --- drawing -------------------------------------------------------------------------
    def message_area(self, size: tuple[int, int]) -> pygame.Rect:
        return self.lay.messages

    def mouse_wheel(self) -> float | None:
        """Where mouse steering puts the wheel now (None: mouse steering is off)."""
        controls = self.session.controls
        if not controls.mouse_mode:
            return None
        return controls.mouse_wheel(mouse_x_in(self.lay.view, self.app.mouse_pos))

    def draw(self, surface: pygame.Surface) -> None:
        self.fit(surface.get_size())
        s, lay = self.session, self.lay
        color = theme.CAR_COLORS[0]
        pose = s.ghost.pose(s.world) if s.pending is None else None
        ghosts = [CarSprite(*pose, color, "best lap")] if pose is not None else []
        car = self.roads.draw_one_car(surface, lay, s.world, color, ghosts)
        self._draw_view_overlays(surface)
        draw_dashboard(surface, lay.dashboard, s.world, s.steering_cmd, mouse=self.mouse_wheel())
        if s.ghost.visible and s.ghost.best is not None:
            at = (lay.view.right - 16, self.overlay_area().top + 14)
            draw_ghost_gap(surface, at, s.ghost.gap(s.world), s.ghost.best.lap_s)

        info = f"{s.track.length / 1000:.2f} km   lane {s.track.lane_width:.1f} m"
        theme.draw_side_header(surface, lay.side, track_label(s.track), info)
        self.panel.draw(surface, s.frame(), note=f"look: {s.look}")
        draw_person_stats_card(surface, lay.stats, s.world)
        dots = [CarSprite(g.x, g.y, g.yaw, theme.TEXT) for g in ghosts]  # the ghost in white
        draw_map_card(surface, lay.map_card, self.roads.minimap, [*dots, car], follow=len(dots))

    def overlay_area(self) -> pygame.Rect:
        """The road view less `top_inset` (a screen that embeds this one writes above)."""
        view = self.lay.view
        return pygame.Rect(view.x, view.y + self.top_inset, view.w, view.h - self.top_inset)

    def _draw_view_overlays(self, surface: pygame.Surface) -> None:
        s, view = self.session, self.lay.view
        area = self.overlay_area()
        x, y = 16, area.y + 20
        if s.recorder is not None:
            blink = int(s.world.time * 2) % 2 == 0 or s.paused
            x = draw_rec_mark(surface, (16, y - 4), s.recorder.frame_count, blink).right + 10
        controls = s.controls
        mode = controls.source.upper() + (" (M)" if controls.mouse_mode else "")
        x = draw_pill(surface, (x, y), mode).right + 8
        if s.ghost.best is not None or not s.ghost.visible:
            ghost = "ghost on (C)" if s.ghost.visible else "ghost off (C)"
            x = draw_pill(surface, (x, y), ghost).right + 8
        draw_pill(surface, (x, y), "H  help")
        wheel = self.mouse_wheel()
        if wheel is not None:
            marks = [controls.mouse_x_for(k) for k in (0.25, 0.5, 0.75)]
            mouse_x = mouse_x_in(view, self.app.mouse_pos)
            y = self.lay.dashboard.y - 14
            draw_mouse_rail(surface, view, y, controls.MOUSE_SPAN, mouse_x, wheel, marks)
        # A person is never "intervened" (no red): off the lane is an amber flash; off the road
        # the car is put back on its lane and the flash says why.
        if s.flash > 0:
            draw_off_lane_flash(surface, area, s.flash, "OFF THE ROAD")
        else:
            draw_off_lane_flash(surface, area, s.off_lane_flash)
        if s.pending is not None:
            draw_banner(surface, area, "LOADING", f"track {s.pending}", "building the dashcam")
        elif s.paused:
            draw_banner(surface, area, "PAUSED", "press P to drive on")
