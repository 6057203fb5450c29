"""Race view: car labels never pile up on one another (cars side by side or stopped at the
line): the followed car's label wins, a ghost's that would overlap it is left out."""

import pygame

from game.render.dashcam_panel import grab_pixels
from game.render.driving_widgets import RoadViews
from game.render.world_view import CarSprite
from game.sim.tracks_catalog import resolve_track
from game.sim.world import World


def _draw(roads: RoadViews, world: World, ghosts: list[CarSprite]):
    surface = pygame.Surface((600, 400))
    rect = surface.get_rect()
    st = world.car.state
    followed = CarSprite(st.x, st.y, st.yaw, (220, 60, 60), "Expert")
    roads.draw_race_road(surface, rect, world, followed, ghosts)
    return grab_pixels(surface, rect).copy()


def test_a_ghost_label_on_top_of_the_followed_cars_is_left_out(app):
    world = World(resolve_track("oval"))
    roads = RoadViews()
    roads.sync(world.track, (200, 120), prerender=False)
    st = world.car.state
    same_spot = (st.x, st.y + 0.5, st.yaw, (60, 120, 220))
    unlabelled = _draw(roads, world, [CarSprite(*same_spot)])
    labelled = _draw(roads, world, [CarSprite(*same_spot, "pilotnet")])
    assert (unlabelled == labelled).all()  # nothing written over "Expert"
    far = (st.x + 12.0, st.y, st.yaw, (60, 120, 220))  # 12 m on: its own place for a label
    unlabelled = _draw(roads, world, [CarSprite(*far)])
    labelled = _draw(roads, world, [CarSprite(*far, "pilotnet")])
    assert not (unlabelled == labelled).all()
