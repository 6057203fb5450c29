"""The shipped lab presets (assets/lab/*.toml), one per chapter experiment."""

from __future__ import annotations

from pathlib import Path

from agents.lab.spec import LabSpec, load_spec
from game.paths import assets_dir

ORDER = ("filter_size", "stride_padding", "pooling_vs_stride", "dropout", "depth",
         "lstm_units_window")  # fmt: skip


def presets_dir() -> Path:
    return assets_dir() / "lab"


def presets() -> list[Path]:
    """The preset files, in the chapters' order (any others after, by name)."""
    found = {p.stem: p for p in presets_dir().glob("*.toml")}
    first = [found.pop(n) for n in ORDER if n in found]
    return first + [found[k] for k in sorted(found)]


def resolve_spec(name_or_path: str) -> LabSpec:
    """A preset by name (e.g. "dropout"), or a spec file."""
    path = Path(name_or_path)
    if not path.suffix and (presets_dir() / f"{name_or_path}.toml").is_file():
        path = presets_dir() / f"{name_or_path}.toml"
    return load_spec(path)
