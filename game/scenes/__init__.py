"""The screen registry: every screen of the game is a Scene registered here by name.

How a new screen plugs in
-------------------------
1. Make one module in this package, e.g. ``game/scenes/race.py``, with one Scene subclass::

       from game.scenes import register_scene
       from game.scenes.base import Scene

       @register_scene("race", label="Race", order=40, description="You against the CNN")
       class RaceScene(Scene):
           help_lines = [("Left/Right", "steer"), ...]   # shown by the H overlay

           def __init__(self, app, track=None):          # extra kwargs come from app.push()
               super().__init__(app)
           def handle_event(self, event): ...            # call super() to keep Esc = back
           def update(self, dt): ...                     # fixed 60 Hz sim step
           def draw(self, surface): ...                  # once per drawn frame

2. That's all: `discover_scenes()` imports every module of this package, and the decorator
   adds the class to `SCENES`. The main menu lists the registered scenes whose
   ``in_menu`` is true, sorted by ``order``. A module whose class is not decorated yet
   (a half-built screen) never shows up in the menu.
3. Open it from code with ``app.push("race", track="oval")`` (or ``app.replace``/``app.pop``)
   and from the command line with ``python main.py play --scene race``.

What a scene can use from ``self.app`` (game.app.App):
``push/pop/replace(name, **kwargs)``, ``quit()``, ``toast(message, kind="info"|"error")``,
``key_held(*keys)`` (held keys, tracked from events so scripted tests work),
``mouse_pos``, ``gamepad_axis(axis)`` (None without a gamepad), ``track_spec`` (the
``--track`` the game was started with), ``screen``. The app already handles F12
(screenshot), H (help overlay built from ``help_lines``) and window close. Tests drive a
scene headless with ``App(headless=True).run_frames(n, events_per_frame=fn)``.

Rules of the house: scenes hold no ML and import nothing heavy at module level (import
TensorFlow or a model only inside a method, e.g. ``on_enter``, or in a worker thread) so that
the menu opens fast. Draw with the helpers in ``game.render`` (theme, widgets, charts,
world_view, minimap, hud, dashcam_panel). Raise ``UserFacingError`` for bad user input: the
app shows it as a toast instead of crashing. PyInstaller cannot see these dynamic imports:
bundle them with ``--collect-submodules game.scenes``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SceneInfo:
    name: str  # the id used by app.push(name) and `play --scene name`
    cls: type
    label: str  # text of the main-menu entry
    order: int  # menu position, smallest first
    description: str  # one line under the menu when the entry is highlighted
    in_menu: bool  # False for screens reached only from another screen


SCENES: dict[str, SceneInfo] = {}
# Modules that failed to import: module name -> error. The game still opens without them (the
# app shows the error as a toast) and tests/game/scenes asserts this stays empty.
SCENE_ERRORS: dict[str, str] = {}


def register_scene(
    name: str,
    label: str | None = None,
    order: int = 100,
    description: str = "",
    in_menu: bool = True,
) -> Callable[[type], type]:
    """Class decorator that adds a Scene subclass to `SCENES` under `name`."""

    def decorate(cls: type) -> type:
        cls.scene_name = name
        SCENES[name] = SceneInfo(name, cls, label or name.title(), order, description, in_menu)
        return cls

    return decorate


def discover_scenes() -> dict[str, SceneInfo]:
    """Import every module of this package once, so their decorators register them."""
    for mod in pkgutil.iter_modules(__path__):
        if mod.name == "base" or mod.name.startswith("_"):
            continue
        try:
            importlib.import_module(f"{__name__}.{mod.name}")
        except Exception as e:  # one broken screen must not take the whole game down
            SCENE_ERRORS[mod.name] = f"{type(e).__name__}: {e}"
    return SCENES


def menu_entries() -> list[SceneInfo]:
    """The scenes the main menu shows, in menu order."""
    return sorted((s for s in SCENES.values() if s.in_menu), key=lambda s: (s.order, s.name))
