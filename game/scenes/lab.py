"""The Lab screen: pick a preset experiment (or edit it into your own), run it in the
background, read the answer.

Left: the presets (the chapters' experiments) and your specs. Right: the variants with their
figures (sortable), a plot (size or inference time against the main figure, the learning
curves, or the best variant's dashcam saliency beside the base's) and the finding written
from the measured numbers; E opens the spec editor in their place. The logic is
game.sessions.lab.LabSession (and lab_edit.SpecEditor, lab_saliency.LabSaliency).
"""

from __future__ import annotations

import pygame

from game.errors import UserFacingError
from game.render import theme
from game.render.charts import LineChart
from game.render.dashcam_panel import DashcamPanel
from game.render.scatter import draw_scatter
from game.render.table import Cell, Column, Table, fit_text
from game.render.widgets import MenuItem, MenuList
from game.scenes import register_scene
from game.scenes.base import Scene, typing_key
from game.scenes.result_card import wrap
from game.sessions.lab import LabSession, VariantRow
from game.sessions.lab_edit import SpecEditor
from game.sessions.lab_saliency import Shown

STATUS_COLORS = {"queued": theme.TEXT_DIM, "running": theme.ACCENT, "done": theme.GOOD,
                 "failed": theme.BAD}  # fmt: skip
