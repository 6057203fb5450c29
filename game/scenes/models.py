"""The Models screen: every driving model (yours newest first, then the shipped ones) with its
architecture, training data, training time and scoreboard results.

Select with Up/Down or the mouse; R renames (type, Enter), X or Delete deletes after a Y, O
shows the result card Teach saved with the model (you vs your car vs shipped vs expert),
Enter drives the model in Autopilot, S runs the scoreboard for the selected model and Shift+S
for every model: each model drives the same suite of tracks in cruise and race mode in a
background worker, and its row fills in as each run finishes (lane keeping from the cruise
runs, lap times and race interventions from the race runs), coloured by what they mean:
offset and lap against the expert's on the same tracks (game.sessions.grades). Esc stops the
scoreboard
(finished runs are kept), then goes back. The state and its rules are game/sessions/models.py;
this module turns input into calls and draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygame

from agents.driving.registry import SUITE_LAPS, SUITE_TRACKS, ModelInfo, TrackScore
from game.actions import Action, action_for
from game.render import theme
from game.render.controls import ProgressBar
from game.render.hud import autonomy_color
from game.render.table import Cell, Column, Table, fit_text
from game.render.widgets import Button
from game.scenes import register_scene
from game.scenes.base import Scene, typing_key
from game.scenes.result_card import draw_result_card, grade_color
from game.sessions.grades import Grade, legend
from game.sessions.model_export import CHOICES as EXPORT_CHOICES
from game.sessions.model_export import size_text
from game.sessions.models import ModelsState, ScoreStarted
from game.textfmt import plural, short_path

GAP = 20
MODEL_COLUMNS = [
    Column("MODEL", 2.8, max_chars=28), Column("FROM", 1.1), Column("ARCH", 1.0),
    Column("DATA", 2.0), Column("TRAINED", 1.0, "right"), Column("CREATED", 1.9, "right"),
    Column("AUTONOMY", 1.3, "right"), Column("|OFFSET|", 1.2, "right"),
    Column("LAP SUM", 1.4, "right"), Column("OFF LANE", 1.2, "right"),
]  # fmt: skip
# Lane keeping (autonomy, |offset|) comes from the cruise runs, pace from the race runs.
SCORE_COLUMNS = [
    Column("TRACK", 1.3), Column("AUTONOMY", 1.2, "right"), Column("|OFFSET|", 1.1, "right"),
    Column("RACE LAP", 1.2, "right"), Column("OFF LANE", 1.1, "right"),
]  # fmt: skip
RUNNING = "running..."
BUTTONS = (("drive", "DRIVE  Enter"), ("rename", "RENAME  R"), ("delete", "DELETE  X"),
           ("export", "EXPORT  E"), ("score", "SCORE  S"),
           ("score_all", "SCORE ALL  Shift+S"))  # fmt: skip


@dataclass(frozen=True)
class ModelsLayout:
    """Every panel's rectangle, from the window size."""

    table: pygame.Rect
    details: pygame.Rect
    scores: pygame.Rect
    buttons: pygame.Rect  # the row of buttons under the panels

    @classmethod
    def for_size(cls, size: tuple[int, int]) -> ModelsLayout:
        w, h = size
        top = max(h * 84 // 720, 60)
        buttons = pygame.Rect(GAP, h - 20 - 40, w - 2 * GAP, 40)
        room = buttons.y - 12 - top
        table = pygame.Rect(GAP, top, w - 2 * GAP, room * 55 // 100)
        low_y = table.bottom + 12
        low_h = buttons.y - 12 - low_y
        left_w = (w - 3 * GAP) * 46 // 100
        details = pygame.Rect(GAP, low_y, left_w, low_h)
        scores = pygame.Rect(details.right + GAP, low_y, w - 3 * GAP - left_w, low_h)
        return cls(table, details, scores, buttons)


def _text(surface, s, pos, size=theme.SMALL, color=theme.TEXT_MUTED, anchor="midleft") -> None:
    theme.blit_text(surface, s, pos, size, color, anchor=anchor)


def model_row(
    m: ModelInfo, running: bool, failed: str, offset: Grade = Grade.NONE,
    lap: Grade = Grade.NONE,
) -> dict[str, Cell]:  # fmt: skip
    """One model as a table row; a broken one says so in red, a running one in amber; the
    offset and the lap sum coloured by their grades against the expert."""
    dim = theme.TEXT_MUTED if m.shipped else theme.TEXT
    auto = m.autonomy_pct
    lap_color = grade_color(lap, theme.TEXT_MUTED)
    laps = Cell("running", theme.WARN) if running else Cell(m.laps_text, lap_color)
    if failed:
        laps = Cell("failed", theme.BAD)
    race_int = m.race_interventions
    return {
        "MODEL": Cell(m.name, theme.BAD if m.problem else dim),
        "FROM": Cell("shipped" if m.shipped else "yours", theme.TEXT_MUTED),
        "ARCH": Cell(m.architecture, dim),
        "DATA": Cell(m.data_text, theme.TEXT_MUTED),
        "TRAINED": Cell(m.time_text, theme.TEXT_MUTED),
        "CREATED": Cell(m.created_text, theme.TEXT_MUTED),
        "AUTONOMY": Cell(m.autonomy_text, autonomy_color(auto) if auto is not None else dim),
        "|OFFSET|": Cell(m.offset_text, grade_color(offset, dim)),
        "LAP SUM": laps,
        "OFF LANE": Cell(m.race_interventions_text, theme.WARN if race_int else dim),
    }


def score_row(track: str, cruise: TrackScore | None, race: TrackScore | None,
              running: tuple[str, ...] = (), offset: Grade = Grade.NONE,
              lap_g: Grade = Grade.NONE) -> dict[str, Cell]:  # fmt: skip
    """One suite track in the scores panel: its cruise run's lane keeping and its race run's
    lap and interventions, offset and lap coloured by their grades; the modes of the drive
    going on now say "running..."."""
    auto = cruise.autonomy_pct if cruise is not None else None
    off = cruise.mean_abs_offset_m if cruise is not None else None
    lap = race.best_lap_s if race is not None else None
    n = race.interventions if race is not None else None
    row = {
        "TRACK": Cell(track),
        "AUTONOMY": Cell("-" if auto is None else f"{auto:.1f}%",
                         autonomy_color(auto) if auto is not None else theme.TEXT_DIM),
        "|OFFSET|": Cell("-" if off is None else f"{off * 100:.1f} cm", grade_color(offset)),
        "RACE LAP": Cell("-" if lap is None else theme.format_time(lap), grade_color(lap_g)),
        "OFF LANE": Cell("-" if n is None else str(n), theme.WARN if n else theme.TEXT),
    }  # fmt: skip
    if "cruise" in running:
        row["AUTONOMY"], row["|OFFSET|"] = Cell(RUNNING, theme.WARN), Cell("")
    if "race" in running:
        row["RACE LAP"], row["OFF LANE"] = Cell(RUNNING, theme.WARN), Cell("")
    return row


@register_scene(
    "models", label="Models", order=25,
    description="Every driving model: rename, delete, drive it, run the scoreboard",
)  # fmt: skip
class ModelsScene(Scene):
    title = "Models"
    help_lines = [
        ("Up / Down, click", "choose a model"), ("Enter", "drive it in Autopilot"),
        ("R", "rename (type the name, Enter)"), ("X / Delete", "delete (Y to confirm)"),
        ("S", "scoreboard for this model"), ("Shift+S", "scoreboard for every model"),
        ("O", "the result card Teach saved with this model"),
        ("E", "export: TFLite float32 / float16 / int8 or Donkey, to exports/"),
        ("Esc", "stop the scoreboard or export (keeps finished runs) / back"),
        ("F5", "read the folders again"),
    ]  # fmt: skip
    paused_by_overlay = False  # the scoreboard goes on while the help is open

    def __init__(self, app) -> None:
        super().__init__(app)
        self.state = ModelsState(notify=app.toast)
        self.table = Table(MODEL_COLUMNS, max_row_h=40, min_row_h=32)
        self.score_table = Table(SCORE_COLUMNS, max_row_h=34)
        self.bar = ProgressBar(pygame.Rect(0, 0, 1, 1))
        self.buttons = {key: Button(pygame.Rect(0, 0, 1, 1), label, theme.SMALL)
                        for key, label in BUTTONS}  # fmt: skip
        self.yes_button = Button(pygame.Rect(0, 0, 1, 1), "DELETE  Y")
        self.first = 0  # the first table row shown (the list scrolls)
        self._size = (0, 0)
        self._place(app.screen.get_size())

    @property
    def captures_text(self) -> bool:
        """True while the rename box takes typed letters (the app should leave H, U alone)."""
        return self.state.renaming is not None

    def _place(self, size: tuple[int, int]) -> None:
        self._size = size
        self.layout = lay = ModelsLayout.for_size(size)
        n = len(self.buttons)
        bw = (lay.buttons.w - (n - 1) * 12) // n
        for i, b in enumerate(self.buttons.values()):
            b.rect = pygame.Rect(lay.buttons.x + i * (bw + 12), lay.buttons.y, bw, lay.buttons.h)
        s = lay.scores
        self.bar.rect = pygame.Rect(s.x + 14, s.bottom - 30, s.w - 28, 16)

    # --- input ---------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> None:
        st = self.state
        if st.renaming is not None:
            self._rename_event(event)
        elif st.showing_card:
            if event.type == pygame.KEYDOWN and event.key not in _MODIFIERS:
                st.toggle_card()  # O, Esc or any key closes the card
        elif st.confirm_delete is not None:
            self._delete_event(event)
        elif st.export_choice is not None:
            self._export_event(event)
        elif event.type == pygame.KEYDOWN:
            self._key(event)
        elif event.type in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEMOTION, pygame.MOUSEWHEEL):
            self._mouse(event)

    def _key(self, event: pygame.event.Event) -> None:
        st = self.state
        # This screen's letters first: S scores (elsewhere it is "down"), R renames.
        if event.key == pygame.K_s:
            st.start_scores(all_models=bool(event.mod & pygame.KMOD_SHIFT))
        elif event.key == pygame.K_r:
            self._begin_rename(event.unicode)
        elif event.key == pygame.K_o:
            st.toggle_card()
        elif event.key == pygame.K_e:
            st.open_export()
        elif event.key in (pygame.K_x, pygame.K_DELETE):
            st.ask_delete()
        else:
            action = action_for(event)
            if action is Action.BACK:
                if st.scoring:
                    st.cancel_scores()
                elif not st.cancel_export():
                    self.app.pop()
            elif action in (Action.UP, Action.DOWN):
                st.move(-1 if action is Action.UP else +1)
            elif action is Action.CONFIRM:
                self.drive()
            elif action is Action.RESTART:
                st.refresh()

    def _mouse(self, event: pygame.event.Event) -> None:
        st = self.state
        if event.type == pygame.MOUSEWHEEL:
            st.move(-event.y)
            return
        if event.type == pygame.MOUSEBUTTONDOWN and event.button in (4, 5):
            st.move(-1 if event.button == 4 else +1)  # the wheel on older SDL
            return
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            i = self.table.row_at(self.layout.table, event.pos, len(st.models), self.first)
            if i is not None:
                st.select(i)
        do = {
            "drive": self.drive, "rename": self._begin_rename, "delete": st.ask_delete,
            "score": st.start_scores, "score_all": lambda: st.start_scores(all_models=True),
            "export": st.open_export,
        }  # fmt: skip
        for key, b in self.buttons.items():
            if b.handle_event(event):
                do[key]()

    def _begin_rename(self, opening_text: str = "") -> None:
        self.state.begin_rename(opening_text)
        if self.state.renaming is not None:
            pygame.key.start_text_input()  # letters arrive as TEXTINPUT events

    def _rename_event(self, event: pygame.event.Event) -> None:
        st = self.state
        if event.type == pygame.TEXTINPUT:
            st.type_text(event.text)
        elif event.type == pygame.KEYDOWN:
            st.key_pressed()
            actions = {
                "cancel": st.cancel_rename,
                "commit": st.commit_rename,
                "erase": st.backspace,
            }
            act = actions.get(typing_key(event))
            if act is not None:
                act()

    def _export_event(self, event: pygame.event.Event) -> None:
        st = self.state
        if event.type != pygame.KEYDOWN:
            return
        action = action_for(event)
        if action in (Action.UP, Action.DOWN):
            st.move_export(-1 if action is Action.UP else +1)
        elif action is Action.CONFIRM:
            st.start_export()
        elif pygame.K_1 <= event.key < pygame.K_1 + len(EXPORT_CHOICES):
            st.export_choice = event.key - pygame.K_1
            st.start_export()
        elif action is Action.BACK or event.key == pygame.K_e:
            st.close_export()

    def _delete_event(self, event: pygame.event.Event) -> None:
        st = self.state
        if event.type == pygame.KEYDOWN and event.key not in _MODIFIERS:
            st.answer_delete(event.key == pygame.K_y)
        elif event.type == pygame.MOUSEMOTION:
            self.yes_button.handle_event(event)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            st.answer_delete(self.yes_button.handle_event(event))

    def drive(self) -> None:
        m = self.state.current
        if m is None:
            self.app.toast("no model yet: train one in Train")
            return
        self.app.push("autopilot", model=str(m.path))

    # --- lifecycle -----------------------------------------------------------------------
    def on_resume(self) -> None:
        self.state.refresh()  # Autopilot's fine-tune or Train may have added models

    def on_exit(self) -> None:
        self.state.close()

    def update(self, dt: float) -> None:
        self.state.update()
        self.state.poll_references()
        if self.state.showing_card and self.state.result_card() is None:
            self.state.showing_card = False  # the model was deleted or its card went
        self._scroll()

    def _scroll(self) -> None:
        """Keep the cursor's row in view."""
        n, cur = len(self.state.models), self.state.cursor
        shown = max(self.table.visible_rows(self.layout.table, n), 1)
        self.first = min(max(self.first, cur - shown + 1), cur)
        self.first = max(0, min(self.first, n - shown))

    # --- drawing -------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        if surface.get_size() != self._size:
            self._place(surface.get_size())
        self._scroll()
        st, lay = self.state, self.layout
        surface.fill(theme.BG)
        y = lay.table.y // 2
        _text(surface, "MODELS", (22, y), theme.TITLE, theme.ACCENT)
        room = surface.get_width() - 250 - GAP
        _text(surface, "yours newest first, then the shipped ones", (250, y - 6), theme.BODY)
        _text(surface, fit_text("colours: " + legend(), room, theme.SMALL), (250, y + 17),
              color=theme.TEXT_DIM)  # fmt: skip
        running = st.running.path if st.running is not None else None
        rows = [model_row(m, m.path == running, st.failed.get(m.path, ""), st.offset_grade(m),
                          st.lap_grade(m)) for m in st.models]  # fmt: skip
        self.table.draw(surface, lay.table, rows, highlight=st.cursor, first=self.first)
        if not rows:
            _text(surface, "No models yet: record laps in Drive, then train one in Train.",
                  lay.table.center, theme.BODY, anchor="center")  # fmt: skip
        n, shown = len(rows), self.table.visible_rows(lay.table, len(rows))
        if n > shown:
            more = f"{self.first + 1}-{self.first + shown} of {n}  (wheel / Up / Down)"
            _text(surface, more, (lay.table.right - 14, lay.table.y + 20), anchor="midright")
        self._draw_details(surface)
        self._draw_scores(surface)
        for key, b in self.buttons.items():
            shipped = st.current is not None and st.current.shipped
            b.enabled = not (key in ("rename", "delete") and shipped) and not (
                key.startswith("score") and st.scoring
            )
            b.draw(surface)
        if st.renaming is not None:
            self._draw_rename(surface)
        elif st.confirm_delete is not None:
            self._draw_confirm(surface)
        elif st.showing_card:
            self._draw_card(surface)
        elif st.export_choice is not None:
            self._draw_export(surface)

    def _draw_details(self, surface: pygame.Surface) -> None:
        r, m = self.layout.details, self.state.current
        theme.draw_panel(surface, r, theme.PANEL, theme.PANEL_EDGE, radius=10)
        if m is None:
            return
        w = r.w - 28
        name = fit_text(m.name, w, theme.BODY)
        _text(surface, name, (r.x + 14, r.y + 22), theme.BODY, theme.TEXT)
        lines = self.detail_lines(m)
        for k, line in enumerate(lines):
            color = theme.ACCENT_2 if line.startswith("Teach (O): ") else theme.TEXT_MUTED
            _text(surface, fit_text(line, w, theme.SMALL), (r.x + 14, r.y + 52 + 22 * k),
                  color=color)  # fmt: skip
        problem = m.problem or self.state.failed.get(m.path, "")
        if problem:
            # The path is already on screen: the problem from the file name on.
            short = problem.replace(f"{m.path.parent}/", "")
            _text(surface, fit_text(short, w, theme.SMALL), (r.x + 14, r.bottom - 20),
                  color=theme.BAD)  # fmt: skip

    def detail_lines(self, m: ModelInfo) -> list[str]:
        """The details panel's lines for model `m` (under its name)."""
        card = m.card
        # A shipped model's folder is wherever the game is installed: its name says enough.
        lines = [f"file  {m.path.name if m.shipped else short_path(m.path)}"]
        if card is not None:
            n = card.epochs_run
            epochs = f"{plural(n, 'epoch')} (best {card.best_epoch})" if n else ""
            loss = f"val loss {card.best_val_loss:.5f}" if card.best_val_loss is not None else ""
            lines.append("  ".join(x for x in (m.architecture, epochs, loss) if x))
            lines.append(f"data  {m.data_text}     trained in {m.time_text}")
            if m.network_text:
                lines.append(f"network  {m.network_text}")
        lines.append(f"created  {m.created_text}")
        result = self.state.result_card(m)
        if result is not None:
            lines.insert(0, f"Teach (O): {result.sentence}")
        if m.fine_tuned_from:
            lines.append(f"fine-tuned from  {m.fine_tuned_from}")
        if m.has_speed_output:
            lines.append("outputs  steering and speed: races at its own pace")
        else:
            lines.append("outputs  steering: holds cruise speed, so one run is cruise and race")
        if m.shipped:
            lines.append("shipped with the game: read-only (fine-tune it in Train)")
        return lines

    def _draw_scores(self, surface: pygame.Surface) -> None:
        st, r, m = self.state, self.layout.scores, self.state.current
        scoring = st.scoring
        theme.draw_panel(surface, r, theme.PANEL, theme.PANEL_EDGE, radius=10)
        table_rect = pygame.Rect(r.x, r.y, r.w, r.h - 40)
        run: ScoreStarted | None = st.running
        rows = []
        for track in SUITE_TRACKS:
            if m is None:
                rows.append(score_row(track, None, None))
                continue
            here = run is not None and run.path == m.path and run.track == track
            rows.append(score_row(track, m.score(track, "cruise"), m.score(track, "race"),
                                  run.modes if here else (), st.offset_grade(m, track),
                                  st.lap_grade(m, track)))  # fmt: skip
        self.score_table.draw(surface, table_rect, rows, card=False)
        if scoring:
            fraction, message = st.progress
            self.bar.fraction = fraction
            self.bar.label = fit_text(f"{message}   Esc stops", self.bar.rect.w - 20, theme.SMALL)
            self.bar.draw(surface, clock=pygame.time.get_ticks() / 1000.0)
        elif st.exporter.busy:
            fraction, message = st.export_progress
            name = st.exporting.name if st.exporting is not None else ""
            self.bar.fraction = fraction
            self.bar.label = fit_text(f"export {name}: {message}   Esc stops",
                                      self.bar.rect.w - 20, theme.SMALL)  # fmt: skip
            self.bar.draw(surface, clock=pygame.time.get_ticks() / 1000.0)
        elif st.last_export is not None:  # two lines: the file, then the LiteRT check
            done = st.last_export
            lines = (f"exported {short_path(done.path)} ({size_text(done.bytes)})", done.check)
            for k, line in enumerate(lines):
                _text(surface, fit_text(line, r.w - 28, theme.SMALL),
                      (r.x + 14, r.bottom - 32 + 18 * k), color=theme.GOOD)  # fmt: skip
        else:
            hint = (f"{plural(SUITE_LAPS, 'lap')} per track in cruise (lane keeping) and race mode"
                    "   S this model   Shift+S all")  # fmt: skip
            _text(surface, fit_text(hint, r.w - 28, theme.SMALL), (r.x + 14, r.bottom - 22),
                  color=theme.TEXT_DIM)  # fmt: skip

    def _dialog(self, surface: pygame.Surface, title: str) -> pygame.Rect:
        w, h = surface.get_size()
        shade = pygame.Surface((w, h), pygame.SRCALPHA)
        shade.fill((0, 0, 0, 150))
        surface.blit(shade, (0, 0))
        box = pygame.Rect(0, 0, min(720, w - 40), 190)
        box.center = (w // 2, h // 2)
        theme.draw_panel(surface, box, theme.PANEL, theme.ACCENT, radius=12)
        title = fit_text(title, box.w - 40, theme.BODY)
        _text(surface, title, (box.x + 20, box.y + 28), theme.BODY, theme.ACCENT)
        return box

    def _draw_rename(self, surface: pygame.Surface) -> None:
        st, m = self.state, self.state.current
        box = self._dialog(surface, f"RENAME  {m.name if m else ''}")
        field = pygame.Rect(box.x + 20, box.y + 62, box.w - 40, 44)
        pygame.draw.rect(surface, theme.PANEL_DARK, field, border_radius=8)
        pygame.draw.rect(surface, theme.ACCENT_2, field, width=2, border_radius=8)
        blink = "|" if (pygame.time.get_ticks() // 500) % 2 == 0 else " "
        shown = fit_text(st.renaming or "", field.w - 40, theme.BODY)
        _text(surface, shown + blink, (field.x + 12, field.centery), theme.BODY, theme.TEXT)
        _text(surface, "letters, digits, - and _   the card and training log move with it",
              (box.x + 20, box.y + 128))  # fmt: skip
        _text(surface, "Enter rename    Esc cancel", (box.x + 20, box.y + 158), color=theme.TEXT)

    def _draw_confirm(self, surface: pygame.Surface) -> None:
        path = self.state.confirm_delete
        box = self._dialog(surface, f"DELETE  {path.stem if path else ''} ?")
        _text(surface, "The model file, its card and its training log are removed.",
              (box.x + 20, box.y + 70), theme.BODY, theme.TEXT)  # fmt: skip
        _text(surface, "Its scoreboard results stay in scoreboard.json.",
              (box.x + 20, box.y + 98))  # fmt: skip
        self.yes_button.rect = pygame.Rect(box.x + 20, box.bottom - 56, 180, 38)
        self.yes_button.draw(surface)
        _text(surface, "any other key keeps it", (box.x + 220, box.bottom - 37))

    def _draw_export(self, surface: pygame.Surface) -> None:
        st, m = self.state, self.state.current
        w, h = surface.get_size()
        shade = pygame.Surface((w, h), pygame.SRCALPHA)
        shade.fill((0, 0, 0, 150))
        surface.blit(shade, (0, 0))
        box = pygame.Rect(0, 0, min(620, w - 40), 96 + 34 * len(EXPORT_CHOICES))
        box.center = (w // 2, h // 2)
        theme.draw_panel(surface, box, theme.PANEL, theme.ACCENT, radius=12)
        title = fit_text(f"EXPORT  {m.name if m else ''}", box.w - 40, theme.BODY)
        _text(surface, title, (box.x + 20, box.y + 26), theme.BODY, theme.ACCENT)
        for i, (_, label, suffix) in enumerate(EXPORT_CHOICES):
            row = pygame.Rect(box.x + 14, box.y + 50 + i * 34, box.w - 28, 30)
            if i == st.export_choice:
                pygame.draw.rect(surface, theme.PANEL_EDGE, row, border_radius=6)
            name = f"{m.path.stem if m else ''}{suffix}.tflite"
            _text(surface, f"{i + 1}  {label}", (row.x + 10, row.centery), theme.SMALL, theme.TEXT)
            _text(surface, fit_text(name, row.w // 2 - 20, theme.SMALL),
                  (row.right - 10, row.centery), anchor="midright")  # fmt: skip
        _text(surface, "Enter or 1-4 export to exports/ (never over a file)    Esc cancel",
              (box.x + 20, box.bottom - 22), color=theme.TEXT)  # fmt: skip

    def _draw_card(self, surface: pygame.Surface) -> None:
        m = self.state.current
        result = self.state.result_card()
        if m is None or result is None:
            return
        shade = pygame.Surface(surface.get_size(), pygame.SRCALPHA)
        shade.fill((0, 0, 0, 150))
        surface.blit(shade, (0, 0))
        card = surface.get_rect().inflate(-48, -32)
        when = result.created[:16].replace("T", " ")
        draw_result_card(surface, card, result, title=f"TEACH RESULT  {m.name}",
                         keys=f"measured {when} when Teach trained it   O or Esc: close")


_MODIFIERS = {
    pygame.K_LSHIFT, pygame.K_RSHIFT, pygame.K_LCTRL, pygame.K_RCTRL, pygame.K_LALT,
    pygame.K_RALT, pygame.K_LGUI, pygame.K_RGUI, pygame.K_CAPSLOCK, pygame.K_NUMLOCK,
}  # fmt: skip
