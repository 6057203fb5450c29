"""Recording format, erase, tolerant loading, SIGKILL safety and recovery-view labels."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pytest

from agents.driving.recording_log import COLUMNS, FLOAT_COLUMNS, LogRow
from agents.driving.recording_reader import list_sessions, load_session
from agents.driving.recording_writer import Recorder, new_session_dir
from game.errors import UserFacingError
from game.sim.trackgen import generate_track
from game.sim.world import World

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def track():
    return generate_track(7)


def _frame(i: int) -> np.ndarray:
    """A small, cheap-to-encode image whose content identifies the frame."""
    img = np.zeros((160, 320, 3), np.uint8)
    img[:, :, 0] = i % 256
    return img


def _record(folder: Path, track, steps: int, rate_hz: float = 20.0) -> Recorder:
    """Drive straight ahead for `steps` sim steps, recording; returns the (closed) recorder."""
    world = World(track, start_speed=12.0)
    with Recorder(folder, {"fov_deg": 60.0}, track.name, "day", rate_hz=rate_hz) as rec:
        for i in range(steps):
            if rec.wants_frame(world):
                assert rec.update(world, _frame(i), 0.25)
            else:
                assert not rec.update(world, None, 0.25)  # not due: no frame needed
            world.step(0.0)
    return rec


def test_every_log_row_field_reads_back(tmp_path):
    """LogRow is the one spelling of the log: each field written comes back under its name, in
    its text form (7 significant digits, t to 4 decimals, off_lane as 1/0)."""
    row = LogRow(
        frame="ignored", steering=1.5, throttle=0.25, speed=12.345678912, lane_offset=-0.5,
        heading_error=0.125, x=1.0, y=-2.0, yaw=3.0, track="oval", source="takeover",
        t=1.23456, look="dusk", cam_dx=0.75, cam_dyaw=-0.0625, off_lane=True,
    )  # fmt: skip
    folder = tmp_path / "s"
    with Recorder(folder, None, "oval", "day") as rec:
        assert rec.write_row(_frame(0), row) == "frames/000000.png"
        rec.write_row(_frame(1), replace(row, look="", off_lane=False))
    with open(folder / "log.csv", newline="") as f:
        header, first, second = list(csv.reader(f))
    assert tuple(header) == COLUMNS == tuple(f.name for f in fields(LogRow))
    assert first == [
        "frames/000000.png", "1", "0.25", "12.34568", "-0.5", "0.125", "1", "-2", "3", "oval",
        "takeover", "1.2346", "dusk", "0.75", "-0.0625", "1",
    ]  # fmt: skip
    # (steering clamped to 1, the frame named by the recorder)
    assert second[COLUMNS.index("look")] == "day" and second[-1] == "0"  # the recorder's look
    s = load_session(folder)
    assert set(FLOAT_COLUMNS) <= set(s.columns)
    for name in FLOAT_COLUMNS:
        assert s.columns[name].dtype == np.float32
    assert s.columns["off_lane"].tolist() == [1.0, 0.0]
    assert s.columns["cam_dyaw"].tolist() == [-0.0625, -0.0625]
    assert s.columns["source"].tolist() == ["takeover", "takeover"]


def test_recorder_writes_the_format(tmp_path, track):
    folder = tmp_path / "s"
    rec = _record(folder, track, steps=120)  # 2 s at 60 Hz -> 40 samples at 20 Hz
    assert rec.frame_count == 40
    with open(folder / "log.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == 41
    first = dict(zip(COLUMNS, rows[1], strict=True))
    assert first["frame"] == "frames/000000.png"
    assert float(first["steering"]) == pytest.approx(0.25)
    assert first["source"] == "human" and first["track"] == track.name
    assert float(first["speed"]) == pytest.approx(12.0)
    times = [float(r[COLUMNS.index("t")]) for r in rows[1:]]
    assert np.allclose(np.diff(times), 0.05, atol=1e-3)  # 20 Hz in simulated time
    assert len(list((folder / "frames").glob("*.png"))) == 40
    assert not list((folder / "frames").glob("*.tmp"))
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["camera"] == {"fov_deg": 60.0}
    assert meta["track"] == track.name and meta["look"] == "day" and meta["rate_hz"] == 20.0
    assert meta["app_version"]

    s = load_session(folder)
    assert len(s.frames) == 40 and s.skipped == 0 and s.problems == []
    assert s.columns["steering"].dtype == np.float32
    assert s.columns["source"][0] == "human"
    assert s.columns["cam_dx"].tolist() == [0.0] * 40
    from PIL import Image

    assert np.asarray(Image.open(s.frames[5])).shape == (160, 320, 3)


def test_erase_last_removes_rows_and_images(tmp_path, track):
    folder = tmp_path / "s"
    world = World(track, start_speed=12.0)
    with Recorder(folder, None, track.name, "day") as rec:
        for i in range(600):  # 10 s -> 200 samples
            if rec.wants_frame(world):
                rec.update(world, _frame(i), 0.0)
            world.step(0.0)
        assert rec.erase_last(5.0) == 100
        assert rec.frame_count == 100
        # Recording goes on after an erase, without reusing erased names.
        rec.update(world, _frame(0), 0.0)
        assert rec.frame_count == 101
    s = load_session(folder)
    assert len(s.frames) == 101 and s.skipped == 0
    assert s.columns["t"][99] < 5.0
    assert s.frames[-1].name == "000200.png"
    assert len(list((folder / "frames").glob("*.png"))) == 101


def test_recorder_appends_to_an_existing_session(tmp_path, track):
    folder = tmp_path / "s"
    _record(folder, track, steps=30)  # 10 rows
    log = folder / "log.csv"
    log.write_bytes(log.read_bytes()[:-20])  # a killed run tore the last row
    (folder / "frames" / "000010.png.tmp").write_bytes(b"half a png")
    _record(folder, track, steps=30)
    s = load_session(folder)
    assert s.problems == []  # the torn row was dropped before appending
    assert len(s.frames) == 19 and len(set(s.frames)) == 19
    assert s.frames[-1].name == "000019.png"
    assert not list((folder / "frames").glob("*.tmp"))


def test_recorder_leaves_a_foreign_log_untouched(tmp_path, track):
    """Pointing a recording at someone else's folder: an error, and nothing changed there."""
    folder = tmp_path / "theirs"
    folder.mkdir()
    foreign = b"date,amount\n2024-01-01,12\n2024-01-02,3"  # their last line has no newline
    (folder / "log.csv").write_bytes(foreign)
    with pytest.raises(UserFacingError, match=r"log.csv line 1: not a recording log"):
        Recorder(folder, None, track.name, "day")
    assert (folder / "log.csv").read_bytes() == foreign
    assert [p.name for p in folder.iterdir()] == ["log.csv"]  # no frames/, no meta.json


