"""The Autopilot screen: a CNN steers from the dashcam pixels; the person can take over.

Every sim step the dashcam frame is rendered once; that same array is what the dashcam panel
shows 1:1 and what the CNN steers from (the saliency tint, when on, is drawn over a copy).
Cruise control holds the speed. Any steering input from the person (arrow keys, the mouse
held down over the road, a gamepad stick) takes control at once (DAgger): while they steer,
frames are recorded with source=takeover, and F fine-tunes the model on its original data
plus those takeovers in a background worker, then drives on with the new model.

A missing or corrupt model file is shown on screen and the car waits, parked; Tab picks
another model. The state, the workers and the rules are game.sessions.driving's
AutopilotSession; this module turns input into its calls and draws it. No TensorFlow here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pygame

from game import actions
from game.actions import Action, action_for, road_actions
from game.render import theme
from game.render.dashcam_panel import DashcamPanel
from game.render.driving_widgets import (
    DrivingLayout,
    RoadViews,
    draw_banner,
    draw_card,
    draw_departure_flash,
    draw_map_card,
    driving_layout,
    mouse_x_in,
)
from game.render.hud import (
    autonomy_color,
    draw_lane_offset_bar,
    draw_pill,
    draw_rows_card,
    draw_speed,
    draw_steering_gauge,
    speed_caption,
)
from game.render.minimap import Minimap
from game.render.table import fit_text
from game.render.widgets import draw_bar
from game.scenes import register_scene
from game.scenes.base import Scene
from game.sessions.controls import SteerKeys, track_label
from game.sessions.driving import AutopilotSession
from game.textfmt import shorten_paths
from game.workers import Worker

KEYS = SteerKeys.of(actions)
MODEL_PILL_W = 150  # px of model name in the top pill: all four pills fit a 1024 px window


def autopilot_layout(size: tuple[int, int]) -> DrivingLayout:
    """Drive's layout with a taller stats card and a wider dashboard (two gauges), which
    keeps 16 px clear of the road view's edges in a narrow window."""
    view_w = driving_layout(size).view.w
    return driving_layout(size, stats_h=236, dashboard_w=min(760, view_w - 32))


