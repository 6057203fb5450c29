"""The Models screen's state, without pygame: every driving model (agents.driving.registry),
the cursor, renaming and deleting, and the scoreboard run in a game.workers.Worker.

    state = ModelsState(notify=app.toast)
    state.move(+1); state.begin_rename(); state.type_text("-v2"); state.commit_rename()
    state.start_scores(all_models=True)
    ...                         # every frame:
    state.update()              # each finished (model, track, mode) run fills its row at once
    state.offset_grade(model)   # how the screen colours a result (game.sessions.grades)
    state.open_export(); state.move_export(+1); state.start_export()  # E: a .tflite in exports/

The scoreboard drives every chosen model on the suite's tracks (registry.SUITE_TRACKS) in both
of `evaluate`'s modes, exactly as `evaluate --mode cruise|race --laps 1` does (suite_run
below), one run at a time, and records each result in scoreboard.json as soon as it is in: a
cancelled scoreboard keeps the finished rows. A model without a speed output holds cruise
speed in race mode too, so it is driven once (race mode) and that run is recorded for both.
Nothing here imports TensorFlow: the worker job loads the models.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from agents.driving.drivers import Driver
from agents.driving.registry import (
    SUITE_LAPS,
    SUITE_LOOK,
    SUITE_MODES,
    SUITE_SEED,
    SUITE_TRACKS,
    ModelInfo,
    Scoreboard,
    delete_model,
    list_models,
    rename_model,
)
from game.errors import UserFacingError
from game.sessions.grades import Grade, lap_grade, offset_grade
from game.sessions.model_export import CHOICES as EXPORT_CHOICES
from game.sessions.model_export import ExportDone, claim_export_path, export_job
from game.sessions.teach_result import TeachResult
from game.textfmt import plural
from game.workers import BackgroundJob, WorkerContext, WorkerEvent

Notify = Callable[[str, str], None]  # (message, "info" | "error"): the screen's toast
DriverFor = Callable[[Path], Driver]
CANCEL_CHECK_STEPS = 30  # a run looks at the cancel flag twice a simulated second
LAP_KEYS = ("lap_times_s", "best_lap_s")  # what a race result has and a cruise one has not


def _quiet(text: str, kind: str = "info") -> None:
    """The default Notify: a state used without a screen (tests) reports nowhere."""


class ScoreboardCancelled(UserFacingError):
    """Esc during a run: the run is dropped, the finished ones are kept."""


def cnn_driver(path: Path) -> Driver:
    """The driver `evaluate --driver cnn --model PATH` makes (TensorFlow loads here)."""
    import agents.driving.cnn_driver  # noqa: F401  (registers "cnn")
    from agents.driving.drivers import make_driver

    return make_driver("cnn", model_path=str(path))


def drives_own_speed(driver: Driver) -> bool:
    """Whether race mode lets this driver set its speed: a CNN with a speed output
    (CnnDriver.n_outputs == 2), or any other driver with its own `pedals` (the racer)."""
    n_outputs = getattr(driver, "n_outputs", None)
    if n_outputs is not None:
        return n_outputs >= 2
    return getattr(type(driver), "pedals", Driver.pedals) is not Driver.pedals


def suite_run(driver: Driver, track: str, mode: str, cancel: Any = None) -> dict[str, Any]:
    """One scoreboard run: what `evaluate --track TRACK --laps 1 --mode MODE --json` prints
    for this driver (the same run_driver call with the same laps, seed and look)."""
    return _suite_run(driver, track, mode, cancel)


def _suite_run(driver: Driver, track: str, mode: str, cancel: Any = None) -> dict[str, Any]:
    from agents.driving.evaluate import run_driver
    from game.sim.tracks_catalog import resolve_track

    def on_step(world, steering, frame) -> None:
        if cancel is not None and world.steps % CANCEL_CHECK_STEPS == 0 and cancel.is_set():
            raise ScoreboardCancelled("scoreboard cancelled")

    result = run_driver(
        driver, resolve_track(track), SUITE_LAPS, seed=SUITE_SEED, look=SUITE_LOOK,
        on_step=on_step, mode=mode,
    )  # fmt: skip
    return result.to_json()


def as_cruise(race: dict[str, Any]) -> dict[str, Any]:
    """A steering-only model's race result as `evaluate --mode cruise --json` prints the same
    run: every figure but the lap times."""
    return {k: v for k, v in race.items() if k not in LAP_KEYS}


@dataclass(frozen=True)
class Reference:
    """The expert on one suite track: what a model's results are graded against."""

    offset_m: float  # the expert's mean |offset| in cruise mode (lane keeping)
    lap_s: float | None  # the racing expert's lap in race mode (pace)


