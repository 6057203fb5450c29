"""Every writer and reader of the user folder follows the rules of this module.

1. Writes are atomic: the data goes to a temporary file in the same folder (so `os.replace`
   is a same-filesystem rename), is fsynced, then renamed over the target. On any failure the
   temporary file is removed and the old file is untouched. Missing parent folders are an
   error, not created: callers decide whether a folder should be made.
2. New names are claimed create-exclusive (`claim_dir`: mkdir; `claim_file`: O_EXCL), with
   -2, -3 ... on a collision: two programs starting in the same second get two names.
3. Read-modify-write files (leaderboard, scoreboard, settings, imported games, the model
   list's renames) are changed under an inter-process lock (`locked`, a `.NAME.lock` file
   beside them, via the filelock package): re-read, merge, replace atomically. Two programs
   saving at once both keep their results.
4. A file that cannot be read is never written over blind: `set_aside` renames it to
   NAME.broken-N (a new N each time; the last BROKEN_KEEP are kept) before the merged good
   data is written.
5. Only regular files are read (`open_regular`, `check_regular`): a FIFO, a device or a
   folder is refused before anything blocks on it; binary arrays (`check_npz`) are checked
   against their declared shapes and types before anything is decompressed.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from filelock import FileLock, Timeout

from game.errors import UserFacingError

FILE_MODE = 0o644  # mkstemp makes 0o600 files; exported files should be readable like any other


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` atomically (temp file + fsync + os.replace). An OSError names
    `path`, never the hidden temporary file; a short write (a full disk that did not say so)
    is an OSError too, so no caller reports bytes saved that did not land."""
    path = Path(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            written = os.fstat(f.fileno()).st_size
        if written != len(data):
            raise OSError(errno.ENOSPC, f"only {written} of {len(data)} bytes written")
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except OSError as e:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise OSError(e.errno, e.strerror or str(e), str(path)) from e
    except BaseException:
        if tmp is not None:
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


# --- 2. claiming names ------------------------------------------------------------------------

MAX_SUFFIX = 10_000  # -2 ... -9999: more collisions than this means something else is wrong


def _numbered(path: Path, n: int) -> Path:
    if n == 1:
        return path
    suffix = "".join(path.suffixes) if path.name[:1] != "." else ""
    stem = path.name[: len(path.name) - len(suffix)] if suffix else path.name
    return path.with_name(f"{stem}-{n}{suffix}")


def claim_dir(path: str | os.PathLike[str]) -> Path:
    """Make the folder `path` (or `path-2`, `path-3` ... when taken) and return it: `mkdir` is
    atomic, so the folder returned is this caller's alone. The parent must exist."""
    path = Path(path)
    for n in range(1, MAX_SUFFIX):
        candidate = _numbered(path, n)
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
    raise OSError(errno.EEXIST, "no free name", str(path))


def claim_file(path: str | os.PathLike[str], taken: Any = None) -> Path:
    """Create the empty file `path` (or `name-2.ext` ... when taken) with O_EXCL and return
    it: the name is this caller's alone. `taken(candidate)` may say a name is in use by
    something else (e.g. a card of the same stem) so that it is skipped too."""
    path = Path(path)
    for n in range(1, MAX_SUFFIX):
        candidate = _numbered(path, n)
        if taken is not None and taken(candidate):
            continue
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except FileExistsError:
            continue
        os.close(fd)
        return candidate
    raise OSError(errno.EEXIST, "no free name", str(path))


# --- 3. the inter-process lock of a read-modify-write file ----------------------------------

LOCK_TIMEOUT_S = 10.0  # a save holds the lock for milliseconds; longer means a stuck program


def lock_path(path: str | os.PathLike[str]) -> Path:
    """The lock file of `path`: a hidden `.NAME.lock` beside it (left in place: harmless)."""
    path = Path(path)
    return path.with_name(f".{path.name}.lock")


@contextmanager
def locked(path: str | os.PathLike[str], timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold `path`'s inter-process lock: re-read, merge and write it inside. Not re-entrant
    across two `locked` of one file in one thread. Raises OSError naming `path` when the lock
    cannot be made (a read-only folder) or is held longer than `timeout_s`."""
    path = Path(path)
    lock = FileLock(lock_path(path), timeout=timeout_s)
    try:
        lock.acquire()
    except Timeout:
        raise OSError(
            errno.EBUSY, f"another program kept it locked for {timeout_s:.0f} s", str(path)
        ) from None
    except OSError as e:
        raise OSError(e.errno, e.strerror or str(e), str(path)) from e
    try:
        yield
    finally:
        lock.release()


# --- 4. setting a broken file aside -------------------------------------------------------------

BROKEN_KEEP = 5


def broken_copies(path: str | os.PathLike[str]) -> list[Path]:
    """The NAME.broken-N copies of `path`, oldest (lowest N) first."""
    path = Path(path)
    pattern = re.compile(re.escape(path.name) + r"\.broken-(\d+)$")
    found = []
    try:
        names = os.listdir(path.parent)
    except OSError:
        return []
    for name in names:
        m = pattern.match(name)
        if m:
            found.append((int(m.group(1)), path.with_name(name)))
    return [p for _, p in sorted(found)]


def set_aside(path: str | os.PathLike[str], keep: int = BROKEN_KEEP) -> Path | None:
    """Rename the file `path` (one we could not read) to NAME.broken-N, N one above the
    highest kept, so no kept copy is replaced; then delete all but the newest `keep`.
    Returns the new name, or None when `path` is gone; OSError when a folder, FIFO or device
    is in the file's place (never moved). Call it under `locked(path)`."""
    path = Path(path)
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return None
    if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):  # a folder or FIFO is not ours to move
        raise OSError(errno.EEXIST, "something that is not a file is in its place", str(path))
    copies = broken_copies(path)
    n = int(copies[-1].name.rsplit("-", 1)[1]) + 1 if copies else 1
    while True:
        target = path.with_name(f"{path.name}.broken-{n}")
        try:
            os.link(path, target, follow_symlinks=False)  # fails rather than replace a copy
        except FileExistsError:
            n += 1
            continue
        except OSError:  # no hard links here (some shares): a checked rename instead
            if os.path.lexists(target):
                n += 1
                continue
            os.rename(path, target)
            break
        os.unlink(path)
        break
    for old in broken_copies(path)[:-keep]:
        try:
            os.unlink(old)
        except OSError:
            pass
    return target


# --- 5. reading only regular files -----------------------------------------------------------


def check_regular(path: str | os.PathLike[str], what: str = "file") -> os.stat_result:
    """The stat of `path` (links followed), or UserFacingError when it is not a regular file:
    opening a FIFO blocks until someone writes, and a device such as /dev/zero never ends."""
    path = Path(path)
    try:
        st = path.stat()
    except OSError as e:
        raise UserFacingError(f"{path}: cannot read {what} ({e.strerror or e})") from None
    if stat.S_ISDIR(st.st_mode):
        raise UserFacingError(f"{path}: is a folder, not a {what}")
    if not stat.S_ISREG(st.st_mode):
        raise UserFacingError(f"{path}: not a regular file, so not a {what}")
    return st


def open_regular(path: str | os.PathLike[str], what: str = "file") -> BinaryIO:
    """Open `path` for reading in binary, refusing (UserFacingError) anything but a regular
    file. The open itself never blocks (O_NONBLOCK), and the opened file is checked again, so
    a file swapped for a FIFO after the check is refused too."""
    path = Path(path)
    check_regular(path, what)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        raise UserFacingError(f"{path}: cannot read {what} ({e.strerror or e})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UserFacingError(f"{path}: not a regular file, so not a {what}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


@dataclass(frozen=True)
class ArraySpec:
    """What one array of an .npz may be: its dtype kinds ("f", "iu", "U") and at most how many
    items (and, for strings, characters per item)."""

    kinds: str
    max_items: int
    max_chars: int = 0


def check_npz(
    path: str | os.PathLike[str], specs: Mapping[str, ArraySpec], what: str = "file"
) -> None:
    """UserFacingError naming `path` unless it is a regular .npz file whose every member is
    one of `specs`, within its declared size and type. Only the zip directory and each .npy
    header (a few hundred bytes) are read: a small file that would decompress to gigabytes is
    refused before anything is allocated. Call it before `np.load(path, allow_pickle=False)`;
    the zip's declared sizes bound what that reads."""
    import numpy as np

    path = Path(path)
    with open_regular(path, what) as f:
        try:
            with zipfile.ZipFile(f) as z:
                infos = z.infolist()
                if len(infos) > len(specs):
                    raise UserFacingError(f"{path}: {len(infos)} arrays, not a {what}")
                for info in infos:
                    _check_member(path, z, info, specs, what, np)
        except (zipfile.BadZipFile, ValueError, EOFError, OSError, NotImplementedError) as e:
            raise UserFacingError(f"{path}: damaged {what} ({e})") from None


def _check_member(path: Path, z: zipfile.ZipFile, info: zipfile.ZipInfo, specs, what, np):
    name = info.filename.removesuffix(".npy")
    spec = specs.get(name)
    if spec is None:
        raise UserFacingError(f"{path}: unexpected array {name[:40]!r} in a {what}")
    with z.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(member)
        else:
            raise UserFacingError(f"{path}: array {name} has an unknown format {version}")
        header = member.tell()
    items = 1
    for n in shape:
        items *= n
    if dtype.hasobject or dtype.kind not in spec.kinds:
        raise UserFacingError(f"{path}: array {name} has the wrong type ({dtype})")
    if items > spec.max_items or (spec.max_chars and dtype.itemsize > 4 * spec.max_chars):
        raise UserFacingError(
            f"{path}: array {name} declares {items:,} x {dtype.itemsize} bytes, too large "
            f"for a {what}"
        )
    if info.file_size != header + items * dtype.itemsize:
        raise UserFacingError(f"{path}: array {name} is not the size it declares")


# --- reading JSON ------------------------------------------------------------------------------


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
    with open_regular(path, what) as f:  # a FIFO or device would block or never end
        size = os.fstat(f.fileno()).st_size
        if size > max_bytes:
            raise UserFacingError(
                f"{path}: {size:,} bytes is too large for a {what} (limit {max_bytes:,})"
            )
        try:
            raw = f.read(max_bytes + 1)
        except OSError as e:
            raise UserFacingError(f"{path}: cannot read {what} ({e.strerror or e})") from None
    if len(raw) > max_bytes:  # it grew while we read
        raise UserFacingError(f"{path}: too large for a {what} (limit {max_bytes:,})")
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
