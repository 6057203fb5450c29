"""`rps-train` and `rps-build-model`: train the RPS LSTMs from the command line."""

from __future__ import annotations

import argparse
import json

from cli import argtypes


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
    p.add_argument("--epochs", type=argtypes.count, default=60, help="maximum epochs (default 60)")
    p.add_argument("--seed", type=argtypes.seed, default=0)
    p.add_argument("--out", help="output .h5 (default: your user model, used by `lstm`)")
    p.set_defaults(handler=run_train)

    b = sub.add_parser(
        "rps-build-model",
        help="rebuild the shipped models/rps_lstm.h5 and models/rps_lstm_classic.h5 + cards",
    )
    b.add_argument("--epochs", type=argtypes.count, default=60)
    b.add_argument("--seed", type=argtypes.seed, default=0)
    b.add_argument("--only", choices=["lstm", "classic"], help="rebuild just one of the two")
    b.set_defaults(handler=run_build)


def _bar(desc: str, epochs: int):
    """A tqdm bar over epochs plus the callback that feeds it."""
    from tqdm import tqdm

    bar = tqdm(total=epochs, desc=desc, unit="epoch")

    def callback(epoch: int, batch: int, logs: dict) -> None:
        if batch == -1:  # an epoch finished
            bar.update(1)
            bar.set_postfix(
                loss=f"{logs.get('loss', 0):.3f}", val_acc=f"{logs.get('val_accuracy', 0):.3f}"
            )

    return bar, callback


def _report(card: dict, out) -> None:
    for problem in card.get("skipped_lines", []):
        print(f"warning: skipped {problem}")
    keys = ("epochs_run", "val_accuracy", "validation_sequence_accuracy", "training_seconds")
    print(f"wrote {out}: " + json.dumps({k: card.get(k) for k in keys}))


def run_train(args: argparse.Namespace) -> int:
    from agents.rps import lstm_train
    from agents.rps.lstm_agents import CLASSIC_MODEL_FILE, user_model_path
    from game.errors import UserFacingError

    if args.epochs < 1:
        raise UserFacingError(f"--epochs must be at least 1, got {args.epochs}")
    if args.classic:
        if not args.data_txt:
            raise UserFacingError("--classic needs --data-txt FILE")
        out = args.out or user_model_path(CLASSIC_MODEL_FILE)
        bar, callback = _bar("lstm-classic", args.epochs)
        with bar:
            card = lstm_train.train_classic(
                args.data_txt, out, args.epochs, args.seed, callback=callback
            )
    else:
        out = args.out or user_model_path()
        bar, callback = _bar("lstm", args.epochs)
        if args.games is None and args.data_txt is None:
            with bar:  # the in-app "Train on my games"
                card = lstm_train.train_user_model(out, args.epochs, args.seed, callback=callback)
        else:
            with bar:
                card = lstm_train.build_default_model(
                    out,
                    games=args.games or (),
                    data_txt=[args.data_txt] if args.data_txt else (),
                    epochs=args.epochs,
                    seed=args.seed,
                    callback=callback,
                )
    _report(card, out)
    return 0


def run_build(args: argparse.Namespace) -> int:
    from agents.rps import lstm_train
    from agents.rps.lstm_agents import CLASSIC_MODEL_FILE, JOINT_MODEL_FILE
    from game.paths import shipped_models_dir

    if args.only in (None, "lstm"):
        out = shipped_models_dir() / JOINT_MODEL_FILE
        bar, callback = _bar("lstm", args.epochs)
        with bar:
            card = lstm_train.build_default_model(
                out, epochs=args.epochs, seed=args.seed, callback=callback
            )
        _report(card, out)
    if args.only in (None, "classic"):
        out = shipped_models_dir() / CLASSIC_MODEL_FILE
        bar, callback = _bar("lstm-classic", args.epochs)
        with bar:
            card = lstm_train.build_classic_model(
                out, epochs=args.epochs, seed=args.seed, callback=callback
            )
        _report(card, out)
    return 0
