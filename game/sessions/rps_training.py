"""The arena's "Train on my games" as a worker job, and what it reports back.

The training itself is agents.rps.my_games.train_user_card: the person's saved rounds,
weighted, plus a small slice of the default data, with the person's most recent rounds held
out. Its card records next-move accuracy on those held-out rounds before and after; this
module turns that into the line the arena shows. With too few of the person's rounds the
job ends at once with a `TrainingRefused` ("play N more rounds first"), never a failure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agents.rps.my_games import MIN_PERSON_ROUNDS
from agents.training import Phase as TrainingPhase
from agents.training import TrainingProgress
from game.sessions.rps_agents import agent_job
from game.workers import WorkerContext

__all__ = ["MIN_PERSON_ROUNDS", "TrainingDone", "TrainingRefused", "score_line", "train_job"]


@dataclass(frozen=True)
class TrainingRefused:
    """Not enough of the person's rounds to train on (nothing was changed)."""

    message: str


@dataclass(frozen=True)
class TrainingDone:
    """A new model: its card, an `lstm` agent on it (warmed up), the held-out scores."""

    card: Any  # agents.training.ModelCard
    agent: Any
    score: Any = None  # agents.rps.my_games.PersonHoldout | None


def training_progress(ctx: WorkerContext) -> Callable[[TrainingProgress], None]:
    """The trainer's events as worker progress: what it prepares, then fraction and loss."""

    def on_progress(ev: TrainingProgress) -> None:
        if ev.phase is TrainingPhase.DATA and ev.message:
            ctx.progress(None, ev.message)
        elif ev.phase is TrainingPhase.TRAIN and ev.batch:
            loss = "" if ev.loss is None else f"  loss {ev.loss:.2f}"
            ctx.progress(ev.fraction, f"epoch {ev.epoch}/{ev.epochs}{loss}")

    return on_progress


def train_job(seed: int):
    """Worker job for "Train on my games": train on the person's games, then build and warm
    up an `lstm` agent on the new model. Returns TrainingDone or TrainingRefused."""

    def job(ctx: WorkerContext):
        from agents.rps import my_games
        from agents.rps.lstm_agents import user_model_path

        ctx.progress(None, "reading your games...")
        try:
            card = my_games.train_user_card(progress=training_progress(ctx), cancel=ctx.cancel)
        except my_games.NotEnoughRounds as e:
            return TrainingRefused(str(e))
        agent = agent_job("lstm", seed, model_path=user_model_path())(ctx)
        return TrainingDone(card, agent, my_games.PersonHoldout.from_card(card))

    return job


def score_line(score: Any) -> str:
    """The arena's line: held-out next-move accuracy before -> after training."""
    if score is None or score.after is None:
        return ""
    before = "-" if score.before is None else f"{100 * score.before:.0f}%"
    return (
        f"your latest {score.heldout_rounds} rounds: next move guessed "
        f"{before} -> {100 * score.after:.0f}%"
    )
