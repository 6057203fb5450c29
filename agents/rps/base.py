"""The RPS agent contract and registry.

    agent = make_agent("lstm", seed=0)
    agent.reset()
    move = agent.act()                       # 0 rock, 1 paper, 2 scissors
    agent.observe(own=move, opponent=opp)    # after every round
    agent.predict()                          # predictors only: P(opponent's next move), shape (3,)

Every agent is deterministic for a given seed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

ROCK, PAPER, SCISSORS = 0, 1, 2
MOVE_NAMES = ("rock", "paper", "scissors")


def beats(move: int) -> int:
    """The move that beats `move` (a beats b iff (a - b) % 3 == 1)."""
    return (move + 1) % 3


class Agent:
    """Base class. Subclasses override `_act` and optionally `_observe` / `predict`.

    History lists `own` and `opp` are kept here so every agent sees the same view.
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
        self.own: list[int] = []
        self.opp: list[int] = []
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
        return int(self.rng.integers(3))


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

    for mod in ("bots", "predictors", "meta", "lstm_agents"):
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
