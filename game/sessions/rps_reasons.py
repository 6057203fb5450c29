"""Why an agent played its move, in words a person can check against the round.

`play_round` plays one round of a Match and keeps each agent's `decision()` (agents.rps.base
.Decision: the strategy that chose the move, the odds it used, the move it aimed at, the
move played). `explain` turns that one record into everything a screen shows after the
reveal: the sentence, the bars (the record's own odds) and the plain words for the strategy,
with the technical name on a detail line and the agent's own model (e.g. the LSTM inside a
meta layer) beside it, labelled. The rule that keeps it honest: "read you" is said only when
the prediction that chose the move was the other side's actual move, and every number on
the panel comes from the record that chose the move.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from game.sim.rps import MOVE_NAMES, MOVES, Match, Round, beats

Dist = tuple[float, float, float]


@dataclass(frozen=True)
class Played:
    """One round and, for each side, the Decision that chose its move (None: none given)."""

    round: Round
    decision_a: Any = None  # agents.rps.base.Decision | None
    decision_b: Any = None


def decision_of(agent: Any, played: int) -> Any:
    """The agent's Decision for the move it just played, or None.

    A record whose `played` is not the move on the table is dropped rather than shown: the
    screen must never explain a move the agent did not make.
    """
    ask = getattr(agent, "decision", None)
    if agent is None or ask is None:
        return None
    decision = ask()
    if decision is None or getattr(decision, "played", None) != played:
        return None
    return decision


def play_round(match: Match, move_a: int | None = None) -> Played:
    """`match.step(move_a)` plus both agents' decisions (asked once the round is played: a
    decision describes the last act(), which observe() does not change)."""
    rnd = match.step(move_a=move_a)
    return Played(
        rnd, decision_of(match.agent_a, rnd.move_a), decision_of(match.agent_b, rnd.move_b)
    )


@dataclass(frozen=True)
class Explanation:
    """What a screen says about one side's move after the reveal, all from one Decision.

    `expected`: the prediction behind the move, with its probability; `verdict`: the other
    side's actual move and whether the prediction read it; `move`: the move played and why;
    `why`: the deciding strategy in plain words; `detail`: its technical name; `read`: True /
    False for a decision with a prediction, None when no claim is made. `bars`: the odds the
    deciding strategy used (None: it used none), so the bar of the predicted move is the
    sentence's percentage; `chance`: the probability it gave to the move that came (what a
    confidence chart plots). `model`: the agent's own model's view, labelled ("" if none).
    """

    expected: str
    verdict: str
    move: str
    why: str
    detail: str
    read: bool | None
    bars: Dist | None = None
    chance: float | None = None
    model: str = ""

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(t for t in (self.expected, self.verdict, self.move, self.why) if t)

    @property
    def text(self) -> str:
        return "  ".join(self.lines)


def percent(p: float) -> str:
    return f"{100 * p:.0f}%"


def address(text: str, you: str) -> str:
    """Plain words written to "you" (the other side), re-addressed to another name ("B")."""
    if you == "you":
        return text
    for verb, third in (("tend", "tends"), ("play", "plays"), ("have", "has"), ("were", "was")):
        text = re.sub(rf"\byou {verb}\b", f"{you} {third}", text)
    text = re.sub(r"\byour own\b", f"{you}'s own", text)
    text = re.sub(r"\byour\b", f"{you}'s", text)
    return re.sub(r"\byou\b", you, text)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def model_line(decision: Any) -> str:
    """The agent's own model's view beside the decision, e.g. "LSTM alone: rock 40% ...";
    "" when it has none or it is the deciding view itself."""
    view = getattr(decision, "model_dist", None)
    if view is None:
        return ""
    odds = "  ".join(f"{MOVE_NAMES[m]} {percent(view[m])}" for m in MOVES)
    return f"{decision.model_name} alone (not what chose the move): {odds}"


def explain(decision: Any, actual: int, me: str = "it", you: str = "you") -> Explanation | None:
    """Why `me` played its move against `you`'s `actual` move, from its Decision (None when
    there is none to explain)."""
    if decision is None:
        return None
    played = decision.played
    name, theirs = MOVE_NAMES[played], MOVE_NAMES[actual]
    why = address(decision.strategy, you)
    chance = decision.chance_of(actual)
    common = {"why": why, "detail": decision.detail, "bars": decision.dist, "chance": chance,
              "model": model_line(decision)}  # fmt: skip
    if decision.predicted is None:
        return Explanation(
            _capital(f"{me} played {name} without a prediction"),
            _capital(f"{you} played {theirs}"), "", read=None, **common,
        )  # fmt: skip
    guess = MOVE_NAMES[decision.predicted]
    p = decision.probability
    odds = " (no odds: a guess)" if p is None else f" ({percent(p)})"
    read = bool(decision.read_opponent(actual))
    verdict = f"{you} played {theirs}: " + (f"{me} read {you}" if read else f"{me} missed")
    aim = f" to beat {guess}" if played == beats(decision.predicted) else ""
    return Explanation(
        _capital(f"{me} expected {you} to play {guess}{odds}"), _capital(verdict),
        _capital(f"so {me} played {name}{aim}"), read=read, **common,
    )  # fmt: skip
