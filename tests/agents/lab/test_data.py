"""The data amount knob: sessions cut to a number of minutes, every session by the same share."""

import csv
import json

from agents.lab.data import DONE, minutes_of


def session(folder, seconds):
    (folder / "frames").mkdir(parents=True)
    (folder / "frames" / "000000.png").write_bytes(b"png")
    (folder / "meta.json").write_text("{}")
    with open(folder / "log.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["frame", "steering", "t"])
        for i in range(int(seconds) + 1):
            w.writerow([f"frames/{i:06d}.png", 0.0, float(i)])
    (folder / DONE).write_text(json.dumps({"seconds": seconds}))
    return folder


def rows(folder):
    with open(folder / "log.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_minutes_cut_each_session_by_the_same_share(tmp_path):
    a = session(tmp_path / "a", 120.0)  # 2 min
    b = session(tmp_path / "b", 60.0)  # 1 min
    cut = minutes_of([a, b], 1.5)  # half of the 3 minutes
    assert [p.name for p in cut] == ["a", "b"] and all(p.parent.name == "minutes-1.5" for p in cut)
    assert max(float(r["t"]) for r in rows(cut[0])) == 60.0
    assert max(float(r["t"]) for r in rows(cut[1])) == 30.0
    # The frames are hard links (the session reader refuses symbolic ones), not copies.
    frame = cut[0] / "frames" / "000000.png"
    assert not frame.is_symlink() and not (cut[0] / "frames").is_symlink()
    assert frame.stat().st_ino == (a / "frames" / "000000.png").stat().st_ino
    assert len(rows(a)) == 121  # the original is untouched


def test_zero_or_more_than_recorded_means_all_of_it(tmp_path):
    a = session(tmp_path / "a", 60.0)
    assert minutes_of([a], 0) == [a]
    assert minutes_of([a], 5) == [a]


def test_relabelled_rows_carry_the_other_teachers_steering_from_their_poses(tmp_path):
    """The teacher knob: the same frames, every label the given teacher's from the row's pose;
    the build's own teacher (which recorded the data) leaves the sessions as they are."""
    import math

    import pytest

    from agents.driving.build import BUILD_TEACHER
    from agents.driving.expert import REFERENCE, Pursuit, expert_steering_from_pose
    from agents.lab.data import relabelled
    from game.sim.tracks_catalog import resolve_track

    track = resolve_track("oval")
    a = tmp_path / "a"
    (a / "frames").mkdir(parents=True)
    (a / "frames" / "000000.png").write_bytes(b"png")
    (a / "meta.json").write_text("{}")
    poses = []  # on the lane centre, then 0.3 m to the right of it, at three places
    for s in (20.0, 150.0, 300.0):
        x, y, heading = track.lane_center(s)
        for right in (0.0, 0.3):
            poses.append((x + right * math.sin(heading), y - right * math.cos(heading), heading))
    with open(a / "log.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["frame", "steering", "t", "x", "y", "yaw", "speed", "track", "source"])
        for i, (x, y, yaw) in enumerate(poses):
            w.writerow([f"frames/{i:06d}.png", 0.5, float(i), x, y, yaw, 12.0, "oval", "expert"])
    (a / DONE).write_text(json.dumps({"seconds": 5.0}))
    assert relabelled([a], BUILD_TEACHER) == [a]
    (out,) = relabelled([a], REFERENCE)
    assert out != a and (out / "frames" / "000000.png").stat().st_ino == (
        (a / "frames" / "000000.png").stat().st_ino
    )
    got = [float(r["steering"]) for r in rows(out)]
    for label, (x, y, yaw) in zip(got, poses, strict=True):
        want = expert_steering_from_pose(track, x, y, yaw, 12.0, pursuit=REFERENCE)
        assert label == pytest.approx(want, abs=1e-6)
    # Right of the lane centre steers left of the centre's label, and the teachers differ.
    assert all(got[i + 1] < got[i] - 0.005 for i in range(0, 6, 2))
    (stiffer,) = relabelled([a], Pursuit(feedback_gain=2.5))
    stiff = [float(r["steering"]) for r in rows(stiffer)]
    assert stiff[1] < got[1] and rows(a)[0]["steering"] == "0.5"  # the original is untouched


def test_a_relabelled_and_cut_recording_reads_like_any_session(tmp_path):
    """The derived folders are real sessions to the trainer's reader (it follows no symbolic
    link): every row is there, each label the new teacher's."""
    from agents.driving.expert import REFERENCE
    from agents.driving.expert_recorder import ExpertRecording, record_expert
    from agents.driving.recording_reader import load_session
    from agents.lab.data import relabelled

    src = tmp_path / "data" / "00-oval"
    summary = record_expert(ExpertRecording("oval", 1, src, rate_hz=1.0, seed=2))
    (src / DONE).write_text(json.dumps({"frames": summary.frames, "seconds": summary.elapsed_s}))
    (out,) = relabelled([src], REFERENCE)
    original, derived = load_session(src), load_session(out)
    assert len(derived.columns["steering"]) == len(original.columns["steering"]) == summary.frames
    assert not (derived.columns["steering"] == original.columns["steering"]).all()
    (cut,) = minutes_of([out], summary.elapsed_s / 120.0)  # the first half
    assert 0 < len(load_session(cut).columns["steering"]) < summary.frames
