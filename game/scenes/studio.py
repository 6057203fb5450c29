"""The Studio screen: look inside a recording, play it, clean it, and see what a model would
have steered on it.

Left: the recorded sessions (own, imported, takeovers; derived recovery views are not
listed). Right: the frame under the cursor with its row's values and the steering
histogram of the rows training would use; a filmstrip across the visible range; the
timeline (recorded steering, the chosen model's prediction, throttle, speed, who drove);
the whole session as a strip; the model, the prediction's progress and its open-loop error.
Deleted rows are greyed and mirrored rows marked; both are kept in the session's
edits.json and can be undone. The state and its rules are game/sessions/studio.py; this
module turns input into calls and draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pygame

from game.actions import Action, action_for
from game.render import theme
from game.render.controls import ProgressBar
from game.render.studio_view import (
    SOURCE_COLORS,
    TimelineData,
    draw_frame_marks,
    draw_histogram,
    draw_overview,
    draw_timeline,
    draw_timeline_cursor,
    frame_surface,
    row_at,
)
from game.render.table import fit_text
from game.scenes import register_scene
from game.scenes.base import Scene
from game.sessions.studio import FILMSTRIP, StudioState
from game.sessions.studio_data import mask_ranges

GAP = 14
SCRUB_DELAY_S = 0.3  # a held Left/Right starts scrubbing after this long
SCRUB_ROWS_PER_S = 40.0


KEY_HINTS = (
    "X delete  Z restore  I mirror  Space play  [ ] speed  +/- zoom  Enter predict",
    "X delete  Z restore  I mirror  Space play  Enter predict  H more",  # 1024 px wide
)


def key_hint(width: int) -> str:
    """The model panel's key line that fits `width` px: the full one, else a shorter one
    that still names Enter (at 1024 px the full line was cut to "... zoom  E...")."""
    for hint in KEY_HINTS:
        if theme.font(theme.SMALL).size(hint)[0] <= width:
            return hint
    return fit_text(KEY_HINTS[-1], width, theme.SMALL)


@dataclass(frozen=True)
class StudioLayout:
    """Every panel's rectangle, from the window size."""

    sessions: pygame.Rect
    frame: pygame.Rect  # the big frame, 2:1
    info: pygame.Rect
    hist: pygame.Rect
    film: pygame.Rect
    timeline: pygame.Rect
    overview: pygame.Rect
    model: pygame.Rect

    @classmethod
    def for_size(cls, size: tuple[int, int]) -> StudioLayout:
        w, h = size
        top = 54
        left_w = max(w * 24 // 100, 220)
        sessions = pygame.Rect(GAP, top, left_w, h - top - GAP)
        x = sessions.right + GAP
        rw = w - x - GAP
        top_h = (h - top) * 36 // 100
        fw = min(rw * 52 // 100, top_h * 2)
        frame = pygame.Rect(x, top, fw, fw // 2)
        info = pygame.Rect(frame.right + GAP, top, rw - fw - GAP, frame.h)
        hist_h = min(max(info.h * 40 // 100, 60), 110)
        hist = pygame.Rect(info.x + 10, info.bottom - hist_h - 8, info.w - 20, hist_h)
        thumb_w = (rw - (FILMSTRIP - 1) * 6) // FILMSTRIP
        film = pygame.Rect(x, frame.bottom + GAP, rw, thumb_w // 2)
        model_h = 62
        model = pygame.Rect(x, h - GAP - model_h, rw, model_h)
        overview = pygame.Rect(x + 64, model.y - 10 - 14, rw - 74, 14)
        timeline = pygame.Rect(x, film.bottom + GAP, rw, overview.y - 8 - film.bottom - GAP)
        return cls(sessions, frame, info, hist, film, timeline, overview, model)

    def thumb(self, i: int, n: int) -> pygame.Rect:
        tw = (self.film.w - (n - 1) * 6) // max(n, 1)
        return pygame.Rect(self.film.x + i * (tw + 6), self.film.y, tw, self.film.h)


def _text(surface, s, pos, size=theme.SMALL, color=theme.TEXT_MUTED, anchor="midleft"):
    return theme.blit_text(surface, s, pos, size, color, anchor=anchor)


@register_scene(
    "studio",
    label="Studio",
    order=15,
    description="Look inside a recording, clean it, and see what a model would steer",
)
class StudioScene(Scene):
    title = "Studio"
    help_lines = [
        ("Up / Down / click", "open the previous / next session"),
        ("Left / Right (hold)", "step / scrub through the rows"),
        ("Shift+Left/Right, drag", "select rows"),
        ("Space / P", "play / pause"), ("[ / ]", "play slower / faster (1x-8x)"),
        ("+ / - / wheel", "zoom the timeline in / out"),
        ("X / Backspace", "delete the selection (or the row) softly"),
        ("Z / Shift+Z", "restore the selection / every deleted row"),
        ("I", "mirror the selection for training (again: unmirror)"),
        ("Tab / Shift+Tab", "choose the model"), ("Enter", "predict with it"),
        ("Esc", "cancel the prediction / clear the selection / back"),
        ("F5", "reload the session list"),
    ]  # fmt: skip
    paused_by_overlay = False  # a prediction goes on while the help is open

    def __init__(self, app, session: str | None = None) -> None:
        super().__init__(app)
        self.state = StudioState(notify=app.toast, session=session)
        self._size = app.screen.get_size()
        self.layout = StudioLayout.for_size(self._size)
        self.bar = ProgressBar(pygame.Rect(0, 0, 1, 1))
        self._held = 0.0  # how long Left/Right has been held
        self._scrub_acc = 0.0
        self._dragging = False
        self._thumbs: dict[tuple[int, tuple[int, int]], pygame.Surface] = {}
        self.list_scroll = 0
        self._timeline: tuple[tuple, pygame.Surface] | None = None
        self._big: tuple[tuple, pygame.Surface] | None = None

    # --- input ---------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> None:
        st = self.state
        action = action_for(event)
        shift = bool(getattr(event, "mod", 0) & pygame.KMOD_SHIFT)
        if action is Action.BACK:
            if not st.cancel_prediction() and not st.clear_selection():
                self.app.pop()
        elif action in (Action.UP, Action.DOWN):
            st.step_session(-1 if action is Action.UP else +1)
            self._thumbs.clear()
        elif action in (Action.LEFT, Action.RIGHT):
            st.step(-1 if action is Action.LEFT else +1, extend=shift)
            self._held, self._scrub_acc = 0.0, 0.0
        elif action in (Action.TOGGLE, Action.PAUSE):
            st.toggle_play()
        elif action is Action.MORE_SEEDS:
            st.faster()
        elif action is Action.FEWER_SEEDS:
            st.slower()
        elif action is Action.MORE:
            st.zoom_in()
        elif action is Action.LESS:
            st.zoom_out()
        elif action is Action.ERASE:
            st.delete_selection()
        elif action is Action.RESTORE:
            st.restore_all() if shift else st.restore_selection()
        elif action is Action.MIRROR:
            st.toggle_mirror()
        elif action is Action.NEXT:
            st.next_model(+1)
        elif action is Action.PREV:
            st.next_model(-1)
        elif action is Action.CONFIRM:
            st.predict()
        elif action is Action.RESTART:
            st.refresh()
        elif event.type in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEMOTION, pygame.MOUSEBUTTONUP):
            self._mouse(event)
        elif event.type == pygame.MOUSEWHEEL:
            st.zoom_in() if event.y > 0 else st.zoom_out()

    def _mouse(self, event: pygame.event.Event) -> None:
        st, lay = self.state, self.layout
        if event.type == pygame.MOUSEBUTTONUP:
            self._dragging = False
            return
        if event.type == pygame.MOUSEMOTION:
            if self._dragging and event.buttons[0]:
                st.seek(self._timeline_row(event.pos[0]))
            return
        if event.button != 1:
            return
        pos = event.pos
        shift = bool(pygame.key.get_mods() & pygame.KMOD_SHIFT)
        if lay.timeline.collidepoint(pos):
            row = self._timeline_row(pos[0])
            if shift:
                st.step(row - st.cursor, extend=True)
            else:
                st.clear_selection()
                st.select(row, row)  # dragging grows it from here
                self._dragging = True
        elif lay.overview.collidepoint(pos):
            f = (pos[0] - lay.overview.x) / max(lay.overview.w, 1)
            st.center_on(st.row_at_fraction(f, whole=True))
        elif lay.film.collidepoint(pos):
            rows = st.filmstrip_rows()
            for i, r in enumerate(rows):
                if self.layout.thumb(i, len(rows)).collidepoint(pos):
                    st.clear_selection()
                    st.seek(r)
        elif lay.sessions.collidepoint(pos):
            i = self.list_scroll + (pos[1] - lay.sessions.y - 40) // self._row_h()
            if pos[1] > lay.sessions.y + 40 and 0 <= i < len(st.sessions):
                st.open(i)
                self._thumbs.clear()

    def _timeline_row(self, x: int) -> int:
        a, b = self.state.view
        return a + row_at(self.layout.timeline, b - a, x)

    def update(self, dt: float) -> None:
        st = self.state
        left = self.app.key_held(pygame.K_LEFT, pygame.K_a)
        right = self.app.key_held(pygame.K_RIGHT, pygame.K_d)
        if left != right:  # scrub while an arrow is held
            self._held += dt
            if self._held > SCRUB_DELAY_S:
                self._scrub_acc += dt * SCRUB_ROWS_PER_S
                n = int(self._scrub_acc)
                self._scrub_acc -= n
                if n:
                    shift = self.app.key_held(pygame.K_LSHIFT, pygame.K_RSHIFT)
                    st.step(-n if left else n, extend=shift)
        else:
            self._held = 0.0
        st.update(dt)

    def on_exit(self) -> None:
        self.state.close()

    def on_resume(self) -> None:
        self.state.refresh()

    # --- drawing -------------------------------------------------------------------------
    def message_area(self, size: tuple[int, int]) -> pygame.Rect:
        """Messages go over the header line, never over the timeline or the model panel."""
        x = self.layout.frame.x
        return pygame.Rect(x, 0, size[0] - x - GAP, 54)

    def _row_h(self) -> int:
        return 46

    def draw(self, surface: pygame.Surface) -> None:
        size = surface.get_size()
        if size != self._size:
            self._size, self.layout = size, StudioLayout.for_size(size)
            self._thumbs.clear()
        surface.fill(theme.BG)
        st = self.state
        _text(surface, "STUDIO", (GAP + 4, 28), theme.LARGE, theme.ACCENT)
        ov = st.overview
        if ov is not None:
            head = (f"{ov.path.name}   {ov.track}  {ov.look}   {ov.rows} rows, "
                    f"{ov.duration_s:.0f} s   deleted {ov.deleted_rows}   "
                    f"mirrored {ov.mirrored_rows}   trains on {ov.trainable}")  # fmt: skip
            _text(surface, fit_text(head, size[0] - 160, theme.BODY), (130, 28), theme.BODY,
                  theme.TEXT)  # fmt: skip
        self._draw_sessions(surface)
        if st.session is None or not st.rows:
            lay = self.layout
            why = st.error or "No recordings yet: record some in Drive (R) or import a dataset."
            if st.session is not None:
                why = f"{st.session.dir.name}: no readable rows ({st.session.skipped} bad)"
            r = pygame.Rect(lay.frame.x, lay.frame.y, lay.model.right - lay.frame.x, 80)
            _text(surface, fit_text(why, r.w, theme.BODY), r.midleft, theme.BODY,
                  theme.BAD if st.error else theme.TEXT_MUTED)  # fmt: skip
            return
        self._draw_frame(surface)
        self._draw_info(surface)
        self._draw_film(surface)
        self._draw_timeline(surface)
        self._draw_model(surface)

    def _draw_sessions(self, surface: pygame.Surface) -> None:
        st, r = self.state, self.layout.sessions
        theme.draw_panel(surface, r, theme.PANEL, theme.PANEL_EDGE, radius=10)
        _text(surface, "RECORDINGS", (r.x + 12, r.y + 18), color=theme.ACCENT)
        _text(surface, f"{len(st.sessions)}", (r.right - 12, r.y + 18), anchor="midright")
        rh = self._row_h()
        visible = max((r.h - 48) // rh, 1)
        if st.index >= 0:  # keep the open one in view
            self.list_scroll = min(max(self.list_scroll, st.index - visible + 1), st.index)
        for k in range(visible):
            i = self.list_scroll + k
            if i >= len(st.sessions):
                break
            s = st.sessions[i]
            row = pygame.Rect(r.x + 6, r.y + 40 + k * rh, r.w - 12, rh - 4)
            if i == st.index:
                pygame.draw.rect(surface, theme.PANEL_EDGE, row, border_radius=6)
            name = fit_text(s.path.name, row.w - 16, theme.SMALL)
            _text(surface, name, (row.x + 8, row.y + 12), theme.SMALL,
                  theme.TEXT if i == st.index else theme.TEXT_MUTED)  # fmt: skip
            if s.error:
                detail, color = "cannot be read", theme.BAD
            else:
                src = " ".join(f"{k[:3]} {v}" for k, v in s.sources.items())
                deleted = f"  del {s.deleted}" if s.deleted else ""
                detail, color = f"{s.frames} rows{deleted}  {src}", theme.TEXT_DIM
            _text(surface, fit_text(detail, row.w - 16, theme.SMALL), (row.x + 8, row.y + 30),
                  theme.SMALL, color)  # fmt: skip
        if not st.sessions:
            _text(surface, "no recordings yet", (r.x + 12, r.y + 60))

    def _draw_frame(self, surface: pygame.Surface) -> None:
        st, r = self.state, self.layout.frame
        row = st.cursor
        key = (st.session.dir, row, r.size)
        if self._big is None or self._big[0] != key:  # scaled once per row shown
            self._big = (key, frame_surface(st.frame(row), r.size))
        surface.blit(self._big[1], r)
        draw_frame_marks(surface, r, bool(st.deleted[row]), bool(st.mirrored[row]))
        pygame.draw.rect(surface, theme.PANEL_EDGE, r, 1)
        if st.deleted[row]:
            _text(surface, "DELETED", r.center, theme.LARGE, theme.BAD, anchor="center")
        play = f"{'PLAYING' if st.playing else 'paused'}  {st.speed}x"
        sel = st.selection
        if sel is not None:
            play += f"     selected rows {sel[0] + 1}-{sel[1]} ({sel[1] - sel[0]})"
        label = theme.text(play, theme.SMALL, theme.ACCENT)
        back = label.get_rect(bottomleft=(r.x + 6, r.bottom - 4)).inflate(10, 6)
        theme.draw_panel(surface, back, theme.PANEL_DARK, None, radius=4, alpha=200)
        surface.blit(label, label.get_rect(center=back.center))

    def _draw_info(self, surface: pygame.Surface) -> None:
        st, r = self.state, self.layout.info
        theme.draw_panel(surface, r, theme.PANEL, theme.PANEL_EDGE, radius=10)
        row = st.cursor
        cols = st.session.columns
        log_row = int(st.session.log_rows[row])
        src = str(cols["source"][row]) if "source" in cols else "-"
        lines = [(f"row {row + 1}/{st.rows}   log row {log_row}", theme.TEXT)]
        if "t" in cols:
            lines.append((f"t {float(cols['t'][row]):.2f} s", theme.TEXT_MUTED))
        steer = f"steering {float(cols['steering'][row]):+.3f}"
        if st.prediction is not None and np.isfinite(st.prediction.steering[row]):
            steer += f"   model {float(st.prediction.steering[row]):+.3f}"
        lines.append((steer, theme.TEXT))
        pedals = []
        if "throttle" in cols:
            pedals.append(f"throttle {float(cols['throttle'][row]):.2f}")
        if "speed" in cols:
            pedals.append(f"speed {float(cols['speed'][row]):.1f} m/s")
        if pedals:
            lines.append(("   ".join(pedals), theme.TEXT_MUTED))
        marks = [
            m for m, on in (("DELETED", st.deleted[row]), ("MIRRORED", st.mirrored[row])) if on
        ]
        lines.append((f"source {src}   " + " ".join(marks), SOURCE_COLORS.get(src, theme.TEXT)))
        y = r.y + 16
        for text, color in lines:
            if y > self.layout.hist.y - 10:
                break
            _text(surface, fit_text(text, r.w - 24, theme.SMALL), (r.x + 12, y), theme.SMALL, color)
            y += 20
        draw_histogram(surface, self.layout.hist, st.histogram(), "steering of the rows kept")

    def _draw_film(self, surface: pygame.Surface) -> None:
        st = self.state
        rows = st.filmstrip_rows()
        deleted, mirrored = st.deleted, st.mirrored
        for i, row in enumerate(rows):
            r = self.layout.thumb(i, len(rows))
            key = (row, r.size)
            if key not in self._thumbs:
                if len(self._thumbs) > 4 * FILMSTRIP:
                    self._thumbs.clear()
                self._thumbs[key] = frame_surface(st.frame(row), r.size)
            surface.blit(self._thumbs[key], r)
            draw_frame_marks(surface, r, bool(deleted[row]), bool(mirrored[row]))
            edge = theme.ACCENT if row == st.cursor else theme.PANEL_EDGE
            pygame.draw.rect(surface, edge, r, 1)

    def _draw_timeline(self, surface: pygame.Surface) -> None:
        st, lay = self.state, self.layout
        a, b = st.view
        cols = st.session.columns
        speed = cols.get("speed")
        vmax = float(np.max(speed)) if speed is not None and len(speed) else 0.0
        sel = st.selection
        pred = st.prediction.steering[a:b] if st.prediction is not None else None
        data = TimelineData(
            steering=cols["steering"][a:b],
            throttle=cols["throttle"][a:b] if "throttle" in cols else None,
            speed=speed[a:b] / vmax if speed is not None and vmax > 0 else None,
            source=cols["source"][a:b] if "source" in cols else np.full(b - a, ""),
            deleted=st.deleted[a:b],
            mirrored=st.mirrored[a:b],
            driven=st.driven[a:b],
            prediction=pred,
            cursor=None,  # drawn each frame over the cached picture
            selection=(max(sel[0], a) - a, min(sel[1], b) - a) if sel and sel[1] > a and sel[0] < b
            else None,
            first_row=a + 1,
            speed_max=vmax,
        )  # fmt: skip
        key = (lay.timeline.size, st.view, st.edits_key, sel, st.prediction_key)
        if self._timeline is None or self._timeline[0] != key:
            # Redrawn only when what it shows changes: while playing, once per page.
            picture = pygame.Surface(lay.timeline.size)
            picture.fill(theme.BG)
            draw_timeline(picture, picture.get_rect(), data)
            self._timeline = (key, picture)
        surface.blit(self._timeline[1], lay.timeline)
        if a <= st.cursor < b:
            draw_timeline_cursor(surface, lay.timeline, b - a, st.cursor - a)
        _text(surface, "session", (lay.overview.x - 8, lay.overview.centery), anchor="midright")
        draw_overview(surface, lay.overview, st.rows, st.view, st.cursor, mask_ranges(st.deleted))

    def _draw_model(self, surface: pygame.Surface) -> None:
        st, r = self.state, self.layout.model
        theme.draw_panel(surface, r, theme.PANEL, theme.PANEL_EDGE, radius=10)
        name = st.model.label if st.model is not None else "no driving model"
        _text(surface, "MODEL", (r.x + 12, r.y + 18), color=theme.ACCENT)
        label = fit_text(f"{name}   (Tab)", r.w * 40 // 100, theme.BODY)
        _text(surface, label, (r.x + 80, r.y + 18), theme.BODY, theme.TEXT)
        x2 = r.x + r.w * 50 // 100
        if st.predicting:
            fraction, message = st.progress
            self.bar.rect = pygame.Rect(x2, r.y + 10, r.right - x2 - 12, 18)
            self.bar.fraction = fraction
            self.bar.label = message
            self.bar.draw(surface, clock=pygame.time.get_ticks() / 1000.0)
            whole = st.stats()[0]
            so_far = f"so far: {whole.text}   Esc cancels" if whole.rows else "Esc cancels"
            _text(surface, fit_text(so_far, r.right - x2 - 12, theme.SMALL), (x2, r.y + 44),
                  color=theme.TEXT_DIM)  # fmt: skip
        elif st.prediction is None:
            _text(surface, "Enter: predict the steering of every frame (open loop)",
                  (x2, r.y + 18), color=theme.TEXT_DIM)  # fmt: skip
        else:
            whole, visible = st.stats()
            _text(surface, fit_text(f"session   {whole.text}", r.right - x2 - 12, theme.SMALL),
                  (x2, r.y + 18), color=theme.TEXT)  # fmt: skip
            _text(surface, fit_text(f"visible   {visible.text}", r.right - x2 - 12, theme.SMALL),
                  (x2, r.y + 42), color=theme.TEXT)  # fmt: skip
        hint = key_hint(r.w * 48 // 100)
        _text(surface, hint, (r.x + 12, r.y + 44), color=theme.TEXT_DIM)
