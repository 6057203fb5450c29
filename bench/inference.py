"""Per-frame CNN inference time: the tf.function path vs eager model(x) vs model.predict.

    python -m bench.inference [--model models/pilotnet.h5] [--frames 500]

All paths run in the same process on the same real dashcam frames. The tf.function path is
what CnnDriver does every step (preprocessing in the graph, XLA-compiled); eager model(x)
and model.predict get the frame preprocessed in numpy first (that time included too). The
paths take turns in rounds, so a busy machine slows them all alike. Prints median and p90
wall ms, median CPU ms, and the speed-up of the tf.function path over each.
Target: median <= 2 ms on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def dashcam_frames(count: int = 24) -> list[np.ndarray]:
    """Dashcam frames from poses spread round a shipped track (road, bends, verges)."""
    from game.sim.dashcam import Dashcam
    from game.sim.tracks_catalog import resolve_track

    track = resolve_track("kidney")
    cam = Dashcam(track)
    frames = []
    for s in np.linspace(0.0, track.length, count, endpoint=False):
        x, y, yaw = track.lane_center(float(s))
        frames.append(cam.render(x, y, yaw))
    return frames


def timed(
    paths: dict[str, tuple[Callable[[np.ndarray], float], int]],
    frames: list[np.ndarray],
    rounds: int = 25,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(wall ms, CPU ms) per call for each path {name: (fn, calls)}, cycling over the frames.

    CPU ms is this process's CPU time (all its threads): unlike wall time it barely moves
    when other programs share the cores. Each path gets two warm-up calls, then the paths
    take turns for `rounds` rounds.
    """
    wall: dict[str, list[float]] = {name: [] for name in paths}
    cpu: dict[str, list[float]] = {name: [] for name in paths}
    for fn, _ in paths.values():
        fn(frames[0])
        fn(frames[1])
    for _ in range(rounds):
        for name, (fn, calls) in paths.items():
            for i in range(max(calls // rounds, 1)):
                frame = frames[i % len(frames)]
                c0, t0 = time.process_time(), time.perf_counter()
                fn(frame)
                wall[name].append((time.perf_counter() - t0) * 1000.0)
                cpu[name].append((time.process_time() - c0) * 1000.0)
    return {name: (np.array(wall[name]), np.array(cpu[name])) for name in paths}


def load(model_arg: str | None):
    """(CnnDriver, description) for the given model, the committed one, or a fresh PilotNet."""
    from agents.driving.cnn_driver import CnnDriver, default_model_path
    from agents.driving.models import pilotnet
    from agents.driving.preprocess import spec_for

    path = Path(model_arg) if model_arg else default_model_path()
    if path.exists():
        return CnnDriver(path), str(path)
    if model_arg:
        raise SystemExit(f"{path}: model file not found")
    spec = spec_for("pilotnet")
    return CnnDriver(model=pilotnet(spec), spec=spec), "untrained PilotNet (no models/pilotnet.h5)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model .h5 (default: models/pilotnet.h5 if present)")
    parser.add_argument("--frames", type=int, default=500, help="timed tf.function calls")
    args = parser.parse_args(argv)

    import tensorflow as tf

    from agents.driving.cnn_driver import make_inference_fn
    from agents.driving.preprocess import preprocess_frame
    from agents.driving.saliency import VisualBackProp

    driver, what = load(args.model)
    model, spec = driver.model, driver.spec
    frames = dashcam_frames()

    def eager(frame: np.ndarray) -> float:
        return float(model(preprocess_frame(frame, spec).astype(np.float32), training=False)[0, 0])

    def predict(frame: np.ndarray) -> float:
        return float(model.predict(preprocess_frame(frame, spec), verbose=0)[0, 0])

    plain = make_inference_fn(model, spec, xla_preprocess=False)
    vbp = VisualBackProp(model, spec)
    n = args.frames
    results = timed(
        {
            "tf.function (CnnDriver)": (driver.predict, n),
            "tf.function, no XLA at all": (lambda f: float(plain(f)), n),
            "tf.function + VisualBackProp": (lambda f: vbp(f).steering, n // 2),
            "eager model(x)": (eager, n // 5),
            "model.predict per frame": (predict, n // 20),
        },
        frames,
    )
    print(f"model: {what} ({model.count_params():,} parameters, input {spec.shape})")
    print(
        f"CPU cores: {os.cpu_count()}, TF intra-op threads: "
        f"{tf.config.threading.get_intra_op_parallelism_threads() or 'default'}"
    )
    fast = float(np.median(results["tf.function (CnnDriver)"][0]))
    print(
        f"{'path':<30} {'calls':>6} {'median ms':>10} {'p90 ms':>8} {'CPU ms':>7} {'x slower':>9}"
    )
    for name, (ms, cpu_ms) in results.items():
        med = float(np.median(ms))
        print(
            f"{name:<30} {len(ms):>6} {med:>10.3f} {np.percentile(ms, 90):>8.3f} "
            f"{np.median(cpu_ms):>7.3f} {med / fast:>9.1f}"
        )
    ratio = float(np.median(results["model.predict per frame"][0])) / fast
    print(
        f"tf.function median {fast:.3f} ms (target <= 2 ms); model.predict / tf.function = "
        f"{ratio:.1f}x; load average {os.getloadavg()[0]:.1f} (other programs slow every path)"
    )


if __name__ == "__main__":
    main()
