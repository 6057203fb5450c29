"""A speed-aware model's race pace against the racing expert, per track (issue 21's target).

    python -m bench.race_pace [--model models/pilotnet.h5] [--laps 3] [--jobs 2]
                              [--tracks oval gen:5000 ...] [--update-card]

Both race (`evaluate --mode race`): the racing expert with its grip-limited speed plan, and
the model with its own speed output turned into throttle and brake. Tracks: the generated
seeds held out of training (5000-5019) and every shipped track. The first lap starts from
a standstill, so the comparison is the best lap. Target: the model's best lap within 1.05x
the expert's with 0 interventions on every track (issue 21; it was 1.10x).
"""

from __future__ import annotations

import os
import time

from agents.driving.compare import RACER, CompareRow, EvalJob, run_jobs
from bench.eval_default_model import (
    HELD_OUT_SEEDS,
    card_stamp,
    evaluation_tracks,
    existing_model,
    model_bench_parser,
)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

MAX_LAP_RATIO = 1.05


def pace_rows(jobs: list[EvalJob], results: list[CompareRow]) -> list[dict]:
    """One row per track: the model's best lap and interventions beside the expert's."""
    expert = {j.track: c.result for j, c in zip(jobs, results, strict=True) if j.driver == RACER}
    rows = []
    for job, c in zip(jobs, results, strict=True):
        if job.driver == RACER:
            continue
        r, e = c.result, expert[job.track]
        ratio = None
        if r.best_lap_s and e.best_lap_s:
            ratio = round(r.best_lap_s / e.best_lap_s, 3)
        rows.append({
            "track": job.track, "laps": r.laps_completed, "interventions": r.interventions,
            "best_lap_s": r.best_lap_s, "expert_best_lap_s": e.best_lap_s, "lap_ratio": ratio,
            "mean_abs_offset_m": r.mean_abs_offset_m, "max_abs_offset_m": r.max_abs_offset_m,
        })  # fmt: skip
    return rows


def summarise(rows: list[dict], laps: int) -> dict:
    ratios = [r["lap_ratio"] for r in rows if r["lap_ratio"] is not None]
    ok = [
        r for r in rows
        if r["interventions"] == 0 and r["laps"] >= laps and r["lap_ratio"] is not None
        and r["lap_ratio"] <= MAX_LAP_RATIO
    ]  # fmt: skip
    return {
        "tracks": len(rows),
        "tracks_on_target": len(ok),
        "total_interventions": sum(r["interventions"] for r in rows),
        "worst_lap_ratio": max(ratios) if ratios else None,
        "median_lap_ratio": sorted(ratios)[len(ratios) // 2] if ratios else None,
        "targets_met": len(ok) == len(rows),
    }


def markdown(rows: list[dict], summary: dict, laps: int) -> str:
    lines = [
        "| track | laps | interventions | best lap s | expert's s | ratio | mean abs offset m |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ratio = "-" if r["lap_ratio"] is None else f"{r['lap_ratio']:.3f}"
        best = "-" if r["best_lap_s"] is None else f"{r['best_lap_s']:.2f}"
        lines.append(
            f"| {r['track']} | {r['laps']}/{laps} | {r['interventions']} | {best} | "
            f"{r['expert_best_lap_s']:.2f} | {ratio} | {r['mean_abs_offset_m']:.3f} |"
        )
    s = summary
    lines += [
        "",
        f"on target (0 interventions, best lap <= {MAX_LAP_RATIO:g}x the expert's) on "
        f"{s['tracks_on_target']}/{s['tracks']} tracks; {s['total_interventions']} "
        f"interventions in all; lap ratio median {s['median_lap_ratio']}, worst "
        f"{s['worst_lap_ratio']}. Targets met: {'yes' if s['targets_met'] else 'NO'}.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = model_bench_parser(__doc__.splitlines()[0]).parse_args(argv)
    model = existing_model(args.model)
    tracks = args.tracks or evaluation_tracks()
    jobs = [
        EvalJob(driver, track, args.laps, mode="race")
        for track in tracks
        for driver in (RACER, str(model))
    ]
    print(f"racing {model} against the racing expert on {len(tracks)} tracks, {args.laps} laps")
    t0 = time.perf_counter()
    results = run_jobs(jobs, processes=args.jobs)
    rows = pace_rows(jobs, results)
    summary = summarise(rows, args.laps)
    print()
    print(markdown(rows, summary, args.laps))
    print(f"\n({(time.perf_counter() - t0) / 60.0:.1f} min with {args.jobs} worker processes)")
    if args.update_card:
        from agents.driving.train import update_card

        update_card(
            model,
            race_evaluation={
                **card_stamp(model, "python -m bench.race_pace --update-card"),
                "laps": args.laps,
                "held_out_seeds": f"{HELD_OUT_SEEDS[0]}-{HELD_OUT_SEEDS[-1]}",
                "summary": summary,
                "tracks": rows,
            },
        )
        print(f"wrote the race evaluation into {model}'s model card")


if __name__ == "__main__":
    main()
