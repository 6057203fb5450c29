"""Autopilot's F fine-tune (DAgger), stage by stage: what the Autopilot screen runs on F.

    python -m bench.dagger_fine_tune --model MODEL.h5 --takeovers DIR [DIR ...] [--home DIR]

Runs game.sessions.takeover.fine_tune_job (agents.driving.dagger.fine_tune on the model's card
sessions, each once, plus the takeovers, then the new model loaded to drive) outside a window
and prints each status line the screen would show with the seconds since F, then the seconds
each stage took (preparing the data, training, validation, saving, loading the new model) and
the total. The takeovers' loss weight and share come from the model card.
Target (issue 18): one pass within the Train/Teach budget (agents.training
FINE_TUNE_TIME_LIMIT_S = 60 s of training on 2 cores), no long stage without a status line.
"""

from __future__ import annotations

import argparse
import os
import queue
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="the model the Autopilot drives with")
    parser.add_argument("--takeovers", nargs="+", required=True, help="takeover sessions")
    parser.add_argument("--home", help="user folder for the new model (default: a temp one)")
    args = parser.parse_args()

    import tempfile

    from game.paths import set_home
    from game.sessions.takeover import fine_tune_job
    from game.workers import EventKind, WorkerContext

    set_home(args.home or tempfile.mkdtemp(prefix="dagger-bench-"))
    events: queue.Queue = queue.Queue()
    ctx = WorkerContext(events, threading.Event())
    job = fine_tune_job(Path(args.model), [Path(t) for t in args.takeovers])
    start = time.perf_counter()
    stages: dict[str, float] = {}
    last_stage, last_t = "starting", 0.0

    def stage_of(text: str) -> str:
        if text.startswith("finishing the check"):
            return "checking on held-out"
        for key in ("training", "checking on held-out", "saving", "preparing the new"):
            if text.startswith(key):
                return key
        return "preparing the data"

    done = threading.Event()
    result = {}

    def run() -> None:
        result["value"] = job(ctx)
        done.set()

    threading.Thread(target=run, daemon=True).start()
    shown = ""
    while not done.is_set() or not events.empty():
        try:
            ev = events.get(timeout=0.2)
        except queue.Empty:
            continue
        if ev.kind is not EventKind.PROGRESS:
            continue
        now = time.perf_counter() - start
        stage = stage_of(ev.text)
        if stage != last_stage:
            stages[last_stage] = stages.get(last_stage, 0.0) + now - last_t
            last_stage, last_t = stage, now
        if ev.text.split("  ")[0] != shown or stage in ("saving", "preparing the new"):
            shown = ev.text.split("  ")[0]
            frac = "" if ev.fraction is None else f" [{ev.fraction:.0%}]"
            print(f"{now:6.1f} s{frac} {ev.text}", flush=True)
    total = time.perf_counter() - start
    stages[last_stage] = stages.get(last_stage, 0.0) + total - last_t
    tuned = result["value"]
    card = tuned.result.card
    focus = card.details.get("focus", {})
    frames = card.details["frames"]
    print(
        f"\n{frames['total']} frames ({frames['train']} train, {frames['val']} val), "
        f"{len(card.details['sessions'])} sessions; takeovers {focus.get('frames')} frames "
        f"x{focus.get('weight')} = {focus.get('share', 0):.0%} of the loss"
    )
    for name, secs in stages.items():
        print(f"  {name:<22} {secs:6.1f} s")
    print(f"  {'total (F to driving)':<22} {total:6.1f} s   (training {card.training_seconds} s)")


if __name__ == "__main__":
    main()
