"""What a person's hands give the driving screens, without pygame: held keys as booleans,
the mouse as a position across the road view, a gamepad axis; and the smooth wheel over them.

The screens turn pygame state into a `DriveInput` (through game.actions); the sessions take
only that, so their rules are testable without a window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from game.sim.track import Track


@dataclass(frozen=True)
class DriveInput:
    """One step's input. mouse_x: -1 (left edge) .. +1 (right edge) of the road view."""

    left: bool = False
    right: bool = False
    faster: bool = False
    slower: bool = False
    mouse_x: float | None = None
    mouse_held: bool = False  # the left button is held over the road (Autopilot: take over)
    stick: float | None = None  # raw gamepad axis, None without a gamepad


class HeldInput(Protocol):
    """What the app knows of held keys and the gamepad (game.app.App)."""

    def key_held(self, *keys: int) -> bool: ...

    def gamepad_axis(self, axis: int = 0) -> float | None: ...


@dataclass(frozen=True)
class SteerKeys:
    """The held keys that steer and change speed (the screens pass game.actions' tuples)."""

    left: tuple[int, ...]
    right: tuple[int, ...]
    faster: tuple[int, ...]
    slower: tuple[int, ...]

    @classmethod
    def of(cls, keymap: Any) -> SteerKeys:
        """The four tuples from a key map with STEER_LEFT_KEYS, ... (game.actions)."""
        return cls(
            keymap.STEER_LEFT_KEYS, keymap.STEER_RIGHT_KEYS, keymap.FASTER_KEYS, keymap.SLOWER_KEYS
        )

    def read(
        self, app: HeldInput, mouse_x: float | None = None, mouse_held: bool = False
    ) -> DriveInput:
        """This step's DriveInput from the app's held keys, the mouse and the gamepad."""
        return DriveInput(
            left=app.key_held(*self.left),
            right=app.key_held(*self.right),
            faster=app.key_held(*self.faster),
            slower=app.key_held(*self.slower),
            mouse_x=mouse_x,
            mouse_held=mouse_held,
            stick=app.gamepad_axis(0),
        )