LEFT_W = 300
FRAME_W, FRAME_H = 320, 160  # the dashcam, shown 1:1


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
        ("X", "plot: parameters, inference ms, learning curves, saliency best vs base"),
        ("M", "save the chosen variant as a model"),
        ("E", "edit the spec (Up/Down row, Enter change, A add, X remove, S save)"),
        ("Esc", "back (cancels a run)"),
    ]

    def __init__(self, app, session: LabSession | None = None) -> None:
        super().__init__(app)
        self.session = session or LabSession()
        self.focus_table = False
        self.row = 0
        self.editor: SpecEditor | None = None
        self._opening = ""  # the key that opened a text field, whose TEXTINPUT is not typed
        self._build_menu()
        self.panels = (DashcamPanel((0, 0), caption="BASE"), DashcamPanel((0, 0), caption="BEST"))

    @property
    def captures_text(self) -> bool:
        """While a value is typed every letter is text (H, U too: the app leaves them)."""
        return self.editor is not None and self.editor.typing is not None

    def _build_menu(self) -> None:
        items = [MenuItem(str(i), p.name, p.error) for i, p in enumerate(self.session.presets)]
        self.menu = MenuList(items, (30, 110), LEFT_W - 30)
        self.menu.item_height = 44
        self.menu.size = theme.BODY
        self.menu.selected = self.session.index

    def on_exit(self) -> None:
        self.session.cancel()
        self.session.saliency.close()
        if self.editor is not None:
            pygame.key.stop_text_input()

    # --- input ---------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> None:
        s = self.session
        if self.editor is not None:
            try:
                self._edit_event(self.editor, event)
            except UserFacingError as e:
                self.app.toast(str(e), kind="error")
            return
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
            s.next_view()
        elif key == pygame.K_e:
            self.editor = s.edit()
        elif key == pygame.K_m:
            rows = s.sorted_rows()
            if rows:
                path = s.save_as_model(rows[min(self.row, len(rows) - 1)])
                self.app.toast(f"saved as {path.stem}: race it from Models or Race")

    def _edit_event(self, ed: SpecEditor, event: pygame.event.Event) -> None:
        """The editor's keys: typing a value or a row, else pick / change / add / remove /
        save (S) / discard (Esc)."""
        if ed.typing is not None:
            if event.type == pygame.TEXTINPUT:
                opening, self._opening = self._opening, ""
                if not (opening and event.text == opening):
                    ed.type_text(event.text)
            elif event.type == pygame.KEYDOWN:
                self._opening = ""
                actions = {"cancel": ed.cancel_typing, "commit": ed.commit, "erase": ed.backspace}
                act = actions.get(typing_key(event))
                if act is not None:
                    act()
                if ed.typing is None:
                    pygame.key.stop_text_input()
            return
        if event.type != pygame.KEYDOWN:
            return
        key = event.key
        if key in (pygame.K_UP, pygame.K_DOWN):
            ed.move(-1 if key == pygame.K_UP else 1)
        elif key in (pygame.K_RETURN, pygame.K_KP_ENTER):
            ed.begin_value()
            pygame.key.start_text_input()  # letters arrive as TEXTINPUT events
        elif key == pygame.K_a:
            ed.begin_row()
            self._opening = "a"
            pygame.key.start_text_input()
        elif key in (pygame.K_x, pygame.K_DELETE):
            ed.remove()
        elif key == pygame.K_s:
            path = self.session.save_edit(ed)
            self.editor = None
            self._build_menu()
            self.row = 0
            self.app.toast(f"saved {path.name}: Enter runs it")
        elif key == pygame.K_ESCAPE:
            self.editor = None
            if ed.draft.changed:
                self.app.toast("edits discarded (S saves them)")

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
        # The presets and your specs share the column: rows shrink as the list grows.
        self.menu.item_height = max(28, min(44, (h - 300) // max(1, len(self.menu.items))))
        self.menu.draw(surface)
        spec = s.preset.spec if s.presets else None
        y = self.menu.item_rect(len(self.menu.items) - 1).bottom + 24 if s.presets else 120
        about = spec.description if spec is not None else s.status
        for line in wrap(about, LEFT_W - 20, theme.SMALL)[: max(0, (h - 50 - y) // 20)]:
            theme.blit_text(surface, line, (30, y), theme.SMALL, theme.TEXT_MUTED)
            y += 20
        keys = "Enter run  E edit  C cancel  Tab table  S/R sort  X plot  M save  Esc back"
        theme.blit_text(surface, keys, (30, h - 24), theme.SMALL, theme.TEXT_DIM, "midleft")

        right = pygame.Rect(LEFT_W + 20, 20, w - LEFT_W - 40, h - 56)
        if self.editor is not None:
            self._draw_editor(surface, right, self.editor)
            return
        status_color = theme.ACCENT if s.running else theme.TEXT_MUTED
        sort = theme.blit_text(surface, s.sort_line(), (right.right, right.y + 12), theme.SMALL,
                               theme.TEXT_DIM, "midright")  # fmt: skip
        status = fit_text(s.status, sort.x - right.x - 16, theme.BODY)  # a long path is cut
        theme.blit_text(surface, status, (right.x, right.y + 12), theme.BODY, status_color,
                        "midleft")  # fmt: skip
        table_h = min(300, 44 + 30 * max(len(s.rows), 3))
        table_rect = pygame.Rect(right.x, right.y + 34, right.w, table_h)
        self._draw_table(surface, table_rect)
        lower = pygame.Rect(right.x, table_rect.bottom + 14, right.w,
                            right.bottom - table_rect.bottom - 14)  # fmt: skip
        plot = pygame.Rect(lower.x, lower.y, lower.w // 2 - 8, lower.h)
        text_rect = pygame.Rect(plot.right + 16, lower.y, lower.right - plot.right - 16, lower.h)
        if s.showing_saliency:
            used = self._draw_saliency(surface, lower)
            text_rect = pygame.Rect(lower.x, used + 10, lower.w, lower.bottom - used - 10)
        elif s.showing_curves:
            chart = LineChart(plot, "Val loss", x_label="epoch",
                              hint="each variant's validation loss per epoch")  # fmt: skip
            for label, losses in s.curves():
                chart.set(label, losses, range(1, len(losses) + 1))
            chart.draw(surface)
        else:
            x_title, y_title, points = s.scatter()
            draw_scatter(surface, plot, f"{x_title} vs {y_title}", x_title, y_title, points)
        if text_rect.h < 56:
            return
        theme.draw_panel(surface, text_rect, theme.PANEL, theme.PANEL_EDGE, radius=10)
        theme.blit_text(surface, "FINDING", (text_rect.x + 14, text_rect.y + 18), theme.SMALL,
                        theme.ACCENT, "midleft")  # fmt: skip
        ty = text_rect.y + 36
        idle = "Run the preset (Enter) to measure its variants."
        if s.presets and s.preset.error:
            idle = "This spec cannot run: fix the file named above in a text editor."
        text = s.finding() or idle
        for line in wrap(text, text_rect.w - 28, theme.SMALL):
            if ty > text_rect.bottom - 20:
                break
            theme.blit_text(surface, line, (text_rect.x + 14, ty), theme.SMALL, theme.TEXT)
            ty += 20

    def _draw_saliency(self, surface: pygame.Surface, area: pygame.Rect) -> int:
        """The base's and the best variant's saliency side by side; returns the y below."""
        sal = self.session.saliency
        shown: Shown | None = sal.shown
        top = area.y + 30  # the panels' captions sit above their images
        gap = max(0, min(32, area.w - 2 * (FRAME_W + 12)))
        first = area.x + 6 + max(0, area.w - 2 * (FRAME_W + 12) - gap) // 2  # the pair centred
        lefts = (first, first + FRAME_W + 12 + gap)
        for panel, left in zip(self.panels, lefts, strict=True):
            panel.image_rect.topleft = (left, top)
        if shown is None:
            for panel in self.panels:
                panel.draw(surface, None)
            message = sal.message or "computing..."
            for i, line in enumerate(wrap(message, FRAME_W - 20, theme.SMALL)[:3]):
                theme.blit_text(
                    surface,
                    line,
                    (self.panels[0].image_rect.x + 10, top + 20 + 20 * i),
                    theme.SMALL,
                    theme.TEXT_MUTED,
                )
            return top + FRAME_H + 8
        y = top + FRAME_H + 20
        for panel, side in zip(self.panels, (shown.base, shown.best), strict=True):
            panel.caption = side.title
            panel.draw(surface, shown.frame, note=side.label, tint=side.tint)
            way = "right" if side.steering > 0 else "left"
            line = f"steers {abs(side.steering):.2f} {way} · {side.figure}"
            theme.blit_text(
                surface,
                fit_text(line, FRAME_W, theme.SMALL),
                (panel.image_rect.x, y),
                theme.SMALL,
                theme.TEXT,
                "midleft",
            )
        note = f"{shown.track}, before its tightest bend; green: where each CNN looks. {shown.note}"
        lines = wrap(note, area.w - 12, theme.SMALL)[:2]
        for i, line in enumerate(lines):
            theme.blit_text(surface, line, (area.x + 6, y + 20 * (i + 1)), theme.SMALL,
                            theme.TEXT_MUTED, "midleft")  # fmt: skip
        return y + 20 * len(lines) + 10

    def _draw_editor(self, surface: pygame.Surface, rect: pygame.Rect, ed: SpecEditor) -> None:
        theme.draw_panel(surface, rect, theme.PANEL, theme.PANEL_EDGE, radius=10)
        x, y = rect.x + 18, rect.y + 24
        title = f"EDIT  {ed.draft.spec.name}"
        theme.blit_text(surface, fit_text(title, rect.w - 36, theme.BODY), (x, y), theme.BODY,
                        theme.ACCENT, "midleft")  # fmt: skip
        where = f"saved as {ed.path.name} in your lab-specs folder"
        theme.blit_text(surface, fit_text(where, rect.w - 36, theme.SMALL), (x, y + 26),
                        theme.SMALL, theme.TEXT_MUTED, "midleft")  # fmt: skip
        theme.blit_text(surface, fit_text(ed.plans(), rect.w - 36, theme.SMALL), (x, y + 48),
                        theme.SMALL, theme.TEXT_MUTED, "midleft")  # fmt: skip
        y += 84
        key_w = min(220, rect.w // 3)
        rows = ed.rows
        fit = max(1, (rect.bottom - 110 - y) // 30 + 1)  # rows that fit; the picked one shows
        first = max(0, min(ed.cursor - fit + 1, len(rows) - fit))
        for i, row in enumerate(rows[first : first + fit], start=first):
            picked = i == ed.cursor and ed.typing != "row"
            if picked:
                pygame.draw.rect(surface, theme.PANEL_DARK, (rect.x + 8, y - 14, rect.w - 16, 28),
                                 border_radius=6)  # fmt: skip
            color = theme.ACCENT if picked else theme.TEXT_MUTED
            theme.blit_text(surface, fit_text(row.key, key_w - 10, theme.SMALL), (x, y),
                            theme.SMALL, color, "midleft")  # fmt: skip
            value = ed.text + "_" if picked and ed.typing == "value" else row.text
            theme.blit_text(surface, fit_text(value, rect.w - key_w - 40, theme.SMALL),
                            (x + key_w, y), theme.SMALL, theme.TEXT, "midleft")  # fmt: skip
            y += 30
        labels = ed.variants()
        room = (rect.bottom - 110 - (y + 16)) // 20
        if room >= 2:
            theme.blit_text(surface, f"RUNS {len(labels)} VARIANT(S) (quick budget)", (x, y + 16),
                            theme.SMALL, theme.ACCENT, "midleft")  # fmt: skip
            shown = labels if len(labels) <= room - 1 else labels[: room - 2]
            for i, label in enumerate(shown):
                theme.blit_text(
                    surface,
                    fit_text(label, rect.w - 36, theme.SMALL),
                    (x, y + 36 + 20 * i),
                    theme.SMALL,
                    theme.TEXT,
                    "midleft",
                )
            if len(shown) < len(labels):
                theme.blit_text(surface, f"... and {len(labels) - len(shown)} more",
                                (x, y + 36 + 20 * len(shown)), theme.SMALL, theme.TEXT_DIM,
                                "midleft")  # fmt: skip
        y = rect.bottom - 92
        if ed.typing == "row":
            theme.blit_text(surface, fit_text("new row: " + ed.text + "_", rect.w - 36,
                                              theme.SMALL), (x, y), theme.SMALL, theme.TEXT,
                            "midleft")  # fmt: skip
        if ed.error:
            theme.blit_text(surface, fit_text(ed.error, rect.w - 36, theme.SMALL), (x, y + 26),
                            theme.SMALL, theme.BAD, "midleft")  # fmt: skip
        if ed.typing is not None:
            keys = 'type the value as TOML ([0.0, 0.5], 3, "same")   Enter apply   Esc leave it'
        else:
            keys = "Up/Down pick   Enter change   A add a row   X remove   S save   Esc discard"
        theme.blit_text(surface, fit_text(keys, rect.w - 36, theme.SMALL), (x, rect.bottom - 18),
                        theme.SMALL, theme.TEXT_DIM, "midleft")  # fmt: skip

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
