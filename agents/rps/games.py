"""Game data: every round a person plays, saved as it happens; data.txt import/export.

Saved games live in ``user_dir("rps")/games.csv``, one row per round:

    time,session,opponent,round,human,ai,outcome,level
    2025-01-01T12:00:00.000+00:00,20250101T120000-1a2b3c,lstm,0,1,2,-1,standard

Moves are 0 rock, 1 paper, 2 scissors; outcome is from the person's view (+1 win); level is
the Arena's difficulty level (agents.rps.levels: novice, standard, veteran; empty for other
opponents). Files written before levels existed have no level column: their rows (and
header) still load, with level "".
Each row is written, flushed and fsync'ed before the next round, so a crash loses at
most the round being written; the loader then reports that truncated line and keeps
every other one.

The reference chapter's data.txt format is one game per line, the person's moves as
digits 0-2. Imported games are kept in ``user_dir("rps")/imported.txt`` (same format).

Every file here is read as a stream, in chunks, so a hostile file (one 50 MB line, a
gigabyte of junk) costs bounded memory: a line longer than its limit is reported, not held,
and at most MAX_LISTED_PROBLEMS problems are listed (the rest are counted).
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, TextIO

from game.errors import UserFacingError
from game.fileio import FILE_MODE, locked, open_regular
from game.paths import user_dir, user_home
from game.sim.rps import outcome
from game.textfmt import plural

GAMES_FILE = "games.csv"
IMPORTED_FILE = "imported.txt"
FIELDS = ("time", "session", "opponent", "round", "human", "ai", "outcome", "level")
HEADER = ",".join(FIELDS)
OLD_FIELDS = FIELDS[:-1]  # before levels: rows without the level column
OLD_HEADER = ",".join(OLD_FIELDS)

READ_CHUNK = 1 << 20  # characters read at a time
MAX_GAME_MOVES = 1_000_000  # longest data.txt line (one game) we take; far beyond a real game
MAX_ROW_CHARS = 4096  # longest games.csv row; a real one is about 70 characters
MAX_LISTED_PROBLEMS = 1000  # problems listed per file; beyond that they are only counted
_NOT_A_MOVE = re.compile(r"[^012]")
_TO_MOVES = str.maketrans("012", "\x00\x01\x02")

ProgressFn = Callable[[int, int], None]  # (bytes read, file size)


@dataclass(frozen=True)
class GameRound:
    time: str
    session: str
    opponent: str
    round: int
    human: int
    ai: int
    outcome: int  # person's view
    level: str = ""  # the Arena's difficulty level; "" for other opponents and old files


@dataclass(frozen=True)
class LineProblem:
    """A line that could not be read; everything else in the file was kept."""

    path: Path
    line: int  # 1-based
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def games_path() -> Path:
    return user_dir("rps") / GAMES_FILE


def imported_path() -> Path:
    return user_dir("rps") / IMPORTED_FILE


def new_session_id() -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{stamp}-{uuid.uuid4().hex[:6]}"


def _open_append(path: Path, header: str | None):
    """Open for appending; write the header to a new file and end a torn last line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    f = open(path, "a+b")  # noqa: SIM115 - kept open for the recorder's lifetime
    size = f.seek(0, os.SEEK_END)
    if size == 0 and header is not None:
        f.write((header + "\n").encode())
    elif size > 0:
        f.seek(size - 1)
        if f.read(1) != b"\n":
            # A crash cut the last line short: leave it (the loader reports it) but
            # start the next one on a fresh line so good rows are not glued to it.
            f.write(b"\n")
    _sync(f)
    return f


def _sync(f) -> None:
    f.flush()
    os.fsync(f.fileno())


