"""The Import screen's logic, without pygame: browse folders, spot Udacity folders and Donkey
tubs, set the options and run `agents.driving.formats.importer.import_dataset` in a worker.

    state = ImportState(start=Path.home(), notify=app.toast)
    state.move(+1); state.enter()        # into a folder, or start the import on a dataset
    state.up()                           # the parent folder
    state.go_to("/data/run1")            # a typed path
    state.cycle_format(); state.toggle_side(); state.side_step(+1); state.set_name("run1")
    ...                                  # every frame:
    state.update()                       # progress, ETA, the end summary
    state.cancel()                       # Esc: stop; the records written so far are kept

Cancelling keeps the good records already written as a normal, valid session (its meta.json
says "cancelled": true); only an import stopped before its first frame removes its folder.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from agents.driving.formats import donkey, udacity
from agents.driving.formats.common import ImportResult
from agents.driving.formats.importer import ImportOptions, check_options, import_dataset
from game.errors import UserFacingError
from game.textfmt import format_time, plural, short_path, shorten_paths
from game.workers import CANCELLED, DONE, FAILED, Worker, WorkerContext

FORMATS = ("auto", "udacity", "donkey")
SIDE_STEPS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)  # side-camera steering corrections
DEFAULT_SIDE = 0.2  # the usual choice for Udacity's side cameras
MAX_ENTRIES = 400  # folders listed; a bigger folder lists its first ones (sorted) and says so
PROBLEMS_SHOWN = 5  # problem lines on the end summary (every one is counted)
MAX_NAME = 60
PROGRESS_EVERY_S = 0.1  # the worker reports at most this often

Notify = Callable[[str, str], None]


def _quiet(text: str, kind: str = "info") -> None:
    """The default Notify: a state used without a screen (tests) reports nowhere."""


@dataclass(frozen=True)
class FolderEntry:
    """One row of the browser: a folder, and what it holds when it is a dataset."""

    path: Path
    name: str
    fmt: str | None = None  # "udacity" / "donkey" when it looks like one
    records: int | None = None  # the records it says it has (None: unknown)
    problem: str = ""  # why the count could not be read

    @property
    def label(self) -> str:
        if self.fmt is None:
            return self.name + "/"
        count = plural(self.records, "record") if self.records is not None else "? records"
        why = f"   {self.problem}" if self.problem else ""
        return f"{self.name}/   [{self.fmt}, {count}]{why}"


def detect(path: Path) -> tuple[str | None, int | None, str]:
    """(format, record count, problem) of a folder; (None, None, "") when it is neither."""
    fmt = None
    try:
        if udacity.log_path(path).is_file():
            fmt = "udacity"
            return fmt, udacity.count_rows(path), ""
        if donkey.looks_like(path):
            fmt = "donkey"
            manifest = donkey.Manifest(path)
            if manifest.problems:  # the import reads the catalogs anyway; the count is unknown
                return fmt, None, manifest.problems[0].split(";")[0]
            return fmt, manifest.total, ""
    except (UserFacingError, OSError, ValueError) as e:  # unreadable: listed, with why
        return fmt, None, shorten_paths(str(e)) if fmt else ""
    return None, None, ""


def scan_folder(folder: Path, limit: int = MAX_ENTRIES) -> tuple[list[FolderEntry], bool]:
    """The subfolders of `folder` (hidden ones left out), sorted by name, each with its
    detected format; and whether the list was cut at `limit`."""
    try:
        names = sorted(
            (p for p in folder.iterdir() if not p.name.startswith(".") and p.is_dir()),
            key=lambda p: p.name.lower(),
        )
    except OSError as e:
        raise UserFacingError(f"{folder}: cannot list it ({e.strerror or e})") from e
    cut = len(names) > limit
    return [FolderEntry(p, p.name, *detect(p)) for p in names[:limit]], cut


@dataclass
class ImportSummary:
    """What the end screen shows."""

    out_dir: Path | None
    frames: int
    side_frames: int
    skipped: int
    problems: list[str] = field(default_factory=list)  # the first PROBLEMS_SHOWN
    deleted: int = 0
    cancelled: bool = False
    seconds: float = 0.0

    @classmethod
    def of(cls, result: ImportResult, seconds: float, kept: bool) -> ImportSummary:
        return cls(
            result.out_dir if kept else None, result.frames, result.side_frames, result.skipped,
            result.problems[:PROBLEMS_SHOWN], result.deleted, result.cancelled, seconds,
        )  # fmt: skip

    @property
    def written(self) -> int:
        return self.frames + self.side_frames


def import_job(path: Path, options: ImportOptions) -> Callable[[WorkerContext], ImportSummary]:
    """The worker's job: import `path`, report progress with an ETA, honour Cancel. An
    import that wrote no frame (cancelled at once, or nothing usable) leaves no folder."""

    def job(ctx: WorkerContext) -> ImportSummary:
        start = time.monotonic()
        expected, done, skipped, last = 0, 0, 0, 0.0

        def total(n: int) -> None:
            nonlocal expected
            expected = n

        def problem(_line: str) -> None:
            nonlocal skipped
            skipped += 1

        def progress(n: int) -> None:
            nonlocal done, last
            done += n
            now = time.monotonic()
            if now - last < PROGRESS_EVERY_S and done != expected:
                return
            last = now
            ctx.progress(done / expected if expected else None, _progress_text(
                done, expected, skipped, now - start))  # fmt: skip

        result = import_dataset(path, options, progress=progress, problem=problem, total=total,
                                stop=lambda: ctx.cancelled)  # fmt: skip
        kept = result.frames + result.side_frames > 0
        if not kept:
            shutil.rmtree(result.out_dir, ignore_errors=True)
        return ImportSummary.of(result, time.monotonic() - start, kept)

    return job


def _progress_text(done: int, expected: int, skipped: int, elapsed: float) -> str:
    text = f"{done:,} / {expected:,} records" if expected else f"{done:,} records"
    if skipped:
        text += f", {skipped:,} skipped"
    if expected and done and done < expected:
        text += f", about {format_time(elapsed * (expected - done) / done)} left"
    return text


class ImportState:
    """The browser, the options and the import run of the Import screen."""

    def __init__(self, start: Path | None = None, notify: Notify = _quiet,
                 out: Path | None = None) -> None:  # fmt: skip
        """`out`: the session folder to write (tests); default a new one under recordings."""
        self.notify = notify
        self.out = out
        self.folder = Path(start or Path.home()).expanduser().resolve()
        self.entries: list[FolderEntry] = []
        self.cut = False
        self.here: FolderEntry = FolderEntry(self.folder, self.folder.name)
        self.cursor = 0
        self.fmt = "auto"
        self.name = ""  # empty: the importer's default (format and folder name)
        self.side_on = False
        self.side = DEFAULT_SIDE
        self.worker: Worker | None = None
        self.source: Path | None = None  # what the running (or last) import reads
        self.summary: ImportSummary | None = None
        self.failed: str | None = None
        self.refresh()

    # --- the browser ---------------------------------------------------------------------
    def refresh(self) -> None:
        try:
            entries, self.cut = scan_folder(self.folder)
        except UserFacingError as e:
            self.notify(str(e), "error")
            entries, self.cut = [], False
        self.here = FolderEntry(self.folder, self.folder.name or str(self.folder),
                                *detect(self.folder))  # fmt: skip
        # The folder itself is the first row when it is a dataset (e.g. reached by a typed path).
        self.entries = ([self.here] if self.here.fmt else []) + entries
        self.cursor = min(self.cursor, max(len(self.entries) - 1, 0))

    @property
    def current(self) -> FolderEntry | None:
        return self.entries[self.cursor] if 0 <= self.cursor < len(self.entries) else None

    def move(self, step: int) -> None:
        if self.entries:
            self.cursor = min(max(self.cursor + step, 0), len(self.entries) - 1)

    def select(self, i: int) -> None:
        if 0 <= i < len(self.entries):
            self.cursor = i

    def go_to(self, path: str | Path) -> bool:
        """Browse `path` (a typed path: ~ expands); False with a message when it is no folder."""
        p = Path(str(path).strip()).expanduser()
        if p.is_file() and p.name == udacity.LOG_NAME:
            p = p.parent  # a Udacity log: its folder
        if not p.is_dir():
            self.notify(f"{path}: no such folder", "error")
            return False
        self.folder, self.cursor = p.resolve(), 0
        self.refresh()
        return True

    def go_in(self) -> bool:
        m = self.current
        if m is None or m.path == self.folder:
            return False
        return self.go_to(m.path)

    def up(self) -> None:
        parent = self.folder.parent
        if parent != self.folder:
            came_from = self.folder
            self.go_to(parent)
            names = [e.path for e in self.entries]
            if came_from in names:
                self.cursor = names.index(came_from)

    def enter(self) -> bool:
        """Enter: a dataset row starts its import, a plain folder is opened. True if started."""
        m = self.current
        if m is None:
            return False
        if m.fmt is None:
            self.go_in()
            return False
        return self.start(m.path)

    def import_selected(self) -> bool:
        """I: import the chosen folder even when it is not recognised (a chosen format)."""
        m = self.current
        return m is not None and self.start(m.path)

    # --- the options ---------------------------------------------------------------------
    def cycle_format(self, step: int = 1) -> None:
        self.fmt = FORMATS[(FORMATS.index(self.fmt) + step) % len(FORMATS)]

    def toggle_side(self) -> None:
        self.side_on = not self.side_on

    def side_step(self, step: int) -> None:
        i = min(range(len(SIDE_STEPS)), key=lambda k: abs(SIDE_STEPS[k] - self.side))
        self.side = SIDE_STEPS[min(max(i + step, 0), len(SIDE_STEPS) - 1)]
        self.side_on = True

    def set_name(self, text: str) -> None:
        self.name = "".join(c for c in text if c.isalnum() or c in "-_ ")[:MAX_NAME].strip()

    def options(self) -> ImportOptions:
        return ImportOptions(fmt=self.fmt, name=self.name or None, out=self.out,
                             side_correction=self.side if self.side_on else None)  # fmt: skip

    # --- the run -------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.worker is not None

    def start(self, path: Path) -> bool:
        """Import `path` with the options; a wrong choice is one message and nothing starts."""
        if self.running:
            return False
        options = self.options()
        try:
            fmt = check_options(path, replace(options, side_correction=None))
        except UserFacingError as e:
            self.notify(str(e), "error")
            return False
        if self.side_on and fmt != "udacity":  # the side cameras are Udacity's: say so, go on
            self.notify("side cameras are a Udacity option: this tub is imported without", "info")
            options = replace(options, side_correction=None)
        self.source, self.summary, self.failed = path, None, None
        self.worker = Worker(import_job(path, options), name="import").start()
        return True

    def cancel(self) -> bool:
        """Esc while importing: stop after the current record. True if there was a run."""
        if self.worker is None:
            return False
        self.worker.cancel()
        return True

    @property
    def progress(self) -> tuple[float | None, str]:
        if self.worker is None:
            return None, ""
        return self.worker.fraction, self.worker.message

    def update(self) -> None:
        worker = self.worker
        if worker is None:
            return
        worker.poll()
        if not worker.finished:
            return
        self.worker = None
        if worker.state in (DONE, CANCELLED) and isinstance(worker.result, ImportSummary):
            self.summary = worker.result
            s = self.summary
            if s.out_dir is None:
                self.notify("import stopped before any frame: nothing was kept", "info")
            elif s.cancelled:
                self.notify(f"import stopped: {plural(s.written, 'frame')} kept in "
                            f"{short_path(s.out_dir)}", "info")  # fmt: skip
        elif worker.state == FAILED or worker.state == CANCELLED:
            self.failed = shorten_paths(worker.error or "the import stopped")
            self.notify(self.failed, "error")

    def dismiss(self) -> None:
        """Back from the end summary to the browser (the new session is not a dataset row)."""
        self.summary, self.failed = None, None
        self.refresh()

    def close(self) -> None:
        self.cancel()
