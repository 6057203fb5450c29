"""Teach's result card: you, your car, the shipped model and the expert on the taught track.

Every figure is one a beginner can read: how far from the lane centre each drove on average,
how often it left the lane, and its fastest lap. "You" come from this flow's recordings (the
log's lane offsets and off-lane marks; the lap times the drive counted); the three cars come
from `agents.driving.evaluate.run_driver` in race mode (each at its own pace, as you drove),
RESULT_LAPS laps from the standing start, so `evaluate --mode race --laps 2` on the same
track prints the same figures. The job runs in a game.workers.Worker and saves the card into
the model's card JSON (registry.save_teach_result), where the Models screen reads it.

    job = result_job(model, shipped, "oval", recordings, your_lap_times)
    worker = Worker(job, name="teach result").start()   # -> TeachResult
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from agents.driving.drivers import Driver
from game.errors import UserFacingError
from game.workers import WorkerContext

RESULT_LAPS = 2  # as many as the person drives: the fastest lap is a flying one for everyone
SAMPLE_EVERY_STEPS = 3  # the car's offset trace at 20 Hz, like a recording's rows
MAX_TRACE_POINTS = 1500  # per driver in the saved card (a lap of Oval at 20 Hz is ~900)
SAME_WITHIN = 0.10  # mean offsets within 10 % of each other read as "about as steady"
CANCEL_CHECK_STEPS = 30
YOU, CAR, SHIPPED, EXPERT = "you", "car", "shipped", "expert"
LABELS = {YOU: "You", CAR: "Your car", SHIPPED: "Shipped model", EXPERT: "Expert"}
DriverFor = Callable[[str], Driver]  # "racer" or a model path -> a driver


class ResultCancelled(UserFacingError):
    """The flow moved on (Esc, R) while the figures were being measured."""


@dataclass(frozen=True)
class Figures:
    """One row of the card: a driver's figures on the track."""

    who: str  # YOU, CAR, SHIPPED or EXPERT
    mean_abs_offset_m: float  # mean distance from the lane centre
    out_of_lane: int  # your off-lanes, a car's interventions: times the lane was left
    laps: int  # laps completed
    best_lap_s: float | None  # the fastest of them (None: none completed)

    @property
    def label(self) -> str:
        return LABELS.get(self.who, self.who)


