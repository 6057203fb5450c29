"""The best variant's dashcam saliency beside the base recipe's: which two records to show,
the dashcam frame they are shown on, and their VisualBackProp masks on it.

Picking is plain data (no TensorFlow); `compute_pair` loads both saved models (TensorFlow)
and runs agents.driving.saliency.VisualBackProp on the same frame; `compute_pair_apart` does
that in a spawned process, for a screen that must keep drawing.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agents.lab.findings import PRIMARY
from agents.lab.spec import LabSpec, base_recipe
from game.errors import UserFacingError

LOOK_AHEAD_M = 14.0  # the frame is taken this far before the tightest bend: the bend in view
POLL_S = 0.1


@dataclass(frozen=True)
class Pair:
    """The two records to compare: `base` (the base recipe's grid point, or the first grid
    point when the grid leaves the base out) and `best` (the best of the others)."""

    base: dict[str, Any]
    best: dict[str, Any]
    note: str  # how the two were chosen, in a sentence
    base_is_best: bool = False  # the base measured better than every other variant

    @property
    def keys(self) -> tuple[str, str]:
        return self.base["key"], self.best["key"]


@dataclass(frozen=True)
class VariantSaliency:
    label: str
    steering: float  # what the model steers on the frame (+: right)
    mask: np.ndarray  # (H, W) float32 in [0, 1]


@dataclass(frozen=True)
class SaliencyPair:
    track: str
    frame: np.ndarray  # (H, W, 3) uint8 dashcam frame of the evaluation track
    base: VariantSaliency
    best: VariantSaliency


def base_knobs(spec: LabSpec, quick: bool = True) -> dict[str, Any]:
    """The varied knobs' values in the base recipe (the spec's [base] over the defaults)."""
    recipe = base_recipe(spec, quick)
    return {k: recipe[k] for k in spec.knobs()}


def pick_pair(spec: LabSpec, records: list[dict[str, Any]], out: Path) -> Pair | None:
    """The base and the best other variant among the finished driving records whose model
    file is in `out`; None when fewer than two grid points have one."""
    key, lower, _, _ = PRIMARY[spec.task]
    usable = [r for r in records if r.get("status") == "ok" and r.get(key) is not None
              and r.get("model") and (out / r["model"]).is_file()]  # fmt: skip
    if spec.task != "driving" or not usable:
        return None

    def score(r: dict[str, Any]) -> float:
        return float(r[key]) if lower else -float(r[key])

    wanted = base_knobs(spec)
    at_base = [r for r in usable if r["knobs"] == wanted]
    if at_base:
        base_point, why = wanted, "the base recipe"
    else:  # the grid leaves the base recipe out: compare with its first point instead
        base_point, why = usable[0]["knobs"], "the first grid point (the base is not in the grid)"
        at_base = [r for r in usable if r["knobs"] == base_point]
    others = [r for r in usable if r["knobs"] != base_point]
    if not others:
        return None
    best = min(others, key=score)
    same_seed = [r for r in at_base if r["seed"] == best["seed"]]
    base = same_seed[0] if same_seed else min(at_base, key=score)
    note = f"left: {why}; right: the best other variant by {PRIMARY[spec.task][3]}"
    base_is_best = score(base) < score(best)
    if base_is_best:
        note += " (the base measured better than every other variant)"
    return Pair(base, best, note, base_is_best)


def eval_frame(track_name: str, look: str = "day") -> np.ndarray:
    """A dashcam frame from the evaluation track, LOOK_AHEAD_M before its tightest bend, the
    car on its lane's centre line: where the two models' attention differs most visibly."""
    from game.sim.dashcam import Dashcam
    from game.sim.tracks_catalog import resolve_track

    track = resolve_track(track_name)
    tightest = int(np.argmax(np.abs(track.curvature)))
    s = (float(track.s[tightest]) - LOOK_AHEAD_M) % track.length
    x, y, yaw = track.lane_center(s)
    return Dashcam(track, look=look).render(x, y, yaw)


def variant_saliency(model_path: Path, frame: np.ndarray, label: str) -> VariantSaliency:
    """VisualBackProp of the saved model on `frame` (loads TensorFlow)."""
    from agents.driving.cnn_driver import load_driving_model
    from agents.driving.saliency import VisualBackProp

    model, spec, _ = load_driving_model(model_path)
    if frame.shape[:2] != (spec.frame_height, spec.frame_width):
        raise UserFacingError(f"{model_path}: the model sees {spec.frame_width}x"
                              f"{spec.frame_height} frames, the dashcam makes "
                              f"{frame.shape[1]}x{frame.shape[0]}")  # fmt: skip
    result = VisualBackProp(model, spec)(frame)
    return VariantSaliency(label, float(result.steering), result.mask)


def compute_pair(pair: Pair, out: Path, track: str) -> SaliencyPair:
    """Both records' saliency on one frame of `track` (loads TensorFlow)."""
    frame = eval_frame(track)
    base = variant_saliency(out / pair.base["model"], frame, pair.base["label"])
    best = variant_saliency(out / pair.best["model"], frame, pair.best["label"])
    return SaliencyPair(track, frame, base, best)


def compute_pair_apart(
    pair: Pair, out: Path, track: str, cancel: threading.Event | None = None
) -> SaliencyPair | None:
    """compute_pair in a spawned process, so the caller's process never imports
    TensorFlow (importing it holds the interpreter for up to ~0.6 s: a frozen screen).
    None when `cancel` is set first (the process is ended)."""
    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:  # leaving the block terminates the process
        result = pool.apply_async(compute_pair, (pair, out, track))
        while not result.ready():
            if cancel is not None and cancel.is_set():
                return None
            result.wait(POLL_S)
        return result.get()  # a failure in the process is raised here, with its message
