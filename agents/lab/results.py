"""A lab run's records on disk: one record.json per finished variant (written atomically as
it ends, so a killed run loses only the variants in flight), and results.json / results.csv
gathered from them.

    DIR/variants/<key>/record.json   the variant's recipe and every figure
    DIR/variants/<key>/model.h5      its model (+ card)
    DIR/results.json                 {"spec": ..., "variants": [record, ...]}
    DIR/results.csv                  one row per variant, recipe and figures flattened
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from game.fileio import atomic_write_text

# Every record has these keys (figures a task does not measure are null).
RECORD_KEYS = ("key", "label", "spec", "task", "knobs", "recipe", "seed", "status", "error",
               "finished")  # fmt: skip
DRIVING_FIGURES = ("autonomy_pct", "interventions", "mean_abs_offset_m", "offset_ratio",
                   "race_lap_ratio", "inference_ms", "val_mae", "params", "macs",
                   "train_seconds", "epochs_run", "tracks", "history")  # fmt: skip
RPS_FIGURES = ("next_move_accuracy", "net_score", "inference_ms", "params", "macs",
               "train_seconds", "history")  # fmt: skip
FIGURES = {"driving": DRIVING_FIGURES, "rps": RPS_FIGURES}


def variant_dir(out: Path, key: str) -> Path:
    return out / "variants" / key


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so a reader (or a kill) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)


def save_record(out: Path, record: dict[str, Any]) -> None:
    write_atomic(variant_dir(out, record["key"]) / "record.json", json.dumps(record, indent=1))


def load_records(out: Path) -> dict[str, dict[str, Any]]:
    """The finished variants' records by key (an unreadable one counts as not finished)."""
    found = {}
    for path in sorted((out / "variants").glob("*/record.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and record.get("key") == path.parent.name:
            found[record["key"]] = record
    return found


def write_results(out: Path, spec_info: dict[str, Any], records: list[dict[str, Any]]) -> None:
    write_atomic(out / "results.json",
                 json.dumps({"spec": spec_info, "variants": records}, indent=1))  # fmt: skip
    write_atomic(out / "results.csv", to_csv(records))


def flat(record: dict[str, Any]) -> dict[str, Any]:
    """A record as one CSV row: recipe knobs prefixed "recipe.", lists joined with "x",
    per-track rows left out (they are in results.json)."""
    row: dict[str, Any] = {}
    for k, v in record.items():
        if k in ("recipe", "knobs", "tracks", "history"):
            continue
        row[k] = v
    for k, v in record.get("recipe", {}).items():
        row[f"recipe.{k}"] = "x".join(map(str, v)) if isinstance(v, list) else v
    return row


def to_csv(records: list[dict[str, Any]]) -> str:
    rows = [flat(r) for r in records]
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()
