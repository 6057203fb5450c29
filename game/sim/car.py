"""Kinematic bicycle model with limited steering angle and rate, and cruise control."""

from __future__ import annotations

import math
from dataclasses import dataclass

DT = 1.0 / 60.0  # the sim always steps at 60 Hz


@dataclass(frozen=True)
class CarParams:
    wheelbase: float = 2.7  # m
    rear_to_cg: float = 1.35  # m, rear axle to centre of gravity
    length: float = 4.4  # m, for drawing and the dashcam's bonnet
    width: float = 1.8  # m
    max_steer: float = 0.55  # rad of front-wheel angle at full lock (steering = +-1)
    max_steer_rate: float = 2.5  # steering units per second (centre to full lock in 0.4 s)
    max_accel: float = 4.0  # m/s^2
    max_brake: float = 8.0  # m/s^2
    max_speed: float = 30.0  # m/s
    default_cruise: float = 12.0  # m/s


@dataclass
class CarState:
    x: float = 0.0
    y: float = 0.0
    yaw: float = 0.0  # rad, counter-clockwise from +x
    speed: float = 0.0  # m/s
    steering: float = 0.0  # -1..1, positive = right (the actual wheel position, rate-limited)
    throttle: float = 0.0  # -1..1, what cruise control asked for last step


class Car:
    """Deterministic: the same start state and inputs give the same trajectory."""

    def __init__(self, params: CarParams | None = None) -> None:
        self.params = params or CarParams()
        self.state = CarState()
        self.cruise_speed = self.params.default_cruise

    def place(self, x: float, y: float, yaw: float, speed: float | None = None) -> None:
        _finite("pose", x, y, yaw, 0.0 if speed is None else speed)
        s = self.state
        s.x, s.y, s.yaw = x, y, yaw
        s.steering = 0.0
        if speed is not None:
            s.speed = speed

    def set_cruise(self, speed: float) -> None:
        _finite("cruise speed", speed)
        self.cruise_speed = min(max(speed, 0.0), self.params.max_speed)

    def step(self, steering_cmd: float, dt: float = DT) -> None:
        """Advance one step. `steering_cmd` in -1..1 is where the driver wants the wheel."""
        _finite("steering command", steering_cmd)
        p, s = self.params, self.state
        cmd = min(max(steering_cmd, -1.0), 1.0)
        max_delta = p.max_steer_rate * dt
        s.steering += min(max(cmd - s.steering, -max_delta), max_delta)

        # Cruise control: a proportional controller within the accel/brake limits.
        accel = min(max(2.0 * (self.cruise_speed - s.speed), -p.max_brake), p.max_accel)
        s.throttle = accel / p.max_accel if accel >= 0 else accel / p.max_brake
        s.speed = max(0.0, s.speed + accel * dt)

        # Positive steering turns right, i.e. clockwise: a negative front-wheel angle.
        delta = -s.steering * p.max_steer
        beta = math.atan(p.rear_to_cg / p.wheelbase * math.tan(delta))
        s.x += s.speed * math.cos(s.yaw + beta) * dt
        s.y += s.speed * math.sin(s.yaw + beta) * dt
        s.yaw += s.speed * math.cos(beta) * math.tan(delta) / p.wheelbase * dt
        s.yaw = (s.yaw + math.pi) % (2.0 * math.pi) - math.pi


def _finite(what: str, *values: float) -> None:
    """Reject NaN/inf before it reaches the state: min/max would pass a NaN straight through,
    and one NaN step poisons the car's pose and every lane metric after it."""
    for v in values:
        if not math.isfinite(v):
            raise ValueError(f"{what} must be a finite number, got {v}")


def steering_for_curvature(curvature: float, params: CarParams) -> float:
    """Steering (-1..1, right +) that makes the rear axle follow a curvature (left +)."""
    delta = math.atan(curvature * params.wheelbase)
    return min(max(-delta / params.max_steer, -1.0), 1.0)
