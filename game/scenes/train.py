"""The Train screen: pick recorded sessions, where to start (fine-tune a model, or scratch),
an architecture and epochs, and train a CNN.

Training (agents/driving/train.py) runs in a background worker, so the screen keeps drawing
at full rate: a progress bar with epoch, batch and ETA, and the loss / val-loss curves fill
in live. Cancel leaves every existing model file as it was. When training finishes, the
result card offers "Drive with it", which opens the Autopilot screen with the new model.
Each run writes a new file in the user's models folder, named by architecture and time
(shown as "saves to ..."), never over another model. The state and
its rules are game/sessions/training.py; this module turns input into calls and draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pygame

from agents.driving.models import ARCHITECTURE_NAMES
from agents.driving.recording_reader import SessionSummary
from game.actions import Action, action_for
from game.render import theme
from game.render.charts import LineChart
from game.render.controls import CheckList, CheckRow, ProgressBar, Stepper
from game.render.table import fit_text
from game.render.widgets import Button
from game.scenes import register_scene
from game.scenes.base import Scene
from game.sessions.training import EPOCH_CHOICES, SKIPPED_SHOWN, RunState, TrainScreenState
from game.textfmt import plural

__all__ = ["SKIPPED_SHOWN", "TrainScene", "TrainLayout", "draw_histogram"]

ROW_H = 52
GAP = 20


@dataclass(frozen=True)
class TrainLayout:
    """Every panel's rectangle, from the window size (the list left, the run right)."""

    list: pygame.Rect
    rows: pygame.Rect  # the session rows inside the list panel
    settings: pygame.Rect
    progress: pygame.Rect
    chart: pygame.Rect
    chart_short: pygame.Rect  # when skipped rows are listed below the chart
    skipped: pygame.Rect
    result: pygame.Rect

    @classmethod
    def for_size(cls, size: tuple[int, int]) -> TrainLayout:
        w, h = size
        top = max(h * 84 // 720, 60)
        left_w = (w - 3 * GAP) * 690 // 1220
        right_x, right_w = 2 * GAP + left_w, w - 3 * GAP - left_w
        lst = pygame.Rect(GAP, top, left_w, h - top - 20)  # ends level with the result
        col = h - top - 3 * 12 - 20  # the right column: settings, progress, chart, result
        settings = pygame.Rect(right_x, top, right_w, col * 36 // 100)
        progress = pygame.Rect(right_x, settings.bottom + 12, right_w, col * 12 // 100)
        chart = pygame.Rect(right_x, progress.bottom + 12, right_w, col * 31 // 100)
        short = pygame.Rect(chart.x, chart.y, right_w, chart.h * 41 // 100)
        skipped = pygame.Rect(chart.x, short.bottom + 8, right_w, chart.bottom - short.bottom - 8)
        result = pygame.Rect(right_x, chart.bottom + 12, right_w, h - 20 - chart.bottom - 12)
        rows = pygame.Rect(lst.x + 8, lst.y + 40, lst.w - 16, lst.h - 40 - 64)
        return cls(lst, rows, settings, progress, chart, short, skipped, result)


def draw_histogram(surface: pygame.Surface, rect: pygame.Rect, counts: np.ndarray) -> None:
    """Steering histogram (-1 left .. +1 right) as small bars, with the centre marked."""
    pygame.draw.rect(surface, theme.PANEL_DARK, rect, border_radius=4)
    n = len(counts)
    top = float(max(counts.max(), 1)) if n else 1.0
    w = rect.w / max(n, 1)
    for i, c in enumerate(counts):
        h = int(round((rect.h - 4) * (c / top) ** 0.5))  # sqrt: the straight-road spike
        if h > 0:  # would flatten every curve bin to nothing
            bar = pygame.Rect(int(rect.x + i * w) + 1, rect.bottom - 2 - h, max(int(w) - 1, 1), h)
            pygame.draw.rect(surface, theme.ACCENT_2, bar)
    pygame.draw.line(surface, theme.TEXT_DIM, (rect.centerx, rect.y), (rect.centerx, rect.bottom))


def session_row(s: SessionSummary, checked: bool) -> CheckRow:
    """A session as a check-list row: name, track / look / sources (or its problem), frames."""
    name = s.path.name if len(s.path.name) <= 34 else s.path.name[:33] + "..."
    if s.error:  # the row already names the session: show the problem from the file name on
        return CheckRow(name, s.error.replace(f"{s.path}/", "")[:70], "", checked, False, theme.BAD)
    sources = "  ".join(f"{k} {v}" for k, v in sorted(s.sources.items()))
    detail, color = f"{s.track}  {s.look}   {sources}", theme.TEXT_DIM
    if s.deleted:  # trimmed in the Studio: training leaves them out
        detail += f"   {s.deleted} deleted"
    if s.skipped:
        detail, color = detail + f"   {s.skipped} bad rows", theme.WARN
    return CheckRow(name, detail, plural(s.frames, "frame"), checked, s.frames > 0, color)


def _text(surface, s, pos, size=theme.SMALL, color=theme.TEXT_MUTED, anchor="midleft") -> None:
    theme.blit_text(surface, s, pos, size, color, anchor=anchor)


def _panel(surface: pygame.Surface, rect: pygame.Rect, title: str, color=theme.ACCENT) -> None:
    theme.draw_panel(surface, rect, theme.PANEL, theme.PANEL_EDGE, radius=10)
    _text(surface, title, (rect.x + 14, rect.y + 18), color=color)


@register_scene("train", label="Train", order=20,
                description="Train a CNN on your recordings and watch the loss fall")  # fmt: skip
class TrainScene(Scene):
    title = "Train"
    help_lines = [
        ("Up / Down", "choose a session"), ("Space / click", "select / deselect the session"),
        ("Ctrl+A", "select all / none"), ("F / click", "start from: a model or scratch"),
        ("Tab", "next architecture"),
        ("Left / Right", "fewer / more epochs"), ("Enter", "start training"),
        ("Esc", "cancel training (keeps the old model) / back"),
        ("O / click DRIVE WITH IT", "drive with the new model"), ("F5", "reload the session list"),
    ]  # fmt: skip
    # Training goes on while the help overlay is open.
    paused_by_overlay = False

    def __init__(self, app, out_name: str | None = None) -> None:
        super().__init__(app)
        self.state = TrainScreenState(out_name, notify=app.toast)
        self.layout = TrainLayout.for_size(app.screen.get_size())
        self.list = CheckList(self.layout.rows, ROW_H, self._draw_hist, reserve_right=140,
                              show_hidden=True)  # fmt: skip
        self.chart = LineChart(self.layout.chart, "Loss", x_label="epochs")
        self.bar = ProgressBar(pygame.Rect(0, 0, 1, 1))
        self.epoch_stepper = Stepper(pygame.Rect(0, 0, 1, 1), "Epochs", EPOCH_CHOICES, 10)
        self.arch_buttons = [Button(pygame.Rect(0, 0, 1, 1), n) for n in ARCHITECTURE_NAMES]
        self.start_from_button = Button(pygame.Rect(0, 0, 1, 1), "")
        self.start_button = Button(pygame.Rect(0, 0, 1, 1), "START")
        self.drive_button = Button(pygame.Rect(0, 0, 1, 1), "DRIVE WITH IT  (O)")
        self._size = app.screen.get_size()
        self._place(self.layout)

    def _place(self, lay: TrainLayout) -> None:
        """Put the controls into the layout's panels."""
        self.layout = lay
        self.list.rect = pygame.Rect(lay.rows)
        s = lay.settings
        row = max(s.h // 5, 30)
        self.start_from_button.rect = pygame.Rect(s.x + 150, s.y + row + 4, s.w - 164, row - 8)
        n = len(self.arch_buttons)  # the buttons share the width right of their label
        bw = min(110, (s.w - 164 - 10 * (n - 1)) // n)
        for i, b in enumerate(self.arch_buttons):
            b.rect = pygame.Rect(s.x + 150 + i * (bw + 10), s.y + 2 * row + 4, bw, row - 8)
        self.start_button.rect = pygame.Rect(s.right - 180, s.y + 3 * row + 4, 166, row - 8)
        stepper_w = min(270, self.start_button.rect.x - 12 - (s.x + 14))  # clear of START
        self.epoch_stepper.place(pygame.Rect(s.x + 14, s.y + 3 * row + 4, stepper_w, row - 8))
        p = lay.progress
        self.bar.rect = pygame.Rect(p.x + 14, p.bottom - 30, p.w - 28, 18)
        r = lay.result
        self.drive_button.rect = pygame.Rect(r.right - 180, r.bottom - 48, 166, 36)

    # The state under the names the screen had before game/sessions/training.py.
    sessions = property(lambda self: self.state.sessions)
    epochs = property(lambda self: self.state.epochs)
    training = property(lambda self: self.state.training)
    result = property(lambda self: self.state.result)
    status = property(lambda self: self.state.status)

    def skipped_lines(self) -> list[str]:
        return self.state.run.skipped_lines() if self.state.run is not None else []

    # --- input ---------------------------------------------------------------------------
    def _sync_rows(self) -> None:
        st = self.state
        self.list.rows = [session_row(s, s.path in st.selected) for s in st.sessions]

    def handle_event(self, event: pygame.event.Event) -> None:
        self._sync_rows()
        tick = self.list.handle_event(event)
        if tick is not None:
            self.state.toggle_all() if tick.row is None else self.state.toggle(tick.row)
            return
        action = action_for(event)
        if action is Action.BACK:
            self.state.cancel() if self.state.training else self.app.pop()
        elif action is Action.CONFIRM:
            self.state.start()
        elif action is Action.NEXT:
            self.state.next_arch()
        elif action is Action.FINE_TUNE:
            self.state.next_start()
        elif action in (Action.LEFT, Action.RIGHT, Action.LESS, Action.MORE):
            self._step(-1 if action in (Action.LEFT, Action.LESS) else +1)
        elif action is Action.RESTART and not self.state.training:
            self.state.refresh()
        elif action is Action.OPEN_RESULT:
            self.drive_with_it()
        elif event.type in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEMOTION):
            self._mouse(event)

    def _step(self, delta: int) -> None:
        self.epoch_stepper.enabled = self.state.editable
        if self.epoch_stepper.step(delta):
            self.state.set_epochs(self.epoch_stepper.value)

    def _mouse(self, event: pygame.event.Event) -> None:
        self.epoch_stepper.enabled = self.state.editable
        if self.epoch_stepper.handle_event(event):
            self.state.set_epochs(self.epoch_stepper.value)
        for b in self.arch_buttons:
            if b.handle_event(event):
                self.state.set_arch(b.label)
        if self.start_from_button.handle_event(event):
            self.state.next_start()
        if self.start_button.handle_event(event):
            self.state.cancel() if self.state.training else self.state.start()
        if self.drive_button.handle_event(event):
            self.drive_with_it()

    def drive_with_it(self) -> None:
        path = self.state.model_path()
        if path is None:
            self.app.toast("train a model first")
            return
        self.app.push("autopilot", model=str(path))

    def on_exit(self) -> None:
        self.state.cancel()

    def on_resume(self) -> None:
        self.state.refresh()

    def update(self, dt: float) -> None:
        self.state.update()

    # --- drawing -------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        size = surface.get_size()
        if size != self._size:
            self._size = size
            self._place(TrainLayout.for_size(size))
        surface.fill(theme.BG)
        y = self.layout.list.y // 2
        _text(surface, "TRAIN", (22, y), theme.TITLE, theme.ACCENT)
        _text(surface, "a steering CNN on your recordings", (200, y + 8), theme.BODY)
        self._draw_list(surface)
        self._draw_settings(surface)
        self._draw_run(surface)
        self._draw_result(surface)

    def _draw_hist(self, surface: pygame.Surface, i: int, rect: pygame.Rect) -> None:
        draw_histogram(surface, rect, self.state.sessions[i].steering_hist)

    def _draw_list(self, surface: pygame.Surface) -> None:
        st, lst = self.state, self.layout.list
        _panel(surface, lst, "RECORDED SESSIONS")
        _text(surface, f"{len(st.selected)} selected   {plural(st.frames_selected, 'frame')}",
              (lst.right - 14, lst.y + 20), color=theme.TEXT, anchor="midright")  # fmt: skip
        self._sync_rows()
        self.list.draw(surface)
        if not st.sessions:
            for k, line in enumerate(st.empty_lines()):
                _text(surface, line, (lst.centerx, lst.centery - 30 + 28 * k), theme.BODY,
                      anchor="center")  # fmt: skip
        if len(st.sessions) > self.list.visible_rows:
            end = min(len(st.sessions), self.list.scroll + self.list.visible_rows)
            more = f"{self.list.scroll + 1}-{end} of {len(st.sessions)}  (wheel / Up / Down)"
            _text(surface, more, (lst.centerx, lst.bottom - 52), color=theme.TEXT_DIM,
                  anchor="center")  # fmt: skip
        hint = "Space select   Ctrl+A all   F start from   Tab arch   Left/Right epochs   Enter go"
        _text(surface, hint, (lst.centerx, lst.bottom - 22), color=theme.TEXT_DIM, anchor="center")

    def _draw_settings(self, surface: pygame.Surface) -> None:
        st, r = self.state, self.layout.settings
        _panel(surface, r, "SETTINGS")
        start = self.start_from_button
        _text(surface, "Start from", (r.x + 14, start.rect.centery), theme.BODY)
        start.label = fit_text(f"{st.start_choice.text}   (F)", start.rect.w - 24, start.size)
        start.enabled = st.editable
        start.draw(surface)
        _text(surface, "Architecture", (r.x + 14, self.arch_buttons[0].rect.centery), theme.BODY)
        for b in self.arch_buttons:  # stays enabled while training so the choice stays visible
            b.draw(surface, focused=b.label == st.arch)
        self.epoch_stepper.set(st.epochs)
        self.epoch_stepper.enabled = st.editable
        self.epoch_stepper.draw(surface)
        self.start_button.label = "CANCEL" if st.training else "START"
        self.start_button.draw(surface, focused=st.training)
        _text(surface, fit_text(st.saves_to, r.w - 28, theme.SMALL), (r.x + 14, r.bottom - 18),
              color=theme.TEXT_DIM)  # fmt: skip

    def _draw_run(self, surface: pygame.Surface) -> None:
        st, lay = self.state, self.layout
        r = lay.progress
        theme.draw_panel(surface, r, theme.PANEL, theme.PANEL_EDGE, radius=10)
        run = st.run
        line, why = st.status_line(), ""
        color = theme.BAD if line.startswith("failed") else theme.TEXT
        if run is not None and run.stalled:  # the watchdog: what happened above, why in the bar
            line, _, why = line.partition(": ")
            color = theme.WARN
        _text(surface, fit_text(line, r.w - 28, theme.BODY), (r.x + 14, r.y + 20), theme.BODY,
              color)  # fmt: skip
        # Unknown while TensorFlow starts and the frames are checked: a sliding block.
        known = run is not None and (run.active or run.fraction is not None)
        self.bar.fraction = run.fraction if known else 0.0
        # A cancelled run's bar stays where it stopped, and says so.
        cancelled = run is not None and run.state is RunState.CANCELLED
        why = fit_text(why, self.bar.rect.w - 60, theme.SMALL)  # room for the percentage
        self.bar.label = "cancelled" if cancelled else why
        self.bar.draw(surface, clock=pygame.time.get_ticks() / 1000.0)
        skipped = run.skipped_lines() if run is not None else []
        self.chart.rect = pygame.Rect(lay.chart_short if skipped else lay.chart)
        if run is not None:
            self.chart.series = {k: v[-self.chart.max_points :] for k, v in run.curves.items() if v}
        self.chart.draw(surface)
        if skipped:
            n = len(run.skipped)
            _panel(surface, lay.skipped, f"SKIPPED {plural(n, 'BAD ROW', 'BAD ROWS')}", theme.WARN)
            for k, text in enumerate(skipped):
                _text(surface, text, (lay.skipped.x + 14, lay.skipped.y + 40 + 19 * k))

    def _draw_result(self, surface: pygame.Surface) -> None:
        r, res = self.layout.result, self.state.result
        _panel(surface, r, "LAST FINISHED RUN")
        if res is None:
            _text(surface, "no finished run yet", (r.x + 14, r.y + 52), theme.BODY, theme.TEXT_DIM)
            return
        rows = (
            ("best val loss", f"{res.best_val_loss:.5f}"),
            ("time", f"{res.seconds:.0f} s, {plural(res.epochs_run, 'epoch')}"),
            ("saved", res.model_path.name),
        )
        room = self.drive_button.rect.x - 10 - (r.x + 130)  # the values stop short of the button
        for k, (label, value) in enumerate(rows):
            _text(surface, label, (r.x + 14, r.y + 44 + 24 * k))
            value = fit_text(value, room, theme.BODY)
            _text(surface, value, (r.x + 130, r.y + 44 + 24 * k), theme.BODY, theme.TEXT)
        self.drive_button.draw(surface, focused=True)
