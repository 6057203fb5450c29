"""The one interface every driver implements, and a small registry to build drivers by name.

The evaluation loop, the recorder and the screens only talk to `Driver`, so a new kind of
driver (the CNN, a scripted test driver) plugs in by registering a factory, nothing else.
"""

from __future__ import annotations

import importlib
import inspect
import math
from collections.abc import Callable

import numpy as np

from game.errors import UserFacingError


class Driver:
    """Turns what it sees into a steering command (-1..1, positive = right)."""

    name: str = "driver"
    needs_camera: bool = False  # True: steer() gets the dashcam frame, else frame is None
    mean_inference_ms: float | None = None  # None for drivers that run no neural network

    def reset(self, world) -> None:
        """Called once before a run starts (and after the world is reset)."""

    def steer(self, world, frame: np.ndarray | None) -> float:
        raise NotImplementedError

    def pedals(self, world) -> tuple[float, float] | None:
        """(throttle, brake), each 0..1, for the step `steer` was just asked about; None (the
        default) leaves the speed to cruise control. Called right after `steer`."""
        return None


class DriverOutputError(UserFacingError):
    """A driver (usually a broken model) produced a command the car cannot take: NaN or inf."""


def check_command(value: float, who: str, frame: int, what: str = "steering") -> float:
    """`value` as a float when finite; else DriverOutputError naming the driver and frame.

    A NaN command must stop the run loudly: clipped or ignored, a NaN model would drive
    (or score 100 % autonomy) without ever saying so.
    """
    v = float(value)
    if not math.isfinite(v):
        word = "NaN" if math.isnan(v) else ("+inf" if v > 0 else "-inf")
        raise DriverOutputError(f"{who} produced {word} {what} at frame {frame}")
    return v


DriverFactory = Callable[..., Driver]

# Built-in drivers as "module:attribute", imported only when asked for, so that choosing the
# expert never pays for importing TensorFlow.
BUILTIN_DRIVERS: dict[str, str] = {
    "expert": "agents.driving.expert:ExpertDriver",
    "racer": "agents.driving.racing:RacingExpert",
    "cnn": "agents.driving.cnn_driver:CnnDriver",
}
_REGISTRY: dict[str, DriverFactory] = {}


def register_driver(name: str, factory: DriverFactory) -> None:
    """Make `make_driver(name, **kwargs)` call `factory(**kwargs)`."""
    _REGISTRY[name.lower()] = factory


def driver_names() -> list[str]:
    return sorted(set(BUILTIN_DRIVERS) | set(_REGISTRY))


def make_driver(name: str, **kwargs) -> Driver:
    """Build a driver by name; an unknown name is a UserFacingError listing the known ones."""
    key = name.lower()
    factory = _REGISTRY.get(key)
    if factory is None and key in BUILTIN_DRIVERS:
        module, attr = BUILTIN_DRIVERS[key].split(":")
        factory = getattr(importlib.import_module(module), attr)
        _REGISTRY[key] = factory
    if factory is None:
        raise UserFacingError(
            f"unknown driver {name!r}; known drivers: {', '.join(driver_names())}"
        )
    try:
        inspect.signature(factory).bind(**kwargs)
    except TypeError:
        raise UserFacingError(
            f"driver {name!r} does not take {', '.join(kwargs) or 'these arguments'}"
        ) from None
    return factory(**kwargs)
