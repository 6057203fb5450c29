"""Per-frame CNN inference time: TFLite vs the tf.function vs eager model(x) vs model.predict.

    python -m bench.inference [--model models/pilotnet.h5] [--frames 500]

All paths run in the same process on the same real dashcam frames, and every figure includes
the frame's preprocessing. TFLite is what CnnDriver runs for a model file (preprocessing
inside the converted graph, XNNPACK, 2 threads on 2 cores); also timed: 1 thread, and a bare
converted model fed by numpy preprocessing (the alternative design). The tf.function is its
fallback (preprocessing in the graph, XLA-compiled); eager model(x) and model.predict get the
frame preprocessed in numpy first. The paths take turns in rounds, so a busy machine slows
them all alike. Prints median and p90 wall ms, median CPU ms (this
process, all threads), the ratio to TFLite, the TFLite conversion's cache build and reuse
time, and the largest difference between the TFLite and tf.function outputs.
Target (issue 21): TFLite median <= 0.6 ms per frame on 2 cores (issue 10: 1.0 ms).
"""

from __future__ import annotations

import argparse
import os
import tempfile
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


def model_file(model_arg: str | None, folder: Path) -> tuple[Path, str]:
    """(model file, description): the given model, the committed one, or a fresh PilotNet."""
    from agents.driving.cnn_driver import default_model_path

    path = Path(model_arg) if model_arg else default_model_path()
    if path.exists():
        return path, str(path)
    if model_arg:
        raise SystemExit(f"{path}: model file not found")
    from bench.autopilot_frame_time import untrained_model

    return untrained_model(folder), "untrained PilotNet (no models/pilotnet.h5)"


def load_twice(path: Path):
    """(driver, conversion s, first load s, load s with the cache warm): the first load
    (a fresh cache folder) converts and writes the entry, the second reads it."""
    from agents.driving.cnn_driver import CnnDriver

    t0 = time.perf_counter()
    first = CnnDriver(path)
    cold = time.perf_counter() - t0
    if first.backend != "tflite":
        raise SystemExit(f"no TFLite: {first.backend_note}")
    t0 = time.perf_counter()
    driver = CnnDriver(path)
    warm = time.perf_counter() - t0
    if driver.backend != "tflite" or driver.tflite_cache.built:
        raise SystemExit(f"TFLite cache not reused: {driver.backend_note or driver.tflite_cache}")
    return driver, first.tflite_cache.build_s, cold, warm


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model .h5 (default: models/pilotnet.h5 if present)")
    parser.add_argument("--frames", type=int, default=500, help="timed calls per fast path")
    args = parser.parse_args(argv)

    # The TFLite cache goes to a throw-away folder, so its build time is measured every run.
    home = Path(tempfile.mkdtemp(prefix="bench-inference-"))
    os.environ["NEURAL_ARCADE_HOME"] = str(home)
    import tensorflow as tf

    from agents.driving import tflite_runner
    from agents.driving.cnn_driver import CnnDriver, make_inference_fn
    from agents.driving.preprocess import preprocess_frame
    from agents.driving.saliency import VisualBackProp

    path, what = model_file(args.model, home)
    driver, build_s, cold_s, warm_s = load_twice(path)
    model, spec = driver.model, driver.spec
    t0 = time.perf_counter()
    graph = CnnDriver(path, backend="tf.function")
    graph_s = time.perf_counter() - t0
    frames = dashcam_frames()
    content = tflite_runner.read_cached(driver.tflite_cache.path)
    one = tflite_runner.TfliteRunner(content, spec, num_threads=1)
    invoke_only = tflite_runner.TfliteRunner(content, spec)
    invoke_only(frames[0])  # its input stays set: "invoke only" leaves out the copies
    bare = tflite_runner.convert_keras_model(model, spec, preprocess=False)
    numpy_first = tflite_runner.TfliteRunner(bare, spec, preprocessed=True)

    def eager(frame: np.ndarray) -> float:
        return float(model(preprocess_frame(frame, spec).astype(np.float32), training=False)[0, 0])

    def predict(frame: np.ndarray) -> float:
        return float(model.predict(preprocess_frame(frame, spec), verbose=0)[0, 0])

    plain = make_inference_fn(model, spec, xla_preprocess=False)
    vbp = VisualBackProp(model, spec)
    n = args.frames
    results = timed(
        {
            "TFLite (CnnDriver)": (driver.predict, n),
            "  its invoke() alone": (lambda f: invoke_only.invoke(), n),
            "TFLite, 1 thread": (one, n),
            "TFLite, numpy preprocessing": (numpy_first, n),
            "  numpy preprocessing alone": (lambda f: preprocess_frame(f, spec), n),
            "tf.function (fallback)": (graph.predict, n),
            "tf.function, no XLA at all": (lambda f: float(plain(f)[0]), n),
            "tf.function + VisualBackProp": (lambda f: vbp(f).steering, n // 2),
            "eager model(x)": (eager, n // 5),
            "model.predict per frame": (predict, n // 20),
        },
        frames,
    )
    diff = max(abs(driver.predict(f) - graph.predict(f)) for f in frames)
    print(f"model: {what} ({model.count_params():,} parameters, input {spec.shape})")
    print(
        f"CPU cores: {os.cpu_count()}, TF intra-op threads: "
        f"{tf.config.threading.get_intra_op_parallelism_threads() or 'default'}; "
        f"TFLite threads: {tflite_runner.NUM_THREADS}"
    )
    print(
        f"TFLite cache build (conversion) {build_s:.2f} s: first load {cold_s:.2f} s, "
        f"load reusing the cache {warm_s:.2f} s; tf.function driver load {graph_s:.2f} s"
    )
    fast = float(np.median(results["TFLite (CnnDriver)"][0]))
    print(
        f"{'path':<30} {'calls':>6} {'median ms':>10} {'p90 ms':>8} {'CPU ms':>7} "
        f"{'CPU p90':>8} {'x TFLite':>9}"
    )
    for name, (ms, cpu_ms) in results.items():
        med = float(np.median(ms))
        print(
            f"{name:<30} {len(ms):>6} {med:>10.3f} {np.percentile(ms, 90):>8.3f} "
            f"{np.median(cpu_ms):>7.3f} {np.percentile(cpu_ms, 90):>8.3f} {med / fast:>9.1f}"
        )
    print(
        f"TFLite median {fast:.3f} ms incl. preprocessing (target <= 0.6 ms); largest "
        f"|TFLite - tf.function| on {len(frames)} dashcam frames {diff:.1e}; "
        f"load average {os.getloadavg()[0]:.1f} (other programs slow every path)"
    )


if __name__ == "__main__":
    main()
