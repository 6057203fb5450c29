"""Recovery views for a person's sessions: labels that point back to the lane, the cache, a
partial folder, unknown tracks, and expert sessions left alone."""

from __future__ import annotations

import csv
import math
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from agents.driving import recovery_views as rv
from agents.driving.expert import ExpertDriver
from agents.driving.loop import DrivingLoop, RecordingPart
from agents.driving.recording_reader import load_session
from agents.driving.recording_writer import Recorder
from agents.training import TrainingCancelled
from game.sim.tracks_catalog import resolve_track
from game.sim.world import World

TRACK = "gen:5100"  # the tiny session's track: not a training or evaluation track
SECONDS = 20.0
RATE_HZ = 2.0


class WeavingDriver(ExpertDriver):
    """The expert plus a slow weave: a person who is never quite on the lane centre."""

    def steer(self, world, frame=None) -> float:
        return super().steer(world) + 0.2 * math.sin(1.3 * world.time)


def record(folder: Path, source: str = "human", seconds: float = SECONDS) -> Path:
    """A short session driven by WeavingDriver, written as the Drive screen writes one."""
    track = resolve_track(TRACK)
    world = World(track, scoring="person")
    rec = Recorder(folder, None, track.name, "day", RATE_HZ, source=source)
    loop = DrivingLoop(world, WeavingDriver(), recorder=RecordingPart(rec, look="day"))
    for _ in range(int(seconds * 600)):  # bounded: ten times the steps it needs at 60 Hz
        if world.time >= seconds:
            break
        loop.step()
    assert world.time >= seconds
    rec.close()
    return folder


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return record(tmp_path_factory.mktemp("person") / "session")


@pytest.fixture
def session(template, tmp_path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "session"))


