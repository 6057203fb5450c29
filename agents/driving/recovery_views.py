"""Recovery views for a person's recordings: what the car would have seen a little off line.

A person who drives well never shows the model how to come back to the lane. For each kept
row of a person's session (source human or takeover, inside the lane) this renders views
from cameras displaced sideways and/or yawed (the expert recorder's `recovery_offsets`) and
labels each with the person's steering plus the correction the expert would add from there:

    label = steering + expert(displaced pose) - expert(true pose), clipped to [-1, 1]

so the person's own style (how early they turn in) stays and only the way back is added. The
expert pulls back 2.5x as hard as the reference expert (VIEW_PURSUIT): with the reference's
softer pull, a fine-tune of the shipped model on a sloppy driver's 5 minutes went from 0.11 m
to 0.20 m mean |offset| and 2 interventions.

The views are a derived session in `<session>/recovery_views/` (its own meta.json, log.csv
with source "recovery", frames/) that training reads like any other session. A stamp records
the log it was made from (size, mtime, rows) and the recipe: a later call reuses it while
both match and rebuilds it otherwise. A build goes to a hidden temporary folder that is
renamed into place when complete, so a killed build never leaves a partial session behind.
Seeded per row: the same log gives the same views whatever the number of workers.

Training calls `recovery_sessions(session_dirs)` and adds the folders it returns.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agents.driving.expert import Pursuit
from agents.driving.formats.common import imported_origin
from agents.driving.recording_log import COLUMNS, FRAMES_DIR, LOG_NAME, META_NAME, LogRow
from agents.driving.recording_reader import load_session, summarize_session
from agents.driving.recording_writer import PNG_COMPRESS_LEVEL, app_version
from agents.driving.session_edits import read_edits
from game.errors import UserFacingError
from game.fileio import atomic_write_text

FOLDER_NAME = "recovery_views"
STAMP_NAME = "stamp.json"
RECIPE_VERSION = 2  # bump when labels or views change: every cached folder is then rebuilt
PERSON_SOURCES = ("human", "takeover")
POSE_COLUMNS = ("x", "y", "yaw", "speed")  # what a view is rendered and labelled from
# The correction's expert: the reference's law with 2.5x its pull. Not the build's teacher
# (expert.TEACHER): its nearer pursuit point puts the wheel at full lock a few decimetres off
# the line, and a view's correction, the difference of two such labels, would then vanish for
# the rows of a person who drove there.
VIEW_PURSUIT = Pursuit(feedback_gain=2.5)
DEFAULT_VIEWS_PER_SAMPLE = 2
DEFAULT_SEED = 0
WORKERS = 2
# A view costs ~5.5 ms of CPU (render ~1 ms, PNG encode and write the rest; measured with
# bench/time_to_first_model.py). Below this many views a worker pool costs more (spawn,
# imports, the dashcam raster: ~1-2 s per worker) than it saves.
PARALLEL_MIN_VIEWS = 600
CHUNK_ROWS = 200  # rows per worker task: small enough for progress and cancel
TMP_PREFIX = f".{FOLDER_NAME}.tmp-"
OLD_PREFIX = f".{FOLDER_NAME}.old-"
STALE_S = 3600.0  # a temporary folder untouched this long belongs to a build that died

Progress = Callable[[str], None]


@dataclass(frozen=True)
class RecoveryViewsResult:
    """What `ensure_recovery_views` did for one session."""

    session: Path
    folder: Path | None  # the derived session to train on; None when there is none
    views: int = 0
    reused: bool = False  # the cached folder matched the log
    seconds: float = 0.0
    note: str | None = None  # why some or all rows got no views (one line), else None


# --- which sessions ---------------------------------------------------------------------------


def is_person_session(session_dir: str | os.PathLike[str]) -> bool:
    """True when the session holds rows a person drove (source human or takeover).

    Expert sessions (which have their own exact recovery views), derived recovery folders and
    sessions that cannot be read are not."""
    folder = Path(session_dir)
    if folder.name == FOLDER_NAME or imported_origin(folder) is not None:
        return False  # an imported session has no poses on a track to render views from
    summary = summarize_session(folder)
    return summary.error is None and any(summary.sources.get(s, 0) for s in PERSON_SOURCES)


# --- the cache stamp --------------------------------------------------------------------------


def _log_key(session_dir: Path, views_per_sample: int, seed: int) -> dict[str, Any]:
    """What the derived folder must have been made from to be reused."""
    log = session_dir / LOG_NAME
    st = log.stat()
    with open(log, "rb") as f:
        lines = f.read().count(b"\n")
    return {
        "recipe": RECIPE_VERSION,
        "views_per_sample": views_per_sample,
        "seed": seed,
        "log_size": st.st_size,
        "log_mtime_ns": st.st_mtime_ns,
        "log_lines": lines,
        # Rows deleted in the Studio get no views: another deletion rebuilds the folder.
        "deleted": [list(r) for r in read_edits(session_dir).deleted],
    }


def _read_stamp(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _clean_leftovers(session_dir: Path) -> None:
    """Remove temporary folders of builds that died (a kill, a power cut)."""
    now = time.time()
    for p in session_dir.glob(f".{FOLDER_NAME}.*-*"):
        try:
            stale = now - p.stat().st_mtime > STALE_S or p.name.startswith(OLD_PREFIX)
        except OSError:
            continue
        if stale and p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)


# --- rendering (in the parent or in worker processes) -----------------------------------------


@dataclass(frozen=True)
class _Task:
    """One chunk of rows of one track and camera, to render into `frames_dir`."""

    track: Any  # game.sim.track.Track (pickled to workers)
    camera: dict
    frames_dir: str
    views_per_sample: int
    seed: int
    # (row number, look, x, y, yaw, speed, steering, throttle, t) per row
    rows: tuple[tuple[int, str, float, float, float, float, float, float, float], ...]


_dashcams: dict[tuple, Any] = {}  # per process: (track, look, camera) -> Dashcam


def _dashcam(track, look: str, camera: dict):
    from game.sim.dashcam import CameraParams, Dashcam

    key = (track.name, float(track.length), look, json.dumps(camera, sort_keys=True))
    cam = _dashcams.get(key)
    if cam is None:
        if len(_dashcams) > 8:
            _dashcams.clear()  # each holds a track raster: keep memory bounded
        params = CameraParams.from_dict(camera) if camera else None
        cam = _dashcams[key] = Dashcam(track, params, look=look)  # Drive's dashcam: seed 0
    return cam


def _render_task(task: _Task) -> list[list[str]]:
    """Render and save the views of `task`'s rows; their log rows (COLUMNS order)."""
    from PIL import Image

    from agents.driving.expert import expert_steering_from_pose
    from agents.driving.expert_recorder import displaced_pose, recovery_offsets, view_metrics

    track = task.track
    out: list[list[str]] = []
    hint: int | None = None
    for row_no, look, x, y, yaw, speed, steering, throttle, t in task.rows:
        cam = _dashcam(track, look, task.camera)
        rng = np.random.default_rng([task.seed, row_no])
        base = expert_steering_from_pose(track, x, y, yaw, speed, hint=hint, pursuit=VIEW_PURSUIT)
        for k, (dx, dyaw) in enumerate(recovery_offsets(rng, task.views_per_sample)):
            vx, vy, vyaw = displaced_pose(x, y, yaw, dx, dyaw)
            offset, heading_error, hint = view_metrics(track, vx, vy, vyaw, hint)
            expert = expert_steering_from_pose(
                track, vx, vy, vyaw, speed, hint=hint, pursuit=VIEW_PURSUIT
            )
            label = min(max(steering + expert - base, -1.0), 1.0)
            rel = f"{FRAMES_DIR}/{row_no:06d}-{k}.png"
            Image.fromarray(cam.render(vx, vy, vyaw)).save(
                Path(task.frames_dir).parent / rel, format="PNG", compress_level=PNG_COMPRESS_LEVEL
            )
            view = LogRow(
                frame=rel, steering=label, throttle=throttle, speed=speed, lane_offset=offset,
                heading_error=heading_error, x=vx, y=vy, yaw=vyaw, track=track.name,
                source="recovery", t=t, look=look, cam_dx=dx, cam_dyaw=dyaw,
            )  # fmt: skip
            out.append(view.cells())
    return out