_references: dict[str, Reference] = {}  # the suite's, once measured (deterministic: per process)


def reference_job(ctx: WorkerContext) -> dict[str, Reference]:
    """Worker job: the expert (cruise) and the racing expert (race) on every suite track,
    as `evaluate --driver expert|racer --mode cruise|race --laps 1` (~1.5 s on 2 cores)."""
    from agents.driving.drivers import make_driver

    out = {}
    for track in SUITE_TRACKS:
        if ctx.cancelled:
            break
        cruise = _suite_run(make_driver("expert"), track, "cruise", ctx.cancel)
        race = _suite_run(make_driver("racer"), track, "race", ctx.cancel)
        out[track] = Reference(float(cruise["mean_abs_offset_m"]), race.get("best_lap_s"))
    return out


@dataclass(frozen=True)
class SuiteRun:
    """One drive of a model: `mode` is how it is driven, `records` the modes it counts for."""

    track: str
    mode: str
    records: tuple[str, ...]


def plan_runs(wanted: Sequence[tuple[str, str]], own_speed: bool) -> list[SuiteRun]:
    """The drives that give the `wanted` (track, mode) results, track by track."""
    by_track: dict[str, set[str]] = {}
    for track, mode in wanted:
        by_track.setdefault(track, set()).add(mode)
    plan = []
    for track, modes in by_track.items():
        ordered = tuple(m for m in SUITE_MODES if m in modes)
        if own_speed:
            plan += [SuiteRun(track, m, (m,)) for m in ordered]
        else:
            # Without a speed output the car holds cruise speed in race mode too: the race run
            # is the cruise run step for step, plus lap times. One drive records both (the
            # cruise record without the lap times).
            plan.append(SuiteRun(track, "race", ordered))
    return plan


@dataclass(frozen=True)
class ScoreTask:
    """A model to score, and the suite's (track, mode) results it still needs."""

    path: Path
    sha256: str
    runs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ScoreDone:
    """Worker -> screen: one (model, track, mode) result, already saved."""

    path: Path
    track: str
    mode: str
    result: dict[str, Any]


@dataclass(frozen=True)
class ScoreStarted:
    """Worker -> screen: a drive on this track has begun; it gives the `modes` results."""

    path: Path
    track: str
    modes: tuple[str, ...]


@dataclass(frozen=True)
class ScoreFailed:
    """Worker -> screen: a model could not be scored (it did not load, or it broke down)."""

    path: Path
    message: str


@dataclass(frozen=True)
class ScoreTotals:
    """What a finished scoreboard did: drives, and the results they gave."""

    drives: int = 0
    results: int = 0


def score_job(tasks: Sequence[ScoreTask], board: Scoreboard, driver_for: DriverFor = cnn_driver):
    """Worker job: each task's model on each (track, mode) it needs, track by track; every
    result is recorded in `board` (and its file) before the screen hears of it. A model that
    fails is reported and skipped; the others go on. Returns the ScoreTotals."""

    def job(ctx: WorkerContext) -> ScoreTotals:
        total = sum(len(t.runs) for t in tasks)
        done = drives = results = 0  # done: results in or given up on, for the bar
        for task in tasks:
            if ctx.cancelled:
                break
            name, done_before = task.path.stem, done
            try:
                ctx.progress(done / total, f"loading {name}")
                driver = driver_for(task.path)
                for run in plan_runs(task.runs, drives_own_speed(driver)):
                    if ctx.cancelled:
                        break
                    how = run.mode if len(run.records) == 1 else "one run: cruise and race"
                    ctx.progress(done / total, f"{name} on {run.track} ({how})")
                    ctx.emit(ScoreStarted(task.path, run.track, run.records))
                    result = suite_run(driver, run.track, run.mode, ctx.cancel)
                    drives += 1
                    for mode in run.records:
                        got = result if mode == run.mode else as_cruise(result)
                        shared = run.mode if mode != run.mode else ""
                        board.record(task.sha256, name, run.track, mode, got, shared)
                        ctx.emit(ScoreDone(task.path, run.track, mode, got))
                        done += 1
                        results += 1
            except ScoreboardCancelled:
                break
            except UserFacingError as e:  # a broken model: say so, score the next one
                ctx.emit(ScoreFailed(task.path, str(e)))
                done = done_before + len(task.runs)
        return ScoreTotals(drives, results)

    return job


