"""The Studio's logic, without pygame: look inside one recording, play it, clean it, and ask
a model what it would have steered.

    state = StudioState(notify=app.toast)
    state.open(0)                     # the first listed session (recovery views are not listed)
    state.seek(120); state.toggle_play(); state.faster()
    state.step(+40, extend=True)      # rows 120..160 selected
    state.delete_selection()          # soft delete: edits.json, restorable
    state.predict()                   # a game.workers.BackgroundJob runs the chosen model
    ...                               # every frame:
    state.update(dt)                  # playback, prediction progress

Rows here are the session's loaded rows (0 .. len-1, as the timeline shows them); edits are
stored by log.csv row (`Session.log_rows`), see agents/driving/session_edits.py. Finding,
summing up and editing a session (what `main.py session` does too) is studio_data.py.
"""

from __future__ import annotations

import math
import os
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from agents.driving.model_catalog import ModelEntry, available_models
from agents.driving.open_loop import ErrorStats, error_stats
from agents.driving.recording_reader import HIST_EDGES, Session, SessionSummary, load_session
from agents.driving.session_edits import Range, SessionEdits, read_edits, write_edits
from game.errors import UserFacingError
from game.sessions.studio_data import (
    SessionOverview,
    overview,
    resolve_session,
    studio_sessions,
)
from game.workers import BackgroundJob, WorkerContext, WorkerEvent

SPEEDS = (1, 2, 4, 8)  # playback rates: recorded time x this
ZOOMS = (1.0, 0.5, 0.25, 0.1, 0.04)  # the visible part of the session, zoomed in
FRAME_CACHE = 96  # decoded frames kept (the filmstrip and the big frame)
FILMSTRIP = 8  # thumbnails across the visible range

Notify = Callable[[str, str], None]


def _quiet(text: str, kind: str = "info") -> None:
    """The default Notify: a state used without a screen (tests) reports nowhere."""


# --- prediction --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PredictionResult:
    model: Path
    steering: np.ndarray  # the model's steering per loaded row (NaN: not predicted yet)


@dataclass(frozen=True)
class PredictedBatch:
    """A partial result on its way to the screen: rows [start, start + len(steering))."""

    start: int
    steering: np.ndarray


def predict_job(session: Session, model_path: Path) -> Callable[[WorkerContext], Any]:
    """Worker job: the model's steering on every row of `session`, with progress."""

    def job(ctx: WorkerContext) -> PredictionResult | None:
        ctx.progress(None, "loading the model")
        from agents.driving.open_loop import PredictionCancelled, predict_session

        def progress(done: int, total: int) -> None:
            ctx.progress(done / max(total, 1), f"predicting {done}/{total} frames")

        def on_batch(start: int, values: np.ndarray) -> None:
            ctx.emit(PredictedBatch(start, values))

        try:
            pred = predict_session(session, model_path, progress, ctx.cancel, on_batch=on_batch)
        except PredictionCancelled:
            return None
        return PredictionResult(Path(model_path), pred)

    return job


JobFactory = Callable[[Session, Path], Callable[[WorkerContext], Any]]


# --- the screen's state ------------------------------------------------------------------------


