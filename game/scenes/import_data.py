"""The Import screen: pick a Udacity simulator folder or a Donkey Car tub and bring it in as a
recording session (the same as `main.py import-data`).

Left: the folders of the current folder; a dataset is marked with its format and record count.
Right: the options (format, name, Udacity side cameras with their steering correction; the
camera crop is the importer's default, `import-data --crop` changes it), then the run's
progress with an ETA, and at the end what was written and what was skipped. The logic is
game/sessions/import_data.py; this module turns input into calls and draws.
"""

from __future__ import annotations

from pathlib import Path

import pygame

from game.actions import Action, action_for
from game.render import theme
from game.render.controls import ProgressBar
from game.render.table import fit_text
from game.scenes import register_scene
from game.scenes.base import Scene
from game.sessions.import_data import ImportState
from game.textfmt import format_time, plural, short_path

GAP = 16
ROW_H = 30
TOP = 96
MAX_TEXT = 1000  # characters of a typed path


def _where(folder: Path) -> str:
    """The folder as the browser's heading: "~" for the home folder, else its short path."""
    return "~" if folder == Path.home() else short_path(folder)


def _text(surface, s, pos, size=theme.SMALL, color=theme.TEXT_MUTED, anchor="midleft"):
    return theme.blit_text(surface, s, pos, size, color, anchor=anchor)


