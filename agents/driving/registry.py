"""The model registry: every driving model with what its card and the scoreboard say, and the
rules for renaming and deleting them.

    for info in list_models(Scoreboard.load()):
        print(info.name, info.architecture, info.autonomy_pct, info.laps_total_s)
    rename_model(path, "steady-driver")     # the model, its card and its training log together
    delete_model(path)                      # all three; a shipped model is refused

A model's scores live in the user folder's scoreboard.json, keyed by the model file's SHA-256:
a renamed file keeps its scores and a retrained one (other bytes) starts without. Each model
drives every suite track in cruise mode (lane keeping: autonomy, |offset|) and race mode (its
own pace, for a model with a speed output: lap times). Pure Python:
no TensorFlow, no pygame (the evaluation runs are game.sessions.models' worker).
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from agents.driving.model_catalog import ModelEntry, available_models
from agents.modelio import card_path, file_stamp
from agents.training import training_log_path
from game.errors import UserFacingError
from game.fileio import atomic_write_text, locked, read_json_file, set_aside
from game.paths import user_dir, user_home

# --- the scoreboard's suite: the same runs for every model --------------------------------------
# Two shipped tracks and two generated ones held out of the shipped model's training data
# (it was built on gen:1000-1040); one lap each, in both of `evaluate`'s modes: cruise (lane
# keeping at the car's cruise speed, whatever pedals a model has: autonomy and |offset|) and
# race (a model with a speed output drives its own pace: lap times). A steering-only model
# holds cruise speed in race mode too, so its race run is its cruise run plus lap times.
SUITE_TRACKS = ("oval", "kidney", "gen:5000", "gen:5001")
SUITE_MODES = ("cruise", "race")
SUITE_LAPS = 1
SUITE_SEED = 0
SUITE_LOOK = "day"
# 2: runs in both modes, race mode letting a model's speed output drive. Version 1's runs
# (race mode only, schema 1's "runs") stay in the file but are not shown.
SUITE_VERSION = 2
SCOREBOARD_FILE = "scoreboard.json"
SCOREBOARD_SCHEMA = 2
MAX_SCOREBOARD_BYTES = 5_000_000

NAME_CHARS = 60
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
# Names Windows will not create a file under, whatever the extension.
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{d}{i}" for d in ("com", "lpt") for i in range(10)}


# --- names -------------------------------------------------------------------------------------


def check_name(text: str) -> str:
    """A model name typed by the user (".h5" may be left on), or UserFacingError saying why not:
    letters, digits, "-" and "_", starting with a letter or digit, at most 60 characters."""
    name = text.strip()
    if name.lower().endswith(".h5"):
        name = name[:-3]
    if not name:
        raise UserFacingError("a model name cannot be empty")
    if len(name) > NAME_CHARS:
        raise UserFacingError(f"{name[:20]}...: a model name has at most {NAME_CHARS} characters")
    if not _NAME_RE.fullmatch(name):
        raise UserFacingError(
            f"{name!r}: a model name uses letters, digits, '-' and '_' only, and starts with a "
            "letter or digit"
        )
    if name.lower() in _RESERVED:
        raise UserFacingError(f"{name!r}: a name some systems reserve for devices; pick another")
    return name


def companions(path: Path) -> list[Path]:
    """A model file and the files that travel with it: its card and its training log."""
    return [path, card_path(path), training_log_path(path)]


def _taken(folder: Path, name: str, mine: Path | None = None) -> Path | None:
    """A file in `folder` that already uses `name` as model, card or log (case-blind), other
    than `mine`'s own files."""
    own = {p.name for p in companions(mine)} if mine is not None else set()
    try:
        names = [e.name for e in os.scandir(folder)]
    except OSError:
        return None
    for n in names:
        if n not in own and n.lstrip(".").split(".")[0].lower() == name.lower():
            return folder / n
    return None


# --- model file hashes (cached: a 3 MB model hashes in a few ms, the list asks every refresh) --

_sha_cache: dict[tuple[str, int, int], str] = {}
_sha_lock = threading.Lock()


