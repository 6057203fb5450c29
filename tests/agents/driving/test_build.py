"""The default model's build recipe: its tracks turn left and right in equal measure."""

from __future__ import annotations

import math

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
    assert len(tracks) == len(recipe.seeds) + recipe.tight
    gentle, tight = tracks[: len(recipe.seeds)], tracks[len(recipe.seeds) :]
    assert [t.seed for t in gentle] == list(recipe.seeds)
    for group in (gentle, tight):
        metres = {True: 0.0, False: 0.0}  # turning left overall
        for t in group:
            track = training_track(t.seed, t.scale, t.clockwise)
            left = total_turning(track) > 0
            assert left == (not t.clockwise)
            metres[left] += track.length
        # Each group within 15 % (as generated, the gentle tracks were 2.1 : 1 left).
        assert metres[True] == pytest.approx(metres[False], rel=0.15)


def test_the_build_width_scales_every_conv_layer_and_1_is_the_papers_pilotnet():
    assert BuildRecipe(width=1.0).network() is None  # built by the architecture's own function
    narrow = BuildRecipe(width=0.5).network()
    assert [f for f, _, _ in narrow.layers()] == [12, 18, 24, 32, 32]
    assert [(k, s) for _, k, s in narrow.layers()] == [(5, 2), (5, 2), (5, 2), (3, 1), (3, 1)]
