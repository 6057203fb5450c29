"""AI vs AI: pick any two registered agents and watch a match, from 1 round/s to flat out.

Shows the running net score, each predictor's live prediction bars (its P(the other's next
move), with the move that came outlined) and a chart of how much probability each predictor
gave to the move that was actually played. Preset L pits the LSTM against a patterned bot,
the reference chapter's lesson about sequence memory: watch its confidence climb.

The agents play in a background worker (game.workers, as in the Arena): choosing a move,
observing the result and an LSTM's online fine-tune all run there, a little ahead of the
screen, and each played round comes back as a worker event. The main thread only takes
finished rounds in at the chosen speed, so no frame ever waits on an agent or TensorFlow.
A player worker owns the agents while it runs; the next match's worker waits for the
previous one to end before it resets them, so two threads never touch an agent at once.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque

import numpy as np
import pygame

from game.render import theme
from game.render.charts import LineChart
from game.render.widgets import Button, draw_label_value
from game.scenes import register_scene
from game.scenes.base import Scene
from game.scenes.rps_common import (
    AgentPicker,
    agent_description,
    agent_job,
    agent_names,
    draw_hand_badge,
    draw_history_strip,
    draw_prediction_bars,
    draw_progress,
    make_agent_now,
    needs_worker,
)
from game.sim.rps import Match, Round, draw_band, match_verdict
from game.workers import DONE, FAILED, Worker, WorkerContext

SPEEDS = (1, 2, 5, 10, 20, 50, 100, 300, 1000, math.inf)  # rounds per second; inf = flat out
FLAT_OUT_BUDGET_S = 0.005  # at "max", take finished rounds in for at most this long per step
LOOKAHEAD_S = 0.5  # the player may run this many seconds of rounds ahead of the screen
FLAT_OUT_AHEAD = 500  # ... and this many rounds at "max"
CREDIT_WAIT_S = 0.05  # how often a player waiting for the screen checks for a cancel
HISTORY_SHOWN = 14  # rounds in the centre's history strip
MATCH_ROUNDS = 1000
CONFIDENCE_WINDOW = 20
PATTERNED = ("rotate", "de-bruijn", "beat-last", "switching", "copy-drift")
PRESET_A = "lstm"
FALLBACK_AGENT = "iocaine"  # when an LSTM cannot load (e.g. no model file)


def speed_label(rate: float) -> str:
    return "max" if math.isinf(rate) else f"{rate:g}/s"


def rounds_ahead(rate: float) -> int:
    """How many rounds the player may have played beyond what the screen has shown."""
    return FLAT_OUT_AHEAD if math.isinf(rate) else max(2, math.ceil(rate * LOOKAHEAD_S))


def player_job(
    agent_a, agent_b, rounds: int, credits: threading.Semaphore, previous: Worker | None
):
    """Worker job: play a match, sending each Round to the screen with ctx.emit.

    Each round first takes a credit from `credits` (the screen hands them out as it shows
    rounds), which keeps the player a bounded distance ahead. `previous` is the last match's
    player: it was cancelled, and it must be done with the agents before they are reset.
    Returns the rounds played.
    """

    def job(ctx: WorkerContext) -> int:
        if previous is not None:
            previous.join()
        if ctx.cancelled:
            return 0
        match = Match(agent_a, agent_b, rounds=rounds, record_predictions=True)
        while not match.done:
            while not credits.acquire(timeout=CREDIT_WAIT_S):
                if ctx.cancelled:
                    return match.played
            if ctx.cancelled:
                return match.played
            ctx.emit(match.step())
        return match.played

    return job


class MatchView:
    """The match as the screen shows it: the rounds taken in so far (main thread only).

    The match itself is played by the player worker, a little ahead of this view.
    """

    def __init__(self, agent_a, agent_b, rounds: int) -> None:
        self.agent_a = agent_a
        self.agent_b = agent_b
        self.rounds = rounds
        self.played = self.net = self.wins = self.losses = 0
        self.recent: deque[Round] = deque(maxlen=HISTORY_SHOWN)
        self.move_counts = ([0, 0, 0], [0, 0, 0])  # how often side A / B played each move

    @property
    def draws(self) -> int:
        return self.played - self.wins - self.losses

    @property
    def done(self) -> bool:
        return self.played >= self.rounds

    def add(self, rnd: Round) -> None:
        self.played += 1
        self.net = rnd.net
        self.wins += rnd.outcome == 1
        self.losses += rnd.outcome == -1
        self.recent.append(rnd)
        self.move_counts[0][rnd.move_a] += 1
        self.move_counts[1][rnd.move_b] += 1


class Side:
    """One player of the match: its picker, agent (or loader) and prediction read-outs."""

    def __init__(self, label: str, picker: AgentPicker) -> None:
        self.label = label
        self.picker = picker
        self.agent = None
        self.name = ""
        self.loader: Worker | None = None
        self.reset_stats()

    def reset_stats(self) -> None:
        self.pred: np.ndarray | None = None  # last prediction, taken before the last round
        self.hits: deque[int] = deque(maxlen=50)
        self.p_actual: deque[float] = deque(maxlen=CONFIDENCE_WINDOW)

    @property
    def is_predictor(self) -> bool:
        return bool(getattr(self.agent, "is_predictor", False))


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
        ("Space", "pause / play"), ("R", "replay with new seeds"),
        ("L", "preset: LSTM vs a patterned bot"),
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
        names = agent_names()
        self.sides = [
            Side("A", AgentPicker(pygame.Rect(290, 16, 300, 40), names, a, title="A")),
            Side("B", AgentPicker(pygame.Rect(690, 16, 300, 40), names, b, title="B")),
        ]
        self.focus = 0
        self.sides[0].picker.focused = True
        # The nearest offered speed; inf - inf is NaN, so "max" is matched by hand.
        self.speed_i = (
            len(SPEEDS) - 1
            if math.isinf(speed)
            else min(range(len(SPEEDS) - 1), key=lambda i: abs(SPEEDS[i] - speed))
        )
        self.rounds_total = rounds
        self.seed = 0
        self.paused = False
        self.preset_i = -1
        self.preset_button = Button(pygame.Rect(1020, 16, 240, 40), "L  LSTM vs pattern")
        self.slower = Button(pygame.Rect(458, 376, 36, 30), "-")
        self.faster = Button(pygame.Rect(786, 376, 36, 30), "+")
        self.slider = pygame.Rect(508, 385, 264, 12)
        self.pause_button = Button(pygame.Rect(470, 328, 160, 32), "Space  pause")
        self.net_chart = LineChart(pygame.Rect(20, 440, 610, 264), "Net score (A's view)")
        self.conf_chart = LineChart(
            pygame.Rect(650, 440, 610, 264),
            f"Confidence: P given to the move played (avg {CONFIDENCE_WINDOW})",
            y_range=(0.0, 1.0),
        )
        self.match: MatchView | None = None
        self.last: Round | None = None
        self.clock = 0.0
        self._budget = 0.0
        self.player: Worker | None = None  # plays the current match in the background
        self._previous: Worker | None = None  # the latest player started (to wait for)
        self._credits = threading.Semaphore(0)
        self._granted = 0  # rounds the current player has been allowed to play
        self._ready: deque[Round] = deque()  # played by the worker, not yet shown

    # --- lifecycle -----------------------------------------------------------------------
    def on_enter(self) -> None:
        for i, side in enumerate(self.sides):
            self.set_agent(i, side.picker.current)

    def on_exit(self) -> None:
        self._stop_player()
        for side in self.sides:
            if side.loader is not None:
                side.loader.cancel()

    @property
    def speed(self) -> float:
        return SPEEDS[self.speed_i]

    @property
    def loading(self) -> bool:
        return any(s.loader is not None for s in self.sides)

    # --- choosing agents -----------------------------------------------------------------
    def set_agent(self, i: int, name: str) -> None:
        side = self.sides[i]
        side.picker.current = name
        side.picker.open = False
        if side.loader is not None:
            side.loader.cancel()
            side.loader = None
        self._stop_player()  # the old match ends now, even while the new agent loads
        self.match = None
        seed = self.seed + i  # a different seed per side, so two random players differ
        if needs_worker(name):
            side.loader = Worker(agent_job(name, seed), name=f"load {name}").start()
            side.loading_name = name
            return
        side.agent, side.name = make_agent_now(name, seed), name
        self.restart()

    def restart(self) -> None:
        """A new match between the current agents (once both are ready)."""
        self._stop_player()
        self.match = None
        self.last = None
        self._budget = 0.0
        self.net_chart.clear()
        self.conf_chart.clear()
        for side in self.sides:
            side.reset_stats()
        if self.loading or any(s.agent is None for s in self.sides):
            return
        a, b = (s.agent for s in self.sides)
        self.match = MatchView(a, b, self.rounds_total)
        self._credits = threading.Semaphore(0)
        self._granted = 0
        self._grant()
        job = player_job(a, b, self.rounds_total, self._credits, self._previous)
        self.player = self._previous = Worker(job, name="AI vs AI match").start()
        self.net_chart.add("net", 0, x=0)

    def _stop_player(self) -> None:
        """Cancel the current match's player (never waits: the next player waits for it)."""
        if self.player is not None:
            self.player.cancel()
            self.player = None
        self._ready.clear()

    def _grant(self) -> None:
        """Let the player run up to rounds_ahead(speed) rounds beyond what is shown."""
        if self.match is None:
            return
        target = min(self.match.played + rounds_ahead(self.speed), self.match.rounds)
        if target > self._granted:
            self._credits.release(target - self._granted)
            self._granted = target

    def _poll_player(self) -> None:
        """Collect the rounds the player has finished; report it if it failed."""
        if self.player is None:
            return
        for event in self.player.poll():
            if event.kind == "data":
                self._ready.append(event.data)
        if self.player.state == FAILED:
            self.app.toast(f"the match stopped: {self.player.error}", "error")
            self.player = None
        elif self.player.finished:
            self.player = None

    def preset(self) -> None:
        """LSTM against the next patterned bot, at a speed where you can watch it learn."""
        self.preset_i = (self.preset_i + 1) % len(PATTERNED)
        self.speed_i = SPEEDS.index(20)
        self.paused = False
        self.set_agent(1, PATTERNED[self.preset_i])
        self.set_agent(0, PRESET_A)

    def _poll_loaders(self) -> None:
        for side in self.sides:
            if side.loader is None:
                continue
            side.loader.poll()
            if side.loader.finished:
                loader, side.loader = side.loader, None
                if loader.state == DONE:
                    side.agent, side.name = loader.result, side.loading_name
                else:
                    self.app.toast(f"cannot load {side.loading_name}: {loader.error}", "error")
                    if side.agent is None:  # nothing to fall back to: a classic meta player
                        side.agent = make_agent_now(FALLBACK_AGENT, self.seed)
                        side.name = FALLBACK_AGENT
                    side.picker.current = side.name
                self.restart()

    # --- playing -------------------------------------------------------------------------
    def take_round(self) -> Round | None:
        """Show the next round the player has finished and update every read-out; None when
        there is none ready (the player is still busy, or there is no match)."""
        if self.match is None or self.match.done or not self._ready:
            return None
        rnd = self._ready.popleft()
        self.match.add(rnd)
        self.last = rnd
        self.net_chart.add("net", rnd.net, x=rnd.index + 1)
        for side, pred, actual in (
            (self.sides[0], rnd.pred_a, rnd.move_b),
            (self.sides[1], rnd.pred_b, rnd.move_a),
        ):
            if pred is None:
                continue
            side.pred = pred
            side.hits.append(int(np.argmax(pred) == actual))
            side.p_actual.append(float(pred[actual]))
            self.conf_chart.add(
                f"{side.label}: {side.name}",
                sum(side.p_actual) / len(side.p_actual),
                x=rnd.index + 1,
            )
        return rnd

    def update(self, dt: float) -> None:
        self.clock += dt
        self._poll_loaders()
        self._poll_player()
        if self.paused or self.match is None or self.match.done:
            return
        if math.isinf(self.speed):
            deadline = time.perf_counter() + FLAT_OUT_BUDGET_S
            while time.perf_counter() < deadline and self.take_round() is not None:
                pass
        else:
            self._budget += self.speed * dt
            while self._budget >= 1.0 and self.take_round() is not None:
                self._budget -= 1.0
            if not self._ready:  # waiting on the player: no burst of rounds once it catches up
                self._budget = min(self._budget, 1.0)
        self._grant()

    # --- input ---------------------------------------------------------------------------
    def _set_focus(self, i: int) -> None:
        self.focus = i
        for j, side in enumerate(self.sides):
            side.picker.focused = j == i

    def change_speed(self, step: int) -> None:
        self.speed_i = min(max(self.speed_i + step, 0), len(SPEEDS) - 1)
        self._budget = 0.0

    def handle_event(self, event: pygame.event.Event) -> None:
        for i, side in enumerate(self.sides):
            if side.picker.open:
                chosen = side.picker.handle_event(event)
                if chosen:
                    self.set_agent(i, chosen)
                return
        for i, side in enumerate(self.sides):
            chosen = side.picker.handle_event(event)
            if side.picker.open:
                self._set_focus(i)
            if chosen:
                self.set_agent(i, chosen)
                return
        if self.preset_button.handle_event(event):
            self.preset()
        elif self.slower.handle_event(event):
            self.change_speed(-1)
        elif self.faster.handle_event(event):
            self.change_speed(+1)
        elif self.pause_button.handle_event(event):
            self.paused = not self.paused
        elif (
            event.type == pygame.MOUSEBUTTONDOWN
            and event.button == 1
            and self.slider.inflate(0, 16).collidepoint(event.pos)
        ):
            t = (event.pos[0] - self.slider.x) / self.slider.w
            self.speed_i = min(max(round(t * (len(SPEEDS) - 1)), 0), len(SPEEDS) - 1)
        elif event.type == pygame.KEYDOWN:
            self._key(event)

    def _key(self, event: pygame.event.Event) -> None:
        key = event.key
        if key == pygame.K_ESCAPE:
            self.app.pop()
        elif key == pygame.K_TAB:
            self._set_focus(1 - self.focus)
        elif key in (pygame.K_UP, pygame.K_DOWN):
            side = self.sides[self.focus]
            self.set_agent(self.focus, side.picker.cycle(-1 if key == pygame.K_UP else 1))
        elif key in (pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS, pygame.K_RIGHT):
            self.change_speed(+1)
        elif key in (pygame.K_MINUS, pygame.K_KP_MINUS, pygame.K_LEFT):
            self.change_speed(-1)
        elif key == pygame.K_SPACE:
            self.paused = not self.paused
        elif key == pygame.K_r:
            self.seed += 2
            for i, side in enumerate(self.sides):
                self.set_agent(i, side.picker.current)
        elif key == pygame.K_l:
            self.preset()

    # --- drawing -------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        surface.fill(theme.BG)
        theme.blit_text(surface, "AI", (24, 36), theme.LARGE + 12, theme.ACCENT, anchor="midleft")
        theme.blit_text(surface, "vs AI", (68, 36), theme.LARGE + 12, theme.TEXT, anchor="midleft")
        theme.blit_text(surface, "H help", (190, 38), theme.SMALL, theme.TEXT_DIM, anchor="midleft")
        theme.blit_text(surface, "vs", (640, 36), theme.LARGE, theme.TEXT_MUTED, anchor="center")
        for side in self.sides:
            side.picker.draw(surface)
        self.preset_button.draw(surface)
        self._draw_side(surface, 0, pygame.Rect(20, 76, 410, 352))
        self._draw_side(surface, 1, pygame.Rect(850, 76, 410, 352))
        self._draw_centre(surface, pygame.Rect(446, 76, 388, 352))
        self.net_chart.draw(surface)
        self.conf_chart.draw(surface)
        if not self.conf_chart.series:
            theme.blit_text(
                surface,
                "only predictors (and the LSTMs) have a confidence",
                (self.conf_chart.rect.centerx, self.conf_chart.rect.bottom - 20),
                theme.SMALL,
                theme.TEXT_DIM,
                anchor="center",
            )
        for side in self.sides:
            side.picker.draw_list(surface)

    def _draw_side(self, surface: pygame.Surface, i: int, rect: pygame.Rect) -> None:
        side = self.sides[i]
        other = self.sides[1 - i]
        theme.draw_panel(
            surface, rect, border=theme.ACCENT if self.focus == i else theme.PANEL_EDGE
        )
        x = rect.x + 16
        name = side.picker.current
        theme.blit_text(
            surface,
            f"{side.label}  {name.upper()}",
            (x, rect.y + 22),
            theme.LARGE,
            theme.TEXT,
            anchor="midleft",
        )
        desc = agent_description(name)
        if len(desc) > 56:
            desc = desc[:53] + "..."
        theme.blit_text(
            surface, desc, (x, rect.y + 48), theme.SMALL, theme.TEXT_MUTED, anchor="midleft"
        )
        if side.loader is not None:
            draw_progress(
                surface,
                pygame.Rect(x, rect.y + 150, rect.w - 32, 22),
                side.loader.fraction,
                side.loader.message or "loading",
                self.clock,
            )
            return
        move = None
        if self.last is not None:
            move = self.last.move_a if i == 0 else self.last.move_b
        out = 0 if self.last is None else (self.last.outcome if i == 0 else -self.last.outcome)
        ring = theme.GOOD if out == 1 else None
        draw_hand_badge(
            surface, move, (rect.right - 70, rect.y + 118), 50, ring=ring, dim=out == -1
        )
        if not side.is_predictor:
            # Nothing to predict with: show what it has played instead.
            theme.draw_heading(
                surface, "a fixed rule, no predictions", "its moves so far:", (x, rect.y + 86), 32
            )
            freq = np.asarray(self.match.move_counts[i] if self.match else (0, 0, 0), float)
            share = freq / freq.sum() if freq.sum() else np.full(3, 1 / 3)
            draw_prediction_bars(
                surface,
                pygame.Rect(x + 4, rect.y + 204, rect.w - 40, 120),
                share,
                actual=move,
                row_h=44,
            )
            return
        theme.blit_text(
            surface,
            f"expects {other.label} to play:",
            (x, rect.y + 86),
            theme.BODY,
            theme.TEXT,
            anchor="midleft",
        )
        hits = f"{100 * sum(side.hits) / len(side.hits):.0f}%" if side.hits else "-"
        conf = f"{sum(side.p_actual) / len(side.p_actual):.2f}" if side.p_actual else "-"
        draw_label_value(surface, (x, rect.y + 118), "hit rate (last 50)", hits, 190)
        draw_label_value(
            surface, (x, rect.y + 144), f"P(actual), avg {CONFIDENCE_WINDOW}", conf, 190
        )
        pred = side.pred if side.pred is not None else np.full(3, 1 / 3)
        actual = None
        if self.last is not None and side.pred is not None:
            actual = self.last.move_b if i == 0 else self.last.move_a
        draw_prediction_bars(
            surface,
            pygame.Rect(x + 4, rect.y + 204, rect.w - 40, 120),
            pred,
            actual=actual,
            row_h=44,
        )

    def _draw_centre(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        theme.draw_panel(surface, rect)
        cx = rect.centerx
        played = self.match.played if self.match is not None else 0
        net = self.last.net if self.last is not None else 0
        color = theme.GOOD if net > 0 else theme.BAD if net < 0 else theme.TEXT
        theme.blit_text(
            surface,
            "NET SCORE (A)",
            (cx, rect.y + 22),
            theme.SMALL,
            theme.TEXT_MUTED,
            anchor="center",
        )
        theme.blit_text(surface, f"{net:+d}", (cx, rect.y + 70), theme.HUGE, color, anchor="center")
        theme.blit_text(
            surface,
            f"round {played} / {self.rounds_total}",
            (cx, rect.y + 118),
            theme.BODY,
            theme.TEXT,
            anchor="center",
        )
        if self.match is not None and played:
            res = self.match
            wld = f"A won {res.wins}   lost {res.losses}   drew {res.draws}"
            theme.blit_text(
                surface, wld, (cx, rect.y + 144), theme.SMALL, theme.TEXT_MUTED, anchor="center"
            )
            band = draw_band(played)
            verdict = match_verdict(net, played)
            names = {
                "win": f"{self.sides[0].name} ahead",
                "loss": f"{self.sides[1].name} ahead",
                "draw": "inside the draw band",
            }
            if self.match.done:
                names = {
                    "win": f"{self.sides[0].name} WINS",
                    "loss": f"{self.sides[1].name} WINS",
                    "draw": "DRAW",
                }
            vcolor = theme.ACCENT if self.match.done else theme.TEXT
            theme.blit_text(
                surface, names[verdict], (cx, rect.y + 172), theme.LARGE, vcolor, anchor="center"
            )
            theme.blit_text(
                surface,
                f"draw band +/-{band:.1f}",
                (cx, rect.y + 196),
                theme.SMALL,
                theme.TEXT_DIM,
                anchor="center",
            )
        elif self.loading:
            theme.blit_text(
                surface,
                "getting the agents ready...",
                (cx, rect.y + 160),
                theme.BODY,
                theme.TEXT_MUTED,
                anchor="center",
            )
        # History strip of A's moves, coloured by A's outcome.
        if self.match is not None and played:
            shown = self.match.recent
            n = len(shown)
            strip = pygame.Rect(cx - n * 25 // 2, rect.y + 214, n * 25, 22)
            draw_history_strip(
                surface, strip, [r.move_a for r in shown], [r.outcome for r in shown]
            )
        # Speed control.
        self.pause_button.label = "Space  play" if self.paused else "Space  pause"
        self.pause_button.draw(surface, focused=self.paused)
        self.slower.draw(surface)
        self.faster.draw(surface)
        pygame.draw.rect(surface, theme.PANEL_DARK, self.slider, border_radius=6)
        for k in range(len(SPEEDS)):
            px = self.slider.x + self.slider.w * k / (len(SPEEDS) - 1)
            pygame.draw.circle(surface, theme.PANEL_EDGE, (px, self.slider.centery), 3)
        kx = self.slider.x + self.slider.w * self.speed_i / (len(SPEEDS) - 1)
        pygame.draw.rect(
            surface,
            theme.ACCENT,
            (self.slider.x, self.slider.y, kx - self.slider.x, self.slider.h),
            border_radius=6,
        )
        pygame.draw.circle(surface, theme.ACCENT, (kx, self.slider.centery), 10)
        theme.blit_text(
            surface,
            f"speed {speed_label(self.speed)}",
            (self.pause_button.rect.right + 90, self.pause_button.rect.centery),
            theme.BODY,
            theme.TEXT,
            anchor="center",
        )