def model_sha256(path: Path) -> str:
    """The SHA-256 of a model file (OSError when it cannot be read)."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    with _sha_lock:
        if key in _sha_cache:
            return _sha_cache[key]
    sha = file_stamp(path)["sha256"]
    with _sha_lock:
        _sha_cache[key] = sha
    return sha


# --- scores ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackScore:
    """One scoreboard result: a model on one suite track in one mode, as
    `evaluate --mode MODE --json` prints it."""

    track: str  # the track spec (oval, gen:5000)
    mode: str  # "cruise" or "race"
    result: Mapping[str, Any]  # EvalResult.to_json()

    @property
    def autonomy_pct(self) -> float | None:
        return _num(self.result.get("autonomy_pct"))

    @property
    def mean_abs_offset_m(self) -> float | None:
        return _num(self.result.get("mean_abs_offset_m"))

    @property
    def best_lap_s(self) -> float | None:
        return _num(self.result.get("best_lap_s"))

    @property
    def interventions(self) -> int | None:
        n = _num(self.result.get("interventions"))
        return int(n) if n is not None else None


def _num(v: Any) -> float | None:
    ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    return float(v) if ok else None


def suite_key(mode: str) -> dict[str, Any]:
    """What makes two runs comparable; a result of another suite is not shown."""
    return {"version": SUITE_VERSION, "laps": SUITE_LAPS, "mode": mode, "seed": SUITE_SEED,
            "look": SUITE_LOOK}  # fmt: skip


Scores = Mapping[tuple[str, str], TrackScore]  # (track, mode) -> result


class Scoreboard:
    """scoreboard.json in the user folder: model SHA-256 -> mode -> track -> result
    (`models[sha]["by_mode"]`; schema 1's race-only `runs` are kept but not read). Thread-safe:
    the scoreboard worker records while the screen reads. A broken file is reported in
    `problem` (its readable models are kept) and set aside as scoreboard.json.broken-N the
    first time new results are saved (game.fileio.set_aside). Each result is saved under the
    file's lock, merged with what another program saved meanwhile."""

    def __init__(self, path: Path, data: dict[str, Any] | None = None, problem: str = "") -> None:
        self.path = path
        self.models: dict[str, dict[str, Any]] = (data or {}).get("models", {})
        self.problem = problem
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path | None = None) -> Scoreboard:
        path = path or user_home() / SCOREBOARD_FILE
        models, problem = _read_scoreboard(path)
        return cls(path, {"models": models}, problem)

    def scores(self, sha: str | None) -> dict[tuple[str, str], TrackScore]:
        """A model's results by (track, mode): only runs of the current suite."""
        if sha is None:
            return {}
        with self._lock:
            by_mode = self.models.get(sha, {}).get("by_mode")
            out = {}
            for mode in SUITE_MODES:
                runs = by_mode.get(mode) if isinstance(by_mode, dict) else None
                for track, r in runs.items() if isinstance(runs, dict) else ():
                    if isinstance(r, dict) and r.get("suite") == suite_key(mode):
                        result = r.get("result")
                        out[track, mode] = TrackScore(
                            track, mode, dict(result) if isinstance(result, dict) else {}
                        )
            return out

    def record(
        self, sha: str, name: str, track: str, mode: str, result: Mapping[str, Any],
        shared_with: str = "",
    ) -> None:  # fmt: skip
        """Add one result and save the file at once (a cancelled scoreboard keeps what
        finished). `shared_with`: the mode of the run this result also came from (a
        steering-only model's one run counts for cruise and race)."""
        run: dict[str, Any] = {"suite": suite_key(mode), "result": dict(result), "when": _now()}
        if shared_with:
            run["shared_with"] = shared_with
        with self._lock, locked(self.path):
            # Under the file's lock: re-read it (another program may have added results),
            # put this one result in, write the merge. A file not read whole is set aside.
            models, problem = _read_scoreboard(self.path)
            if problem:
                set_aside(self.path)
            entry = models.setdefault(sha, {})
            entry["name"] = name  # the name last seen, for a person reading the file
            by_mode = entry.get("by_mode")
            if not isinstance(by_mode, dict):
                by_mode = entry["by_mode"] = {}
            runs = by_mode.get(mode)
            if not isinstance(runs, dict):
                runs = by_mode[mode] = {}
            runs[track] = run
            atomic_write_text(
                self.path, _dumps({"schema_version": SCOREBOARD_SCHEMA, "models": models})
            )
            self.models, self.problem = models, ""