# --- building one session ---------------------------------------------------------------------


def _person_rows(session) -> np.ndarray:
    cols = session.columns
    n = len(session)
    sources = np.asarray(cols.get("source", np.full(n, "")))
    keep = np.isin(sources, PERSON_SOURCES)
    if "off_lane" in cols:
        keep &= cols["off_lane"] != 1.0
    keep &= ~read_edits(session.dir).deleted_mask(session.log_rows)
    return np.flatnonzero(keep)


def _tasks(session, rows: np.ndarray, frames_dir: Path, views: int, seed: int):
    """Worker tasks per track (unresolvable tracks: a note instead), chunked."""
    from game.sim.dashcam import LOOKS, CameraParams
    from game.sim.tracks_catalog import resolve_track

    cols = session.columns
    camera = {k: v for k, v in (session.meta.get("camera") or {}).items()
              if k in CameraParams.__dataclass_fields__}  # fmt: skip
    try:
        CameraParams.from_dict(camera)
    except ValueError:
        camera = {}  # the Drive screen's camera is the default one
    default_look = session.meta.get("look") if session.meta.get("look") in LOOKS else LOOKS[0]
    tracks = np.asarray(cols.get("track", np.full(len(session), session.meta.get("track", ""))))
    tasks, notes = [], []
    for name in dict.fromkeys(tracks[rows]):
        mine = rows[tracks[rows] == name]
        try:
            track = resolve_track(str(name))
        except UserFacingError as e:
            why = str(e).split(";")[0][:200]  # not the list of every track it knows
            shown = str(name) if len(str(name)) <= 40 else str(name)[:37] + "..."
            notes.append(f"{len(mine)} rows on track {shown!r} skipped ({why})")  # a str's repr
            continue
        looks = cols.get("look", np.full(len(session), default_look))
        items = tuple(
            (int(i), str(looks[i]) if str(looks[i]) in LOOKS else default_look,
             float(cols["x"][i]), float(cols["y"][i]), float(cols["yaw"][i]),
             float(cols["speed"][i]), float(cols["steering"][i]),
             float(cols["throttle"][i]) if "throttle" in cols else 0.0,
             float(cols["t"][i]) if "t" in cols else 0.0)
            for i in mine
        )  # fmt: skip
        for start in range(0, len(items), CHUNK_ROWS):
            chunk = items[start : start + CHUNK_ROWS]
            tasks.append(_Task(track, camera, str(frames_dir), views, seed, chunk))
    return tasks, notes


