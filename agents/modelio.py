"""Saving and loading Keras `.h5` models safely, with model cards beside them.

Rules measured on this stack (see shared design notes):
- compile with full-name losses (``keras.losses.MeanSquaredError()``), never ``"mse"``;
- load with ``compile=False`` unless training state is needed;
- write to a temporary file and ``os.replace`` so an interrupted save keeps the old model.

Temporary files are hidden siblings named ``.<target name>.<8 random chars>.partial<ext>``
(`partial_path`), so `remove_stale_temporaries` can recognise a killed run's leftovers and
nothing else.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from game.errors import UserFacingError
from game.fileio import FILE_MODE, atomic_write_bytes, open_regular, read_json_file

MAX_CARD_BYTES = 5_000_000  # a card is a few kB; its history of a long training a few 10 kB
STALE_AFTER_S = 60.0  # a temporary younger than this may belong to a training running now

# Our own temporary names (and those of earlier versions), never a user's file:
_TEMPORARY_NAMES = (
    re.compile(r"^\..+\.[a-z0-9_]{8}\.partial(\.weights\.h5|\.h5|\.csv|\.json)?$"),  # partial_path
    re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$"),  # game.fileio.atomic_write_bytes (cards)
    re.compile(r"^[^.].*\.[a-z0-9_]{8}\.tmp\.h5$"),  # save_model_atomic before partial_path
    re.compile(r"^\..+\.\d+\.best\.weights\.h5$"),  # the RPS trainer's old checkpoint name
    re.compile(r"^\..+\.claim$"),  # claim_path: a new model's name, claimed at its start
)


class ModelFileError(UserFacingError):
    """A model file is missing, corrupt, truncated or incompatible."""


def card_path(model_path: str | os.PathLike[str]) -> Path:
    """The JSON model card that sits beside a model: ``foo.h5`` -> ``foo.card.json``."""
    p = Path(model_path)
    return p.with_name(p.stem + ".card.json")


def partial_path(target: str | os.PathLike[str], ext: str | None = None) -> Path:
    """A fresh, unused temporary name beside `target` (the file is created empty, 0o644).

    `ext` is the ending the writer needs (Keras wants ".h5" / ".weights.h5"); by default the
    target's own suffix.
    """
    target = Path(target)
    ext = target.suffix if ext is None else ext
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    os.close(fd)
    tmp = Path(name)
    path = tmp.with_name(tmp.name + ext)
    try:
        os.replace(tmp, path)  # mkstemp's suffix is fixed before the random part is known
        os.chmod(path, FILE_MODE)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def claim_path(model_path: str | os.PathLike[str]) -> Path:
    """The hidden file that claims a new model's name: ``foo.h5`` -> ``.foo.claim``."""
    p = Path(model_path)
    return p.with_name(f".{p.stem}.claim")


