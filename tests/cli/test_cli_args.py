"""Every numeric CLI argument is checked by argparse: one usage line and exit 2, never a
traceback later (issue 7: `rps-match --seed -1`)."""

from __future__ import annotations

import pytest

from main import main


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ("rps-match rock rotate --seed -1", "--seed: must be at least 0, got -1"),
        ("rps-match rock rotate --rounds 0", "--rounds: must be at least 1"),
        ("rps-tournament --seeds 1.5", "--seeds: must be a whole number, got '1.5'"),
        ("evaluate --track oval --seed -1", "--seed: must be at least 0, got -1"),
        ("evaluate --track oval --laps 0", "--laps: must be at least 1, got 0"),
        ("track-gen -3 --out x.json", "seed: must be at least 0, got -3"),
        ("record --track oval --out x --rate nan", "--rate: must be between 0.1 and 60, got nan"),
        ("train-driver --epochs abc", "--epochs: must be a whole number, got 'abc'"),
        ("train-driver --flip 2", "--flip: must be between 0 and 1, got 2"),
        ("rps-train --seed 99999999999", "--seed: must be at most 4,294,967,295"),
    ],
)
def test_bad_numbers_are_one_usage_line(argv, expected, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv.split())
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
