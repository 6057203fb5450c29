"""The recipes of the shipped RPS models (`rps-build-model`): the training data they are
made from and the calls that rebuild models/rps_lstm.h5 and models/rps_lstm_classic.h5.

    cards = build_shipped_models()               # both, into the shipped models folder
    games = default_slice_games()                # the small slice "Train on my games" mixes in
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from agents.rps.lstm_train import (
    Game,
    load_recorded_games,
    read_data_txt,
    train_classic,
    train_joint,
)
from agents.training import ModelCard, ProgressFn

SHIPPED = ("lstm", "classic")  # what `rps-build-model --only` may name
READERS = ("random", "frequency", "markov", "pattern", "iocaine")
SLICE_READERS = ("random", "markov", "iocaine")  # the slice's readers: plain, simple, meta
SLICE_ROUNDS = 150  # rounds per bot-suite game in the slice
SLICE_HABIT_LINES = 30  # synthetic habit sequences in the slice


def bot_suite_games(
    rounds: int = 300, seeds: Iterable[int] = (0, 1, 2), readers: Sequence[str] = READERS
) -> list[Game]:
    """Matches of every registered bot against a few readers, from the reader's side.

    The readers (random, frequency, markov, pattern, iocaine) give the LSTM both plain bot
    behaviour and bots reacting to a player who is trying to read them, as in real play.
    """
    from agents.rps.base import list_agents, make_agent
    from game.sim.rps import play_match

    games: list[Game] = []
    for info in list_agents("bot"):
        for reader in readers:
            for seed in seeds:
                result = play_match(
                    make_agent(reader, seed=seed), make_agent(info.name, seed=1000 + seed), rounds
                )
                games.append((result.moves_a.tolist(), result.moves_b.tolist()))
    return games


class _Replay:
    """Plays back a recorded move sequence (a data.txt game): a non-reacting opponent."""

    name = "replay"

    def __init__(self, moves: Sequence[int]) -> None:
        self.moves = list(moves)

    def reset(self) -> None:
        self.i = 0

    def act(self) -> int:
        return self.moves[self.i]

    def observe(self, own: int, opponent: int) -> None:
        self.i += 1


def sequence_games(
    lines: Sequence[Sequence[int]], readers: Sequence[str] = ("random", "iocaine"), seed: int = 0
) -> list[Game]:
    """data.txt games hold only the person's moves; replay them against readers so the
    joint history has realistic own moves and outcomes."""
    from agents.rps.base import make_agent
    from game.sim.rps import play_match

    games: list[Game] = []
    for i, line in enumerate(lines):
        if len(line) < 2:
            continue
        reader = make_agent(readers[i % len(readers)], seed=seed + i)
        result = play_match(reader, _Replay(line), len(line))
        games.append((result.moves_a.tolist(), result.moves_b.tolist()))
    return games


def synthetic_human_lines(n: int, seed: int = 0) -> list[list[int]]:
    """data.txt-style games with habits people show: runs of one move, cycles up or down,
    doubled cycles, two-move alternation, with random stretches in between."""
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(n):
        line: list[int] = []
        target = int(rng.integers(20, 300))
        while len(line) < target:
            style = rng.integers(6)
            a = int(rng.integers(3))
            k = int(rng.integers(4, 30))
            step = 1 if rng.random() < 0.5 else 2
            if style == 0:  # a run of the same move
                seg = [a] * k
            elif style == 1:  # cycle 0 1 2 (or 0 2 1)
                seg = [(a + step * i) % 3 for i in range(k)]
            elif style == 2:  # doubled cycle 0 0 1 1 2 2
                seg = [(a + step * (i // 2)) % 3 for i in range(k)]
            elif style == 3:  # alternate two moves
                b = (a + step) % 3
                seg = [a if i % 2 == 0 else b for i in range(k)]
            elif style == 4:  # the pattern: a, a, b (e.g. 1 0 0 1 0 0)
                b = (a + step) % 3
                seg = [(a, a, b)[i % 3] for i in range(k)]
            else:  # random stretch
                seg = rng.integers(3, size=k // 3 + 1).tolist()
            line += seg
        lines.append(line[:target])
    return lines


def default_training_games(
    recorded: Sequence[Game] = (), person_lines: Sequence[Sequence[int]] = (), seed: int = 0
) -> tuple[list[Game], str]:
    """The default model's data: bot-suite games, synthetic habit games, plus any given."""
    suite = bot_suite_games()
    habits = sequence_games(synthetic_human_lines(150, seed), seed=seed)
    people = sequence_games(person_lines, seed=seed) if person_lines else []
    note = (
        f"{len(suite)} bot-suite games (each bot vs random/frequency/markov/pattern/iocaine, "
        f"3 seeds, 300 rounds) + {len(habits)} synthetic habit sequences replayed"
    )
    if recorded:
        note += f" + {len(recorded)} recorded arena games"
    if people:
        note += f" + {len(people)} data.txt games replayed"
    return suite + habits + list(recorded) + people, note


