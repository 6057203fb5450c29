"""Run lab variants on a Ray cluster (`lab run --cluster ADDRESS`; Ray is the optional
`cluster` extra: pip install '.[cluster]').

    ray start --head                        # on the first machine (prints its address)
    ray start --address HEAD_IP:6379        # on every other machine
    python main.py lab run SPEC --out DIR --cluster HEAD_IP:6379

Each variant is a Ray task (one CPU, one TensorFlow thread) retried if its worker dies.
The driving data is packed once and put in Ray's object store: each node fetches it once
and unpacks it once into a local cache, however many of its tasks use it. Each task sends
back its figures and its model files, which land in DIR like a local run's. The machines
need this project at the same path (Ray's workers import it from there). "local" starts a
Ray instance on this machine only (what the tests use).
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tarfile
import tempfile
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from agents.lab.runner import LabCancelled, Task, init_worker, run_task
from game.errors import UserFacingError
from game.paths import project_root

RETRIES = 2  # a task whose worker process dies is run again this many times
POLL_S = 0.5


def _ray():
    try:
        import ray
    except ImportError as e:
        raise UserFacingError(
            "--cluster needs Ray: pip install '.[cluster]' (or pip install 'ray[default]')"
        ) from e
    return ray


def pack(sessions: tuple[str, ...]) -> bytes:
    """The session folders as one tar (names: their index and folder name)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for i, s in enumerate(sessions):
            tar.add(s, arcname=f"{i:02d}-{Path(s).name}")
    return buf.getvalue()


def unpack_once(blob: bytes) -> list[str]:
    """The sessions of a packed blob in this node's cache (unpacked by the first task on
    the node; the others find its `done` marker)."""
    key = hashlib.sha256(blob).hexdigest()[:16]
    root = Path(tempfile.gettempdir()) / "neural-arcade-lab" / key
    if not (root / "done").is_file():
        root.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=root.parent))
        with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
            names = sorted({m.name.split("/")[0] for m in tar.getmembers()})
            tar.extractall(work, filter="data")
        (work / "done").write_text("\n".join(names))
        try:
            os.replace(work, root)
        except OSError:  # another task on this node got there first
            shutil.rmtree(work, ignore_errors=True)
    names = (root / "done").read_text().splitlines()
    return [str(root / n) for n in names]


_initialised = False


def ray_task(task: Task, blob: bytes | None) -> tuple[str, dict | None, str | None, dict]:
    """One variant on a Ray worker: (key, figures, error, {file name: bytes} of its model)."""
    global _initialised
    if not _initialised:
        init_worker(None, 1)
        _initialised = True
    out = Path(tempfile.mkdtemp(prefix="lab-variant-"))
    sessions = tuple(unpack_once(blob)) if blob is not None else ()
    key, figures, error = run_task(replace(task, out=str(out), sessions=sessions))
    files = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    return key, figures, error, files


def run_on_ray(
    address: str,
    tasks: list[Task],
    finish: Callable[[str, dict | None, str | None], None],
    started: Callable[[str], None],
    cancel: threading.Event | None = None,
) -> None:
    """Submit every task to the cluster at `address` ("local": a new local instance) and
    call `finish` as each one ends. "start" is reported at submission (Ray schedules)."""
    ray = _ray()
    env = {"env_vars": {"PYTHONPATH": str(project_root()), "TF_CPP_MIN_LOG_LEVEL": "2"}}
    if address == "local":
        ray.init(num_cpus=os.cpu_count(), include_dashboard=False, runtime_env=env)
    else:
        ray.init(address=address, runtime_env=env)
    try:
        blob = pack(tasks[0].sessions) if tasks and tasks[0].sessions else None
        data = ray.put(blob)  # shipped to each node once, by Ray's object store
        remote = ray.remote(num_cpus=1, max_retries=RETRIES)(ray_task)
        by_ref = {}
        for t in tasks:
            by_ref[remote.remote(t, data)] = t
            started(t.key)
        while by_ref:
            ready, _ = ray.wait(list(by_ref), num_returns=1, timeout=POLL_S)
            for ref in ready:
                task = by_ref.pop(ref)
                try:
                    key, figures, error, files = ray.get(ref)
                except ray.exceptions.RayError as e:  # retries used up
                    key, figures, error, files = task.key, None, f"lost on the cluster: {e}", {}
                Path(task.out).mkdir(parents=True, exist_ok=True)
                for name, content in files.items():
                    (Path(task.out) / name).write_bytes(content)
                finish(key, figures, error)
            if cancel is not None and cancel.is_set():
                for ref in by_ref:
                    ray.cancel(ref, force=True)
                raise LabCancelled("lab run cancelled")
    finally:
        ray.shutdown()