class Workers:
    """A pool of `n` spawned worker processes, started on first use and shared by the
    sessions of one `recovery_sessions` call (a start costs ~1 s per worker)."""

    def __init__(self, n: int = WORKERS) -> None:
        self.n = n
        self._pool: ProcessPoolExecutor | None = None

    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            import multiprocessing as mp

            # spawn: the caller may be a thread of the app with TensorFlow loaded (fork is
            # unsafe there).
            self._pool = ProcessPoolExecutor(self.n, mp_context=mp.get_context("spawn"))
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _run_tasks(
    tasks: list[_Task],
    workers: Workers,
    on_chunk: Callable[[int], None],
    cancel: threading.Event | None,
) -> list[list[str]]:
    """Every task's rows, in task order; rendered by the worker pool when it pays off."""
    total_views = sum(len(t.rows) * t.views_per_sample for t in tasks)

    def check_cancel() -> None:
        if cancel is not None and cancel.is_set():
            from agents.training import TrainingCancelled

            raise TrainingCancelled("cancelled while making recovery views")

    # A frozen app (PyInstaller) would start itself again in each spawned worker.
    frozen = getattr(sys, "frozen", False)
    if workers.n > 1 and total_views >= PARALLEL_MIN_VIEWS and len(tasks) > 1 and not frozen:
        try:
            return _run_pool(tasks, workers.pool(), on_chunk, check_cancel)
        except BrokenProcessPool:
            # A worker died (killed, out of memory, a host that cannot spawn): do it here.
            workers.close()
            workers.n = 1
    results: list[list[str]] = []
    for task in tasks:
        check_cancel()
        results += _render_task(task)
        on_chunk(len(results))
    return results


def _run_pool(tasks: list[_Task], pool: ProcessPoolExecutor, on_chunk: Callable[[int], None],
              check_cancel: Callable[[], None]) -> list[list[str]]:  # fmt: skip
    results: list[list[str]] = []
    futures = [pool.submit(_render_task, task) for task in tasks]
    try:
        for future in futures:
            while True:
                check_cancel()
                try:
                    results += future.result(timeout=0.2)
                    break
                except TimeoutError:
                    continue
            on_chunk(len(results))
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return results


def _write_session(tmp: Path, session, rows: list[list[str]], key: dict) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    atomic_write_text(tmp / LOG_NAME, buf.getvalue())
    meta = dict(session.meta)
    meta.update(
        source="recovery",
        app_version=app_version(),
        created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        derived_from=session.dir.name,
        recipe=RECIPE_VERSION,
    )
    atomic_write_text(tmp / META_NAME, json.dumps(meta, indent=2) + "\n")
    # The stamp last: a folder with a matching stamp is complete.
    atomic_write_text(tmp / STAMP_NAME, json.dumps({**key, "views": len(rows)}, indent=2) + "\n")


def _swap_into_place(tmp: Path, final: Path) -> None:
    """Put the finished `tmp` at `final`, replacing an older folder there."""
    old = None
    if final.exists() or final.is_symlink():
        old = final.with_name(f"{OLD_PREFIX}{uuid.uuid4().hex[:8]}")
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)


