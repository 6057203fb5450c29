"""H (the help overlay) pauses every driving screen: while it is shown the sim does not
advance, so off-lanes and lap times cannot change while a person reads (issue 18)."""

from __future__ import annotations

import pygame
import pytest

from game.app import App
from game.scenes.race import EXPERT, PERSON

TRACK = "oval"
READ_FRAMES = 120  # two seconds of reading
LOAD_FRAMES = 3000  # bound on frames spent waiting for a track or a race to be built


def key(k: int, up: bool = False) -> pygame.event.Event:
    return pygame.event.Event(
        pygame.KEYUP if up else pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0
    )


def _world(scene):
    """The world the screen drives (the person's car in a race)."""
    if scene.scene_name == "race":
        return scene.session.racers[scene.session.follow].world
    if scene.scene_name == "teach":
        return scene.teach.drive.world
    return scene.session.world


def _open(app: App, name: str):
    if name == "race":
        scene = app.push("race", track=TRACK, drivers=[EXPERT, PERSON], laps=1, start=True)
        for _ in range(LOAD_FRAMES):
            if scene.session.racing:
                break
            app.run_frames(1)
        assert scene.session.racing
        scene.session.countdown = 0.0  # racing now: skip "3, 2, 1"
        return scene
    if name == "autopilot":
        # No model file to load (no TensorFlow): the expert, as a driver, steers instead.
        from agents.driving.expert import ExpertDriver

        expert = ExpertDriver()
        expert.last_inference_ms = None  # what the Autopilot reads of a model driver
        scene = app.push("autopilot", track=TRACK, model="no-such-model.h5")
        scene.session.use_driver(expert)
    else:
        scene = app.push(name, track=TRACK)
    assert scene is not None
    return scene


@pytest.mark.parametrize("name", ["drive", "teach", "autopilot", "race"])
def test_help_overlay_freezes_the_sim_of_every_driving_screen(app, name):
    scene = _open(app, name)
    # Hold Right (the person's car runs wide) and Up (faster) for a second, so the sim
    # would visibly move on if anything stepped it behind the overlay.
    app.run_frames(60, lambda i: [key(pygame.K_RIGHT), key(pygame.K_UP)] if i == 0 else [])
    world = _world(scene)
    assert world.steps > 0, "the screen never stepped its sim before the help opened"
    before = (world.steps, world.time, world.off_lanes, world.road_resets,
              world.car.state.x, world.car.state.y)  # fmt: skip
    app.run_frames(READ_FRAMES, lambda i: [key(pygame.K_h)] if i == 0 else [])
    assert app.help_visible
    after = (world.steps, world.time, world.off_lanes, world.road_resets,
             world.car.state.x, world.car.state.y)  # fmt: skip
    assert after == before
    # Closing the help lets the same held keys drive on: the measure above could move.
    app.run_frames(30, lambda i: [key(pygame.K_h)] if i == 0 else [])
    assert not app.help_visible and _world(scene).steps > before[0]


def test_the_menu_help_says_one_thing_for_esc(app: App):
    """The menu's Esc quits: its help card must not also list the global "Esc back" row."""
    from game.app import help_rows

    menu_rows = help_rows(app.push("menu").help())
    assert [desc for k, desc in menu_rows if k == "Esc"] == ["quit"]
    race_rows = help_rows(app.push("race", track=TRACK).help())
    assert len([k for k, _ in race_rows if k == "Esc"]) == 1  # each key explained once
    assert ("F12", "save a screenshot") in race_rows  # the global rows are still there
