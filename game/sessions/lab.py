"""The Lab screen's logic: the presets (and the specs you edited), a run in the background
with per-variant progress, its records sorted for the table, the scatter's points, the
learning curves, the best variant's saliency beside the base's, the finding, "save as
model", and editing a spec (game.sessions.lab_edit).

Each preset runs in its own folder under the user's lab folder (user_dir("lab")/PRESET; an
edited spec, saved in user_dir("lab-specs"), in user_dir("lab")/mine/NAME), so opening the
screen again shows the last results and running again resumes or skips what is finished.
Runs use the quick budget (`--quick`), sized for a laptop.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.lab.findings import finding
from agents.lab.presets import presets
from agents.lab.results import load_records
from agents.lab.runner import LabEvent
from agents.lab.spec import LabSpec, expand, load_spec
from game.errors import UserFacingError
from game.paths import user_dir
from game.sessions.lab_edit import SpecEditor
from game.sessions.lab_saliency import LabSaliency
from game.workers import Worker, WorkerContext

# Sortable columns: (title, record key, lower is better).
DRIVING_SORTS = (
    ("|offset| m", "mean_abs_offset_m", True),
    ("autonomy", "autonomy_pct", False),
    ("val MAE", "val_mae", True),
    ("infer ms", "inference_ms", True),
    ("params", "params", True),
    ("train s", "train_seconds", True),
)
RPS_SORTS = (
    ("accuracy", "next_move_accuracy", False),
    ("net score", "net_score", False),
    ("infer ms", "inference_ms", True),
    ("params", "params", True),
    ("train s", "train_seconds", True),
)
SCATTER_X = (("params", "parameters"), ("inference_ms", "inference ms"))
# The plot beside the finding, in the order X steps through them (RPS has no saliency).
VIEWS = ("scatter", "scatter", "curves", "saliency")
SPECS_DIR = "lab-specs"  # the specs you edited, under the user data folder


@dataclass(frozen=True)
class Preset:
    path: Path
    spec: LabSpec | None
    error: str = ""  # why the file cannot be used (then spec is None)
    mine: bool = False  # a spec you edited (user_dir("lab-specs")), not a shipped preset

    @property
    def name(self) -> str:
        return self.spec.name if self.spec is not None else self.path.stem


@dataclass
class VariantRow:
    """A variant of the chosen preset as the table shows it."""

    key: str
    label: str
    knobs: dict[str, Any]
    status: str = "queued"  # queued, running, done, failed
    record: dict[str, Any] | None = None


def my_specs() -> list[Path]:
    """The specs you edited and saved, by name."""
    return sorted(user_dir(SPECS_DIR).glob("*.toml"))


def load_presets(paths: list[Path] | None = None, mine: list[Path] | None = None) -> list[Preset]:
    """The shipped presets, then your specs; a file that cannot be read is listed with
    its one-line error."""
    out = []
    shipped = [(p, False) for p in (paths if paths is not None else presets())]
    for path, is_mine in shipped + [(p, True) for p in (mine if mine is not None else my_specs())]:
        try:
            out.append(Preset(path, load_spec(path), mine=is_mine))
        except UserFacingError as e:
            out.append(Preset(path, None, str(e), mine=is_mine))
    return out


class LabSession:
    """One preset at a time: its variants (from a saved run, then live), sorting, scatter."""

    def __init__(self, preset_paths: list[Path] | None = None, workers: int = 2) -> None:
        self.preset_paths = preset_paths
        self.presets = load_presets(preset_paths)
        self.workers = workers
        self.index = 0
        self.rows: list[VariantRow] = []
        self.sort = 0
        self.descending = False
        self.view = 0  # index into VIEWS
        self.worker: Worker | None = None
        self.status = ""
        self.saliency = LabSaliency()
        self.select(0)

    # --- choosing ------------------------------------------------------------------------
    @property
    def preset(self) -> Preset:
        return self.presets[self.index]

    @property
    def sorts(self) -> tuple[tuple[str, str, bool], ...]:
        spec = self.preset.spec
        return RPS_SORTS if spec is not None and spec.task == "rps" else DRIVING_SORTS

    def out_dir(self, preset: Preset | None = None) -> Path:
        preset = preset or self.preset
        if preset.mine:
            return user_dir("lab") / "mine" / preset.path.stem
        return user_dir("lab") / preset.path.stem

    def select(self, index: int) -> None:
        """Show preset `index`: its variants, with the records of an earlier run."""
        if self.running:
            raise UserFacingError("a lab run is going on: cancel it (C) to pick another preset")
        self.index = index % len(self.presets) if self.presets else 0
        self.sort = 0
        self.rows = []
        spec = self.preset.spec if self.presets else None
        if spec is not None and spec.task != "driving" and VIEWS[self.view] == "saliency":
            self.view = 0
        if spec is None:
            self.status = self.preset.error if self.presets else "no presets found"
            self.saliency.update(None, [], Path())
            return
        saved = load_records(self.out_dir())  # every finished variant, also of earlier grids
        for v in expand(spec, quick=True):
            record = saved.get(v.key)
            status = "queued" if record is None else record_status(record)
            self.rows.append(VariantRow(v.key, v.label, v.knobs, status, record))
        done = sum(r.status == "done" for r in self.rows)
        failed = sum(r.status == "failed" for r in self.rows)
        self.status = f"{done}/{len(self.rows)} variants measured" + (
            f", {failed} failed" if failed else ""
        )
        if not done + failed:
            self.status = "not run yet"
        self.saliency.update(spec, self.finished(), self.out_dir())

    # --- running -------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.worker is not None and self.worker.running

    def start(self) -> None:
        """Run the preset (quick budget) in the background; finished variants are skipped."""
        spec = self.preset.spec
        if spec is None:
            raise UserFacingError(self.preset.error)
        if self.running:
            return
        out, workers = self.out_dir(), self.workers
        for row in self.rows:
            if row.record is None:
                row.status = "queued"

        def job(ctx: WorkerContext) -> list[dict]:
            from agents.lab.runner import run_lab

            return run_lab(spec, out, quick=True, workers=workers,
                           progress=lambda e: ctx.emit(e), cancel=ctx.cancel)  # fmt: skip

        self.status = "starting"
        self.worker = Worker(job, name="lab run").start()

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def poll(self) -> None:
        """Take the run's events into the rows, and the saliency's (call once per frame)."""
        self.saliency.poll()
        if self.showing_saliency and not self.running:
            self.saliency.ensure()  # computed when looked at, not while a run trains
        if self.worker is None:
            return
        for event in self.worker.poll():
            if isinstance(event.data, LabEvent):
                self.apply(event.data)
        if self.worker.finished:
            state = self.worker.state
            for row in self.rows:  # what was in flight did not finish
                if row.status == "running":
                    row.status = "queued"
            if state == "failed":
                self.status = f"failed: {self.worker.error}"
            elif state == "cancelled":
                self.status = "cancelled: the finished variants are kept"
            else:
                failed = sum(r["status"] != "ok" for r in self.finished())
                self.status = f"done: {len(self.finished()) - failed} variants measured"
                self.status += f", {failed} failed" if failed else ""
                if self.saliency.pair is not None:
                    self.view = VIEWS.index("saliency")  # the answer: best beside base
            self.worker = None

    def apply(self, e: LabEvent) -> None:
        row = next((r for r in self.rows if r.key == e.key), None)
        if e.kind == "data":
            self.status = e.message
        if row is None:
            return
        if e.kind == "start":
            row.status = "running"
            self.status = f"training {e.label} ({e.done}/{e.total} done)"
        elif e.kind in ("done", "error", "skip") and e.record is not None:
            row.record = e.record
            row.status = record_status(e.record)
            self.status = f"{e.done}/{e.total} variants measured"
            self.saliency.update(self.preset.spec, self.finished(), self.out_dir())

    # --- reading -------------------------------------------------------------------------
    def finished(self) -> list[dict[str, Any]]:
        return [r.record for r in self.rows if r.record is not None]

    def sorted_rows(self) -> list[VariantRow]:
        """Measured rows by the sort column (missing figures last), then the others."""
        _, key, lower = self.sorts[self.sort]
        done = [r for r in self.rows if r.record is not None and r.record.get(key) is not None]
        rest = [r for r in self.rows if r not in done]
        reverse = self.descending != (not lower)  # best first unless flipped
        done.sort(key=lambda r: r.record[key], reverse=reverse)  # type: ignore[index]
        return done + rest

    def sort_line(self) -> str:
        title, _, _ = self.sorts[self.sort]
        return f"sorted by {title}, {'worst' if self.descending else 'best'} first"

    def next_sort(self) -> None:
        self.sort = (self.sort + 1) % len(self.sorts)
        self.descending = False

    def flip_sort(self) -> None:
        self.descending = not self.descending

    def next_view(self) -> None:
        """Cycle the plot: parameters, inference ms, the learning curves, then (driving) the
        best variant's saliency beside the base's."""
        spec = self.preset.spec if self.presets else None
        count = len(VIEWS) if spec is None or spec.task == "driving" else len(VIEWS) - 1
        self.view = (self.view + 1) % count

    @property
    def showing_curves(self) -> bool:
        return VIEWS[self.view] == "curves"

    @property
    def showing_saliency(self) -> bool:
        return VIEWS[self.view] == "saliency"

    def curves(self) -> list[tuple[str, list[float]]]:
        """(short variant name, validation loss per epoch) of the measured variants, side by
        side; the name is the knobs' values and the seed ("0.25 s0"), to fit a legend."""
        out = []
        for r in self.finished():
            losses = (r.get("history") or {}).get("val_loss") or []
            if r.get("status") == "ok" and losses:
                name = "/".join(_short(v) for v in r["knobs"].values()) or "base"
                out.append((f"{name} s{r['seed']}", [float(v) for v in losses]))
        return out

    def scatter(self) -> tuple[str, str, list[tuple[float, float, str]]]:
        """(x title, y title, points (x, y, group)): params or inference ms against the
        preset's main figure, grouped by the varied knobs' values."""
        xkey, xtitle = SCATTER_X[self.view % len(SCATTER_X)]
        _, ykey, _ = self.sorts[0]
        pts = []
        for r in self.finished():
            x, y = r.get(xkey), r.get(ykey)
            if r.get("status") == "ok" and x is not None and y is not None:
                group = " ".join(f"{k}={_short(v)}" for k, v in r["knobs"].items()) or "base"
                pts.append((float(x), float(y), group))
        return xtitle, self.sorts[0][0], pts

    def finding(self) -> str:
        spec = self.preset.spec
        records = self.finished()
        if spec is None or not records:
            return ""
        return finding(spec, records)

    # --- editing a spec ------------------------------------------------------------------
    def edit(self) -> SpecEditor:
        """An editor for the chosen spec. A shipped preset is edited into a copy of yours
        (NAME-mine.toml, -2, -3... never over another file); yours is edited in place."""
        spec = self.preset.spec if self.presets else None
        if spec is None:
            raise UserFacingError(self.preset.error if self.presets else "no presets found")
        if self.running:
            raise UserFacingError("a lab run is going on: cancel it (C) before editing")
        if self.preset.mine:
            return SpecEditor(spec, self.preset.path)
        folder, stem = user_dir(SPECS_DIR), f"{self.preset.path.stem}-mine"
        path, n = folder / f"{stem}.toml", 1
        while path.exists():
            n += 1
            path = folder / f"{stem}-{n}.toml"
        editor = SpecEditor(spec, path)
        editor.draft.rename(f"{spec.name} (mine{'' if n == 1 else f' {n}'})")
        editor.draft.changed = False
        return editor

    def save_edit(self, editor: SpecEditor) -> Path:
        """Save the edited spec and choose it (its run folder is its own)."""
        try:
            editor.draft.save(editor.path)
        except OSError as e:
            raise UserFacingError(f"{editor.path}: spec not saved ({e.strerror or e})") from e
        self.presets = load_presets(self.preset_paths)
        index = next(i for i, p in enumerate(self.presets) if p.path == editor.path)
        self.select(index)
        return editor.path

    # --- keeping a variant ---------------------------------------------------------------
    def save_as_model(self, row: VariantRow) -> Path:
        """Copy a driving variant's model and card into the user's models folder under a
        free name (lab-PRESET-KEY, -2, -3...); never overwrites. Returns the new path."""
        from agents.modelio import card_path, read_card, write_card

        r = row.record
        if r is None or r.get("status") != "ok":
            raise UserFacingError(f"{row.label}: not measured yet, nothing to save")
        if r.get("task") != "driving" or not r.get("model"):
            raise UserFacingError("only driving variants can be saved as models")
        src = self.out_dir() / r["model"]
        if not src.is_file():
            raise UserFacingError(f"{src}: the variant's model file is missing")
        folder = user_dir("models")
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"lab-{self.preset.path.stem.replace('_', '-')}-{r['key'][:6]}"
        dest, n = folder / f"{stem}.h5", 1
        while dest.exists() or card_path(dest).exists():
            n += 1
            dest = folder / f"{stem}-{n}.h5"
        card = read_card(src)
        kept = ("autonomy_pct", "mean_abs_offset_m", "val_mae", "params")
        card["lab"] = {"spec": r["spec"], "label": r["label"], "recipe": r["recipe"],
                       "figures": {k: r.get(k) for k in kept}}  # fmt: skip
        shutil.copyfile(src, dest)
        try:
            write_card(dest, card)
        except BaseException:
            dest.unlink(missing_ok=True)
            raise
        return dest


def record_status(record: dict[str, Any]) -> str:
    return "done" if record.get("status") == "ok" else "failed"


def _short(v: Any) -> str:
    return "x".join(map(str, v)) if isinstance(v, list) else str(v)
