"""One action map: a key means the same thing on every screen.

Screens ask `action_for(event)` instead of testing pygame keys, so that "L" cannot be the
dashcam look on one screen and the model on another. The meaning of an action on a screen
follows its name (UP on a list moves the cursor, on the road it is "faster"). The RPS Arena
is the one screen where letters are moves: it asks `rps_move_for(event)` first, so R, P and S
play rock, paper and scissors there (and only there).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum, auto
from typing import Any

import pygame


class Action(Enum):
    BACK = auto()  # Esc: cancel the running job, else leave the screen
    CONFIRM = auto()  # Enter: start / open / run (never changes a value)
    TOGGLE = auto()  # Space: tick the list row under the cursor, or pause AI vs AI
    UP = auto()  # Up / W: cursor up; on the road, faster
    DOWN = auto()  # Down / S
    LEFT = auto()  # Left / A: steer left; on a stepper, less
    RIGHT = auto()  # Right / D
    NEXT = auto()  # Tab: next model / opponent / focus
    PREV = auto()  # Shift+Tab
    SELECT_ALL = auto()  # Ctrl+A
    PAUSE = auto()  # P (driving screens)
    RECORD = auto()  # R (Drive): record on / off
    RESTART = auto()  # F5: restart the race / match
    ERASE = auto()  # Backspace / X: erase the last seconds of recording
    NEXT_TRACK = auto()  # N
    PREV_TRACK = auto()  # B
    RANDOM_TRACK = auto()  # G
    NEXT_LOOK = auto()  # L: dashcam look
    MOUSE_STEERING = auto()  # M
    GHOST = auto()  # C (Drive): the ghost of your best lap on / off (G is the random track)
    FINE_TUNE = auto()  # F
    SALIENCY = auto()  # V
    FEATURE_MAPS = auto()  # K
    TRAIN = auto()  # T: train on my games / sessions
    NEW_MATCH = auto()  # F2
    MORE = auto()  # + / =
    LESS = auto()  # -
    MORE_SEEDS = auto()  # ]
    FEWER_SEEDS = auto()  # [
    PRESET = auto()  # Y: the screen's demo preset (AI vs AI: LSTM vs pattern)
    OPEN_RESULT = auto()  # O: open what a job made (Train: drive with the new model)
    MUTE = auto()  # U: sound off / on (the app handles it on every screen)
    VOLUME_UP = auto()  # Page Up: volume +10 % (app-wide)
    VOLUME_DOWN = auto()  # Page Down: volume -10 % (app-wide)
    RESTORE = auto()  # Z (Studio): restore the deleted rows of the selection
    MIRROR = auto()  # I (Studio): train the selection mirrored / not


_KEYS: dict[int, Action] = {
    pygame.K_ESCAPE: Action.BACK,
    pygame.K_RETURN: Action.CONFIRM,
    pygame.K_KP_ENTER: Action.CONFIRM,
    pygame.K_SPACE: Action.TOGGLE,
    pygame.K_UP: Action.UP,
    pygame.K_w: Action.UP,
    pygame.K_DOWN: Action.DOWN,
    pygame.K_s: Action.DOWN,
    pygame.K_LEFT: Action.LEFT,
    pygame.K_a: Action.LEFT,
    pygame.K_RIGHT: Action.RIGHT,
    pygame.K_d: Action.RIGHT,
    pygame.K_TAB: Action.NEXT,
    pygame.K_p: Action.PAUSE,
    pygame.K_r: Action.RECORD,
    pygame.K_F5: Action.RESTART,
    pygame.K_BACKSPACE: Action.ERASE,
    pygame.K_x: Action.ERASE,
    pygame.K_n: Action.NEXT_TRACK,
    pygame.K_b: Action.PREV_TRACK,
    pygame.K_g: Action.RANDOM_TRACK,
    pygame.K_l: Action.NEXT_LOOK,
    pygame.K_m: Action.MOUSE_STEERING,
    pygame.K_c: Action.GHOST,
    pygame.K_f: Action.FINE_TUNE,
    pygame.K_v: Action.SALIENCY,
    pygame.K_k: Action.FEATURE_MAPS,
    pygame.K_t: Action.TRAIN,
    pygame.K_F2: Action.NEW_MATCH,
    pygame.K_PLUS: Action.MORE,
    pygame.K_EQUALS: Action.MORE,
    pygame.K_KP_PLUS: Action.MORE,
    pygame.K_MINUS: Action.LESS,
    pygame.K_KP_MINUS: Action.LESS,
    pygame.K_RIGHTBRACKET: Action.MORE_SEEDS,
    pygame.K_LEFTBRACKET: Action.FEWER_SEEDS,
    pygame.K_y: Action.PRESET,
    pygame.K_o: Action.OPEN_RESULT,
    pygame.K_u: Action.MUTE,
    pygame.K_PAGEUP: Action.VOLUME_UP,
    pygame.K_PAGEDOWN: Action.VOLUME_DOWN,
    pygame.K_z: Action.RESTORE,
    pygame.K_i: Action.MIRROR,
}
# Held keys that steer or change speed, for screens that poll App.key_held each step.
STEER_LEFT_KEYS = (pygame.K_LEFT, pygame.K_a)
STEER_RIGHT_KEYS = (pygame.K_RIGHT, pygame.K_d)
FASTER_KEYS = (pygame.K_UP, pygame.K_w)
SLOWER_KEYS = (pygame.K_DOWN, pygame.K_s)

# The Arena's move keys (0 rock, 1 paper, 2 scissors), asked before the common map.
_MOVE_KEYS: dict[int, int] = {
    pygame.K_r: 0,
    pygame.K_1: 0,
    pygame.K_KP1: 0,
    pygame.K_p: 1,
    pygame.K_2: 1,
    pygame.K_KP2: 1,
    pygame.K_s: 2,
    pygame.K_3: 2,
    pygame.K_KP3: 2,
}


def action_for(event: pygame.event.Event) -> Action | None:
    """The action a KEYDOWN event asks for, or None (other events, unmapped keys)."""
    if event.type != pygame.KEYDOWN:
        return None
    mods = getattr(event, "mod", 0)
    if event.key == pygame.K_TAB and mods & pygame.KMOD_SHIFT:
        return Action.PREV
    if event.key == pygame.K_a and mods & pygame.KMOD_CTRL:
        return Action.SELECT_ALL
    return _KEYS.get(event.key)


def rps_move_for(event: pygame.event.Event) -> int | None:
    """The RPS move (0 rock, 1 paper, 2 scissors) a KEYDOWN asks for in the Arena, or None."""
    if event.type != pygame.KEYDOWN:
        return None
    return _MOVE_KEYS.get(event.key)


def road_actions(session: Any) -> dict[Action, Callable[[], None]]:
    """The keys every road screen (Drive, Autopilot) shares, bound to its session: pause,
    next / previous / random track and the dashcam look."""
    return {
        Action.PAUSE: session.toggle_pause,
        Action.NEXT_TRACK: lambda: session.cycle_track(+1),
        Action.PREV_TRACK: lambda: session.cycle_track(-1),
        Action.RANDOM_TRACK: session.random_track,
        Action.NEXT_LOOK: session.cycle_look,
    }


def keys_for(action: Action) -> list[str]:
    """Key names for the help overlay, e.g. ['Up', 'W']."""
    return [pygame.key.name(k).title() for k, a in _KEYS.items() if a is action]
