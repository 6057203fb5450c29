""""What it learned about you": a short card in plain words after an Arena match.

The statements come from the habit model (agents.rps.habits.HabitModel) fed the match's
rounds without forgetting (decay 1, no prior), so each percentage is a plain count from the
game record: "after a win you play the same move again 58 % of the time (11 of 19 rounds)".
A statement needs MIN_ROUNDS rounds behind it. Cards are saved beside the games
(``user_dir("rps")/cards.jsonl``, one JSON object a line) and the next card says what changed
("last time 40 %").

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


@dataclass(frozen=True)
class Statement:
    key: str  # the same habit on every card: "after a win: repeat", "twice: scissors"
    text: str  # without the numbers
    count: int  # rounds that showed the habit
    total: int  # rounds it rests on
    was: float | None = None  # the same statement's share on the previous card

    @property
    def share(self) -> float:
        return self.count / self.total

    def line(self) -> str:
        """The statement in plain words, with its numbers and what changed."""
        text = f"{self.text} {100 * self.share:.0f} % of the time ({self.count} of {self.total})"
        if self.was is not None:
            text += f"; last time {100 * self.was:.0f} %"
        return text


@dataclass(frozen=True)
class Card:
    session: str
    level: str
    rounds: int
    statements: list[Statement] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_dict(cls, data: dict) -> Card:
        statements = [Statement(**s) for s in data.get("statements", [])]
        return cls(str(data["session"]), str(data.get("level", "")), int(data["rounds"]),
                   statements)  # fmt: skip


def read_habits(moves: Sequence[tuple[int, int]]) -> HabitModel:
    """The habit model fed (AI move, person move) rounds, forgetting nothing: plain counts."""
    model = HabitModel(decay=1.0, cell_prior=0.0, flat=0.0)
    for ai, me in moves:
        model.update(own=ai, opp=me)
    return model


def statements(model: HabitModel) -> list[Statement]:
    """What the model estimates about the person, strongest habits first."""
    out = []
    for row, after in enumerate(_AFTER):
        counts = model.shifts[row]
        total = round(sum(counts))
        if total < MIN_ROUNDS:
            continue
        k = max(range(3), key=lambda i: counts[i])
        out.append(Statement(f"after {after}: {k}", f"after {after} you {_SHIFT_WORDS[k]}",
                             round(counts[k]), total))  # fmt: skip
    twice = []
    for m in range(3):
        after_m = [model.cells[row][m] for row in range(3)]
        total = round(sum(sum(c) for c in after_m))
        if total >= MIN_ROUNDS:
            twice.append((round(sum(c[m] for c in after_m)) / total, m, total))
    if twice:
        share, m, total = min(twice)
        if share <= RARE:
            out.append(Statement(f"twice: {m}", f"you rarely play {MOVE_NAMES[m]} twice in a "
                                 "row: after it, you play it again", round(share * total),
                                 total))  # fmt: skip
        share, m, total = max(twice)
        if share >= OFTEN:
            out.append(Statement(f"twice: {m}", f"you often play {MOVE_NAMES[m]} twice in a "
                                 "row: after it, you play it again", round(share * total),
                                 total))  # fmt: skip
    return sorted(out, key=lambda s: -abs(s.share - 1 / 3))


def learned_card(
    moves: Sequence[tuple[int, int]],
    previous: Card | None = None,
    session: str = "",
    level: str = "",
) -> Card:
    """The card for a match's (AI move, person move) rounds; `previous`: the last card."""
    before = {s.key: s.share for s in previous.statements} if previous else {}
    found = [
        Statement(s.key, s.text, s.count, s.total, before.get(s.key))
        for s in statements(read_habits(moves))
    ]
    return Card(session, level, len(moves), found)


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
