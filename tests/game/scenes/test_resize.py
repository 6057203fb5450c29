"""A resized window: each screen lays itself out for the new size (no black borders, nothing
off-screen), and the F3 frame-rate read-out shows only when asked for."""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from game.app import MIN_WINDOW_SIZE, SIM_DT, App
from game.render.dashcam_panel import grab_pixels
from game.sessions.race import EXPERT

BIG, SMALL = (1400, 860), MIN_WINDOW_SIZE


def resize(size: tuple[int, int]) -> pygame.event.Event:
    return pygame.event.Event(pygame.VIDEORESIZE, size=size, w=size[0], h=size[1])


def _edges_drawn(app: App) -> None:
    """The last row and column of the window carry the screen's drawing, not black."""
    w, h = app.screen.get_size()
    for rect in (pygame.Rect(0, h - 1, w, 1), pygame.Rect(w - 1, 0, 1, h)):
        px = grab_pixels(app.screen, rect).reshape(-1, 3)
        assert (px.sum(axis=1) > 0).mean() > 0.9, f"{rect} left black"


# Autopilot without a model to load (no TensorFlow): the car waits, the screen still draws.
NO_MODEL = {"track": "oval", "model": "no-such-model.h5"}
SCREENS = [("menu", {}), ("drive", {"track": "oval"}), ("teach", {"track": "oval"}),
           ("autopilot", NO_MODEL), ("train", {}), ("models", {}), ("race", {"track": "oval"}),
           ("race", {"track": "oval", "drivers": [EXPERT], "start": True})]  # fmt: skip
IDS = ["menu", "drive", "teach", "autopilot", "train", "models", "race-picker", "racing"]


@pytest.mark.parametrize(("name", "kwargs"), SCREENS, ids=IDS)
@pytest.mark.parametrize("size", [BIG, SMALL], ids=["bigger", "smallest"])
def test_each_screen_fills_the_resized_window(app, name, kwargs, size):
    if name != "menu":
        assert app.push(name, **kwargs) is not None
    app.frame([], SIM_DT)
    app.frame([resize(size)], SIM_DT)
    assert app.screen.get_size() == size
    _edges_drawn(app)


def test_the_drive_layout_follows_the_window(app):
    scene = app.push("drive", track="oval")
    app.frame([resize(BIG)], SIM_DT)
    lay = scene.lay
    assert lay.side.right == BIG[0] and lay.view.h == BIG[1]
    assert lay.map_card.bottom <= BIG[1] and lay.dashboard.bottom <= BIG[1]
    assert scene.panel.image_rect.topleft == lay.dashcam_at
    assert scene.roads.minimap.size == lay.map_size


def test_the_race_layout_follows_the_window(app):
    scene = app.push("race", track="oval", drivers=[EXPERT], start=True)
    for _ in range(50):  # the expert needs no model: lined up within a frame or two
        if scene.session.racing:
            break
        app.frame([], SIM_DT)
    assert scene.session.racing
    for size in (BIG, SMALL):
        app.frame([resize(size)], SIM_DT)
        lay = scene.lay
        assert lay.side.right == size[0] and lay.view.h == size[1]
        assert lay.map_card.bottom <= size[1] and lay.stats.bottom < lay.map_card.top
        assert lay.view.contains(lay.dashboard)  # the dashboard never reaches the standings
        assert scene.roads.minimap.size == lay.map_size


def test_the_race_picker_and_best_laps_fit_every_window(app):
    scene = app.push("race", track="oval")
    for size in (SMALL, (1280, 720), BIG):
        app.frame([resize(size)], SIM_DT)
        window = app.screen.get_rect()
        card, best = scene.picker_rects()
        assert window.contains(card) and window.contains(best), size
        assert not card.colliderect(best)
        last = scene._row_rect(scene.session.rows - 1)
        assert card.contains(last)
        button = scene.start_button.rect  # placed on the last row when drawn
        assert card.contains(button) and button.bottom + 20 <= card.bottom  # room for the hint


@pytest.mark.parametrize("size", [BIG, SMALL], ids=["bigger", "smallest"])
def test_the_autopilot_layout_follows_the_window(app, size):
    scene = app.push("autopilot", **NO_MODEL)
    app.frame([], SIM_DT)
    app.frame([resize(size)], SIM_DT)
    lay = scene.lay
    assert lay.side.right == size[0] and lay.view.h == size[1]
    assert lay.map_card.bottom <= size[1] and lay.stats.bottom < lay.map_card.top
    # The dashboard (speed, two gauges, lane offset) stays on the road view, clear of the
    # side column: at 1024 px its old fixed 760 px ran 48 px into it.
    assert lay.view.inflate(-30, 0).contains(lay.dashboard)
    assert scene.panel.image_rect.topleft == lay.dashcam_at
    assert lay.side.contains(scene.panel.outer_rect)
    assert scene.roads.minimap.size == lay.map_size


def test_teach_uses_the_drive_screens_new_layout(app):
    scene = app.push("teach", track="oval")
    app.frame([resize(SMALL)], SIM_DT)
    assert scene.lay is scene.driving.lay and scene.lay.side.right == SMALL[0]


