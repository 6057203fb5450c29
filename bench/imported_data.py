"""Foreign-format data on the road: the shipped model fine-tuned on an imported Udacity folder
and on an imported Donkey tub, driven closed loop on held-out tracks.

    python -m bench.imported_data [--tracks gen:1007 gen:1009] [--epochs 1]
                                  [--eval gen:5000 gen:5001 gen:5002] [--laps 1] [--work DIR]

1. The expert drives the data tracks (training tracks of the shipped model) with recovery
   views, as `record` does, pulling back to the lane as the build's teacher does
   (expert.TEACHER; a softer teacher's labels unlearn the shipped model's grip on the line).
2. Each session is written as a Udacity folder (export-data: center = the driven frame,
   left/right = the recovery views displaced furthest left/right, no header, absolute paths,
   mph) and as a Donkey tub (every row, the road window at 160x120).
3. Both are imported back (import-data: Udacity with side cameras at a 0.2 correction, Donkey
   with its defaults), and the shipped model is fine-tuned on each, and on the recorded
   sessions themselves for reference (train-driver --fine-tune, same epochs and seed).
4. Every model and the expert drive the held-out tracks (seeds 5000+, never trained on) in
   cruise mode. Prints autonomy %, mean |offset| and its ratio to the expert's, and the
   sources each fine-tuned model's card lists.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

DATA_TRACKS = ("gen:1007", "gen:1009")
EVAL_TRACKS = ("gen:5000", "gen:5001", "gen:5002")
SIDE_CORRECTION = 0.2
RATE_HZ = 10.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", nargs="+", default=list(DATA_TRACKS), help="data tracks")
    parser.add_argument("--eval", nargs="+", default=list(EVAL_TRACKS), help="held-out tracks")
    parser.add_argument("--laps", type=int, default=1, help="laps per held-out track")
    parser.add_argument("--epochs", type=int, default=1, help="fine-tune epochs (the app's: 1)")
    parser.add_argument("--jobs", type=int, default=2, help="evaluation worker processes")
    parser.add_argument("--work", help="keep the data and models here (default: temp)")
    args = parser.parse_args(argv)
    if args.work:
        Path(args.work).mkdir(parents=True, exist_ok=True)
        run(args, Path(args.work))
    else:
        with tempfile.TemporaryDirectory(prefix="imported-data-") as tmp:
            run(args, Path(tmp))


def run(args: argparse.Namespace, work: Path) -> None:
    from agents.driving.cnn_driver import default_model_path
    from agents.driving.compare import EXPERT, EvalJob, run_jobs
    from agents.driving.expert import TEACHER
    from agents.driving.expert_recorder import ExpertRecording, record_expert
    from agents.driving.formats import donkey, udacity
    from agents.driving.formats.importer import ImportOptions, import_dataset
    from agents.driving.train import TrainConfig, train

    t0 = time.perf_counter()
    recorded, uda, tub = [], [], []
    for k, track in enumerate(args.tracks):
        name = track.replace(":", "-")
        session = work / "recorded" / name
        recipe = ExpertRecording(
            track, 1, session, look="mixed", rate_hz=RATE_HZ, seed=k, recovery=True,
            pursuit=TEACHER,
        )  # fmt: skip
        record_expert(recipe)
        recorded.append(session)
        udacity.export_session(session, work / "udacity" / name)
        donkey.export_session(session, work / "donkey" / name)
        r = import_dataset(
            work / "udacity" / name,
            ImportOptions(out=work / "imported-udacity" / name, side_correction=SIDE_CORRECTION),
        )
        uda.append(r.out_dir)
        r2 = import_dataset(
            work / "donkey" / name, ImportOptions(out=work / "imported-donkey" / name)
        )
        tub.append(r2.out_dir)
        print(
            f"{track}: recorded {sum(1 for _ in open(session / 'log.csv')) - 1} rows; Udacity "
            f"import {r.frames} + {r.side_frames} side frames ({r.skipped} skipped); Donkey "
            f"import {r2.frames} ({r2.skipped} skipped)"
        )
    data_s = time.perf_counter() - t0

    shipped = default_model_path()
    models: dict[str, Path] = {}
    train_s = {}
    for label, dirs in (("recorded", recorded), ("udacity", uda), ("donkey", tub)):
        out = work / f"fine-{label}.h5"
        t1 = time.perf_counter()
        config = TrainConfig(tuple(dirs), epochs=args.epochs, out_path=out, initial_model=shipped)
        result = train(config)
        train_s[label] = time.perf_counter() - t1
        models[label] = out
        origins = sorted({s.get("origin", "?") for s in result.card.details["sessions"]})
        print(f"fine-tuned on {label}: {len(origins)} sources on its card: {'; '.join(origins)}")

    drivers = [EXPERT, str(shipped), *map(str, models.values())]
    labels = {EXPERT: "expert", str(shipped): "shipped"} | {str(p): f"fine-tuned on {k}"
                                                            for k, p in models.items()}  # fmt: skip
    jobs = [EvalJob(d, t, args.laps) for t in args.eval for d in drivers]
    t2 = time.perf_counter()
    rows = run_jobs(jobs, processes=args.jobs)
    eval_s = time.perf_counter() - t2
    expert = {j.track: r.result for j, r in zip(jobs, rows, strict=True) if j.driver == EXPERT}

    print("\n| model | track | autonomy % | mean abs offset m | ratio to expert |")
    print("|---|---|---:|---:|---:|")
    for d in drivers:
        for j, r in zip(jobs, rows, strict=True):
            if j.driver != d:
                continue
            res = r.result
            ratio = res.mean_abs_offset_m / max(expert[j.track].mean_abs_offset_m, 1e-9)
            print(
                f"| {labels[d]} | {j.track} | {res.autonomy_pct:.1f} | "
                f"{res.mean_abs_offset_m:.4f} | {ratio:.2f} |"
            )
    print(
        f"\n(data {data_s:.0f} s; fine-tuning {args.epochs} epochs: "
        + ", ".join(f"{k} {v:.0f} s" for k, v in train_s.items())
        + f"; evaluation {eval_s:.0f} s, {args.laps} lap(s) per track)"
    )


if __name__ == "__main__":
    main()
