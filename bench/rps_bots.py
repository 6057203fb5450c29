"""Baseline: predictor agents against every dummy bot, and per-move time.

    python -m bench.rps_bots [--rounds 1000] [--seeds 3] [--agents iocaine markov pattern]

Prints, for each agent, the mean net score per 1000-round match against each bot (and
W/L/D over seeds with the draw band), then the per-move time of every agent and bot
(act + observe, excluding the opponent). The LSTM agents are compared against this table.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from agents.rps import list_agents, make_agent
from game.sim.rps import match_verdict, play_match

DEFAULT_AGENTS = ["iocaine", "markov", "pattern"]


class Timed:
    """Wraps an agent and adds up the seconds spent in act() and observe()."""

    def __init__(self, agent) -> None:
        self.agent = agent
        self.name = agent.name
        self.is_predictor = agent.is_predictor
        self.seconds = 0.0
        self.moves = 0

    def reset(self) -> None:
        self.agent.reset()

    def predict(self):
        return self.agent.predict()

    def act(self) -> int:
        t = time.perf_counter()
        move = self.agent.act()
        self.seconds += time.perf_counter() - t
        self.moves += 1
        return move

    def observe(self, own: int, opponent: int) -> None:
        t = time.perf_counter()
        self.agent.observe(own=own, opponent=opponent)
        self.seconds += time.perf_counter() - t

    @property
    def ms_per_move(self) -> float:
        return 1000.0 * self.seconds / max(self.moves, 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--agents", nargs="+", default=DEFAULT_AGENTS)
    args = parser.parse_args(argv)

    bots = [a.name for a in list_agents("bot")]
    timing: dict[str, list[float]] = {}
    print(f"mean net per match, {args.rounds} rounds, seeds 0..{args.seeds - 1} (W/L/D)")
    print(f"{'bot':<14}" + "".join(f"{name:>22}" for name in args.agents))
    totals = {name: [] for name in args.agents}
    deterministic = {name: [] for name in args.agents}
    for bot in bots:
        cells = []
        for name in args.agents:
            nets, wld = [], [0, 0, 0]
            for seed in range(args.seeds):
                agent, opponent = (
                    Timed(make_agent(name, seed=seed)),
                    Timed(make_agent(bot, seed=seed + 1)),
                )
                net = play_match(agent, opponent, args.rounds).net
                nets.append(net)
                wld[("win", "loss", "draw").index(match_verdict(net, args.rounds))] += 1
                timing.setdefault(name, []).append(agent.ms_per_move)
                timing.setdefault(bot, []).append(opponent.ms_per_move)
            mean = float(np.mean(nets))
            totals[name].append(mean)
            if not make_agent(bot).is_random:
                deterministic[name].append(mean)
            cells.append(f"{mean:+8.1f}  ({wld[0]}/{wld[1]}/{wld[2]})")
        print(f"{bot:<14}" + "".join(f"{c:>22}" for c in cells))
    print(f"{'mean':<14}" + "".join(f"{np.mean(totals[n]):>+22.1f}" for n in args.agents))
    print(
        f"{'mean non-rnd':<14}"
        + "".join(f"{np.mean(deterministic[n]):>+22.1f}" for n in args.agents)
    )

    print("\nper-move time (act + observe), ms")
    for name, values in timing.items():
        print(f"  {name:<14} {np.mean(values):8.4f}")


if __name__ == "__main__":
    main()