def read_log(folder: Path) -> list[dict[str, str]]:
    with open(folder / "log.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def rewrite_log(folder: Path, edit) -> None:
    rows = edit(read_log(folder))
    with open(folder / "log.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_labels_point_back_to_the_lane(session):
    result = rv.ensure_recovery_views(session)
    person = read_log(session)
    views = read_log(result.folder)
    assert result.folder == session / rv.FOLDER_NAME and not result.reused
    assert result.views == len(views) == 2 * len(person)
    by_row = {}
    for v in views:
        row = person[int(Path(v["frame"]).stem.split("-")[0])]
        by_row.setdefault(row["frame"], []).append(v)
        assert v["source"] == "recovery" and v["off_lane"] == "0"
        assert (v["t"], v["speed"], v["track"]) == (row["t"], row["speed"], row["track"])
        dx, dyaw = float(v["cam_dx"]), float(v["cam_dyaw"])
        correction = float(v["steering"]) - float(row["steering"])
        # Displaced or turned to the right: steer more to the left than the person did.
        direction = math.copysign(1.0, dx if dx else dyaw)
        assert correction * direction < -0.01, (v, row)
    # The correction is the stiffer expert's (VIEW_PURSUIT), not the reference's.
    from agents.driving.expert import expert_steering_from_pose

    track = resolve_track(person[0]["track"])

    def teacher(r):
        pose = (float(r[k]) for k in ("x", "y", "yaw", "speed"))
        return expert_steering_from_pose(track, *pose, pursuit=rv.VIEW_PURSUIT)

    for frame, vs in by_row.items():
        row = next(r for r in person if r["frame"] == frame)
        for v in vs:
            expected = float(row["steering"]) + teacher(v) - teacher(row)
            assert float(v["steering"]) == pytest.approx(min(max(expected, -1), 1), abs=2e-3)
    # Both sides, and pure shifts and pure yaws, are all there.
    assert {float(v["cam_dx"]) > 0 for v in views} == {True, False}
    assert any(float(v["cam_dx"]) == 0 for v in views)
    assert any(float(v["cam_dyaw"]) == 0 for v in views)
    loaded = load_session(result.folder)  # a valid session training can read
    assert len(loaded) == len(views) and not loaded.problems


def test_off_lane_rows_get_no_views(session):
    rewrite_log(session, lambda rows: [r | {"off_lane": "1"} if i < 10 else r
                                       for i, r in enumerate(rows)])  # fmt: skip
    n = len(read_log(session))
    result = rv.ensure_recovery_views(session, views_per_sample=1)
    assert result.views == n - 10
    rows = {int(Path(v["frame"]).stem.split("-")[0]) for v in read_log(result.folder)}
    assert min(rows) == 10


def test_cache_is_reused_and_rebuilt_when_the_log_changes(session):
    first = rv.ensure_recovery_views(session)
    log_before = (first.folder / "log.csv").read_bytes()
    again = rv.ensure_recovery_views(session)
    assert again.reused and again.views == first.views and again.folder == first.folder

    # The same rows, a newer file: rebuilt, and seeded, so identical.
    later = time.time() + 5
    os.utime(session / "log.csv", (later, later))
    rebuilt = rv.ensure_recovery_views(session)
    assert not rebuilt.reused
    assert (rebuilt.folder / "log.csv").read_bytes() == log_before

    rewrite_log(session, lambda rows: rows[:-3])  # fewer rows
    shorter = rv.ensure_recovery_views(session)
    assert not shorter.reused and shorter.views == first.views - 6
    assert len(list((shorter.folder / "frames").iterdir())) == shorter.views
    assert rv.ensure_recovery_views(session, views_per_sample=1).views == first.views // 2 - 3


def test_a_partial_folder_is_rebuilt(session):
    partial = session / rv.FOLDER_NAME
    (partial / "frames").mkdir(parents=True)
    (partial / "log.csv").write_text("frame,steering\nframes/000000-0.png,0.1\n")
    dead = session / f"{rv.TMP_PREFIX}dead"  # a build killed long ago
    (dead / "frames").mkdir(parents=True)
    os.utime(dead, (1, 1))
    result = rv.ensure_recovery_views(session)
    assert not result.reused and result.views == 2 * len(read_log(session))
    assert len(read_log(partial)) == result.views
    assert not dead.exists()
    assert [p.name for p in session.iterdir() if p.name.startswith(".")] == []


def test_an_unknown_track_is_skipped_with_a_note(session):
    rewrite_log(session, lambda rows: [r | {"track": "no-such-track"} for r in rows])
    notes: list[str] = []
    folders, views = rv.recovery_sessions([session], progress=notes.append)
    assert (folders, views) == ([], 0)
    assert len(notes) == 1 and "no-such-track" in notes[0] and "\n" not in notes[0]
    assert not (session / rv.FOLDER_NAME).exists()


@pytest.mark.parametrize("track", ["/etc/passwd", "gen:" + "9" * 5000, "gen:4294967296"])
def test_an_odd_track_name_is_one_short_plain_note(session, track):
    rewrite_log(session, lambda rows: [r | {"track": track} for r in rows])
    notes: list[str] = []
    rv.recovery_sessions([session], progress=notes.append)
    (note,) = notes
    assert "np.str_" not in note and len(note) < 400 and "\n" not in note
    assert repr(track[:20]) in note or repr(track[:37] + "...") in note


def test_a_log_without_the_car_pose_gets_a_note(session):
    rewrite_log(session, lambda rows: [{k: v for k, v in r.items() if k != "yaw"} for r in rows])
    result = rv.ensure_recovery_views(session)
    assert result.folder is None and "yaw" in result.note


def test_cancel_leaves_no_folder(session):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(TrainingCancelled):
        rv.ensure_recovery_views(session, cancel=cancel)
    assert not any(p.name.startswith((".", rv.FOLDER_NAME)) for p in session.iterdir())


def test_expert_sessions_are_left_alone(tmp_path, session):
    expert = record(tmp_path / "expert", source="expert", seconds=3.0)
    assert not rv.is_person_session(expert)
    assert rv.is_person_session(session)
    assert not rv.is_person_session(session / rv.FOLDER_NAME)  # never views of views
    folders, views = rv.recovery_sessions([expert, session])
    assert folders == [session / rv.FOLDER_NAME] and views == 2 * len(read_log(session))
    assert not (expert / rv.FOLDER_NAME).exists()


def test_worker_processes_make_the_same_views(session, tmp_path, monkeypatch):
    inline = rv.ensure_recovery_views(session, workers=1)
    expected = (inline.folder / "log.csv").read_bytes()
    other = Path(shutil.copytree(session, tmp_path / "other", ignore=shutil.ignore_patterns(
        rv.FOLDER_NAME)))  # fmt: skip
    monkeypatch.setattr(rv, "PARALLEL_MIN_VIEWS", 0)
    monkeypatch.setattr(rv, "CHUNK_ROWS", 8)
    pool_runs: list[int] = []  # rows each pool run returned; a broken pool raises instead
    run_pool = rv._run_pool

    def spied(tasks, *args):
        rows = run_pool(tasks, *args)
        pool_runs.append(len(rows))
        return rows

    monkeypatch.setattr(rv, "_run_pool", spied)
    pooled = rv.ensure_recovery_views(other, workers=2)
    assert (pooled.folder / "log.csv").read_bytes() == expected
    # The views came from the worker processes, not from the inline fallback.
    assert len(pool_runs) == 1 and pool_runs[0] == len(expected.splitlines()) - 1


def test_training_on_a_person_adds_their_recovery_views_by_default(session, tmp_path):
    from agents.driving.train import TrainConfig, train
    from agents.modelio import read_card

    events = []
    out = tmp_path / "m.h5"
    config = TrainConfig((session,), "pilotnet", epochs=1, out_path=out, batch_size=32)
    train(config, progress=events.append)
    card = read_card(out)
    views = card["recovery_views"]
    assert views > 0 and (session / "recovery_views").is_dir()
    rows = len(load_session(session))
    assert card["frames"]["total"] == rows + views  # the views train beside the person's rows
    assert any(f"{views} recovery views" in (e.message or "") for e in events)
    off = tmp_path / "off.h5"
    train(config.with_(out_path=off, recovery_views=False))
    assert read_card(off)["recovery_views"] == 0 and read_card(off)["frames"]["total"] == rows
