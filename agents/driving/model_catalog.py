"""Which driving models exist: the shipped ones (read-only) and the user's own.

A file listing only: nothing here imports TensorFlow, so screens can call it every frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agents.training import read_model_card
from game.errors import UserFacingError
from game.paths import shipped_models_dir, user_dir

DEFAULT_MODEL_NAME = "pilotnet.h5"


@dataclass(frozen=True)
class ModelEntry:
    path: Path
    shipped: bool  # committed under models/: never overwritten, fine-tunes go to user models

    @property
    def label(self) -> str:
        return self.path.stem + (" (shipped)" if self.shipped else "")


def _is_driving_model(path: Path) -> bool:
    """A card with an input spec marks a driving model (other games ship .h5 files too);
    a bare .h5 with no card is offered as well: the CNN driver can infer its input."""
    try:
        card = read_model_card(path, verify=False)
    except UserFacingError:
        return True  # broken card: list it, loading then says what is wrong
    return card is None or card.kind == "driving"


def _model_files(folder: Path) -> list[Path]:
    # One dot only: training and atomic saves write temporary "name.XXXX.h5" files beside.
    return sorted(
        p
        for p in folder.glob("*.h5")
        if p.name.count(".") == 1 and not p.name.startswith(".") and _is_driving_model(p)
    )


def available_models() -> list[ModelEntry]:
    """The shipped models, then the user's own (user_dir("models")), by name."""
    shipped = shipped_models_dir()
    found = [ModelEntry(p, True) for p in _model_files(shipped)] if shipped.is_dir() else []
    return found + [ModelEntry(p, False) for p in _model_files(user_dir("models"))]


def default_model() -> Path | None:
    """The shipped default model when present, else the first model found, else None."""
    models = available_models()
    for m in models:
        if m.shipped and m.path.name == DEFAULT_MODEL_NAME:
            return m.path
    return models[0].path if models else None
