"""The default model's build recipe: its tracks turn left and right in equal measure."""

from __future__ import annotations

import math

import numpy as np
import pytest

from agents.driving.build import BuildRecipe, build_tracks, training_track


def total_turning(track) -> float:
    """Radians turned over one lap: +2 pi for an anticlockwise (left-turning) loop."""
    return float((track.curvature * (track.length / track.n)).sum())


@pytest.mark.parametrize("seed, scale", [(1000, 1.0), (1016, 0.28)])
def test_a_training_track_runs_the_way_it_is_asked(seed, scale):
    ways = {cw: training_track(seed, scale, clockwise=cw) for cw in (False, True)}
    assert total_turning(ways[False]) == pytest.approx(2 * math.pi, abs=0.1)
    assert total_turning(ways[True]) == pytest.approx(-2 * math.pi, abs=0.1)
    assert ways[False].length == pytest.approx(ways[True].length, rel=1e-6)
    as_generated = training_track(seed, scale)
    reversed_one = ways[as_generated.name == ways[False].name]  # the other way round
    assert reversed_one.name == as_generated.name + "r"


def test_the_build_drives_left_and_right_bends_in_equal_measure():
    tracks = build_tracks(BuildRecipe())
    recipe = BuildRecipe()
    assert len(tracks) == len(recipe.seeds) + recipe.tight + recipe.stadiums
    n_gentle, n_tight = len(recipe.seeds), recipe.tight
    gentle, tight = tracks[:n_gentle], tracks[n_gentle : n_gentle + n_tight]
    stadiums = tracks[n_gentle + n_tight :]
    assert [t.seed for t in gentle] == list(recipe.seeds)
    assert all(t.stadium for t in stadiums) and not any(t.stadium for t in gentle + tight)
    for group in (gentle, tight, stadiums):
        metres = {True: 0.0, False: 0.0}  # turning left overall
        for t in group:
            track = t.make()
            left = total_turning(track) > 0
            assert left == (not t.clockwise)
            metres[left] += track.length
        # Each group within 15 % (as generated, the gentle tracks were 2.1 : 1 left).
        assert metres[True] == pytest.approx(metres[False], rel=0.15)


@pytest.mark.parametrize("seed", [1200, 1201, 1202])
def test_a_stadium_holds_one_radius_through_each_half_circle(seed):
    """The stadiums teach sustained bends: two straights, two half circles of one radius
    within STADIUM_RADIUS_M, both ways round."""
    from agents.driving.build import STADIUM_RADIUS_M

    track = training_track(seed, stadium=True)
    assert total_turning(track) == pytest.approx(2 * math.pi, abs=0.1)
    k = track.curvature
    bends = k > 0.5 / STADIUM_RADIUS_M[1]
    straights = np.abs(k) < 1e-3
    assert 0.3 < bends.mean() < 0.85 and straights.mean() > 0.1
    radius = 1.0 / np.median(k[bends])
    assert STADIUM_RADIUS_M[0] - 1 <= radius <= STADIUM_RADIUS_M[1] + 1
    # One radius: nearly every bend sample within 10 % of it (the joins are smoothed).
    assert np.mean(np.abs(k[bends] * radius - 1.0) < 0.1) > 0.8
    backwards = training_track(seed, clockwise=True, stadium=True)
    assert backwards.name == f"stadium:{seed}r"
    assert total_turning(backwards) == pytest.approx(-2 * math.pi, abs=0.1)


def test_the_build_width_scales_every_conv_layer_and_1_is_the_papers_pilotnet():
    assert BuildRecipe(width=1.0).network() is None  # built by the architecture's own function
    narrow = BuildRecipe(width=0.5).network()
    assert [f for f, _, _ in narrow.layers()] == [12, 18, 24, 32, 32]
    assert [(k, s) for _, k, s in narrow.layers()] == [(5, 2), (5, 2), (5, 2), (3, 1), (3, 1)]
