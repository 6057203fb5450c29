"""Headless evaluation: one driver, one track, N laps, scored like NVIDIA scored PilotNet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from agents.driving.drivers import Driver
from agents.driving.loop import CameraPart, DrivingLoop
from game.sim.track import Track
from game.sim.world import DriveSummary, World

# A run that has not finished its laps after this many times the expected lap time is stopped:
# a driver stuck against the lane edge must not hang the evaluation.
TIME_CAP_FACTOR = 3.0


@dataclass(frozen=True)
class EvalResult(DriveSummary):
    """One evaluation run: the world's figures plus the driver's mean inference time, which
    only drivers running a neural network have, and in race mode the lap times."""

    mean_inference_ms: float | None = None
    lap_times_s: tuple[float, ...] | None = None  # race mode: every completed lap, in order
    best_lap_s: float | None = None  # race mode: the fastest of them (None: no lap done)

    def to_json(self) -> dict[str, Any]:
        """The JSON object `evaluate --json` prints; `mean_inference_ms` only when known, the
        lap times only in race mode (so a cruise run prints what it always printed)."""
        out = super().to_json()
        if self.mean_inference_ms is None:
            del out["mean_inference_ms"]
        if self.lap_times_s is None:
            del out["lap_times_s"], out["best_lap_s"]
        else:
            out["lap_times_s"] = list(self.lap_times_s)
        return out


MODES = ("cruise", "race")


def expected_seconds(track: Track, laps: int, speed: float) -> float:
    return laps * track.length / max(speed, 1.0)


def run_driver(
    driver: Driver,
    track: Track,
    laps: int,
    seed: int = 0,
    look: str = "day",
    max_seconds: float | None = None,
    on_step: Callable[[World, float, object], None] | None = None,
    mode: str = "cruise",
) -> EvalResult:
    """Drive `laps` laps (or until `max_seconds` of simulated time) and return the figures.

    The dashcam is rendered only for drivers that need it (`seed` and `look` set its texture
    noise and colours). `on_step(world, steering, frame)` is called after every step, e.g. for
    a recorder or a progress bar. Fills `mean_inference_ms` when the driver reports one.
    `mode`: "cruise" (NVIDIA-style lane keeping: every driver at the car's cruise speed,
    whatever pedals it has) or "race" (drivers with pedals use them; steering-only drivers
    hold cruise; the result carries the lap times).
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    world = World(track, start_s=0.0)  # the historic start: figures stay comparable
    camera = None
    if driver.needs_camera:
        from game.sim.dashcam import Dashcam  # numpy-heavy set-up: only when a driver looks

        camera = CameraPart(Dashcam(track, look=look, seed=seed), world)
    if max_seconds is None:
        max_seconds = TIME_CAP_FACTOR * expected_seconds(track, laps, world.car.cruise_speed)
    driver.reset(world)
    loop = DrivingLoop(world, driver, camera, cruise=mode == "cruise")
    max_steps = int(round(max_seconds * 60.0))
    while world.laps < laps and world.steps < max_steps:
        step = loop.step()
        if on_step is not None:
            on_step(world, step.command, step.frame)
    ms = driver.mean_inference_ms
    laps_s = None
    if mode == "race":
        laps_s = tuple(round(t, 3) for t in world.lap_times)
    return EvalResult(
        **asdict(world.summary()),
        mean_inference_ms=None if ms is None else round(float(ms), 3),
        lap_times_s=laps_s,
        best_lap_s=min(laps_s) if laps_s else None,
    )


def compare_table(rows: list[dict], markdown: bool = True) -> str:
    """Format evaluation results (one dict per driver/track) as a table.

    Columns are the union of the rows' keys in first-seen order; a missing value shows as "-".
    """
    if not rows:
        return "(no results)"
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]

    def line(values: list[str]) -> str:
        padded = [v.ljust(w) for v, w in zip(values, widths, strict=True)]
        return ("| " + " | ".join(padded) + " |") if markdown else "  ".join(padded).rstrip()

    rule = ["-" * w for w in widths]
    out = [line(columns), ("|-" + "-|-".join(rule) + "-|") if markdown else "  ".join(rule)]
    out += [line(r) for r in cells]
    return "\n".join(out)


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"
    return str(value)
