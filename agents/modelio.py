"""Saving and loading Keras `.h5` models safely, with model cards beside them.

Rules measured on this stack (see shared design notes):
- compile with full-name losses (``keras.losses.MeanSquaredError()``), never ``"mse"``;
- load with ``compile=False`` unless training state is needed;
- write to a temporary file and ``os.replace`` so an interrupted save keeps the old model.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from game.errors import UserFacingError
from game.fileio import FILE_MODE, atomic_write_bytes


class ModelFileError(UserFacingError):
    """A model file is missing, corrupt, truncated or incompatible."""


def card_path(model_path: str | os.PathLike[str]) -> Path:
    """The JSON model card that sits beside a model: ``foo.h5`` -> ``foo.card.json``."""
    p = Path(model_path)
    return p.with_name(p.stem + ".card.json")


def write_card(model_path: str | os.PathLike[str], card: dict[str, Any]) -> Path:
    path = card_path(model_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, (json.dumps(card, indent=2, sort_keys=True) + "\n").encode())
    return path


def read_card(model_path: str | os.PathLike[str]) -> dict[str, Any]:
    """The model card beside a model, or {} when there is none. A broken card is an error."""
    path = card_path(model_path)
    if not path.exists():
        return {}
    try:
        card = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise ModelFileError(f"{path}: model card is not valid JSON ({e})") from e
    if not isinstance(card, dict):
        raise ModelFileError(f"{path}: model card must be a JSON object")
    return card


def save_model_atomic(model: Any, path: str | os.PathLike[str]) -> Path:
    """Save a Keras model as .h5 via a temp file + os.replace: an interrupted save keeps the old."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem + ".", suffix=".tmp.h5")
    os.close(fd)
    try:
        model.save(tmp)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_model_checked(path: str | os.PathLike[str], compile: bool = False) -> Any:
    """Load a .h5 model or raise ModelFileError with a one-line reason naming the file."""
    import keras

    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"{path}: model file not found")
    if path.stat().st_size == 0:
        raise ModelFileError(f"{path}: model file is empty")
    with open(path, "rb") as f:
        magic = f.read(8)
    if magic != b"\x89HDF\r\n\x1a\n":
        raise ModelFileError(f"{path}: not an HDF5 (.h5) model file")
    try:
        return keras.models.load_model(path, compile=compile)
    except Exception as e:  # h5py/keras raise many kinds; the user needs one line
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ModelFileError(f"{path}: cannot load model ({reason[:200]})") from e
