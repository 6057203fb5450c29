"""Teach's result card end to end, headless: a sloppy keyboard driver's laps, the fine-tune,
then the card's measurements, timed.

    python -m bench.teach_result [--track oval] [--laps 2] [--no-train]

The scripted person (bench.sloppy_driver: late eyes, coarse keys, now and then looking away)
drives LAPS laps recorded as the Drive screen records a person; the shipped model is
fine-tuned on them with Teach's defaults (one pass within FINE_TUNE_TIME_LIMIT_S; with
--no-train the shipped model stands in for "your car"); then game.sessions.teach_result's job
measures you, your car, the shipped model and the racing expert. Prints the card's table,
its sentence and how long the measuring took (what a person waits for after training).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def record_laps(track_spec: str, laps: int, folder: Path, seed: int = 0) -> list[float]:
    """The sloppy driver's laps on the track, recorded like a person's; their lap times."""
    from agents.driving.loop import CameraPart, DrivingLoop, RecordingPart
    from agents.driving.recording_writer import Recorder
    from bench.sloppy_driver import RATE_HZ, SloppyKeyboardDriver
    from game.sim.dashcam import Dashcam
    from game.sim.tracks_catalog import resolve_track
    from game.sim.world import World

    track = resolve_track(track_spec)
    world = World(track, scoring="person")
    driver = SloppyKeyboardDriver(seed)
    driver.reset(world)
    dashcam = Dashcam(track, look="day")
    rec = Recorder(folder, dashcam.params, track.name, "day", RATE_HZ, source="human")
    loop = DrivingLoop(world, driver, camera=CameraPart(dashcam, world),
                       recorder=RecordingPart(rec, look="day"))  # fmt: skip
    try:
        while world.laps < laps and world.time < 600.0:
            loop.step()
    finally:
        rec.close()
    return list(world.lap_times)


def main(argv: list[str] | None = None) -> int:
    import queue
    import threading

    from agents.driving.model_catalog import shipped_model
    from game.paths import set_home, user_dir
    from game.sessions.teach_result import result_job
    from game.workers import WorkerContext

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--track", default="oval")
    p.add_argument("--laps", type=int, default=2)
    p.add_argument("--no-train", action="store_true", help="the shipped model as your car")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as home:
        set_home(Path(home))
        folder = user_dir("recordings") / f"sloppy_{args.track.replace(':', '-')}"
        t0 = time.perf_counter()
        lap_times = record_laps(args.track, args.laps, folder)
        print(f"recorded {len(lap_times)} laps in {time.perf_counter() - t0:.0f} s: "
              f"{', '.join(f'{t:.1f} s' for t in lap_times)}")  # fmt: skip
        model = shipped_model()
        if not args.no_train:
            from agents.driving.model_catalog import new_model_path
            from agents.driving.train import TrainConfig, train

            t0 = time.perf_counter()
            config = TrainConfig.fine_tune(model, [folder], new_model_path("my-car"))
            model = Path(train(config).model_path)
            print(f"fine-tuned in {time.perf_counter() - t0:.0f} s: {model.name}")
        ctx = WorkerContext(queue.Queue(), threading.Event())
        t0 = time.perf_counter()
        result = result_job(model, shipped_model(), args.track, [folder], lap_times,
                            save=not args.no_train)(ctx)  # fmt: skip
        took = time.perf_counter() - t0
    print(f"\n{'':14}{'from centre':>12}{'left lane':>10}{'best lap':>10}{'laps':>6}")
    for r in result.rows:
        lap = f"{r.best_lap_s:.1f} s" if r.best_lap_s is not None else "-"
        print(f"{r.label:14}{r.mean_abs_offset_m * 100:>9.1f} cm{r.out_of_lane:>10}"
              f"{lap:>10}{r.laps:>6}")  # fmt: skip
    print(f"\n{result.sentence}\nmeasuring took {took:.1f} s (the card's wait after training)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
