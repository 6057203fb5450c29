"""The Lab screen: pick a preset experiment, run it in the background, read the answer.

Left: the presets (the chapters' experiments). Right: the variants with their figures
(sortable), a scatter of size or inference time against the main figure, and the finding
written from the measured numbers. The logic is game.sessions.lab.LabSession.
"""

from __future__ import annotations

import pygame

from game.errors import UserFacingError
from game.render import theme
from game.render.charts import LineChart
from game.render.scatter import draw_scatter
from game.render.table import Cell, Column, Table
from game.render.widgets import MenuItem, MenuList
from game.scenes import register_scene
from game.scenes.base import Scene
from game.scenes.result_card import wrap
from game.sessions.lab import LabSession, VariantRow

STATUS_COLORS = {"queued": theme.TEXT_DIM, "running": theme.ACCENT, "done": theme.GOOD,
                 "failed": theme.BAD}  # fmt: skip
LEFT_W = 300


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


@register_scene(
    "lab", label="Model lab", order=90,
    description="Vary filter size, stride, pooling, dropout, depth: see what changes on the road",
)  # fmt: skip
class LabScene(Scene):
    help_lines = [
        ("Up / Down", "choose a preset (or a variant, with Tab)"),
        ("Tab", "switch between presets and the table"),
        ("Enter", "run the preset (quick budget; finished variants are kept)"),
        ("C", "cancel the run"),
        ("S / R", "sort by the next column / reverse"),
        ("X", "plot: parameters, inference ms, learning curves"),
        ("M", "save the chosen variant as a model"),
        ("Esc", "back (cancels a run)"),
    ]

    def __init__(self, app, session: LabSession | None = None) -> None:
        super().__init__(app)
        self.session = session or LabSession()
        items = [MenuItem(str(i), p.name, p.error) for i, p in enumerate(self.session.presets)]
        self.menu = MenuList(items, (30, 110), LEFT_W - 30)
        self.menu.item_height = 44
        self.menu.size = theme.BODY
        self.focus_table = False
        self.row = 0

    def on_exit(self) -> None:
        self.session.cancel()

    # --- input ---------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> None:
        s = self.session
        if event.type == pygame.KEYDOWN:
            key = event.key
            if key == pygame.K_ESCAPE:
                s.cancel()
                self.app.pop()
                return
            try:
                self._key(key)
            except UserFacingError as e:
                self.app.toast(str(e), kind="error")
            return
        if not self.focus_table and not s.running:
            before = self.menu.selected
            chosen = self.menu.handle_event(event)
            if self.menu.selected != before or chosen is not None:
                self._choose(self.menu.selected)

    def _key(self, key: int) -> None:
        s = self.session
        if key == pygame.K_TAB:
            self.focus_table = not self.focus_table
        elif key in (pygame.K_UP, pygame.K_DOWN):
            step = -1 if key == pygame.K_UP else 1
            if self.focus_table:
                self.row = max(0, min(len(s.rows) - 1, self.row + step))
            else:
                self._choose((self.menu.selected + step) % len(s.presets))
        elif key in (pygame.K_RETURN, pygame.K_KP_ENTER):
            s.start()
        elif key == pygame.K_c:
            s.cancel()
        elif key == pygame.K_s:
            s.next_sort()
        elif key == pygame.K_r:
            s.flip_sort()
        elif key == pygame.K_x:
            s.next_scatter_x()
        elif key == pygame.K_m:
            rows = s.sorted_rows()
            if rows:
                path = s.save_as_model(rows[min(self.row, len(rows) - 1)])
                self.app.toast(f"saved as {path.stem}: race it from Models or Race")

    def _choose(self, index: int) -> None:
        self.session.select(index)
        self.menu.selected = self.session.index
        self.row = 0

    def update(self, dt: float) -> None:
        self.session.poll()

    # --- drawing -------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        s = self.session
        w, h = surface.get_size()
        surface.fill(theme.BG)
        theme.blit_text(surface, "MODEL LAB", (30, 40), theme.LARGE, theme.ACCENT, "midleft")
        theme.blit_text(surface, "the chapters' experiments, judged on the road", (30, 72),
                        theme.SMALL, theme.TEXT_MUTED, "midleft")  # fmt: skip
        self.menu.draw(surface)
        spec = s.preset.spec if s.presets else None
        y = self.menu.item_rect(len(self.menu.items) - 1).bottom + 24 if s.presets else 120
        about = spec.description if spec is not None else s.status
        for line in wrap(about, LEFT_W - 20, theme.SMALL)[:9]:
            theme.blit_text(surface, line, (30, y), theme.SMALL, theme.TEXT_MUTED)
            y += 20
        keys = "Enter run  C cancel  Tab table  S/R sort  X plot  M save  Esc back"
        theme.blit_text(surface, keys, (30, h - 24), theme.SMALL, theme.TEXT_DIM, "midleft")

        right = pygame.Rect(LEFT_W + 20, 20, w - LEFT_W - 40, h - 56)
        status_color = theme.ACCENT if s.running else theme.TEXT_MUTED
        theme.blit_text(surface, s.status, (right.x, right.y + 12), theme.BODY, status_color,
                        "midleft")  # fmt: skip
        theme.blit_text(surface, s.sort_line(), (right.right, right.y + 12), theme.SMALL,
                        theme.TEXT_DIM, "midright")  # fmt: skip
        table_h = min(300, 44 + 30 * max(len(s.rows), 3))
        table_rect = pygame.Rect(right.x, right.y + 34, right.w, table_h)
        self._draw_table(surface, table_rect)
        lower = pygame.Rect(right.x, table_rect.bottom + 14, right.w,
                            right.bottom - table_rect.bottom - 14)  # fmt: skip
        plot = pygame.Rect(lower.x, lower.y, lower.w // 2 - 8, lower.h)
        if s.showing_curves:
            chart = LineChart(plot, "Val loss", x_label="epoch",
                              hint="each variant's validation loss per epoch")  # fmt: skip
            for label, losses in s.curves():
                chart.set(label, losses, range(1, len(losses) + 1))
            chart.draw(surface)
        else:
            x_title, y_title, points = s.scatter()
            draw_scatter(surface, plot, f"{x_title} vs {y_title}", x_title, y_title, points)
        text_rect = pygame.Rect(plot.right + 16, lower.y, lower.right - plot.right - 16, lower.h)
        theme.draw_panel(surface, text_rect, theme.PANEL, theme.PANEL_EDGE, radius=10)
        theme.blit_text(surface, "FINDING", (text_rect.x + 14, text_rect.y + 18), theme.SMALL,
                        theme.ACCENT, "midleft")  # fmt: skip
        ty = text_rect.y + 36
        text = s.finding() or "Run the preset (Enter) to measure its variants."
        for line in wrap(text, text_rect.w - 28, theme.SMALL):
            if ty > text_rect.bottom - 20:
                break
            theme.blit_text(surface, line, (text_rect.x + 14, ty), theme.SMALL, theme.TEXT)
            ty += 20

    def _draw_table(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        s = self.session
        sorts = s.sorts
        title, _, _ = sorts[s.sort]
        columns = [Column("VARIANT", 2.5, max_chars=40), Column("STATUS", 0.8)]
        names = [_heading(t, t == title, s.descending) for t, _, _ in sorts]
        columns += [Column(n, 1.0, "right") for n in names]
        rows = [self._row(r, sorts, names) for r in s.sorted_rows()]
        highlight = min(self.row, len(rows) - 1) if self.focus_table and rows else None
        first = max(0, (highlight or 0) - 7)
        Table(columns, max_row_h=30, min_row_h=26).draw(surface, rect, rows, highlight, first)

    @staticmethod
    def _row(r: VariantRow, sorts, names: list[str]) -> dict[str, Cell]:
        cells = {"VARIANT": Cell(r.label), "STATUS": Cell(r.status, STATUS_COLORS[r.status])}
        for (_, key, _), name in zip(sorts, names, strict=True):
            value = r.record.get(key) if r.record is not None else None
            cells[name] = Cell(_fmt(value))
        return cells


def _heading(title: str, sorted_by: bool, flipped: bool) -> str:
    """A column's name; the sort column says which way (best first, or flipped)."""
    return title.upper() + (" *" if sorted_by else "")
