"""The dashcam panel's note (Autopilot: "CNN input - <model>") never runs into its caption."""

from __future__ import annotations

import numpy as np
import pygame

from game.render import dashcam_panel, theme
from game.render.dashcam_panel import DashcamPanel


def test_a_long_note_is_cut_short_of_the_caption(monkeypatch):
    pygame.font.init()
    drawn: dict[str, pygame.Rect] = {}
    real = theme.blit_text

    def spy(surface, text, pos, size, color, anchor="topleft"):
        rect = real(surface, text, pos, size, color, anchor)
        drawn[text] = theme.text(text, size).get_rect(**{anchor: pos})
        return rect

    monkeypatch.setattr(dashcam_panel.theme, "blit_text", spy)
    panel = DashcamPanel((20, 40))
    surface = pygame.Surface((400, 240))
    note = "CNN input - my-first-model-with-a-rather-long-name-from-last-tuesday"
    panel.draw(surface, np.zeros((160, 320, 3), np.uint8), note=note)
    caption = drawn.pop("DASHCAM")
    [(shown, rect)] = drawn.items()
    assert shown.startswith("CNN input - my-first") and shown.endswith("...")
    assert rect.left >= caption.right + 8 and rect.right == panel.image_rect.right
    panel.draw(surface, None, note="look: day")  # a short note is drawn whole
    assert "look: day" in drawn
