"""Exported TFLite files on the road: closed-loop autonomy and |offset| under LiteRT alone.

    python -m bench.export_tflite [--model models/pilotnet.h5] [--laps 1]
                                  [--tracks gen:5000 gen:5001 gen:5002] [--quantize none int8]

Exports the model (export-model's code) at each quantization, then drives each file with
the LiteRT interpreter (agents/driving/litert_runner.LiteRtPilot: what a car would run) in
cruise mode on held-out evaluation tracks (bench/eval_default_model.py's seeds 5000-5009,
never trained on), beside the expert and the app's own driver of the .h5. Prints one markdown
table: autonomy %, mean and max |offset|, the offset's ratio to the expert's, file size, and
the steering's largest gap to the app's on the same frames (rendered from training tracks).
Short by default: 3 tracks, 1 lap each (about 3 min on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from agents.driving.drivers import Driver, check_command

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

DEFAULT_TRACKS = ("gen:5000", "gen:5001", "gen:5002")


class LiteRtDriver(Driver):
    """Steers with an exported file run by LiteRT (cruise speed: steering only)."""

    needs_camera = True

    def __init__(self, path: Path, label: str) -> None:
        from agents.driving.litert_runner import LiteRtPilot

        self.pilot = LiteRtPilot(path)
        self.name = label
        self.frames = 0

    def reset(self, world) -> None:
        self.frames = 0

    def steer(self, world, frame: np.ndarray | None) -> float:
        self.frames += 1
        value = check_command(self.pilot(frame)[0], self.name, self.frames)
        return min(max(value, -1.0), 1.0)


def main(argv: list[str] | None = None) -> None:
    from agents.driving.cnn_driver import CnnDriver, default_model_path
    from agents.driving.evaluate import run_driver
    from agents.driving.expert import ExpertDriver
    from agents.driving.export import (
        QUANTIZATIONS,
        calibration_frames,
        export_tflite,
        litert_available,
        run_litert,
    )
    from game.sim.tracks_catalog import resolve_track

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(default_model_path()))
    parser.add_argument("--laps", type=int, default=1)
    parser.add_argument("--tracks", nargs="+", default=list(DEFAULT_TRACKS))
    parser.add_argument("--quantize", nargs="+", default=["none", "int8"], choices=QUANTIZATIONS)
    args = parser.parse_args(argv)
    if not litert_available():
        raise SystemExit("ai-edge-litert is not installed: pip install ai-edge-litert")

    model = Path(args.model)
    frames = np.stack(list(calibration_frames(32, seed=7)))
    with tempfile.TemporaryDirectory(prefix="export-bench-") as tmp:
        drivers: list[tuple[str, object, str, str]] = [("expert", ExpertDriver(), "-", "-")]
        app = CnnDriver(model)
        drivers.append((f"app ({app.backend})", app, f"{model.stat().st_size:,} (.h5)", "0"))
        ref, _ = run_litert(_export(model, Path(tmp), "none", export_tflite), frames)
        for q in args.quantize:
            path = _export(model, Path(tmp), q, export_tflite)
            out, _ = run_litert(path, frames)
            gap = float(np.abs(out[:, 0] - ref[:, 0]).max())
            drivers.append((f"LiteRT {q}", LiteRtDriver(path, q), f"{path.stat().st_size:,}",
                            f"{gap:.1e}"))  # fmt: skip
        results: dict[str, dict[str, object]] = {}
        t0 = time.perf_counter()
        for track_name in args.tracks:
            track = resolve_track(track_name)
            for label, driver, _, _ in drivers:
                results.setdefault(label, {})[track_name] = run_driver(driver, track, args.laps)
        minutes = (time.perf_counter() - t0) / 60

    print(
        "| driver | file bytes | max steering gap to float | track | autonomy % | mean abs "
        "offset m | ratio to expert | max abs offset m |"
    )
    print("|---|---:|---:|---|---:|---:|---:|---:|")
    for label, _, size, gap in drivers:
        for track_name in args.tracks:
            r, e = results[label][track_name], results["expert"][track_name]
            ratio = r.mean_abs_offset_m / max(e.mean_abs_offset_m, 1e-9)
            print(
                f"| {label} | {size} | {gap} | {track_name} | {r.autonomy_pct:.1f} | "
                f"{r.mean_abs_offset_m:.4f} | {ratio:.2f} | {r.max_abs_offset_m:.3f} |"
            )
    print(f"\n({args.laps} lap(s) per track, cruise mode; {minutes:.1f} min driving)")


def _export(model: Path, folder: Path, quantize: str, export_tflite) -> Path:
    path = folder / f"{model.stem}-{quantize}.tflite"
    if not path.exists():
        export_tflite(model, path, quantize)
    return path


if __name__ == "__main__":
    main()
