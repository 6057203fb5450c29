"""Your saved games by difficulty level: how you did at each, and which rounds to train on.

Each saved round keeps the level it was played at (agents.rps.games: novice, standard,
veteran; "" for other opponents and for files saved before levels). Here they are kept
apart: the results per level, from your side (win rate over all rounds, net = wins minus
losses), and a filter that picks the levels "train on my games" learns from.

    results = results_by_level(load_games()[0])     # one LevelResults per level played
    keep = only_levels(rounds, {"novice"})           # the rounds of the chosen levels
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from agents.rps.games import GameRound, sessions
from agents.rps.levels import LEVEL_LABELS, LEVELS

OTHER = ""  # the level of rounds against other opponents, and of rounds saved before levels
OTHER_LABEL = "no level"  # games against other opponents, or saved before levels
OTHER_NAME = "none"  # its name on the command line (--level none)
ALL_LEVELS = (*LEVELS, OTHER)  # the order every list of levels is shown in


def level_label(level: str) -> str:
    """A level as a person reads it: "Novice", ..., "no level" (an unknown one as is)."""
    return LEVEL_LABELS.get(level, OTHER_LABEL if level == OTHER else level)


def level_from_name(name: str) -> str:
    """A level named on the command line ("novice", "none") -> its value in the record."""
    return OTHER if name == OTHER_NAME else name


@dataclass(frozen=True)
class LevelResults:
    """Your results at one level, over every saved round played at it."""

    level: str
    matches: int  # saved sessions (one per Arena match)
    rounds: int
    wins: int
    losses: int
    draws: int

    @property
    def label(self) -> str:
        return level_label(self.level)

    @property
    def win_rate(self) -> float:
        """Share of rounds won (draws count as not won, as in the Arena's score)."""
        return self.wins / self.rounds if self.rounds else 0.0

    @property
    def net(self) -> int:
        return self.wins - self.losses


def _order(level: str) -> tuple[int, str]:
    return (ALL_LEVELS.index(level), "") if level in ALL_LEVELS else (len(ALL_LEVELS), level)


def results_by_level(rounds: Iterable[GameRound]) -> list[LevelResults]:
    """One LevelResults per level that has saved rounds: Novice, Standard, Veteran, no level,
    then any level this version does not know (kept apart, never merged)."""
    grouped: dict[str, list[GameRound]] = {}
    for r in rounds:
        grouped.setdefault(r.level, []).append(r)
    out = []
    for level in sorted(grouped, key=_order):
        rs = grouped[level]
        outcomes = [r.outcome for r in rs]
        out.append(LevelResults(level, len(sessions(rs)), len(rs), outcomes.count(1),
                                outcomes.count(-1), outcomes.count(0)))  # fmt: skip
    return out


def total(results: Iterable[LevelResults]) -> LevelResults:
    """The results of several levels together (level "all")."""
    rs = list(results)
    return LevelResults("all", sum(r.matches for r in rs), sum(r.rounds for r in rs),
                        sum(r.wins for r in rs), sum(r.losses for r in rs),
                        sum(r.draws for r in rs))  # fmt: skip


def only_levels(rounds: Iterable[GameRound], levels: Collection[str] | None) -> list[GameRound]:
    """The rounds played at one of `levels` (None: every round)."""
    if levels is None:
        return list(rounds)
    wanted = set(levels)
    return [r for r in rounds if r.level in wanted]


def levels_phrase(levels: Collection[str] | None) -> str:
    """ "all levels" or "Novice and Veteran" (in the usual order)."""
    if levels is None:
        return "all levels"
    names = [level_label(lv) for lv in sorted(set(levels), key=_order)]
    if not names:
        return "no level"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