def test_the_menu_leaves_room_for_the_description_and_the_key_hint(app):
    menu = app.scene
    for size in (SMALL, (1280, 720), BIG):
        app.frame([resize(size)], SIM_DT)
        last = menu.menu.item_rect(len(menu.menu.items) - 1)
        description_bottom = last.bottom + 22 + 20
        assert description_bottom < size[1] - 38  # the key hint's top
        assert menu.menu.item_height - 8 >= menu.menu.size - 4  # each label fits its row


def test_the_frame_rate_shows_only_after_f3(app):
    corner = pygame.Rect(app.screen.get_width() - 90, 0, 90, 40)
    f3 = pygame.event.Event(pygame.KEYDOWN, key=pygame.K_F3, mod=0, unicode="", scancode=0)
    app.push("train")
    app.frame([], SIM_DT)
    hidden = grab_pixels(app.screen, corner).copy()
    app.frame([], SIM_DT)
    assert np.array_equal(hidden, grab_pixels(app.screen, corner))  # no counter on Train
    app.frame([f3], SIM_DT)
    assert app.show_fps and not np.array_equal(hidden, grab_pixels(app.screen, corner))
    app.frame([f3], SIM_DT)
    assert not app.show_fps


@pytest.mark.parametrize("size", [SMALL, (1280, 720)], ids=["smallest", "default"])
def test_train_controls_stay_inside_their_panel_and_apart(app, size):
    scene = app.push("train")
    app.frame([resize(size)], SIM_DT)
    settings = scene.layout.settings
    controls = [*scene.arch_buttons, scene.start_from_button, scene.start_button]
    for c in controls:
        assert settings.contains(c.rect), c.label
    assert scene.epoch_stepper.rect.right < scene.start_button.rect.left
    assert settings.contains(scene.epoch_stepper.rect)
    rects = [b.rect for b in scene.arch_buttons]
    assert all(a.right < b.left for a, b in zip(rects, rects[1:], strict=False))


def test_the_help_card_fits_the_smallest_window(app):
    from game.app import GLOBAL_HELP
    from game.render.widgets import draw_help_overlay

    surface = pygame.Surface(SMALL)
    card = draw_help_overlay(surface, "Many - keys", [("K", "does a thing")] * 24)
    assert surface.get_rect().contains(card)  # the lines close up rather than run off
    race = app.push("race", track="oval")
    lines = race.help() + GLOBAL_HELP
    card = draw_help_overlay(surface, "Race - keys", lines)
    assert surface.get_rect().contains(card) and card.h == 110 + 30 * len(lines)  # full spacing


@pytest.mark.parametrize("size", [MIN_WINDOW_SIZE, (1280, 720)])
def test_every_race_standings_header_and_wide_value_is_shown_whole(size):
    """In a window the standings' first column read "P..." and a 12-letter model name
    "mine-te...": each header and the widest usual value fit their column."""
    from game.render import theme
    from game.render.table import COL_GAP, DOT_W, fit_text
    from game.scenes.race import STANDINGS, race_layout

    pygame.font.init()
    cells = STANDINGS.cells(race_layout(size).stats)
    widest = {"DRIVER": "mine-testxyz", "GAP": "+128.5s", "LAST": "10:36.0", "BEST": "--:--.-"}
    for c in STANDINGS.columns:
        left, right = cells[c.name]
        assert fit_text(c.name, right - left - COL_GAP, theme.SMALL) == c.name
        if c.name in widest:
            room = right - left - COL_GAP - (DOT_W if c.name == "DRIVER" else 0)
            assert fit_text(widest[c.name], room, theme.BODY) == widest[c.name]


@pytest.mark.parametrize("size", [MIN_WINDOW_SIZE, (1280, 720)])
@pytest.mark.parametrize("n", [2, 11, 67])
def test_the_tournament_heat_map_leaves_the_ranking_and_legend_room(size, n):
    """At 1024x640 with 11 agents the heat map kept its 1280 px size: the ranking beside
    it was 60 px wide (only dots) and the legend ran into the card's edge."""
    from game.scenes.rps_tournament import (
        LEGEND_H,
        TABLE_MIN_W,
        TournamentLayout,
        matrix_cell,
    )

    lay = TournamentLayout.of(size)
    side = matrix_cell(lay.grid_max, n) * n
    x, y = lay.grid_origin
    assert x + side + 20 <= lay.table.x and lay.table.w >= TABLE_MIN_W
    assert lay.table.right <= lay.area.right
    assert y + side + LEGEND_H <= lay.area.bottom


@pytest.mark.parametrize("size", [MIN_WINDOW_SIZE, (1280, 720)])
def test_the_studio_key_line_is_whole_and_names_enter(size):
    """At 1024x640 Studio's key line was cut to "... +/- zoom  E..."."""
    from game.scenes.studio import StudioLayout, key_hint

    pygame.font.init()
    hint = key_hint(StudioLayout.for_size(size).model.w * 48 // 100)
    assert "Enter predict" in hint and not hint.endswith("...")
