"""Rock-paper-scissors subcommands: matches, tournaments, the agent list, game data.

(LSTM training lives in cli/rps_lstm.py.)
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from cli.argtypes import whole
from game.textfmt import plural

MAX_ROUNDS = 10**12  # rounds of one match: a match is streamed, so this only stops typos
MAX_SEEDS = 10_000  # matches per pair in a tournament (the result holds one net per match)
MAX_SEED = 2**63 - 1


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rps-match", help="play one RPS match between two agents")
    p.add_argument("a", help="first agent (the score is from its side)")
    p.add_argument("b", help="second agent")
    p.add_argument("--rounds", type=_rounds, default=1000, help="rounds (default 1000)")
    p.add_argument("--seed", type=_seed, default=0, help="seed of agent a; b gets seed+1")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=run_match)

    p = sub.add_parser("rps-tournament", help="round-robin RPS tournament between agents")
    p.add_argument("agents", nargs="*", help="agent names (see rps-agents)")
    p.add_argument(
        "--all",
        action="store_true",
        help="every built-in agent (the 45 classic competition-style bots only by name)",
    )
    p.add_argument("--rounds", type=_rounds, default=1000, help="rounds per match")
    p.add_argument("--seeds", type=_seeds, default=1, help="matches per pair")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=run_tournament)

    p = sub.add_parser("rps-agents", help="list the registered RPS agents")
    p.add_argument("--json", action="store_true", help="print the list as JSON")
    p.set_defaults(handler=run_agents)

    p = sub.add_parser("rps-import", help="import games from a data.txt file (digits 0-2)")
    p.add_argument("path", help="data.txt: one game per line, the person's moves")
    p.set_defaults(handler=run_import)

    p = sub.add_parser("rps-export", help="export saved and imported games as data.txt")
    p.add_argument("path", help="output file")
    p.set_defaults(handler=run_export)

    p = sub.add_parser(
        "rps-stats", help="your saved Arena games by difficulty level: win rate and net"
    )
    p.add_argument("--games", metavar="FILE", help="a games.csv (default: your saved games)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.set_defaults(handler=run_stats)


_rounds = whole(1, MAX_ROUNDS)
_seeds = whole(1, MAX_SEEDS)
_seed = whole(0, MAX_SEED - 1)  # agent b plays with seed + 1


PROGRESS_EVERY = 500  # rounds between progress-bar updates (~3 ms for cheap bots)


def run_match(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from agents.rps import make_agent
    from game.sim.rps import Match

    a = make_agent(args.a, seed=args.seed)
    b = make_agent(args.b, seed=args.seed + 1)
    # Streamed: only running totals are kept, so memory stays flat for any --rounds.
    match = Match(a, b, args.rounds, keep_history=False)
    interrupted = False
    with tqdm(
        total=args.rounds, unit="round", unit_scale=True, file=sys.stderr, leave=False
    ) as bar:
        try:
            while not match.done:
                match.play_rounds(PROGRESS_EVERY)
                bar.update(match.played - bar.n)
        except KeyboardInterrupt:
            interrupted = True  # Ctrl-C: still report the rounds that were played
    summary = match.totals().summary()
    summary.update(a=args.a, b=args.b, seed=args.seed)
    if interrupted:
        summary.update(interrupted=True, rounds_asked=args.rounds)
        asked = plural(args.rounds, "round")
        print(f"interrupted after {match.played} of {asked}", file=sys.stderr)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(
            f"{args.a} vs {args.b}, {plural(summary['rounds'], 'round')}: net {summary['net']:+d} "
            f"(W {summary['wins']} / L {summary['losses']} / D {summary['draws']}) -> "
            f"{summary['verdict']} for {args.a} (draw band ±{summary['draw_band']:.1f})"
        )
    return 130 if interrupted else 0


def run_tournament(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from agents.rps import list_agents, make_agent
    from agents.rps.tournament import round_robin
    from game.errors import UserFacingError

    # The classic population is a yardstick (bench.rps_population), not a tournament field:
    # with it a round-robin grows from 22 to 67 agents.
    everyone = [a.name for a in list_agents() if a.kind != "classic"]
    names = everyone if args.all else list(args.agents)
    if args.all and args.agents:
        raise UserFacingError("give agent names or --all, not both")
    if len(names) < 2:
        raise UserFacingError("a tournament needs at least two agents (names, or --all)")
    if len(set(names)) != len(names):
        raise UserFacingError("each agent may appear only once")
    for name in names:
        make_agent(name)  # unknown names fail here, before any match is played

    total = len(names) * (len(names) - 1) // 2 * args.seeds
    with tqdm(total=total, desc="matches", unit="match", file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.update(done - bar.n)

        result = round_robin(names, rounds=args.rounds, seeds=args.seeds, progress=progress)
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
        return 0
    width = max(len(n) for n in names)
    print(
        f"{plural(len(names), 'agent')}, {plural(args.rounds, 'round')}, "
        f"{plural(args.seeds, 'seed')}; "
        "mean net of row vs column"
    )
    print(" " * width + "".join(f"{i + 1:>7}" for i in range(len(names))))
    for i, name in enumerate(names):
        cells = "".join(
            "      ." if i == j else f"{result.net[i, j]:+7.0f}" for j in range(len(names))
        )
        print(f"{name:<{width}}{cells}   [{i + 1}]")
    print()
    print(f"{'rank':>4}  {'agent':<{width}}  {'W':>4} {'L':>4} {'D':>4}  {'points':>6}  {'net':>8}")
    for row in result.table():
        print(
            f"{row['rank']:>4}  {row['name']:<{width}}  {row['wins']:>4} {row['losses']:>4} "
            f"{row['draws']:>4}  {row['points']:>6.1f}  {row['net']:>+8.0f}"
        )
    return 0


def run_agents(args: argparse.Namespace) -> int:
    from agents.rps import list_agents

    agents = list_agents()
    if args.json:
        print(
            json.dumps(
                [{"name": a.name, "kind": a.kind, "description": a.description} for a in agents],
                indent=2,
            )
        )
        return 0
    width = max(len(a.name) for a in agents)
    for a in agents:
        print(f"{a.name:<{width}}  {a.kind:<9}  {a.description}")
    return 0


def _warn(problems: list) -> None:
    for problem in problems:
        print(f"warning: skipped {problem}", file=sys.stderr)


def run_import(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from agents.rps.games import import_data_txt, imported_path

    size = os.path.getsize(args.path) if os.path.isfile(args.path) else None
    with tqdm(
        total=size, unit="B", unit_scale=True, desc="reading", file=sys.stderr, leave=False
    ) as bar:

        def progress(done: int, total: int) -> None:
            if total and bar.total != total:  # the file grew or shrank since it was measured
                bar.total = total
            bar.update(done - bar.n)

        count, problems = import_data_txt(args.path, progress=progress)
    _warn(problems)
    print(f"imported {plural(count, 'game')} into {imported_path()}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from agents.rps.games import export_data_txt

    count, problems = export_data_txt(args.path)
    _warn(problems)
    print(f"exported {plural(count, 'game')} to {args.path}")
    return 0


def run_stats(args: argparse.Namespace) -> int:
    from agents.rps.games import games_path, load_games
    from agents.rps.level_stats import OTHER, OTHER_LABEL, results_by_level, total

    path = args.games or games_path()
    rounds, problems = load_games(path)
    _warn(problems)
    results = results_by_level(rounds)
    rows = [*results, total(results)] if results else []
    if args.json:
        print(json.dumps([{"level": r.level, "label": r.label, "matches": r.matches,
                           "rounds": r.rounds, "wins": r.wins, "losses": r.losses,
                           "draws": r.draws, "win_rate": round(r.win_rate, 4), "net": r.net}
                          for r in rows], indent=2))  # fmt: skip
        return 0
    if not rows:
        print(f"no saved games in {path}: play some in the RPS Arena first")
        return 0
    print(f"your games in {path}, by difficulty level (your side: net = wins - losses)")
    print(f"{'level':<16}{'matches':>8}{'rounds':>8}{'won':>6}{'lost':>6}{'drawn':>7}"
          f"{'win rate':>10}{'net':>7}")  # fmt: skip
    for r in rows:
        print(f"{r.label:<16}{r.matches:>8}{r.rounds:>8}{r.wins:>6}{r.losses:>6}{r.draws:>7}"
              f"{100 * r.win_rate:>9.0f}%{r.net:>+7d}")  # fmt: skip
    if any(r.level == OTHER for r in results):
        print(f"{OTHER_LABEL}: games against other opponents, or saved before levels existed")
    return 0
