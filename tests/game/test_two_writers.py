"""Two programs writing the user folder at the same moment: both succeed, both results are kept.

Each test starts two real processes (not threads: the lock must hold between programs) on one
home folder. Both wait at a start line (a file the test makes once both are ready), so their
writes overlap; each then writes many times, so an unlocked read-modify-write would lose some.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0  # both children importing numpy on a busy machine
RUN_TIMEOUT_S = 120.0

# Run in each child before its own code: wait at the start line (bounded), then go.
_PRELUDE = """
import os, sys, time
from pathlib import Path
from game import paths
paths.set_home(os.environ["HOME_UNDER_TEST"])
WHO = int(sys.argv[1])
start = Path(os.environ["START_LINE"])
(start.parent / f"ready-{WHO}").touch()
deadline = time.monotonic() + 60
while not start.exists():
    assert time.monotonic() < deadline, "the start line never came"
    time.sleep(0.002)
"""


def run_two(tmp_path: Path, code: str) -> list[str]:
    """Run `code` in two processes (WHO = 0 and 1) started together; their stdout."""
    home = tmp_path / "shared-home"
    home.mkdir(exist_ok=True)
    start = tmp_path / "go"
    script = tmp_path / "child.py"
    script.write_text(_PRELUDE + textwrap.dedent(code))
    env = {**os.environ, "PYTHONPATH": str(REPO), "HOME_UNDER_TEST": str(home),
           "START_LINE": str(start)}  # fmt: skip
    procs = [
        subprocess.Popen([sys.executable, str(script), str(who)], env=env, cwd=REPO,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for who in (0, 1)
    ]  # fmt: skip
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not all((tmp_path / f"ready-{w}").exists() for w in (0, 1)):
            assert all(p.poll() is None for p in procs), procs[0].stderr.read()
            assert time.monotonic() < deadline, "the children never got ready"
            time.sleep(0.01)
        start.touch()
        outs = []
        for p in procs:
            out, err = p.communicate(timeout=RUN_TIMEOUT_S)
            assert p.returncode == 0, err
            outs.append(out)
        return outs
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(5)


def test_two_games_saving_laps_keep_every_lap(tmp_path):
    # Each loaded the board before the other saved, as two open game windows do.
    run_two(tmp_path, """
        from game.sessions.leaderboard import Leaderboard
        board = Leaderboard.load()
        track = ["Oval", "Kidney"][WHO]
        for i in range(10):
            board.add(track, f"p{WHO}", 40.0 + i)
            board.save()
    """)
    from game.sessions.leaderboard import Leaderboard

    board = Leaderboard.load(tmp_path / "shared-home" / "leaderboard.json")
    assert [lap.time_s for lap in board.top("Oval")] == [40.0 + i for i in range(10)]
    assert [lap.time_s for lap in board.top("Kidney")] == [40.0 + i for i in range(10)]


def test_two_scoreboards_recording_keep_every_result(tmp_path):
    run_two(tmp_path, """
        from agents.driving.registry import Scoreboard
        board = Scoreboard.load()
        for i in range(15):
            board.record(f"sha{WHO}-{i}", "m", "oval", "cruise", {"autonomy_pct": float(i)})
    """)
    data = json.loads((tmp_path / "shared-home" / "scoreboard.json").read_text())
    assert sorted(data["models"]) == sorted(f"sha{w}-{i}" for w in (0, 1) for i in range(15))


def test_two_settings_savers_keep_each_others_keys(tmp_path):
    run_two(tmp_path, """
        from game.settings import Settings, save_settings
        for i in range(15):
            s = Settings(volume=0.5)
            s.extra = {f"key{WHO}-{i}": i}
            save_settings(s)
    """)
    data = json.loads((tmp_path / "shared-home" / "settings.json").read_text())
    assert {f"key{w}-{i}" for w in (0, 1) for i in range(15)} <= data.keys()


def test_two_imports_at_once_keep_both(tmp_path):
    source = tmp_path / "data.txt"  # big enough that the two imports overlap
    source.write_text("".join("0120" * 5 + "\n" for _ in range(50_000)))
    outs = run_two(tmp_path, f"""
        from agents.rps.games import import_data_txt
        count, problems = import_data_txt({str(source)!r})
        print(count, len(problems))
    """)
    assert outs == ["50000 0\n", "50000 0\n"]
    imported = tmp_path / "shared-home" / "rps" / "imported.txt"
    assert imported.read_text().count("\n") == 100_000


def test_two_arenas_recording_rounds_keep_every_row(tmp_path):
    run_two(tmp_path, """
        from agents.rps.games import GameRecorder
        with GameRecorder(["rock", "paper"][WHO]) as rec:
            for i in range(150):
                rec.record(i % 3, WHO)
        assert not rec.unsaved, rec.error
    """)
    from agents.rps.games import load_games

    rounds, problems = load_games(tmp_path / "shared-home" / "rps" / "games.csv")
    assert problems == []
    for who, name in enumerate(("rock", "paper")):
        mine = [r for r in rounds if r.opponent == name]
        assert [(r.round, r.human, r.ai) for r in mine] == [(i, i % 3, who) for i in range(150)]


def test_two_recordings_in_one_second_get_two_folders(tmp_path):
    outs = run_two(tmp_path, """
        from datetime import datetime
        from agents.driving import recording_writer
        class Frozen(datetime):  # both start "in the same second", whatever the machine does
            @classmethod
            def now(cls, tz=None):
                return datetime(2026, 12, 6, 2, 55, 0)
        recording_writer.datetime = Frozen
        print(recording_writer.new_session_dir("Oval").name)
    """)
    names = sorted(out.strip() for out in outs)
    assert names == ["20261206-025500_Oval", "20261206-025500_Oval-2"]
    for name in names:
        assert (tmp_path / "shared-home" / "recordings" / name).is_dir()


def test_two_trainings_started_together_get_two_model_names(tmp_path):
    outs = run_two(tmp_path, """
        from datetime import datetime
        from agents.driving.model_catalog import new_model_path
        print(new_model_path("pilotnet", datetime(2026, 12, 6, 2, 55)).name)
    """)
    assert sorted(o.strip() for o in outs) == [
        "pilotnet-2026-12-06-0255-2.h5", "pilotnet-2026-12-06-0255.h5"
    ]


def test_two_renames_to_one_name_one_wins_and_nothing_is_lost(tmp_path):
    models = tmp_path / "shared-home" / "models"
    models.mkdir(parents=True)
    for who in (0, 1):
        (models / f"m{who}.h5").write_bytes(b"model %d" % who)
    outs = run_two(tmp_path, """
        from agents.driving.registry import rename_model
        from game.errors import UserFacingError
        from game.paths import user_dir
        try:
            rename_model(user_dir("models") / f"m{WHO}.h5", "best")
            print("renamed")
        except UserFacingError as e:
            print("refused" if "taken" in str(e) else e)
    """)
    assert sorted(o.strip() for o in outs) == ["refused", "renamed"]
    assert sorted(p.name for p in models.glob("*.h5")) in (["best.h5", "m0.h5"],
                                                          ["best.h5", "m1.h5"])  # fmt: skip


def test_a_lock_held_too_long_is_an_error_naming_the_file(tmp_path):
    from game.fileio import locked

    path = tmp_path / "thing.json"
    with locked(path), pytest.raises(OSError) as info:
        # A second lock of the same file in one thread stands for another program's.
        with locked(path, timeout_s=0.05):
            pass
    assert info.value.filename == str(path)
