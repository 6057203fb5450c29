"""The data amount knob: sessions cut to a number of minutes, every session by the same share."""

import csv
import json

from agents.lab.data import DONE, minutes_of


def session(folder, seconds):
    (folder / "frames").mkdir(parents=True)
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
    assert (cut[0] / "frames").resolve() == (a / "frames").resolve()  # linked, not copied
    assert len(rows(a)) == 121  # the original is untouched


def test_zero_or_more_than_recorded_means_all_of_it(tmp_path):
    a = session(tmp_path / "a", 60.0)
    assert minutes_of([a], 0) == [a]
    assert minutes_of([a], 5) == [a]
