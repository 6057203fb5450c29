"""Two game instances on one user folder, the monkey in both: is everything they saved kept?

    python -m bench.two_apps [--minutes 1] [--seed 1]

Starts two headless app processes on one throw-away user folder; each races the Expert for
--race-s seconds (Oval in one, Kidney in the other), plays --arena-s seconds of RPS rounds,
then lets the seeded monkey (game.monkey) drive every screen for --minutes. Each instance
logs what it reported as saved: leaderboard laps, RPS rounds, recordings (with their frame
counts), screenshots and trained models. Afterwards every logged item is checked on disk: a
lap is on the board (or the track has ten faster ones), a round is in games.csv, a recording
loads with at least the frames reported, a screenshot decodes, a model's card matches its
file. Prints one table; exits 1 when anything reported saved is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RACE_TRACKS = ("oval", "kidney")


# --- one instance --------------------------------------------------------------------------


def _instrument(note) -> None:
    """Wrap the writers so that each success is logged as `note(kind=..., ...)`."""
    import agents.training as training
    from agents.driving import recording_writer
    from agents.rps import games
    from game import app as app_module
    from game.sessions import leaderboard

    pending: list[tuple[str, str, float]] = []
    add, save = leaderboard.Leaderboard.add, leaderboard.Leaderboard.save

    def add_lap(self, track, label, time_s, date=None):
        made = add(self, track, label, time_s, date)
        if made:
            pending.append((track, label, round(float(time_s), 3)))
        return made

    def save_board(self):
        save(self)
        for track, label, time_s in pending:
            note(kind="lap", track=track, label=label, time_s=time_s)
        pending.clear()

    leaderboard.Leaderboard.add, leaderboard.Leaderboard.save = add_lap, save_board

    flush = games.GameRecorder.flush

    def flush_rounds(self):
        waiting = list(self.unsaved)
        ok = flush(self)
        for row in waiting if ok else ():
            note(kind="round", session=row.session, round=row.round)
        return ok

    games.GameRecorder.flush = flush_rounds

    close = recording_writer.Recorder.close

    def close_recording(self):
        was_closed = self._closed
        close(self)
        if not was_closed:
            note(kind="recording", path=str(self.dir), frames=self.frame_count)

    recording_writer.Recorder.close = close_recording

    shot = app_module.App._save_screenshot

    def save_shot(self):
        before = self.last_screenshot
        shot(self)
        if self.last_screenshot != before:
            note(kind="screenshot", path=str(self.last_screenshot))

    app_module.App._save_screenshot = save_shot

    fit = training.atomic_fit

    def fit_and_note(model, out_path, *args, **kwargs):
        result = fit(model, out_path, *args, **kwargs)
        note(kind="model", path=str(out_path))
        return result

    training.atomic_fit = fit_and_note


def run_instance(
    home: Path, log: Path, minutes: float, seed: int, race_s: float, arena_s: float
) -> int:
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    from game.paths import set_home

    set_home(home)
    with open(log, "a", encoding="utf-8") as out:

        def note(**item) -> None:
            out.write(json.dumps(item) + "\n")
            out.flush()

        _instrument(note)
        import pygame

        from game.app import MAX_STEPS_PER_FRAME, SIM_DT, App
        from game.monkey import Monkey

        app = App(headless=True)
        app.push("menu")
        # A race first, untouched (the monkey seldom lets one run a lap): the cars' laps go on
        # the leaderboard while the other instance races on another track.
        from game.sessions.race import EXPERT

        # The Expert alone: no model to load, so its laps come within seconds on a busy machine.
        app.push("race", track=RACE_TRACKS[seed % 2], drivers=[EXPERT], laps=99, start=True)
        race_end = time.monotonic() + race_s
        while time.monotonic() < race_end:
            app.frame([], MAX_STEPS_PER_FRAME * SIM_DT)  # five sim steps a drawn frame
        app.pop()
        # Then rounds of rock-paper-scissors, a move every few frames, in both at once: their
        # rows go to one games.csv.
        scene = app.push("rps-arena", opponent="markov", countdown_s=0.05, reveal_s=0.05)
        moves = [pygame.K_r, pygame.K_p, pygame.K_s]
        arena_end, frame = time.monotonic() + arena_s, 0
        while time.monotonic() < arena_end:
            press = frame % 6 == 0 and scene.session.taking_moves
            key = pygame.event.Event(pygame.KEYDOWN, key=moves[frame % 3], mod=0, unicode="")
            app.frame([key] if press else [], SIM_DT)
            frame += 1
        app.pop()
        deadline = time.monotonic() + minutes * 60.0
        report = Monkey(app, seed=seed).run(
            400, rounds=10**6, stop=lambda: time.monotonic() > deadline
        )
        app.close()  # closes the screens: recordings and Arena files are finished here
        note(kind="report", events=report.events, crashes=len(report.crash_logs))
    return 0


# --- checking what was reported ------------------------------------------------------------


def check(home: Path, items: list[dict]) -> dict[str, list[int]]:
    """kind -> [reported by instance 0, by instance 1, found on disk]."""
    from agents.driving.recording_reader import load_session
    from agents.modelio import read_card
    from agents.rps.games import load_games
    from game.sessions.leaderboard import Leaderboard

    board = Leaderboard.load(home / "leaderboard.json")
    rounds, _ = load_games(home / "rps" / "games.csv")
    on_disk_rounds = {(r.session, r.round) for r in rounds}
    counts: dict[str, list[int]] = {}
    for item in items:
        kind = item["kind"]
        if kind == "report":
            continue
        tally = counts.setdefault(kind, [0, 0, 0])
        tally[item["instance"]] += 1
        try:
            if kind == "lap":
                laps = board.top(item["track"])
                ok = any(lap.label == item["label"] and lap.time_s == item["time_s"]
                         for lap in laps) or (
                    len(laps) == 10 and laps[-1].time_s <= item["time_s"])  # fmt: skip
            elif kind == "round":
                ok = (item["session"], item["round"]) in on_disk_rounds
            elif kind == "recording":
                ok = item["frames"] == 0 or len(load_session(item["path"])) >= item["frames"]
            elif kind == "screenshot":
                import pygame

                ok = pygame.image.load(item["path"]).get_width() > 0
            elif kind == "model":
                ok = Path(item["path"]).is_file() and read_card(item["path"]) is not None
            else:
                ok = False
        except Exception as e:  # noqa: BLE001 - a file that does not load is a missing one
            print(f"{kind} {item}: {e}", file=sys.stderr)
            ok = False
        tally[2] += bool(ok)
        if not ok:
            print(f"missing: {item}", file=sys.stderr)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--race-s", type=float, default=30.0,
                        help="seconds of racing before the monkey's --minutes start")
    parser.add_argument("--arena-s", type=float, default=15.0,
                        help="seconds of RPS rounds after the race")
    parser.add_argument("--instance", nargs=2, metavar=("HOME", "LOG"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.instance:
        return run_instance(Path(args.instance[0]), Path(args.instance[1]), args.minutes,
                            args.seed, args.race_s, args.arena_s)  # fmt: skip

    work = Path(tempfile.mkdtemp(prefix="two-apps-"))
    home = work / "home"
    home.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO), "SDL_VIDEODRIVER": "dummy",
           "SDL_AUDIODRIVER": "dummy", "TF_CPP_MIN_LOG_LEVEL": "2"}  # fmt: skip
    logs = [work / f"saved-{i}.jsonl" for i in (0, 1)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.two_apps", "--minutes", str(args.minutes),
             "--seed", str(args.seed + i), "--race-s", str(args.race_s),
             "--arena-s", str(args.arena_s),
             "--instance", str(home), str(logs[i])],
            env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        for i in (0, 1)
    ]
    limit = args.minutes * 60 + args.race_s + args.arena_s + 600
    errors = [p.communicate(timeout=limit)[1] for p in procs]
    codes = [p.returncode for p in procs]
    items = [{**json.loads(line), "instance": i}
             for i, log in enumerate(logs) if log.exists() for line in log.open()]  # fmt: skip
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    counts = check(home, items)
    reports = [i for i in items if i["kind"] == "report"]
    print(f"two instances, each: {args.race_s:g} s racing, {args.arena_s:g} s of Arena rounds, "
          f"{args.minutes:g} min of monkey (seeds {args.seed}, {args.seed + 1}); exit codes "
          f"{codes}; monkey events {[r['events'] for r in reports]}, crash logs "
          f"{[r['crashes'] for r in reports]}")  # fmt: skip
    print("| reported saved | by instance A | by instance B | found on disk and loads |")
    print("|---|---|---|---|")
    for kind in ("lap", "round", "recording", "screenshot", "model"):
        a, b, found = counts.get(kind, [0, 0, 0])
        print(f"| {kind} | {a} | {b} | {found} |")
    for code, err in zip(codes, errors, strict=True):
        if code != 0:
            print(err[-2000:], file=sys.stderr)
    lost = sum(a + b - found for a, b, found in counts.values())
    return 1 if lost or any(codes) or len(reports) != 2 else 0


if __name__ == "__main__":
    raise SystemExit(main())
