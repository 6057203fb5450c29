"""The RPS screens' view of the agent registry, and building agents off the main thread.

- the registry's names, kinds and descriptions (cached: screens ask every frame);
- `make_agent_now` builds an agent here; `agent_job` builds and warms one up in a worker
  (LSTM agents import TensorFlow and trace functions on first use);
- small helpers the three screens share (`cycle_name`, `moving_average`, the Notify type).

Sessions call `rps_agents.make_agent_now(...)` through this module, so a test replaces it
in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from game.sim.rps import Match
from game.workers import WorkerContext

# A message for the person: notify(text, kind), kind "info" or "error" (App.toast's).
Notify = Callable[[str, str], None]
Points = dict[str, list[tuple[float, float]]]  # chart series by name: what a LineChart draws

WARMUP_ROUNDS = 12  # enough for an LSTM agent's first online fine-tune (traces it)
FALLBACK_AGENT = "iocaine"  # when an LSTM cannot load (e.g. no model file)


def no_notice(text: str, kind: str = "info") -> None:
    """The default Notify: sessions used without a screen (tests) report nowhere."""


KIND_ORDER = ("bot", "predictor", "meta", "lstm", "classic")  # how the pickers group them


@lru_cache(maxsize=1)
def _registry() -> dict[str, Any]:
    # The registry is fixed once the agent modules are imported; screens ask every frame.
    # Grouped by kind: the registry's own order depends on which module was imported first.
    from agents.rps import list_agents

    def rank(kind: str) -> int:
        return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)

    return {a.name: a for a in sorted(list_agents(), key=lambda a: rank(a.kind))}


def agent_names() -> list[str]:
    """Registered agents grouped by kind (bots, predictors, meta, LSTMs, classic, others),
    in registry order within a kind."""
    return list(_registry())


def agent_kind(name: str) -> str:
    info = _registry().get(name)
    return info.kind if info else ""


def agent_description(name: str) -> str:
    info = _registry().get(name)
    return info.description if info else ""


def needs_worker(name: str) -> bool:
    """LSTM agents import TensorFlow and trace functions on first use: build them off-frame."""
    return agent_kind(name) == "lstm"


def cycle_name(names: list[str], current: str, step: int) -> str:
    """The name `step` places after `current` in `names`, wrapping."""
    i = names.index(current) if current in names else 0
    return names[(i + step) % len(names)]


def make_agent_now(name: str, seed: int, **kwargs: Any):
    from agents.rps import make_agent

    return make_agent(name, seed=seed, **kwargs)


def agent_job(name: str, seed: int, **kwargs: Any):
    """A worker job that builds agent `name` and plays a short throw-away match so that the
    first real moves are as fast as the rest; returns the reset agent."""

    def job(ctx: WorkerContext):
        ctx.progress(None, f"loading {name}...")
        agent = make_agent_now(name, seed, **kwargs)
        ctx.progress(0.5, f"warming up {name}...")
        sparring = make_agent_now("rotate", 0)
        match = Match(agent, sparring, rounds=WARMUP_ROUNDS, record_predictions=True)
        while not match.done and not ctx.cancelled:
            match.step()
        agent.reset()
        return agent

    return job


def default_opponent() -> str:
    """`lstm` when a model file for it exists (no TensorFlow needed to check), else iocaine."""
    try:
        from agents.rps.lstm_agents import default_model_path

        return "lstm" if default_model_path().exists() else FALLBACK_AGENT
    except ImportError:
        return FALLBACK_AGENT


def moving_average(values: list[float], window: int) -> list[float]:
    """Trailing mean over up to `window` values, one output per input."""
    out, total = [], 0.0
    for i, v in enumerate(values):
        total += v
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out
