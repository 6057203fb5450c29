"""RPS Arena: a person plays rock-paper-scissors against an AI from the agent registry.

The rounds, phases, statistics, saving and training live in game.sessions.rps.ArenaSession;
this screen turns keys and clicks into its calls and draws it. Why the AI played its move
(`session.explanation`: the strategy that chose it in plain words, what it expected you to
play, the odds it used as bars) is shown only after that move's reveal, so it can never help
or hint before the person commits. The sentence, the bars and the confidence chart all come
from the one Decision record of the strategy that chose the move.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import pygame

from agents.rps.card import MIN_ROUNDS
from agents.rps.levels import LEVEL_LABELS
from game.actions import Action, action_for, rps_move_for
from game.render import theme
from game.render.charts import LineChart
from game.render.controls import CheckList, CheckRow
from game.render.rps_picker import AgentPicker
from game.render.rps_widgets import (
    OUTCOME_COLORS,
    draw_decision,
    draw_hand_badge,
    draw_history_strip,
    draw_progress,
    draw_rows_panel,
    draw_title,
    fit_text,
    pop_scale,
    signed_color,
    wrap_text,
)
from game.render.widgets import Button
from game.scenes import register_scene
from game.scenes.base import Scene
from game.sessions.rps import (
    MIN_PERSON_ROUNDS,
    ArenaSession,
    ArenaStats,
    Phase,
    agent_description,
    agent_kind,
    default_opponent,
    score_line,
)
from game.sim.rps import MOVE_LETTERS, MOVE_NAMES, MOVES, round_phrase
from game.textfmt import plural

BEATS = ("ROCK...", "PAPER...", "SCISSORS!")
BANNERS = {1: "YOU WIN!", -1: "AI WINS", 0: "DRAW"}
MOVE_KEY_LABELS = tuple(f"{MOVE_LETTERS[m]} / {m + 1}" for m in MOVES)  # the keys of game.actions
LEVEL_ROW_H = 44  # a row of "your games by level": the level, its matches and rounds under it
LEVEL_RESULTS_W = 230  # ... and its win rate and net at the right


@dataclass(frozen=True)
class ArenaLayout:
    """Where everything goes, from the window size (designed at 1280 x 720)."""

    size: tuple[int, int]
    picker: pygame.Rect
    train: pygame.Rect
    you_x: int
    ai_x: int
    mid_x: int
    stage_y: int
    badge_r: int
    hands_y: int
    strip: pygame.Rect
    stats: pygame.Rect
    prediction: pygame.Rect
    chart: pygame.Rect

    @classmethod
    def of(cls, size: tuple[int, int]) -> ArenaLayout:
        w, h = size
        pad = 20
        you_x = int(w * 0.234)
        panel_h = min(188, h // 4)
        panels_y = h - 16 - panel_h
        stats_w, chart_w = min(300, w * 23 // 100), (w - 2 * pad) * 3 // 10
        pred_x = pad + stats_w + 16
        return cls(
            size=size,
            picker=pygame.Rect(w // 2 - 200, 16, 400, 40),
            train=pygame.Rect(w - pad - 260, 16, 260, 40),
            you_x=you_x,
            ai_x=w - you_x,
            mid_x=w // 2,
            stage_y=int(h * 0.326),
            badge_r=min(104, h // 7),
            hands_y=panels_y - 104,
            strip=pygame.Rect(pad, panels_y - 34, w - 2 * pad, 22),
            stats=pygame.Rect(pad, panels_y, stats_w, panel_h),
            prediction=pygame.Rect(pred_x, panels_y, w - pad - chart_w - 16 - pred_x, panel_h),
            chart=pygame.Rect(w - pad - chart_w, panels_y, chart_w, panel_h),
        )


@register_scene(
    "rps-arena",
    label="RPS Arena",
    order=60,
    description="Rock-paper-scissors against an AI that learns to read you",
)
class ArenaScene(Scene):
    help_lines = [
        *zip(MOVE_KEY_LABELS, MOVE_NAMES, strict=True),
        ("click a hand", "play it"), ("Tab / Shift+Tab", "next / previous opponent"),
        ("F2", "new match (score back to 0)"),
        ("D / Right, A / Left", "next / previous difficulty level"),
        ("L", "what it learned about you (F2 shows it too)"),
        ("T", "your games by level: win rate, net; pick levels to train on"),
        ("Space / Enter (T)", f"tick a level / train the LSTM on them ({MIN_PERSON_ROUNDS}+ "
         "rounds)"),
        ("Esc (training)", "cancel the training"),
    ]  # fmt: skip

    def __init__(
        self,
        app,
        opponent: str | None = None,
        countdown_s: float = 0.9,
        reveal_s: float = 0.45,
        seed: int | None = None,
    ) -> None:
        super().__init__(app)
        seed = random.randrange(1 << 30) if seed is None else seed
        self.session = ArenaSession(
            opponent or default_opponent(), seed, countdown_s, reveal_s, notify=app.toast
        )
        names = self.session.names
        kinds = {n: agent_kind(n) for n in names}
        descriptions = {n: agent_description(n) for n in names}
        self.picker = AgentPicker(
            pygame.Rect(0, 0, 1, 1), kinds, self.session.wanted, "OPPONENT", descriptions
        )
        self.train_button = Button(pygame.Rect(0, 0, 1, 1), "T  Train on my games")
        self.hand_buttons = [Button(pygame.Rect(0, 0, 92, 92), "") for _ in MOVES]
        # The chance the strategy that chose the AI's move gave to the move you actually
        # played, against pure chance (1/3): the line climbs as it learns your sequence.
        self.chart = LineChart(
            pygame.Rect(0, 0, 1, 1), "Its odds", y_range=(0.0, 1.0),
            colors=((84, 120, 150), theme.ACCENT), reference=(1 / 3, "chance"),
            hint="the deciding odds of each move you played", x_label="round",
            value_format=lambda p: f"{100 * p:.0f}%",
        )  # fmt: skip
        self.chart.series = self.session.confidence  # the session keeps the points
        # "Your games by level" (T): a row per level, ticked for training; results at the right.
        self.level_list = CheckList(pygame.Rect(0, 0, 1, 1), row_h=LEVEL_ROW_H,
                                    draw_extra=self._draw_level_results,
                                    reserve_right=LEVEL_RESULTS_W)  # fmt: skip
        self.level_train = Button(pygame.Rect(0, 0, 1, 1), "Enter  Train on the ticked levels")
        self.clock = 0.0
        self._place(app.screen.get_size())

    def _place(self, size: tuple[int, int]) -> None:
        self.layout = lay = ArenaLayout.of(size)
        self.picker.rect, self.train_button.rect, self.chart.rect = lay.picker, lay.train, lay.chart
        for m, b in enumerate(self.hand_buttons):
            b.rect.center = (lay.you_x + (m - 1) * 112, lay.hands_y)

    # --- lifecycle -----------------------------------------------------------------------
    def on_enter(self) -> None:
        self.session.start()

    def on_exit(self) -> None:
        self.session.close()

    # --- input ---------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> None:
        s, action = self.session, action_for(event)
        if s.levels_open:  # the panel takes every key and click until it closes
            self._levels_event(event, action)
            return
        was_open = self.picker.open
        chosen = self.picker.handle_event(event, back=action is Action.BACK)
        if chosen:
            s.set_opponent(chosen)
        if chosen or was_open:
            return
        if self.train_button.handle_event(event):
            s.open_levels()
            return
        for m, b in enumerate(self.hand_buttons):
            if b.handle_event(event):
                s.commit(m)
                return
        move = rps_move_for(event)
        if move is not None:
            s.commit(move)
            return
        if action is Action.BACK and not s.cancel_training():
            self.app.pop()
        elif action in (Action.NEXT, Action.PREV):
            s.cycle_opponent(1 if action is Action.NEXT else -1)
        elif action is Action.NEW_MATCH and not s.loading:
            s.new_match()
        elif action in (Action.RIGHT, Action.LEFT):
            s.cycle_level(1 if action is Action.RIGHT else -1)
        elif action is Action.NEXT_LOOK:
            s.toggle_card()
        elif action is Action.TRAIN:
            s.open_levels()

    def _levels_event(self, event: pygame.event.Event, action: Action | None) -> None:
        """Keys and clicks on "your games by level": Up / Down, Space or a click ticks,
        Enter trains on the ticked levels, T or Esc closes."""
        s = self.session
        if action in (Action.BACK, Action.TRAIN):
            s.close_levels()
            return
        if s.levels is None:
            return  # still reading the games
        if action is Action.CONFIRM or self.level_train.handle_event(event):
            s.train_ticked()
            return
        tick = self.level_list.handle_event(event)
        if tick is not None and tick.row is not None:
            s.levels.toggle(tick.row)

    def update(self, dt: float) -> None:
        self.clock += dt
        self.session.update(dt)
        self.picker.current = self.session.wanted

    # --- drawing -------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        if surface.get_size() != self.layout.size:
            self._place(surface.get_size())
        lay, s = self.layout, self.session
        surface.fill(theme.BG)
        self._draw_top_bar(surface)
        self._draw_stage(surface, s.stats())
        self._draw_hand_buttons(surface)
        draw_history_strip(surface, lay.strip, s.visible_rounds, "HISTORY")
        self._draw_stats(surface, lay.stats, s.stats())
        self._draw_prediction(surface, lay.prediction)
        self.chart.draw(surface)
        if s.card is not None:
            self._draw_card(surface)
        if s.levels_open:
            self._draw_levels(surface)
        self.picker.draw_list(surface)

    def _draw_top_bar(self, surface: pygame.Surface) -> None:
        draw_title(surface, 24, "RPS", "ARENA")
        # The difficulty level under the title; the description keeps clear of it.
        at = theme.blit_text(surface, "LEVEL", (24, 74), theme.SMALL, theme.TEXT_DIM,
                             anchor="midleft")  # fmt: skip
        at = theme.blit_text(surface, self.session.level_label(), (at.right + 8, 74),
                             theme.BODY, theme.ACCENT, anchor="midleft")  # fmt: skip
        at = theme.blit_text(surface, "(D)", (at.right + 6, 75), theme.SMALL, theme.TEXT_DIM,
                             anchor="midleft")  # fmt: skip
        self.picker.draw(surface)
        room = min(700, 2 * (self.layout.mid_x - at.right - 16))
        desc = fit_text(agent_description(self.picker.current), theme.SMALL, room)
        theme.blit_text(surface, desc, (self.layout.mid_x, 70), theme.SMALL, theme.TEXT_MUTED,
                        anchor="center")  # fmt: skip
        if self.session.training:
            bar = self.train_button.rect.inflate(0, -12)
            draw_progress(surface, bar, self.session.trainer, "training", self.clock, True)
            return
        self.train_button.draw(surface)
        score = score_line(self.session.last_score)
        if score:  # the last training's held-out accuracy, under its button
            rect = self.train_button.rect
            for k, line in enumerate(wrap_text(score, theme.SMALL, rect.w, 2)):
                at = (rect.centerx, rect.bottom + 12 + 17 * k)
                theme.blit_text(surface, line, at, theme.SMALL, theme.GOOD, anchor="center")

    def _caption(self, surface: pygame.Surface, text: str, dy: int, size: int, color) -> None:
        """A line of text centred between the two hands, `dy` below the stage's centre."""
        at = (self.layout.mid_x, self.layout.stage_y + dy)
        theme.blit_text(surface, text, at, size, color, anchor="center")

    def _draw_stage(self, surface: pygame.Surface, st: ArenaStats) -> None:
        lay, s = self.layout, self.session
        you, ai, y, r = lay.you_x, lay.ai_x, lay.stage_y, lay.badge_r
        for x, name in ((you, "YOU"), (ai, self.picker.current.upper())):
            # Above the badge, below the agent's description (at 70) at any window height.
            theme.blit_text(surface, name, (x, max(y - r - 33, 96)), theme.LARGE, theme.TEXT_MUTED,
                            anchor="center")  # fmt: skip
        self._caption(surface, f"{st.wins}  :  {st.losses}", -107, theme.TITLE, theme.TEXT)
        draws = f"{st.draws} draw" + ("" if st.draws == 1 else "s")
        self._caption(surface, draws, -65, theme.SMALL, theme.TEXT_MUTED)
        if s.loading:
            for x in (you, ai):
                draw_hand_badge(surface, None, (x, y), r, dim=True)
            bar = pygame.Rect(lay.mid_x - 150, y + 15, 300, 22)
            draw_progress(surface, bar, s.loader, "loading", self.clock)
            self._caption(surface, "the AI is getting ready", -13, theme.BODY, theme.TEXT_MUTED)
            return
        if s.phase == Phase.COUNTDOWN:
            beat, frac = s.countdown_beat()
            bob = abs(np.sin(np.pi * frac)) * 24  # fists pump once per beat
            for x in (you, ai):
                draw_hand_badge(surface, 0, (x, y + bob), r, color=theme.PANEL_EDGE)
            self._caption(
                surface, BEATS[beat], 10, int(theme.TITLE + 16 * (1 - frac)), theme.ACCENT
            )
            return
        rnd = s.pending if s.phase == Phase.REVEAL else s.revealed
        if rnd is None:
            for x in (you, ai):
                draw_hand_badge(surface, None, (x, y), r)
            self._caption(surface, "make your move", -14, theme.LARGE, theme.TEXT)
            self._caption(surface, "keys R, P, S or 1, 2, 3 - or click a hand", 22, theme.BODY,
                          theme.ACCENT)  # fmt: skip
            return
        t, out = s.reveal_t, rnd.outcome
        scale = pop_scale(t)
        draw_hand_badge(surface, rnd.move_a, (you, y), r * scale,
                        theme.GOOD if out == 1 else None, dim=out == -1 and t >= 1)  # fmt: skip
        draw_hand_badge(surface, rnd.move_b, (ai, y), r * scale,
                        theme.BAD if out == -1 else None, dim=out == 1 and t >= 1)  # fmt: skip
        color = OUTCOME_COLORS[out] if out else theme.TEXT
        self._caption(surface, BANNERS[out], -6, int(theme.TITLE * min(scale, 1.1)), color)
        self._caption(
            surface, round_phrase(rnd.move_a, rnd.move_b), 40, theme.BODY, theme.TEXT_MUTED
        )

    def _draw_hand_buttons(self, surface: pygame.Surface) -> None:
        s = self.session
        taking = s.phase != Phase.COUNTDOWN and not s.loading
        for m, b in enumerate(self.hand_buttons):
            hover = b.hovered and taking
            c = b.rect.center
            draw_hand_badge(surface, m, c, 38 + (3 if hover else 0),
                            ring=theme.ACCENT if hover else None, dim=not taking)  # fmt: skip
            theme.blit_text(surface, MOVE_KEY_LABELS[m], (c[0], b.rect.bottom + 6),
                            theme.SMALL, theme.TEXT_MUTED, anchor="center")  # fmt: skip
        at = (self.layout.ai_x, self.layout.hands_y)
        theme.blit_text(surface, s.status(), at, theme.BODY, theme.TEXT_MUTED, anchor="center")

    def _draw_stats(self, surface: pygame.Surface, rect: pygame.Rect, st: ArenaStats) -> None:
        k = st.streak
        streak = "-" if k == 0 else (f"{k} won" if k > 0 else f"{-k} lost")
        rows = (
            ("rounds", str(st.rounds), theme.TEXT),
            ("win rate", f"{100 * st.win_rate:.0f}%", theme.TEXT),
            ("net score", f"{st.net:+d}", signed_color(st.net)),
            ("streak", streak, signed_color(k)),
            ("best win streak", str(st.best), theme.TEXT),
        )
        draw_rows_panel(surface, rect, "YOUR SCORE", rows)

    def _draw_prediction(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        theme.draw_panel(surface, rect)
        s, x = self.session, rect.x + 16
        why = s.explanation
        if s.phase != Phase.READY or s.revealed is None:
            note = ("locked in: you will see it after the reveal" if s.phase != Phase.READY
                    else "shown after each reveal, never before you play")  # fmt: skip
            theme.draw_heading(surface, "WHY IT PLAYED ITS MOVE", note, (x, rect.y + 18))
            return
        if why is None:  # an agent that gives no Decision record
            name = fit_text(s.opponent.upper(), theme.BODY, rect.w - 150)
            theme.draw_heading(surface, f"{name} DOES NOT SAY WHY", "it gives no reason for "
                               "its moves", (x, rect.y + 18))  # fmt: skip
            return
        draw_decision(surface, rect.inflate(-32, -8), why, s.revealed.move_a)

    def card_layout(self) -> tuple[pygame.Rect, list[tuple[list[str], tuple]], int]:
        """The card's rect, its wrapped items (lines, ink) and the height they need: up to 5
        statements and 3 changes since last time (4 and 2 in a low window, so all fit)."""
        card, lay = self.session.card, self.layout
        w = min(760, lay.size[0] - 80)
        most, changes = (5, 3) if lay.size[1] >= 760 else (4, 2)
        items = [(st.line(), theme.TEXT) for st in card.statements[:most]]
        if card.faded:  # the last card's habits that this one leaves off: how they changed
            items.append(("NO LONGER ON THE CARD", theme.TEXT_DIM))
            items += [(st.faded_line(), theme.TEXT_MUTED) for st in card.faded[:changes]]
        lines = [(wrap_text(text, theme.BODY, w - 48, 2), ink) for text, ink in items]
        compared = 18 if card.was_rounds else 0
        h = 110 + compared + sum(24 * len(ls) + 10 for ls, _ in lines) + (0 if lines else 40)
        # Down over the hands and panels when it needs to (a low window): it is read, then closed.
        rect = pygame.Rect(0, 0, w, min(h, lay.size[1] - 96 - 16))
        rect.midtop = (lay.mid_x, 96)
        return rect, lines, h

    def _draw_card(self, surface: pygame.Surface) -> None:
        """ "What it learned about you": the habit model's counts in plain words, over the
        stage; each against the last card, then the habits the last card stated that this one
        does not, with how they changed."""
        s = self.session
        card = s.card
        rect, lines, _ = self.card_layout()
        compared = 18 if card.was_rounds else 0
        theme.draw_panel(surface, rect, theme.PANEL_DARK, theme.ACCENT)  # opaque: no stage behind
        x, y = rect.x + 24, rect.y + 26
        level = f", {LEVEL_LABELS[card.level]}" if card.level else ""
        when = "the match that ended" if s.card_is_final else "this match so far"
        theme.draw_heading(surface, "WHAT IT LEARNED ABOUT YOU",
                           f"{when}: {card.rounds} rounds{level} - counts of your own moves",
                           (x, y), 28, title_color=theme.ACCENT)  # fmt: skip
        if card.was_rounds:
            was = f", {LEVEL_LABELS[card.was_level]}" if card.was_level in LEVEL_LABELS else ""
            theme.blit_text(surface, f"compared with your last card: {card.was_rounds} rounds"
                            f"{was}", (x, y + 46), theme.SMALL, theme.TEXT_DIM,
                            anchor="midleft")  # fmt: skip
        y += 66 + compared
        if not lines:
            theme.blit_text(surface, f"nothing yet: each statement needs {MIN_ROUNDS}+ rounds "
                            "behind it", (x, y), theme.BODY, theme.TEXT_MUTED)  # fmt: skip
        for ls, ink in lines:
            for line in ls:
                if y + 24 > rect.bottom - 24:
                    break
                theme.blit_text(surface, line, (x, y), theme.BODY, ink)
                y += 24
            y += 10
        at = (rect.centerx, rect.bottom - 16)
        theme.blit_text(surface, "play a move or press L to close", at, theme.SMALL,
                        theme.TEXT_DIM, anchor="center")  # fmt: skip

    def levels_rect(self) -> pygame.Rect:
        """Where "your games by level" goes: over the stage, clear of the title bar."""
        lay, choice = self.layout, self.session.levels
        rows = len(choice.results) if choice else 1
        # Heading, the rows, the total and a skipped-lines note, the button and the keys.
        total_row = 22 if choice and len(choice.results) > 1 else 0
        extra = total_row + (22 if choice and choice.problems else 0)
        w = min(720, lay.size[0] - 80)
        h = min(76 + LEVEL_ROW_H * max(rows, 1) + extra + 108, lay.size[1] - 96 - 12)
        rect = pygame.Rect(0, 0, w, h)
        rect.midtop = (lay.mid_x, 96)
        return rect

    def _draw_levels(self, surface: pygame.Surface) -> None:
        """Your saved games by difficulty level: matches, rounds, win rate and net for each,
        ticked for "train on my games"; the total and what Enter would train on below."""
        s = self.session
        rect = self.levels_rect()
        theme.draw_panel(surface, rect, theme.PANEL_DARK, theme.ACCENT)
        x, right = rect.x + 24, rect.right - 24
        theme.draw_heading(surface, "YOUR GAMES BY LEVEL", "every saved round, your side: "
                           "win rate = rounds won, net = won - lost", (x, rect.y + 26), 28,
                           title_color=theme.ACCENT)  # fmt: skip
        choice = s.levels
        if choice is None:
            at = (rect.centerx, rect.y + 110)
            theme.blit_text(surface, "reading your games...", at, theme.BODY, theme.TEXT_MUTED,
                            anchor="center")  # fmt: skip
            return
        if not choice.results:
            theme.blit_text(surface, "no saved games yet: every round you play here is saved",
                            (x, rect.y + 100), theme.BODY, theme.TEXT_MUTED)  # fmt: skip
        top = rect.y + 76
        self.level_list.rect = pygame.Rect(x - 8, top, right - x + 16,
                                           LEVEL_ROW_H * len(choice.results))  # fmt: skip
        self.level_list.rows = [
            CheckRow(r.label, detail=f"{plural(r.matches, 'match', 'matches')}, "
                     f"{plural(r.rounds, 'round')}", checked=choice.is_ticked(r.level))
            for r in choice.results
        ]  # fmt: skip
        self.level_list.draw(surface)
        y = self.level_list.rect.bottom + 12
        if len(choice.results) > 1:
            t = choice.total
            theme.blit_text(surface, f"all levels: {plural(t.rounds, 'round')}", (x + 28, y),
                            theme.SMALL, theme.TEXT_MUTED, anchor="midleft")  # fmt: skip
            self._draw_results(surface, t, (right - 8, y))
            y += 22
        if choice.problems:  # bad lines of games.csv: named, the rest was read
            more = len(choice.problems) - 1
            note = choice.problems[0] + (f" (and {plural(more, 'more line')})" if more else "")
            theme.blit_text(surface, fit_text(f"skipped {note}", theme.SMALL, right - x),
                            (x, y), theme.SMALL, theme.BAD, anchor="midleft")  # fmt: skip
        self._draw_levels_footer(surface, rect, choice)

    def _draw_levels_footer(self, surface: pygame.Surface, rect: pygame.Rect, choice) -> None:
        """What Enter (or the button) would train on, or why it cannot yet; the keys."""
        n, need = choice.ticked_rounds, MIN_PERSON_ROUNDS
        button = self.level_train
        button.enabled = bool(choice.ticked) and n >= need
        if button.enabled:
            button.label = fit_text(f"Enter  Train on {choice.phrase()}: {plural(n, 'round')}",
                                    theme.BODY, rect.w - 80)  # fmt: skip
            button.rect = pygame.Rect(0, 0, min(rect.w - 48, 520), 38)
            button.rect.center = (rect.centerx, rect.bottom - 62)
            button.draw(surface)
        else:
            button.rect = pygame.Rect(0, 0, 0, 0)
            what = "tick a level to train on it"
            if choice.ticked:
                what = f"{choice.phrase()}: {n} of the {need} rounds training needs"
                what += f" ({need - n} to play)"
            at = (rect.centerx, rect.bottom - 62)
            theme.blit_text(surface, fit_text(what, theme.BODY, rect.w - 40), at, theme.BODY,
                            theme.WARN, anchor="center")  # fmt: skip
        at = (rect.centerx, rect.bottom - 22)
        theme.blit_text(surface, "Up / Down, Space or click ticks a level, Enter trains, "
                        "T or Esc closes", at, theme.SMALL, theme.TEXT_DIM,
                        anchor="center")  # fmt: skip

    def _draw_level_results(self, surface: pygame.Surface, i: int, rect: pygame.Rect) -> None:
        """A level row's win rate and net, at its right."""
        choice = self.session.levels
        if choice is not None and i < len(choice.results):
            self._draw_results(surface, choice.results[i], (rect.right, rect.centery))

    def _draw_results(self, surface: pygame.Surface, r, midright: tuple[int, int]) -> None:
        x, y = midright
        net = theme.blit_text(surface, f"net {r.net:+d}", (x, y), theme.BODY,
                              signed_color(r.net), anchor="midright")  # fmt: skip
        theme.blit_text(surface, f"win rate {100 * r.win_rate:.0f}%", (net.x - 22, y),
                        theme.BODY, theme.TEXT, anchor="midright")  # fmt: skip
