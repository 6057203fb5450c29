"""Read a run's records: a table, the grid points' figures over seeds, and one plain-language
finding written from the measured numbers (with the spread over seeds, and "no measurable
difference" when the spreads overlap)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agents.lab.spec import LabSpec

# The figure a finding ranks by, whether lower is better, its unit and how to print it.
PRIMARY = {
    "driving": ("mean_abs_offset_m", True, " m", "mean |offset|"),
    "rps": ("next_move_accuracy", False, "", "next-move accuracy"),
}
TABLE_COLUMNS = {
    "driving": ("label", "autonomy_pct", "interventions", "mean_abs_offset_m", "offset_ratio",
                "race_lap_ratio", "val_mae", "inference_ms", "params", "macs",
                "train_seconds"),
    "rps": ("label", "next_move_accuracy", "net_score", "inference_ms", "params", "macs",
            "train_seconds"),
}  # fmt: skip


@dataclass(frozen=True)
class Point:
    """One grid point over its seeds: the primary figure's mean, lowest and highest."""

    knobs: str
    values: tuple[float, ...]
    autonomy: float | None
    params: int | None
    inference_ms: float | None
    macs: int | None = None

    @property
    def mean(self) -> float:
        return sum(self.values) / len(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)


def points(task: str, records: list[dict[str, Any]]) -> list[Point]:
    key = PRIMARY[task][0]
    groups: dict[str, list[dict]] = {}
    for r in records:
        if r.get("status") == "ok" and r.get(key) is not None:
            label = " ".join(f"{k}={_v(v)}" for k, v in r["knobs"].items()) or "base"
            groups.setdefault(label, []).append(r)
    out = []
    for label, rs in groups.items():
        auto = [r["autonomy_pct"] for r in rs if r.get("autonomy_pct") is not None]
        ms = [r["inference_ms"] for r in rs if r.get("inference_ms") is not None]
        out.append(Point(label, tuple(float(r[key]) for r in rs), min(auto) if auto else None,
                         rs[0].get("params"), sum(ms) / len(ms) if ms else None,
                         rs[0].get("macs")))  # fmt: skip
    return out


def _v(v: Any) -> str:
    return "x".join(map(str, v)) if isinstance(v, list) else str(v)


def finding(spec: LabSpec, records: list[dict[str, Any]]) -> str:
    """One paragraph: each grid point's primary figure (mean, and the range over seeds),
    the best one, and whether its lead is bigger than the seed spread."""
    key, lower, unit, what = PRIMARY[spec.task]
    pts = points(spec.task, records)
    failed = [r for r in records if r.get("status") != "ok"]
    if not pts:
        why = f" ({len(failed)} failed: {failures(failed)})" if failed else ""
        return f"{spec.name}: no variant finished{why}"
    pts.sort(key=lambda p: p.mean if lower else -p.mean)
    seeds = max(len(p.values) for p in pts)
    where = ", ".join(spec.eval.tracks) if spec.task == "driving" else "held-out bot games"

    def fmt(p: Point) -> str:
        spread = f" ({p.low:.3f}-{p.high:.3f})" if len(p.values) > 1 else ""
        extra = ""
        if p.autonomy is not None and p.autonomy < 100.0:
            extra = f", autonomy {p.autonomy:.1f}%"
        return f"{p.knobs}: {p.mean:.3f}{unit}{spread}{extra}"

    lines = [f"{spec.name} — {what} on {where}, {seeds} seed(s) each, best first: "
             + "; ".join(fmt(p) for p in pts) + "."]  # fmt: skip
    if len(pts) > 1:
        best, runner_up = pts[0], pts[1]
        gap = abs(runner_up.mean - best.mean)
        overlap = best.high >= runner_up.low if lower else best.low <= runner_up.high
        if seeds < 2:
            lines.append(
                f"{best.knobs} came out best by {gap:.3f}{unit} over {runner_up.knobs}, "
                "but with one seed there is no spread to judge that gap by; run with "
                "--seeds 2 or more before believing it."
            )
        elif overlap:
            lines.append(
                f"No measurable difference between {best.knobs} and {runner_up.knobs}: the "
                f"gap ({gap:.3f}{unit}) is inside the spread over seeds."
            )
        else:
            worst = pts[-1]
            lines.append(
                f"{best.knobs} is measurably best: {gap:.3f}{unit} ahead of {runner_up.knobs} "
                f"(beyond the spread over seeds), {abs(worst.mean - best.mean):.3f}{unit} "
                f"ahead of {worst.knobs}."
            )
        lines += cost_lines(pts)
    if failed:
        lines.append(f"{len(failed)} variant(s) failed: {failures(failed)}.")
    return " ".join(lines)


def failures(failed: list[dict[str, Any]]) -> str:
    """The failed variants grouped by their error: "A, B: why; C: why"."""
    by_error: dict[str, list[str]] = {}
    for r in failed:
        by_error.setdefault(r.get("error") or "no error recorded", []).append(r["label"])
    return "; ".join(f"{', '.join(labels)}: {error}" for error, labels in by_error.items())


def cost_lines(pts: list[Point]) -> list[str]:
    """What the grid points cost: parameters, multiply-accumulates and inference time, from
    the cheapest to the dearest (only the figures that differ)."""
    out = []
    figures = (
        ("params", "Parameters", "{:,}"),
        ("macs", "MACs per prediction", "{:,}"),
        ("inference_ms", "Inference ms per prediction", "{:.1f}"),
    )
    for attr, what, fmt in figures:
        known = [p for p in pts if getattr(p, attr)]
        if len(known) < 2 or len({getattr(p, attr) for p in known}) < 2:
            continue
        lo = min(known, key=lambda p: getattr(p, attr))
        hi = max(known, key=lambda p: getattr(p, attr))
        out.append(f"{what}: {lo.knobs} {fmt.format(getattr(lo, attr))}, "
                   f"{hi.knobs} {fmt.format(getattr(hi, attr))}.")  # fmt: skip
    return out


def table(records: list[dict[str, Any]]) -> str:
    """A markdown table of the records (the CLI's and the README's)."""
    from agents.driving.evaluate import compare_table

    if not records:
        return "(no results)"
    columns = TABLE_COLUMNS.get(records[0].get("task", "driving"), TABLE_COLUMNS["driving"])
    rows = []
    for r in records:
        row = {c: r.get(c) for c in columns}
        if r.get("status") != "ok":
            row["label"] = f"{r['label']} (failed: {r.get('error')})"
        rows.append(row)
    return compare_table(rows)