def _read_scoreboard(path: Path) -> tuple[dict[str, dict[str, Any]], str]:
    """The readable models of a scoreboard file, and a message naming the file when it could
    not be read whole ("" for a good or missing file); an entry that is not an object is
    dropped and named."""
    if not path.exists():
        return {}, ""
    try:
        data = read_json_file(path, "scoreboard", MAX_SCOREBOARD_BYTES)
    except UserFacingError as e:
        return {}, str(e)
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        return {}, f'{path}: not a scoreboard (no "models" object)'
    models = {k: v for k, v in data["models"].items() if isinstance(v, dict)}
    dropped = [k for k in data["models"] if k not in models]
    if not dropped:
        return models, ""
    names = ", ".join(k[:16] for k in dropped[:3]) + (" ..." if len(dropped) > 3 else "")
    return models, f"{path}: dropped {len(dropped)} entry(ies) that are not objects ({names})"


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _dumps(data: Any) -> str:
    import json

    return json.dumps(data, indent=1, sort_keys=True) + "\n"


# --- the listing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelInfo:
    """One model as the Models screen and `models` list it: the card's facts and its scores."""

    entry: ModelEntry
    sha256: str | None = None  # None when the file cannot be read
    problem: str = ""  # a broken card, a card for another file, an unreadable model
    scores: Scores = field(default_factory=dict)  # (track, mode) -> result

    path = property(lambda self: self.entry.path)
    name = property(lambda self: self.entry.name)
    shipped = property(lambda self: self.entry.shipped)
    card = property(lambda self: self.entry.card)

    @property
    def architecture(self) -> str:
        return self.entry.architecture or "?"

    def _detail(self, key: str) -> Any:
        return self.card.details.get(key) if self.card is not None else None

    @property
    def network_text(self) -> str:
        """The conv filters the card's network recipe gives (e.g. "filters 12-18-24-32-32,
        PilotNet x0.5") and the parameter count; "" when the card names no recipe, and what
        is wrong with it when it cannot be read."""
        from agents.driving.models import network_from_card
        from game.errors import UserFacingError

        try:
            where = f"{self.path.stem}.card.json"
            card = self.card
            recipe = network_from_card(card.details, where) if card is not None else None
        except UserFacingError as e:
            return str(e)
        if recipe is None:
            return ""
        filters = "-".join(str(f) for f, _, _ in recipe.layers())
        text = f"filters {filters}, PilotNet x{recipe.width:g}"
        params = self._detail("params")
        return text + (f", {params:,} params" if isinstance(params, int) else "")

    @property
    def sessions(self) -> int | None:
        s = self._detail("sessions")
        return len(s) if isinstance(s, list) else None

    @property
    def frames(self) -> int | None:
        f = self._detail("frames")
        total = f.get("total") if isinstance(f, dict) else None
        return total if isinstance(total, int) else None

    @property
    def training_seconds(self) -> float | None:
        return self.card.training_seconds if self.card is not None else None

    @property
    def fine_tuned_from(self) -> str:
        f = self._detail("fine_tuned_from")
        return Path(f).stem if isinstance(f, str) and f else ""

    @property
    def created(self) -> datetime | None:
        return datetime.fromtimestamp(self.entry.created) if self.entry.created else None

    @property
    def teach_result(self) -> Mapping[str, Any] | None:
        """Teach's result card saved with the model (save_teach_result), as stored."""
        r = self._detail(TEACH_RESULT_KEY)
        return r if isinstance(r, Mapping) else None

    @property
    def has_speed_output(self) -> bool:
        """The card says the model sets its own speed (an "outputs" entry): its cruise and
        race runs differ. Only a hint for screens; the scoreboard asks the loaded driver."""
        return isinstance(self._detail("outputs"), dict)

    # The suite's figures so far: lane keeping from the cruise runs, race pace from the race
    # runs (a steering-only model's one race run is recorded for both).
    def score(self, track: str, mode: str) -> TrackScore | None:
        return self.scores.get((track, mode))

    def tracks_scored(self, mode: str) -> int:
        return sum((t, mode) in self.scores for t in SUITE_TRACKS)

    @property
    def runs_scored(self) -> int:
        """Suite results in, out of len(SUITE_TRACKS) * len(SUITE_MODES)."""
        return sum(self.tracks_scored(m) for m in SUITE_MODES)

    def _values(self, mode: str, key: str) -> list[float]:
        vals = [getattr(self.scores.get((t, mode)), key, None) for t in SUITE_TRACKS]
        return [v for v in vals if v is not None]

    def _mean(self, mode: str, key: str) -> float | None:
        vals = self._values(mode, key)
        return sum(vals) / len(vals) if vals else None

    @property
    def autonomy_pct(self) -> float | None:
        """Mean autonomy of the cruise runs so far."""
        return self._mean("cruise", "autonomy_pct")

    @property
    def mean_abs_offset_m(self) -> float | None:
        """Mean |offset| of the cruise runs so far."""
        return self._mean("cruise", "mean_abs_offset_m")

    @property
    def laps_total_s(self) -> float | None:
        """The race runs' best laps added up, once every suite track has one."""
        laps = self._values("race", "best_lap_s")
        return sum(laps) if len(laps) == len(SUITE_TRACKS) else None

    @property
    def race_interventions(self) -> int | None:
        """Interventions in the race runs so far (None before the first)."""
        n = self._values("race", "interventions")
        return int(sum(n)) if n else None

    # Text for tables (the screen and the CLI show the same words).
    @property
    def data_text(self) -> str:
        if self.frames is None:
            return "-"
        s = self.sessions
        return f"{s} sess, {self.frames:,} fr" if s is not None else f"{self.frames:,} frames"

    @property
    def time_text(self) -> str:
        t = self.training_seconds
        if t is None:
            return "-"
        return f"{t:.0f} s" if t < 90 else f"{t / 60:.0f} min" if t < 5400 else f"{t / 3600:.1f} h"

    @property
    def created_text(self) -> str:
        return self.created.strftime("%Y-%m-%d %H:%M") if self.created is not None else "-"

    @property
    def autonomy_text(self) -> str:
        a = self.autonomy_pct
        return "-" if a is None else f"{a:.1f}%"

    @property
    def offset_text(self) -> str:
        m = self.mean_abs_offset_m
        return "-" if m is None else f"{m * 100:.1f} cm"

    @property
    def laps_text(self) -> str:
        total = self.laps_total_s
        if total is not None:
            return f"{total:.1f} s"
        n, of = self.tracks_scored("race"), len(SUITE_TRACKS)
        if n < of:
            return f"{n}/{of} tracks" if n else "-"
        return f"{len(self._values('race', 'best_lap_s'))}/{of} laps"  # some run never finished

    @property
    def race_interventions_text(self) -> str:
        n = self.race_interventions
        return "-" if n is None else str(n)


