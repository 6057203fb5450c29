"""Train on my games, on a scripted person: held-out next-move accuracy before and after.

    python -m bench.rps_my_games [--rounds 1000] [--sessions 4] [--weights 1 8 32] [--noise 0.3]

A scripted "habit" player (rock after a loss, the next move in the cycle after a win, the
same move again after a draw, a random move with probability --noise) plays --sessions
arena sessions against a few opponents; the rounds are saved as the arena saves them, in a
throw-away user folder. Then the real `train_user_card` runs once per person weight and the
table gives, on the person's held-out latest rounds: next-move accuracy of the model `lstm`
played with before (the shipped one), after training, and of an online Markov predictor
reading the same rounds (how learnable the habit is), plus the training time.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

OPPONENTS = ("iocaine", "markov", "frequency", "random")


class HabitPlayer:
    """A person with habits: rock after losing, cycles after winning, repeats after a draw."""

    name = "habit"

    def __init__(self, seed: int = 0, noise: float = 0.3) -> None:
        self.rng = np.random.default_rng(seed)
        self.noise = noise
        self.reset()

    def reset(self) -> None:
        self.last: tuple[int, int] | None = None  # (own, opponent) of the last round

    def act(self) -> int:
        if self.last is None or self.rng.random() < self.noise:
            return int(self.rng.integers(3))
        own, opp = self.last
        diff = (own - opp) % 3  # 1: won, 2: lost, 0: draw
        return {2: 0, 1: (own + 1) % 3, 0: own}[diff]

    def observe(self, own: int, opponent: int) -> None:
        self.last = (own, opponent)


def record_person(rounds: int, sessions: int, noise: float, seed: int) -> None:
    """Play and save the person's sessions (games.csv in the current user folder)."""
    from agents.rps import make_agent
    from agents.rps.games import GameRecorder
    from game.sim.rps import Match

    per = [rounds // sessions + (i < rounds % sessions) for i in range(sessions)]
    for i, n in enumerate(per):
        opponent = OPPONENTS[i % len(OPPONENTS)]
        match = Match(HabitPlayer(seed + i, noise), make_agent(opponent, seed=seed + i), n)
        with GameRecorder(opponent=opponent) as rec:
            while not match.done:
                rnd = match.step()
                rec.record(human=rnd.move_a, ai=rnd.move_b)


def markov_accuracy(heldout) -> float:
    """An online order-2 Markov predictor's next-move accuracy on the same held-out rounds."""
    from agents.rps import make_agent

    hits = total = 0
    for h in heldout:
        agent = make_agent("markov", seed=0)
        own, opp = h.game
        for t, (a, b) in enumerate(zip(own, opp, strict=True)):
            if t >= max(h.start, 1):
                hits += int(np.argmax(agent.predict()) == b)
                total += 1
            agent.observe(own=a, opponent=b)
    return hits / total if total else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=1000, help="the person's rounds in all")
    ap.add_argument("--sessions", type=int, default=4)
    ap.add_argument("--weights", type=float, nargs="+", default=[1.0, 8.0, 32.0])
    ap.add_argument("--noise", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    from game import paths

    with tempfile.TemporaryDirectory() as home:
        paths.set_home(Path(home))
        record_person(args.rounds, args.sessions, args.noise, args.seed)
        from agents.rps.lstm_train import load_recorded_games
        from agents.rps.my_games import split_person_games, train_user_card

        split = split_person_games(load_recorded_games(None)[0])
        t = time.perf_counter()
        from agents.rps.build import default_slice_games

        slice_games = default_slice_games(args.seed)
        slice_s = time.perf_counter() - t
        print(
            f"habit player, noise {args.noise}: {split.rounds} rounds in {args.sessions} "
            f"sessions; {split.train_rounds} train, {split.heldout_rounds} held out; "
            f"default slice {len(slice_games)} games ({slice_s:.1f} s to make)"
        )
        print(f"online Markov on the held-out rounds: {markov_accuracy(split.heldout):.3f}")
        print()
        print("| weight | before | after | epochs | fit s | total s |")
        print("|---|---|---|---|---|---|")
        for i, weight in enumerate(args.weights):
            out = Path(home) / f"user_{i}.h5"
            t = time.perf_counter()
            card = train_user_card(out, seed=args.seed, weight=weight)
            total = time.perf_counter() - t
            p = card.details["person"]
            print(
                f"| {weight:g} | {p['accuracy_before']:.3f} | {p['accuracy_after']:.3f} | "
                f"{card.epochs_run} | {card.training_seconds:.1f} | {total:.1f} |",
                flush=True,
            )
        paths.set_home(None)


if __name__ == "__main__":
    main()
