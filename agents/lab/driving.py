"""One driving variant: train it on the run's data, then judge it open loop (validation MAE)
and closed loop on the evaluation tracks (the expert's figures beside it).

Runs inside a worker process (it imports TensorFlow); returns the variant's figures.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from agents.lab.recipes import DrivingRecipe, recipe_from
from agents.lab.spec import EvalPlan

_reference: dict[tuple, Any] = {}  # per process: (driver, track, laps, mode, cap) -> result


def train_variant(
    recipe: DrivingRecipe, sessions: list[Path], seed: int, out: Path
) -> dict[str, Any]:
    """Train the recipe (or fine-tune the shipped model) into `out`; its training figures."""
    from agents.driving.train import train

    t0 = time.perf_counter()
    result = train(recipe.train_config(sessions, out, seed))
    frames = result.card.details["frames"] if result.card is not None else {}
    return {
        "train_seconds": round(time.perf_counter() - t0, 1),
        "fit_seconds": round(result.seconds, 1),
        "epochs_run": result.epochs_run,
        "best_val_loss": round(float(result.best_val_loss), 6),
        "train_frames": frames.get("train"),
        "history": {
            k: [round(float(v), 6) for v in result.history.get(k, [])] for k in ("loss", "val_loss")
        },  # fmt: skip
        "val_frames": frames.get("val"),
    }


def model_size(model_path: Path) -> dict[str, int]:
    from agents.driving.cnn_driver import load_driving_model
    from agents.driving.models import steering_part
    from agents.lab.measure import macs, params

    model, _, _ = load_driving_model(model_path)
    return {"params": params(model), "macs": macs(steering_part(model))}


def validation_mae(model_path: Path, sessions: list[Path], seed: int, batch_size: int) -> float:
    """Mean |steering error| on the validation frames (the same block split as training)."""
    import numpy as np

    from agents.driving.cnn_driver import load_driving_model
    from agents.driving.dataset import load_frames, make_pipelines

    model, spec, _ = load_driving_model(model_path)
    table = load_frames(sessions, spec)
    data = make_pipelines(table, spec, batch_size=batch_size, seed=seed, flip_prob=0.0)
    errors = []
    for x, y, *_ in data.val:
        pred = np.asarray(model(x, training=False))[:, :1]
        errors.append(np.abs(pred - np.asarray(y)[:, :1]).ravel())
    return round(float(np.mean(np.concatenate(errors))), 5)


def _run(driver: str, track: str, plan: EvalPlan, mode: str):
    from agents.driving.compare import _driver_for
    from agents.driving.evaluate import run_driver
    from game.sim.tracks_catalog import resolve_track

    cap = plan.max_seconds or None
    result = run_driver(_driver_for(driver), resolve_track(track), plan.laps, mode=mode,
                        max_seconds=cap)  # fmt: skip
    return result


def _reference_run(driver: str, track: str, plan: EvalPlan, mode: str):
    key = (driver, track, plan.laps, mode, plan.max_seconds)
    if key not in _reference:
        _reference[key] = _run(driver, track, plan, mode)
    return _reference[key]


def closed_loop(model_path: Path, plan: EvalPlan) -> dict[str, Any]:
    """The model on each evaluation track beside the expert (cruise), and with `plan.race`
    its race lap against the racing expert's. Per-track rows and their summary."""
    from agents.driving.compare import EXPERT, RACER, _drivers

    rows = []
    for track in plan.tracks:
        r = _run(str(model_path), track, plan, "cruise")
        e = _reference_run(EXPERT, track, plan, "cruise")
        row = {
            "track": track,
            "autonomy_pct": r.autonomy_pct,
            "interventions": r.interventions,
            "mean_abs_offset_m": r.mean_abs_offset_m,
            "expert_mean_abs_offset_m": e.mean_abs_offset_m,
            "offset_ratio": round(r.mean_abs_offset_m / max(e.mean_abs_offset_m, 1e-9), 3),
            "inference_ms": r.mean_inference_ms,
            "race_lap_ratio": None,
        }
        if plan.race:
            mine = _run(str(model_path), track, plan, "race")
            best = _reference_run(RACER, track, plan, "race")
            if mine.best_lap_s and best.best_lap_s:
                row["race_lap_ratio"] = round(mine.best_lap_s / best.best_lap_s, 3)
        rows.append(row)
    _drivers.pop(str(model_path), None)  # each variant's model is used once
    return {"tracks": rows, **summarise(rows)}


def summarise(rows: list[dict]) -> dict[str, Any]:
    """A variant's closed-loop figures over its tracks: the lowest autonomy, all
    interventions, the mean |offset| and ratio, the mean inference time, the worst race lap."""

    def mean(key: str) -> float | None:
        values = [r[key] for r in rows if r[key] is not None]
        return round(sum(values) / len(values), 4) if values else None

    laps = [r["race_lap_ratio"] for r in rows if r["race_lap_ratio"] is not None]
    return {
        "autonomy_pct": min(r["autonomy_pct"] for r in rows),
        "interventions": sum(r["interventions"] for r in rows),
        "mean_abs_offset_m": mean("mean_abs_offset_m"),
        "offset_ratio": mean("offset_ratio"),
        "inference_ms": mean("inference_ms"),
        "race_lap_ratio": max(laps) if laps else None,
    }


def run_variant(recipe_dict: dict, seed: int, sessions: list[Path], plan: EvalPlan,
                out: Path) -> dict[str, Any]:  # fmt: skip
    """Train and judge one variant; every figure of its record but the recipe."""
    from agents.lab.data import minutes_of, relabelled

    recipe = recipe_from("driving", recipe_dict)
    if not recipe.fine_tune:
        from agents.driving.models import pilotnet_from

        pilotnet_from(recipe.network())  # a network that cannot be built fails before the data
    used = relabelled(minutes_of(sessions, recipe.minutes), recipe.pursuit())
    model_path = out / "model.h5"
    figures = train_variant(recipe, used, seed, model_path)
    figures |= model_size(model_path)
    figures["val_mae"] = validation_mae(model_path, used, seed, recipe.batch_size)
    t0 = time.perf_counter()
    figures |= closed_loop(model_path, plan)
    figures["eval_seconds"] = round(time.perf_counter() - t0, 1)
    return figures
