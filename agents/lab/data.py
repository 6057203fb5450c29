"""The lab's driving data: the expert recorded once per data plan, cached in the run folder,
and cut to a number of minutes for variants that vary the data amount.

Every variant of a run trains on the same sessions. A recording is complete when its
`done.json` exists; a run killed mid-recording records that track again next time.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict
from multiprocessing import get_context
from pathlib import Path

from agents.driving.expert import Pursuit
from agents.lab.spec import DataPlan

DONE = "done.json"


def data_folder(root: Path, plan: DataPlan) -> Path:
    key = hashlib.sha256(json.dumps(asdict(plan), sort_keys=True).encode()).hexdigest()[:10]
    return root / "data" / key


def _record(args: tuple[str, str, int, float, int]) -> str:
    track, out, laps, rate_hz, seed = args
    from agents.driving.build import BUILD_LOOK, BUILD_NEAR_VIEWS, BUILD_TEACHER
    from agents.driving.expert_recorder import ExpertRecording, record_expert

    shutil.rmtree(out, ignore_errors=True)  # a half-written session from a killed run
    summary = record_expert(
        ExpertRecording(
            track, laps, out, look=BUILD_LOOK, rate_hz=rate_hz, seed=seed, recovery=True,
            pursuit=BUILD_TEACHER, near_share=BUILD_NEAR_VIEWS,
        )
    )  # fmt: skip
    Path(out, DONE).write_text(json.dumps({"frames": summary.frames,
                                           "seconds": summary.elapsed_s}))  # fmt: skip
    return out


def ensure_data(
    root: Path, plan: DataPlan, workers: int = 1, log=print, cancel: threading.Event | None = None
) -> list[Path]:
    """The plan's expert sessions under `root` (recorded now if missing); one per track,
    recorded like `make models` records (mixed looks, recovery views, the build's teacher).
    With `cancel` set it stops waiting and raises Cancelled (a track being recorded
    finishes in its process; it is recorded again next time)."""
    folder = data_folder(root, plan)
    todo, sessions = [], []
    for i, track in enumerate(plan.tracks):
        out = folder / f"{i:02d}-{track.replace(':', '-').replace('/', '-')}"
        sessions.append(out)
        if not (out / DONE).is_file():
            todo.append((track, str(out), plan.laps, plan.rate_hz, 1000 + i))
    if todo:
        log(f"recording the expert on {len(todo)} track(s) into {folder}")
        folder.mkdir(parents=True, exist_ok=True)
        ctx = get_context("spawn")
        pool = ProcessPoolExecutor(max(1, min(workers, len(todo))), mp_context=ctx)
        try:
            pending = {pool.submit(_record, job) for job in todo}
            while pending:
                done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                for future in done:
                    future.result()  # a failed recording fails the run, with its message
                if cancel is not None and cancel.is_set():
                    raise Cancelled("cancelled while recording the expert")
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
    return sessions


class Cancelled(Exception):
    """A run was cancelled while its data was being made."""


def session_minutes(session: Path) -> float:
    return float(json.loads((session / DONE).read_text())["seconds"]) / 60.0


def minutes_of(sessions: list[Path], minutes: float) -> list[Path]:
    """The sessions cut to `minutes` of driving in all (0 or more than there is: all of
    them): each keeps the same leading share of its rows, in a sibling folder whose frames
    are hard links to the original's (nothing is copied but the log)."""
    total = sum(session_minutes(s) for s in sessions)
    if minutes <= 0 or minutes >= total:
        return sessions
    share = minutes / total
    out = []
    for s in sessions:
        cut = s.parent / f"minutes-{minutes:g}" / s.name
        if not (cut / DONE).is_file():
            _cut_session(s, cut, share * session_minutes(s) * 60.0)
        out.append(cut)
    return out


def _derived_session(src: Path, dst: Path, rows: Callable[[Iterator[dict]], Iterator[dict]],
                     done: str) -> None:  # fmt: skip
    """Write `dst`: src's meta, its frames hard-linked (the session reader follows no symbolic
    link; a copy where the file system cannot link), and the log rows `rows` makes of src's;
    `done` is its DONE stamp (written last: a half-made folder is made again next time)."""
    shutil.rmtree(dst, ignore_errors=True)
    (dst / "frames").mkdir(parents=True)
    shutil.copy(src / "meta.json", dst / "meta.json")
    for frame in (src / "frames").iterdir():
        try:
            os.link(frame, dst / "frames" / frame.name)
        except OSError:
            shutil.copy2(frame, dst / "frames" / frame.name)
    with open(src / "log.csv", newline="") as fin, open(dst / "log.csv", "w", newline="") as fout:
        reader = csv.DictReader(fin)
        writer = csv.DictWriter(fout, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        writer.writerows(rows(reader))
    (dst / DONE).write_text(done)


def _cut_session(src: Path, dst: Path, seconds: float) -> None:
    def first_rows(rows):
        return (row for row in rows if float(row["t"]) <= seconds)

    _derived_session(src, dst, first_rows, json.dumps({"seconds": seconds}))


def relabelled(sessions: list[Path], teacher: Pursuit) -> list[Path]:
    """The sessions with every row's steering that `teacher` gives from the row's pose (its
    own view's pose for a recovery view), in sibling folders whose frames are hard links to
    the originals'. The sessions themselves when `teacher` is the one that recorded them."""
    from agents.driving.build import BUILD_TEACHER

    if teacher == BUILD_TEACHER:
        return sessions
    t = teacher
    tag = f"teacher-{t.lookahead_min_m:g}m-{t.lookahead_per_mps:g}-x{t.feedback_gain:g}"
    tag += "-cg" if t.cg_on_line else ""
    out = []
    for s in sessions:
        dst = s.parent / tag / s.name
        if not (dst / DONE).is_file():
            _relabel_session(s, dst, teacher)
        out.append(dst)
    return out


def _relabel_session(src: Path, dst: Path, teacher: Pursuit) -> None:
    from agents.driving.expert import expert_steering_from_pose
    from game.sim.tracks_catalog import resolve_track

    tracks: dict = {}

    def labelled(rows):
        for row in rows:
            name = row["track"]
            track = tracks[name] if name in tracks else tracks.setdefault(name, resolve_track(name))
            pose = (float(row[k]) for k in ("x", "y", "yaw", "speed"))
            row["steering"] = f"{expert_steering_from_pose(track, *pose, pursuit=teacher):.7g}"
            yield row

    _derived_session(src, dst, labelled, (src / DONE).read_text())
