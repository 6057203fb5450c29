"""The decision text of an RPS side panel stops above the room its odds bars need (at
1024x640 in AI vs AI the bars were squeezed to 12 px rows, their hand icons overlapping)."""

from __future__ import annotations

from types import SimpleNamespace

import pygame

from game.render.rps_widgets import draw_decision_text


def _why() -> SimpleNamespace:
    return SimpleNamespace(
        expected="A expected B to play rock (98%)",
        read=True,
        verdict="B played rock: A read B",
        move="So A played paper to beat rock",
        why="it noticed B tends to switch to what beats B's last move after a loss",
        detail="markov-1 - chosen by the meta layer",
        model="LSTM alone (not what chose the move): rock 100% paper 0% scissors 0%",
    )


def test_the_text_stops_above_bottom_and_keeps_the_plain_lines_first():
    pygame.font.init()
    surface = pygame.Surface((400, 400))
    full = draw_decision_text(surface, (10, 10), 300, _why(), big=False)
    cut = draw_decision_text(surface, (10, 10), 300, _why(), big=False, bottom=full - 40)
    assert cut <= full - 40 < full  # the last (dim) lines gave way
    # Room for the headline and four lines: the verdict, the move and the two "why" lines.
    head = draw_decision_text(surface, (10, 10), 300, _why(), big=False, bottom=0)
    assert draw_decision_text(surface, (10, 10), 300, _why(), False, head + 4 * 17) == head + 68
