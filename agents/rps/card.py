""""What it learned about you": a short card in plain words after an Arena match.

The statements come from the habit model (agents.rps.habits.HabitModel) fed the match's
rounds without forgetting (decay 1, no prior), so each percentage is a plain count from the
game record: "after a win you play the same move again 58 % of the time (11 of 19 rounds)".
A statement needs MIN_ROUNDS rounds behind it. Cards are saved beside the games
(``user_dir("rps")/cards.jsonl``, one JSON object a line) with every habit's counts, and the
next card says what changed: each habit it states, against its share last time ("... 58 % of
the time (11 of 19), up from 40 % last time"), and the habits last time's card stated that
this one does not, with their figures now (`Card.faded`).

    card = learned_card(moves, previous=last_card(), session=..., level=...)
    save_card(card)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from agents.rps.habits import HabitModel
from game.paths import user_dir
from game.sim.rps import MOVE_NAMES

CARDS_FILE = "cards.jsonl"
MIN_ROUNDS = 5  # rounds a statement rests on at least
CARD_MIN_ROUNDS = 20  # a match shorter than this gets no card
RARE, OFTEN = 0.2, 0.5  # "rarely" / "often" play a move twice in a row
_AFTER = ("a win", "a draw", "a loss")  # HabitModel's rows, the person's view
_SHIFT_WORDS = (
    "play the same move again",
    "switch to what beats your last move",
    "switch to what your last move beats",
)


STEADY_POINTS = 5  # a change of fewer percentage points than this is "about the same"


def habit_text(key: str) -> str:
    """A habit in neutral words (no "often" / "rarely"), for what changed since last time."""
    kind, _, value = key.partition(": ")
    if kind == "twice":
        name = MOVE_NAMES[int(value)]
        return f"after {name} you play {name} again"
    return f"{kind} you {_SHIFT_WORDS[int(value)]}"


def change_words(share: float, was: float) -> str:
    """ "up from 40 % last time", "down from 70 % last time", "about the same as last time"."""
    now, before = round(100 * share), round(100 * was)
    if abs(now - before) < STEADY_POINTS:
        return f"about the same as last time ({before} %)"
    return f"{'up' if now > before else 'down'} from {before} % last time"


@dataclass(frozen=True)
class Statement:
    key: str  # the same habit on every card: "after a win: 0" (repeat), "twice: 2" (scissors)
    text: str  # without the numbers
    count: int  # rounds that showed the habit
    total: int  # rounds it rests on
    was: float | None = None  # the same habit's share on the previous card

    @property
    def share(self) -> float:
        return self.count / self.total

    def line(self) -> str:
        """The statement in plain words, with its numbers and what changed."""
        text = f"{self.text} {100 * self.share:.0f} % of the time ({self.count} of {self.total})"
        if self.was is not None:
            text += f", {change_words(self.share, self.was)}"
        return text

    def faded_line(self) -> str:
        """A habit the last card stated and this one does not: "...: 0 % now (0 of 19), was
        100 %"."""
        was = "" if self.was is None else f", was {100 * self.was:.0f} %"
        return f"{self.text}: {100 * self.share:.0f} % now ({self.count} of {self.total}){was}"


@dataclass(frozen=True)
class Card:
    session: str
    level: str
    rounds: int
    statements: list[Statement] = field(default_factory=list)
    # Every habit's (count, total) with MIN_ROUNDS behind it, stated or not: the next card
    # compares with these (cards saved before they were kept compare statements only).
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Habits the previous card stated that this one does not, and that changed by
    # STEADY_POINTS or more: their figures now (the previous share in `was`), so the card
    # says what changed, not only what is strong now.
    faded: list[Statement] = field(default_factory=list)
    was_rounds: int = 0  # the previous card's match: its rounds (0: no previous card)
    was_level: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_dict(cls, data: dict) -> Card:
        statements = [Statement(**s) for s in data.get("statements", [])]
        faded = [Statement(**s) for s in data.get("faded", [])]
        counts = {str(k): (int(v[0]), int(v[1])) for k, v in data.get("counts", {}).items()}
        return cls(str(data["session"]), str(data.get("level", "")), int(data["rounds"]),
                   statements, counts, faded, int(data.get("was_rounds", 0)),
                   str(data.get("was_level", "")))  # fmt: skip

    def shares(self) -> dict[str, float]:
        """Each habit's share on this card, for the next card to compare with."""
        out = {k: c / t for k, (c, t) in self.counts.items() if t}
        out.update({st.key: st.share for st in self.statements})
        return out

    def changes(self) -> list[str]:
        """What changed since the previous card, in plain words: the habits stated on both
        cards, then those it stated that are weaker now."""
        both = [st.line() for st in self.statements if st.was is not None]
        return both + [st.faded_line() for st in self.faded]


