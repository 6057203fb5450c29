"""The Train screen: pick recorded sessions, an architecture and epochs, and train a CNN.

Training (agents/driving/train.py) runs in a background worker, so the screen keeps drawing
at full rate: a progress bar with epoch, batch and ETA, and the loss / val-loss curves fill
in live. Cancel leaves every existing model file as it was. When training finishes, the
result card offers "Drive with it", which opens the Autopilot screen with the new model.
Models are written to the user's models folder, never over the shipped ones.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pygame

from agents.driving.recording import SessionSummary, list_sessions
from game.paths import user_dir
from game.render import theme
from game.render.charts import LineChart
from game.render.widgets import Button, ProgressBar
from game.scenes import register_scene
from game.scenes.base import Scene
from game.workers import CANCELLED, DONE, FAILED, Worker, WorkerContext

# The names in agents/driving/models.py ARCHITECTURES (that module imports Keras: not here).
ARCHITECTURES = ("pilotnet", "pooled", "nopool")
EPOCH_CHOICES = (1, 2, 3, 5, 10, 15, 20, 30, 50)
DEFAULT_EPOCHS = 10

# --- layout (1280 x 720) ----------------------------------------------------------------------
LIST = pygame.Rect(20, 84, 690, 588)
SETTINGS = pygame.Rect(730, 84, 530, 168)
PROGRESS = pygame.Rect(730, 264, 530, 70)
CHART = pygame.Rect(730, 346, 530, 220)
# When rows were skipped, the chart shrinks and the first few are listed below it.
CHART_SHORT = pygame.Rect(730, 346, 530, 90)
SKIPPED = pygame.Rect(730, 444, 530, 122)
SKIPPED_SHOWN = 4  # problems listed on screen, then "and N more"
RESULT = pygame.Rect(730, 578, 530, 122)
ROW_H = 52
LIST_TOP = LIST.y + 40  # first session row


def train_job(sessions: list[Path], arch: str, epochs: int, out_path: Path):
    """Worker job: train and save `out_path`; progress events go to the screen as data."""

    def job(ctx: WorkerContext):
        ctx.progress(None, "starting TensorFlow")
        from agents.driving.train import train

        def progress(event: dict) -> None:
            if event.get("phase") == "data":  # checking the frames: a status line meanwhile
                ctx.progress(None, event.get("message", ""))
            ctx.emit(event)

        return train(
            sessions,
            arch=arch,
            epochs=epochs,
            out_path=out_path,
            progress=progress,
            cancel=ctx.cancel,
        )

    return job


def _short_sources(s: SessionSummary) -> str:
    return "  ".join(f"{k} {v}" for k, v in sorted(s.sources.items()))


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


@register_scene(
    "train",
    label="Train",
    order=20,
    description="Train a CNN on your recordings and watch the loss fall",
)
class TrainScene(Scene):
    title = "Train"
    help_lines = [
        ("Up / Down", "choose a session"),
        ("Space / click", "select / deselect the session"),
        ("A", "select all / none"),
        ("Tab", "next architecture"),
        ("Left / Right, - / +", "fewer / more epochs"),
        ("Enter", "start training"),
        ("Esc", "cancel training (keeps the old model) / back"),
        ("D", "drive with the new model"),
        ("R", "reload the session list"),
    ]
    # Training goes on while the help overlay is open.
    paused_by_overlay = False

    def __init__(self, app, out_name: str | None = None) -> None:
        super().__init__(app)
        self.out_name = out_name  # file name in the user's models folder
        self.arch = ARCHITECTURES[0]
        self.epochs = DEFAULT_EPOCHS
        self.sessions: list[SessionSummary] = []
        self.selected: set[Path] = set()
        self.cursor = 0
        self.scroll = 0
        self.worker: Worker | None = None
        self.out_path: Path | None = None
        self.result = None  # TrainResult of the last finished run
        self.status = ""  # one line about the last run: cancelled, failed, ...
        self.skipped: list[str] = []  # bad rows the current / last run left out (file: line)
        self.started = 0.0
        self.last_event: dict = {}
        self.chart = LineChart(CHART, "Loss", y_label="epoch")
        self.bar = ProgressBar(pygame.Rect(PROGRESS.x + 14, PROGRESS.y + 40, PROGRESS.w - 28, 18))
        self.arch_buttons = [
            Button(pygame.Rect(SETTINGS.x + 150 + i * 120, SETTINGS.y + 40, 110, 34), name)
            for i, name in enumerate(ARCHITECTURES)
        ]
        self.minus = Button(pygame.Rect(SETTINGS.x + 150, SETTINGS.y + 84, 34, 34), "-")
        self.plus = Button(pygame.Rect(SETTINGS.x + 250, SETTINGS.y + 84, 34, 34), "+")
        self.start_button = Button(
            pygame.Rect(SETTINGS.right - 180, SETTINGS.y + 84, 166, 34), "START"
        )
        self.drive_button = Button(
            pygame.Rect(RESULT.right - 180, RESULT.bottom - 48, 166, 36), "DRIVE WITH IT  (D)"
        )
        self._fps = 0.0
        self._last_draw: float | None = None
        self.refresh()

    # --- sessions ------------------------------------------------------------------------
    def refresh(self) -> None:
        self.sessions = list_sessions(user_dir("recordings"))
        paths = {s.path for s in self.sessions}
        self.selected &= paths
        self.cursor = min(self.cursor, max(len(self.sessions) - 1, 0))

    def toggle(self, i: int) -> None:
        if not 0 <= i < len(self.sessions):
            return
        s = self.sessions[i]
        if s.error or s.frames == 0:
            self.app.toast(s.error or f"{s.path.name}: no frames to train on", "error")
            return
        self.selected ^= {s.path}

    def toggle_all(self) -> None:
        usable = {s.path for s in self.sessions if not s.error and s.frames > 0}
        self.selected = set() if usable <= self.selected else usable

    @property
    def visible_rows(self) -> int:
        return (LIST.bottom - 44 - LIST_TOP) // ROW_H

    def _scroll_to_cursor(self) -> None:
        if self.cursor < self.scroll:
            self.scroll = self.cursor
        elif self.cursor >= self.scroll + self.visible_rows:
            self.scroll = self.cursor - self.visible_rows + 1

    def _row_at(self, pos: tuple[int, int]) -> int | None:
        x, y = pos
        if not LIST.collidepoint(pos) or y < LIST_TOP:
            return None
        i = self.scroll + (y - LIST_TOP) // ROW_H
        return i if i < min(len(self.sessions), self.scroll + self.visible_rows) else None

    # --- training ------------------------------------------------------------------------
    @property
    def output_name(self) -> str:
        # One file per architecture: a new run replaces it only when it finishes.
        return self.out_name or f"my-{self.arch}.h5"

    @property
    def training(self) -> bool:
        return self.worker is not None

    def start(self) -> None:
        if self.training:
            return
        chosen = [s.path for s in self.sessions if s.path in self.selected]
        if not chosen:
            self.app.toast("select at least one recorded session (Space or click)", "error")
            return
        self.out_path = user_dir("models") / self.output_name
        # self.result stays: the last finished model is still there (cancel keeps it).
        self.status = ""
        self.skipped = []
        self.chart.rect = pygame.Rect(CHART)
        self.last_event = {}
        self.chart.clear()
        self.started = time.monotonic()
        job = train_job(chosen, self.arch, self.epochs, self.out_path)
        self.worker = Worker(job, name="training").start()

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.status = "cancelling after this batch..."

    def _on_event(self, event: dict) -> None:
        """A progress dict from agents.driving.train: update the bar and the curves."""
        if event.get("phase") == "data":
            if event.get("skipped"):
                self.skipped = [str(p) for p in event["skipped"]]
                self.chart.rect = pygame.Rect(CHART_SHORT)
            return
        self.last_event = event
        epochs = max(int(event.get("epochs", 1)), 1)
        batches = max(int(event.get("batches") or 1), 1)
        epoch = int(event.get("epoch", 1))
        phase = event.get("phase")
        if phase == "train" and event.get("batch"):
            x = epoch - 1 + event["batch"] / batches
            self.bar.fraction = min(x / epochs, 1.0)
            loss = event.get("loss")
            if loss is not None and np.isfinite(loss):
                self.chart.add("loss", loss, x=x)
        elif phase == "epoch_end":
            history = event.get("history", {})
            val = history.get("val_loss", [])
            if val and np.isfinite(val[-1]):
                self.chart.add("val_loss", val[-1], x=epoch)
        elif phase == "done":
            self.bar.fraction = 1.0

    def _poll(self) -> None:
        worker = self.worker
        if worker is None:
            return
        for ev in worker.poll():
            if ev.kind == "data" and isinstance(ev.data, dict):
                self._on_event(ev.data)
        if not worker.finished:
            return
        self.worker = None
        if worker.state == DONE and worker.result is not None and not worker.result.cancelled:
            self.result = worker.result
            self.status = ""
            n = len(self.skipped)
            note = f" ({n} bad row{'s' if n != 1 else ''} skipped)" if n else ""
            self.app.toast(f"model saved: {self.result.model_path}{note}")
        elif worker.state == CANCELLED or (worker.result is not None and worker.result.cancelled):
            self.status = "cancelled: no model was written, earlier models are unchanged"
            self.app.toast("training cancelled")
        elif worker.state == FAILED:
            self.status = f"failed: {worker.error}"
            self.app.toast(worker.error or "training failed", "error")

    def drive_with_it(self) -> None:
        if self.result is None or self.result.model_path is None:
            self.app.toast("train a model first")
            return
        self.app.push("autopilot", model=str(self.result.model_path))

    def on_exit(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def on_resume(self) -> None:
        self.refresh()

    # --- input ---------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == pygame.KEYDOWN:
            self._key(event.key)
        elif event.type == pygame.MOUSEWHEEL:
            most = max(len(self.sessions) - self.visible_rows, 0)
            self.scroll = min(max(self.scroll - event.y, 0), most)
        elif event.type in (pygame.MOUSEMOTION, pygame.MOUSEBUTTONDOWN):
            self._mouse(event)

    def _key(self, key: int) -> None:
        if key == pygame.K_ESCAPE:
            if self.training:
                self.cancel()
            else:
                self.app.pop()
        elif key in (pygame.K_UP, pygame.K_w) and self.sessions:
            self.cursor = (self.cursor - 1) % len(self.sessions)
            self._scroll_to_cursor()
        elif key in (pygame.K_DOWN, pygame.K_s) and self.sessions:
            self.cursor = (self.cursor + 1) % len(self.sessions)
            self._scroll_to_cursor()
        elif key == pygame.K_SPACE:
            self.toggle(self.cursor)
        elif key == pygame.K_a:
            self.toggle_all()
        elif key == pygame.K_r and not self.training:
            self.refresh()
        elif key == pygame.K_d:
            self.drive_with_it()
        elif self.training:
            return  # settings are fixed while a run is going
        elif key == pygame.K_TAB:
            self.arch = ARCHITECTURES[(ARCHITECTURES.index(self.arch) + 1) % len(ARCHITECTURES)]
        elif key in (pygame.K_LEFT, pygame.K_MINUS, pygame.K_KP_MINUS):
            self._step_epochs(-1)
        elif key in (pygame.K_RIGHT, pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS):
            self._step_epochs(+1)
        elif key in (pygame.K_RETURN, pygame.K_KP_ENTER):
            self.start()

    def _step_epochs(self, step: int) -> None:
        i = EPOCH_CHOICES.index(self.epochs) if self.epochs in EPOCH_CHOICES else 0
        self.epochs = EPOCH_CHOICES[min(max(i + step, 0), len(EPOCH_CHOICES) - 1)]

    def _mouse(self, event: pygame.event.Event) -> None:
        buttons = [*self.arch_buttons, self.minus, self.plus, self.start_button, self.drive_button]
        clicked = [b for b in buttons if b.handle_event(event)]
        if event.type == pygame.MOUSEMOTION:
            row = self._row_at(event.pos)
            if row is not None:
                self.cursor = row
            return
        if event.button != 1:
            return
        row = self._row_at(event.pos)
        if row is not None:
            self.cursor = row
            self.toggle(row)
        for b in clicked:
            if b is self.start_button:
                if self.training:
                    self.cancel()
                else:
                    self.start()
            elif b is self.drive_button:
                self.drive_with_it()
            elif self.training:
                continue
            elif b is self.minus:
                self._step_epochs(-1)
            elif b is self.plus:
                self._step_epochs(+1)
            else:
                self.arch = b.label

    # --- per frame -----------------------------------------------------------------------
    def update(self, dt: float) -> None:
        self._poll()

    def draw(self, surface: pygame.Surface) -> None:
        now = time.perf_counter()
        if self._last_draw is not None:
            dt = max(now - self._last_draw, 1e-6)
            self._fps = 1.0 / dt if self._fps == 0 else 0.9 * self._fps + 0.1 / dt
        self._last_draw = now
        surface.fill(theme.BG)
        theme.blit_text(surface, "TRAIN", (22, 40), theme.TITLE, theme.ACCENT, anchor="midleft")
        theme.blit_text(
            surface,
            "a steering CNN on your recordings",
            (200, 48),
            theme.BODY,
            theme.TEXT_MUTED,
            anchor="midleft",
        )
        theme.blit_text(
            surface,
            f"{self._fps:4.0f} FPS",
            (1260, 40),
            theme.SMALL,
            theme.TEXT_DIM,
            anchor="midright",
        )
        self._draw_list(surface)
        self._draw_settings(surface)
        self._draw_progress(surface)
        self.chart.draw(surface)
        if self.skipped:
            self._draw_skipped(surface)
        self._draw_result(surface)

    def _draw_list(self, surface: pygame.Surface) -> None:
        theme.draw_panel(surface, LIST, theme.PANEL, theme.PANEL_EDGE, radius=10)
        n_sel = len(self.selected)
        frames = sum(s.frames for s in self.sessions if s.path in self.selected)
        theme.blit_text(
            surface,
            "RECORDED SESSIONS",
            (LIST.x + 14, LIST.y + 20),
            theme.SMALL,
            theme.ACCENT,
            anchor="midleft",
        )
        theme.blit_text(
            surface,
            f"{n_sel} selected   {frames} frames",
            (LIST.right - 14, LIST.y + 20),
            theme.SMALL,
            theme.TEXT,
            anchor="midright",
        )
        if not self.sessions:
            lines = (
                "No recordings yet.",
                "Open Drive and press R to record a few laps,",
                f"or put session folders in {user_dir('recordings')}",
            )
            for k, line in enumerate(lines):
                theme.blit_text(
                    surface,
                    line,
                    (LIST.centerx, LIST.centery - 30 + 28 * k),
                    theme.BODY,
                    theme.TEXT_MUTED,
                    anchor="center",
                )
        end = min(len(self.sessions), self.scroll + self.visible_rows)
        for i in range(self.scroll, end):
            self._draw_row(surface, i, LIST_TOP + (i - self.scroll) * ROW_H)
        if len(self.sessions) > self.visible_rows:
            more = f"{self.scroll + 1}-{end} of {len(self.sessions)}  (wheel / Up / Down)"
            theme.blit_text(
                surface,
                more,
                (LIST.centerx, LIST.bottom - 52),
                theme.SMALL,
                theme.TEXT_DIM,
                anchor="center",
            )
        hint = "Space select   A all   Tab architecture   Left/Right epochs   Enter train"
        theme.blit_text(
            surface,
            hint,
            (LIST.centerx, LIST.bottom - 22),
            theme.SMALL,
            theme.TEXT_DIM,
            anchor="center",
        )

    def _draw_row(self, surface: pygame.Surface, i: int, y: int) -> None:
        s = self.sessions[i]
        rect = pygame.Rect(LIST.x + 8, y, LIST.w - 16, ROW_H - 6)
        chosen = s.path in self.selected
        if i == self.cursor:
            theme.draw_panel(surface, rect, theme.PANEL_DARK, theme.ACCENT, radius=8)
        box = pygame.Rect(rect.x + 12, rect.centery - 9, 18, 18)
        pygame.draw.rect(surface, theme.TEXT_MUTED, box, width=2, border_radius=4)
        if chosen:
            pygame.draw.rect(surface, theme.GOOD, box.inflate(-6, -6), border_radius=2)
        name = s.path.name if len(s.path.name) <= 34 else s.path.name[:33] + "..."
        theme.blit_text(
            surface,
            name,
            (rect.x + 42, rect.y + 14),
            theme.BODY,
            theme.TEXT if chosen else theme.TEXT_MUTED,
            anchor="midleft",
        )
        if s.error:
            # The row already names the session: show the problem from the file name on.
            detail, color = s.error.replace(f"{s.path}/", "")[:70], theme.BAD
        else:
            detail = f"{s.track}  {s.look}   {_short_sources(s)}"
            color = theme.TEXT_DIM
            if s.skipped:
                detail += f"   {s.skipped} bad rows"
                color = theme.WARN
        theme.blit_text(
            surface, detail, (rect.x + 42, rect.y + 33), theme.SMALL, color, anchor="midleft"
        )
        theme.blit_text(
            surface,
            f"{s.frames}",
            (rect.right - 160, rect.y + 14),
            theme.BODY,
            theme.TEXT,
            anchor="midright",
        )
        theme.blit_text(
            surface,
            "frames",
            (rect.right - 160, rect.y + 33),
            theme.SMALL,
            theme.TEXT_DIM,
            anchor="midright",
        )
        draw_histogram(
            surface, pygame.Rect(rect.right - 140, rect.y + 5, 128, rect.h - 10), s.steering_hist
        )

    def _draw_settings(self, surface: pygame.Surface) -> None:
        r = SETTINGS
        theme.draw_panel(surface, r, theme.PANEL, theme.PANEL_EDGE, radius=10)
        theme.blit_text(
            surface, "SETTINGS", (r.x + 14, r.y + 18), theme.SMALL, theme.ACCENT, anchor="midleft"
        )
        theme.blit_text(
            surface,
            "Architecture",
            (r.x + 14, r.y + 57),
            theme.BODY,
            theme.TEXT_MUTED,
            anchor="midleft",
        )
        for b in self.arch_buttons:
            # Stays enabled (clicks are ignored while training) so the choice stays visible.
            b.draw(surface, focused=b.label == self.arch)
        theme.blit_text(
            surface, "Epochs", (r.x + 14, r.y + 101), theme.BODY, theme.TEXT_MUTED, anchor="midleft"
        )
        self.minus.enabled = self.plus.enabled = not self.training
        self.minus.draw(surface)
        self.plus.draw(surface)
        theme.blit_text(
            surface,
            str(self.epochs),
            (r.x + 217, r.y + 101),
            theme.LARGE,
            theme.TEXT,
            anchor="center",
        )
        self.start_button.label = "CANCEL" if self.training else "START"
        self.start_button.draw(surface, focused=self.training)
        out = self.output_name
        theme.blit_text(
            surface,
            f"saves to  models/{out}  (early stop: 5 epochs)",
            (r.x + 14, r.bottom - 18),
            theme.SMALL,
            theme.TEXT_DIM,
            anchor="midleft",
        )

    def _draw_progress(self, surface: pygame.Surface) -> None:
        r = PROGRESS
        theme.draw_panel(surface, r, theme.PANEL, theme.PANEL_EDGE, radius=10)
        ev = self.last_event
        if self.training and ev.get("batches"):
            eta = ev.get("eta_s")
            line = (
                f"epoch {ev['epoch']}/{ev['epochs']}   batch {ev['batch']}/{ev['batches']}"
                f"   ETA {theme.format_time(eta) if eta is not None else '--'}"
            )
        elif self.training:
            line = self.worker.message or "preparing the data"
        elif self.status:
            line = self.status
        elif self.result is not None:
            line = "done"
        else:
            line = "ready: choose sessions, then START"
            self.bar.fraction = 0.0
        color = theme.BAD if self.status.startswith("failed") else theme.TEXT
        line = line if len(line) <= 70 else line[:67] + "..."
        theme.blit_text(surface, line, (r.x + 14, r.y + 20), theme.BODY, color, anchor="midleft")
        self.bar.draw(surface)

    def skipped_lines(self) -> list[str]:
        """What the skipped-rows panel lists: the first few rows (session folder name, log.csv
        line, why) and how many more."""
        lines = []
        for problem in self.skipped[:SKIPPED_SHOWN]:
            folder, sep, rest = problem.partition(": ")
            text = f"{Path(folder).name}: {rest}" if sep else problem
            lines.append(text if len(text) <= 64 else text[:61] + "...")
        if len(self.skipped) > SKIPPED_SHOWN:
            lines.append(f"and {len(self.skipped) - SKIPPED_SHOWN} more")
        return lines

    def _draw_skipped(self, surface: pygame.Surface) -> None:
        r = SKIPPED
        theme.draw_panel(surface, r, theme.PANEL, theme.PANEL_EDGE, radius=10)
        n = len(self.skipped)
        theme.blit_text(
            surface,
            f"SKIPPED {n} BAD ROW{'S' if n != 1 else ''}",
            (r.x + 14, r.y + 16),
            theme.SMALL,
            theme.WARN,
            anchor="midleft",
        )
        for k, line in enumerate(self.skipped_lines()):
            theme.blit_text(
                surface,
                line,
                (r.x + 14, r.y + 38 + 19 * k),
                theme.SMALL,
                theme.TEXT_MUTED,
                anchor="midleft",
            )

    def _draw_result(self, surface: pygame.Surface) -> None:
        r = RESULT
        theme.draw_panel(surface, r, theme.PANEL, theme.PANEL_EDGE, radius=10)
        theme.blit_text(
            surface,
            "LAST FINISHED RUN",
            (r.x + 14, r.y + 18),
            theme.SMALL,
            theme.ACCENT,
            anchor="midleft",
        )
        res = self.result
        if res is None:
            theme.blit_text(
                surface,
                "no finished run yet",
                (r.x + 14, r.y + 52),
                theme.BODY,
                theme.TEXT_DIM,
                anchor="midleft",
            )
            return
        rows = (
            ("best val loss", f"{res.best_val_loss:.5f}"),
            ("time", f"{res.seconds:.0f} s, {res.epochs_run} epochs"),
            ("saved", str(res.model_path.name)),
        )
        for k, (label, value) in enumerate(rows):
            y = r.y + 44 + 24 * k
            theme.blit_text(
                surface, label, (r.x + 14, y), theme.SMALL, theme.TEXT_MUTED, anchor="midleft"
            )
            theme.blit_text(
                surface, value, (r.x + 130, y), theme.BODY, theme.TEXT, anchor="midleft"
            )
        self.drive_button.draw(surface, focused=True)
