"""Run a lab spec: expand the grid, make the data once, train and judge every variant on
local worker processes (or a Ray cluster, agents.lab.cluster), write each record as it
finishes, and gather results.json / results.csv. A rerun skips the finished variants and
tries the failed ones again.

The parent never imports TensorFlow: each worker process (spawn) loads it and limits its
threads so W workers share the machine's cores instead of fighting over them.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agents.lab.results import load_records, save_record, variant_dir, write_results
from agents.lab.spec import EvalPlan, LabSpec, Variant, expand
from game.errors import UserFacingError

POLL_S = 0.2


class LabCancelled(Exception):
    """The run was cancelled; the variants finished so far are kept."""


@dataclass(frozen=True)
class LabEvent:
    """Progress of a run: kind "data" (message), "skip" (already finished), "start",
    "done" (record) or "error" (record with status "error")."""

    kind: str
    message: str = ""
    key: str = ""
    label: str = ""
    record: dict[str, Any] | None = None
    done: int = 0
    total: int = 0


@dataclass(frozen=True)
class Task:
    """What a worker needs to run one variant (all plain data: it crosses processes)."""

    task: str
    key: str
    recipe: dict[str, Any]
    seed: int
    out: str  # the variant's folder
    sessions: tuple[str, ...] = ()
    plan: EvalPlan = field(default_factory=EvalPlan)


def threads_per_worker(workers: int) -> int:
    return max(1, (os.cpu_count() or 1) // max(1, workers))


# --- worker side ------------------------------------------------------------------------------

_events = None


def init_worker(events, threads: int) -> None:
    """Per worker: TensorFlow (and BLAS) limited to `threads` threads; events go to `events`."""
    global _events
    _events = events
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    from agents.driving import tflite_runner

    tflite_runner.set_threads(threads)


def run_task(task: Task) -> tuple[str, dict[str, Any] | None, str | None]:
    """(key, figures, None) or (key, None, error message): a variant's failure is its record."""
    if _events is not None:
        _events.put(task.key)
    Path(task.out).mkdir(parents=True, exist_ok=True)
    try:
        if task.task == "driving":
            from agents.lab.driving import run_variant

            sessions = [Path(s) for s in task.sessions]
            figures = run_variant(task.recipe, task.seed, sessions, task.plan, Path(task.out))
        else:
            from agents.lab.rps import run_variant as run_rps

            figures = run_rps(task.recipe, task.seed, task.plan.games, task.plan.rounds)
        return task.key, figures, None
    except UserFacingError as e:
        return task.key, None, str(e)
    except Exception as e:  # noqa: BLE001  (one variant's crash must not end the grid)
        last = traceback.format_exception_only(e)[-1].strip()
        return task.key, None, last


# --- parent side ------------------------------------------------------------------------------


def spec_info(spec: LabSpec, quick: bool) -> dict[str, Any]:
    return {"name": spec.name, "task": spec.task, "path": spec.path, "quick": quick,
            "knobs": spec.knobs(), "eval": {"tracks": list(spec.eval.tracks),
                                            "laps": spec.eval.laps}}  # fmt: skip


def record_for(spec: LabSpec, v: Variant, figures: dict | None, error: str | None) -> dict:
    return {
        "key": v.key,
        "label": v.label,
        "spec": spec.name,
        "task": v.task,
        "knobs": v.knobs,
        "recipe": v.recipe,
        "seed": v.seed,
        "status": "ok" if error is None else "error",
        "error": error,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": f"variants/{v.key}/model.h5" if v.task == "driving" and error is None else None,
        **(figures or {}),
    }


def run_lab(
    spec: LabSpec,
    out: str | os.PathLike[str],
    quick: bool = False,
    samples: int | None = None,
    seeds: int | None = None,
    workers: int = 2,
    cluster: str | None = None,
    progress: Callable[[LabEvent], None] | None = None,
    cancel: threading.Event | None = None,
) -> list[dict[str, Any]]:
    """Run every variant not finished yet (a failed one is tried again); all records of the
    grid, in grid order."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    emit = progress or (lambda e: None)
    variants = expand(spec, quick=quick, samples=samples, seeds=seeds)
    by_key = {v.key: v for v in variants}
    finished = {k: r for k, r in load_records(out).items()
                if k in by_key and r.get("status") == "ok"}  # fmt: skip
    for k in finished:
        emit(LabEvent("skip", key=k, label=by_key[k].label, record=finished[k],
                      done=len(finished), total=len(variants)))  # fmt: skip
    todo = [v for v in variants if v.key not in finished]
    info = spec_info(spec, quick)

    def ordered() -> list[dict[str, Any]]:
        return [finished[v.key] for v in variants if v.key in finished]

    if not todo:
        write_results(out, info, ordered())
        return ordered()
    sessions: tuple[str, ...] = ()
    if spec.task == "driving":
        from agents.lab.data import Cancelled, ensure_data

        try:
            made = ensure_data(out, spec.data, workers, lambda m: emit(LabEvent("data", m)), cancel)
        except Cancelled as e:
            raise LabCancelled(str(e)) from None
        sessions = tuple(str(s) for s in made)
    if cancel is not None and cancel.is_set():
        raise LabCancelled("lab run cancelled")
    tasks = [Task(v.task, v.key, v.recipe, v.seed, str(variant_dir(out, v.key)), sessions,
                  spec.eval) for v in todo]  # fmt: skip

    def finish(key: str, figures: dict | None, error: str | None) -> None:
        record = record_for(spec, by_key[key], figures, error)
        save_record(out, record)
        finished[key] = record
        write_results(out, info, ordered())
        emit(LabEvent("done" if error is None else "error", key=key, label=by_key[key].label,
                      record=record, done=len(finished), total=len(variants)))  # fmt: skip

    def started(key: str) -> None:
        emit(LabEvent("start", key=key, label=by_key[key].label, done=len(finished),
                      total=len(variants)))  # fmt: skip

    if cluster:
        from agents.lab.cluster import run_on_ray

        run_on_ray(cluster, tasks, finish, started, cancel)
    else:
        run_local(tasks, workers, finish, started, cancel)
    write_results(out, info, ordered())
    return ordered()


def run_local(
    tasks: list[Task],
    workers: int,
    finish: Callable[[str, dict | None, str | None], None],
    started: Callable[[str], None],
    cancel: threading.Event | None = None,
) -> None:
    """Run the tasks on `workers` spawned processes; `finish` is called (in this thread) as
    each one ends, in the order they end."""
    ctx = mp.get_context("spawn")
    events = ctx.Queue()
    workers = max(1, min(workers, len(tasks)))
    with ctx.Pool(workers, init_worker, (events, threads_per_worker(workers))) as pool:
        pending = {t.key: pool.apply_async(run_task, (t,)) for t in tasks}
        while pending:
            _drain(events, started)
            for key, result in list(pending.items()):
                if result.ready():
                    del pending[key]
                    finish(*result.get())
            if cancel is not None and cancel.is_set():
                pool.terminate()
                raise LabCancelled("lab run cancelled")
            time.sleep(POLL_S)
        _drain(events, started)


def _drain(events, started: Callable[[str], None]) -> None:
    while True:
        try:
            started(events.get_nowait())
        except queue.Empty:
            return
