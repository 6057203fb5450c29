"""Track geometry, the generator, lane metrics on known shapes, and bad track files."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game.sim.geometry import segments_intersect
from game.sim.track import (
    TrackError,
    build_track,
    load_track_file,
    loop_turns_left,
    min_allowed_radius,
    track_from_dict,
)
from game.sim.trackgen import generate_points, generate_track
from game.sim.tracks_catalog import list_tracks, resolve_track
from game.sim.world import World

seeds = st.integers(min_value=0, max_value=2**31 - 1)


def circle(radius: float, n: int = 64, clockwise: bool = False) -> np.ndarray:
    a = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    pts = np.column_stack([radius * np.cos(a), radius * np.sin(a)])
    return pts[::-1].copy() if clockwise else pts


def stadium(straight: float = 200.0, radius: float = 40.0, step: float = 5.0) -> np.ndarray:
    """Anticlockwise: bottom straight y=0 heading east from x=0, top straight y=2R heading west."""
    pts = [(x, 0.0) for x in np.arange(0.0, straight, step)]
    for a in np.arange(-np.pi / 2, np.pi / 2, step / radius):
        pts.append((straight + radius * math.cos(a), radius + radius * math.sin(a)))
    pts += [(x, 2 * radius) for x in np.arange(straight, 0.0, -step)]
    for a in np.arange(np.pi / 2, 3 * np.pi / 2, step / radius):
        pts.append((radius * math.cos(a), radius + radius * math.sin(a)))
    return np.array(pts)


# --- generator properties -------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(seeds)
def test_generated_track_is_a_drivable_closed_loop(seed):
    t = generate_track(seed)
    assert t.name == f"gen:{seed}"
    assert 500.0 <= t.length <= 1500.0
    # Closed: the last dense point is about one sample spacing from the first.
    assert np.linalg.norm(t.centerline[-1] - t.centerline[0]) < 2.0
    assert segments_intersect(t.centerline) is None
    assert t.min_radius >= min_allowed_radius(t.lane_width)
    # Parts of the road far apart along the track never overlap side by side.
    c, s = t.centerline[::3], t.s[::3]
    d = np.linalg.norm(c[:, None] - c[None], axis=2)
    ds = np.abs(s[:, None] - s[None])
    far_along = np.minimum(ds, t.length - ds) > 60.0
    assert d[far_along].min() > 4 * t.lane_width


@settings(max_examples=10, deadline=None)
@given(seeds)
def test_generator_is_deterministic_by_seed(seed):
    np.testing.assert_array_equal(generate_points(seed), generate_points(seed))


def test_different_seeds_give_different_tracks():
    assert not np.allclose(generate_points(1), generate_points(2))


def test_generated_track_survives_a_json_round_trip(tmp_path):
    t = generate_track(11)
    path = tmp_path / "g.json"
    t.save(path)
    back = load_track_file(path)
    assert back.name == "gen:11"
    assert back.length == pytest.approx(t.length, abs=0.5)


# --- lane metrics on hand-made geometry ---------------------------------------------------


def test_stadium_projection_on_the_straight():
    t = build_track("stadium", stadium())
    # Bottom straight heads east: right of it is -y.
    p = t.project(100.0, -2.0)
    assert p.lateral == pytest.approx(2.0, abs=1e-6)
    assert p.heading == pytest.approx(0.0, abs=1e-6)
    assert t.lane_offset(p.lateral) == pytest.approx(2.0 - t.lane_width / 2, abs=1e-6)
    p = t.project(100.0, 1.0)
    assert p.lateral == pytest.approx(-1.0, abs=1e-6)
    # Top straight heads west: right of it is +y.
    p = t.project(100.0, 80.0 + 3.0)
    assert p.lateral == pytest.approx(3.0, abs=1e-3)
    assert abs(p.heading) == pytest.approx(math.pi, abs=1e-6)


def test_stadium_lane_centre_is_half_a_lane_right_of_the_centre_line():
    t = build_track("stadium", stadium())
    p = t.project(100.0, 0.0)
    x, y, heading = t.lane_center(p.s)
    assert (x, y) == pytest.approx((100.0, -t.lane_width / 2), abs=1e-6)
    assert heading == pytest.approx(0.0, abs=1e-6)


def test_stadium_length_and_arc_length():
    t = build_track("stadium", stadium(200.0, 40.0))
    assert t.length == pytest.approx(400.0 + 2 * math.pi * 40.0, rel=0.01)
    # s grows in the driving direction along the bottom straight.
    assert t.project(150.0, 0.0).s - t.project(50.0, 0.0).s == pytest.approx(100.0, abs=0.1)


@pytest.mark.parametrize("clockwise", [False, True])
def test_circle_offsets_and_curvature(clockwise):
    r = 50.0
    t = build_track("circle", circle(r, clockwise=clockwise))
    assert t.length == pytest.approx(2 * math.pi * r, rel=0.01)
    assert t.min_radius == pytest.approx(r, rel=0.05)
    assert np.sign(t.curvature).min() == np.sign(t.curvature).max() == (-1 if clockwise else 1)
    # Anticlockwise, right is outside; clockwise, right is inside.
    outside = 1.0 if not clockwise else -1.0
    for radius, expected_lateral in [(r + 2.0, 2.0 * outside), (r - 1.0, -1.0 * outside)]:
        p = t.project(radius, 0.0)
        assert p.lateral == pytest.approx(expected_lateral, abs=0.05)
    x, y, _ = t.lane_center(10.0)
    assert math.hypot(x, y) == pytest.approx(r + outside * t.lane_width / 2, abs=0.05)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_loop_turns_left_agrees_with_the_curvature(seed):
    """Shoelace direction of a loop = the sign of its total turning (left is positive)."""
    assert loop_turns_left(circle(30.0)) and not loop_turns_left(circle(30.0, clockwise=True))
    points = generate_points(seed)
    t = build_track("g", points)
    turning = float((t.curvature * (t.length / t.n)).sum())
    assert abs(abs(turning) - 2 * math.pi) < 0.1
    assert loop_turns_left(points) == (turning > 0)
    assert loop_turns_left(points[::-1]) == (turning < 0)


def test_world_metrics_signs_on_a_circle():
    t = build_track("circle", circle(50.0))
    w = World(t, start_s=20.0)
    assert w.metrics.offset == pytest.approx(0.0, abs=0.02)
    x, y, heading = t.lane_center(20.0)
    # Half a metre to the right of the lane centre, pointing 0.2 rad to the right.
    w.car.place(x + math.sin(heading) * 0.5, y - math.cos(heading) * 0.5, heading - 0.2)
    w._update_metrics()
    assert w.metrics.offset == pytest.approx(0.5, abs=0.02)
    assert w.metrics.heading_error == pytest.approx(0.2, abs=0.02)


def test_projection_with_hint_matches_global_search():
    t = generate_track(5)
    rng = np.random.default_rng(0)
    for _ in range(50):
        s = rng.uniform(0, t.length)
        x, y, h = t.point_at(s)
        dx, dy = rng.uniform(-2, 2, size=2)
        glob = t.project(x + dx, y + dy)
        local = t.project(x + dx, y + dy, hint=glob.index + 3)
        assert local.lateral == pytest.approx(glob.lateral, abs=1e-6)
        assert local.s == pytest.approx(glob.s, abs=1e-6)


# --- shipped tracks -------------------------------------------------------------------------


def test_shipped_tracks_load_and_resolve_by_any_name():
    names = list_tracks()
    assert {"oval", "kidney", "hairpin", "spielberg", "norisring", "brands_hatch"} <= set(names)
    for name in names:
        t = resolve_track(name)
        assert t.min_radius >= min_allowed_radius(t.lane_width)
        assert resolve_track(name.upper()) is t  # cached and case-insensitive
    assert resolve_track("Brands Hatch").name == "Brands Hatch"
    assert resolve_track("gen:3").name == "gen:3"


def test_hand_designed_tracks_are_within_the_brief():
    for name in ("oval", "kidney", "hairpin"):
        t = resolve_track(name)
        assert 500.0 <= t.length <= 2500.0


def test_resolve_track_accepts_a_file_path(tmp_path):
    path = tmp_path / "mine.json"
    generate_track(4).save(path)
    assert resolve_track(str(path)).name == "gen:4"


@pytest.mark.parametrize(
    "spec, words",
    [
        ("no-such-track", ["oval", "gen:SEED"]),
        ("gen:abc", ["whole number"]),
        ("missing.json", ["missing.json", "no such track file"]),
    ],
)
def test_resolve_track_rejects_bad_specs(spec, words):
    with pytest.raises(TrackError) as e:
        resolve_track(spec)
    for w in words:
        assert w in str(e.value)


# --- bad track files --------------------------------------------------------------------------


def write(tmp_path, data, name="bad.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


GOOD = circle(50.0, 24).round(3).tolist()


@pytest.mark.parametrize(
    "data, words",
    [
        ({"name": "x", "centerline": [[0, 0], [10, 0], [10, 10]]}, ["3 points", "at least 4"]),
        ('{"name": "x", "centerline": [[0, 0], [NaN, 0], [50, 50], [0, 50]]}',
         ["point 1", "NaN"]),
        ({"name": "x", "centerline": [[0, 0], [100, 100], [100, 0], [0, 100]]},
         ["crosses itself"]),
        ({"name": "x", "centerline": circle(5.0, 16).tolist()}, ["radius", "at least 8.6"]),
        ({"centerline": GOOD}, ["missing field 'name'"]),
        ({"name": "x"}, ["missing field 'centerline'"]),
        ({"name": 3, "centerline": GOOD}, ["'name' must be a string"]),
        ({"name": "x", "centerline": "0,0 1,1"}, ["'centerline'", "[x, y]"]),
        ({"name": "x", "centerline": [[0, 0, 0]] * 5}, ["'centerline'", "[x, y]"]),
        ({"name": "x", "centerline": [["a", 0]] * 5}, ["'centerline'", "[x, y]"]),
        ({"name": "x", "centerline": GOOD, "lane_width": "wide"}, ["'lane_width'", "number"]),
        ({"name": "x", "centerline": GOOD, "lane_width": 50}, ["lane_width", "between"]),
        ([1, 2, 3], ["JSON object"]),
        ({"name": "x", "centerline": (circle(50.0, 24) * 1e5).tolist()}, ["longer than 50 km"]),
        ({"name": "x", "centerline": (circle(50.0, 24) * 1e306).tolist()}, ["longer than 50 km"]),
        ('{"name": "x",\n "centerline": [[0, 0],\n [1, 2\n}', ["bad.json:4", "not valid JSON"]),
    ],
    ids=["too-few", "nan", "self-intersecting", "too-tight", "no-name", "no-centerline",
         "name-type", "centerline-type", "triples", "strings", "lane-width-type",
         "lane-width-range", "not-object", "huge", "overflow", "invalid-json"],
)  # fmt: skip
def test_bad_track_files_are_rejected_with_a_clear_message(tmp_path, data, words):
    path = write(tmp_path, data)
    with pytest.raises(TrackError) as e:
        load_track_file(path)
    msg = str(e.value)
    assert path in msg and "\n" not in msg
    for w in words:
        assert w in msg


def test_unreadable_track_file_is_a_track_error(tmp_path):
    with pytest.raises(TrackError, match="cannot read"):
        load_track_file(tmp_path / "absent.json")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe{}")
    with pytest.raises(TrackError, match="not UTF-8"):
        load_track_file(binary)


def test_good_circle_file_loads(tmp_path):
    t = load_track_file(write(tmp_path, {"name": "ring", "centerline": GOOD}, "ring.json"))
    assert t.name == "ring" and t.length == pytest.approx(2 * math.pi * 50, rel=0.02)


def test_loop_that_repeats_its_first_point_is_accepted():
    t = track_from_dict({"name": "r", "centerline": GOOD + [GOOD[0]]}, "here")
    assert len(t.points) == len(GOOD)
