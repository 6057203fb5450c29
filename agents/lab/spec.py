"""Lab specs: a TOML file naming a base recipe and the knobs to vary, read into a LabSpec.

    name = "filter size"
    task = "driving"            # or "rps"
    seeds = [0, 1]              # every variant is trained once per seed
    samples = 4                 # optional: a seeded random sample of the grid's points
    [base]                      # knobs every variant starts from (the recipe's defaults)
    epochs = 3
    [vary]                      # knob -> the values to try (the grid is their product)
    kernel_sizes = [[3, 3, 3, 3, 3], [5, 5, 5, 3, 3]]
    [quick]                     # knobs `--quick` overrides (a smaller budget)
    epochs = 1
    [data]                      # driving: the expert's recording (made once, cached)
    tracks = ["gen:1000"]
    [eval]                      # driving: closed-loop evaluation tracks
    tracks = ["oval"]

A broken spec raises SpecError: one line naming the file and the key.
"""

from __future__ import annotations

import itertools
import json
import random
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from agents.lab.recipes import RECIPES, SpecError, check_knob

TOP_KEYS = ("name", "task", "description", "seeds", "samples", "base", "vary", "quick", "data",
            "eval")  # fmt: skip


@dataclass(frozen=True)
class DataPlan:
    """The driving data: the expert recorded once on these tracks (`laps` each, `rate_hz`)."""

    tracks: tuple[str, ...] = ("gen:1000", "gen:1001")
    laps: int = 1
    rate_hz: float = 10.0


@dataclass(frozen=True)
class EvalPlan:
    """Closed-loop judging (driving): `laps` on each track, cruise; `race` adds a race lap
    against the racing expert. RPS: `games` held-out games, `rounds` per bot match."""

    tracks: tuple[str, ...] = ("oval",)
    laps: int = 1
    race: bool = False
    max_seconds: float = 0.0  # a cap on each run's simulated seconds (0: the laps' own cap)
    games: int = 40
    rounds: int = 200


@dataclass(frozen=True)
class LabSpec:
    name: str
    task: str
    path: str
    base: dict[str, Any] = field(default_factory=dict)
    vary: dict[str, list[Any]] = field(default_factory=dict)
    quick: dict[str, Any] = field(default_factory=dict)
    seeds: tuple[int, ...] = (0,)
    data: DataPlan = DataPlan()
    eval: EvalPlan = EvalPlan()
    description: str = ""
    samples: int | None = None  # run a seeded random sample of this many grid points

    def knobs(self) -> list[str]:
        """The varied knobs, in the spec's order."""
        return list(self.vary)


@dataclass(frozen=True)
class Variant:
    """One training run of a grid: the full recipe (base + this point of the grid) and the
    seed. `key` names it stably (a rerun finds its finished record under it)."""

    task: str
    knobs: dict[str, Any]  # only the varied knobs' values (the label)
    recipe: dict[str, Any]  # every knob of the task's recipe
    seed: int

    @property
    def key(self) -> str:
        import hashlib

        blob = json.dumps({"task": self.task, "recipe": self.recipe, "seed": self.seed},
                          sort_keys=True)  # fmt: skip
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    @property
    def label(self) -> str:
        parts = [f"{k}={_short(v)}" for k, v in self.knobs.items()] or ["base"]
        return " ".join(parts) + f" seed={self.seed}"


def _short(v: Any) -> str:
    if isinstance(v, list | tuple):
        return "x".join(str(x) for x in v)
    return str(v)


