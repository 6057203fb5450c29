"""Race screen frame time: 4 cars, sound and the dashcam for the CNN cars.

    python -m bench.race_frame_time [--track oval] [--frames 1200] [--model PATH]

Runs the real App headless (SDL dummy video and audio drivers, so the mixer path runs) and
times whole frames of a race: events, one 60 Hz step of every car (the racing expert, two
CNN cars steering from the shared dashcam (TFLite, in this thread), and "You" holding the
throttle), the engine / squeal sound of the followed car, and drawing the road, standings
and minimap. The second CNN car is a copy of the same model (same cost as a different one;
its TFLite conversion comes from the cache). The countdown is skipped.
Target (issue 9): p99 <= 8 ms. Prints a markdown table of wall-clock, this thread's CPU time
and the process's CPU time (all threads: TensorFlow's pool, audio) per frame (on a busy
machine the wall-clock tail measures the other processes).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pygame  # noqa: E402

from agents.modelio import card_path  # noqa: E402
from bench.autopilot_frame_time import WARMUP_FRAMES, key, untrained_model, wait  # noqa: E402
from bench.machine_jitter import jitter_line  # noqa: E402
from game.app import SIM_DT, App  # noqa: E402
from game.scenes.race import EXPERT, PERSON, RaceScene  # noqa: E402


def copy_model(model: Path, folder: Path) -> Path:
    """A second model entry: the model and its card under another name."""
    dest = folder / f"{model.stem}-2{model.suffix}"
    shutil.copyfile(model, dest)
    if card_path(model).exists():
        shutil.copyfile(card_path(model), card_path(dest))
    return dest


def frame_times(spec: str, drivers: list[str], frames: int):
    """(wall ms, thread CPU ms, process CPU ms, scene, sound on) per frame for `frames` race
    frames on track `spec`."""
    app = App(headless=True)
    try:
        app.push("menu")
        scene = app.push("race", track=spec, drivers=drivers, laps=50, start=True)
        assert isinstance(scene, RaceScene)
        wait(app, lambda: scene.session.racing or not scene.session.loading.busy)
        if len(scene.racers) != len(drivers):
            raise SystemExit(f"only {len(scene.racers)} of {len(drivers)} cars started")
        scene.session.countdown = 0.0  # skip "3, 2, 1"
        app.frame([key(pygame.K_UP)], SIM_DT)  # "You" hold the throttle from here on
        wall, cpu, proc = [], [], []
        for i in range(WARMUP_FRAMES + frames):
            start, start_cpu = time.perf_counter(), time.thread_time()
            start_proc = time.process_time()
            app.frame([], SIM_DT)
            if i >= WARMUP_FRAMES:
                wall.append((time.perf_counter() - start) * 1000.0)
                cpu.append((time.thread_time() - start_cpu) * 1000.0)
                proc.append((time.process_time() - start_proc) * 1000.0)
        sound = app.audio.enabled and app.audio.volume > 0  # close() turns it off
        return np.array(wall), np.array(cpu), np.array(proc), scene, sound
    finally:
        app.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=None, help="a .h5 driving model")
    ap.add_argument("--track", default="oval")
    ap.add_argument("--frames", type=int, default=1200, help="timed frames")
    args = ap.parse_args(argv)
    # Best laps and models go to a throw-away folder, not the user's own.
    home = Path(tempfile.mkdtemp(prefix="bench-race-"))
    os.environ["NEURAL_ARCADE_HOME"] = str(home)
    from agents.driving.cnn_driver import default_model_path

    model = args.model or default_model_path()
    if not model.exists():
        print(f"({model} not found: timing an untrained PilotNet, same cost per frame)\n")
        model = untrained_model(home)
    drivers = [EXPERT, str(model), str(copy_model(model, home)), PERSON]
    t, c, pc, scene, sound_on = frame_times(args.track, drivers, args.frames)
    you = next(r for r in scene.racers if r.driver is None)
    labels = ", ".join(r.label for r in scene.racers)
    sound = "on" if sound_on else "off (no audio device, or muted)"
    backends = sorted({getattr(r.driver, "backend", None) for r in scene.racers} - {None})
    print(f"model: {model} (twice); CNN backend: {', '.join(backends) or 'none'}")
    print(f"cars: {len(scene.racers)} ({labels}); dashcam: {scene.session.dashcam is not None}; "
          f"sound: {sound}; your car moved {you.progress:.0f} m\n")  # fmt: skip
    print(
        "| track | cars | frames | p50 ms | p99 ms | max ms | CPU p50 ms | CPU p99 ms "
        "| process CPU p50 ms | process CPU p99 ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    p50, p99, c50, c99 = *np.percentile(t, [50, 99]), *np.percentile(c, [50, 99])
    print(
        f"| {args.track} | {len(scene.racers)} | {len(t)} | {p50:.2f} | {p99:.2f} "
        f"| {t.max():.2f} | {c50:.2f} | {c99:.2f} "
        f"| {np.percentile(pc, 50):.2f} | {np.percentile(pc, 99):.2f} |"
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nload average during the run: {load:.1f} on {os.cpu_count()} cores")
    print(jitter_line(p50))
    print("target: p99 <= 8 ms (whole frame: events, 4 cars' steps, dashcam, CNN, sound, drawing)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