def read_habits(moves: Sequence[tuple[int, int]]) -> HabitModel:
    """The habit model fed (AI move, person move) rounds, forgetting nothing: plain counts."""
    model = HabitModel(decay=1.0, cell_prior=0.0, flat=0.0)
    for ai, me in moves:
        model.update(own=ai, opp=me)
    return model


def habit_counts(model: HabitModel) -> dict[str, tuple[int, int]]:
    """Every habit's (rounds that showed it, rounds it could show), from the model's counts:
    "after a win: k" (the shift k after a win, 0 repeat) and "twice: m" (m again after m)."""
    out: dict[str, tuple[int, int]] = {}
    for row, after in enumerate(_AFTER):
        counts = model.shifts[row]
        total = round(sum(counts))
        for k in range(3):
            out[f"after {after}: {k}"] = (round(counts[k]), total)
    for m in range(3):
        after_m = [model.cells[row][m] for row in range(3)]
        out[f"twice: {m}"] = (round(sum(c[m] for c in after_m)),
                              round(sum(sum(c) for c in after_m)))  # fmt: skip
    return out


def statements(model: HabitModel) -> list[Statement]:
    """What the model estimates about the person, strongest habits first."""
    counts = habit_counts(model)
    out = []
    for after in _AFTER:
        row = [counts[f"after {after}: {k}"] for k in range(3)]
        total = row[0][1]
        if total < MIN_ROUNDS:
            continue
        k = max(range(3), key=lambda i: row[i][0])
        out.append(Statement(f"after {after}: {k}", f"after {after} you {_SHIFT_WORDS[k]}",
                             row[k][0], total))  # fmt: skip
    twice = []
    for m in range(3):
        count, total = counts[f"twice: {m}"]
        if total >= MIN_ROUNDS:
            twice.append((count / total, m, count, total))
    if twice:
        share, m, count, total = min(twice)
        if share <= RARE:
            out.append(Statement(f"twice: {m}", f"you rarely play {MOVE_NAMES[m]} twice in a "
                                 "row: after it, you play it again", count, total))  # fmt: skip
        share, m, count, total = max(twice)
        if share >= OFTEN:
            out.append(Statement(f"twice: {m}", f"you often play {MOVE_NAMES[m]} twice in a "
                                 "row: after it, you play it again", count, total))  # fmt: skip
    return sorted(out, key=lambda s: -abs(s.share - 1 / 3))


def learned_card(
    moves: Sequence[tuple[int, int]],
    previous: Card | None = None,
    session: str = "",
    level: str = "",
) -> Card:
    """The card for a match's (AI move, person move) rounds; `previous`: the last card, which
    this one compares with (each habit's share then, and the habits it stated that are no
    longer strong enough to state)."""
    model = read_habits(moves)
    before = previous.shares() if previous else {}
    counts = {k: v for k, v in habit_counts(model).items() if v[1] >= MIN_ROUNDS}
    found = [Statement(st.key, st.text, st.count, st.total, before.get(st.key))
             for st in statements(model)]  # fmt: skip
    stated = {s.key for s in found}
    faded = [
        Statement(s.key, habit_text(s.key), *counts[s.key], s.share)
        for s in (previous.statements if previous else [])
        if s.key not in stated and s.key in counts
    ]
    # Only what changed: a habit left off this card but about as strong as last time (another
    # move is now the rarest repeat, say) is no news.
    faded = [s for s in faded if abs(round(100 * s.share) - round(100 * s.was)) >= STEADY_POINTS]
    return Card(session, level, len(moves), found, counts, faded,
                previous.rounds if previous else 0,
                previous.level if previous else "")  # fmt: skip


def cards_path() -> Path:
    return user_dir("rps") / CARDS_FILE


def save_card(card: Card, path: Path | None = None) -> None:
    """Append the card (one line; a failed write loses only this card)."""
    path = path or cards_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(card.to_json() + "\n")


def last_card(path: Path | None = None) -> Card | None:
    """The latest readable card, None when there is none (unreadable lines are skipped)."""
    path = path or cards_path()
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        try:
            return Card.from_dict(json.loads(line))
        except (ValueError, KeyError, TypeError):
            continue
    return None
