"""The Drive screen: drive a car yourself, and record dashcam frames + steering (R).

Layout: a large top-down view that follows the car (with the dashboard card over it), and a
side column with the dashcam panel (exactly the camera's pixels), lap stats and a minimap.
`SteeringControls` turns keys, mouse or a gamepad stick into a smooth steering command;
other screens where a person steers (e.g. Race) can reuse it.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pygame

from agents.driving.recording import Recorder
from game.errors import UserFacingError
from game.render import theme
from game.render.dashcam_panel import DashcamPanel
from game.render.hud import draw_dashboard, draw_pill, draw_rec_mark, draw_stats_card
from game.render.minimap import Minimap
from game.render.world_view import CarSprite, FollowCamera, WorldView
from game.scenes import register_scene
from game.scenes.base import Scene
from game.sim.dashcam import LOOKS, Dashcam
from game.sim.track import Track
from game.sim.tracks_catalog import list_tracks, resolve_track
from game.sim.world import World

# --- layout (1280 x 720) ----------------------------------------------------------------------
VIEW = pygame.Rect(0, 0, 920, 720)
SIDE = pygame.Rect(920, 0, 360, 720)
DASHCAM_AT = (940, 96)  # top-left pixel of the 320x160 camera image
STATS = pygame.Rect(934, 278, 332, 196)
MAP_CARD = pygame.Rect(934, 488, 332, 220)
DASHBOARD = pygame.Rect(VIEW.centerx - 310, VIEW.bottom - 134, 620, 118)

CRUISE_RATE = 4.0  # m/s per second while Up/Down is held
RECORD_RATE_HZ = 20.0
ERASE_SECONDS = 5.0
FALLBACK_TRACK = "gen:1"


class SteeringControls:
    """Smooth steering command (-1..1, right positive) from keyboard, mouse or gamepad.

    Keyboard: holding a key turns the wheel further at RAMP_RATE; releasing re-centres it at
    RETURN_RATE. Never a jump between full lock and zero: such data teaches a CNN nothing.
    Mouse (when `mouse_mode`): the horizontal position maps to the wheel. Gamepad: the stick
    outside its dead zone takes over while it is moved.
    """

    RAMP_RATE = 1.6  # /s: centre to full lock in ~0.6 s of holding
    COUNTER_RATE = 3.2  # /s: steering back across the centre is quicker (fast corrections)
    RETURN_RATE = 2.0  # /s: full lock back to centre in 0.5 s after letting go
    STICK_DEADZONE = 0.12
    MOUSE_SPAN = 0.4  # fraction of the view's width from centre to full lock

    def __init__(self) -> None:
        self.value = 0.0
        self.mouse_mode = False
        self.source = "keyboard"  # what produced the last command (shown in the HUD)

    def reset(self) -> None:
        self.value = 0.0

    def update(
        self,
        dt: float,
        left: bool,
        right: bool,
        mouse_x: float | None = None,
        stick: float | None = None,
    ) -> float:
        """Advance by dt. `mouse_x`: -1..1 across the view; `stick`: raw gamepad axis."""
        if stick is not None and abs(stick) > self.STICK_DEADZONE:
            # Rescale so the command starts at 0 at the dead zone's edge (no jump).
            mag = (abs(stick) - self.STICK_DEADZONE) / (1.0 - self.STICK_DEADZONE)
            self.value = math.copysign(min(mag, 1.0), stick)
            self.source = "gamepad"
        elif self.mouse_mode and mouse_x is not None and not (left or right):
            self.value = max(-1.0, min(1.0, mouse_x / self.MOUSE_SPAN))
            self.source = "mouse"
        else:
            self.source = "keyboard"
            direction = (1 if right else 0) - (1 if left else 0)
            v = self.value
            if direction != 0:
                rate = self.COUNTER_RATE if v * direction < 0 else self.RAMP_RATE
                v += direction * rate * dt
            else:
                v -= math.copysign(min(abs(v), self.RETURN_RATE * dt), v)
            self.value = max(-1.0, min(1.0, v))
        return self.value


def track_label(track: Track) -> str:
    """'brands_hatch' -> 'Brands Hatch', 'gen:42' -> 'Random track 42'."""
    if track.name.startswith("gen:"):
        return f"Random track {track.name[4:]}"
    return track.name.replace("_", " ").title()


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
        self.track_names = list_tracks() or [FALLBACK_TRACK]
        self.track_index = 0
        self.look = look if look in LOOKS else LOOKS[0]
        self.controls = SteeringControls()
        self.recorder: Recorder | None = None
        self.paused = False
        self.steering_cmd = 0.0
        self.cruise = None  # kept across track changes once the player sets it
        self._frame = None  # the dashcam image of the current sim state, if rendered
        self._flash = 0.0  # seconds left of the intervention flash
        self.follow_cam = FollowCamera()
        self._pending: str | None = None  # a track to load once "loading" has been drawn
        self._loading_drawn = False
        self.panel = DashcamPanel(DASHCAM_AT)
        spec = track or app.track_spec or self.track_names[0]
        for candidate in (spec, self.track_names[0], FALLBACK_TRACK):
            if self.load_track(candidate):
                break

    # --- tracks --------------------------------------------------------------------------
    def load_track(self, spec: str) -> bool:
        """Switch to track `spec`; on a bad spec show why and keep the current track."""
        try:
            track = resolve_track(spec)
        except UserFacingError as e:
            self.app.toast(f"bad track: {e}", "error")
            return False
        self.stop_recording()
        if spec in self.track_names:
            self.track_index = self.track_names.index(spec)
        self.track = track
        self.world = World(track)
        if self.cruise is not None:
            self.world.car.set_cruise(self.cruise)
        self.dashcam = Dashcam(track, look=self.look)
        self.view = WorldView(track)
        self.view.prerender()  # ~0.1 s now instead of hitches while driving
        self.minimap = Minimap(track, (MAP_CARD.w - 16, MAP_CARD.h - 38))
        self.controls.reset()
        self._frame = None
        self.follow_cam = FollowCamera()
        return True

    def request_track(self, spec: str) -> None:
        """Load `spec` after a frame that says "loading" (big tracks take a second)."""
        self._pending = spec
        self._loading_drawn = False

    def _load_pending(self) -> None:
        spec, self._pending = self._pending, None
        if spec is not None and self.load_track(spec):
            self.app.toast(f"track: {track_label(self.track)}")

    def cycle_track(self, step: int) -> None:
        self.track_index = (self.track_index + step) % len(self.track_names)
        self.request_track(self.track_names[self.track_index])

    def random_track(self) -> None:
        self.request_track(f"gen:{random.randrange(1_000_000)}")

    def cycle_look(self) -> None:
        self.look = LOOKS[(LOOKS.index(self.look) + 1) % len(LOOKS)]
        self.dashcam = Dashcam(self.track, look=self.look)
        self._frame = None
        self.app.toast(f"dashcam look: {self.look}")

    # --- recording -----------------------------------------------------------------------
    def toggle_recording(self) -> None:
        if self.recorder is not None:
            self.stop_recording()
            return
        self.recorder = Recorder(
            None, self.dashcam.params, self.track.name, self.look, rate_hz=RECORD_RATE_HZ
        )
        self.app.toast(f"recording to {self.recorder.dir}")

    def stop_recording(self) -> None:
        if self.recorder is None:
            return
        rec, self.recorder = self.recorder, None
        rec.close()
        self.app.toast(f"recording saved: {rec.frame_count} frames in {rec.dir}")

    def erase_recent(self) -> None:
        if self.recorder is None:
            self.app.toast("not recording: nothing to erase")
            return
        try:
            n = self.recorder.erase_last(ERASE_SECONDS)
        except OSError as e:  # e.g. disk full: the recording is intact and goes on
            self.app.toast(f"could not erase: {e}", "error")
            return
        self.app.toast(f"erased the last {ERASE_SECONDS:.0f} s ({n} frames)")

    def on_exit(self) -> None:
        self.stop_recording()

    # --- input ---------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type != pygame.KEYDOWN:
            return
        key = event.key
        if key == pygame.K_ESCAPE:
            self.app.pop()
        elif key == pygame.K_p:
            self.paused = not self.paused
        elif key == pygame.K_r:
            self.toggle_recording()
        elif key in (pygame.K_BACKSPACE, pygame.K_x):
            self.erase_recent()
        elif key == pygame.K_n:
            self.cycle_track(+1)
        elif key == pygame.K_b:
            self.cycle_track(-1)
        elif key == pygame.K_g:
            self.random_track()
        elif key == pygame.K_l:
            self.cycle_look()
        elif key == pygame.K_m:
            self.controls.mouse_mode = not self.controls.mouse_mode
            self.app.toast("mouse steering " + ("on" if self.controls.mouse_mode else "off"))

    def _mouse_x(self) -> float:
        """Mouse position across the world view: -1 at the left edge, +1 at the right."""
        return (self.app.mouse_pos[0] - VIEW.centerx) / (VIEW.w / 2.0)

    # --- simulation ----------------------------------------------------------------------
    def update(self, dt: float) -> None:
        if self._pending is not None:
            if self._loading_drawn:
                self._load_pending()
            return
        if self.paused:
            return
        app = self.app
        car = self.world.car
        if app.key_held(pygame.K_UP, pygame.K_w):
            car.set_cruise(car.cruise_speed + CRUISE_RATE * dt)
            self.cruise = car.cruise_speed
        if app.key_held(pygame.K_DOWN, pygame.K_s):
            car.set_cruise(car.cruise_speed - CRUISE_RATE * dt)
            self.cruise = car.cruise_speed
        self.steering_cmd = self.controls.update(
            dt,
            left=app.key_held(pygame.K_LEFT, pygame.K_a),
            right=app.key_held(pygame.K_RIGHT, pygame.K_d),
            mouse_x=self._mouse_x() if self.controls.mouse_mode else None,
            stick=app.gamepad_axis(0),
        )
        # Record before stepping, like the expert recorder: each row pairs the frame of this
        # state with the command applied from it (the frame is usually already rendered by draw).
        if self.recorder is not None and self.recorder.wants_frame(self.world):
            try:
                self.recorder.update(
                    self.world, self.camera_frame(), self.steering_cmd, look=self.look
                )
            except OSError as e:  # e.g. disk full: stop cleanly, keep what was written
                self.app.toast(f"recording stopped: {e}", "error")
                self.stop_recording()
        self.world.step(self.steering_cmd)
        self._frame = None
        if self.world.intervened:
            self._flash = 0.8
        self._flash = max(0.0, self._flash - dt)
        car = self.world.car.state
        self.follow_cam.update(car.yaw, car.speed, dt)

    def camera_frame(self) -> np.ndarray:
        """The dashcam image for the current sim state (rendered at most once per state)."""
        if self._frame is None:
            self._frame = self.dashcam.render_world(self.world)
        return self._frame

    # --- drawing -------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        st = self.world.car.state
        car = CarSprite(st.x, st.y, st.yaw, theme.CAR_COLORS[0])
        center = self.follow_cam.center(st.x, st.y)
        self.view.draw(surface, VIEW, center, [car])
        self._draw_view_overlays(surface)
        draw_dashboard(surface, DASHBOARD, self.world, self.steering_cmd)

        info = f"{self.track.length / 1000:.2f} km   lane {self.track.lane_width:.1f} m"
        theme.draw_side_header(surface, SIDE, track_label(self.track), info)
        self.panel.draw(surface, self.camera_frame(), note=f"look: {self.look}")
        draw_stats_card(surface, STATS, self.world)
        theme.draw_panel(surface, MAP_CARD, theme.PANEL, theme.PANEL_EDGE, radius=10)
        theme.blit_text(
            surface,
            "TRACK MAP",
            (MAP_CARD.x + 14, MAP_CARD.y + 16),
            theme.SMALL,
            theme.ACCENT,
            anchor="midleft",
        )
        self.minimap.draw(surface, (MAP_CARD.x + 8, MAP_CARD.y + 30), [car])

    def _draw_view_overlays(self, surface: pygame.Surface) -> None:
        x = 16
        if self.recorder is not None:
            blink = int(self.world.time * 2) % 2 == 0 or self.paused
            x = draw_rec_mark(surface, (16, 16), self.recorder.frame_count, blink).right + 10
        mode = self.controls.source.upper() + (" (M)" if self.controls.mouse_mode else "")
        x = draw_pill(surface, (x, 20), mode).right + 8
        draw_pill(surface, (x, 20), "H  help")
        if self.controls.mouse_mode:
            # Where the mouse puts the wheel: a marker on a rail above the dashboard.
            y = DASHBOARD.y - 16
            span = VIEW.w / 2.0 * SteeringControls.MOUSE_SPAN
            pygame.draw.line(
                surface, theme.TEXT_DIM, (VIEW.centerx - span, y), (VIEW.centerx + span, y), 2
            )
            mx = (
                VIEW.centerx
                + max(-1.0, min(1.0, self._mouse_x() / SteeringControls.MOUSE_SPAN)) * span
            )
            pygame.draw.circle(surface, theme.ACCENT, (mx, y), 6)
        if self._flash > 0:
            width = 6 if int(self._flash * 10) % 2 == 0 else 3
            pygame.draw.rect(surface, theme.BAD, VIEW, width)
            theme.blit_text(
                surface, "INTERVENTION", (VIEW.centerx, 90), theme.LARGE, theme.BAD, anchor="center"
            )
        if self._pending is not None:
            self._banner(surface, "LOADING", f"track {self._pending}")
            self._loading_drawn = True
        elif self.paused:
            self._banner(surface, "PAUSED", "press P to drive on")

    def _banner(self, surface: pygame.Surface, title: str, subtitle: str) -> None:
        """A big centred card over the world view (PAUSED, LOADING)."""
        card = pygame.Rect(0, 0, 340, 86)
        card.center = (VIEW.centerx, VIEW.y + 170)  # above the car, which sits mid-view
        theme.draw_panel(surface, card, theme.PANEL_DARK, theme.ACCENT, radius=14, alpha=225)
        theme.draw_heading(
            surface,
            title,
            subtitle,
            (card.centerx, card.centery - 10),
            gap=39,  # the subtitle sits 14 px above the card's bottom edge
            title_size=theme.TITLE,
            title_color=theme.ACCENT,
            anchor="center",
        )