@register_scene(
    "autopilot",
    label="Autopilot",
    order=30,
    description="The CNN drives from the dashcam; steer to take over, F to learn from it",
)
class AutopilotScene(Scene):
    title = "Autopilot"
    help_lines = [
        ("Left / Right, A / D", "take over: steer yourself (recorded)"),
        ("Mouse held on road", "take over with the mouse (x = wheel)"),
        ("Gamepad stick", "take over with a gamepad"),
        ("F", "fine-tune on the original data + your takeovers"),
        ("V", "saliency overlay (VisualBackProp) on / off"),
        ("K", "first conv layer's feature maps on / off"),
        ("Tab / Shift+Tab", "next / previous model"),
        ("Up / Down, W / S", "cruise speed faster / slower"),
        ("N / B, G", "next / previous track, random track"),
        ("L", "next dashcam look"),
        ("P", "pause"),
    ]

    def __init__(
        self,
        app,
        track: str | None = None,
        model: str | Path | None = None,
        look: str = "day",
    ) -> None:
        super().__init__(app)
        self._size = app.screen.get_size()
        self.lay = autopilot_layout(self._size)
        self.session = AutopilotSession(track or app.track_spec, model, look, app.toast)
        self.roads = RoadViews()
        self.panel = DashcamPanel(self.lay.dashcam_at)
        self._mouse_held = False
        self._maps: tuple[np.ndarray | None, pygame.Surface | None] = (None, None)
        s = self.session
        self.actions = {
            **road_actions(s),
            Action.BACK: app.pop,
            Action.NEXT: lambda: s.cycle_model(+1),
            Action.PREV: lambda: s.cycle_model(-1),
            Action.FINE_TUNE: s.fine_tune,
            Action.SALIENCY: s.saliency.toggle,
            Action.FEATURE_MAPS: lambda: s.saliency.toggle(maps=True),
        }

    @property
    def _frame(self) -> np.ndarray:
        """What the panel shows: the frame the CNN steered from."""
        return self.session.frame()

    def on_exit(self) -> None:
        self.session.close()

    def fit(self, size: tuple[int, int]) -> None:
        """Lay the screen out for a window of `size` (after the window was resized)."""
        if size == self._size:
            return
        self._size = size
        self.lay = autopilot_layout(size)
        self.panel.image_rect.topleft = self.lay.dashcam_at
        self._maps = (None, None)  # the feature-map card changed size too
        if self.roads.track is not None:  # the map card changed size: a map to fit it
            self.roads.minimap = Minimap(self.roads.track, self.lay.map_size)

    # --- input ---------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self._mouse_held = self.lay.view.collidepoint(event.pos)
        elif event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            self._mouse_held = False
        else:
            do = self.actions.get(action_for(event))
            if do is not None:
                do()

    def update(self, dt: float) -> None:
        self.fit(self.app.screen.get_size())
        mouse_x = mouse_x_in(self.lay.view, self.app.mouse_pos)
        if self.session.update(dt, KEYS.read(self.app, mouse_x, self._mouse_held)):
            self.roads.follow(self.session.world, dt)

    # --- drawing -------------------------------------------------------------------------
    def message_area(self, size: tuple[int, int]) -> pygame.Rect:
        return self.lay.messages

    def draw(self, surface: pygame.Surface) -> None:
        self.fit(surface.get_size())
        s, lay = self.session, self.lay
        car = self.roads.draw_one_car(surface, lay, s.world, theme.CAR_COLORS[1])
        self._draw_view_overlays(surface)
        self._draw_dashboard(surface)

        info = f"{s.track.length / 1000:.2f} km   look {s.look}"
        theme.draw_side_header(surface, lay.side, track_label(s.track), info)
        tint = s.saliency.tint if s.saliency.show_saliency else None
        note = "saliency" if s.saliency.show_saliency else f"CNN input - {s.model_label}"
        self.panel.draw(surface, s.frame(), note=note, tint=tint)
        self._draw_stats(surface)
        if s.saliency.show_maps:
            inside = draw_card(surface, lay.map_card, "FIRST CONV LAYER")
            maps = self._feature_maps(inside.size)
            if maps is not None:
                surface.blit(maps, inside.topleft)
        else:
            draw_map_card(surface, lay.map_card, self.roads.minimap, [car])

    def _feature_maps(self, box: tuple[int, int]) -> pygame.Surface | None:
        """The session's feature-map grid as a surface that fits `box` (rebuilt when new)."""
        grid = self.session.saliency.first_maps
        if grid is None:
            return None
        if self._maps[0] is not grid:
            h, w = grid.shape[:2]
            surf = pygame.image.frombuffer(np.ascontiguousarray(grid), (w, h), "RGB")
            k = min(box[0] / w, (box[1] - 8) / h)
            self._maps = (grid, pygame.transform.smoothscale(surf, (int(w * k), int(h * k))))
        return self._maps[1]

    def _draw_dashboard(self, surface: pygame.Surface) -> None:
        """Speed, the CNN's steering beside the expert's, and the lane offset."""
        s, rect = self.session, self.lay.dashboard
        theme.draw_panel(surface, rect, theme.PANEL_DARK, theme.PANEL_EDGE, radius=14, alpha=215)
        quarter = rect.w // 4
        speed_at = (rect.x + quarter // 2, rect.centery - 6)
        car = s.world.car
        draw_speed(surface, speed_at, car.state.speed, caption=speed_caption(car, "model"))
        gauges = (("CNN", s.cnn_cmd, theme.ACCENT_2), ("EXPERT", s.expert_cmd, theme.GOOD))
        for k, (label, value, color) in enumerate(gauges):
            cx = rect.x + quarter * (k + 1) + quarter // 2
            cy = rect.centery + 14
            # The amber tick on the CNN's dial: what actually steers while the person does.
            tick = s.steering_cmd if (s.taking_over and label == "CNN") else None
            draw_steering_gauge(surface, (cx, cy), 40, 0.0 if value is None else value, tick)
            theme.blit_text(surface, label, (cx, rect.y + 12), theme.SMALL, color, anchor="center")
            text = "--" if value is None else f"{value:+.2f}"
            theme.blit_text(
                surface, text, (cx + 50, cy - 4), theme.SMALL, theme.TEXT_MUTED, "midleft"
            )
        bar = pygame.Rect(rect.x + 3 * quarter + 8, rect.centery - 4, quarter - 28, 14)
        draw_lane_offset_bar(surface, bar, s.world.metrics.offset, s.track.lane_width / 2)

    def _draw_stats(self, surface: pygame.Surface) -> None:
        s, w = self.session, self.session.world
        ms = s.median_inference_ms
        rows = [
            # Nothing has driven yet (a model loading, or none): no figure to colour.
            ("Autonomy", f"{s.autonomy:.1f} %", autonomy_color(s.autonomy))
            if s.model_seconds > 0 else ("Autonomy", "--", theme.TEXT_DIM),
            ("Lane departures", f"{s.lane_departures}",
             theme.BAD if s.lane_departures else theme.TEXT),
            ("Takeovers", f"{s.takeovers}", theme.WARN if s.takeovers else theme.TEXT),
            ("Lap", f"{w.laps + 1}   {theme.format_time(w.lap_time)}", theme.TEXT),
            ("Offset", f"{w.metrics.offset:+.2f} m", theme.TEXT),
            ("Inference", "--" if ms is None else f"{ms:.2f} ms", theme.ACCENT_2),
            ("Takeover frames", f"{s.dagger.frames}", theme.TEXT),
        ]
        draw_rows_card(surface, self.lay.stats, "AUTOPILOT", rows)

    def _draw_view_overlays(self, surface: pygame.Surface) -> None:
        s, view = self.session, self.lay.view
        if s.error is not None:
            mode, color = "NO MODEL", theme.BAD
        elif s.driver is None:
            mode, color = "LOADING MODEL", theme.WARN
        elif s.taking_over:
            mode, color = "TAKEOVER - RECORDING", theme.BAD
        else:
            mode, color = "AUTOPILOT", theme.GOOD
        x = draw_pill(surface, (16, 20), mode, color).right + 8
        label = fit_text(s.model_label, MODEL_PILL_W, theme.SMALL)  # room for the other pills
        x = draw_pill(surface, (x, 20), f"model: {label}  (Tab)").right + 8
        if s.saliency.show_saliency:
            label = "saliency on" if s.saliency.vbp is not None else "saliency: preparing"
            x = draw_pill(surface, (x, 20), label, theme.GOOD).right + 8
        draw_pill(surface, (x, 20), "H  help")
        if s.dagger.tuning.worker is not None:
            self._progress_card(surface, s.dagger.tuning.worker)
        draw_departure_flash(surface, view, s.flash)
        if s.pending is not None:
            draw_banner(surface, view, "LOADING", f"track {s.pending}: building the dashcam")
        elif s.error is not None:
            hint = "the car waits  -  Tab: another model  -  Train: make one"
            draw_banner(surface, view, "NO MODEL", shorten_paths(s.error or ""), hint)
        elif s.driver is None:
            draw_banner(surface, view, "LOADING", f"{s.model_label}: building the network")
        elif s.paused:
            draw_banner(surface, view, "PAUSED", "press P to drive on")

    def _progress_card(self, surface: pygame.Surface, worker: Worker) -> None:
        """The fine-tune's stage over its bar; a long message (the training watchdog's) goes
        on two lines, split after its first colon, so it stays on the card."""
        w = min(560, self.lay.view.w - 32)
        lines = progress_lines("FINE-TUNING  " + (worker.message or ""), w - 24)
        bar = pygame.Rect(16 + 12, 56 + 12 + 16 * len(lines), w - 24, 12)
        card = pygame.Rect(16, 56, w, bar.bottom + 8 - 56)
        theme.draw_panel(surface, card, theme.PANEL_DARK, theme.ACCENT, radius=10, alpha=225)
        for k, line in enumerate(lines):
            at = (card.x + 12, card.y + 14 + 16 * k)
            theme.blit_text(surface, line, at, theme.SMALL, theme.ACCENT, "midleft")
        draw_bar(surface, bar, worker.fraction or 0.0, 0.0, 1.0, theme.ACCENT)


def progress_lines(text: str, width: int) -> list[str]:
    """`text` as the lines of the progress card, each at most `width` px: one line when it
    fits, else two, split after the first ": " (each cut with "..." if still too wide)."""
    head, sep, rest = text.partition(": ")
    fits = theme.text(text, theme.SMALL).get_width() <= width
    lines = [text] if fits or not sep else [head + ":", rest]
    return [fit_text(line, width, theme.SMALL) for line in lines]
