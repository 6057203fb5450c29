"""argparse types for numbers: a bad value is one usage line, never a traceback later."""

from __future__ import annotations

import argparse
from collections.abc import Callable

MAX_SEED = 2**32 - 1  # numpy's SeedSequence and Keras take any of these
MAX_COUNT = 10**6  # laps, epochs, jobs...: far beyond any real use, it only stops typos


def whole(low: int, high: int) -> Callable[[str], int]:
    """A type that accepts a whole number in [low, high]."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        if value > high:
            raise argparse.ArgumentTypeError(f"must be at most {high:,}, got {value:,}")
        return value

    parse.__name__ = "whole number"
    return parse


seed = whole(0, MAX_SEED)
count = whole(1, MAX_COUNT)


def number(low: float, high: float) -> Callable[[str], float]:
    """A type that accepts a finite number in [low, high] (NaN and inf are refused)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
        if not low <= value <= high:  # also false for NaN
            raise argparse.ArgumentTypeError(f"must be between {low:g} and {high:g}, got {text}")
        return value

    parse.__name__ = "number"
    return parse


rate_hz = number(0.1, 60.0)  # samples per simulated second: at most one per 60 Hz sim step