def _info(entry: ModelEntry, board: Scoreboard | None) -> ModelInfo:
    try:
        sha = model_sha256(entry.path)
    except OSError as e:
        return ModelInfo(entry, None, f"{entry.path}: cannot read the model ({e.strerror or e})")
    problem = entry.problem
    stamp = entry.card.model_file if entry.card is not None else None
    if not problem and stamp and stamp.get("sha256") not in (None, sha):
        problem = (
            f"{card_path(entry.path)}: this card was written for another version of "
            f"{entry.path.name} (an interrupted save?); delete the card or retrain the model"
        )
    return ModelInfo(entry, sha, problem, board.scores(sha) if board is not None else {})


def list_models(board: Scoreboard | None = None) -> list[ModelInfo]:
    """Every driving model, in available_models() order (yours newest first, then shipped),
    with its scores from `board`. A broken card or unreadable file is listed with its problem."""
    return [_info(e, board) for e in available_models()]


def find_model(name: str) -> ModelInfo:
    """A model by name (the file name without .h5; case-blind when that is unambiguous)."""
    wanted = name.strip()
    wanted = wanted[:-3] if wanted.lower().endswith(".h5") else wanted
    models = list_models()
    exact = [m for m in models if m.name == wanted]
    loose = exact or [m for m in models if m.name.lower() == wanted.lower()]
    mine = [m for m in loose if not m.shipped]
    if len(mine) == 1 or (len(loose) == 1):
        return (mine or loose)[0]
    if not loose:
        known = ", ".join(m.name for m in models) or "none yet"
        raise UserFacingError(f"no model named {wanted!r} (models: {known})")
    raise UserFacingError(f"{wanted!r} names several models; use the exact name")