@register_scene(
    "import",
    label="Import data",
    order=45,  # the driving group's last entry (after Race)
    description="Bring a Udacity simulator folder or a Donkey Car tub in as a recording",
)
class ImportScene(Scene):
    title = "Import data"
    help_lines = [
        ("Up / Down / click", "choose a folder"),
        ("Enter", "open the folder / import the dataset"),
        ("I", "import the chosen folder as the chosen format"),
        ("Right / Backspace", "open the folder / go up one"),
        ("L", "type a path"), ("N", "name the session"), ("F", "format: auto/udacity/donkey"),
        ("C", "Udacity side cameras on / off"), ("[ / ]", "side-camera correction -/+"),
        ("Esc", "stop the import (keeps the frames written) / back"),
        ("S / T (at the end)", "open it in the Studio / train on it"), ("F5", "reload"),
    ]  # fmt: skip
    paused_by_overlay = False  # the import goes on while the help is open

    def __init__(self, app, start: str | None = None) -> None:
        super().__init__(app)
        self.state = ImportState(Path(start) if start else None, notify=app.toast)
        self.typing: str | None = None  # "path" / "name" while a text field is open
        self.text = ""
        self._opening = ""
        self.scroll = 0
        self.bar = ProgressBar(pygame.Rect(0, 0, 1, 1))

    @property
    def captures_text(self) -> bool:
        return self.typing is not None

    # --- layout --------------------------------------------------------------------------
    def _panels(self, size: tuple[int, int]) -> tuple[pygame.Rect, pygame.Rect]:
        w, h = size
        left_w = w * 52 // 100
        browser = pygame.Rect(GAP, TOP, left_w, h - TOP - GAP - 40)
        side = pygame.Rect(browser.right + GAP, TOP, w - browser.right - 2 * GAP, browser.h)
        return browser, side

    def _visible(self, browser: pygame.Rect) -> int:
        return max((browser.h - 50) // ROW_H, 1)

    # --- input ---------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> None:
        st = self.state
        if self.typing is not None:
            self._text_event(event)
            return
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self._click(event.pos)
            return
        if event.type == pygame.MOUSEWHEEL:
            st.move(-event.y)
            return
        if event.type != pygame.KEYDOWN:
            return
        if st.running:
            if action_for(event) is Action.BACK:
                st.cancel()
            return
        if st.summary is not None or st.failed is not None:
            self._end_key(event)
            return
        key, action = event.key, action_for(event)
        if key == pygame.K_l or key == pygame.K_SLASH:
            self._open_text("path", "", event.unicode)
        elif key == pygame.K_n:
            self._open_text("name", st.name, event.unicode)
        elif key == pygame.K_f:
            st.cycle_format()
        elif key == pygame.K_c:
            st.toggle_side()
        elif key == pygame.K_i:
            st.import_selected()
        elif key == pygame.K_LEFTBRACKET:
            st.side_step(-1)
        elif key == pygame.K_RIGHTBRACKET:
            st.side_step(+1)
        elif action is Action.BACK:
            self.app.pop()
        elif action in (Action.UP, Action.DOWN):
            st.move(-1 if action is Action.UP else +1)
        elif action is Action.CONFIRM:
            st.enter()
        elif key == pygame.K_RIGHT:
            st.go_in()
        elif key in (pygame.K_BACKSPACE, pygame.K_LEFT):
            st.up()
        elif action is Action.RESTART:
            st.refresh()

    def _end_key(self, event: pygame.event.Event) -> None:
        st = self.state
        out = st.summary.out_dir if st.summary is not None else None
        if event.key == pygame.K_s and out is not None:
            self.app.push("studio", session=str(out))
        elif event.key == pygame.K_t and out is not None:
            self.app.push("train")
        elif event.key in (pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_ESCAPE):
            st.dismiss()

    def _open_text(self, what: str, text: str, opening: str = "") -> None:
        """Open a text field; `opening`: the text of the key that opened it (L: "l"), which
        SDL may deliver as TEXTINPUT right after: that one text is not typed."""
        self.typing, self.text, self._opening = what, text, opening
        pygame.key.start_text_input()  # letters arrive as TEXTINPUT events

    def _text_event(self, event: pygame.event.Event) -> None:
        if event.type == pygame.TEXTINPUT:
            opening, self._opening = self._opening, ""
            if not (opening and event.text == opening):
                self.text = (self.text + event.text)[:MAX_TEXT]
        elif event.type == pygame.KEYDOWN:
            self._opening = ""  # a later key: the opening key's text is no longer on its way
            if event.key == pygame.K_ESCAPE:
                self.typing = None
            elif event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                what, self.typing = self.typing, None
                if what == "path":
                    self.state.go_to(self.text)
                else:
                    self.state.set_name(self.text)
            elif event.key == pygame.K_BACKSPACE:
                self.text = self.text[:-1]

    def _click(self, pos: tuple[int, int]) -> None:
        st = self.state
        browser, _ = self._panels(self.app.screen.get_size())
        rows = pygame.Rect(browser.x, browser.y + 44, browser.w, browser.h - 50)
        if st.running or not rows.collidepoint(pos):
            return
        i = self.scroll + (pos[1] - rows.y) // ROW_H
        if i == st.cursor:
            st.enter()
        else:
            st.select(i)

    def update(self, dt: float) -> None:
        self.state.update()

    def on_exit(self) -> None:
        self.state.close()

    # --- drawing -------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        st = self.state
        w, h = surface.get_size()
        surface.fill(theme.BG)
        _text(surface, "IMPORT DATA", (22, 40), theme.TITLE if w >= 1100 else theme.LARGE,
              theme.ACCENT)  # fmt: skip
        note = "a Udacity simulator folder (driving_log.csv) or a Donkey Car tub"
        _text(surface, fit_text(note, w - 440, theme.BODY), (w - 22, 40), theme.BODY,
              anchor="midright")  # fmt: skip
        browser, side = self._panels((w, h))
        self._draw_browser(surface, browser)
        self._draw_side(surface, side)
        keys = ("Enter open/import   Backspace up   I import as   L path   N name   F format   "
                "C side cameras   [ ] correction   H help   Esc back")  # fmt: skip
        if st.running:
            keys = "Esc stops the import: the frames written so far are kept as a session"
        elif st.summary is not None or st.failed is not None:
            keys = "S open in Studio   T train on it   Enter/Esc back to the folders"
        _text(surface, fit_text(keys, w - 44, theme.SMALL), (22, h - 28), color=theme.TEXT)

    def _draw_browser(self, surface: pygame.Surface, r: pygame.Rect) -> None:
        st = self.state
        theme.draw_panel(surface, r, theme.PANEL, theme.PANEL_EDGE, radius=10)
        if self.typing == "path":
            self._draw_field(surface, pygame.Rect(r.x + 10, r.y + 6, r.w - 20, 32), self.text)
        else:
            _text(surface, fit_text(_where(st.folder), r.w - 30, theme.BODY),
                  (r.x + 14, r.y + 22), theme.BODY, theme.TEXT)  # fmt: skip
        n = self._visible(r)
        self.scroll = min(max(self.scroll, st.cursor - n + 1), st.cursor)
        self.scroll = max(min(self.scroll, max(len(st.entries) - n, 0)), 0)
        y0 = r.y + 44
        for k, e in enumerate(st.entries[self.scroll : self.scroll + n]):
            i = self.scroll + k
            row = pygame.Rect(r.x + 6, y0 + k * ROW_H, r.w - 12, ROW_H - 2)
            if i == st.cursor:
                pygame.draw.rect(surface, theme.PANEL_EDGE, row, border_radius=6)
            color = theme.GOOD if e.fmt else theme.TEXT
            label = "(this folder)  " + e.label if e.path == st.folder else e.label
            if e.problem:
                color = theme.WARN
            _text(surface, fit_text(label, row.w - 20, theme.SMALL), (row.x + 10, row.centery),
                  color=color)  # fmt: skip
        if not st.entries:
            _text(surface, "no folders here: Backspace goes up, L types a path",
                  (r.x + 14, y0 + 16))  # fmt: skip
        more = len(st.entries) > n or st.cut
        if more:
            cut = " (first 400)" if st.cut else ""
            _text(surface, f"{st.cursor + 1} of {len(st.entries)}{cut}", (r.right - 12, r.y + 22),
                  anchor="midright")  # fmt: skip

    def _draw_field(self, surface: pygame.Surface, field: pygame.Rect, text: str) -> None:
        pygame.draw.rect(surface, theme.PANEL_DARK, field, border_radius=6)
        pygame.draw.rect(surface, theme.ACCENT_2, field, width=2, border_radius=6)
        blink = "|" if (pygame.time.get_ticks() // 500) % 2 == 0 else " "
        shown = fit_text(text, field.w - 30, theme.SMALL) if text else ""
        _text(surface, shown + blink, (field.x + 8, field.centery), color=theme.TEXT)
        if not text and self.typing == "path":
            hint = "type a folder (~ for home), Enter goes there, Esc cancels"
            _text(surface, hint, (field.x + 24, field.centery), color=theme.TEXT_DIM)

    def _draw_side(self, surface: pygame.Surface, r: pygame.Rect) -> None:
        st = self.state
        theme.draw_panel(surface, r, theme.PANEL, theme.PANEL_EDGE, radius=10)
        x, y, room = r.x + 16, r.y + 24, r.w - 32
        _text(surface, "OPTIONS", (x, y), theme.BODY, theme.ACCENT)
        rows = [
            ("Format  F", st.fmt + ("  (from the folder)" if st.fmt == "auto" else "")),
            ("Name  N", st.name or "format and folder name"),
            ("Side cameras  C [ ]", f"on, steering +/- {st.side:.2f}" if st.side_on
             else f"off  ({st.side:.2f} when on; Udacity only)"),
            ("Camera crop", "the default (import-data --crop changes it)"),
        ]  # fmt: skip
        for k, (label, value) in enumerate(rows):
            yy = y + 34 + k * 28
            _text(surface, label, (x, yy))
            if label.startswith("Name") and self.typing == "name":
                self._draw_field(surface, pygame.Rect(x + 150, yy - 13, room - 150, 26), self.text)
            else:
                _text(surface, fit_text(value, room - 150, theme.SMALL), (x + 150, yy),
                      color=theme.TEXT)  # fmt: skip
        y += 34 + len(rows) * 28 + 10
        pygame.draw.line(surface, theme.PANEL_EDGE, (x, y), (r.right - 16, y))
        y += 24
        if st.running:
            self._draw_running(surface, x, y, room)
        elif st.summary is not None:
            self._draw_summary(surface, x, y, room, r.bottom)
        elif st.failed is not None:
            _text(surface, "IMPORT FAILED", (x, y), theme.BODY, theme.BAD)
            self._wrap(surface, st.failed, x, y + 30, room, theme.TEXT)
        else:
            m = st.current
            if m is not None and m.fmt:
                _text(surface, fit_text(f"Enter imports {m.name} ({m.fmt})", room, theme.BODY),
                      (x, y), theme.BODY, theme.TEXT)  # fmt: skip
            else:
                self._wrap(
                    surface,
                    "Choose a folder marked [udacity] or [donkey] and press "
                    "Enter; Enter on another folder opens it.",
                    x,
                    y,
                    room,
                    theme.TEXT,
                )

    def _draw_running(self, surface: pygame.Surface, x: int, y: int, room: int) -> None:
        st = self.state
        name = st.source.name if st.source is not None else ""
        _text(surface, fit_text(f"IMPORTING  {name}", room, theme.BODY), (x, y), theme.BODY,
              theme.TEXT)  # fmt: skip
        fraction, message = st.progress
        self.bar.rect = pygame.Rect(x, y + 24, room, 26)
        self.bar.fraction = fraction
        self.bar.label = ""
        self.bar.draw(surface, pygame.time.get_ticks() / 1000.0)
        _text(surface, fit_text(message or "starting...", room, theme.SMALL), (x, y + 70))

    def _draw_summary(self, surface, x: int, y: int, room: int, bottom: int) -> None:
        s = self.state.summary
        if s.out_dir is None:
            _text(surface, "STOPPED: nothing kept", (x, y), theme.BODY, theme.WARN)
            return
        head = "STOPPED: the frames so far are a session" if s.cancelled else "IMPORTED"
        _text(surface, fit_text(head, room, theme.BODY), (x, y), theme.BODY,
              theme.WARN if s.cancelled else theme.GOOD)  # fmt: skip
        side = f" + {plural(s.side_frames, 'side-camera frame')}" if s.side_frames else ""
        lines = [
            f"{plural(s.frames, 'frame')}{side} written in {format_time(s.seconds)}",
            f"to {short_path(s.out_dir)}",
            f"{plural(s.skipped, 'record')} skipped"
            + (f", {s.deleted} soft-deleted in the source left out" if s.deleted else ""),
        ]
        for k, line in enumerate(lines):
            _text(
                surface, fit_text(line, room, theme.SMALL), (x, y + 30 + k * 24), color=theme.TEXT
            )
        yy = y + 30 + len(lines) * 24 + 6
        for line in s.problems:
            if yy > bottom - 20:
                break
            yy = self._wrap(surface, line, x + 10, yy, room - 10, theme.WARN, max_lines=2)
        if s.skipped > len(s.problems) and yy <= bottom - 20:
            _text(surface, f"... and {s.skipped - len(s.problems)} more", (x + 10, yy))

    def _wrap(self, surface, text: str, x: int, y: int, room: int, color, max_lines: int = 4):
        """`text` in up to `max_lines` lines of `room` px from (x, y); the next free y."""
        font = theme.font(theme.SMALL)
        words, line, lines = text.split(" "), "", []
        for word in words:
            trial = f"{line} {word}".strip()
            if font.size(trial)[0] > room and line:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
        for k, s in enumerate(lines[:max_lines]):
            _text(surface, fit_text(s, room, theme.SMALL), (x, y + k * 22), color=color)
        return y + min(len(lines), max_lines) * 22 + 4