class StudioState:
    """One session open at a time: cursor, visible range, selection, playback, edits and the
    chosen model's prediction."""

    def __init__(
        self,
        notify: Notify = _quiet,
        recordings: Path | None = None,
        job_factory: JobFactory = predict_job,
        session: str | os.PathLike[str] | None = None,
    ) -> None:
        self.notify = notify
        self.recordings = recordings
        self.job_factory = job_factory
        self.sessions: list[SessionSummary] = []
        self.index = -1  # which listed session is open
        self.session: Session | None = None
        self.edits = SessionEdits()
        self.error = ""  # why the chosen session could not be opened
        self.cursor = 0
        self.anchor: int | None = None  # the selection's other end
        self.zoom = 0
        self.view = (0, 0)  # [start, end) loaded rows on the timeline
        self.playing = False
        self.speed_index = 0
        self._play_acc = 0.0
        self.models: list[ModelEntry] = []
        self.model_index = 0
        self.prediction_job = BackgroundJob(
            on_done=self._prediction_done,
            on_failed=self._prediction_failed,
            on_cancelled=self._prediction_cancelled,
            on_event=self._prediction_batch,
        )
        self.prediction: PredictionResult | None = None
        self._prediction_serial = 0  # counts replacements of `prediction` (cache keys)
        self._frames: OrderedDict[int, np.ndarray] = OrderedDict()
        self._derived: dict[str, Any] = {}  # masks and the overview, until the next edit
        self._stats: tuple[tuple, tuple[ErrorStats, ErrorStats]] | None = None
        self.refresh()
        if session is not None:
            self.open_path(resolve_session(session))
        elif self.sessions:
            self.open(0)

    # --- sessions ----------------------------------------------------------------------------
    def refresh(self) -> None:
        try:
            self.sessions = studio_sessions(self.recordings)
        except UserFacingError as e:
            self.sessions = []
            self.notify(str(e), "error")
        self.models = [m for m in available_models() if not m.problem]
        self.model_index = min(self.model_index, max(len(self.models) - 1, 0))

    def open(self, i: int) -> None:
        """Open listed session `i` (a broken one stays closed and says why)."""
        if not 0 <= i < len(self.sessions):
            return
        self.index = i
        self.open_path(self.sessions[i].path)

    def open_path(self, path: Path) -> None:
        self.cancel_prediction()
        self.prediction = None
        self._prediction_serial += 1
        self._frames.clear()
        self.playing = False
        try:
            session, edits = load_session(path), read_edits(path)
        except UserFacingError as e:
            self.session, self.edits, self.error = None, SessionEdits(), str(e)
            self.notify(str(e), "error")
            return
        self.session, self.edits, self.error = session, edits, ""
        self._derived.clear()
        for k, s in enumerate(self.sessions):
            if s.path == path:
                self.index = k
        self.cursor, self.anchor, self.zoom = 0, None, 0
        self._fit_view()

    def step_session(self, step: int) -> None:
        if self.sessions:
            self.open((self.index + step) % len(self.sessions))

    @property
    def rows(self) -> int:
        return len(self.session) if self.session is not None else 0

    def _cached(self, name: str, make: Callable[[], Any]) -> Any:
        if name not in self._derived:
            self._derived[name] = make()
        return self._derived[name]

    @property
    def overview(self) -> SessionOverview | None:
        if self.session is None:
            return None
        return self._cached("overview", lambda: overview(self.session, self.edits))

    @property
    def edits_key(self) -> tuple:
        """Changes whenever the edits do (for caches of what is drawn from them)."""
        return tuple(self.edits.deleted), tuple(self.edits.mirrored)

    @property
    def prediction_key(self) -> tuple:
        """Changes whenever the prediction (or how much of it has arrived) does."""
        if self.prediction is None:
            return ()
        return self._prediction_serial, int(np.isfinite(self.prediction.steering).sum())

    def column(self, name: str) -> np.ndarray | None:
        if self.session is None:
            return None
        return self.session.columns.get(name)

    # --- where we look -------------------------------------------------------------------------
    def seek(self, row: int) -> None:
        self.cursor = min(max(int(row), 0), max(self.rows - 1, 0))
        self._follow()

    def step(self, rows: int, extend: bool = False) -> None:
        """Move the cursor; with `extend` the selection grows from where it was."""
        if extend and self.anchor is None:
            self.anchor = self.cursor
        elif not extend:
            self.anchor = None
        self.seek(self.cursor + rows)

    def center_on(self, row: int) -> None:
        """Put the cursor on `row` with the view centred there (a click on the session strip)."""
        self.anchor = None
        self.seek(row)
        self._fit_view()

    def zoom_in(self) -> None:
        self.zoom = min(self.zoom + 1, len(ZOOMS) - 1)
        self._fit_view()

    def zoom_out(self) -> None:
        self.zoom = max(self.zoom - 1, 0)
        self._fit_view()

    def _fit_view(self) -> None:
        """A view of ZOOMS[zoom] of the session, centred on the cursor."""
        n = self.rows
        width = max(min(n, int(round(n * ZOOMS[self.zoom]))), min(n, 20))
        start = min(max(self.cursor - width // 2, 0), max(n - width, 0))
        self.view = (start, start + width)

    def _follow(self) -> None:
        """Scroll the view (same width) when the cursor leaves it."""
        a, b = self.view
        w = b - a
        if self.cursor < a:
            self.view = (self.cursor, self.cursor + w)
        elif self.cursor >= b:  # page on, the cursor near the left, as a player does
            start = min(self.cursor - w // 10, max(self.rows - w, 0))
            self.view = (start, start + w)

    def row_at_fraction(self, f: float, whole: bool = False) -> int:
        """The row at fraction `f` across the timeline (or across the whole session)."""
        a, b = (0, self.rows) if whole else self.view
        return min(max(a + int(f * (b - a)), a), max(b - 1, 0))

    # --- selection and edits -------------------------------------------------------------------
    @property
    def selection(self) -> Range | None:
        """[start, end) loaded rows selected, or None."""
        if self.anchor is None or self.session is None:
            return None
        a, b = sorted((self.anchor, self.cursor))
        return a, b + 1

    def select(self, a: int, b: int) -> None:
        """Select loaded rows a..b (inclusive, either order); the cursor goes to b."""
        self.anchor = min(max(a, 0), max(self.rows - 1, 0))
        self.seek(b)

    def clear_selection(self) -> bool:
        had = self.anchor is not None
        self.anchor = None
        return had

    def _target(self) -> Range | None:
        """The selection, else the cursor's row, as a [start, end) range of log rows."""
        if self.session is None or not self.rows:
            return None
        a, b = self.selection or (self.cursor, self.cursor + 1)
        rows = self.session.log_rows
        return int(rows[a]), int(rows[b - 1]) + 1

    def _save(self, what: str) -> None:
        assert self.session is not None
        self._derived.clear()
        try:
            write_edits(self.session.dir, self.edits)
        except OSError as e:
            self.edits = read_edits(self.session.dir)  # what is really on disk
            self.notify(f"{self.session.dir}: cannot save the edits ({e.strerror or e})", "error")
            return
        if 0 <= self.index < len(self.sessions):  # the list's count, without reading the log
            listed = self.sessions[self.index]
            if listed.path == self.session.dir:
                deleted = int(self.deleted.sum())
                self.sessions[self.index] = replace(listed, deleted=deleted)
        self.notify(what, "info")

    def delete_selection(self) -> None:
        rng = self._target()
        if rng is not None:
            self.edits.delete(rng)
            self._save(f"deleted rows {rng[0]}-{rng[1] - 1} (restorable: Z)")

    def restore_selection(self) -> None:
        rng = self._target()
        if rng is not None:
            self.edits.restore(rng)
            self._save(f"restored rows {rng[0]}-{rng[1] - 1}")

    def restore_all(self) -> None:
        if self.session is not None:
            self.edits.restore(None)
            self._save("every deleted row restored")

    def toggle_mirror(self) -> None:
        """Mirror the selection; if all of it is mirrored already, unmirror it."""
        rng = self._target()
        if rng is None or self.session is None:
            return
        inside = (self.session.log_rows >= rng[0]) & (self.session.log_rows < rng[1])
        on = not self.mirrored[inside].all()
        self.edits.set_mirrored(rng, on)
        self._save(f"{'mirrored' if on else 'unmirrored'} rows {rng[0]}-{rng[1] - 1}")

    @property
    def deleted(self) -> np.ndarray:
        """Per loaded row: deleted."""
        if self.session is None:
            return np.zeros(0, bool)
        return self._cached("deleted", lambda: self.edits.deleted_mask(self.session.log_rows))

    @property
    def mirrored(self) -> np.ndarray:
        if self.session is None:
            return np.zeros(0, bool)
        return self._cached("mirrored", lambda: self.edits.mirrored_mask(self.session.log_rows))

    @property
    def driven(self) -> np.ndarray:
        """Per loaded row: the car was really there (not a recovery view of that instant)."""
        src = self.column("source")
        if src is None:
            return np.ones(self.rows, bool)
        return self._cached("driven", lambda: np.asarray(src) != "recovery")

    def histogram(self) -> np.ndarray:
        """Steering counts over HIST_EDGES of the rows training would use."""
        steering = self.column("steering")
        if steering is None:
            return np.zeros(len(HIST_EDGES) - 1, int)

        def make() -> np.ndarray:
            s = np.where(self.mirrored, -steering, steering)[~self.deleted]
            return np.histogram(np.clip(s, -1, 1), bins=HIST_EDGES)[0]

        return self._cached("histogram", make)

    # --- playback ------------------------------------------------------------------------------
    @property
    def speed(self) -> int:
        return SPEEDS[self.speed_index]

    def toggle_play(self) -> None:
        if self.rows:
            if not self.playing and self.cursor >= self.rows - 1:
                self.seek(0)  # from the start again
            self.playing = not self.playing
            self._play_acc = 0.0

    def faster(self) -> None:
        self.speed_index = min(self.speed_index + 1, len(SPEEDS) - 1)

    def slower(self) -> None:
        self.speed_index = max(self.speed_index - 1, 0)

    def _next_instant(self, row: int) -> int:
        """The next row recorded at a later instant (recovery views share their frame's t)."""
        t = self.column("t")
        if t is None:
            return row + 1
        nxt = row + 1
        while nxt < self.rows and t[nxt] == t[row]:
            nxt += 1
        return nxt

    def advance(self, dt: float) -> None:
        """Playback: rate_hz instants per recorded second, times the speed."""
        if not self.playing or self.session is None:
            return
        self._play_acc += dt * self.session.info.rate_hz * self.speed
        steps = int(self._play_acc)
        self._play_acc -= steps
        row = self.cursor
        for _ in range(min(steps, 1000)):
            nxt = self._next_instant(row)
            if nxt >= self.rows:
                self.playing = False
                break
            row = nxt
        self.anchor = None
        self.seek(row)

    # --- frames --------------------------------------------------------------------------------
    def frame(self, row: int) -> np.ndarray | None:
        """The dashcam frame of a loaded row (decoded once, kept in a small cache)."""
        if self.session is None or not 0 <= row < self.rows:
            return None
        if row in self._frames:
            self._frames.move_to_end(row)
            return self._frames[row]
        from PIL import Image

        try:
            with Image.open(self.session.frames[row]) as im:
                a = np.asarray(im.convert("RGB"))
        except OSError:
            a = None  # drawn as a blank tile: the reader checked it, the disk changed since
        self._frames[row] = a
        while len(self._frames) > FRAME_CACHE:
            self._frames.popitem(last=False)
        return a

    def filmstrip_rows(self, n: int = FILMSTRIP) -> list[int]:
        a, b = self.view
        if b <= a:
            return []
        return sorted({int(r) for r in np.linspace(a, b - 1, min(n, b - a)).round()})

    # --- the model -----------------------------------------------------------------------------
    @property
    def model(self) -> ModelEntry | None:
        return self.models[self.model_index] if self.models else None

    def next_model(self, step: int = 1) -> None:
        if self.models and not self.predicting:
            self.model_index = (self.model_index + step) % len(self.models)

    @property
    def predicting(self) -> bool:
        return self.prediction_job.busy

    def predict(self) -> bool:
        if self.predicting:
            return False
        if self.session is None or not self.rows:
            self.notify("open a session with frames first", "error")
            return False
        if self.model is None:
            self.notify("no driving model to predict with: train one first", "error")
            return False
        # Filled in batch by batch while the worker runs, so the line grows on the timeline.
        self.prediction = PredictionResult(self.model.path, np.full(self.rows, np.nan, np.float32))
        self._prediction_serial += 1
        job = self.job_factory(self.session, self.model.path)
        self.prediction_job.start(job, name="open-loop prediction")
        return True

    def cancel_prediction(self) -> bool:
        """Ask the prediction to stop (its end still comes through `update`)."""
        if not self.prediction_job.busy:
            return False
        self.prediction_job.cancel()
        return True

    @property
    def progress(self) -> tuple[float | None, str]:
        worker = self.prediction_job.worker
        if worker is None:
            return 0.0, ""
        return worker.fraction, worker.message

    def update(self, dt: float) -> None:
        self.advance(dt)
        self.prediction_job.poll()

    def _prediction_batch(self, event: WorkerEvent) -> None:
        part = event.data
        if isinstance(part, PredictedBatch) and self.prediction is not None:
            self.prediction.steering[part.start : part.start + len(part.steering)] = part.steering

    def _prediction_done(self, result: PredictionResult | None) -> None:
        if result is None:  # the job saw the cancel and returned nothing
            self._prediction_cancelled()
            return
        self.prediction = result
        self._prediction_serial += 1
        self.notify(f"{result.model.stem}: {self.stats()[0].text}", "info")

    def _prediction_cancelled(self) -> None:
        self.prediction = None  # a half-drawn line would read as the model's verdict
        self._prediction_serial += 1
        self.notify("prediction cancelled", "info")

    def _prediction_failed(self, error: str | None) -> None:
        self.prediction = None
        self._prediction_serial += 1
        self.notify(error or "prediction failed", "error")

    def stats(self) -> tuple[ErrorStats, ErrorStats]:
        """Open-loop |error| of the prediction over the kept rows: whole session, visible range."""
        steering = self.column("steering")
        if self.prediction is None or steering is None:
            empty = ErrorStats(0, math.nan, math.nan)
            return empty, empty
        key = (self.prediction_key, self.view, self.edits_key)
        if self._stats is None or self._stats[0] != key:  # asked every drawn frame
            self._stats = (key, self._compute_stats(steering))
        return self._stats[1]

    def _compute_stats(self, steering: np.ndarray) -> tuple[ErrorStats, ErrorStats]:
        assert self.prediction is not None
        keep = ~self.deleted
        visible = np.zeros(self.rows, bool)
        visible[self.view[0] : self.view[1]] = True
        pred = self.prediction.steering
        return error_stats(pred, steering, keep), error_stats(pred, steering, keep & visible)

    def close(self) -> None:
        self.cancel_prediction()
