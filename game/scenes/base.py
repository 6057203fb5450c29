"""The Scene base class: one screen of the game, driven by the App's fixed-timestep loop.

Per drawn frame the App calls, for the scene on top of the stack only:
  handle_event(event)  for each pygame event (after the app's global keys: F12, H)
  update(dt)           zero or more times, dt = 1/60 s exactly (the sim clock, not the wall)
  draw(surface)        once; draw the whole screen (the app then adds toasts and overlays)
and on stack changes: on_enter() when it becomes the top scene for the first time,
on_resume() when the scene above it is popped, on_exit() when it leaves the stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

if TYPE_CHECKING:
    from game.app import App


TYPING_KEYS = {
    pygame.K_ESCAPE: "cancel",
    pygame.K_RETURN: "commit",
    pygame.K_KP_ENTER: "commit",
    pygame.K_BACKSPACE: "erase",
}


def typing_key(event: pygame.event.Event) -> str | None:
    """What a key press does to a line being typed: "cancel", "commit", "erase" or None."""
    return TYPING_KEYS.get(event.key) if event.type == pygame.KEYDOWN else None


class Scene:
    scene_name: str = ""  # set by @register_scene
    title: str = ""  # the help overlay's heading; defaults to the menu label
    # (key, what it does) pairs for the H overlay; the app appends its global keys.
    help_lines: list[tuple[str, str]] = []
    # While True the app stops calling update(): e.g. while the help overlay is open.
    paused_by_overlay: bool = True

    def __init__(self, app: App) -> None:
        self.app = app

    # --- lifecycle -----------------------------------------------------------------------
    def on_enter(self) -> None:
        """The scene was pushed (or replaced in) and is now on top."""

    def on_resume(self) -> None:
        """The scene above this one was popped; this one is on top again."""

    def on_exit(self) -> None:
        """The scene leaves the stack (popped, replaced or app shut down): release things."""

    # --- per frame -----------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> None:
        """Default: Esc goes back to the previous screen."""
        if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
            self.app.pop()

    def update(self, dt: float) -> None:
        """Advance the scene's simulation by dt (always 1/60 s)."""

    def draw(self, surface: pygame.Surface) -> None:
        raise NotImplementedError

    def message_area(self, size: tuple[int, int]) -> pygame.Rect:
        """Where the app may show messages on this screen: a band at the bottom by default.
        Screens with a HUD there return a free rectangle instead, so messages never cover it."""
        w, h = size
        return pygame.Rect(0, h - 110, w, 100)

    def help(self) -> list[tuple[str, str]]:
        """Lines for the H overlay; override for lines that depend on state."""
        return list(self.help_lines)
