"""Editing a lab spec in the app: its knobs as `key = value` rows (seeds, samples and every
knob of [vary], [base] and [quick]), each change checked by the spec's own parser (a bad one
is one line naming the key and changes nothing), and the edited spec written back as TOML.

    draft = SpecDraft(load_spec("assets/lab/dropout.toml"), "dropout-mine.toml")
    draft.set("vary.dropout", "[0.0, 0.1]")      # SpecError: "...: vary.dropout: ..." if bad
    draft.add("vary.width = [0.5, 1.0]")
    draft.remove("quick.epochs")
    draft.save(path)                              # a spec file `lab run` reads as well
"""

from __future__ import annotations

import copy
import json
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from agents.lab.recipes import SpecError
from agents.lab.spec import DataPlan, EvalPlan, LabSpec, parse_spec
from game.fileio import atomic_write_text

KNOB_SECTIONS = ("vary", "base", "quick")  # tables whose keys are recipe knobs
TOP_ROWS = ("seeds", "samples")  # top-level keys the editor shows as rows
TABLES = ("base", "vary", "quick", "data", "eval")  # written in this order, after the top keys
ALL = "all"  # the samples row without a sample: the whole grid runs


@dataclass(frozen=True)
class DraftRow:
    key: str  # "seeds", "samples", or "SECTION.KNOB"
    text: str  # the value as TOML
    removable: bool = True


def raw_of(spec: LabSpec) -> dict[str, Any]:
    """The spec as the TOML tables it was read from (parse_spec(raw_of(s)) gives s back)."""
    raw: dict[str, Any] = {"name": spec.name, "task": spec.task}
    if spec.description:
        raw["description"] = spec.description
    raw["seeds"] = list(spec.seeds)
    if spec.samples is not None:
        raw["samples"] = spec.samples
    for section in ("base", "vary", "quick"):
        raw[section] = copy.deepcopy(getattr(spec, section))
    raw["data"] = _changed(spec.data, DataPlan())
    raw["eval"] = _changed(spec.eval, EvalPlan())
    return raw


def _changed(plan: Any, default: Any) -> dict[str, Any]:
    """A plan's fields that differ from its defaults (a default may be a value the file
    cannot hold, e.g. max_seconds = 0 for "no cap")."""
    ours, base = asdict(plan), asdict(default)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in ours.items() if v != base[k]}


def toml_value(value: Any) -> str:
    """One TOML value: a string, a whole number, a number, true/false, or a list of those."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)  # finite: the spec's checks refuse nan and inf
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def dump_toml(raw: dict[str, Any]) -> str:
    """A spec's tables as TOML text: the top-level keys, then each non-empty table."""
    lines = [f"{k} = {toml_value(v)}" for k, v in raw.items() if not isinstance(v, dict)]
    for section in TABLES:
        table = raw.get(section) or {}
        if table:
            lines += ["", f"[{section}]"] + [f"{k} = {toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def parse_value(text: str, key: str, where: str) -> Any:
    """The TOML value typed for `key`; SpecError naming the key when it is not one."""
    try:
        parsed = tomllib.loads(f"v = {text}")
    except tomllib.TOMLDecodeError:
        parsed = None
    if parsed is None or list(parsed) != ["v"] or not text.strip():
        raise SpecError(f'{where}: {key}: {text!r} is not a value (e.g. [0.0, 0.5], 3, "same")')
    return parsed["v"]


class SpecDraft:
    """A spec being edited. Every change is checked against the whole spec (parse_spec) and
    kept only when it passes, so the draft is always a runnable spec."""

    def __init__(self, spec: LabSpec, where: str) -> None:
        self.where = where  # names the draft in messages (the file it will be saved as)
        self.raw = raw_of(spec)
        self.spec = parse_spec(self.raw, where)
        self.changed = False

    def rows(self) -> list[DraftRow]:
        out = [DraftRow("seeds", toml_value(self.raw["seeds"]), removable=False)]
        samples = self.raw.get("samples")
        out.append(DraftRow("samples", ALL if samples is None else toml_value(samples),
                            removable=samples is not None))  # fmt: skip
        for section in KNOB_SECTIONS:
            for knob, value in self.raw.get(section, {}).items():
                out.append(DraftRow(f"{section}.{knob}", toml_value(value)))
        return out

    def _apply(self, raw: dict[str, Any]) -> None:
        self.spec = parse_spec(raw, self.where)  # raises SpecError: nothing changes
        self.raw = raw
        self.changed = True

    def _split(self, key: str) -> tuple[str | None, str]:
        key = key.strip()
        if key in TOP_ROWS:
            return None, key
        section, dot, knob = key.partition(".")
        if not dot or section not in KNOB_SECTIONS or not knob:
            raise SpecError(f"{self.where}: {key or '(empty)'}: not an editable key "
                            f"(seeds, samples, or vary.KNOB, base.KNOB, quick.KNOB)")  # fmt: skip
        return section, knob

    def set(self, key: str, text: str) -> None:
        """Give `key` the value typed as `text` (a new knob is added); samples = "all" (or
        nothing) runs the whole grid."""
        section, name = self._split(key)
        if name == "samples" and text.strip() in ("", ALL):
            if "samples" in self.raw:
                self.remove("samples")
            return
        value = parse_value(text, key.strip(), self.where)
        raw = copy.deepcopy(self.raw)
        (raw if section is None else raw.setdefault(section, {}))[name] = value
        self._apply(raw)

    def add(self, line: str) -> None:
        """A `key = value` line: a new row (or a new value for an existing one)."""
        key, eq, text = line.partition("=")
        if not eq:
            raise SpecError(f"{self.where}: {line.strip() or '(empty)'}: "
                            "type KEY = VALUE, e.g. vary.width = [0.5, 1.0]")  # fmt: skip
        self.set(key, text.strip())

    def remove(self, key: str) -> None:
        section, name = self._split(key)
        if section is None and name == "seeds":
            raise SpecError(f"{self.where}: seeds: cannot be removed (edit the list instead)")
        raw = copy.deepcopy(self.raw)
        table = raw if section is None else raw.get(section, {})
        if name not in table:
            raise SpecError(f"{self.where}: {key}: no such row")
        del table[name]
        self._apply(raw)

    def rename(self, name: str) -> None:
        raw = copy.deepcopy(self.raw)
        raw["name"] = name
        self._apply(raw)

    def text(self) -> str:
        return dump_toml(self.raw)

    def save(self, path: Path) -> LabSpec:
        """Write the draft as a spec file (atomically); the spec as read back from it."""
        from agents.lab.spec import load_spec

        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, self.text())
        self.changed = False
        return load_spec(path)
