"""What a person's hands give the driving screens, without pygame: held keys as booleans,
the mouse as a position across the road view, a gamepad axis; and the smooth wheel over them.

The screens turn pygame state into a `DriveInput` (through game.actions); the sessions take
only that, so their rules are testable without a window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from game.sim.car import CarParams, G, steering_for_curvature
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


@dataclass(frozen=True)
class ProgressiveKeys:
    """The keyboard wheel before issue 18 (kept for bench/keyboard_steering.py's comparison):
    holding a key turns the wheel further, gently near the centre and quicker the further it
    is turned (a progressive rack: RAMP_RATE at the centre plus PROGRESSIVE_RATE per unit of
    lock), slower the faster the car goes. A 0.5 s hold gave ~23 % lock and 0.9 s ~90 %, and
    letting go re-centred at 2/s: holding a bend's ~15 % meant tapping all the way round.
    """

    name: str = "legacy"
    ramp_rate: float = 0.2  # /s at the centre
    progressive_rate: float = 3.0  # /s added per unit of lock already on
    counter_rate: float = 3.2  # /s: steering back across the centre
    return_rate: float = 2.0  # /s: full lock back to centre in 0.5 s after letting go

    @property
    def max_rate(self) -> float:
        """The quickest the wheel moves at SPEED_REF (per second)."""
        return max(self.ramp_rate + self.progressive_rate, self.counter_rate, self.return_rate)

    def step(self, value: float, direction: int, dt: float, speed: float | None) -> float:
        v = value
        if direction != 0:
            scale = speed_scale(speed)
            if v * direction < 0:
                rate = self.counter_rate * scale
            else:
                rate = (self.ramp_rate + self.progressive_rate * abs(v)) * scale
            v += direction * rate * dt
        else:
            v -= math.copysign(min(abs(v), self.return_rate * dt), v)
        return max(-1.0, min(1.0, v))


@dataclass(frozen=True)
class SettlingKeys(ProgressiveKeys):
    """The keyboard wheel (issue 18): the same progressive rack, but a held key settles at a
    lock instead of running on to full lock, and that lock shrinks as the car goes faster.

    Held: the rack's rate (RAMP_RATE at the centre plus PROGRESSIVE_RATE per unit of lock,
    slower at speed) shrinks in proportion to the lock already on, to nothing at
    `settle_lock(speed)`: the lock grows with the hold time, gently near the centre, and
    settles. The settling lock is the one that turns the car at SETTLE_G at its speed, as
    racing games take lock away at speed: full lock up to ~10 m/s, 0.78 at the 12 m/s cruise
    (the tightest shipped bend needs ~0.61), 0.30 at 20 m/s, 0.13 at 30 m/s. At the cruise a
    held key gives 9 % after 0.3 s, 19 % after 0.5 s, 45 % after 0.9 s and 77 % after 2 s
    (the old wheel: 9 %, 22 %, 86 %, then full lock after ~1 s), so a key let go a moment
    late (a person's hands) costs a little lock, not a runaway to full lock.
    Released: back to the centre at RETURN_RATE; the other key: across it at COUNTER_RATE.
    (bench/keyboard_steering.py: a slower, smoother return made its driver weave more.)
    """

    name: str = "settling"
    settle_g: float = 2.5  # lateral acceleration (g) the settled lock asks for
    min_settle_lock: float = 0.1  # the settling lock at the highest speeds

    def settle_lock(self, speed: float | None) -> float:
        """The lock a held key settles at for a car at `speed` m/s (None: SPEED_REF)."""
        if speed is None or not math.isfinite(speed):
            speed = SPEED_REF
        v = max(abs(speed), 1.0)
        lock = abs(steering_for_curvature(self.settle_g * G / (v * v), CarParams()))
        return min(1.0, max(self.min_settle_lock, lock))

    def step(self, value: float, direction: int, dt: float, speed: float | None) -> float:
        v = value
        if direction != 0 and v * direction >= 0:
            settle = self.settle_lock(speed)
            rate = (self.ramp_rate + self.progressive_rate * abs(v)) * speed_scale(speed)
            v += direction * min(rate * max(0.0, 1.0 - abs(v) / settle) * dt,
                                 max(0.0, settle - abs(v)))
            if abs(v) > settle:  # the car sped up: its settling lock shrank; ease down
                v -= direction * min(abs(v) - settle, self.return_rate * dt)
            return max(-1.0, min(1.0, v))
        return super().step(value, direction, dt, speed)


KeyWheel = ProgressiveKeys | SettlingKeys
KEY_WHEELS: dict[str, KeyWheel] = {"settling": SettlingKeys(), "legacy": ProgressiveKeys()}
SPEED_REF = 12.0  # m/s: the cruise speed, where the legacy wheel's rates hold as they are
SPEED_SCALE_MIN = 0.6  # legacy: at high speed a key turns the wheel at most this much slower
SPEED_SCALE_MAX = 1.4  # ... and at walking pace at most this much quicker


def speed_scale(speed: float | None) -> float:
    """The legacy wheel: how much quicker (>1) or slower (<1) than at SPEED_REF keys turn it."""
    if speed is None or not math.isfinite(speed):
        return 1.0
    ratio = math.sqrt(SPEED_REF / max(abs(speed), 1e-3))
    return min(max(ratio, SPEED_SCALE_MIN), SPEED_SCALE_MAX)


class SteeringControls:
    """Smooth steering command (-1..1, right positive) from keyboard, mouse or gamepad.

    Keyboard: `keys` (SettlingKeys by default; "legacy" is the wheel before issue 18) moves
    the wheel while Left / Right are held and re-centres it when they are let go.
    Never a jump between full lock and zero: such data teaches a CNN nothing.
    Mouse (when `mouse_mode`): the horizontal position across the road view maps to the wheel,
    full lock at MOUSE_SPAN of the half view (so the span grows with the window), through an
    "expo" curve that is gentle near the centre like the keys: at 1280 x 720 the ~24 px a
    gentle bend took before now gives ~3 % lock, and that bend's ~12 % needs ~95 px. Gamepad:
    the stick outside its dead zone takes over while it is moved.
    """

    SPEED_REF = SPEED_REF
    # The default keyboard wheel's rates (at SPEED_REF), for the HUD's and tests' arithmetic.
    RAMP_RATE = SettlingKeys.ramp_rate
    PROGRESSIVE_RATE = SettlingKeys.progressive_rate
    COUNTER_RATE = SettlingKeys.counter_rate
    RETURN_RATE = SettlingKeys.return_rate
    SPEED_SCALE_MIN = SPEED_SCALE_MIN
    SPEED_SCALE_MAX = SPEED_SCALE_MAX
    MAX_RATE = SettlingKeys().max_rate  # the quickest the keys move the wheel at SPEED_REF
    STICK_DEADZONE = 0.12
    MOUSE_SPAN = 0.9  # fraction of the half view from its centre to full lock (was 0.4)
    MOUSE_EXPO = 0.5  # share of the cubic in the mouse curve: slope 1 - EXPO at the centre

    def __init__(self, keys: KeyWheel | str = "settling") -> None:
        self.keys = KEY_WHEELS[keys] if isinstance(keys, str) else keys
        self.value = 0.0
        self.mouse_mode = False
        self.source = "keyboard"  # what produced the last command (shown in the HUD)

    def reset(self) -> None:
        """Centre the wheel (a new track, a restart, the car put back on the road)."""
        self.value = 0.0

    def stick_active(self, stick: float | None) -> bool:
        return stick is not None and abs(stick) > self.STICK_DEADZONE

    speed_scale = staticmethod(speed_scale)

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
        `speed`: the car's speed in m/s (None: as at SPEED_REF)."""
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
            self.value = self.keys.step(self.value, direction, dt, speed)
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


