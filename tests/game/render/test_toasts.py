"""The one message area: two messages at most, inside the screen's area, errors kept."""

from __future__ import annotations

import numpy as np
import pygame

from game.render import theme
from game.render.widgets import Toasts


def test_at_most_two_messages_and_repeats_refresh():
    t = Toasts()
    for i in range(5):
        t.push(f"message {i}")
    assert [x.message for x in t.items] == ["message 3", "message 4"]
    t.push("message 4", seconds=9.0)  # the same again does not stack
    assert len(t.items) == 2 and t.items[-1].seconds_left == 9.0


def test_a_screen_change_drops_information_but_keeps_errors():
    t = Toasts()
    t.push("recording saved", "info")
    t.push("bad track: x.json:3: not valid JSON", "error")
    t.clear_info()
    assert [x.kind for x in t.items] == ["error"]


def test_messages_are_drawn_only_inside_the_area():
    pygame.display.init()
    pygame.font.init()
    theme.clear_caches()
    surface = pygame.Surface((1280, 720))
    surface.fill((0, 0, 0))
    area = pygame.Rect(0, 400, 920, 100)
    t = Toasts()
    t.push("a very long message " * 20, "error")
    t.push("short")
    t.draw(surface, area)
    pixels = pygame.surfarray.array3d(surface).transpose(1, 0, 2)
    drawn = np.argwhere(pixels.any(axis=2))
    assert len(drawn) > 0
    ys, xs = drawn[:, 0], drawn[:, 1]
    assert ys.min() >= area.top and ys.max() < area.bottom
    assert xs.min() >= area.left and xs.max() < area.right  # the long one was shortened
