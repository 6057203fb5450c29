"""The arena's "Train on my games" as a worker job, and what it reports back.

The training itself is agents.rps.my_games.train_user_card: the person's saved rounds,
weighted, plus a small slice of the default data, with the person's most recent rounds held
out. Its card records next-move accuracy on those held-out rounds before and after; this
module turns that into the line the arena shows, with the number of rounds it rests on, and
no figures at all below MIN_SCORED_ROUNDS held-out rounds (agents.rps.my_games). With too
few of the person's rounds the job ends at once with a `TrainingRefused` ("play N more
rounds first"), never a failure.

The new agent then catches up on the match being played (`catch_up`: it observes every
round so far, as if it had played them), so the arena swaps it in and the score goes on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from agents.rps.my_games import MIN_PERSON_ROUNDS, MIN_SCORED_ROUNDS
from agents.training import Phase as TrainingPhase
from agents.training import TrainingProgress
from game.sessions.rps_agents import agent_job
from game.workers import WorkerContext

__all__ = [
    "MIN_PERSON_ROUNDS", "MIN_SCORED_ROUNDS", "History", "TrainingDone", "TrainingRefused",
    "catch_up", "score_line", "train_job",
]  # fmt: skip

# A match's rounds as (AI move, person move), with the match's number (see ArenaSession).
History = tuple[int, list[tuple[int, int]]]


@dataclass(frozen=True)
class TrainingRefused:
    """Not enough of the person's rounds to train on (nothing was changed)."""

    message: str


@dataclass(frozen=True)
class TrainingDone:
    """A new model: its card, an `lstm` agent on it (warmed up), the held-out scores, and
    which match's rounds the agent has already caught up on: (match number, rounds)."""

    card: Any  # agents.training.ModelCard
    agent: Any
    score: Any = None  # agents.rps.my_games.PersonHoldout | None
    caught_up: tuple[int, int] = (-1, 0)


def training_progress(ctx: WorkerContext) -> Callable[[TrainingProgress], None]:
    """The trainer's events as worker progress: what it prepares, then fraction and loss."""

    def on_progress(ev: TrainingProgress) -> None:
        if ev.phase is TrainingPhase.DATA and ev.message:
            ctx.progress(None, ev.message)
        elif ev.phase is TrainingPhase.TRAIN and ev.batch:
            loss = "" if ev.loss is None else f"  loss {ev.loss:.2f}"
            ctx.progress(ev.fraction, f"epoch {ev.epoch}/{ev.epochs}{loss}")

    return on_progress


def catch_up(agent: Any, moves: list[tuple[int, int]]) -> None:
    """Let `agent` observe rounds (its move, the opponent's move) it did not play, so that it
    takes over a match where it stands."""
    for own, opp in moves:
        agent.observe(own=own, opponent=opp)


def train_job(
    seed: int,
    history: Callable[[], History] | None = None,
    levels: Collection[str] | None = None,
):
    """Worker job for "Train on my games": train on the person's games (those played at
    `levels`; None: all), then build and warm up an `lstm` agent on the new model and let it
    catch up on `history()` (the match being played). Returns TrainingDone or
    TrainingRefused."""

    def job(ctx: WorkerContext):
        from agents.rps import my_games
        from agents.rps.lstm_agents import user_model_path

        ctx.progress(None, "reading your games...")
        try:
            card = my_games.train_user_card(
                progress=training_progress(ctx), cancel=ctx.cancel, levels=levels
            )
        except my_games.NotEnoughRounds as e:
            return TrainingRefused(str(e))
        agent = agent_job("lstm", seed, model_path=user_model_path())(ctx)
        no, moves = history() if history is not None else (-1, [])
        ctx.progress(None, f"catching up on this match's {len(moves)} rounds...")
        catch_up(agent, moves)
        score = my_games.PersonHoldout.from_card(card)
        return TrainingDone(card, agent, score, (no, len(moves)))

    return job


def margin(rounds: int) -> float:
    """The 95 % margin of an accuracy measured on `rounds` rounds, at its widest (p = 0.5)."""
    return 1.96 * math.sqrt(0.25 / rounds)


def score_line(score: Any) -> str:
    """The arena's line: held-out next-move accuracy before -> after training, with the
    rounds it rests on and its margin; below MIN_SCORED_ROUNDS rounds, why no figure shows."""
    if score is None or score.after is None:
        return ""
    n = score.heldout_rounds
    if n < MIN_SCORED_ROUNDS:
        need = MIN_SCORED_ROUNDS
        return f"accuracy hidden: {n} held-out rounds are too few to tell (needs {need})"
    before = "-" if score.before is None else f"{100 * score.before:.0f}%"
    return (
        f"next move guessed {before} -> {100 * score.after:.0f}% "
        f"(+/-{100 * margin(n):.0f} pts), {n} held-out rounds"
    )