class ModelsState:
    """The model list, the cursor, rename / delete dialogs and the scoreboard run."""

    def __init__(
        self,
        notify: Notify = _quiet,
        driver_for: DriverFor = cnn_driver,
        board: Scoreboard | None = None,
        references: dict[str, Reference] | None = None,
    ) -> None:
        """`references`: the expert's suite figures (default: measured once in a worker)."""
        self.notify = notify
        self.driver_for = driver_for
        self.board = board or Scoreboard.load()
        if self.board.problem:
            notify(f"{self.board.problem}; it is kept aside when new scores are saved", "error")
        self.models: list[ModelInfo] = []
        self.cursor = 0
        self.renaming: str | None = None  # the name being typed, while the rename box is open
        self._opening_text = ""  # the text of the key that opened the box: not typed into it
        self.showing_card = False  # the current model's Teach result card is open
        self._cards: dict[tuple[Path, int], TeachResult | None] = {}
        self.references: dict[str, Reference] = dict(references or _references)
        self.reference_job = BackgroundJob(on_done=self._references_measured)
        if references is None and any(t not in self.references for t in SUITE_TRACKS):
            self.reference_job.start(reference_job, name="expert references")
        self.confirm_delete: Path | None = None  # the model a "delete?" question is about
        self.scoreboard = BackgroundJob(
            on_done=self._scored, on_failed=self._score_failed,
            on_cancelled=self._score_stopped, on_event=self._score_event,
        )  # fmt: skip
        self.running: ScoreStarted | None = None  # the drive going on now
        self.failed: dict[Path, str] = {}  # scoreboard failures of this visit, by model
        self.filled: list[tuple[str, str, str]] = []  # (model name, track, mode) as they came
        self.export_choice: int | None = None  # the row of the open Export choice
        self.exporter = BackgroundJob(  # the export running (game/sessions/model_export)
            on_done=self._exported, on_failed=self._export_failed,
            on_cancelled=self._export_stopped,
        )  # fmt: skip
        self.exporting: Path | None = None  # the file it writes
        self.last_export: ExportDone | None = None
        self.refresh()

    # --- the list ------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the folders again; the cursor stays on the same model where it still exists."""
        current = self.current.path if self.current is not None else None
        self.models = list_models(self.board)
        self._cards.clear()  # the cards were read afresh
        paths = [m.path for m in self.models]
        if current in paths:
            self.cursor = paths.index(current)
        self.cursor = min(self.cursor, max(len(self.models) - 1, 0))

    @property
    def current(self) -> ModelInfo | None:
        return self.models[self.cursor] if 0 <= self.cursor < len(self.models) else None

    def move(self, step: int) -> None:
        if self.models:
            self.cursor = min(max(self.cursor + step, 0), len(self.models) - 1)

    def select(self, i: int) -> None:
        if 0 <= i < len(self.models):
            self.cursor = i

    def _busy(self, doing: str) -> bool:
        if self.scoring:
            self.notify(f"the scoreboard is running: wait or press Esc, then {doing}", "error")
            return True
        return False

    # --- rename --------------------------------------------------------------------------
    def begin_rename(self, opening_text: str = "") -> None:
        """Open the rename box; `opening_text`: what the key that opened it types (R: "r"),
        which the system may deliver as text right after: that one text is not typed."""
        m = self.current
        if m is None or self._busy("rename"):
            return
        if m.shipped:
            self.notify(f"{m.name} is a shipped model: it is read-only and cannot be renamed",
                        "error")  # fmt: skip
            return
        self.renaming = m.name
        self._opening_text = opening_text

    def type_text(self, text: str) -> None:
        opening, self._opening_text = self._opening_text, ""
        if self.renaming is not None and not (opening and text == opening):
            self.renaming = (self.renaming + text)[:80]

    def key_pressed(self) -> None:
        """Any key pressed in the box: the opening key's text can no longer be on its way."""
        self._opening_text = ""

    def backspace(self) -> None:
        if self.renaming:
            self.renaming = self.renaming[:-1]

    def cancel_rename(self) -> None:
        self.renaming = None
        self._opening_text = ""

    def commit_rename(self) -> bool:
        """Rename the current model to the typed name; a refused name keeps the box open."""
        m, name = self.current, self.renaming
        if m is None or name is None:
            return False
        if name == m.name:
            self.renaming = None
            return False
        try:
            target = rename_model(m.path, name)
        except UserFacingError as e:
            self.notify(str(e), "error")
            return False
        self.renaming = None
        self.refresh()
        self.cursor = [x.path for x in self.models].index(target)
        self.notify(f"renamed {m.name} to {target.stem}", "info")
        return True

    # --- delete --------------------------------------------------------------------------
    def ask_delete(self) -> None:
        m = self.current
        if m is None or self._busy("delete"):
            return
        if m.shipped:
            self.notify(f"{m.name} is a shipped model: it is read-only and cannot be deleted",
                        "error")  # fmt: skip
            return
        self.confirm_delete = m.path

    def answer_delete(self, yes: bool) -> bool:
        path, self.confirm_delete = self.confirm_delete, None
        if path is None or not yes:
            return False
        try:
            removed = delete_model(path)
        except UserFacingError as e:
            self.notify(str(e), "error")
            self.refresh()
            return False
        self.refresh()
        self.notify(f"deleted {path.stem} ({len(removed)} files)", "info")
        return True

    # --- the scoreboard ------------------------------------------------------------------
    @property
    def scoring(self) -> bool:
        return self.scoreboard.busy

    def tasks(self, models: Sequence[ModelInfo]) -> list[ScoreTask]:
        """What to run: each model's missing (track, mode) results; when none are missing,
        all again."""
        usable = [m for m in models if m.sha256 is not None]
        suite = tuple((t, mode) for t in SUITE_TRACKS for mode in SUITE_MODES)
        todo = [
            ScoreTask(m.path, m.sha256, tuple(r for r in suite if r not in m.scores))
            for m in usable
        ]
        todo = [t for t in todo if t.runs]
        return todo or [ScoreTask(m.path, m.sha256, suite) for m in usable]

    def start_scores(self, all_models: bool = False) -> bool:
        """Score the current model (or every model) in the background."""
        if self.scoring:
            return False
        chosen = self.models if all_models else [self.current] if self.current else []
        tasks = self.tasks(chosen)
        if not tasks:
            self.notify("no model to score", "error")
            return False
        self.failed.clear()
        job = score_job(tasks, self.board, self.driver_for)
        self.scoreboard.start(job, name="scoreboard")
        results = sum(len(t.runs) for t in tasks)
        runs, models = plural(results, "result"), plural(len(tasks), "model")
        self.notify(f"scoreboard: {runs} on {models} (cruise and race); Esc stops it", "info")
        return True

    def cancel_scores(self) -> None:
        self.scoreboard.cancel()

    # --- export (E) -------------------------------------------------------------------------
    def open_export(self) -> None:
        """E: the choice of file for the current model (shipped ones too: they are files)."""
        if self.current is None:
            self.notify("no model to export", "error")
        elif self._busy("export"):
            pass
        elif self.exporter.busy:
            self.notify("an export is running: wait for it (Esc stops it)", "error")
        else:
            self.export_choice = 0

    def move_export(self, step: int) -> None:
        if self.export_choice is not None:
            self.export_choice = (self.export_choice + step) % len(EXPORT_CHOICES)

    def close_export(self) -> None:
        self.export_choice = None

    def start_export(self, folder: Path | None = None, check: bool = True) -> bool:
        """Export the current model as the chosen kind to `folder` (default exports/)."""
        m, i = self.current, self.export_choice
        self.export_choice = None
        if m is None or i is None or self.exporter.busy:
            return False
        kind = EXPORT_CHOICES[i][0]
        try:
            out = claim_export_path(m.path, kind, folder)
        except OSError as e:
            self.notify(f"cannot write the export: {e}", "error")
            return False
        self.exporting, self.last_export = out, None
        self.exporter.start(export_job(m.path, kind, out, check), name="export")
        self.notify(f"exporting {m.name} as {EXPORT_CHOICES[i][1]} (about 20 s)", "info")
        return True

    def cancel_export(self) -> bool:
        """Esc while exporting: stop; no file is kept. True if an export was running."""
        if not self.exporter.busy:
            return False
        self.exporter.cancel()
        return True

    @property
    def export_progress(self) -> tuple[float | None, str]:
        worker = self.exporter.worker
        if worker is None:
            return None, ""
        return worker.fraction, worker.message

    def _exported(self, done: ExportDone | None) -> None:
        self.exporting, self.last_export = None, done
        if done is not None:
            self.notify(done.message, "info")

    def _export_stopped(self) -> None:
        self.exporting = None
        self.notify("export stopped: no file was kept", "info")

    def _export_failed(self, error: str | None) -> None:
        self.exporting = None
        self.notify(error or "the export failed", "error")

    def update(self) -> None:
        """Take the worker's news: each finished run fills its model's row at once."""
        self.exporter.poll()
        self.scoreboard.poll()

    def _score_event(self, ev: WorkerEvent) -> None:
        data = ev.data
        if isinstance(data, ScoreStarted):
            self.running = data
        elif isinstance(data, ScoreDone):
            if self.running is not None and data.mode == self.running.modes[-1]:
                self.running = None  # the drive's last result is in
            self.filled.append((data.path.stem, data.track, data.mode))
            self._rescore(data.path)
        elif isinstance(data, ScoreFailed):
            self.running = None
            self.failed[data.path] = data.message
            self.notify(data.message, "error")

    def _scored(self, t) -> None:
        self.running = None
        self.notify(f"scoreboard done: {t.results} results from {t.drives} drives", "info")

    def _score_stopped(self) -> None:
        self.running = None
        self.notify("scoreboard stopped: the finished runs are kept", "info")

    def _score_failed(self, error: str | None) -> None:
        self.running = None
        self.notify(error or "the scoreboard failed", "error")

    def _rescore(self, path: Path) -> None:
        for i, m in enumerate(self.models):
            if m.path == path:
                self.models[i] = replace(m, scores=self.board.scores(m.sha256))

    @property
    def progress(self) -> tuple[float | None, str]:
        """The running scoreboard's fraction and status line."""
        worker = self.scoreboard.worker
        if worker is None:
            return None, ""
        return worker.fraction, worker.message

    def close(self) -> None:
        self.cancel_scores()
        self.exporter.cancel()
        self.reference_job.cancel()

    # --- what the results mean -------------------------------------------------------------
    def poll_references(self) -> None:
        self.reference_job.poll()

    def _references_measured(self, result) -> None:
        if result:
            self.references = dict(result)
            _references.update(result)

    def offset_grade(self, m: ModelInfo, track: str | None = None) -> Grade:
        """A model's mean |offset| (on `track`, or over the tracks scored) against the
        expert's on the same tracks."""
        tracks = [track] if track else SUITE_TRACKS
        mine = [m.score(t, "cruise") for t in tracks]
        pairs = [(s.mean_abs_offset_m, self.references[t].offset_m)
                 for t, s in zip(tracks, mine, strict=True)
                 if s is not None and s.mean_abs_offset_m is not None and t in self.references]
        if not pairs:
            return Grade.NONE
        return offset_grade(sum(a for a, _ in pairs) / len(pairs),
                            sum(b for _, b in pairs) / len(pairs))  # fmt: skip

    def lap_grade(self, m: ModelInfo, track: str | None = None) -> Grade:
        """A model's race lap (on `track`, or the suite's lap sum) against the racing
        expert's."""
        if track is not None:
            s, ref = m.score(track, "race"), self.references.get(track)
            return lap_grade(s.best_lap_s if s else None, ref.lap_s if ref else None)
        refs = [self.references.get(t) for t in SUITE_TRACKS]
        if any(r is None or r.lap_s is None for r in refs):
            return Grade.NONE
        return lap_grade(m.laps_total_s, sum(r.lap_s for r in refs))

    # --- Teach's result card -------------------------------------------------------------
    def result_card(self, m: ModelInfo | None = None) -> TeachResult | None:
        """The result card Teach saved with the model (None: it has none)."""
        m = m or self.current
        saved = m.teach_result if m is not None else None
        if saved is None:
            return None
        key = (m.path, id(saved))  # the card as read by the last refresh: parsed once
        if key not in self._cards:
            self._cards[key] = TeachResult.from_json(saved)
        return self._cards[key]

    def toggle_card(self) -> None:
        """O: the current model's result card on / off (a note when it has none)."""
        if self.showing_card:
            self.showing_card = False
        elif self.result_card() is not None:
            self.showing_card = True
        elif self.current is not None:
            self.notify(f"{self.current.name} has no result card: Teach makes one for the "
                        "car it trains", "info")  # fmt: skip