def claim_model_name(model_path: str | os.PathLike[str]) -> bool:
    """Claim the name of a model not yet saved by creating its claim file create-exclusive
    (O_EXCL): True when this caller now owns the name, False when another run claimed it."""
    try:
        fd = os.open(claim_path(model_path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def release_claim(model_path: str | os.PathLike[str]) -> None:
    """Remove a model name's claim (the model, saved or not, no longer needs it)."""
    try:
        claim_path(model_path).unlink(missing_ok=True)
    except OSError:
        pass  # a leftover claim only costs a name; remove_stale_temporaries takes it later


def is_temporary_name(name: str) -> bool:
    """True for the names our atomic saves and trainings use for their temporary files."""
    return any(p.match(name) for p in _TEMPORARY_NAMES)


def remove_stale_temporaries(folder: str | os.PathLike[str], min_age_s: float = STALE_AFTER_S):
    """Delete temporary model/card/log files a killed run left in `folder`; returns them.

    Only regular files (not links) with our own temporary names (`is_temporary_name`) that
    were last written more than `min_age_s` ago: a training running now in another process
    rewrites its checkpoint every epoch, and a younger file is left alone. Never raises.
    """
    folder = Path(folder)
    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed  # no folder yet, or unreadable: nothing to clean
    for entry in entries:
        if not is_temporary_name(entry.name):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            if now - entry.stat(follow_symlinks=False).st_mtime < min_age_s:
                continue
            os.unlink(entry.path)
        except OSError:
            continue  # gone already, or not ours to delete: leave it
        removed.append(Path(entry.path))
    return removed


class Heartbeat:
    """Keeps a running job's temporary files younger than STALE_AFTER_S by touching them.

    A training may go minutes between checkpoint writes; `beat()` (called every batch) bumps
    the files' mtime every few seconds, so `remove_stale_temporaries` in another process
    (the app starting) never mistakes a live training's files for a killed run's leftovers.
    """

    def __init__(self, paths: list[Path], every_s: float = 10.0) -> None:
        self.paths = paths
        self.every_s = every_s
        self._last = time.monotonic()

    def beat(self) -> None:
        now = time.monotonic()
        if now - self._last < self.every_s:
            return
        self._last = now
        for p in self.paths:
            try:
                os.utime(p)
            except OSError:
                pass  # not created yet (a checkpoint before its first save)


# --- model cards -----------------------------------------------------------------------------


def file_stamp(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Size and SHA-256 of a model file: a card carries its model's stamp (see save_pair).
    OSError for anything but a regular file: a FIFO or /dev/zero named *.h5 would never end."""
    h = hashlib.sha256()
    size = 0
    try:
        f = open_regular(path, "model file")
    except UserFacingError:
        raise OSError(errno.EINVAL, "not a regular file", str(path)) from None
    with f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return {"bytes": size, "sha256": h.hexdigest()}


def _card_bytes(card: dict[str, Any]) -> bytes:
    return (json.dumps(card, indent=2, sort_keys=True) + "\n").encode()


def write_card(model_path: str | os.PathLike[str], card: dict[str, Any]) -> Path:
    path = card_path(model_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, _card_bytes(card))
    return path


def read_card(model_path: str | os.PathLike[str], verify: bool = True) -> dict[str, Any]:
    """The model card beside a model, or {} when there is none. A broken card is an error.

    With `verify`, a card that records its model's stamp ("model_file") must match the model
    file beside it: a mismatch means the pair was not written together (ModelFileError).
    """
    path = card_path(model_path)
    if not path.exists():
        return {}
    try:
        card = read_json_file(path, what="model card", max_bytes=MAX_CARD_BYTES)
    except UserFacingError as e:
        raise ModelFileError(str(e)) from None
    if not isinstance(card, dict):
        raise ModelFileError(f"{path}: model card must be a JSON object")
    if verify:
        check_card_stamp(model_path, card)
    return card


def check_card_stamp(model_path: str | os.PathLike[str], card: dict[str, Any]) -> None:
    """ModelFileError when the card's recorded model stamp does not match the model file."""
    stamp = card.get("model_file")
    model_path = Path(model_path)
    if not isinstance(stamp, dict) or not model_path.is_file():
        return  # older cards carry no stamp; a missing model is reported by the loader
    try:
        size = model_path.stat().st_size
        same = (
            stamp.get("bytes") == size and stamp.get("sha256") == file_stamp(model_path)["sha256"]
        )
    except OSError:
        return  # unreadable model: the loader names the file
    if not same:
        raise ModelFileError(
            f"{card_path(model_path)}: this card was written for another version of "
            f"{model_path.name} (an interrupted save?); delete the card or retrain the model"
        )


def save_pair(tmp_model: str | os.PathLike[str], path: str | os.PathLike[str], card: dict) -> dict:
    """Move a finished temporary model file to `path` with its card, as a pair.

    The card records the new model's size and SHA-256 and replaces the old card first; the
    model replaces the old model last, so it is the commit point. A crash in between leaves
    the old model with a card stamped for another file, which `read_card` reports; no crash
    can leave a new model described by an old card. On any failure the temporary model is
    removed and the old model stays. Returns the card as written.
    """
    tmp_model, path = Path(tmp_model), Path(path)
    cpath = card_path(path)
    try:
        card = {**card, "model_file": file_stamp(tmp_model)}
        try:
            tmp_card = partial_path(cpath)
            try:
                with open(tmp_card, "wb") as f:
                    f.write(_card_bytes(card))
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp_card, cpath)
            finally:
                tmp_card.unlink(missing_ok=True)
        except OSError as e:  # name the card, not its hidden temporary file
            raise OSError(e.errno, e.strerror or str(e), str(cpath)) from e
        try:
            os.replace(tmp_model, path)
        except OSError as e:
            raise OSError(e.errno, e.strerror or str(e), str(path)) from e
    finally:
        tmp_model.unlink(missing_ok=True)
    return card


# --- model files -----------------------------------------------------------------------------


def save_failure(path: str | os.PathLike[str], e: OSError) -> OSError:
    """An OSError that names `path` when the original (e.g. from h5py) names no file."""
    if e.filename:
        return e
    err = OSError(e.errno, e.strerror or str(e), str(path))
    err.__cause__ = e
    return err


def save_model_tmp(model: Any, target: str | os.PathLike[str]) -> Path:
    """Save a Keras model to a temporary file beside `target` (for `save_pair`)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = partial_path(target, ".h5")
    try:
        model.save(tmp)
        os.chmod(tmp, FILE_MODE)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise save_failure(target, e) from e
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def save_model_atomic(model: Any, path: str | os.PathLike[str]) -> Path:
    """Save a Keras model as .h5 via a temp file + os.replace: an interrupted save keeps the old."""
    path = Path(path)
    tmp = save_model_tmp(model, path)
    try:
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def save_model_with_card(model: Any, path: str | os.PathLike[str], card: dict) -> dict:
    """Save a Keras model and its card as a pair (see `save_pair`); returns the card."""
    return save_pair(save_model_tmp(model, path), path, card)


def load_model_checked(path: str | os.PathLike[str], compile: bool = False) -> Any:
    """Load a .h5 model or raise ModelFileError with a one-line reason naming the file."""
    import keras

    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"{path}: model file not found")
    try:
        f = open_regular(path, "model file")  # a FIFO or device: refused, never waited on
    except UserFacingError as e:
        raise ModelFileError(str(e)) from None
    with f:
        if os.fstat(f.fileno()).st_size == 0:
            raise ModelFileError(f"{path}: model file is empty")
        magic = f.read(8)
    if magic != b"\x89HDF\r\n\x1a\n":
        raise ModelFileError(f"{path}: not an HDF5 (.h5) model file")
    try:
        return keras.models.load_model(path, compile=compile)
    except Exception as e:  # h5py/keras raise many kinds; the user needs one line
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ModelFileError(f"{path}: cannot load model ({reason[:200]})") from e
