"""CLI subcommands. Each module has `add_commands(subparsers)` and sets `handler=` per command."""

from cli import (
    compare,
    data,
    models,
    pilotnet,
    play,
    race,
    record,
    rps,
    rps_lstm,
    session,
    tracks_eval,
)

COMMAND_MODULES = [
    play, tracks_eval, race, record, data, pilotnet, compare, models, session, rps, rps_lstm,
]  # fmt: skip
