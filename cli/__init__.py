"""CLI subcommands. Each module has `add_commands(subparsers)` and sets `handler=` per command."""

from cli import compare, data, models, pilotnet, play, race, record, rps, rps_lstm, tracks_eval

COMMAND_MODULES = [play, tracks_eval, race, record, data, pilotnet, compare, models, rps, rps_lstm]