def test_recorder_repairs_a_torn_header(tmp_path, track):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "log.csv").write_text("frame,steering,thr")  # killed while writing the header
    _record(folder, track, steps=6)
    assert len(load_session(folder)) == 2


def test_erase_last_failure_keeps_recording(tmp_path, track, monkeypatch):
    from agents.driving import recording_writer

    folder = tmp_path / "s"
    world = World(track, start_speed=12.0)
    with Recorder(folder, None, track.name, "day") as rec:
        for i in range(60):  # 1 s -> 20 samples
            if rec.wants_frame(world):
                rec.update(world, _frame(i), 0.0)
            world.step(0.0)

        def disk_full(*args):
            raise OSError(28, "No space left on device")

        with monkeypatch.context() as m:  # (undo() would also drop the tmp user home)
            m.setattr(recording_writer, "atomic_write_text", disk_full)
            with pytest.raises(OSError, match="No space"):
                rec.erase_last(0.5)
        assert rec.frame_count == 20  # nothing erased
        world.step(0.0)
        assert rec.update(world, _frame(99), 0.0)  # the log is open again
    s = load_session(folder)
    assert len(s.frames) == 21 and s.problems == []


def test_loader_tolerates_truncated_line_and_missing_images(tmp_path, track):
    folder = tmp_path / "s"
    _record(folder, track, steps=60)  # 20 rows: log lines 2..21
    (folder / "frames" / "000004.png").unlink()  # row on line 6
    log = folder / "log.csv"
    lines = log.read_text().splitlines(keepends=True)
    lines[9] = "frames/000008.png,not-a-number\n"  # line 10: too few fields
    lines[11] = lines[11].replace(",0.25,", ",abc,", 1)  # line 12: bad number
    lines[-1] = lines[-1][:25]  # line 21: torn by a crash, no newline
    log.write_text("".join(lines))

    s = load_session(folder)
    assert len(s.frames) == 16
    assert s.skipped == 4
    joined = "\n".join(s.problems)
    assert "line 6: missing image frames/000004.png" in joined
    assert "line 10:" in joined and "line 12:" in joined
    assert "line 21: truncated row" in joined
    assert all(p.exists() for p in s.frames)
    summary = list_sessions(tmp_path)[0]
    assert summary.frames == 16 and summary.skipped == 4
    assert summary.steering_hist.sum() == 16


