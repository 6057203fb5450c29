"""Tournament: a round-robin between chosen RPS agents, run in the background.

Tick agents in the list (each with its kind and description; the one under the cursor is
described in full below the list), choose the rounds per match and matches per pair, press
Enter (or Run). The result is the net-score matrix as a heat map (row agent's view, so it
is antisymmetric), filled in as each match ends, and the ranking table with wins / losses /
draws. Esc cancels a running tournament. The same runs from the command line:
`rps-tournament NAMES --json`.
The setup and the run live in game.sessions.tournament.TournamentSession.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pygame

from game.actions import Action, action_for
from game.render import theme
from game.render.controls import CheckList, CheckRow, Stepper
from game.render.rps_widgets import draw_progress, draw_title, fit_text, wrap_text
from game.render.table import Cell, Column, Table
from game.render.widgets import Button
from game.scenes import register_scene
from game.scenes.base import Scene
from game.sessions.rps import agent_description, agent_kind
from game.sessions.tournament import ROUND_CHOICES, SEED_CHOICES, TournamentSession

GRID_MAX = 430  # the heat map's largest side (leaves room for the table)
TABLE_MIN_W = 300  # the ranking keeps this width in a small window; the heat map shrinks
LEGEND_H = 56  # the colour legend and its labels under the heat map
RANKING = Table([Column("#", 26), Column("agent", 112, max_chars=14),
                 *(Column(name, w, "right") for name, w in
                   (("W", 30), ("L", 30), ("D", 30), ("pts", 42), ("net", 50)))],
                max_row_h=24, min_row_h=16)  # fmt: skip
AGENT_ROW_H = 44  # name, then kind and description (CheckList needs a 40 px row)
ABOUT_H = 58  # the cursor row's full description, under the list
LABEL_MIN_CELL = 16  # smaller cells: the matrix labels only every few rows


def matrix_cell(grid_max: int, n: int) -> int:
    """The heat map's cell size in px for `n` agents within `grid_max` (2 px at the least:
    all 67 agents in a 1024 px window)."""
    return max(min(grid_max // max(n, 1), 64), 2)


@dataclass(frozen=True)
class TournamentLayout:
    """Where everything goes, from the window size (designed at 1280 x 720)."""

    size: tuple[int, int]
    setup: pygame.Rect
    agents: pygame.Rect
    about: pygame.Rect
    rounds: pygame.Rect
    seeds: pygame.Rect
    run: pygame.Rect
    area: pygame.Rect
    grid_origin: tuple[int, int]
    grid_max: int  # the heat map's largest side in this window
    table: pygame.Rect

    @classmethod
    def of(cls, size: tuple[int, int]) -> TournamentLayout:
        w, h = size
        setup = pygame.Rect(14, 76, 312, h - 92)
        area = pygame.Rect(setup.right + 14, 76, w - setup.right - 34, h - 92)
        grid_x = area.x + 136
        # At 1024 x 640 a full-size heat map left the ranking 60 px wide and pushed the
        # legend off the card: the map gives way to both.
        room_w = area.right - 16 - TABLE_MIN_W - 20 - grid_x
        room_h = area.bottom - (area.y + 74) - LEGEND_H
        grid_max = max(min(GRID_MAX, room_w, room_h), 40)
        table_x = grid_x + grid_max + 20
        inner = setup.inflate(-20, 0)
        agents = pygame.Rect(inner.x, setup.y + 34, inner.w, setup.bottom - 146 - ABOUT_H - setup.y)
        return cls(
            size=size,
            setup=setup,
            agents=agents,
            about=pygame.Rect(inner.x + 4, agents.bottom + 4, inner.w - 8, ABOUT_H - 8),
            rounds=pygame.Rect(inner.x + 2, setup.bottom - 110, inner.w - 2, 28),
            seeds=pygame.Rect(inner.x + 2, setup.bottom - 76, inner.w - 2, 28),
            run=pygame.Rect(inner.x, setup.bottom - 46, inner.w, 44),
            area=area,
            grid_origin=(grid_x, area.y + 74),
            grid_max=grid_max,
            table=pygame.Rect(table_x, area.y + 44, area.right - table_x - 16, area.h - 60),
        )


@register_scene(
    "rps-tournament",
    label="Tournament",
    order=80,
    description="Round-robin between rock-paper-scissors AIs: who reads whom?",
)
class TournamentScene(Scene):
    help_lines = [
        ("Up / Down", "move in the agent list"), ("Space / click", "tick an agent"),
        ("Ctrl+A", "tick all / none"), ("Left / Right", "rounds per match"),
        ("[ / ]", "matches per pair (seeds)"), ("Enter", "run the tournament"),
        ("Esc (running)", "cancel the tournament"),
    ]  # fmt: skip

    def __init__(
        self, app, agents: list[str] | None = None, rounds: int = 300, seeds: int = 1
    ) -> None:
        super().__init__(app)
        self.session = s = TournamentSession(agents, rounds, seeds, notify=app.toast)
        self.agent_list = CheckList(pygame.Rect(0, 0, 1, 1), show_hidden=True)
        self.rounds_stepper = Stepper(pygame.Rect(0, 0, 1, 1), "rounds / match", ROUND_CHOICES)
        self.seeds_stepper = Stepper(pygame.Rect(0, 0, 1, 1), "matches / pair", SEED_CHOICES)
        self.run_button = Button(pygame.Rect(0, 0, 1, 1), "Enter  Run tournament")
        self.hover_cell: tuple[int, int] | None = None
        self.clock = 0.0
        self.kinds = {n: agent_kind(n) for n in s.names}
        self.descriptions = {n: agent_description(n) for n in s.names}
        self._place(app.screen.get_size())
        self._sync()

    def _place(self, size: tuple[int, int]) -> None:
        self.layout = lay = TournamentLayout.of(size)
        self.agent_list.rect = lay.agents
        self.agent_list.row_h = AGENT_ROW_H
        self.rounds_stepper.place(lay.rounds)
        self.seeds_stepper.place(lay.seeds)
        self.run_button.rect = lay.run

    def _sync(self) -> None:
        """The controls show the session's setup; nothing changes while it runs."""
        s = self.session
        for stepper, value in ((self.rounds_stepper, s.rounds), (self.seeds_stepper, s.seeds)):
            stepper.set(value)
            stepper.enabled = not s.running
        self.run_button.enabled = s.can_start

    def on_exit(self) -> None:
        self.session.close()

    # --- input ---------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> None:
        s = self.session
        if event.type == pygame.MOUSEMOTION:
            self.hover_cell = self._cell_at(event.pos)
        tick = self.agent_list.handle_event(event)
        if tick is not None and tick.row is None:
            s.toggle_all()
        elif tick is not None:
            s.toggle(tick.row)
        elif self.run_button.handle_event(event):
            s.start()
        elif self.rounds_stepper.handle_event(event):
            s.set_rounds(self.rounds_stepper.value)
        elif self.seeds_stepper.handle_event(event):
            s.set_seeds(self.seeds_stepper.value)
        else:
            self._act(action_for(event))
        self._sync()

    def _act(self, action: Action | None) -> None:
        s = self.session
        steps = {Action.LEFT: (self.rounds_stepper, -1), Action.RIGHT: (self.rounds_stepper, 1),
                 Action.FEWER_SEEDS: (self.seeds_stepper, -1),
                 Action.MORE_SEEDS: (self.seeds_stepper, 1)}  # fmt: skip
        if action is Action.BACK and not s.cancel():
            self.app.pop()
        elif action is Action.CONFIRM:
            s.start()
        elif action in steps and steps[action][0].step(steps[action][1]):
            s.set_rounds(self.rounds_stepper.value)
            s.set_seeds(self.seeds_stepper.value)

    def update(self, dt: float) -> None:
        self.clock += dt
        self.session.update()
        self._sync()

    # --- drawing -------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        if surface.get_size() != self.layout.size:
            self._place(surface.get_size())
        s, lay = self.session, self.layout
        area = lay.area
        surface.fill(theme.BG)
        hint = draw_title(surface, 24, "TOURNAMENT", "")
        theme.blit_text(surface, "round-robin: every ticked agent plays every other",
                        (hint.right + 24, 38), theme.BODY, theme.TEXT_MUTED,
                        anchor="midleft")  # fmt: skip
        self._draw_setup(surface)
        theme.draw_panel(surface, area)
        if s.result is not None:
            self._draw_result(surface, area)  # filled in match by match while it runs
        elif s.running:
            n = len(s.chosen())
            text = f"{n} agents, {s.rounds} rounds per match, {s.seeds} per pair"
            at = (area.centerx, area.centery - 50)
            theme.blit_text(surface, text, at, theme.LARGE, theme.TEXT, anchor="center")
        else:
            for text, dy, size, color in (
                ("tick the agents, then press Enter", -12, theme.LARGE, theme.TEXT_MUTED),
                ("the result: who beats whom by how much, and the ranking", 22, theme.BODY,
                 theme.TEXT_DIM),
            ):  # fmt: skip
                at = (area.centerx, area.centery + dy)
                theme.blit_text(surface, text, at, size, color, anchor="center")
        if s.running:  # in the Run button's place
            bar = pygame.Rect(lay.run.x, lay.run.y, lay.run.w, 22)
            draw_progress(surface, bar, s.worker, "", self.clock, cancel_hint=True)

    def _draw_setup(self, surface: pygame.Surface) -> None:
        s, panel = self.session, self.layout.setup
        theme.draw_panel(surface, panel)
        title = f"AGENTS  ({len(s.selected)} of {len(s.names)} ticked, Ctrl+A: all)"
        theme.blit_text(surface, title, (panel.x + 12, panel.y + 18), theme.SMALL,
                        theme.TEXT_MUTED, anchor="midleft")  # fmt: skip
        width = self.agent_list.rect.w - 44  # right of the tick box
        self.agent_list.rows = [
            CheckRow(n, detail=self._detail(n, width), checked=n in s.selected) for n in s.names
        ]
        self.agent_list.draw(surface)
        about = self.layout.about
        pygame.draw.line(surface, theme.PANEL_EDGE, about.topleft, about.topright)
        if s.names:
            name = s.names[min(self.agent_list.cursor, len(s.names) - 1)]
            text = f"{name}: {self.descriptions[name]}"
            for k, line in enumerate(wrap_text(text, theme.SMALL, about.w, 3)):
                theme.blit_text(surface, line, (about.x, about.y + 6 + 16 * k), theme.SMALL,
                                theme.TEXT_MUTED)  # fmt: skip
        self.rounds_stepper.draw(surface)
        self.seeds_stepper.draw(surface)
        if not s.running:
            self.run_button.draw(surface, focused=self.run_button.enabled)

    def _detail(self, name: str, width: int) -> str:
        """A row's second line: the agent's kind and its description, cut to fit."""
        return fit_text(f"{self.kinds[name]} - {self.descriptions[name]}", theme.SMALL, width)

    # --- the result ----------------------------------------------------------------------
    def _matrix_geometry(self) -> tuple[pygame.Rect, int]:
        """The heat map's cell grid and cell size for the current result."""
        n = len(self.session.result.names)
        cell = matrix_cell(self.layout.grid_max, n)
        return pygame.Rect(*self.layout.grid_origin, cell * n, cell * n), cell

    def _cell_at(self, pos: tuple[int, int]) -> tuple[int, int] | None:
        if self.session.result is None:
            return None
        grid, cell = self._matrix_geometry()
        if not grid.collidepoint(pos):
            return None
        return (pos[1] - grid.y) // cell, (pos[0] - grid.x) // cell

    def _draw_result(self, surface: pygame.Surface, area: pygame.Rect) -> None:
        res = self.session.result
        title = f"NET SCORE, row vs column  -  {res.rounds} rounds x {res.seeds} per pair"
        title += f"   ({self.session.note()})" if self.session.note() else ""
        title = fit_text(title, theme.BODY, area.w - 32)
        theme.blit_text(surface, title, (area.x + 16, area.y + 22), theme.BODY, theme.TEXT,
                        anchor="midleft")  # fmt: skip
        grid, cell = self._matrix_geometry()
        n = len(res.names)
        scale = max(float(np.nan_to_num(np.abs(res.net)).max()), 1.0)  # NaN: not played
        every = -(-LABEL_MIN_CELL // cell)  # label every row, or every k-th when cells are small
        for i in range(n):
            mid = i * cell + cell // 2
            if i % every == 0:
                label = fit_text(f"{res.names[i]} {i + 1}", theme.SMALL, 128)
                theme.blit_text(surface, label, (grid.x - 8, grid.y + mid), theme.SMALL,
                                theme.TEXT_MUTED, anchor="midright")  # fmt: skip
                theme.blit_text(surface, str(i + 1), (grid.x + mid, grid.y - 12), theme.SMALL,
                                theme.TEXT_MUTED, anchor="center")  # fmt: skip
            for j in range(n):
                gap = 2 if cell >= 12 else 1
                r = pygame.Rect(grid.x + j * cell, grid.y + i * cell, cell - gap, cell - gap)
                self._draw_cell(surface, r, float(res.net[i, j]), i == j, scale)
        self._draw_legend(surface, pygame.Rect(grid.x, grid.bottom + 18, grid.w, 12), scale)
        self._draw_table(surface, self.layout.table)
        if self.hover_cell is not None:
            i, j = self.hover_cell
            if 0 <= i < n and 0 <= j < n and i != j:
                v = res.net[i, j]
                score = "not played" if np.isnan(v) else f"{v:+.1f} net per match"
                self._draw_tip(surface, f"{res.names[i]} vs {res.names[j]}: {score}")

    def _draw_cell(
        self, surface: pygame.Surface, r: pygame.Rect, v: float, diagonal: bool, scale: float
    ) -> None:
        unplayed = np.isnan(v)  # a cancelled tournament never got to this pair
        color = theme.PANEL_DARK
        if not (diagonal or unplayed):
            color = theme.lerp_color(theme.PANEL_EDGE, theme.GOOD if v > 0 else theme.BAD,
                                     abs(v) / scale)  # fmt: skip
        pygame.draw.rect(surface, color, r, border_radius=min(3, r.w // 4))
        if not diagonal and r.w >= 38:
            ink = theme.BG if not unplayed and abs(v) / scale > 0.5 else theme.TEXT
            text = "-" if unplayed else f"{v:+.0f}"
            theme.blit_text(surface, text, r.center, theme.SMALL, ink, anchor="center")

    def _draw_tip(self, surface: pygame.Surface, tip: str) -> None:
        mx, my = self.app.mouse_pos
        img = theme.text(tip, theme.BODY, theme.TEXT)
        card = img.get_rect(topleft=(min(mx + 14, surface.get_width() - 280), my + 18))
        card = card.inflate(16, 10)
        theme.draw_panel(surface, card, theme.PANEL_DARK, theme.ACCENT, radius=6)
        surface.blit(img, img.get_rect(center=card.center))

    def _draw_legend(self, surface: pygame.Surface, rect: pygame.Rect, scale: float) -> None:
        steps = 40
        w = rect.w / steps
        for k in range(steps):
            v = -1 + 2 * (k + 0.5) / steps
            color = theme.lerp_color(theme.PANEL_EDGE, theme.GOOD if v > 0 else theme.BAD, abs(v))
            pygame.draw.rect(surface, color, (rect.x + k * w, rect.y, w + 1, rect.h))
        y = rect.bottom + 12
        for text, x, color, anchor in (
            (f"-{scale:.0f}", rect.x, theme.BAD, "midleft"),
            ("row loses  |  row wins", rect.centerx, theme.TEXT_MUTED, "center"),
            (f"+{scale:.0f}", rect.right, theme.GOOD, "midright"),
        ):
            theme.blit_text(surface, text, (x, y), theme.SMALL, color, anchor=anchor)

    def _draw_table(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        rows = []
        for r in self.session.result.table():
            color = theme.ACCENT if r["rank"] == 1 else theme.TEXT
            cells = {
                "#": r["rank"],
                "agent": r["name"],
                "W": r["wins"],
                "L": r["losses"],
                "D": r["draws"],
                "pts": f"{r['points']:g}",
                "net": f"{r['net'] or 0:+.0f}",
            }
            if not r["played"]:  # cancelled before this agent's first match
                cells.update(dict.fromkeys(("W", "L", "D", "pts", "net"), "-"))
            rows.append({name: Cell(str(text), color) for name, text in cells.items()})
        RANKING.draw(surface, rect, rows)  # fmt: skip
