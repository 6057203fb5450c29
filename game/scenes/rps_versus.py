"""AI vs AI: pick any two registered agents and watch a match, from 1 round/s to flat out.

Shows the running net score, why each side played its last move (the strategy that chose
it in plain words, what it expected the other to play, whether that read it), the odds that
chose it as bars (the move that came outlined) and a chart of how much probability the
deciding odds gave to the move actually played: all from each move's one Decision record.
Preset Y pits the LSTM against a patterned bot, the reference chapter's lesson about sequence
memory: watch its confidence climb.

The match, its speed and the player worker that runs the agents off the main thread live in
game.sessions.rps.VersusSession; this screen turns keys and clicks into its calls and draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygame

from game.actions import Action, action_for
from game.render import theme
from game.render.charts import LineChart
from game.render.rps_picker import AgentPicker
from game.render.rps_widgets import (
    draw_decision_text,
    draw_hand_badge,
    draw_history_strip,
    draw_prediction_bars,
    draw_progress,
    draw_title,
    fit_text,
    signed_color,
    wrap_text,
)
from game.render.widgets import Button, draw_label_value
from game.scenes import register_scene
from game.scenes.base import Scene
from game.sessions.rps import (
    CONFIDENCE_WINDOW,
    MATCH_ROUNDS,
    READS_WINDOW,
    SPEEDS,
    VersusSession,
    agent_description,
    agent_kind,
    speed_label,
)

SPEED_KEYS = {Action.MORE: 1, Action.RIGHT: 1, Action.LESS: -1, Action.LEFT: -1}


MIN_BAR_ROW_H = 24  # a side panel's odds rows: hand icons clear of each other


@dataclass(frozen=True)
class VersusLayout:
    """Where everything goes, from the window size (designed at 1280 x 720)."""

    size: tuple[int, int]
    pickers: tuple[pygame.Rect, pygame.Rect]
    preset: pygame.Rect
    sides: tuple[pygame.Rect, pygame.Rect]
    centre: pygame.Rect
    pause: pygame.Rect
    slower: pygame.Rect
    faster: pygame.Rect
    slider: pygame.Rect
    charts: tuple[pygame.Rect, pygame.Rect]

    @classmethod
    def of(cls, size: tuple[int, int]) -> VersusLayout:
        w, h = size
        pad, top = 20, 76
        panel_h = (h - top - 28) * 4 // 7
        side_w = int(w * 0.32)
        c = pygame.Rect(pad + side_w + 16, top, w - 2 * (pad + side_w + 16), panel_h)
        charts_y = c.bottom + 12
        chart_w = (w - 2 * pad - 20) // 2
        chart_h = h - 16 - charts_y
        preset = pygame.Rect(w - pad - 240, 16, 240, 40)
        pick_w = min(300, preset.x - 12 - (w // 2 + 50))  # clear of the preset button
        return cls(
            size=size,
            pickers=(pygame.Rect(w // 2 - 50 - pick_w, 16, pick_w, 40),
                     pygame.Rect(w // 2 + 50, 16, pick_w, 40)),
            preset=preset,
            sides=(pygame.Rect(pad, top, side_w, panel_h),
                   pygame.Rect(w - pad - side_w, top, side_w, panel_h)),
            centre=c,
            pause=pygame.Rect(c.x + 24, c.bottom - 100, 160, 32),
            slower=pygame.Rect(c.x + 12, c.bottom - 52, 36, 30),
            faster=pygame.Rect(c.right - 48, c.bottom - 52, 36, 30),
            slider=pygame.Rect(c.x + 62, c.bottom - 43, c.w - 124, 12),
            charts=(pygame.Rect(pad, charts_y, chart_w, chart_h),
                    pygame.Rect(w - pad - chart_w, charts_y, chart_w, chart_h)),
        )  # fmt: skip


@register_scene(
    "rps-versus",
    label="AI vs AI",
    order=70,
    description="Pick two rock-paper-scissors AIs and watch them fight",
)
class VersusScene(Scene):
    help_lines = [
        ("Tab", "choose side A or B"), ("Up / Down", "previous / next agent for that side"),
        ("click a name", "pick from the list"), ("+ / - or Right / Left", "faster / slower"),
        ("Space", "pause / play"), ("F5", "replay with new seeds"),
        ("Y", "preset: LSTM vs a patterned bot"),
    ]  # fmt: skip

    def __init__(
        self,
        app,
        a: str = "iocaine",
        b: str = "rotate",
        speed: float = 10,
        rounds: int = MATCH_ROUNDS,
    ) -> None:
        super().__init__(app)
        self.session = s = VersusSession(a, b, speed, rounds, notify=app.toast)
        kinds = {n: agent_kind(n) for n in s.names}
        descriptions = {n: agent_description(n) for n in s.names}
        self.pickers = [AgentPicker(pygame.Rect(0, 0, 1, 1), kinds, side.wanted, side.label,
                                    descriptions) for side in s.sides]  # fmt: skip
        self.preset_button = Button(pygame.Rect(0, 0, 1, 1), "Y  LSTM vs pattern")
        self.slower = Button(pygame.Rect(0, 0, 1, 1), "-")
        self.faster = Button(pygame.Rect(0, 0, 1, 1), "+")
        self.pause_button = Button(pygame.Rect(0, 0, 1, 1), "Space  pause")
        self.net_chart = LineChart(pygame.Rect(0, 0, 1, 1), "Net score (A's view)", x_label="round")
        self.conf_chart = LineChart(
            pygame.Rect(0, 0, 1, 1),
            f"Odds on the move played (avg {CONFIDENCE_WINDOW})",
            y_range=(0.0, 1.0),
            hint="only moves chosen with odds count",
            x_label="round",
        )
        # The session keeps the charts' points as it takes rounds in.
        self.net_chart.series, self.conf_chart.series = s.net_points, s.confidence
        self.clock = 0.0
        self._place(app.screen.get_size())

    def _place(self, size: tuple[int, int]) -> None:
        self.layout = lay = VersusLayout.of(size)
        for picker, rect in zip(self.pickers, lay.pickers, strict=True):
            picker.rect = rect
        self.preset_button.rect, self.pause_button.rect = lay.preset, lay.pause
        self.slower.rect, self.faster.rect = lay.slower, lay.faster
        self.net_chart.rect, self.conf_chart.rect = lay.charts

    # --- lifecycle -----------------------------------------------------------------------
    def on_enter(self) -> None:
        self.session.start()

    def on_exit(self) -> None:
        self.session.close()

    # --- input ---------------------------------------------------------------------------
    def _pick(self, event: pygame.event.Event) -> bool:
        """The agent lists: True when one of them took the event."""
        s, back = self.session, action_for(event) is Action.BACK
        opened = [i for i, p in enumerate(self.pickers) if p.open]
        for i in opened or range(len(self.pickers)):  # an open list takes every event
            chosen = self.pickers[i].handle_event(event, back)
            if self.pickers[i].open:
                s.focus = i
            if chosen:
                s.set_agent(i, chosen)
            if chosen or opened:
                return True
        return False

    def handle_event(self, event: pygame.event.Event) -> None:
        s = self.session
        if self._pick(event):
            return
        slider = self.layout.slider
        if self.preset_button.handle_event(event):
            s.preset()
        elif self.slower.handle_event(event):
            s.change_speed(-1)
        elif self.faster.handle_event(event):
            s.change_speed(+1)
        elif self.pause_button.handle_event(event):
            s.toggle_pause()
        elif (
            event.type == pygame.MOUSEBUTTONDOWN
            and event.button == 1
            and slider.inflate(0, 16).collidepoint(event.pos)
        ):
            s.set_speed_index(round((event.pos[0] - slider.x) / slider.w * (len(SPEEDS) - 1)))
        else:
            self._act(action_for(event))

    def _act(self, action: Action | None) -> None:
        s = self.session
        if action is Action.BACK:
            self.app.pop()
        elif action in (Action.NEXT, Action.PREV):
            s.toggle_focus()
        elif action in (Action.UP, Action.DOWN):
            s.cycle_agent(-1 if action is Action.UP else 1)
        elif action in SPEED_KEYS:
            s.change_speed(SPEED_KEYS[action])
        elif action is Action.TOGGLE:
            s.toggle_pause()
        elif action is Action.RESTART:
            s.replay()
        elif action is Action.PRESET:
            s.preset()

    def update(self, dt: float) -> None:
        self.clock += dt
        self.session.update(dt)
        for i, (picker, side) in enumerate(zip(self.pickers, self.session.sides, strict=True)):
            picker.current, picker.focused = side.wanted, i == self.session.focus

    # --- drawing -------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        if surface.get_size() != self.layout.size:
            self._place(surface.get_size())
        lay = self.layout
        surface.fill(theme.BG)
        draw_title(surface, 24, "AI", "vs AI")
        theme.blit_text(surface, "vs", (lay.size[0] // 2, 36), theme.LARGE, theme.TEXT_MUTED,
                        anchor="center")  # fmt: skip
        for picker in self.pickers:
            picker.draw(surface)
        self.preset_button.draw(surface)
        for i in (0, 1):
            self._draw_side(surface, i, lay.sides[i])
        self._draw_centre(surface, lay.centre)
        self.net_chart.draw(surface)
        self.conf_chart.draw(surface)
        for picker in self.pickers:
            picker.draw_list(surface)

    def _draw_side(self, surface: pygame.Surface, i: int, rect: pygame.Rect) -> None:
        s = self.session
        side, other = s.sides[i], s.sides[1 - i]
        border = theme.ACCENT if s.focus == i else theme.PANEL_EDGE
        theme.draw_panel(surface, rect, border=border)
        x, name, w = rect.x + 16, side.wanted, rect.w - 32
        head_w = w - 76  # left of the hand badge
        title = fit_text(f"{side.label}  {name.upper()}", theme.LARGE, head_w)
        theme.blit_text(surface, title, (x, rect.y + 22), theme.LARGE, theme.TEXT,
                        anchor="midleft")  # fmt: skip
        for k, line in enumerate(wrap_text(agent_description(name), theme.SMALL, head_w, 2)):
            theme.blit_text(surface, line, (x, rect.y + 46 + 17 * k), theme.SMALL,
                            theme.TEXT_MUTED, anchor="midleft")  # fmt: skip
        if side.loader is not None:
            bar = pygame.Rect(x, rect.y + 150, w, 22)
            draw_progress(surface, bar, side.loader, "loading", self.clock)
            return
        move, out = s.moves_of(i)
        draw_hand_badge(surface, move, (rect.right - 46, rect.y + 48), 30,
                        ring=theme.GOOD if out == 1 else None, dim=out == -1)  # fmt: skip
        why = s.explanation(i)
        y = rect.y + 84
        if why is not None:
            # At 1024x640 the full text left the bars 12 px rows, their hands overlapping:
            # the dim detail lines give way to the read-rate row and three bar rows.
            room = 8 + 22 + 3 * MIN_BAR_ROW_H
            y = draw_decision_text(surface, (x, y), w, why, big=False, bottom=rect.bottom - room)
        rate = side.read_rate
        if rate is not None:
            label = f"read {other.label}: deciding guess right (last {READS_WINDOW})"
            draw_label_value(surface, (x, y + 8), label, f"{100 * rate:.0f}%", w)
        top = y + 22
        row_h = max(min(36, (rect.bottom - 8 - top) // 3), 12)  # MIN_BAR_ROW_H when tight
        bars = pygame.Rect(x + 4, top, w - 8, 3 * row_h)
        if why is not None and why.bars is not None:  # the odds that chose this move
            draw_prediction_bars(surface, bars, why.bars, actual=s.moves_of(1 - i)[0],
                                 row_h=row_h)  # fmt: skip
        elif not side.is_predictor:  # a fixed rule: show what it has played instead
            theme.blit_text(surface, "no odds; its moves so far:", (x, top - 4), theme.SMALL,
                            theme.TEXT_MUTED, anchor="midleft")  # fmt: skip
            bars.y += 10
            draw_prediction_bars(surface, bars, s.move_share(i), actual=move, row_h=row_h - 3)
        elif why is not None:
            theme.blit_text(surface, "this move was chosen without odds", (x, top + 10),
                            theme.SMALL, theme.TEXT_MUTED, anchor="midleft")  # fmt: skip

    def _draw_centre(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        theme.draw_panel(surface, rect)
        s, cx = self.session, rect.centerx
        match = s.match
        played, net = (match.played, match.net) if match is not None else (0, 0)

        def line(text: str, dy: int, size: int, color) -> None:
            theme.blit_text(surface, text, (cx, rect.y + dy), size, color, anchor="center")

        line("NET SCORE (A)", 22, theme.SMALL, theme.TEXT_MUTED)
        line(f"{net:+d}", 70, theme.HUGE, signed_color(net))
        line(f"round {played} / {s.rounds_total}", 118, theme.BODY, theme.TEXT)
        if match is not None and played:
            wld = f"A won {match.wins}   lost {match.losses}   drew {match.draws}"
            line(wld, 144, theme.SMALL, theme.TEXT_MUTED)
            line(s.verdict(), 172, theme.LARGE, theme.ACCENT if match.done else theme.TEXT)
            line(f"draw band +/-{s.draw_band():.1f}", 196, theme.SMALL, theme.TEXT_DIM)
            # History strip of A's moves, coloured by A's outcome.
            n = len(match.recent)
            strip = pygame.Rect(cx - n * 25 // 2, rect.y + 214, n * 25, 22)
            if strip.bottom + 6 <= self.pause_button.rect.y:  # only where it fits
                draw_history_strip(surface, strip, match.recent)
        elif s.loading:
            line("getting the agents ready...", 160, theme.BODY, theme.TEXT_MUTED)
        self._draw_speed(surface)

    def _draw_speed(self, surface: pygame.Surface) -> None:
        s, slider = self.session, self.layout.slider
        self.pause_button.label = "Space  play" if s.paused else "Space  pause"
        self.pause_button.draw(surface, focused=s.paused)
        self.slower.draw(surface)
        self.faster.draw(surface)
        pygame.draw.rect(surface, theme.PANEL_DARK, slider, border_radius=6)
        for k in range(len(SPEEDS)):
            px = slider.x + slider.w * k / (len(SPEEDS) - 1)
            pygame.draw.circle(surface, theme.PANEL_EDGE, (px, slider.centery), 3)
        kx = slider.x + slider.w * s.speed_i / (len(SPEEDS) - 1)
        fill = (slider.x, slider.y, kx - slider.x, slider.h)
        pygame.draw.rect(surface, theme.ACCENT, fill, border_radius=6)
        pygame.draw.circle(surface, theme.ACCENT, (kx, slider.centery), 10)
        # Centred in the room right of the pause button (a fixed +90 ran over the card's
        # edge at 1024 px).
        at = ((self.pause_button.rect.right + self.layout.centre.right) // 2,
              self.pause_button.rect.centery)  # fmt: skip
        theme.blit_text(surface, f"speed {speed_label(s.speed)}", at, theme.BODY, theme.TEXT,
                        anchor="center")  # fmt: skip
