"""Dashcam: frames are well formed and deterministic, and the road appears where geometry says."""

import math

import numpy as np
import pytest

from game.sim import raster as rs
from game.sim.dashcam import LOOKS, SKY, CameraParams, Dashcam
from game.sim.track import build_track
from game.sim.world import World

ROW = 130  # an image row well below the horizon and above the bonnet


@pytest.fixture(scope="module")
def stadium():
    """Two 160 m straights joined by 40 m radius half circles; the bottom straight runs +x."""
    pts = [(x, 0.0) for x in np.arange(0.0, 160.0, 5.0)]
    pts += [
        (160 + 40 * math.sin(a), 40 - 40 * math.cos(a))
        for a in np.linspace(0, math.pi, 16, endpoint=False)
    ]
    pts += [(x, 80.0) for x in np.arange(160.0, 0.0, -5.0)]
    pts += [
        (-40 * math.sin(a), 40 + 40 * math.cos(a))
        for a in np.linspace(0, math.pi, 16, endpoint=False)
    ]
    return build_track("stadium", pts)


@pytest.fixture(scope="module")
def cam(stadium):
    return Dashcam(stadium, look="day", seed=0)


def straight_pose(track, lateral_right=0.0, yaw=0.0):
    """Right-lane centre in the middle of the bottom straight, optionally moved and turned."""
    x, y, h = track.lane_center(80.0)
    return x, y - lateral_right, h + yaw


def columns(ids: np.ndarray, *materials: int) -> np.ndarray:
    return np.flatnonzero(np.isin(ids, materials))


def test_frame_shape_dtype_and_determinism(cam, stadium):
    pose = straight_pose(stadium)
    a = cam.render(*pose)
    assert a.shape == (160, 320, 3) and a.dtype == np.uint8
    assert np.array_equal(a, cam.render(*pose))
    assert np.array_equal(a, Dashcam(stadium, look="day", seed=0).render(*pose))


def test_seed_changes_texture_but_not_geometry(cam, stadium):
    pose = straight_pose(stadium)
    other = Dashcam(stadium, look="day", seed=1)
    assert not np.array_equal(cam.render(*pose), other.render(*pose))
    assert np.array_equal(cam.materials(*pose), other.materials(*pose))


def test_looks_differ(stadium):
    pose = straight_pose(stadium)
    frames = {look: Dashcam(stadium, look=look).render(*pose).astype(int) for look in LOOKS}
    assert len(LOOKS) >= 2
    for i, a in enumerate(LOOKS):
        for b in LOOKS[i + 1 :]:
            assert np.abs(frames[a] - frames[b]).mean() > 8, (a, b)


def test_sky_above_the_horizon_and_road_below(cam, stadium):
    pose = straight_pose(stadium)
    ids = cam.materials(*pose)
    horizon = cam.params.horizon_row
    assert 40 < horizon < 65  # about a third of the way down
    assert (ids[: int(horizon)] == SKY).all()
    assert (ids[ROW] != SKY).all()
    frame = cam.render(*pose).astype(int)
    top = frame[:10].reshape(-1, 3).mean(axis=0)
    assert top[2] > top[0] + 40  # a blue day sky


def test_lines_sit_where_the_right_lane_puts_them(cam, stadium):
    pose = straight_pose(stadium)
    ids = cam.materials(*pose)[ROW]
    centre = cam.params.width_px / 2
    centre_line = columns(ids, rs.DASH, rs.DASH_GAP)
    edges = columns(ids, rs.EDGE_LINE)
    assert centre_line.size and centre_line.max() < centre
    assert edges.size and edges.min() > centre
    assert ids[int(centre)] == rs.ASPHALT
    # The pixels agree: a bright white edge line on the right, grass beyond it.
    rgb = cam.render(*pose)[ROW].astype(int)
    white = np.flatnonzero(rgb.min(axis=1) > 190)
    assert white.size and white.mean() > centre
    beyond = rgb[edges.max() + 5 :]
    assert (beyond[:, 1] > beyond[:, 0]).all()  # green grass, no kerbs on the straight