def ensure_recovery_views(
    session_dir: str | os.PathLike[str],
    views_per_sample: int = DEFAULT_VIEWS_PER_SAMPLE,
    progress: Progress | None = None,
    seed: int = DEFAULT_SEED,
    workers: int | Workers = WORKERS,
    cancel: threading.Event | None = None,
) -> RecoveryViewsResult:
    """The derived recovery session of a person's session, built or reused.

    Never raises for a session it cannot make views for (unreadable, no person rows in the
    lane, unknown track, a folder it cannot write): the result has `folder` None (or only
    the rows it could do) and a one-line `note`. `workers`: how many processes render (1: in
    this one), or a `Workers` pool to share. Setting `cancel` raises
    agents.training.TrainingCancelled and leaves any previous folder as it was.
    """
    session_dir = Path(session_dir)
    final = session_dir / FOLDER_NAME
    started = time.perf_counter()

    def result(folder: Path | None, views: int = 0, reused: bool = False,
               note: str | None = None) -> RecoveryViewsResult:  # fmt: skip
        seconds = round(time.perf_counter() - started, 2)
        return RecoveryViewsResult(session_dir, folder, views, reused, seconds, note)

    if views_per_sample < 1:
        raise ValueError(f"views_per_sample must be at least 1, got {views_per_sample}")
    try:
        key = _log_key(session_dir, views_per_sample, seed)
    except OSError as e:
        return result(None, note=f"{session_dir}: cannot read {LOG_NAME} ({e.strerror or e})")
    except UserFacingError as e:  # a broken edits.json: training itself says so too
        return result(None, note=str(e))
    stamp = _read_stamp(final)
    if stamp is not None and {k: stamp.get(k) for k in key} == key:
        views = int(stamp.get("views", 0))
        return result(final if views else None, views, reused=True)

    try:
        session = load_session(session_dir)
    except UserFacingError as e:
        return result(None, note=str(e))
    missing = [c for c in POSE_COLUMNS if c not in session.columns]
    if missing:
        return result(None, note=f"{session_dir.name}: {LOG_NAME} has no {', '.join(missing)}"
                      " column (the car's pose): no recovery views")  # fmt: skip
    rows = _person_rows(session)
    if not len(rows):
        return result(None, note=f"{session_dir.name}: no rows a person drove inside the lane")

    tmp = session_dir / f"{TMP_PREFIX}{uuid.uuid4().hex[:8]}"
    try:
        _clean_leftovers(session_dir)
        (tmp / FRAMES_DIR).mkdir(parents=True)
        tasks, notes = _tasks(session, rows, tmp / FRAMES_DIR, views_per_sample, seed)
        note = f"{session_dir.name}: " + "; ".join(notes) if notes else None
        if not tasks:
            shutil.rmtree(tmp, ignore_errors=True)
            return result(None, note=note)
        total = sum(len(t.rows) for t in tasks) * views_per_sample

        def on_chunk(done: int) -> None:
            if progress is not None:
                progress(f"recovery views for {session_dir.name}: {done}/{total}")

        if isinstance(workers, Workers):
            made = _run_tasks(tasks, workers, on_chunk, cancel)
        else:
            with Workers(workers) as own:
                made = _run_tasks(tasks, own, on_chunk, cancel)
        _write_session(tmp, session, made, key)
        _swap_into_place(tmp, final)
    except OSError as e:  # a full disk, a read-only folder: train without the views
        shutil.rmtree(tmp, ignore_errors=True)
        return result(None, note=f"{session_dir}: cannot write recovery views ({e.strerror or e})")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result(final, len(made), note=note)


def recovery_sessions(
    dirs: list[str | os.PathLike[str]],
    progress: Progress | None = None,
    views_per_sample: int = DEFAULT_VIEWS_PER_SAMPLE,
    cancel: threading.Event | None = None,
) -> tuple[list[Path], int]:
    """The recovery folders to train on beside `dirs` (person sessions only) and how many
    views they hold; each session's outcome (and any note) is reported through `progress`."""
    folders: list[Path] = []
    views = 0
    with Workers() as workers:
        for d in map(Path, dirs):
            if not is_person_session(d):
                continue
            r = ensure_recovery_views(
                d, views_per_sample, progress=progress, workers=workers, cancel=cancel
            )
            _report(r, progress)
            if r.folder is not None:
                folders.append(r.folder)
                views += r.views
    return folders, views


def _report(r: RecoveryViewsResult, progress: Progress | None) -> None:
    if progress is None:
        return
    name = r.session.name
    if r.folder is not None:
        how = "reused" if r.reused else f"made in {r.seconds:.1f} s"
        progress(f"recovery views for {name}: {r.views} ({how})")
    if r.note:
        progress(f"recovery views: {r.note}")
