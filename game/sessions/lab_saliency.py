"""The Lab screen's saliency view: the best variant's VisualBackProp mask beside the base
recipe's, on one dashcam frame of the evaluation track, computed by a worker (which loads
both saved models with TensorFlow in a spawned process, so the screen's process never
imports it) and kept per pair, so coming back to a preset is instant. Nothing here imports
TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agents.lab.findings import PRIMARY
from agents.lab.saliency import Pair, pick_pair
from agents.lab.spec import LabSpec
from game.workers import BackgroundJob, WorkerContext


@dataclass(frozen=True)
class Side:
    """One panel: the variant, what it steers on the frame, its figure, its mask as RGBA."""

    title: str  # "BASE" or "BEST"
    label: str
    steering: float
    figure: str  # e.g. "mean |offset| 0.143 m"
    tint: np.ndarray  # (H, W, 4) uint8, drawn over the frame


@dataclass(frozen=True)
class Shown:
    track: str
    frame: np.ndarray  # (H, W, 3) uint8
    base: Side
    best: Side
    note: str


def _figure(task: str, record: dict[str, Any]) -> str:
    key, _, unit, what = PRIMARY[task]
    return f"{what} {float(record[key]):.3f}{unit}"


def saliency_job(spec: LabSpec, pair: Pair, out: Path):
    """Worker job: both variants' saliency on the first evaluation track, ready to draw
    (None when cancelled)."""
    track = spec.eval.tracks[0]

    def job(ctx: WorkerContext) -> Shown | None:
        from agents.driving.saliency import saliency_tint
        from agents.lab.saliency import compute_pair_apart

        ctx.progress(None, "computing the saliency of both variants")
        got = compute_pair_apart(pair, out, track, ctx.cancel)  # TensorFlow in its own process
        if got is None:
            return None  # cancelled: the worker ends as CANCELLED

        def side(title: str, record: dict[str, Any], s) -> Side:
            return Side(title, s.label, s.steering, _figure(spec.task, record),
                        saliency_tint(s.mask))  # fmt: skip

        best_title = "NEXT BEST" if pair.base_is_best else "BEST"
        return Shown(track, got.frame, side("BASE", pair.base, got.base),
                     side(best_title, pair.best, got.best), pair.note)  # fmt: skip

    return job


class LabSaliency:
    """Which pair to show for the records in view, and its pictures once computed."""

    def __init__(self) -> None:
        self.pair: Pair | None = None
        self.shown: Shown | None = None
        self.message = ""  # why nothing is shown (yet)
        self._spec: LabSpec | None = None
        self._out: Path | None = None
        self._cache: dict[tuple, Shown] = {}
        self._failed: set[tuple] = set()
        self.job = BackgroundJob(on_done=self._done, on_failed=self._fail)

    def _key(self) -> tuple | None:
        if self.pair is None or self._spec is None:
            return None
        return (str(self._out), *self.pair.keys, self._spec.eval.tracks[0])

    def update(self, spec: LabSpec | None, records: list[dict[str, Any]], out: Path) -> None:
        """The records changed (a preset chosen, a variant finished): pick the pair again."""
        self._spec, self._out = spec, out
        pair = pick_pair(spec, records, out) if spec is not None else None
        if pair is not None and self.pair is not None and pair.keys == self.pair.keys:
            self.pair = pair
            return
        self.job.drop()  # it was for another pair
        self.pair, self.shown = pair, None
        if spec is not None and spec.task != "driving":
            self.message = "saliency is for the driving presets (a CNN looks at the dashcam)"
        elif pair is None:
            self.message = ("needs two measured grid points with their model files: "
                            "run the preset (Enter)")  # fmt: skip
        else:
            key = self._key()
            self.shown = self._cache.get(key)
            self.message = "" if self.shown is not None else "computing..."
            if key in self._failed:
                self.message = "saliency failed for this pair (see the log)"

    def ensure(self) -> None:
        """Start computing the current pair if it is wanted and not computed or started."""
        key = self._key()
        if key is None or self.shown is not None or self.job.busy or key in self._failed:
            return
        assert self._spec is not None and self._out is not None and self.pair is not None
        self.message = "computing the saliency of both variants..."
        self.job.start(saliency_job(self._spec, self.pair, self._out), name="lab saliency")

    def poll(self) -> None:
        self.job.poll()

    def _done(self, shown: Shown | None) -> None:
        if shown is None:
            return
        key = self._key()
        if key is not None:
            self._cache[key] = shown
        self.shown, self.message = shown, ""

    def _fail(self, error: str | None) -> None:
        key = self._key()
        if key is not None:
            self._failed.add(key)
        self.message = f"saliency failed: {error}"

    def close(self) -> None:
        self.job.drop()