def test_displaced_and_yawed_poses_shift_the_lines(cam, stadium):
    def line_columns(pose):
        ids = cam.materials(*pose)[ROW]
        return columns(ids, rs.DASH, rs.DASH_GAP).mean(), columns(ids, rs.EDGE_LINE).mean()

    centre0, edge0 = line_columns(straight_pose(stadium))
    centre_r, edge_r = line_columns(straight_pose(stadium, lateral_right=0.6))
    assert centre_r < centre0 - 5 and edge_r < edge0 - 5  # moved right: lines slide left
    centre_y, edge_y = line_columns(straight_pose(stadium, yaw=0.08))
    assert centre_y > centre0 + 5 and edge_y > edge0 + 5  # turned left: lines slide right


def road_centre_column(cam, pose, row):
    ids = cam.materials(*pose)[row]
    return columns(ids, rs.ASPHALT, rs.EDGE_LINE, rs.DASH, rs.DASH_GAP).mean()


def test_bends_ahead_curve_the_road_the_right_way(cam, stadium):
    # The stadium runs counter-clockwise: 15 m before the end of a straight a left bend lies
    # ahead. Driven the other way round (points reversed) the same bend turns right.
    far_row = int(cam.params.horizon_row) + 6
    straight = road_centre_column(cam, stadium.lane_center(60.0), far_row)
    left = road_centre_column(cam, stadium.lane_center(145.0), far_row)
    reverse = build_track("reverse", stadium.points[::-1])
    rcam = Dashcam(reverse)
    s_before = reverse.project(*stadium.point_at(20.0)[:2]).s  # left end, reverse direction
    right = road_centre_column(rcam, reverse.lane_center(s_before), far_row)
    assert left < straight - 20
    assert right > straight + 20


def test_render_world_uses_the_car_pose(cam, stadium):
    world = World(stadium, start_s=30.0)
    st = world.car.state
    assert np.array_equal(cam.render_world(world), cam.render(st.x, st.y, st.yaw))


def test_camera_params_round_trip_and_validation():
    p = CameraParams(pitch_deg=6.0, road_crop=(50, 150))
    assert CameraParams.from_dict(p.to_dict()) == p
    assert p.road_rows == (50, 150)
    with pytest.raises(ValueError, match="unknown"):
        CameraParams.from_dict({"zoom": 2})
    with pytest.raises(ValueError, match="hfov_deg"):
        CameraParams.from_dict({"hfov_deg": "wide"})
    with pytest.raises(ValueError, match="road_crop"):
        CameraParams(road_crop=(150, 50))


def test_other_frame_sizes_and_no_bonnet(stadium):
    cam = Dashcam(
        stadium,
        CameraParams(height_px=60, width_px=80, bonnet_px=0, road_crop=(20, 60)),
        look="dusk",
    )
    frame = cam.render(*straight_pose(stadium))
    assert frame.shape == (60, 80, 3)
    assert (cam.materials(*straight_pose(stadium))[-1] != SKY).all()


def test_unknown_look_is_rejected(stadium):
    with pytest.raises(ValueError, match="look"):
        Dashcam(stadium, look="fog")


def test_raster_materials_and_cache(stadium):
    r = rs.raster_for(stadium)
    assert rs.raster_for(stadium) is r  # built once per track object
    x, y, h = stadium.point_at(80.0)
    assert r.material_at(x, y) in (rs.DASH, rs.DASH_GAP)
    lx, ly, _ = stadium.lane_center(80.0)
    assert r.material_at(lx, ly) == rs.ASPHALT
    assert r.material_at(x, y - 20.0) == rs.GRASS
    # In the bend kerbs line the road just outside the edge.
    bx, by, bh = stadium.point_at(220.0)
    out = stadium.lane_width + 0.45
    assert r.material_at(bx + math.sin(bh) * out, by - math.cos(bh) * out) in (
        rs.KERB_RED,
        rs.KERB_WHITE,
    )


def test_raster_stores_only_tiles_near_the_road(stadium):
    r = rs.raster_for(stadium)
    rows, cols = r.shape
    assert r.res <= 0.1  # fine enough for crisp lines near the car
    assert r.tiles.nbytes < 0.5 * rows * cols  # far less than a full grid
    assert (r.tiles[0] == rs.GRASS).all()  # the shared tile stays plain grass
