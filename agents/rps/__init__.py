"""Rock-paper-scissors agents: bots, predictors, meta-strategies and LSTMs."""

from agents.rps.base import Agent, list_agents, make_agent

__all__ = ["Agent", "list_agents", "make_agent"]
