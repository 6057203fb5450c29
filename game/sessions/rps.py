"""Rock-paper-scissors sessions: one import for the RPS screens' state and rules.

The parts, each with one job:

- game.sessions.rps_agents: the registry's names, kinds and descriptions; building and
  warming up agents in a worker;
- game.sessions.rps_reasons: playing a round with each agent's reason, and the honest
  words for it after the reveal;
- game.sessions.rps_arena: `ArenaSession`, a person against one agent, every round saved;
- game.sessions.rps_training: the arena's "Train on my games" job and its held-out score;
- game.sessions.rps_versus: `VersusSession`, two agents played by a worker.

Patch agent construction in tests on game.sessions.rps_agents (the sessions call it there).
"""

from __future__ import annotations

from game.sessions.rps_agents import (
    FALLBACK_AGENT,
    WARMUP_ROUNDS,
    Notify,
    Points,
    agent_description,
    agent_job,
    agent_kind,
    agent_names,
    cycle_name,
    default_opponent,
    make_agent_now,
    moving_average,
    needs_worker,
    no_notice,
)
from game.sessions.rps_arena import (
    ARENA_CONFIDENCE_WINDOW,
    ENDLESS,
    ArenaSession,
    ArenaStats,
    Phase,
)
from game.sessions.rps_reasons import Explanation, Played, explain, play_round
from game.sessions.rps_training import (
    MIN_PERSON_ROUNDS,
    MIN_SCORED_ROUNDS,
    TrainingDone,
    TrainingRefused,
    score_line,
    train_job,
    training_progress,
)
from game.sessions.rps_versus import (
    CONFIDENCE_WINDOW,
    MATCH_ROUNDS,
    PATTERNED,
    PRESET_A,
    PRESET_SPEED,
    READS_WINDOW,
    SPEEDS,
    MatchView,
    Side,
    VersusSession,
    player_job,
    rounds_ahead,
    speed_label,
)

__all__ = [
    "ARENA_CONFIDENCE_WINDOW", "CONFIDENCE_WINDOW", "ENDLESS", "FALLBACK_AGENT", "MATCH_ROUNDS",
    "MIN_PERSON_ROUNDS", "MIN_SCORED_ROUNDS",
    "PATTERNED", "PRESET_A", "PRESET_SPEED", "READS_WINDOW", "SPEEDS", "WARMUP_ROUNDS",
    "ArenaSession",
    "ArenaStats", "Explanation", "MatchView", "Notify", "Phase", "Played", "Points", "Side",
    "TrainingDone", "TrainingRefused", "VersusSession", "agent_description", "agent_job",
    "agent_kind", "agent_names", "cycle_name", "default_opponent", "explain", "make_agent_now",
    "moving_average", "needs_worker", "no_notice", "play_round", "player_job", "rounds_ahead",
    "score_line", "speed_label", "train_job", "training_progress",
]  # fmt: skip
