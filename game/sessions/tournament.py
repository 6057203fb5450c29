"""The Tournament screen's run, without pygame: which agents are ticked, rounds per match,
matches per pair (seeds), and the round-robin running in a game.workers.Worker.

    run = TournamentSession(notify=app.toast)
    run.toggle(3); run.step_rounds(+1); run.start()
    ...                      # every frame:
    run.update()             # the result arrives in run.result (partial when cancelled)
"""

from __future__ import annotations

from typing import Any

from game.sessions.rps import Notify, agent_names, no_notice
from game.workers import CANCELLED, DONE, FAILED, Worker, WorkerContext

ROUND_CHOICES = (50, 100, 300, 1000, 3000)
SEED_CHOICES = (1, 2, 3, 5)
DEFAULT_PICK = ("rock", "rotate", "beat-last", "de-bruijn", "foxtrot", "frequency", "markov",
                "pattern", "iocaine")  # fmt: skip


def nearest(choices: tuple[int, ...], value: int) -> int:
    """Index of the choice nearest `value`."""
    return min(range(len(choices)), key=lambda i: abs(choices[i] - value))


def matches_in(agents: int, seeds: int) -> int:
    """Matches a round-robin of `agents` plays: every pair, `seeds` times."""
    return agents * (agents - 1) // 2 * seeds


def tournament_job(names: list[str], rounds: int, seeds: int):
    """Worker job: the round-robin, reporting each finished match."""

    def job(ctx: WorkerContext):
        from agents.rps.tournament import round_robin

        ctx.progress(0.0, f"0 / {matches_in(len(names), seeds)} matches")

        def progress(done: int, total: int) -> None:
            ctx.progress(done / total, f"{done} / {total} matches")

        return round_robin(names, rounds=rounds, seeds=seeds, progress=progress, cancel=ctx.cancel)

    return job


class TournamentSession:
    """The setup (ticked agents, rounds, seeds) and the run; nothing changes while it runs."""

    def __init__(
        self,
        agents: list[str] | None = None,
        rounds: int = 300,
        seeds: int = 1,
        notify: Notify = no_notice,
    ) -> None:
        self.names = agent_names()
        pick = agents if agents is not None else DEFAULT_PICK
        self.selected = {n for n in pick if n in self.names}
        self.rounds_i = nearest(ROUND_CHOICES, rounds)
        self.seeds_i = nearest(SEED_CHOICES, seeds)
        self.notify = notify
        self.worker: Worker | None = None
        self.result: Any = None  # agents.rps.tournament.TournamentResult, once one is in

    @property
    def rounds(self) -> int:
        return ROUND_CHOICES[self.rounds_i]

    @property
    def seeds(self) -> int:
        return SEED_CHOICES[self.seeds_i]

    @property
    def running(self) -> bool:
        return self.worker is not None and self.worker.running

    def chosen(self) -> list[str]:
        """The ticked agents, in list order."""
        return [n for n in self.names if n in self.selected]

    @property
    def can_start(self) -> bool:
        return not self.running and len(self.selected) >= 2

    # --- setup (refused while running) -----------------------------------------------------
    def toggle(self, i: int) -> None:
        if not self.running:
            self.selected ^= {self.names[i]}

    def toggle_all(self) -> None:
        """Tick every agent, or none when all are ticked."""
        if not self.running:
            self.selected = set() if len(self.selected) == len(self.names) else set(self.names)

    def set_rounds(self, rounds: int) -> None:
        if not self.running:
            self.rounds_i = nearest(ROUND_CHOICES, rounds)

    def set_seeds(self, seeds: int) -> None:
        if not self.running:
            self.seeds_i = nearest(SEED_CHOICES, seeds)

    # --- the run ---------------------------------------------------------------------------
    def start(self) -> bool:
        """Run the round-robin between the ticked agents; False (and a message) when it
        cannot start."""
        names = self.chosen()
        if len(names) < 2:
            self.notify("tick at least two agents", "error")
            return False
        if self.running:
            return False
        self.result = None
        job = tournament_job(names, self.rounds, self.seeds)
        self.worker = Worker(job, name="tournament").start()
        return True

    def cancel(self) -> bool:
        """Esc: cancel a running tournament; False when none runs (Esc then leaves)."""
        if not self.running:
            return False
        self.worker.cancel()
        return True

    def close(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def update(self, dt: float = 0.0) -> None:
        if self.worker is None:
            return
        was_running = self.worker.running
        self.worker.poll()
        if not (was_running and self.worker.finished):
            return
        if self.worker.state in (DONE, CANCELLED):
            self.result = self.worker.result  # when cancelled: partial, shown as such
        if self.worker.state == CANCELLED:
            self.notify("tournament cancelled", "info")
        elif self.worker.state == FAILED:
            self.notify(f"tournament failed: {self.worker.error}", "error")
