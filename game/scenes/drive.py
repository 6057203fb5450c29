"""The Drive screen: drive a car yourself, and record dashcam frames + steering (R).

Layout: a large top-down view that follows the car (with the dashboard card over it), and a
side column with the dashcam panel (exactly the camera's pixels), lap stats and a minimap.
The state and rules (tracks, looks, cruise, recording) are game.sessions.driving's
DriveSession; this module turns keys into its calls and draws it.
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
from game.render.hud import draw_dashboard, draw_person_stats_card, draw_pill, draw_rec_mark
from game.scenes import register_scene
from game.scenes.base import Scene
from game.sessions.controls import SteeringControls, SteerKeys, session_attribute, track_label
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
        ("Left / Right, A / D", "steer (hold to turn the wheel further)"),
        ("Up / Down, W / S", "cruise speed faster / slower"),
        ("M", "mouse steering on / off (mouse x = wheel)"),
        ("Gamepad stick", "steer, when a gamepad is connected"),
        ("R", "record on / off"),
        ("Backspace / X", f"erase the last {ERASE_SECONDS:.0f} s of recording"),
        ("P", "pause"),
        ("N / B", "next / previous track"),
        ("G", "new random track"),
        ("L", "next dashcam look"),
    ]

    def __init__(self, app, track: str | None = None, look: str = "day") -> None:
        super().__init__(app)
        self.lay: DrivingLayout = driving_layout(app.screen.get_size())
        self.session = DriveSession(track or app.track_spec, look, app.toast)
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
        }

    def __getattr__(self, name: str):
        return session_attribute(self, name)

    def on_exit(self) -> None:
        self.session.stop_recording()

    def handle_event(self, event: pygame.event.Event) -> None:
        do = self.actions.get(action_for(event))
        if do is not None:
            do()

    def update(self, dt: float) -> None:
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

    def draw(self, surface: pygame.Surface) -> None:
        s, lay = self.session, self.lay
        car = self.roads.draw_one_car(surface, lay, s.world, theme.CAR_COLORS[0])
        self._draw_view_overlays(surface)
        draw_dashboard(surface, lay.dashboard, s.world, s.steering_cmd)

        info = f"{s.track.length / 1000:.2f} km   lane {s.track.lane_width:.1f} m"
        theme.draw_side_header(surface, lay.side, track_label(s.track), info)
        self.panel.draw(surface, s.frame(), note=f"look: {s.look}")
        draw_person_stats_card(surface, lay.stats, s.world)
        draw_map_card(surface, lay.map_card, self.roads.minimap, [car])

    def _draw_view_overlays(self, surface: pygame.Surface) -> None:
        s, view = self.session, self.lay.view
        x = 16
        if s.recorder is not None:
            blink = int(s.world.time * 2) % 2 == 0 or s.paused
            x = draw_rec_mark(surface, (16, 16), s.recorder.frame_count, blink).right + 10
        controls = s.controls
        mode = controls.source.upper() + (" (M)" if controls.mouse_mode else "")
        x = draw_pill(surface, (x, 20), mode).right + 8
        draw_pill(surface, (x, 20), "H  help")
        if controls.mouse_mode:
            wheel = controls.mouse_wheel(mouse_x_in(view, self.app.mouse_pos))
            draw_mouse_rail(surface, view, self.lay.dashboard.y - 16, controls.MOUSE_SPAN, wheel)
        # A person is never "intervened" (no red): off the lane is an amber flash; off the road
        # the car is put back on its lane and the flash says why.
        if s.flash > 0:
            draw_off_lane_flash(surface, view, s.flash, "OFF THE ROAD")
        else:
            draw_off_lane_flash(surface, view, s.off_lane_flash)
        if s.pending is not None:
            draw_banner(surface, view, "LOADING", f"track {s.pending}")
            s.loading_drawn = True
        elif s.paused:
            draw_banner(surface, view, "PAUSED", "press P to drive on")