# --- Teach's result card ------------------------------------------------------------------------

TEACH_RESULT_KEY = "teach_result"  # the card's key for Teach's result (game.sessions.teach_result)


def save_teach_result(path: Path, result: Mapping[str, Any]) -> Path:
    """Save Teach's result card into the model's card JSON (the model's stamp stays: the
    model file is unchanged). A shipped model is refused; returns the card's path."""
    from agents.modelio import read_card, write_card

    _refuse_shipped(path, "given a result card")
    card = read_card(path, verify=False) or {"kind": "driving"}  # no card: still a driving model
    card[TEACH_RESULT_KEY] = dict(result)
    try:
        return write_card(path, card)
    except OSError as e:
        raise UserFacingError(
            f"{card_path(path).name}: cannot save the result card ({e.strerror or e})"
        ) from None


# --- rename and delete -------------------------------------------------------------------------


def _refuse_shipped(path: Path, doing: str) -> None:
    folder = user_dir("models").resolve()
    # The folder the entry is in, not where a link points: a linked user model is the user's.
    if path.absolute().parent.resolve() != folder:
        raise UserFacingError(
            f"{path.stem} is a shipped model: it is read-only and cannot be {doing} "
            "(fine-tune it in Train to make your own copy)"
        )


def rename_model(path: Path, new_name: str) -> Path:
    """Rename a user model with its card and training log; returns the new model path.
    Refuses shipped models, invalid names and names already used in the folder."""
    _refuse_shipped(path, "renamed")
    name = check_name(new_name)
    if name == path.stem:
        raise UserFacingError(f"{path.stem} already has that name")
    if not path.is_file():
        raise UserFacingError(f"{path}: no such model file")
    # Under the model folder's lock: two renames to one name cannot both pass the check.
    try:
        with locked(path.parent):
            return _rename_unlocked(path, name)
    except OSError as e:
        raise UserFacingError(f"{e.filename or path}: cannot rename ({e.strerror or e})") from None


def _rename_unlocked(path: Path, name: str) -> Path:
    clash = _taken(path.parent, name, mine=path)
    if clash is not None:
        raise UserFacingError(f"{name}: the name is taken ({clash.name} exists); pick another")
    target = path.with_name(f"{name}.h5")
    moves = [(src, dst) for src, dst in zip(companions(path), companions(target), strict=True)
             if src.exists()]  # fmt: skip
    # The card and the log first, the model last: if anything fails, what moved goes back.
    moves = moves[1:] + moves[:1]
    done: list[tuple[Path, Path]] = []
    try:
        for src, dst in moves:
            os.rename(src, dst)
            done.append((src, dst))
    except OSError as e:
        for src, dst in reversed(done):
            try:
                os.rename(dst, src)
            except OSError:
                pass  # the message below names the file that failed; the rest is in place
        raise UserFacingError(
            f"{e.filename or path}: cannot rename ({e.strerror or e}); {path.name} keeps its name"
        ) from None
    return target


def delete_model(path: Path) -> list[Path]:
    """Delete a user model, its card and its training log; returns the files removed.
    Refuses shipped models. The model goes first, so a failure leaves it whole."""
    _refuse_shipped(path, "deleted")
    removed = []
    for p in companions(path):
        try:
            p.unlink()
            removed.append(p)
        except FileNotFoundError:
            continue
        except OSError as e:
            raise UserFacingError(f"{p}: cannot delete ({e.strerror or e})") from None
    if not removed:
        raise UserFacingError(f"{path}: no such model file")
    return removed


__all__ = [
    "ModelInfo", "SUITE_LAPS", "SUITE_LOOK", "SUITE_MODES", "SUITE_SEED", "SUITE_TRACKS",
    "SUITE_VERSION", "Scoreboard", "Scores", "TEACH_RESULT_KEY", "TrackScore", "check_name",
    "companions", "save_teach_result",
    "delete_model", "find_model", "list_models", "model_sha256", "rename_model", "suite_key",
]  # fmt: skip
