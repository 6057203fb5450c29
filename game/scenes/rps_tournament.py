"""Tournament: a round-robin between chosen RPS agents, run in the background.

Tick agents in the list, choose the rounds per match and matches per pair, press Enter (or
Run). The result is the net-score matrix as a heat map (row agent's view, so it is
antisymmetric) and the ranking table with wins / losses / draws. Esc cancels a running
tournament. The same runs from the command line: `rps-tournament NAMES --json`.
"""

from __future__ import annotations

import numpy as np
import pygame

from game.render import theme
from game.render.widgets import Button
from game.scenes import register_scene
from game.scenes.base import Scene
from game.scenes.rps_common import agent_kind, agent_names, draw_progress
from game.workers import CANCELLED, DONE, FAILED, Worker, WorkerContext

ROUND_CHOICES = (50, 100, 300, 1000, 3000)
SEED_CHOICES = (1, 2, 3, 5)
DEFAULT_PICK = (
    "rock",
    "rotate",
    "beat-last",
    "de-bruijn",
    "foxtrot",
    "frequency",
    "markov",
    "pattern",
    "iocaine",
)
ROW = 21
GRID_X, GRID_MAX = 476, 430  # heat map: left edge and largest side (leaves room for the table)
LIST_TOP = 110


def tournament_job(names: list[str], rounds: int, seeds: int):
    """Worker job: the round-robin, reporting each finished match."""

    def job(ctx: WorkerContext):
        from agents.rps.tournament import round_robin

        ctx.progress(0.0, f"0 / {len(names) * (len(names) - 1) // 2 * seeds} matches")

        def progress(done: int, total: int) -> None:
            ctx.progress(done / total, f"{done} / {total} matches")

        return round_robin(names, rounds=rounds, seeds=seeds, progress=progress, cancel=ctx.cancel)

    return job


