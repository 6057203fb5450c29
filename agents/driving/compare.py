"""Compare CNN models with the expert on several tracks: the library behind `compare` and
bench/eval_default_model.py.

The runs are independent, so they can go to worker processes (`--jobs`); each worker loads
TensorFlow and each model once and keeps them for its later runs. The parent never imports
TensorFlow, so starting workers with "spawn" stays cheap and safe.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agents.driving.evaluate import EvalResult

EXPERT = "expert"
RACER = "racer"  # the racing expert: the reference in race mode
# Columns of the comparison table, in order (EvalResult's JSON keys plus the driver).
COLUMNS = (
    "driver",
    "track",
    "autonomy_pct",
    "mean_abs_offset_m",
    "max_abs_offset_m",
    "laps_completed",
    "interventions",
    "elapsed_s",
    "mean_inference_ms",
)
PROGRESS_EVERY_STEPS = 600  # a worker reports distance driven every 10 simulated seconds


@dataclass(frozen=True)
class EvalJob:
    """One run: `driver` is "expert", "racer" or a model path; `track` a track spec (name,
    file, gen:N); `mode` "cruise" or "race" (see agents.driving.evaluate.run_driver)."""

    driver: str
    track: str
    laps: int
    seed: int = 0
    look: str = "day"
    mode: str = "cruise"

    @property
    def label(self) -> str:
        return self.driver if self.driver in (EXPERT, RACER) else Path(self.driver).stem


@dataclass(frozen=True)
class CompareRow:
    """One run's result, labelled with its driver (a table row)."""

    driver: str
    result: EvalResult

    def to_json(self) -> dict[str, Any]:
        """The table's columns in COLUMNS order, then any other keys of the result."""
        row = {"driver": self.driver, **self.result.to_json()}
        ordered = {c: row[c] for c in COLUMNS if c in row}
        return ordered | row


# --- worker side ------------------------------------------------------------------------------

_drivers: dict = {}  # per process: driver spec -> Driver, so each model loads once
_progress_queue = None


def _init_worker(queue, single_thread: bool) -> None:
    global _progress_queue
    _progress_queue = queue
    if single_thread:
        # Two workers on two cores: one TF thread each avoids oversubscription.
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        from agents.driving import tflite_runner

        tflite_runner.set_threads(1)


def _driver_for(spec: str):
    if spec not in _drivers:
        from agents.driving.drivers import make_driver

        if spec in (EXPERT, RACER):
            _drivers[spec] = make_driver(spec)
        else:
            import agents.driving.cnn_driver  # noqa: F401  (registers "cnn")

            _drivers[spec] = make_driver("cnn", model_path=spec)
    return _drivers[spec]


def run_job(job: EvalJob) -> CompareRow:
    """Run one evaluation and return its table row."""
    from agents.driving.evaluate import run_driver
    from game.sim.tracks_catalog import resolve_track

    track = resolve_track(job.track)
    driver = _driver_for(job.driver)
    reported = [0.0]

    def on_step(world, steering, frame) -> None:
        if _progress_queue is not None and world.steps % PROGRESS_EVERY_STEPS == 0:
            _progress_queue.put(world.metrics.progress - reported[0])
            reported[0] = world.metrics.progress

    result = run_driver(
        driver, track, job.laps, seed=job.seed, look=job.look, on_step=on_step, mode=job.mode
    )
    if _progress_queue is not None:
        _progress_queue.put(job.laps * track.length - reported[0])  # the rest of this run
    return CompareRow(job.label, result)


# --- parent side ------------------------------------------------------------------------------


def run_jobs(jobs: list[EvalJob], processes: int = 1, progress: bool = True) -> list[CompareRow]:
    """Run every job (in worker processes when processes > 1); rows in the jobs' order.

    With `progress`, a tqdm bar counts metres driven over all runs.
    """
    from tqdm import tqdm

    from game.sim.tracks_catalog import resolve_track

    total_m = sum(job.laps * resolve_track(job.track).length for job in jobs)
    ctx = mp.get_context("spawn")
    metres_q = ctx.Queue() if progress else None
    bar = tqdm(total=round(total_m), unit="m", desc="evaluating", disable=not progress)
    done = threading.Event()

    def drain() -> None:
        driven = 0.0  # summed as floats: rounding every report would drift
        while not done.is_set() or not metres_q.empty():
            try:
                driven += metres_q.get(timeout=0.2)
            except queue.Empty:
                continue
            bar.update(max(0, min(round(driven), bar.total) - bar.n))

    reader = threading.Thread(target=drain, daemon=True) if progress else None
    if reader is not None:
        reader.start()
    # Longest runs first, so the last worker is not left alone with the longest one.
    order = sorted(range(len(jobs)), key=lambda i: -_job_cost(jobs[i]))
    rows: list[CompareRow | None] = [None] * len(jobs)
    try:
        if processes <= 1:
            _init_worker(metres_q, single_thread=False)
            for i in order:
                rows[i] = run_job(jobs[i])
                if progress:
                    bar.write(_row_line(rows[i]), file=sys.stderr)
        else:
            with ctx.Pool(processes, _init_worker, (metres_q, True)) as pool:
                ordered = [jobs[i] for i in order]
                for k, row in enumerate(pool.imap(run_job, ordered)):
                    rows[order[k]] = row
                    if progress:
                        bar.write(_row_line(row), file=sys.stderr)
    finally:
        done.set()
        if reader is not None:
            reader.join(timeout=2.0)
        bar.close()
    return [r for r in rows if r is not None]


def _job_cost(job: EvalJob) -> float:
    from game.sim.tracks_catalog import resolve_track

    weight = 1.0 if job.driver in (EXPERT, RACER) else 10.0  # the CNN renders and infers every step
    return weight * job.laps * resolve_track(job.track).length


def _row_line(row: CompareRow) -> str:
    r = row.result
    return (
        f"  {row.driver:>16} on {r.track:<16} autonomy {r.autonomy_pct:6.2f}%  "
        f"mean |offset| {r.mean_abs_offset_m:.3f} m  laps {r.laps_completed}"
    )


def compare_jobs(
    models: list[str], tracks: list[str], laps: int, seed: int = 0, look: str = "day"
) -> list[EvalJob]:
    """For each track: the expert, then every model (the table's row order)."""
    return [
        EvalJob(driver, track, laps, seed, look) for track in tracks for driver in [EXPERT, *models]
    ]
