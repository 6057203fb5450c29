"""Which driving models exist: the user's own (newest first), then the shipped ones.

A file listing only: nothing here imports TensorFlow or hashes a model, so screens can call it
whenever they need the list (each call reads the small model cards afresh).
agents.driving.registry builds the Models screen's and the `models` command's view on it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from agents.modelio import claim_model_name
from agents.training import ModelCard, read_model_card
from game.errors import UserFacingError
from game.fileio import check_regular
from game.paths import shipped_models_dir, user_dir

DEFAULT_MODEL_NAME = "pilotnet.h5"


@dataclass(frozen=True)
class ModelEntry:
    path: Path
    shipped: bool  # committed under models/: never overwritten, fine-tunes go to user models
    card: ModelCard | None = field(default=None, compare=False)  # None: no card or a broken one
    problem: str = ""  # why the card cannot be read ("" when it can, or when there is none)
    created: float = 0.0  # POSIX time: the card's "created", else the file's modification time

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def architecture(self) -> str:
        return self.card.architecture if self.card is not None else ""

    @property
    def label(self) -> str:
        """The name as pickers show it: shipped ones say so, a renamed model keeps its
        architecture in view, a broken card is flagged before anyone loads it."""
        if self.shipped:
            return f"{self.name} (shipped)"
        if self.problem:
            return f"{self.name} (broken card)"
        arch = self.architecture
        return f"{self.name} ({arch})" if arch and not self.name.startswith(arch) else self.name


def _created(path: Path, card: ModelCard | None) -> float:
    if card is not None and card.created:
        try:
            t = datetime.fromisoformat(card.created).timestamp()
            if 0 < t < 1e11:  # a year 1 or 9999 date would break local-time display
                return t
        except (ValueError, OverflowError, OSError):
            pass  # a hand-edited date: the file's time instead
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _entry(path: Path, shipped: bool) -> ModelEntry | None:
    """The entry for a model file, or None when its card says it is not a driving model (other
    games ship .h5 files too). A bare .h5 with no card is a driving model (the CNN driver can
    infer its input) unless its saved config takes no images; a broken card is listed with
    its problem, and loading says it again."""
    try:
        card = read_model_card(path, verify=False)
    except UserFacingError as e:
        return ModelEntry(path, shipped, None, str(e), _created(path, None))
    if card is not None and card.kind != "driving":
        return None
    if card is None and not _takes_images(path):
        return None  # a card-less RPS LSTM (any sequence model) cannot drive
    return ModelEntry(path, shipped, card, "", _created(path, card))


def _first_input_shape(config: Any) -> list | None:
    """The first "batch_shape" (Keras 3) or "batch_input_shape" (Keras 2) in a model config."""
    if isinstance(config, dict):
        for key in ("batch_shape", "batch_input_shape"):
            if isinstance(config.get(key), list):
                return config[key]
        values = config.values()
    elif isinstance(config, list):
        values = config
    else:
        return None
    for value in values:
        found = _first_input_shape(value)
        if found is not None:
            return found
    return None


def _takes_images(path: Path) -> bool:
    """For a model without a card: False when its saved config shows a first input that is a
    sequence (batch, time, features), as the RPS LSTMs take; True otherwise, or when it cannot
    be told (the loader then says what is wrong). Reads only the file's config attribute."""
    try:
        check_regular(path, "model file")  # a FIFO here would hang h5py
        import h5py

        with h5py.File(path, "r") as f:
            raw = f.attrs.get("model_config")
        config = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
    except Exception:  # noqa: BLE001 - h5py and a hand-made file raise many kinds
        return True
    shape = _first_input_shape(config)
    return shape is None or len(shape) != 3


def model_files(folder: Path) -> list[Path]:
    """The model files of a folder, by name. One dot only: training and atomic saves write
    temporary "name.XXXX.h5" files beside the models."""
    try:
        found = list(folder.glob("*.h5"))
    except OSError:
        return []  # an unreadable folder lists nothing rather than breaking a screen
    return sorted(p for p in found if p.name.count(".") == 1 and not p.name.startswith("."))


def _entries(folder: Path, shipped: bool) -> list[ModelEntry]:
    if not folder.is_dir():
        return []
    found = (_entry(p, shipped) for p in model_files(folder))
    return [e for e in found if e is not None]


def available_models() -> list[ModelEntry]:
    """The user's own models (user_dir("models")), newest first, then the shipped ones with
    the default first: the order of Autopilot's Tab and Race's picker."""
    yours = sorted(_entries(user_dir("models"), False), key=lambda e: (-e.created, e.name))
    shipped = sorted(
        _entries(shipped_models_dir(), True), key=lambda e: (e.path.name != DEFAULT_MODEL_NAME,)
    )
    return yours + shipped


def shipped_model(arch: str | None = None) -> Path | None:
    """The shipped model to fine-tune from: the default one, or with `arch` the first shipped
    model of that architecture (None when none is shipped)."""
    for e in available_models():
        if e.shipped and not e.problem and (arch is None or e.architecture == arch):
            return e.path
    return None


def default_model() -> Path | None:
    """The model Autopilot and Race start with: the newest of the user's models whose card
    reads (so a run that just finished drives first), else the shipped default, else the
    first model found, else None."""
    models = available_models()
    for m in models:
        if not m.shipped and not m.problem:
            return m.path
    for m in models:
        if m.shipped and m.path.name == DEFAULT_MODEL_NAME:
            return m.path
    return models[0].path if models else None


def new_model_path(arch: str, now: datetime | None = None, claim: bool = True) -> Path:
    """A fresh file in the user's models folder for a run of `arch`, named by local time
    (pilotnet-2026-11-30-1412.h5, then -2, -3 ... when taken): no run replaces another's.

    With `claim` (not for a preview of the name), the name is claimed at once by creating
    the hidden `.NAME.claim` create-exclusive (agents.modelio.claim_model_name): a second run
    started in the same minute, in another program, gets -2 even before either has saved.
    The training that saves the model removes the claim (agents.modelio.release_claim)."""
    folder = user_dir("models")
    stem = f"{arch}-{(now or datetime.now()).strftime('%Y-%m-%d-%H%M')}"
    # A name is taken by its model, card or log (an orphan card is someone's too) and by a
    # running training's hidden temporary files (".NAME.training.csv.XXXX.partial") or
    # claim; case-blind for macOS and Windows folders.
    taken = {p.name.lstrip(".").split(".")[0].lower() for p in os.scandir(folder)}
    n = 1
    while True:
        name = stem if n == 1 else f"{stem}-{n}"
        path = folder / f"{name}.h5"
        if name.lower() not in taken and (not claim or claim_model_name(path)):
            return path
        n += 1