@register_scene(
    "rps-tournament",
    label="Tournament",
    order=80,
    description="Round-robin between rock-paper-scissors AIs: who reads whom?",
)
class TournamentScene(Scene):
    help_lines = [
        ("Up / Down", "move in the agent list"), ("Space / click", "tick an agent"),
        ("A", "tick all / none"), ("Left / Right", "rounds per match"),
        ("[ / ]", "matches per pair (seeds)"), ("Enter", "run the tournament"),
        ("Esc (running)", "cancel the tournament"),
    ]  # fmt: skip

    def __init__(
        self, app, agents: list[str] | None = None, rounds: int = 300, seeds: int = 1
    ) -> None:
        super().__init__(app)
        self.names = agent_names()
        pick = agents if agents is not None else DEFAULT_PICK
        self.selected = {n for n in pick if n in self.names}
        self.cursor = 0
        self.rounds_i = min(range(len(ROUND_CHOICES)), key=lambda i: abs(ROUND_CHOICES[i] - rounds))
        self.seeds_i = min(range(len(SEED_CHOICES)), key=lambda i: abs(SEED_CHOICES[i] - seeds))
        self.run_button = Button(pygame.Rect(24, 658, 292, 44), "Enter  Run tournament")
        self.rounds_buttons = (
            Button(pygame.Rect(196, 580, 30, 28), "<"),
            Button(pygame.Rect(286, 580, 30, 28), ">"),
        )
        self.seeds_buttons = (
            Button(pygame.Rect(196, 614, 30, 28), "<"),
            Button(pygame.Rect(286, 614, 30, 28), ">"),
        )
        self.worker: Worker | None = None
        self.result = None
        self.hover_cell: tuple[int, int] | None = None
        self.clock = 0.0

    @property
    def rounds(self) -> int:
        return ROUND_CHOICES[self.rounds_i]

    @property
    def seeds(self) -> int:
        return SEED_CHOICES[self.seeds_i]

    @property
    def running(self) -> bool:
        return self.worker is not None and self.worker.running

    def chosen(self) -> list[str]:
        """The ticked agents, in list order."""
        return [n for n in self.names if n in self.selected]

    def on_exit(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    # --- actions -------------------------------------------------------------------------
    def start(self) -> None:
        names = self.chosen()
        if len(names) < 2:
            self.app.toast("tick at least two agents", "error")
            return
        if self.running:
            return
        self.result = None
        self.worker = Worker(
            tournament_job(names, self.rounds, self.seeds), name="tournament"
        ).start()

    def toggle(self, i: int) -> None:
        if self.running:
            return
        self.selected ^= {self.names[i]}

    def update(self, dt: float) -> None:
        self.clock += dt
        if self.worker is None:
            return
        was_running = self.worker.running
        self.worker.poll()
        if was_running and self.worker.finished:
            if self.worker.state == DONE:
                self.result = self.worker.result
            elif self.worker.state == CANCELLED:
                self.result = self.worker.result  # partial: shown as such
                self.app.toast("tournament cancelled")
            elif self.worker.state == FAILED:
                self.app.toast(f"tournament failed: {self.worker.error}", "error")

    # --- input ---------------------------------------------------------------------------
    def _row_rect(self, i: int) -> pygame.Rect:
        return pygame.Rect(24, LIST_TOP + i * ROW, 292, ROW - 2)

    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == pygame.MOUSEMOTION:
            self.hover_cell = self._cell_at(event.pos)
        if self.run_button.handle_event(event):
            self.start()
            return
        for step, button in zip((-1, 1), self.rounds_buttons, strict=True):
            if button.handle_event(event) and not self.running:
                self.rounds_i = min(max(self.rounds_i + step, 0), len(ROUND_CHOICES) - 1)
        for step, button in zip((-1, 1), self.seeds_buttons, strict=True):
            if button.handle_event(event) and not self.running:
                self.seeds_i = min(max(self.seeds_i + step, 0), len(SEED_CHOICES) - 1)
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            for i in range(len(self.names)):
                if self._row_rect(i).collidepoint(event.pos):
                    self.cursor = i
                    self.toggle(i)
            return
        if event.type != pygame.KEYDOWN:
            return
        key = event.key
        if key == pygame.K_ESCAPE:
            if self.running:
                self.worker.cancel()
            else:
                self.app.pop()
        elif key in (pygame.K_UP, pygame.K_DOWN):
            self.cursor = (self.cursor + (1 if key == pygame.K_DOWN else -1)) % len(self.names)
        elif key == pygame.K_SPACE:
            self.toggle(self.cursor)
        elif key == pygame.K_a and not self.running:
            self.selected = set() if len(self.selected) == len(self.names) else set(self.names)
        elif key in (pygame.K_LEFT, pygame.K_RIGHT) and not self.running:
            step = 1 if key == pygame.K_RIGHT else -1
            self.rounds_i = min(max(self.rounds_i + step, 0), len(ROUND_CHOICES) - 1)
        elif key in (pygame.K_LEFTBRACKET, pygame.K_RIGHTBRACKET) and not self.running:
            step = 1 if key == pygame.K_RIGHTBRACKET else -1
            self.seeds_i = min(max(self.seeds_i + step, 0), len(SEED_CHOICES) - 1)
        elif key in (pygame.K_RETURN, pygame.K_KP_ENTER):
            self.start()

    # --- drawing -------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        surface.fill(theme.BG)
        theme.blit_text(
            surface, "TOURNAMENT", (24, 36), theme.LARGE + 12, theme.ACCENT, anchor="midleft"
        )
        theme.blit_text(
            surface,
            "round-robin: every ticked agent plays every other",
            (290, 38),
            theme.BODY,
            theme.TEXT_MUTED,
            anchor="midleft",
        )
        theme.blit_text(
            surface, "H help", (1256, 38), theme.SMALL, theme.TEXT_DIM, anchor="midright"
        )
        self._draw_setup(surface)
        area = pygame.Rect(340, 76, 920, 628)
        if self.result is not None:
            self._draw_result(surface, area)
        elif self.running:
            theme.draw_panel(surface, area)
            n = len(self.chosen())
            theme.blit_text(
                surface,
                f"{n} agents, {self.rounds} rounds per match, {self.seeds} per pair",
                (area.centerx, area.centery - 50),
                theme.LARGE,
                theme.TEXT,
                anchor="center",
            )
        else:
            theme.draw_panel(surface, area)
            theme.blit_text(
                surface,
                "tick the agents, then press Enter",
                (area.centerx, area.centery - 12),
                theme.LARGE,
                theme.TEXT_MUTED,
                anchor="center",
            )
            theme.blit_text(
                surface,
                "the result: who beats whom by how much, and the ranking",
                (area.centerx, area.centery + 22),
                theme.BODY,
                theme.TEXT_DIM,
                anchor="center",
            )
        if self.running:
            bar = pygame.Rect(area.centerx - 250, area.centery - 12, 500, 26)
            draw_progress(surface, bar, self.worker.fraction, self.worker.message, self.clock)
            msg = "cancelling..." if self.worker.cancel_requested else "Esc cancels"
            theme.blit_text(
                surface,
                msg,
                (area.centerx, bar.bottom + 24),
                theme.SMALL,
                theme.TEXT_DIM,
                anchor="center",
            )

    def _draw_setup(self, surface: pygame.Surface) -> None:
        panel = pygame.Rect(14, 76, 312, 628)
        theme.draw_panel(surface, panel)
        theme.blit_text(
            surface,
            f"AGENTS  ({len(self.selected)} ticked, A: all)",
            (panel.x + 12, 94),
            theme.SMALL,
            theme.TEXT_MUTED,
            anchor="midleft",
        )
        for i, name in enumerate(self.names):
            row = self._row_rect(i)
            if i == self.cursor:
                pygame.draw.rect(surface, theme.PANEL_EDGE, row, border_radius=5)
            box = pygame.Rect(row.x + 6, row.centery - 8, 16, 16)
            on = name in self.selected
            pygame.draw.rect(
                surface, theme.ACCENT if on else theme.PANEL_DARK, box, border_radius=4
            )
            pygame.draw.rect(surface, theme.TEXT_MUTED, box, width=1, border_radius=4)
            if on:
                pygame.draw.lines(
                    surface,
                    theme.BG,
                    False,
                    [
                        (box.x + 3, box.centery),
                        (box.x + 7, box.bottom - 4),
                        (box.right - 3, box.y + 3),
                    ],
                    3,
                )
            theme.blit_text(
                surface,
                name,
                (box.right + 10, row.centery),
                theme.BODY,
                theme.TEXT if on else theme.TEXT_MUTED,
                anchor="midleft",
            )
            theme.blit_text(
                surface,
                agent_kind(name),
                (row.right - 8, row.centery),
                theme.SMALL,
                theme.TEXT_DIM,
                anchor="midright",
            )
        for label, value, buttons, y in (
            ("rounds / match", str(self.rounds), self.rounds_buttons, 594),
            ("matches / pair", str(self.seeds), self.seeds_buttons, 628),
        ):
            theme.blit_text(
                surface, label, (panel.x + 12, y), theme.BODY, theme.TEXT_MUTED, anchor="midleft"
            )
            theme.blit_text(surface, value, (256, y), theme.BODY, theme.TEXT, anchor="center")
            for b in buttons:
                b.enabled = not self.running
                b.draw(surface)
        self.run_button.enabled = not self.running and len(self.selected) >= 2
        self.run_button.draw(surface, focused=self.run_button.enabled)

    # --- the result ----------------------------------------------------------------------
    def _matrix_geometry(self) -> tuple[pygame.Rect, int]:
        """The heat map's cell grid and cell size for the current result."""
        n = len(self.result.names)
        cell = max(min(GRID_MAX // max(n, 1), 64), 16)
        return pygame.Rect(GRID_X, 150, cell * n, cell * n), cell

    def _cell_at(self, pos: tuple[int, int]) -> tuple[int, int] | None:
        if self.result is None:
            return None
        grid, cell = self._matrix_geometry()
        if not grid.collidepoint(pos):
            return None
        return (pos[1] - grid.y) // cell, (pos[0] - grid.x) // cell

    def _draw_result(self, surface: pygame.Surface, area: pygame.Rect) -> None:
        res = self.result
        theme.draw_panel(surface, area)
        status = "" if res.complete else "   (cancelled: partial result)"
        theme.blit_text(
            surface,
            f"NET SCORE, row vs column  -  {res.rounds} rounds x {res.seeds} per pair{status}",
            (area.x + 16, area.y + 22),
            theme.BODY,
            theme.TEXT,
            anchor="midleft",
        )
        grid, cell = self._matrix_geometry()
        n = len(res.names)
        scale = max(float(np.nan_to_num(np.abs(res.net)).max()), 1.0)  # NaN: not played
        for i in range(n):
            theme.blit_text(
                surface,
                f"{res.names[i]} {i + 1}",
                (grid.x - 8, grid.y + i * cell + cell // 2),
                theme.SMALL,
                theme.TEXT_MUTED,
                anchor="midright",
            )
            theme.blit_text(
                surface,
                str(i + 1),
                (grid.x + i * cell + cell // 2, grid.y - 12),
                theme.SMALL,
                theme.TEXT_MUTED,
                anchor="center",
            )
            for j in range(n):
                r = pygame.Rect(grid.x + j * cell, grid.y + i * cell, cell - 2, cell - 2)
                v = float(res.net[i, j])
                unplayed = np.isnan(v)  # a cancelled tournament never got to this pair
                if i == j or unplayed:
                    color = theme.PANEL_DARK
                else:
                    target = theme.GOOD if v > 0 else theme.BAD
                    color = theme.lerp_color(theme.PANEL_EDGE, target, abs(v) / scale)
                pygame.draw.rect(surface, color, r, border_radius=3)
                if i != j and cell >= 40:
                    theme.blit_text(
                        surface,
                        "-" if unplayed else f"{v:+.0f}",
                        r.center,
                        theme.SMALL,
                        theme.BG if not unplayed and abs(v) / scale > 0.5 else theme.TEXT,
                        anchor="center",
                    )
        self._draw_legend(surface, pygame.Rect(grid.x, grid.bottom + 18, grid.w, 12), scale)
        table_x = GRID_X + GRID_MAX + 20
        self._draw_table(
            surface, pygame.Rect(table_x, area.y + 44, area.right - table_x - 16, area.h - 60)
        )
        if self.hover_cell is not None:
            i, j = self.hover_cell
            if 0 <= i < n and 0 <= j < n and i != j:
                v = res.net[i, j]
                score = "not played" if np.isnan(v) else f"{v:+.1f} net per match"
                tip = f"{res.names[i]} vs {res.names[j]}: {score}"
                mx, my = self.app.mouse_pos
                pos = (min(mx + 14, 1000), my + 18)
                img = theme.text(tip, theme.BODY, theme.TEXT)
                card = img.get_rect(topleft=pos).inflate(16, 10)
                theme.draw_panel(surface, card, theme.PANEL_DARK, theme.ACCENT, radius=6)
                surface.blit(img, img.get_rect(center=card.center))

    def _draw_legend(self, surface: pygame.Surface, rect: pygame.Rect, scale: float) -> None:
        steps = 40
        w = rect.w / steps
        for k in range(steps):
            v = -1 + 2 * (k + 0.5) / steps
            target = theme.GOOD if v > 0 else theme.BAD
            color = theme.lerp_color(theme.PANEL_EDGE, target, abs(v))
            pygame.draw.rect(surface, color, (rect.x + k * w, rect.y, w + 1, rect.h))
        theme.blit_text(
            surface,
            f"-{scale:.0f}",
            (rect.x, rect.bottom + 12),
            theme.SMALL,
            theme.BAD,
            anchor="midleft",
        )
        theme.blit_text(
            surface,
            "row loses  |  row wins",
            (rect.centerx, rect.bottom + 12),
            theme.SMALL,
            theme.TEXT_MUTED,
            anchor="center",
        )
        theme.blit_text(
            surface,
            f"+{scale:.0f}",
            (rect.right, rect.bottom + 12),
            theme.SMALL,
            theme.GOOD,
            anchor="midright",
        )

    def _draw_table(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        cols = (
            ("#", 0, "midleft"),
            ("agent", 26, "midleft"),
            ("W", 168, "midright"),
            ("L", 198, "midright"),
            ("D", 228, "midright"),
            ("pts", 270, "midright"),
            ("net", rect.w, "midright"),
        )
        y = rect.y + 10
        for label, dx, anchor in cols:
            theme.blit_text(
                surface, label, (rect.x + dx, y), theme.SMALL, theme.TEXT_MUTED, anchor=anchor
            )
        y += 24
        rows = self.result.table()
        height = min(24, (rect.h - 40) // max(len(rows), 1))
        for row in rows:
            first = row["rank"] == 1
            color = theme.ACCENT if first else theme.TEXT
            if row["played"]:
                scores = (str(row["wins"]), str(row["losses"]), str(row["draws"]))
                scores += (f"{row['points']:g}", f"{row['net']:+.0f}")
            else:  # cancelled before this agent's first match
                scores = ("-",) * 5
            values = (str(row["rank"]), row["name"], *scores)
            for (_, dx, anchor), value in zip(cols, values, strict=True):
                theme.blit_text(surface, value, (rect.x + dx, y), theme.BODY, color, anchor=anchor)
            y += height