def default_slice_games(seed: int = 0) -> list[Game]:
    """A small slice of the default mix for "Train on my games": every bot against three
    readers once (SLICE_ROUNDS rounds) and SLICE_HABIT_LINES synthetic habit sequences, about
    13k rounds against the full mix's 96k. Mixed in with the person's games, it keeps the
    fine-tuned model from forgetting the bots while it learns the person (~1 s to make)."""
    habits = sequence_games(synthetic_human_lines(SLICE_HABIT_LINES, seed + 1), seed=seed)
    return bot_suite_games(SLICE_ROUNDS, seeds=(seed,), readers=SLICE_READERS) + habits


def build_default_model(
    out: str | os.PathLike[str] = "models/rps_lstm.h5",
    games: Sequence[str | os.PathLike[str]] = (),
    data_txt: Sequence[str | os.PathLike[str]] = (),
    epochs: int = 60,
    seed: int = 0,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    extra_callbacks: Callable[[], list] | None = None,
) -> ModelCard:
    """Rebuild the shipped default `lstm` model (`neural-arcade rps-build-model`)."""
    recorded, problems = load_recorded_games(games) if games else ([], [])
    return train_on_default_mix(
        recorded, list(data_txt), problems, out, epochs, seed, progress, cancel, extra_callbacks
    )


def train_on_default_mix(
    recorded: Sequence,
    data_txt: Sequence[str | os.PathLike[str]],
    problems: list[str],
    out: str | os.PathLike[str],
    epochs: int,
    seed: int,
    progress: ProgressFn | None,
    cancel: threading.Event | None,
    extra_callbacks: Callable[[], list] | None,
) -> ModelCard:
    """Train the joint LSTM on the default mix (bot suite, habits) plus recorded games and
    data.txt games; bad lines are skipped and recorded in the card."""
    lines: list[list[int]] = []
    for path in data_txt:
        more, bad = read_data_txt(path)
        lines += more
        problems = problems + bad
    all_games, note = default_training_games(recorded, lines, seed)
    extra = {"skipped_lines": problems} if problems else None
    return train_joint(
        all_games, out, epochs, seed, progress=progress, cancel=cancel, data_note=note,
        extra=extra, extra_callbacks=extra_callbacks,
    )  # fmt: skip


def build_classic_model(
    out: str | os.PathLike[str] = "models/rps_lstm_classic.h5",
    data_txt: str | os.PathLike[str] | None = None,
    epochs: int = 40,
    seed: int = 0,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    extra_callbacks: Callable[[], list] | None = None,
) -> ModelCard:
    """Rebuild the shipped `lstm-classic` model: a data.txt file, else synthetic habit games
    (the chapter's own data.txt has no licence, so it is not shipped)."""
    run = {"progress": progress, "cancel": cancel, "extra_callbacks": extra_callbacks}
    if data_txt is not None:
        return train_classic(data_txt, out, epochs, seed, **run)
    lines = synthetic_human_lines(200, seed)
    return train_classic(None, out, epochs, seed, lines=lines, batch_size=16, **run)


def build_shipped_models(
    only: str | None = None,
    epochs: int = 60,
    seed: int = 0,
    progress: ProgressFn | None = None,
    extra_callbacks: Callable[[], list] | None = None,
    folder: Path | None = None,
) -> list[tuple[Path, ModelCard]]:
    """Rebuild the shipped models (both, or `only` "lstm" / "classic") into `folder` (the
    shipped models folder by default); (path, card) of each."""
    from agents.rps.lstm_agents import CLASSIC_MODEL_FILE, JOINT_MODEL_FILE
    from game.paths import shipped_models_dir

    folder = folder or shipped_models_dir()
    run = {"progress": progress, "extra_callbacks": extra_callbacks}
    built = []
    if only in (None, "lstm"):
        out = folder / JOINT_MODEL_FILE
        built.append((out, build_default_model(out, epochs=epochs, seed=seed, **run)))
    if only in (None, "classic"):
        out = folder / CLASSIC_MODEL_FILE
        built.append((out, build_classic_model(out, epochs=epochs, seed=seed, **run)))
    return built
