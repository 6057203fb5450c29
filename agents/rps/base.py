"""The RPS agent contract and registry.

    agent = make_agent("lstm", seed=0)
    agent.reset()
    move = agent.act()                       # 0 rock, 1 paper, 2 scissors
    agent.observe(own=move, opponent=opp)    # after every round
    agent.predict()                          # predictors only: P(opponent's next move), shape (3,)

Every agent is deterministic for a given seed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from game.sim.rps import MOVES  # the move encoding and rules: one source, game.sim.rps

# Moves an agent keeps of its own past (per side). Far beyond a normal 1000-round match, so
# play there is unchanged; it keeps a 10^9-round headless match from growing without bound.
HISTORY_KEEP = 10_000


class MoveHistory:
    """A list of past moves that keeps only the latest `keep` of them.

    `len()` still counts every move ever appended, so rules such as "round number mod 3"
    keep working in long matches; `h[-1]`, `h[-48:]` and any index of a kept move work as
    on a list. Asking for a move that was dropped raises IndexError rather than lying.
    """

    __slots__ = ("keep", "_items", "_dropped")

    def __init__(self, keep: int = HISTORY_KEEP) -> None:
        if keep < 1:
            raise ValueError(f"keep must be at least 1, got {keep}")
        self.keep = keep
        self._items: list[int] = []
        self._dropped = 0

    def append(self, move: int) -> None:
        items = self._items
        items.append(move)
        if len(items) >= 2 * self.keep:  # trim in batches: amortised O(1) per move
            cut = len(items) - self.keep
            del items[:cut]
            self._dropped += cut

    @property
    def kept(self) -> list[int]:
        """The moves still held (the latest ones), oldest first; a copy."""
        return list(self._items)

    def __len__(self) -> int:
        return self._dropped + len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items) or self._dropped > 0

    def __getitem__(self, index: int | slice) -> int | list[int]:
        total = len(self)
        if isinstance(index, slice):
            start, stop, step = index.indices(total)
            if step != 1:
                raise ValueError("move history slices must have step 1")
            if stop <= start:
                return []
            if start < self._dropped:
                raise IndexError(self._gone(start))
            return self._items[start - self._dropped : stop - self._dropped]
        if index < 0:
            index += total
        if not 0 <= index < total:
            raise IndexError("move history index out of range")
        if index < self._dropped:
            raise IndexError(self._gone(index))
        return self._items[index - self._dropped]

    def __iter__(self) -> Iterator[int]:
        if self._dropped:
            raise IndexError(self._gone(0) + "; iterate over .kept instead")
        return iter(self._items)

    def _gone(self, index: int) -> str:
        return f"move {index} is no longer kept (only the latest {self.keep} are)"

    def __repr__(self) -> str:
        return f"MoveHistory(len={len(self)}, kept={len(self._items)})"


Dist = tuple[float, float, float]


@dataclass(frozen=True)
class Decision:
    """The record of how an agent chose one move: the one source every read-out of it uses.

    `strategy`: the part of the agent that chose the move, in plain words ("it noticed you
    repeat your move after a win"); `detail`: its technical name (jargon is fine there, e.g.
    "markov-1, second guess - Sicilian meta layer"). `dist`: the P(opponent's move) that the
    deciding strategy used (None when it used none: a fixed rule, random play, or a strategy
    that names a move without odds); `predicted`: the opponent move the reply was aimed at;
    `played`: the move actually played. `model_name` / `model_dist`: the agent's own model's
    view at the same moment (e.g. the LSTM inside a meta layer), which may differ from the
    deciding one and is shown beside it, labelled.
    """

    strategy: str
    played: int
    predicted: int | None = None
    dist: Dist | None = None
    detail: str = ""
    model_name: str = ""
    model_dist: Dist | None = None

    @property
    def probability(self) -> float | None:
        """How likely the deciding strategy thought the predicted move (None: no odds)."""
        if self.predicted is None or self.dist is None:
            return None
        return self.dist[self.predicted]

    def chance_of(self, move: int) -> float | None:
        """The probability the deciding strategy gave to `move` (None: it gave none)."""
        return None if self.dist is None else self.dist[move]

    def read_opponent(self, opponent_move: int) -> bool:
        """True when the prediction behind the move was the opponent's actual move."""
        return self.predicted is not None and self.predicted == opponent_move


def as_dist(p) -> Dist:
    """Three floats summing to 1, from any length-3 sequence of non-negative weights."""
    a, b, c = (float(x) for x in p)
    total = a + b + c
    return (a / total, b / total, c / total)


class Agent:
    """Base class. Subclasses override `_act` and optionally `_observe` / `predict`.

    Histories `own` and `opp` are kept here so every agent sees the same view; they hold
    the latest HISTORY_KEEP moves (see MoveHistory) while `len()` counts every round.
    """

    name: str = "agent"
    description: str = ""
    is_predictor: bool = False  # True when predict() is meaningful
    is_random: bool = False  # plays (near) uniformly at random by design

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        self.rng = np.random.default_rng(self.seed)
        self.own = MoveHistory()
        self.opp = MoveHistory()
        self._reset()

    def _reset(self) -> None:
        """Subclass hook: clear per-match state."""

    def act(self) -> int:
        move = int(self._act())
        if move not in (0, 1, 2):
            raise ValueError(f"{self.name} produced invalid move {move}")
        return move

    def _act(self) -> int:
        raise NotImplementedError

    def observe(self, own: int, opponent: int) -> None:
        self.own.append(int(own))
        self.opp.append(int(opponent))
        self._observe(int(own), int(opponent))

    def _observe(self, own: int, opponent: int) -> None:
        """Subclass hook: update after a round."""

    def predict(self) -> np.ndarray:
        """P(opponent's next move) as shape (3,), summing to 1. Non-predictors say uniform."""
        return np.full(3, 1.0 / 3.0)

    def random_move(self) -> int:
        return int(self.rng.integers(len(MOVES)))

    def decision(self) -> Decision | None:
        """How the last `act()` chose its move; None when the agent cannot say."""
        return None


@dataclass(frozen=True)
class AgentInfo:
    name: str
    factory: Callable[..., Agent]
    description: str
    kind: str  # "bot", "predictor", "meta", "lstm"


_REGISTRY: dict[str, AgentInfo] = {}


def register(name: str, kind: str, description: str = "") -> Callable:
    """Class decorator: make an agent available to make_agent(name)."""

    def wrap(cls: type[Agent]) -> type[Agent]:
        cls.name = name
        cls.description = description or cls.description
        _REGISTRY[name] = AgentInfo(name, cls, cls.description, kind)
        return cls

    return wrap


def register_factory(name: str, kind: str, description: str, factory: Callable[..., Agent]):
    _REGISTRY[name] = AgentInfo(name, factory, description, kind)


def _load_builtin_agents() -> None:
    # Importing the modules runs their @register decorators. LSTM agents import TF lazily.
    import importlib

    for mod in ("bots", "predictors", "habits", "meta", "lstm_agents", "levels", "classic_bots"):
        try:
            importlib.import_module(f"agents.rps.{mod}")
        except ModuleNotFoundError as e:
            if e.name != f"agents.rps.{mod}":
                raise


def list_agents(kind: str | None = None) -> list[AgentInfo]:
    _load_builtin_agents()
    return [a for a in _REGISTRY.values() if kind is None or a.kind == kind]


def make_agent(name: str, seed: int = 0, **kwargs) -> Agent:
    _load_builtin_agents()
    if name not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY))
        from game.errors import UserFacingError

        raise UserFacingError(f"unknown agent {name!r}; known agents: {known}")
    return _REGISTRY[name].factory(seed=seed, **kwargs)
