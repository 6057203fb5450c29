"""The Tournament screen's run, without pygame: which agents are ticked, rounds per match,
matches per pair (seeds), and the round-robin running in a game.workers.Worker.

    run = TournamentSession(notify=app.toast)
    run.toggle(3); run.step_rounds(+1); run.start()
    ...                      # every frame:
    run.update()             # run.result fills in as each match ends (partial when cancelled)

Every registered agent can be ticked (bots, predictors, meta, LSTMs, classic); `lstm` is
ticked by default when it is registered.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from game.sessions.rps_agents import Notify, agent_names, no_notice
from game.workers import CANCELLED, DONE, FAILED, Worker, WorkerContext

ROUND_CHOICES = (50, 100, 300, 1000, 3000)
SEED_CHOICES = (1, 2, 3, 5)
DEFAULT_PICK = ("rock", "rotate", "beat-last", "de-bruijn", "foxtrot", "frequency", "markov",
                "pattern", "iocaine", "lstm")  # fmt: skip


def nearest(choices: tuple[int, ...], value: int) -> int:
    """Index of the choice nearest `value`."""
    return min(range(len(choices)), key=lambda i: abs(choices[i] - value))


def matches_in(agents: int, seeds: int) -> int:
    """Matches a round-robin of `agents` plays: every pair, `seeds` times."""
    return agents * (agents - 1) // 2 * seeds


def tournament_job(names: list[str], rounds: int, seeds: int):
    """Worker job: the round-robin, sending each finished match (MatchPlayed) with ctx.emit
    and reporting progress."""

    def job(ctx: WorkerContext):
        from agents.rps.tournament import round_robin

        ctx.progress(0.0, f"0 / {matches_in(len(names), seeds)} matches")

        def progress(done: int, total: int) -> None:
            ctx.progress(done / total, f"{done} / {total} matches")

        return round_robin(
            names, rounds=rounds, seeds=seeds, progress=progress, cancel=ctx.cancel,
            on_match=ctx.emit,
        )  # fmt: skip

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
        # agents.rps.tournament.TournamentResult: the matches so far while it runs (complete
        # False), then the final one (partial when cancelled).
        self.result: Any = None
        self._tally: Any = None  # agents.rps.tournament.Tally of the run in progress

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
        from agents.rps.tournament import Tally

        self.result = None
        self._tally = Tally(names, self.rounds, self.seeds)
        job = tournament_job(names, self.rounds, self.seeds)
        self.worker = Worker(job, name="tournament").start()
        return True

    def cancel(self) -> bool:
        """Esc: cancel a running tournament; False when none runs (Esc then leaves)."""
        if not self.running:
            return False
        self.worker.cancel()
        return True

    def note(self) -> str:
        """What the result on screen is: "" when complete, else how far it got and why."""
        if self.result is None or self.result.complete:
            return ""
        played = int(np.sum(~np.isnan(self.result.matches))) - len(self.result.names) * (
            self.result.seeds
        )
        done = f"{played // 2} of {matches_in(len(self.result.names), self.result.seeds)}"
        if self.running:
            return f"running: {done} matches"
        state = self.worker.state if self.worker is not None else CANCELLED
        return f"{'failed' if state == FAILED else 'cancelled'}: partial result, {done} matches"

    def close(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def update(self, dt: float = 0.0) -> None:
        if self.worker is None:
            return
        was_running = self.worker.running
        events = self.worker.poll()
        played = [e.data for e in events if e.kind == "data"]
        if played and self._tally is not None:
            for match in played:
                self._tally.add(match)
            self.result = self._tally.result(complete=False)  # the matrix so far
        if not (was_running and self.worker.finished):
            return
        self._tally = None
        if self.worker.state in (DONE, CANCELLED):
            self.result = self.worker.result  # when cancelled: partial, shown as such
        if self.worker.state == CANCELLED:
            self.notify("tournament cancelled", "info")
        elif self.worker.state == FAILED:
            self.notify(f"tournament failed: {self.worker.error}", "error")
