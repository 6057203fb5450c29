"""Atomic file writes: a crash or a full disk never leaves a half-written file in place.

The data goes to a temporary file in the same folder (so `os.replace` is a same-filesystem
rename, which is atomic), is fsynced, then renamed over the target. On any failure the
temporary file is removed and the old file, if there was one, is untouched. Missing parent
folders are an error, not created: callers decide whether a folder should be made.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from game.errors import UserFacingError

FILE_MODE = 0o644  # mkstemp makes 0o600 files; exported files should be readable like any other


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` atomically (temp file + fsync + os.replace)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` as UTF-8 to `path` atomically; newlines are written as given ("\\n")."""
    atomic_write_bytes(path, text.encode("utf-8"))


class _NotJsonNumber(ValueError):
    pass


def _nan_word(_word: str) -> float:
    return float("nan")


def _no_nan_word(word: str) -> float:
    raise _NotJsonNumber(word)


MAX_JSON_BYTES = 20_000_000  # larger than any file the app writes; beyond it, refuse to read


def read_json_file(
    path: str | os.PathLike[str],
    what: str = "JSON file",
    max_bytes: int = MAX_JSON_BYTES,
    allow_nan_words: bool = False,
) -> Any:
    """Parse a JSON file the user may have edited or corrupted, or raise UserFacingError.

    Every failure names the file (and the line where there is one): unreadable, too large,
    not UTF-8, invalid JSON, or nested so deeply that the parser would recurse out of stack.
    NaN/Infinity (which Python's json accepts but JSON does not) are an error, unless
    `allow_nan_words`: then they read as float NaN so that callers can reject them by field.
    """
    path = Path(path)
    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(st.st_mode):  # a FIFO or device would block or never end
            raise UserFacingError(f"{path}: not a regular file, so not a {what}")
        size = st.st_size
        if size > max_bytes:
            raise UserFacingError(
                f"{path}: {size:,} bytes is too large for a {what} (limit {max_bytes:,})"
            )
        raw = path.read_bytes()
    except IsADirectoryError:
        raise UserFacingError(f"{path}: is a folder, not a {what}") from None
    except OSError as e:
        raise UserFacingError(f"{path}: cannot read {what} ({e.strerror or e})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        where = f"not UTF-8 at byte {e.start}"
        raise UserFacingError(f"{path}: not a JSON text file ({where})") from None
    try:
        return json.loads(
            text.lstrip("\ufeff"), parse_constant=_nan_word if allow_nan_words else _no_nan_word
        )
    except _NotJsonNumber as e:
        raise UserFacingError(f"{path}: {e} is not a number in JSON") from None
    except json.JSONDecodeError as e:
        raise UserFacingError(f"{path}:{e.lineno}: not valid JSON ({e.msg})") from None
    except RecursionError:
        # json's C parser guards its stack: 100k nested brackets end here, not in a crash.
        raise UserFacingError(f"{path}: JSON nested too deeply to be a {what}") from None
