"""The dashcam raster's disk cache: a track built once loads from the user's cache after."""

import numpy as np
import pytest

from game.sim import raster
from game.sim.track import Track
from game.sim.tracks_catalog import resolve_track


def _circle(radius: float = 60.0, lane_width: float = 3.5) -> Track:
    a = np.linspace(0.0, 2 * np.pi, 90, endpoint=False)
    pts = np.column_stack([radius * np.cos(a), radius * np.sin(a)])
    return Track("circle", pts, lane_width=lane_width)


@pytest.fixture(autouse=True)
def _no_memory_cache():
    raster.forget_cached()
    yield
    raster.forget_cached()


def _same(a: raster.TrackRaster, b: raster.TrackRaster) -> None:
    np.testing.assert_array_equal(a.tiles, b.tiles)
    np.testing.assert_array_equal(a.tile_index, b.tile_index)
    assert (a.x0, a.y0, a.res, a.dash_period) == (b.x0, b.y0, b.res, b.dash_period)


def test_a_built_raster_is_written_and_read_back_without_building(monkeypatch):
    track = _circle()
    first = raster.raster_for(track)
    assert raster.cache_path(track).is_file()
    raster.forget_cached()

    def no_build(*_a, **_k):
        raise AssertionError("built again instead of read from the cache")

    monkeypatch.setattr(raster, "build_raster", no_build)
    _same(raster.raster_for(_circle()), first)  # a new Track object of the same geometry


def test_the_key_follows_the_geometry():
    assert raster.track_key(_circle()) == raster.track_key(_circle())
    assert raster.track_key(_circle()) != raster.track_key(_circle(lane_width=3.0))
    assert raster.track_key(_circle()) != raster.track_key(_circle(radius=61.0))


@pytest.mark.parametrize("garbage", [b"", b"not a raster", b"\x93NUMPY\x01\x00broken"])
def test_a_bad_cache_file_is_built_again_and_replaced(garbage):
    track = _circle()
    expected = raster.build_raster(track)
    path = raster.cache_path(track)
    path.write_bytes(garbage)
    _same(raster.raster_for(track), expected)
    raster.forget_cached()
    _same(raster._read(path), expected)  # the good raster replaced the bad file


def test_a_cache_file_with_an_index_past_its_tiles_is_refused():
    track = _circle()
    r = raster.build_raster(track)
    bad = raster.TrackRaster(r.tiles[:1], r.tile_index, r.x0, r.y0, r.res, r.dash_period)
    path = raster.cache_path(track)
    raster._write(path, bad)
    assert raster._read(path) is None


def test_fill_disk_cache_builds_only_what_is_missing_and_stops_when_asked():
    tracks = [resolve_track("oval"), _circle()]
    assert raster.fill_disk_cache(tracks, stop=lambda: True) == 0
    assert not raster.cache_path(tracks[0]).exists()
    assert raster.fill_disk_cache(tracks) == 2
    assert all(raster.cache_path(t).is_file() for t in tracks)
    assert raster.fill_disk_cache(tracks) == 0


def test_the_apps_warm_up_job_builds_nothing_once_cancelled():
    from game.app import _fill_raster_cache

    class Cancelled:
        cancelled = True

    assert _fill_raster_cache(Cancelled()) == 0
    assert not raster.cache_path(resolve_track("oval")).exists()


def test_a_cut_off_cache_file_is_refused():
    track = _circle()
    path = raster.cache_path(track)
    raster._write(path, raster.build_raster(track))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert raster._read(path) is None
