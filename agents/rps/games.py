"""Game data: every round a person plays, saved as it happens; data.txt import/export.

Saved games live in ``user_dir("rps")/games.csv``, one row per round:

    time,session,opponent,round,human,ai,outcome
    2025-01-01T12:00:00.000+00:00,20250101T120000-1a2b3c,lstm,0,1,2,-1

Moves are 0 rock, 1 paper, 2 scissors; outcome is from the person's view (+1 win).
Each row is written, flushed and fsync'ed before the next round, so a crash loses at
most the round being written; the loader then reports that truncated line and keeps
every other one.

The reference chapter's data.txt format is one game per line, the person's moves as
digits 0-2. Imported games are kept in ``user_dir("rps")/imported.txt`` (same format).
"""

from __future__ import annotations

import csv
import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from game.errors import UserFacingError
from game.fileio import atomic_write_text
from game.paths import user_dir
from game.sim.rps import outcome

GAMES_FILE = "games.csv"
IMPORTED_FILE = "imported.txt"
FIELDS = ("time", "session", "opponent", "round", "human", "ai", "outcome")
HEADER = ",".join(FIELDS)


@dataclass(frozen=True)
class GameRound:
    time: str
    session: str
    opponent: str
    round: int
    human: int
    ai: int
    outcome: int  # person's view


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
    """

    def __init__(self, opponent: str, session: str | None = None, path: Path | None = None):
        # Registry names never hold commas; keep a free-form name from breaking the row.
        self.opponent = " ".join(opponent.replace(",", " ").split()) or "unknown"
        self.session = session or new_session_id()
        self.path = Path(path) if path is not None else games_path()
        self.rounds = 0
        self._file = _open_append(self.path, HEADER)

    def record(self, human: int, ai: int) -> GameRound:
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
        )
        values = [str(getattr(row, name)) for name in FIELDS]
        self._file.write((",".join(values) + "\n").encode())
        _sync(self._file)  # each round is on disk before the next one is played
        self.rounds += 1
        return row

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def __enter__(self) -> GameRecorder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _parse_row(fields: list[str]) -> GameRound:
    """One CSV row -> GameRound; ValueError saying what is wrong."""
    if len(fields) != len(FIELDS):
        raise ValueError(f"expected {len(FIELDS)} fields ({HEADER}), found {len(fields)}")
    values = dict(zip(FIELDS, fields, strict=True))
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
    return GameRound(values["time"], values["session"], values["opponent"], **ints)


def load_games(path: Path | None = None) -> tuple[list[GameRound], list[LineProblem]]:
    """Every readable round in the games file, plus a problem per unreadable line.

    A missing file is an empty history. Nothing readable is ever dropped.
    """
    path = Path(path) if path is not None else games_path()
    if not path.exists():
        return [], []
    rounds: list[GameRound] = []
    problems: list[LineProblem] = []
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        lines = f.read().split("\n")
    torn = lines[-1] != ""  # the file should end with a newline
    for number, line in enumerate(lines, start=1):
        text = line.rstrip("\r")
        if not text or (number == 1 and text == HEADER):
            continue
        try:
            rounds.append(_parse_row(next(csv.reader([text]))))
        except ValueError as e:
            note = (
                " (truncated last line: the game was interrupted)"
                if torn and (number == len(lines))
                else ""
            )
            problems.append(LineProblem(path, number, f"{e}{note}"))
    return rounds, problems


def sessions(rounds: Iterable[GameRound]) -> dict[str, list[GameRound]]:
    """Rounds grouped by session, in file order."""
    grouped: dict[str, list[GameRound]] = {}
    for r in rounds:
        grouped.setdefault(r.session, []).append(r)
    return grouped


def human_sequences(rounds: Iterable[GameRound]) -> list[list[int]]:
    """The person's moves, one list per session (the data.txt view of saved games)."""
    return [[r.human for r in group] for group in sessions(rounds).values()]


def parse_data_txt(path: Path | str) -> tuple[list[list[int]], list[LineProblem]]:
    """Read a data.txt file: one game per line, digits 0-2. Blank lines are skipped.

    A malformed line is reported with its line number; every good line is kept.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise UserFacingError(f"cannot read {path}: {e.strerror or e}") from None
    text = raw.decode("utf-8", errors="replace")
    games: list[list[int]] = []
    problems: list[LineProblem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        game = line.strip()
        if not game:
            continue
        bad = next((i for i, ch in enumerate(game) if ch not in "012"), None)
        if bad is not None:
            problems.append(
                LineProblem(
                    path,
                    number,
                    f"unexpected character {game[bad]!r} at column {bad + 1} "
                    "(a game is a line of digits 0, 1, 2)",
                )
            )
            continue
        games.append([int(ch) for ch in game])
    return games, problems


def format_data_txt(games: Iterable[Sequence[int]]) -> str:
    return "".join("".join(str(int(m)) for m in game) + "\n" for game in games if len(game))


def write_data_txt(path: Path | str, games: Iterable[Sequence[int]]) -> None:
    """Write games in data.txt format, atomically (a crash leaves the old file intact).

    The folder must exist: a typo in it is an error, not a new folder somewhere.
    """
    path = Path(path)
    if path.is_dir():
        raise UserFacingError(f"{path} is a folder; give a file name, e.g. {path / 'data.txt'}")
    if not path.parent.is_dir():
        raise UserFacingError(f"{path.parent}: no such folder")
    try:
        atomic_write_text(path, format_data_txt(games))
    except OSError as e:
        raise UserFacingError(f"cannot write {path}: {e.strerror or e}") from None


def import_data_txt(source: Path | str) -> tuple[int, list[LineProblem]]:
    """Append the good games of a data.txt file to the imported games; return (count, problems)."""
    games, problems = parse_data_txt(source)
    if not games:
        detail = f"; first problem: {problems[0]}" if problems else ""
        raise UserFacingError(f"{source}: no games found (one line of digits 0-2 each){detail}")
    with _open_append(imported_path(), header=None) as f:
        f.write(format_data_txt(games).encode())
        _sync(f)
    return len(games), problems


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
    """Write all saved and imported games to `destination` in data.txt format."""
    games, problems = training_sequences()
    if not games:
        raise UserFacingError(f"no saved games to export (looked in {user_dir('rps')})")
    write_data_txt(destination, games)
    return len(games), problems
