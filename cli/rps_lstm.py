"""`rps-train` and `rps-build-model`: train the RPS LSTMs from the command line."""

from __future__ import annotations

import argparse
import json

from agents.rps.build import SHIPPED
from agents.rps.level_stats import OTHER_NAME
from agents.rps.levels import LEVELS
from cli import argtypes
from game.textfmt import plural

LEVEL_NAMES = (*LEVELS, OTHER_NAME)


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "rps-train",
        help="train the RPS LSTM on recorded games (and/or the chapter's model on data.txt)",
    )
    p.add_argument(
        "--games",
        nargs="+",
        metavar="FILE",
        help="recorded arena games (games.csv); default: your saved games",
    )
    p.add_argument(
        "--data-txt",
        metavar="FILE",
        help="data.txt games (one per line, digits 0-2); with --classic trains lstm-classic",
    )
    p.add_argument("--classic", action="store_true", help="train lstm-classic on --data-txt")
    p.add_argument(
        "--level",
        nargs="+",
        choices=LEVEL_NAMES,
        help="train on your saved games at these difficulty levels only (default: all; "
        "'none': other opponents and games saved before levels; see rps-stats)",
    )
    p.add_argument(
        "--epochs",
        type=argtypes.count,
        help="maximum epochs (default 60; 6 when training on your saved games)",
    )
    p.add_argument("--seed", type=argtypes.seed, default=0)
    p.add_argument("--out", help="output .h5 (default: your user model, used by `lstm`)")
    p.set_defaults(handler=run_train)

    b = sub.add_parser(
        "rps-build-model",
        help="rebuild the shipped models/rps_lstm.h5 and models/rps_lstm_classic.h5 + cards",
    )
    b.add_argument("--epochs", type=argtypes.count, default=60)
    b.add_argument("--seed", type=argtypes.seed, default=0)
    b.add_argument("--only", choices=SHIPPED, help="rebuild just one of the two")
    b.set_defaults(handler=run_build)


def _report(card, out) -> None:
    for problem in card.details.get("skipped_lines", []):
        print(f"warning: skipped {problem}")
    from agents.rps.my_games import PersonHoldout

    figures = {
        "epochs_run": card.epochs_run,
        "val_accuracy": card.details.get("val_accuracy"),
        "validation_sequence_accuracy": card.details.get("validation_sequence_accuracy"),
        "training_seconds": card.training_seconds,
    }
    print(f"wrote {out}: " + json.dumps({k: v for k, v in figures.items() if v is not None}))
    score = PersonHoldout.from_card(card)
    if score is not None and score.after is not None:
        before = "-" if score.before is None else f"{score.before:.3f}"
        print(
            f"your latest {plural(score.heldout_rounds, 'round')} (held out): next-move accuracy "
            f"{before} before ({score.before_model}), {score.after:.3f} after"
        )


def run_train(args: argparse.Namespace) -> int:
    from agents.rps import build, lstm_train, my_games
    from agents.rps.level_stats import level_from_name, levels_phrase
    from agents.rps.lstm_agents import CLASSIC_MODEL_FILE, user_model_path
    from cli.pilotnet import tqdm_bar
    from game.errors import UserFacingError

    if args.epochs is not None and args.epochs < 1:
        raise UserFacingError(f"--epochs must be at least 1, got {args.epochs}")
    mine = not args.classic and args.games is None and args.data_txt is None
    if args.level and not mine:
        raise UserFacingError("--level picks from your saved games: leave out --games, "
                              "--data-txt and --classic")  # fmt: skip
    epochs = args.epochs or (my_games.USER_EPOCHS if mine else 60)
    run = {"epochs": epochs, "seed": args.seed, "extra_callbacks": tqdm_bar}
    if args.classic:
        if not args.data_txt:
            raise UserFacingError("--classic needs --data-txt FILE")
        out = args.out or user_model_path(CLASSIC_MODEL_FILE)
        card = lstm_train.train_classic(args.data_txt, out, **run)
    elif mine:  # the in-app "Train on my games"
        out = args.out or user_model_path()
        levels = {level_from_name(n) for n in args.level} if args.level else None
        print(f"training on your games at {levels_phrase(levels)}")
        card = my_games.train_user_card(out, **run, levels=levels)
    else:
        out = args.out or user_model_path()
        games, data_txt = args.games or (), [args.data_txt] if args.data_txt else ()
        card = build.build_default_model(out, games=games, data_txt=data_txt, **run)
    _report(card, out)
    return 0


def run_build(args: argparse.Namespace) -> int:
    from agents.rps.build import build_shipped_models
    from cli.pilotnet import tqdm_bar

    for out, card in build_shipped_models(args.only, args.epochs, args.seed, None, tqdm_bar):
        _report(card, out)
    return 0