@dataclass(frozen=True)
class Trace:
    """Lateral offset along the lap: `s` metres from the start line, `offset` metres right of
    the lane centre (positive = right), in driving order (s wraps at each lap)."""

    s: tuple[float, ...] = ()
    offset: tuple[float, ...] = ()

    def thinned(self, most: int = MAX_TRACE_POINTS) -> Trace:
        step = max(1, -(-len(self.s) // most))
        return Trace(self.s[::step], self.offset[::step])

    def laps(self) -> list[tuple[list[float], list[float]]]:
        """The trace cut where s wraps to a new lap: one (s, offset) run per lap."""
        runs: list[tuple[list[float], list[float]]] = []
        prev = None
        for s, off in zip(self.s, self.offset, strict=True):
            if prev is None or s < prev - 1.0:
                runs.append(([], []))
            runs[-1][0].append(s)
            runs[-1][1].append(off)
            prev = s
        return runs


@dataclass(frozen=True)
class TeachResult:
    """The card: the rows in LABELS order, your trace and your car's, one sentence."""

    track: str  # the track's name as the sim knows it (Oval, gen:42)
    track_spec: str  # what resolve_track was given
    track_length_m: float
    rows: tuple[Figures, ...]
    lane_width_m: float = 3.5
    you: Trace = field(default_factory=Trace)
    car: Trace = field(default_factory=Trace)
    created: str = ""

    def row(self, who: str) -> Figures | None:
        return next((r for r in self.rows if r.who == who), None)

    @property
    def sentence(self) -> str:
        you, car = self.row(YOU), self.row(CAR)
        return verdict(you, car) if you is not None and car is not None else ""

    def to_json(self) -> dict[str, Any]:
        return {
            "track": self.track, "track_spec": self.track_spec,
            "track_length_m": round(self.track_length_m, 1), "created": self.created,
            "lane_width_m": self.lane_width_m,
            "mode": "race", "laps": RESULT_LAPS, "sentence": self.sentence,
            "rows": [asdict(r) for r in self.rows],
            "traces": {YOU: _trace_json(self.you), CAR: _trace_json(self.car)},
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: Any) -> TeachResult | None:
        """The card as saved, or None when it is missing or not readable as one."""
        try:
            rows = tuple(
                Figures(str(r["who"]), float(r["mean_abs_offset_m"]), int(r["out_of_lane"]),
                        int(r["laps"]), None if r["best_lap_s"] is None else float(r["best_lap_s"]))
                for r in data["rows"]
            )  # fmt: skip
            traces = data.get("traces") or {}
            return cls(str(data["track"]), str(data.get("track_spec", data["track"])),
                       float(data["track_length_m"]), rows,
                       float(data.get("lane_width_m", 3.5)), _trace(traces.get(YOU)),
                       _trace(traces.get(CAR)), str(data.get("created", "")))  # fmt: skip
        except (KeyError, TypeError, ValueError, AttributeError):
            return None


def _trace_json(t: Trace) -> dict[str, list[float]]:
    return {"s": [round(v, 1) for v in t.s], "offset": [round(v, 3) for v in t.offset]}


def _trace(data: Any) -> Trace:
    if not isinstance(data, Mapping):
        return Trace()
    s, off = data.get("s"), data.get("offset")
    if not isinstance(s, list) or not isinstance(off, list) or len(s) != len(off):
        return Trace()
    return Trace(tuple(float(v) for v in s), tuple(float(v) for v in off))


# --- the sentence ------------------------------------------------------------------------------


def verdict(you: Figures, car: Figures) -> str:
    """One honest sentence: is your car steadier than you, about the same, or worse?"""
    if car.laps == 0:
        return "Your car did not finish a lap on its own: drive more laps (R) and train again."
    steadier = you.mean_abs_offset_m / max(car.mean_abs_offset_m, 1e-3)
    wanders = car.mean_abs_offset_m / max(you.mean_abs_offset_m, 1e-3)
    left = f"it left the lane {_times(car.out_of_lane)} (you: {you.out_of_lane})"
    if car.out_of_lane <= you.out_of_lane:
        if steadier >= 1.0 + SAME_WITHIN:
            return (f"Your car drives {steadier:.1f}\u00d7 steadier than you: it learned your "
                    "line, not your wobble.")  # fmt: skip
        if wanders < 1.0 + SAME_WITHIN:
            return "Your car drives about as steadily as you: it learned to drive like you."
    if wanders >= 1.0 + SAME_WITHIN:
        more = f", and {left}" if car.out_of_lane > you.out_of_lane else ""
        return (f"Your car wanders {wanders:.1f}\u00d7 further from the lane centre than "
                f"you{more}: it has not learned enough yet - drive more laps (R).")  # fmt: skip
    return f"Your car keeps near the lane centre, but {left}: drive more laps (R) to teach it."


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


# --- you, from the recordings ------------------------------------------------------------------


def your_figures(
    recordings: Sequence[Path], track, lap_times: Sequence[float]
) -> tuple[Figures, Trace]:
    """Your figures from this flow's recordings on `track`: the logged lane offsets (the
    person's own rows, not recovery views), off-lane excursions, and the laps the drive
    counted (`lap_times`). A recording that cannot be read is skipped."""
    from agents.driving.recording_reader import load_session

    offsets: list[float] = []
    s_along: list[float] = []
    excursions = 0
    for folder in recordings:
        try:
            rows = load_session(folder).columns
        except (UserFacingError, OSError):
            continue
        keep = (rows["source"] == "human") & (rows["cam_dx"] == 0) & (rows["cam_dyaw"] == 0)
        keep &= rows["track"] == track.name
        off_lane = rows["off_lane"][keep] > 0.5
        excursions += int(np.count_nonzero(off_lane[1:] & ~off_lane[:-1])) + int(off_lane[:1].sum())
        hint = None
        for x, y, off in zip(rows["x"][keep], rows["y"][keep], rows["lane_offset"][keep],
                             strict=True):  # fmt: skip
            p = track.project(float(x), float(y), hint)
            hint = p.index
            s_along.append(p.s)
            offsets.append(float(off))
    if not offsets:
        raise UserFacingError("no recorded rows of your laps to compare with")
    laps = [float(t) for t in lap_times]
    # Rounded as evaluate rounds a car's figures (game.sim.world.DriveSummary).
    figures = Figures(YOU, round(float(np.mean(np.abs(offsets))), 4), excursions, len(laps),
                      round(min(laps), 3) if laps else None)  # fmt: skip
    return figures, Trace(tuple(s_along), tuple(offsets))


# --- the cars, from the evaluation ---------------------------------------------------------------


def car_figures(
    driver: Driver,
    track,
    who: str,
    cancel: Any = None,
    laps: int = RESULT_LAPS,
    on_progress: Callable[[float], None] | None = None,
) -> tuple[Figures, Trace]:
    """A car's figures: `run_driver(driver, track, laps, mode="race")` (what `evaluate
    --mode race` prints), with its offset sampled along the way for the plot;
    `on_progress(share of the laps driven)` now and then."""
    from agents.driving.evaluate import run_driver

    s_along: list[float] = []
    offsets: list[float] = []

    def on_step(world, steering, frame) -> None:
        if world.steps % SAMPLE_EVERY_STEPS == 0:
            s_along.append(world.metrics.s)
            offsets.append(world.metrics.offset)
        if world.steps % CANCEL_CHECK_STEPS == 0:
            if cancel is not None and cancel.is_set():
                raise ResultCancelled("result cancelled")
            if on_progress is not None:
                on_progress(min(world.metrics.progress / (laps * track.length), 1.0))

    r = run_driver(driver, track, laps, mode="race", on_step=on_step)
    figures = Figures(who, r.mean_abs_offset_m, r.interventions, r.laps_completed, r.best_lap_s)
    return figures, Trace(tuple(s_along), tuple(offsets))


def model_driver(spec: str) -> Driver:
    """ "racer" (the racing expert) or a model path as a CNN driver (TensorFlow loads here)."""
    from agents.driving.drivers import make_driver

    if spec == "racer":
        return make_driver("racer")
    import agents.driving.cnn_driver  # noqa: F401  (registers "cnn")

    return make_driver("cnn", model_path=str(spec))


def result_job(
    model: Path,
    shipped: Path | None,
    track_spec: str,
    recordings: Sequence[Path],
    lap_times: Sequence[float],
    driver_for: DriverFor = model_driver,
    save: bool = True,
) -> Callable[[WorkerContext], TeachResult]:
    """Worker job: your figures, then your car, the shipped model and the racing expert on
    `track_spec`; the card is saved into `model`'s card (with `save`) and returned."""

    def job(ctx: WorkerContext) -> TeachResult:
        from agents.driving.registry import save_teach_result
        from game.sim.tracks_catalog import resolve_track

        track = resolve_track(track_spec)
        ctx.progress(0.0, "reading your laps")
        you, you_trace = your_figures(recordings, track, lap_times)
        cars = [(CAR, str(model)), *([(SHIPPED, str(shipped))] if shipped else []),
                (EXPERT, "racer")]  # fmt: skip
        rows, car_trace = [you], Trace()
        for k, (who, spec) in enumerate(cars):
            if ctx.cancelled:
                raise ResultCancelled("result cancelled")
            doing = f"{LABELS[who].lower()} drives {RESULT_LAPS} laps"
            ctx.progress(k / len(cars), f"loading {LABELS[who].lower()}")
            driver = driver_for(spec)

            def report(share: float, k: int = k, doing: str = doing) -> None:
                ctx.progress((k + share) / len(cars), doing)

            figures, trace = car_figures(driver, track, who, ctx.cancel, on_progress=report)
            rows.append(figures)
            if who == CAR:
                car_trace = trace
        result = TeachResult(
            track.name, track_spec, track.length, tuple(rows), track.lane_width,
            you_trace.thinned(),
            car_trace.thinned(), datetime.now().astimezone().isoformat(timespec="seconds"),
        )  # fmt: skip
        if save:
            save_teach_result(model, result.to_json())
        return result

    return job