def test_loader_names_missing_files(tmp_path, track):
    folder = tmp_path / "s"
    _record(folder, track, steps=6)
    (folder / "meta.json").unlink()
    with pytest.raises(UserFacingError, match="meta.json"):
        load_session(folder)
    _record(tmp_path / "t", track, steps=6)
    (tmp_path / "t" / "log.csv").unlink()
    with pytest.raises(UserFacingError, match="log.csv"):
        load_session(tmp_path / "t")


def test_list_sessions_and_default_folder(track):
    folder = new_session_dir("gen:7")
    assert folder.name.endswith("_gen-7")
    _record(folder, track, steps=30)
    (summary,) = list_sessions()
    assert summary.path == folder and summary.frames == 10
    assert summary.sources == {"human": 10} and summary.track == track.name


def test_list_sessions_of_a_missing_folder_or_a_file_is_an_error(tmp_path):
    with pytest.raises(UserFacingError, match="nope: no such folder"):
        list_sessions(tmp_path / "nope")
    a_file = tmp_path / "notes.txt"
    a_file.write_text("hi")
    with pytest.raises(UserFacingError, match="notes.txt: no such folder"):
        list_sessions(a_file)
    assert list_sessions(tmp_path) == []  # an existing folder without sessions is fine


def _rows_in(log: Path) -> int:
    try:
        return max(log.read_bytes().count(b"\n") - 1, 0)
    except FileNotFoundError:
        return 0


def _images_in(folder: Path) -> int:
    return len(list((folder / "frames").glob("*.png")))  # not the *.png.tmp being written


def test_sigkill_mid_recording_loses_at_most_a_second(tmp_path):
    folder = tmp_path / "crash"
    # A low rate keeps a second's rows well under one 8 KiB write buffer (~60 rows), so rows
    # on disk in time show the recorder's own syncs, not the buffer filling up.
    rate, views = 5, 3  # one normal frame + two recovery views per sample
    lag = (rate + 1) * views  # images that may lack a row: a simulated second and one sample
    want = 4 * rate * views  # four simulated seconds: several syncs
    cmd = [sys.executable, str(ROOT / "main.py"), "record", "--driver", "expert",
           "--track", "gen:3", "--laps", "50", "--out", str(folder), "--headless",
           "--rate", str(rate)]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        # Watch the folder while it records; the deadline only bounds a machine under load.
        deadline, images, rows = time.monotonic() + 120, 0, 0
        while images < want and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
            images = _images_in(folder)  # first: the rows read next are at least as recent
            rows = _rows_in(folder / "log.csv")
            assert rows >= images - lag, f"{images} images on disk but only {rows} rows"
        assert proc.poll() is None, proc.stderr.read().decode()
        assert images >= want, f"only {images} images in 120 s: the recording never got going"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()

    s = load_session(folder)
    assert s.problems in ([], [f"log.csv line {len(s.frames) + 2}: truncated row"])
    assert len(s.frames) >= rows  # every row synced before the kill survived it
    assert all(p.exists() for p in s.frames)  # every row's image is complete and present
    on_disk = sorted((folder / "frames").glob("*.png"))
    names = {p.name for p in s.frames}
    orphans = [p for p in on_disk if p.name not in names]
    assert len(orphans) <= lag  # rows are synced at least every simulated second
    assert set(s.columns["source"]) == {"expert", "recovery"}


def test_near_views_sit_close_to_the_pose_in_the_share_asked_for():
    import math

    from agents.driving.expert_recorder import (
        NEAR_SHIFT_RANGE_M,
        NEAR_YAW_MAX_DEG,
        SHIFT_RANGE_M,
        YAW_RANGE_DEG,
        recovery_offsets,
    )

    rng = np.random.default_rng(0)
    views = np.array([v for _ in range(1000) for v in recovery_offsets(rng, 2, near_share=0.25)])
    dx, dyaw = np.abs(views[:, 0]), np.degrees(np.abs(views[:, 1]))
    lo, hi = NEAR_SHIFT_RANGE_M
    near = (dx >= lo) & (dx <= hi) & (dyaw <= NEAR_YAW_MAX_DEG)
    assert 0.21 < near.mean() < 0.29
    far = ~near  # the usual recoveries: a big shift and/or a big yaw
    assert np.all((dx[far] >= SHIFT_RANGE_M[0]) | (dyaw[far] >= YAW_RANGE_DEG[0]))
    assert np.sum(views[:, 0] > 0) == pytest.approx(np.sum(views[:, 0] < 0), rel=0.1)
    plain = np.array([v for _ in range(300) for v in recovery_offsets(rng, 2)])  # none near
    big_yaw = np.abs(plain[:, 1]) >= math.radians(YAW_RANGE_DEG[0]) - 1e-12
    assert np.all((np.abs(plain[:, 0]) >= SHIFT_RANGE_M[0]) | big_yaw)


