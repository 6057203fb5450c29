"""Hostile state files and two writers: how fast and how small the refusals and merges are.

    python -m bench.state_files

Prints a Markdown table: a ghost that declares 300 M float32 values (1.2 GB) in a file of
under 1 MB, refused from its zip headers (time, Python heap peak, process RSS growth); a FIFO
named like a ghost and like a model, refused without waiting; and two processes saving 100
laps each to one leaderboard at the same moment (time, laps kept). Everything happens in a
throw-away user folder.
"""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np

BOMB_FLOATS = 300_000_000
LAPS_PER_WRITER = 100


def write_bomb(path: Path, track, zeros_mb: int = 32) -> None:
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (BOMB_FLOATS,)}
    )
    small = io.BytesIO()
    np.savez(small, version=np.array(1), track=np.array(track.name),
             track_length=np.array(track.length), lap_s=np.array(10.0),
             **{k: np.zeros(3, np.float32) for k in ("x", "y", "yaw", "d")})  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        with zipfile.ZipFile(io.BytesIO(small.getvalue())) as src:
            for info in src.infolist():
                z.writestr(info.filename, src.read(info.filename))
        with z.open("t.npy", "w", force_zip64=True) as member:
            member.write(header.getvalue())
            chunk = bytes(1 << 20)
            for _ in range(zeros_mb):
                member.write(chunk)


def rss_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def timed_refusal(fn) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the refusal is what is measured
        return time.perf_counter() - start, str(e)
    return time.perf_counter() - start, "accepted (!)"


_WRITER = """
import os, sys, time
from pathlib import Path
from game import paths
paths.set_home(sys.argv[2])
from game.sessions.leaderboard import Leaderboard
go = Path(sys.argv[3])
while not go.exists():
    time.sleep(0.001)
board = Leaderboard.load()
t0 = time.perf_counter()
for i in range(int(sys.argv[4])):
    board.add(f"track{sys.argv[1]}-{i // 10}", "bench", 40.0 + i % 10)
    board.save()
print(time.perf_counter() - t0)
"""


def two_writers(home: Path) -> tuple[float, int]:
    go = home / "go"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(w), str(home), str(go),
                          str(LAPS_PER_WRITER)], env=env, stdout=subprocess.PIPE, text=True)
        for w in (0, 1)
    ]  # fmt: skip
    time.sleep(3.0)  # both imported and waiting
    go.touch()
    seconds = max(float(p.communicate(timeout=300)[0]) for p in procs)
    from game.sessions.leaderboard import Leaderboard

    board = Leaderboard.load(home / "leaderboard.json")
    return seconds, sum(len(laps) for laps in board.tracks.values())


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="state-files-"))
    from game import paths

    paths.set_home(home)
    from agents.driving.registry import list_models
    from game.sessions.ghost import Ghost, ghost_path
    from game.sim.tracks_catalog import resolve_track

    track = resolve_track("oval")
    rows = []
    bomb = ghost_path(track.name)
    write_bomb(bomb, track)
    rss_before = rss_peak_mb()
    tracemalloc.start()
    notes: list[str] = []
    seconds, _ = timed_refusal(lambda: Ghost.load(track, lambda t, k="info": notes.append(t)))
    _, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rows.append((f"ghost declaring {BOMB_FLOATS:,} float32 ({bomb.stat().st_size / 1e6:.2f} MB "
                 "file)", seconds, heap_peak / 1e6, rss_peak_mb() - rss_before,
                 notes[0][:70] if notes else "not refused (!)"))  # fmt: skip
    bomb.unlink()
    os.mkfifo(bomb)
    notes.clear()
    seconds, _ = timed_refusal(lambda: Ghost.load(track, lambda t, k="info": notes.append(t)))
    rows.append(("FIFO as ghosts/Oval.npz", seconds, 0.0, 0.0, notes[0][-40:] if notes else "?"))
    fifo_model = paths.user_dir("models") / "pipe.h5"
    os.mkfifo(fifo_model)
    start = time.perf_counter()
    problem = next(m.problem for m in list_models() if m.name == "pipe")
    rows.append(("FIFO as models/pipe.h5 (listing every model)", time.perf_counter() - start,
                 0.0, 0.0, problem[-40:]))  # fmt: skip

    print("| hostile file | refused in s | heap peak MB | RSS growth MB | message |")
    print("|---|---|---|---|---|")
    for what, s, heap, rss, message in rows:
        print(f"| {what} | {s:.4f} | {heap:.2f} | {rss:.1f} | {message} |")

    seconds, kept = two_writers(Path(tempfile.mkdtemp(prefix="state-writers-")))
    print()
    print("| two processes saving laps at once | laps saved | laps kept | s (slower writer) |")
    print("|---|---|---|---|")
    print(f"| leaderboard.json, {LAPS_PER_WRITER} saves each | {2 * LAPS_PER_WRITER} | {kept} "
          f"| {seconds:.2f} |")
    return 0 if kept == 2 * LAPS_PER_WRITER else 1


if __name__ == "__main__":
    raise SystemExit(main())