class GameRecorder:
    """Appends each round of one session to the games file as it is played.

    with GameRecorder(opponent="lstm") as rec:
        rec.record(human=0, ai=1)

    A round that cannot be written (a full disk, a read-only folder, games.csv made a folder)
    stays in `unsaved`; `error` says why, naming the file, and every later `record` and
    `close` writes the waiting rounds first. Nothing here raises OSError: a lost save must not
    end the match. Rows are appended under the file's lock (game.fileio.locked), so two
    games recording at once never interleave half rows, and a write that fails part-way is
    cut back to where it began.
    """

    def __init__(
        self,
        opponent: str,
        session: str | None = None,
        path: Path | None = None,
        level: str = "",
    ):
        # Registry names never hold commas; keep a free-form name from breaking the row.
        self.opponent = " ".join(opponent.replace(",", " ").split()) or "unknown"
        self.level = " ".join(level.replace(",", " ").split())
        self.session = session or new_session_id()
        self.path = Path(path) if path is not None else user_home() / "rps" / GAMES_FILE
        self.rounds = 0
        self.unsaved: list[GameRound] = []  # played, not yet on disk
        self.error = ""  # the last write's failure, naming the file ("" once all is on disk)
        self.reason = ""  # ... and its reason alone ("No space left on device")
        self._file: BinaryIO | None = None
        self.flush()  # make the file now, so a problem shows before the first round

    def record(self, human: int, ai: int) -> GameRound:
        """Keep one round and write it (with any still waiting); see `error` for the outcome."""
        if human not in (0, 1, 2) or ai not in (0, 1, 2):
            raise ValueError(f"moves must be 0, 1 or 2, got human={human!r} ai={ai!r}")
        row = GameRound(
            time=datetime.now(UTC).isoformat(timespec="milliseconds"),
            session=self.session,
            opponent=self.opponent,
            round=self.rounds,
            human=int(human),
            ai=int(ai),
            outcome=outcome(human, ai),
            level=self.level,
        )
        self.rounds += 1
        self.unsaved.append(row)
        self.flush()  # each round is on disk before the next one is played
        return row

    def flush(self) -> bool:
        """Write the rounds waiting in `unsaved`; False (and `error` set) when they could not
        be."""
        try:
            with locked(self.path):
                if self._file is None:
                    self._file = _open_append(self.path, HEADER)
                if self.unsaved:
                    self._append(self._file)
        except OSError as e:
            self._drop_file()
            waiting = len(self.unsaved)
            self.reason = e.strerror or str(e)
            self.error = (
                f"{self.path}: {plural(waiting, 'round')} not saved yet ({self.reason}); "
                f"kept in memory, tried again next round"
            )
            return False
        self.unsaved.clear()
        self.error = self.reason = ""
        return True

    def _append(self, f: BinaryIO) -> None:
        data = b"".join(
            (",".join(str(getattr(row, name)) for name in FIELDS) + "\n").encode()
            for row in self.unsaved
        )
        start = f.seek(0, os.SEEK_END)
        try:
            f.write(data)
            _sync(f)
        except OSError:
            try:  # no half row left behind: the whole batch is written again next time
                f.truncate(start)
            except OSError:
                pass
            raise

    def _drop_file(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            except OSError:
                pass  # its buffer was the failed write: the rows are still in `unsaved`
            self._file = None

    def close(self) -> None:
        """Write what is waiting, then close. Never raises: check `unsaved` / `error`."""
        if self.unsaved:
            self.flush()
        self._drop_file()

    def __enter__(self) -> GameRecorder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _parse_row(fields: list[str]) -> GameRound:
    """One CSV row -> GameRound (a row without the level column too); ValueError saying what
    is wrong."""
    if len(fields) not in (len(FIELDS), len(OLD_FIELDS)):
        raise ValueError(
            f"expected {len(FIELDS)} fields ({HEADER}; {len(OLD_FIELDS)} in files from before "
            f"levels), found {len(fields)}"
        )
    names = FIELDS if len(fields) == len(FIELDS) else OLD_FIELDS
    values = dict(zip(names, fields, strict=True))
    ints = {}
    for name in ("round", "human", "ai", "outcome"):
        try:
            ints[name] = int(values[name])
        except ValueError:
            raise ValueError(f"{name} is not a whole number: {values[name]!r}") from None
    for name in ("human", "ai"):
        if ints[name] not in (0, 1, 2):
            raise ValueError(f"{name} move must be 0, 1 or 2, found {ints[name]}")
    if ints["outcome"] != outcome(ints["human"], ints["ai"]):
        raise ValueError(f"outcome {ints['outcome']} does not match the moves")
    if not values["session"]:
        raise ValueError("session is empty")
    return GameRound(
        values["time"], values["session"], values["opponent"], **ints,
        level=values.get("level", ""),
    )  # fmt: skip


@dataclass(frozen=True)
class _Line:
    number: int  # 1-based
    text: str | None  # None when the line was longer than the limit (not kept)
    length: int  # characters in the line, newline excluded
    ended: bool  # False for a last line with no newline (a torn write)


def _read_lines(
    f: TextIO, max_chars: int, on_chunk: Callable[[], None] | None = None
) -> Iterator[_Line]:
    """The lines of a text stream, read in chunks: at most `max_chars` of a line are held."""
    parts: list[str] = []
    held = length = 0
    number = 1
    while chunk := f.read(READ_CHUNK):
        start = 0
        while True:
            nl = chunk.find("\n", start)
            end = len(chunk) if nl < 0 else nl
            length += end - start
            if held <= max_chars:  # past the limit the line is only measured
                parts.append(chunk[start:end])
                held += end - start
                if held > max_chars:
                    parts = []
            if nl < 0:
                break
            yield _Line(number, "".join(parts) if held <= max_chars else None, length, True)
            parts, held, length = [], 0, 0
            number += 1
            start = nl + 1
        if on_chunk is not None:
            on_chunk()
    if length:
        yield _Line(number, "".join(parts) if held <= max_chars else None, length, False)


class _Problems:
    """Collects a file's line problems; lists the first MAX_LISTED_PROBLEMS, counts the rest."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[LineProblem] = []
        self.unlisted = 0
        self._first_unlisted = 0

    def add(self, line: int, message: str) -> None:
        if len(self.items) < MAX_LISTED_PROBLEMS:
            self.items.append(LineProblem(self.path, line, message))
        else:
            self._first_unlisted = self._first_unlisted or line
            self.unlisted += 1

    def listed(self) -> list[LineProblem]:
        if not self.unlisted:
            return list(self.items)
        more = LineProblem(
            self.path,
            self._first_unlisted,
            f"and {plural(self.unlisted, 'more bad line')} from here on, not listed",
        )
        return [*self.items, more]


def _open_text(
    path: Path, encoding: str = "utf-8", newline: str | None = None
) -> tuple[BinaryIO, TextIO]:
    """Open a file the person gave us for streaming; UserFacingError naming it if we cannot."""
    raw = open_regular(path, "file")  # a FIFO or device is refused, never waited on
    # Undecodable bytes become U+FFFD and are reported as bad characters on their line.
    return raw, io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline=newline)


def load_games(path: Path | None = None) -> tuple[list[GameRound], list[LineProblem]]:
    """Every readable round in the games file, plus a problem per unreadable line.

    A missing file is an empty history. Nothing readable is ever dropped.
    """
    path = Path(path) if path is not None else games_path()
    if not path.exists():
        return [], []
    rounds: list[GameRound] = []
    problems = _Problems(path)
    raw, f = _open_text(path, newline="")  # rows end in "\n"; a stray "\r" is stripped below
    with raw, f:
        try:
            for line in _read_lines(f, MAX_ROW_CHARS):
                text = None if line.text is None else line.text.rstrip("\r")
                if text == "" or (line.number == 1 and text in (HEADER, OLD_HEADER)):
                    continue
                note = "" if line.ended else " (truncated last line: the game was interrupted)"
                if text is None:
                    problems.add(
                        line.number,
                        f"line is {line.length:,} characters long; a row is at most "
                        f"{MAX_ROW_CHARS:,}{note}",
                    )
                    continue
                try:
                    rounds.append(_parse_row(next(csv.reader([text]))))
                except (ValueError, csv.Error) as e:
                    problems.add(line.number, f"{e}{note}")
        except OSError as e:
            raise UserFacingError(f"cannot read {path}: {e.strerror or e}") from None
    return rounds, problems.listed()


def sessions(rounds: Iterable[GameRound]) -> dict[str, list[GameRound]]:
    """Rounds grouped by session, in file order."""
    grouped: dict[str, list[GameRound]] = {}
    for r in rounds:
        grouped.setdefault(r.session, []).append(r)
    return grouped


def human_sequences(rounds: Iterable[GameRound]) -> list[list[int]]:
    """The person's moves, one list per session (the data.txt view of saved games)."""
    return [[r.human for r in group] for group in sessions(rounds).values()]


def _data_txt_games(
    path: Path, problems: _Problems, progress: ProgressFn | None = None
) -> Iterator[str]:
    """The good games of a data.txt file, one string of digits each, read as a stream.

    Bad lines go to `problems` with their line and column; blank lines are skipped.
    """
    raw, f = _open_text(path, encoding="utf-8-sig")  # a BOM (Windows editors) is not a move
    with raw, f:
        size = _size(raw)

        def report() -> None:
            if progress is not None:
                progress(raw.tell(), size)

        try:
            for line in _read_lines(f, MAX_GAME_MOVES, on_chunk=report):
                if line.text is None:
                    problems.add(
                        line.number,
                        f"line is {line.length:,} characters long; a game is at most "
                        f"{MAX_GAME_MOVES:,} moves (split it into several lines)",
                    )
                    continue
                game = line.text.strip()
                if not game:
                    continue
                bad = _NOT_A_MOVE.search(game)
                if bad is not None:
                    column = len(line.text) - len(line.text.lstrip()) + bad.start() + 1
                    problems.add(
                        line.number,
                        f"unexpected character {bad.group()!r} at column {column} "
                        "(a game is a line of digits 0, 1, 2)",
                    )
                    continue
                yield game
        except OSError as e:
            raise UserFacingError(f"cannot read {path}: {e.strerror or e}") from None
        report()


def _size(f: BinaryIO) -> int:
    try:
        return os.fstat(f.fileno()).st_size
    except OSError:
        return 0


def _moves(game: str) -> list[int]:
    return list(game.translate(_TO_MOVES).encode("ascii"))


def parse_data_txt(path: Path | str) -> tuple[list[list[int]], list[LineProblem]]:
    """Read a data.txt file: one game per line, digits 0-2. Blank lines are skipped.

    A malformed line is reported with its line number and column; every good line is kept.
    """
    path = Path(path)
    problems = _Problems(path)
    games = [_moves(game) for game in _data_txt_games(path, problems)]
    return games, problems.listed()


def format_data_txt(games: Iterable[Sequence[int]]) -> str:
    return "".join("".join(str(int(m)) for m in game) + "\n" for game in games if len(game))


def _check_destination(path: Path) -> None:
    """The folder must exist: a typo in it is an error, not a new folder somewhere."""
    if path.is_dir():
        raise UserFacingError(f"{path} is a folder; give a file name, e.g. {path / 'data.txt'}")
    if not path.parent.is_dir():
        raise UserFacingError(f"{path.parent}: no such folder")


@contextmanager
def _atomic_stream(path: Path) -> Iterator[BinaryIO]:
    """Write `path` as a stream, atomically: a temporary file in the same folder, fsync'ed
    and renamed over it at the end; on any failure the old file is untouched."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise UserFacingError(f"cannot write {path}: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            _sync(f)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise UserFacingError(f"cannot write {path}: {e.strerror or e}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_data_txt(path: Path | str, games: Iterable[Sequence[int]]) -> None:
    """Write games in data.txt format, atomically (a crash leaves the old file intact).

    The folder must exist: a typo in it is an error, not a new folder somewhere.
    """
    path = Path(path)
    _check_destination(path)
    with _atomic_stream(path) as f:
        for game in games:
            if len(game):
                f.write(("".join(str(int(m)) for m in game) + "\n").encode("ascii"))


def import_data_txt(
    source: Path | str, progress: ProgressFn | None = None
) -> tuple[int, list[LineProblem]]:
    """Append the good games of a data.txt file to the imported games; return (count, problems).

    Streamed: the new imported file (old games, then the new ones) is written as the source is
    read, and replaces the old one only once complete, so memory stays flat for any size and
    a failure part-way imports nothing. `progress(bytes_read, source_size)` follows the read.
    """
    source = Path(source)
    problems = _Problems(source)
    dest = imported_path()
    dest.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    # The source's games go to a private temporary file first (however long that takes);
    # only the merge with imported.txt holds its lock, so two imports at once both land.
    with tempfile.TemporaryFile(dir=dest.parent, prefix=".import-") as staged:
        for game in _data_txt_games(source, problems, progress):
            staged.write(game.encode("ascii") + b"\n")
            count += 1
        if not count:
            listed = problems.listed()
            detail = f"; first problem: {listed[0]}" if listed else ""
            raise UserFacingError(f"{source}: no games found (one line of digits 0-2 each){detail}")
        staged.seek(0)
        with locked(dest), _atomic_stream(dest) as out:
            _copy_existing(dest, out)
            shutil.copyfileobj(staged, out, READ_CHUNK)
    return count, problems.listed()


def _copy_existing(path: Path, out: BinaryIO) -> None:
    """Copy `path` (if it exists) to `out` in chunks, ending it on a newline."""
    if not os.path.lexists(path):
        return
    src = open_regular(path, "imported games file")  # a FIFO here would block the import
    with src:
        shutil.copyfileobj(src, out, READ_CHUNK)
        if out.tell() and src.seek(-1, os.SEEK_END) >= 0 and src.read(1) != b"\n":
            out.write(b"\n")  # a torn last line stays reported, the next game on its own line


def training_sequences() -> tuple[list[list[int]], list[LineProblem]]:
    """Every person-move sequence we have: saved games (per session) then imported games."""
    rounds, problems = load_games()
    games = human_sequences(rounds)
    if imported_path().exists():
        imported, more = parse_data_txt(imported_path())
        games += imported
        problems += more
    return games, problems


def export_data_txt(destination: Path | str) -> tuple[int, list[LineProblem]]:
    """Write all saved and imported games to `destination` in data.txt format (streamed)."""
    destination = Path(destination)
    _check_destination(destination)
    rounds, problems = load_games()
    count = 0
    with _atomic_stream(destination) as out:
        for game in human_sequences(rounds):
            out.write(("".join(map(str, game)) + "\n").encode("ascii"))
            count += 1
        if imported_path().exists():
            more = _Problems(imported_path())
            for game in _data_txt_games(imported_path(), more):
                out.write(game.encode("ascii") + b"\n")
                count += 1
            problems += more.listed()
        if not count:
            raise UserFacingError(f"no saved games to export (looked in {user_dir('rps')})")
    return count, problems