def test_recovery_labels_point_back_to_the_lane_centre(tmp_path):
    from agents.driving.expert import TEACHER, expert_steering_from_pose
    from agents.driving.expert_recorder import ExpertRecording, record_expert

    track = generate_track(11)
    out = tmp_path / "rec"
    teacher = TEACHER  # a stiffer teacher than the reference, as the build uses
    summary = record_expert(ExpertRecording(track, 1, out, rate_hz=2.0, seed=3, pursuit=teacher))
    assert summary.interventions == 0
    s = load_session(out)
    c = s.columns
    assert summary.recovery_frames == 2 * summary.expert_frames
    assert summary.to_json()["out_dir"] == str(out) and summary.frames == 3 * summary.expert_frames
    by_t = {
        float(t): float(st)
        for t, st, src in zip(c["t"], c["steering"], c["source"], strict=True)
        if src == "expert"
    }
    rec = c["source"] == "recovery"
    assert rec.sum() >= 50
    dx, dyaw = c["cam_dx"][rec], c["cam_dyaw"][rec]
    assert (np.abs(dx) + np.abs(dyaw) > 0).all()
    assert ((dx > 0).sum() > 10) and ((dx < 0).sum() > 10)  # both sides are covered
    # Each recovery label, relative to the expert's label at the same instant, steers against
    # the displacement: a camera shifted or yawed right must steer left (more negative).
    side = np.sign(np.where(dx != 0, dx, dyaw))
    base = np.array([by_t[float(t)] for t in c["t"][rec]])
    correction = c["steering"][rec] - base
    saturated = np.abs(c["steering"][rec]) >= 0.999  # full lock cannot steer any further
    assert ((np.sign(correction) == -side) | saturated).all()
    # The stored view pose matches the displacement: shifted right -> offset to the right.
    shifted = dx != 0
    assert (np.sign(c["lane_offset"][rec][shifted]) == np.sign(dx[shifted])).mean() > 0.95
    # Every label, the drive's and the views', is that teacher's steering from the row's pose.
    poses = zip(c["x"], c["y"], c["yaw"], c["speed"], strict=True)
    labels = [expert_steering_from_pose(track, *p, pursuit=teacher) for p in poses]
    # (Poses are stored to 7 digits and the drive projects from a hint: a few differ a little.)
    diff = np.abs(c["steering"] - np.clip(labels, -1.0, 1.0))
    assert np.mean(diff < 1e-4) > 0.98 and diff.max() < 2e-3
    views = zip(c["x"][rec], c["y"][rec], c["yaw"][rec], c["speed"][rec], strict=True)
    soft = [expert_steering_from_pose(track, *p) for p in views]
    assert np.abs(c["steering"][rec] - np.clip(soft, -1.0, 1.0)).mean() > 0.05  # not the reference


# --- the off_lane column ------------------------------------------------------------------------


def test_off_lane_column_comes_from_the_world(tmp_path, track):
    folder = tmp_path / "s"
    world = World(track, start_speed=12.0, scoring="person")
    with Recorder(folder, {}, track.name, "day") as rec:
        rec.update(world, _frame(0), 0.0)  # in its lane
        world.off_lane = True  # as after a step that left the lane
        world.time += 1.0
        rec.update(world, _frame(1), 0.0)
    with open(folder / "log.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["off_lane"] for r in rows] == ["0", "1"]
    assert load_session(folder).columns["off_lane"].tolist() == [0.0, 1.0]


def _write_old_session(folder: Path, track) -> None:
    """A session as written before the off_lane column existed."""
    _record(folder, track, steps=6)  # 2 rows
    log = folder / "log.csv"
    rows = list(csv.reader(log.open(newline="")))
    with log.open("w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(r[:-1] for r in rows)


def test_an_old_log_without_off_lane_loads_and_appends(tmp_path, track):
    folder = tmp_path / "old"
    _write_old_session(folder, track)
    s = load_session(folder)
    assert len(s) == 2 and s.problems == []
    assert s.columns["off_lane"].tolist() == [0.0, 0.0]
    world = World(track, start_speed=12.0)
    with Recorder(folder, {}, track.name, "day") as rec:  # appending keeps its layout
        rec.update(world, _frame(9), 0.0)
    s = load_session(folder)
    assert len(s) == 3 and s.problems == [] and s.columns["off_lane"].tolist() == [0.0] * 3