def load_spec(path: str | Path) -> LabSpec:
    """Read and check a spec file; SpecError names the file and the key that is wrong."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise SpecError(f"{path}: no such spec file") from e
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise SpecError(f"{path}: not valid TOML ({e})") from e
    return parse_spec(raw, str(path))


def parse_spec(raw: dict[str, Any], where: str) -> LabSpec:
    for key in raw:
        if key not in TOP_KEYS:
            raise SpecError(f"{where}: unknown key {key!r} (known: {', '.join(TOP_KEYS)})")
    task = raw.get("task", "driving")
    if task not in RECIPES:
        raise SpecError(f"{where}: task must be one of {', '.join(RECIPES)}, got {task!r}")
    name = raw.get("name", Path(where).stem)
    if not isinstance(name, str):
        raise SpecError(f"{where}: name must be a string")
    base = _table(raw, "base", where)
    quick = _table(raw, "quick", where)
    for section, table in (("base", base), ("quick", quick)):
        for knob, value in table.items():
            check_knob(task, knob, value, f"{where}: {section}.{knob}")
    vary = _table(raw, "vary", where)
    for knob, values in vary.items():
        if not isinstance(values, list) or not values:
            raise SpecError(f"{where}: vary.{knob} must be a non-empty list of values")
        for value in values:
            check_knob(task, knob, value, f"{where}: vary.{knob}")
    seeds = raw.get("seeds", [0])
    if not (isinstance(seeds, list) and seeds and all(_is_int(s) for s in seeds)):
        raise SpecError(f"{where}: seeds must be a non-empty list of whole numbers")
    samples = raw.get("samples")
    if samples is not None and not (_is_int(samples) and samples >= 1):
        raise SpecError(f"{where}: samples must be a whole number >= 1, got {samples!r}")
    return LabSpec(
        name=name,
        task=task,
        path=where,
        base=base,
        vary=vary,
        quick=quick,
        seeds=tuple(seeds),
        data=_plan(DataPlan, _table(raw, "data", where), "data", where),
        eval=_plan(EvalPlan, _table(raw, "eval", where), "eval", where),
        description=str(raw.get("description", "")),
        samples=samples,
    )


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _table(raw: dict, key: str, where: str) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise SpecError(f"{where}: {key} must be a table ([{key}])")
    return dict(value)


def _plan(cls, table: dict[str, Any], section: str, where: str):
    """A DataPlan / EvalPlan from its table: each key known and of its default's type."""
    plan = cls()
    known = {f.name: getattr(plan, f.name) for f in fields(cls)}
    changes = {}
    for key, value in table.items():
        if key not in known:
            raise SpecError(f"{where}: unknown key {section}.{key!r} (known: {', '.join(known)})")
        default = known[key]
        if isinstance(default, tuple):
            if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
                raise SpecError(f"{where}: {section}.{key} must be a non-empty list of strings")
            value = tuple(value)
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise SpecError(f"{where}: {section}.{key} must be true or false")
        elif isinstance(default, int):
            if not _is_int(value) or value < 1:
                raise SpecError(f"{where}: {section}.{key} must be a whole number >= 1")
        elif isinstance(default, float):
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise SpecError(f"{where}: {section}.{key} must be a positive number")
            value = float(value)
        changes[key] = value
    return replace(plan, **changes)


def expand(
    spec: LabSpec,
    quick: bool = False,
    samples: int | None = None,
    seeds: int | None = None,
    sample_seed: int = 0,
) -> list[Variant]:
    """Every variant of the grid (or `samples` of them drawn at random, seeded; by default
    the spec's `samples`), each once per seed: the spec's seeds, or the first `seeds` of
    0, 1, 2... when given. The base knobs, then `quick`'s with `quick`, then the grid
    point's, over the recipe's defaults."""
    base = base_recipe(spec, quick)
    names = spec.knobs()
    points = [dict(zip(names, combo, strict=True))
              for combo in itertools.product(*(spec.vary[n] for n in names))]  # fmt: skip
    samples = samples if samples is not None else spec.samples
    if samples is not None and samples < len(points):
        chosen = sorted(random.Random(sample_seed).sample(range(len(points)), samples))
        points = [points[i] for i in chosen]
    seed_list = tuple(range(seeds)) if seeds is not None else spec.seeds
    return [
        Variant(spec.task, point, _normal({**base, **point}), seed)
        for point in points
        for seed in seed_list
    ]


def base_recipe(spec: LabSpec, quick: bool = False) -> dict[str, Any]:
    """Every knob of the spec's base recipe: its [base] (and with `quick` its [quick]) over
    the task's defaults."""
    defaults = RECIPES[spec.task]().as_dict()
    return _normal({**defaults, **spec.base, **(spec.quick if quick else {})})


def _normal(recipe: dict[str, Any]) -> dict[str, Any]:
    """Lists as lists (TOML arrays and tuples alike), so keys and records compare equal."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in recipe.items()}
