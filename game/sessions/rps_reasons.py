"""Why an agent played its move, in words a person can check against the round.

`play_round` plays one round of a Match and keeps each agent's `reason()` (agents.rps.base
.MoveReason: the strategy that chose the move, what it expected the other side to play and
how sure it was, the move played). `explain` turns that into the lines a screen shows after
the reveal. The rule that keeps it honest: "read you" is said only when the prediction that
chose the move was the other side's actual move; an agent that cannot say why (reason() is
None) gets its model's expectation, plainly labelled, and no claim either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from game.sim.rps import MOVE_NAMES, Match, Round, beats


@dataclass(frozen=True)
class Played:
    """One round and, for each side, why its agent played its move (None: it cannot say)."""

    round: Round
    reason_a: Any = None  # agents.rps.base.MoveReason | None
    reason_b: Any = None


def reason_of(agent: Any, played: int) -> Any:
    """The agent's MoveReason for the move it just played, or None.

    A reason whose `played` is not the move on the table is dropped rather than shown: the
    screen must never explain a move the agent did not make.
    """
    ask = getattr(agent, "reason", None)
    if agent is None or ask is None:
        return None
    reason = ask()
    if reason is None or getattr(reason, "played", None) != played:
        return None
    return reason


def play_round(match: Match, move_a: int | None = None) -> Played:
    """`match.step(move_a)` plus both agents' reasons (asked once the round is played: a
    reason describes the last act(), which observe() does not change)."""
    rnd = match.step(move_a=move_a)
    return Played(rnd, reason_of(match.agent_a, rnd.move_a), reason_of(match.agent_b, rnd.move_b))


@dataclass(frozen=True)
class Explanation:
    """What a screen says about one side's move after the reveal.

    `expected`: the prediction behind the move; `verdict`: the other side's actual move and
    (only from a reason) whether the prediction read it; `move`: the move played and why;
    `chooser`: the strategy that chose it ("" when unknown). `read` is True / False from a
    reason with a prediction, None when no claim is made. `from_reason`: the agent said why
    (else only its model's expectation is known).
    """

    expected: str
    verdict: str
    move: str
    chooser: str
    read: bool | None
    from_reason: bool = True

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(t for t in (self.expected, self.verdict, self.move, self.chooser) if t)

    @property
    def text(self) -> str:
        return "  ".join(self.lines)


def _percent(p: float | None) -> str:
    return "" if p is None else f" ({100 * p:.0f}%)"


def explain(
    reason: Any,
    pred: np.ndarray | None,
    played: int,
    actual: int,
    me: str = "I",
    you: str = "you",
) -> Explanation | None:
    """Why `me` played `played` against `you`'s `actual` move.

    `reason` (MoveReason or None) comes first; without one, `pred` (the agent's predict()
    before the round) is shown as its model's expectation, with no read / missed claim.
    None when there is nothing to explain (a fixed-rule bot).
    """
    name, theirs = MOVE_NAMES[played], MOVE_NAMES[actual]
    if reason is not None:
        chooser = f"chosen by: {reason.strategy}" if reason.strategy else ""
        if reason.predicted is None:
            return Explanation(
                f"{me} played {name} without a prediction", f"{you} played {theirs}",
                f"{me} played {name}", chooser, None,
            )  # fmt: skip
        guess = MOVE_NAMES[reason.predicted]
        read = bool(reason.read_opponent(actual))
        verdict = f"{you} played {theirs}: " + (f"{me} read {you}" if read else f"{me} missed")
        why = " to beat it" if played == beats(reason.predicted) else ""
        return Explanation(
            f"{me} expected {you} to play {guess}{_percent(reason.probability)}",
            verdict, f"so {me} played {name}{why}", chooser, read,
        )  # fmt: skip
    if pred is None:
        return None
    pred = np.asarray(pred, dtype=float)
    top = int(np.argmax(pred))
    model = "my model" if me == "I" else f"{me}'s model"
    return Explanation(
        f"{model} expected {MOVE_NAMES[top]}{_percent(float(pred[top]))}",
        f"{you} played {theirs}{_percent(float(pred[actual]))}",
        f"{me} played {name}", "", None, from_reason=False,
    )  # fmt: skip
