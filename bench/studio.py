"""The Studio's costs: open-loop prediction speed and the screen's frame time while playing.

    python -m bench.studio [--session DIR] [--model pilotnet] [--frames 600]

Without --session it records one expert lap of Oval at 10 Hz with recovery views into a
temporary folder (`main.py record --track oval --laps 1 --rate 10 --look mixed`, ~1,800
rows). Prints: the model's load time and open-loop prediction rate (frames/s, PNG decode,
numpy preprocessing and the Keras forward pass in batches of 64, on this thread) with the
error per source, then the Studio screen's draw time per frame (headless, 1280x720) while it
plays the session at 8x with a prediction drawn over the whole timeline.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def record(folder: Path) -> Path:
    from agents.driving.expert_recorder import ExpertRecording, record_expert

    recipe = ExpertRecording("oval", 1, folder, look="mixed", rate_hz=10.0, seed=0, recovery=True)
    record_expert(recipe)
    return folder


def prediction(session_dir: Path, model_name: str):
    from agents.driving.open_loop import error_stats, load_model, predict_session
    from agents.driving.recording_reader import load_session
    from agents.driving.registry import find_model

    session = load_session(session_dir)
    path = find_model(model_name).path
    t0 = time.perf_counter()
    loaded = load_model(path)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    pred = predict_session(session, path, model_and_spec=loaded)
    run_s = time.perf_counter() - t0
    print(f"model {path.name}: loaded in {load_s:.1f} s; {len(session)} frames predicted in "
          f"{run_s:.1f} s = {len(session) / run_s:.0f} frames/s")  # fmt: skip
    steering, sources = session.columns["steering"], session.columns["source"]
    print(f"  all rows        {error_stats(pred, steering).text}")
    for src in sorted(set(sources.tolist())):
        print(f"  {src:<15} {error_stats(pred, steering, sources == src).text}")
    return pred


def frame_times(session_dir: Path, pred: np.ndarray, frames: int) -> np.ndarray:
    import pygame

    from game.app import App
    from game.sessions.studio import SPEEDS, PredictionResult

    app = App(headless=True)
    try:
        app.push("menu")
        scene = app.push("studio", session=str(session_dir))
        st = scene.state
        st.prediction = PredictionResult(Path("bench"), pred)
        st.speed_index = SPEEDS.index(8)
        st.toggle_play()
        times = []
        for _ in range(frames):
            if not st.playing:
                st.seek(0)
                st.toggle_play()
            t0 = time.perf_counter()
            scene.update(1 / 60)
            scene.draw(app.screen)
            times.append((time.perf_counter() - t0) * 1000)
        pygame.event.pump()
        return np.asarray(times)
    finally:
        app.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--session", type=Path, help="a session folder (default: record one)")
    ap.add_argument("--model", default="pilotnet", help="a model name from `models`")
    ap.add_argument("--frames", type=int, default=600, help="Studio frames to time")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.session or record(Path(tmp) / "oval")
        pred = prediction(folder, args.model)
        ms = frame_times(folder, pred, args.frames)
        print(f"Studio frame (update + draw, 1280x720, playing 8x): median {np.median(ms):.2f} ms, "
              f"p99 {np.percentile(ms, 99):.2f} ms over {len(ms)} frames")  # fmt: skip


if __name__ == "__main__":
    main()