class SteeringControls:
    """Smooth steering command (-1..1, right positive) from keyboard, mouse or gamepad.

    Keyboard: holding a key turns the wheel further, gently near the centre and quicker the
    further it is turned (a progressive rack: RAMP_RATE at the centre plus PROGRESSIVE_RATE
    per unit of lock), and slower the faster the car goes (the square root of SPEED_REF over
    the speed, within SPEED_SCALE_MIN..MAX). At the 12 m/s cruise a 0.3 s hold gives ~10 %
    lock, about what the oval's bends need, and full lock takes ~0.9 s. Releasing re-centres
    it at RETURN_RATE.
    Never a jump between full lock and zero: such data teaches a CNN nothing.
    Mouse (when `mouse_mode`): the horizontal position across the road view maps to the wheel,
    full lock at MOUSE_SPAN of the half view (so the span grows with the window), through an
    "expo" curve that is gentle near the centre like the keys: at 1280 x 720 the ~24 px a
    gentle bend took before now gives ~3 % lock, and that bend's ~12 % needs ~95 px. Gamepad:
    the stick outside its dead zone takes over while it is moved.
    """

    RAMP_RATE = 0.2  # /s at the centre (a tap nudges the car)
    PROGRESSIVE_RATE = 3.0  # /s added per unit of lock already on
    COUNTER_RATE = 3.2  # /s: steering back across the centre is quicker (fast corrections)
    RETURN_RATE = 2.0  # /s: full lock back to centre in 0.5 s after letting go
    SPEED_REF = 12.0  # m/s where the rates above hold as they are
    SPEED_SCALE_MIN = 0.6  # at high speed a key turns the wheel at most this much slower
    SPEED_SCALE_MAX = 1.4  # ... and at walking pace at most this much quicker: a bend needs
    # the same lock at any speed, so a slow car must not make the keys twitchy again
    # The quickest the wheel moves under the keyboard at SPEED_REF (per second).
    MAX_RATE = max(RAMP_RATE + PROGRESSIVE_RATE, COUNTER_RATE, RETURN_RATE)
    STICK_DEADZONE = 0.12
    MOUSE_SPAN = 0.9  # fraction of the half view from its centre to full lock (was 0.4)
    MOUSE_EXPO = 0.5  # share of the cubic in the mouse curve: slope 1 - EXPO at the centre

    def __init__(self) -> None:
        self.value = 0.0
        self.mouse_mode = False
        self.source = "keyboard"  # what produced the last command (shown in the HUD)

    def reset(self) -> None:
        self.value = 0.0

    def stick_active(self, stick: float | None) -> bool:
        return stick is not None and abs(stick) > self.STICK_DEADZONE

    @classmethod
    def speed_scale(cls, speed: float | None) -> float:
        """How much quicker (>1) or slower (<1) than at SPEED_REF the keys turn the wheel."""
        if speed is None or not math.isfinite(speed):
            return 1.0
        ratio = math.sqrt(cls.SPEED_REF / max(abs(speed), 1e-3))
        return min(max(ratio, cls.SPEED_SCALE_MIN), cls.SPEED_SCALE_MAX)

    def update(
        self,
        dt: float,
        left: bool,
        right: bool,
        mouse_x: float | None = None,
        stick: float | None = None,
        speed: float | None = None,
    ) -> float:
        """Advance by dt. `mouse_x`: -1..1 across the view; `stick`: raw gamepad axis;
        `speed`: the car's speed in m/s (None: rates as at SPEED_REF)."""
        if stick is not None and self.stick_active(stick):
            # Rescale so the command starts at 0 at the dead zone's edge (no jump).
            mag = (abs(stick) - self.STICK_DEADZONE) / (1.0 - self.STICK_DEADZONE)
            self.value = math.copysign(min(mag, 1.0), stick)
            self.source = "gamepad"
        elif self.mouse_mode and mouse_x is not None and not (left or right):
            self.value = self.mouse_wheel(mouse_x)
            self.source = "mouse"
        else:
            self.source = "keyboard"
            direction = (1 if right else 0) - (1 if left else 0)
            v = self.value
            if direction != 0:
                scale = self.speed_scale(speed)
                if v * direction < 0:
                    rate = self.COUNTER_RATE * scale
                else:
                    rate = (self.RAMP_RATE + self.PROGRESSIVE_RATE * abs(v)) * scale
                v += direction * rate * dt
            else:
                v -= math.copysign(min(abs(v), self.RETURN_RATE * dt), v)
            self.value = max(-1.0, min(1.0, v))
        return self.value

    def follow(self, inp: DriveInput, dt: float, speed: float | None = None) -> float:
        """`update` from one step's DriveInput (`speed`: the car's, in m/s)."""
        mouse_x = inp.mouse_x if self.mouse_mode else None
        return self.update(dt, inp.left, inp.right, mouse_x=mouse_x, stick=inp.stick,
                           speed=speed)

    @classmethod
    def mouse_wheel(cls, mouse_x: float) -> float:
        """The wheel position the mouse at `mouse_x` (-1..1 across the view) asks for."""
        if not math.isfinite(mouse_x):
            return 0.0
        u = max(-1.0, min(1.0, mouse_x / cls.MOUSE_SPAN))
        return (1.0 - cls.MOUSE_EXPO) * u + cls.MOUSE_EXPO * u**3

    @classmethod
    def mouse_x_for(cls, wheel: float) -> float:
        """Where the mouse (-1..1 across the view) gives `wheel` (the rail's marks)."""
        lo, hi = 0.0, cls.MOUSE_SPAN
        target = min(abs(wheel), 1.0)
        for _ in range(40):  # the curve rises monotonically: bisection is plenty
            mid = (lo + hi) / 2.0
            lo, hi = (mid, hi) if cls.mouse_wheel(mid) < target else (lo, mid)
        return math.copysign((lo + hi) / 2.0, wheel)


class PedalControls:
    """Throttle and brake pedals (0..1 each) from held keys, ramped like the wheel: holding a
    key presses its pedal in over 1 / PRESS_RATE s, letting go releases it over
    1 / RELEASE_RATE s. Never a jump from off to full: the car would lurch and spin its wheels
    out of a bend. With no key held both pedals are off and the car coasts.
    """

    PRESS_RATE = 2.5  # /s: full throttle (or brake) after 0.4 s
    RELEASE_RATE = 5.0  # /s: off again 0.2 s after letting go

    def __init__(self) -> None:
        self.throttle = 0.0
        self.brake = 0.0

    def reset(self) -> None:
        self.throttle = self.brake = 0.0

    @classmethod
    def _ramp(cls, value: float, held: bool, dt: float) -> float:
        if held:
            return min(1.0, value + cls.PRESS_RATE * dt)
        return max(0.0, value - cls.RELEASE_RATE * dt)

    def update(self, dt: float, faster: bool, slower: bool) -> tuple[float, float]:
        """Advance by dt with the throttle key (`faster`) and brake key (`slower`) held or
        not; returns (throttle, brake)."""
        self.throttle = self._ramp(self.throttle, faster, dt)
        self.brake = self._ramp(self.brake, slower, dt)
        return self.throttle, self.brake


def track_label(track: Track) -> str:
    """'brands_hatch' -> 'Brands Hatch', 'gen:42' -> 'Random track 42'."""
    if track.name.startswith("gen:"):
        return f"Random track {track.name[4:]}"
    return track.name.replace("_", " ").title()


def session_attribute(screen: Any, name: str) -> Any:
    """For a screen's __getattr__: benches and older tests read the session's state through
    the screen (scene.world, scene.driver)."""
    session = screen.__dict__.get("session")
    if session is None or name.startswith("__"):
        raise AttributeError(name)
    return getattr(session, name)
