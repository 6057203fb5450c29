"""Atomic file writes: a crash or a full disk never leaves a half-written file in place.

The data goes to a temporary file in the same folder (so `os.replace` is a same-filesystem
rename, which is atomic), is fsynced, then renamed over the target. On any failure the
temporary file is removed and the old file, if there was one, is untouched. Missing parent
folders are an error, not created: callers decide whether a folder should be made.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

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
