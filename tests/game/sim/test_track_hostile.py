"""Hostile track input: deep JSON, huge loops, dense self-crossing checks, broken user files."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from game.sim import geometry, tracks_catalog
from game.sim import track as track_module
from game.sim.geometry import TooDenseError, segments_intersect, segments_intersect_bruteforce
from game.sim.track import (
    MAX_POINTS,
    TrackError,
    build_track,
    load_track_file,
    track_from_dict,
    validate_centerline,
)
from game.sim.tracks_catalog import list_tracks, resolve_track, track_entries, user_tracks_dir


def loop(n: int, radius: float = 1500.0) -> np.ndarray:
    """A smooth three-lobed loop of n points (about 9.6 km for the default radius)."""
    a = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    r = radius * (1.0 + 0.1 * np.cos(3.0 * a))
    return np.column_stack([r * np.cos(a), r * np.sin(a)])


def with_spike(points: np.ndarray, k: int, towards: int) -> np.ndarray:
    """Moves point k just outside point `towards`: the loop now crosses itself there."""
    p = points.copy()
    p[k] = p[towards] * 1.001
    return p


# --- deeply nested and odd JSON -------------------------------------------------------------


def test_deeply_nested_track_file_is_a_track_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"name": "x", "centerline": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(TrackError) as e:
        load_track_file(path)
    assert str(path) in str(e.value) and "nested too deeply" in str(e.value)


def test_nan_and_infinity_words_are_reported_per_point(tmp_path):
    path = tmp_path / "inf.json"
    path.write_text('{"name": "x", "centerline": [[0, 0], [50, 0], [Infinity, 50], [0, 50]]}')
    with pytest.raises(TrackError, match=r"inf.json: centerline point 2 is not a finite"):
        load_track_file(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_named_like_a_track_file_is_refused_without_blocking(tmp_path):
    path = tmp_path / "pipe.json"
    os.mkfifo(path)
    with pytest.raises(TrackError, match="pipe.json: not a regular file"):
        load_track_file(path)


# --- size cap and the self-crossing check ----------------------------------------------------


def test_too_many_points_is_refused_with_the_cap_in_the_message():
    pts = [[float(i), 0.0] for i in range(MAX_POINTS + 1)]
    with pytest.raises(TrackError) as e:
        track_from_dict({"name": "big", "centerline": pts}, "big.json")
    assert f"{MAX_POINTS + 1:,} points" in str(e.value) and f"{MAX_POINTS:,}" in str(e.value)
    with pytest.raises(TrackError, match="at most 200,000"):
        validate_centerline(np.zeros((MAX_POINTS + 1, 2)), 3.5, "here")


def test_a_large_valid_loop_builds():
    t = build_track("big", loop(50_000))
    assert t.length == pytest.approx(9634, rel=0.01)
    assert t.n < 10_000  # densified to 1 m, however many raw points there were


def test_a_crossing_in_a_large_loop_is_found():
    pts = with_spike(loop(50_000), 30_000, 100)
    with pytest.raises(TrackError, match="crosses itself") as e:
        validate_centerline(pts, 3.5, "spiky")
    i, j = segments_intersect(pts)
    assert j in (29_999, 30_000) and 90 <= i <= 110  # the spike meets the loop near point 100
    assert f"segment {i} meets segment {j}" in str(e.value)


def _random_polylines(rng: np.random.Generator, count: int):
    for k in range(count):
        n = int(rng.integers(4, 80))
        kind = k % 4
        if kind == 0:  # spaghetti: many crossings
            yield rng.uniform(-10, 10, (n, 2))
        elif kind == 1:  # a star-shaped loop, sometimes with one point flipped across it
            a = np.sort(rng.uniform(0, 2 * np.pi, n))
            pts = np.column_stack([np.cos(a), np.sin(a)]) * rng.uniform(5, 6, (n, 1))
            if rng.random() < 0.5:
                pts[rng.integers(n)] *= -rng.uniform(0.3, 1.2)
            yield pts
        elif kind == 2:  # lattice points: collinear overlaps, touching ends, repeats
            yield rng.integers(-2, 3, (n, 2)).astype(float)
        else:  # a tiny loop far from the origin (rounding)
            a = np.sort(rng.uniform(0, 2 * np.pi, n))
            pts = 1e5 + 1e-3 * np.column_stack([np.cos(a), np.sin(a)])
            pts[rng.integers(n)] += rng.normal(0, 1e-3, 2)
            yield pts


@pytest.mark.parametrize("crowded", [False, True], ids=["tree", "crowded-leaf-scan"])
def test_fast_crossing_check_reports_the_same_pair_as_the_all_pairs_scan(crowded, monkeypatch):
    if crowded:  # every leaf takes the row-by-row scan, in blocks of a few pairs
        monkeypatch.setattr(geometry, "BIG_LEAF", 2)
        monkeypatch.setattr(geometry, "SCAN_BLOCK_PAIRS", 7)
    rng = np.random.default_rng(7)
    for pts in _random_polylines(rng, 300):
        assert segments_intersect(pts) == segments_intersect_bruteforce(pts), pts.tolist()
    big = with_spike(loop(1500), 1000, 10)  # crowded and sparse parts in one loop
    assert segments_intersect(big) == segments_intersect_bruteforce(big) is not None


def test_strands_lying_on_each_other_stop_at_the_pair_budget(monkeypatch):
    # Back and forth along one line: every segment overlaps every other, none "crosses".
    n = 2000
    x = np.tile([0.0, 2.0], n // 2) + np.arange(n) * 1e-7
    pts = np.column_stack([x, np.zeros(n)])
    with pytest.raises(TooDenseError):
        segments_intersect(pts, max_pairs=10_000)
    monkeypatch.setattr(track_module, "MAX_CROSSING_PAIRS", 10_000)
    with pytest.raises(TrackError, match="lie on top of each other"):
        validate_centerline(pts, 3.5, "zigzag")


# --- the catalogue with broken files ---------------------------------------------------------


GOOD_LOOP = loop(64, radius=60.0).round(3).tolist()


def _user_tracks():
    folder = user_tracks_dir()
    (folder / "mine.json").write_text(json.dumps({"name": "Mine", "centerline": GOOD_LOOP}))
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (folder / "broken.json").write_text('{"name": "x", "centerline": [[0, 0],')
    (folder / "folder.json").mkdir()
    (folder / "oval.json").write_text(json.dumps({"name": "My oval", "centerline": GOOD_LOOP}))
    return folder


def test_one_bad_user_track_does_not_break_the_list():
    folder = _user_tracks()
    shipped = list_tracks()
    specs = list_tracks(user=True)
    assert specs[: len(shipped)] == shipped
    assert {"mine", "deep", "broken", "folder"} <= set(specs)
    assert str(folder / "oval.json") in specs  # a shipped name: the user's file goes by path

    entries = {e.spec: e for e in track_entries()}
    assert entries["mine"].track.name == "Mine" and entries["mine"].error is None
    assert entries["oval"].shipped and entries["oval"].track.name == "Oval"
    assert entries[str(folder / "oval.json")].track.name == "My oval"
    for spec, words in [("deep", "nested too deeply"), ("broken", "not valid JSON"),
                        ("folder", "is a folder")]:  # fmt: skip
        e = entries[spec]
        assert e.track is None and str(folder / f"{spec}.json") in e.error and words in e.error

    assert resolve_track("mine").name == "Mine"
    with pytest.raises(TrackError, match="deep.json: JSON nested too deeply"):
        resolve_track("deep")


def test_a_broken_shipped_file_does_not_break_listing(tmp_path, monkeypatch):
    shipped = tmp_path / "assets"
    shipped.mkdir()
    (shipped / "oval.json").write_text(json.dumps({"name": "Oval", "centerline": GOOD_LOOP}))
    (shipped / "zz_deep.json").write_text("[" * 100_000 + "]" * 100_000)
    monkeypatch.setattr(tracks_catalog, "tracks_dir", lambda: shipped)
    tracks_catalog._shipped_files.cache_clear()
    try:
        assert list_tracks() == ["oval", "zz_deep"]
        entries = track_entries(user=False)
        assert [e.error is None for e in entries] == [True, False]
        assert "zz_deep.json" in entries[1].error
    finally:
        tracks_catalog._shipped_files.cache_clear()



@pytest.mark.parametrize("spec", ["gen:4294967296", "gen:-1", "gen:" + "9" * 5000, "gen:x"])
def test_a_generated_track_seed_out_of_range_is_one_short_message(spec):
    with pytest.raises(tracks_catalog.TrackError) as info:
        resolve_track(spec)
    message = str(info.value)
    assert "from 0 to 4,294,967,295" in message and len(message) < 200


def test_the_largest_seed_track_gen_takes_is_a_track():
    assert resolve_track("gen:4294967295").name == "gen:4294967295"
