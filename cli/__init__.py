"""CLI subcommands. Each module has `add_commands(subparsers)` and sets `handler=` per command."""

from cli import pilotnet, play, record, rps, rps_lstm, tracks_eval

COMMAND_MODULES = [play, tracks_eval, record, pilotnet, rps, rps_lstm]
