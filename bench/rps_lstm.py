"""RPS LSTM targets: prints a markdown table (figures for the README and the model card).

    python -m bench.rps_lstm [--seeds 3] [--random-seeds 40] [--rounds 1000] [--rr-seeds 1]

Takes a few minutes on 2 CPU cores. Uses the shipped models (models/rps_lstm*.h5).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

# Bots whose play is a fixed function of the history (after a random first move).
DETERMINISTIC_DUMMIES = (
    "rock",
    "rotate",
    "beat-last",
    "beat-frequent",
    "de-bruijn",
    "anti-flat",
    "add-react",
)


def _nets(name: str, opponent: str, seeds: range, rounds: int, path) -> list[int]:
    from agents.rps import make_agent
    from game.sim.rps import play_match

    kw = {"model_path": path} if name == "lstm" else {}
    return [
        play_match(make_agent(name, seed=s, **kw), make_agent(opponent, seed=500 + s), rounds).net
        for s in seeds
    ]


def per_move_times(path, rounds: int) -> dict[str, float]:
    """Milliseconds per move: whole agent, LSTM inference, fine-tuning amortised per move."""
    from agents.rps import make_agent
    from game.sim.rps import play_match

    play_match(make_agent("lstm", model_path=path), make_agent("rotate"), 50)  # compile once
    agent = make_agent("lstm", seed=0, model_path=path)  # fresh; not reset below (keeps timers)
    lstm = agent.lstm
    tune, infer = lstm.fine_tune, lstm.dist
    spent = {"tune": 0.0, "infer": 0.0}

    def timed(fn, key):
        def wrapper(*a):
            t = time.perf_counter()
            out = fn(*a)
            spent[key] += time.perf_counter() - t
            return out

        return wrapper

    lstm.fine_tune, lstm.dist = timed(tune, "tune"), timed(infer, "infer")
    bot = make_agent("foxtrot", seed=1)
    agent_time = 0.0
    for _ in range(rounds):
        t = time.perf_counter()
        a = agent.act()
        agent_time += time.perf_counter() - t
        b = bot.act()
        t = time.perf_counter()
        agent.observe(own=a, opponent=b)
        agent_time += time.perf_counter() - t
        bot.observe(own=b, opponent=a)
    return {
        "agent": 1e3 * agent_time / rounds,
        "infer": 1e3 * spent["infer"] / rounds,
        "tune": 1e3 * spent["tune"] / rounds,
    }


def main(argv: list[str] | None = None) -> int:
    from agents.rps import list_agents
    from agents.rps.lstm_agents import CLASSIC_MODEL_FILE, JOINT_MODEL_FILE
    from agents.rps.lstm_train import evaluate_classic, evaluate_joint
    from agents.rps.tournament import round_robin
    from game.paths import shipped_models_dir
    from game.sim.rps import draw_band, match_verdict

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=3, help="seeds per bot")
    p.add_argument("--random-seeds", type=int, default=40, help="matches against Random")
    p.add_argument("--rounds", type=int, default=1000)
    p.add_argument("--rr-seeds", type=int, default=1, help="seeds in the round-robin")
    args = p.parse_args(argv)
    joint = shipped_models_dir() / JOINT_MODEL_FILE
    classic = shipped_models_dir() / CLASSIC_MODEL_FILE
    seeds, rounds = range(args.seeds), args.rounds
    started = time.perf_counter()

    print(f"## `lstm` vs the bot suite ({rounds} rounds, mean of {args.seeds} seeds)\n")
    print("| bot | lstm net | lstm wins | iocaine net | target |")
    print("|---|---:|---:|---:|---|")
    dummies = []
    for info in list_agents("bot"):
        if info.name == "random":
            continue
        nets = _nets("lstm", info.name, seeds, rounds, joint)
        ioc = _nets("iocaine", info.name, seeds, rounds, joint)
        wins = sum(match_verdict(n, rounds) == "win" for n in nets)
        ok = wins == len(nets)
        if info.name in DETERMINISTIC_DUMMIES:
            dummies.append(np.mean(nets))
        print(
            f"| {info.name} | {np.mean(nets):+.1f} | {wins}/{len(nets)} | {np.mean(ioc):+.1f} "
            f"| win (> +{draw_band(rounds):.0f}) {'OK' if ok else 'MISSED'} |",
            flush=True,
        )
    avg = float(np.mean(dummies))
    print(
        f"\nDeterministic dummies ({', '.join(DETERMINISTIC_DUMMIES)}): mean net {avg:+.1f} "
        f"(target >= +400: {'OK' if avg >= 400 else 'MISSED'})\n"
    )

    nets = _nets("lstm", "random", range(args.random_seeds), rounds, joint)
    inside = np.mean([match_verdict(n, rounds) == "draw" for n in nets])
    print(
        f"vs Random: {100 * inside:.0f}% of {len(nets)} matches inside the draw band "
        f"(±{draw_band(rounds):.0f}); mean net {np.mean(nets):+.1f} "
        f"(target >= 95%: {'OK' if inside >= 0.95 else 'MISSED'})\n",
        flush=True,
    )

    # The classic population has its own bench (bench.rps_population): 45 more agents would
    # make the round-robin twenty times longer.
    names = [a.name for a in list_agents() if a.kind != "classic"]
    rr = round_robin(names, rounds=rounds, seeds=args.rr_seeds)
    print(f"## Round-robin over the {len(names)} built-in agents ({rounds} rounds, "
          f"{args.rr_seeds} seed)\n")
    print("| rank | agent | W | L | D | points | net |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for row in rr.table()[:8]:
        print(
            f"| {row['rank']} | {row['name']} | {row['wins']} | {row['losses']} | {row['draws']} "
            f"| {row['points']} | {row['net']:+.0f} |"
        )
    i, j = rr.names.index("lstm"), rr.names.index("iocaine")
    rank = rr.ranking().index("lstm") + 1
    print(f"\nlstm vs iocaine head-to-head: {rr.net[i, j]:+.1f}; lstm rank {rank}\n")

    print("## Next-move accuracy on the chapter's validation sequence (86 predictions)\n")
    print("| model | accuracy |")
    print("|---|---:|")
    print(f"| lstm-classic (whole sequence in, as the chapter) | {evaluate_classic(classic):.3f} |")
    print(f"| lstm, pre-trained only | {evaluate_joint(joint, online=False):.3f} |")
    print(f"| lstm, fine-tuned online as it reads | {evaluate_joint(joint, online=True):.3f} |")
    print("| (chance) | 0.333 |\n")

    t = per_move_times(joint, rounds)
    print("## Per-move time (ms, 1 process, this machine)\n")
    print("| whole `lstm` agent (act + observe) | LSTM inference | fine-tune, amortised |")
    print("|---:|---:|---:|")
    print(f"| {t['agent']:.2f} | {t['infer']:.2f} | {t['tune']:.2f} (target <= 5) |")
    print(f"\n_bench time {time.perf_counter() - started:.0f} s, {os.cpu_count()} CPU cores_")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
