"""The Arena's "your games by level" panel, without pygame: your results at each difficulty
level from the saved games, and which levels "Train on my games" learns from.

The saved games are read in a worker (`read_job`, a big games.csv must not freeze the
screen); the panel then holds a `LevelChoice`: one row per level played (Novice, Standard,
Veteran, no level), every row ticked at first, so the default trains on all your games.
Unreadable lines of the file are listed as `problems` (file:line: why), the rest is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.rps.level_stats import LevelResults, levels_phrase, results_by_level, total
from game.textfmt import short_path
from game.workers import WorkerContext


@dataclass
class LevelChoice:
    """Your results per level and the ticked levels."""

    results: list[LevelResults]
    problems: list[str] = field(default_factory=list)
    ticked: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, results: list[LevelResults], problems: list[str] | None = None) -> LevelChoice:
        """Every level played, all ticked."""
        return cls(results, list(problems or []), {r.level for r in results})

    def toggle(self, index: int) -> None:
        """Tick / untick the level of row `index`."""
        if 0 <= index < len(self.results):
            self.ticked ^= {self.results[index].level}

    def is_ticked(self, level: str) -> bool:
        return level in self.ticked

    @property
    def all_ticked(self) -> bool:
        return all(r.level in self.ticked for r in self.results)

    @property
    def levels(self) -> set[str] | None:
        """What to train on: None (every saved round) when all are ticked, else the ticked
        levels."""
        return None if self.all_ticked else set(self.ticked)

    @property
    def ticked_rounds(self) -> int:
        return sum(r.rounds for r in self.results if r.level in self.ticked)

    @property
    def total(self) -> LevelResults:
        return total(self.results)

    def phrase(self) -> str:
        """The ticked levels in words: "all levels", "Novice and Veteran"."""
        return levels_phrase(self.levels)


def read_job():
    """Worker job: read the saved games into a LevelChoice (bad lines become problems)."""

    def job(ctx: WorkerContext) -> LevelChoice:
        from agents.rps.games import load_games

        ctx.progress(None, "reading your games...")
        rounds, problems = load_games()
        lines = [f"{short_path(p.path)}:{p.line}: {p.message}" for p in problems]
        return LevelChoice.of(results_by_level(rounds), lines)

    return job
