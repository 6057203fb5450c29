"""Kinematic bicycle model with limited steering angle and rate, pedals or cruise control,
and a tyre grip limit (friction circle).

Two ways to drive the speed:

* cruise control (no pedals given): the idealised governor the lane-keeping runs use; it holds
  the set speed with a proportional controller within `max_accel` / `max_brake`, exactly as
  before pedals existed, so NVIDIA-style evaluation figures do not move;
* pedals (throttle and/or brake in 0..1): engine force that falls with speed (constant power
  above the traction limit), aerodynamic drag, rolling resistance and braking.

Either way the tyres share one grip budget, mu * g, between speeding up or slowing down and
turning: too fast into a bend and the achieved curvature is less than the wheel asks for, so
the car runs wide along a widening arc (no teleport).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DT = 1.0 / 60.0  # the sim always steps at 60 Hz
G = 9.81  # m/s^2


@dataclass(frozen=True)
class CarParams:
    wheelbase: float = 2.7  # m
    rear_to_cg: float = 1.35  # m, rear axle to centre of gravity
    length: float = 4.4  # m, for drawing and the dashcam's bonnet
    width: float = 1.8  # m
    max_steer: float = 0.55  # rad of front-wheel angle at full lock (steering = +-1)
    max_steer_rate: float = 2.5  # steering units per second (centre to full lock in 0.4 s)
    max_accel: float = 4.0  # m/s^2: traction-limited engine (and cruise control) at low speed
    max_brake: float = 8.0  # m/s^2: full brake pedal (and cruise control's hardest braking)
    max_speed: float = 30.0  # m/s: rev limiter; the engine gives nothing above it
    default_cruise: float = 12.0  # m/s
    # Engine power per kg of car (W/kg): full throttle gives min(max_accel, power / speed).
    power_per_mass: float = 90.0
    # Aerodynamic drag per kg: 0.5 * rho * Cd * A / m (1/m); 0.5*1.2*0.32*2.2/1200.
    drag_per_mass: float = 3.5e-4
    rolling_resistance: float = 0.015  # coefficient: rolling drag = c * g while moving
    # Tyre-road friction: arcade grip (2.5 g). The shipped tracks' tightest lanes (Spielberg,
    # 7.7 m radius) make the expert peak at 2.3 g at the 12 m/s cruise, and the lane-keeping
    # runs must never meet the limit; a racing car's pace still ends where the grip does.
    mu: float = 2.5


@dataclass
class CarState:
    x: float = 0.0
    y: float = 0.0
    yaw: float = 0.0  # rad, counter-clockwise from +x
    speed: float = 0.0  # m/s
    steering: float = 0.0  # -1..1, positive = right (the actual wheel position, rate-limited)
    throttle: float = 0.0  # -1..1: pedal (or cruise control's ask) last step; negative = brake
    brake: float = 0.0  # 0..1: brake pedal (or cruise control's braking) last step
    long_accel: float = 0.0  # m/s^2 achieved along the car last step (drag included)
    lateral_accel: float = 0.0  # m/s^2 achieved across the car last step, left positive
    grip_used: float = 0.0  # combined tyre demand / (mu * g) last step; 1.0 = at the limit
    sliding: bool = False  # the grip limit cut the turn or the pedals last step


class Car:
    """Deterministic: the same start state and inputs give the same trajectory."""

    def __init__(self, params: CarParams | None = None) -> None:
        self.params = params or CarParams()
        self.state = CarState()
        self.cruise_speed = self.params.default_cruise
        self.on_cruise = True  # the last step's speed came from cruise control, not pedals

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

    def step(
        self,
        steering_cmd: float,
        dt: float = DT,
        throttle: float | None = None,
        brake: float | None = None,
    ) -> None:
        """Advance one step. `steering_cmd` in -1..1 is where the driver wants the wheel.

        `throttle` and `brake` (0..1) are the pedals; with neither given, cruise control
        drives the speed. A NaN or inf anywhere raises ValueError and changes nothing.
        """
        _finite("steering command", steering_cmd)
        pedals = throttle is not None or brake is not None
        if pedals:
            _finite("throttle command", 0.0 if throttle is None else throttle)
            _finite("brake command", 0.0 if brake is None else brake)
        self.on_cruise = not pedals
        p, s = self.params, self.state
        cmd = min(max(steering_cmd, -1.0), 1.0)
        max_delta = p.max_steer_rate * dt
        s.steering += min(max(cmd - s.steering, -max_delta), max_delta)

        # Positive steering turns right, i.e. clockwise: a negative front-wheel angle.
        delta = -s.steering * p.max_steer
        tan_delta = math.tan(delta)
        v0 = s.speed
        grip = p.mu * G
        if pedals:
            tyre, resist = self._pedal_accel(
                min(max(throttle or 0.0, 0.0), 1.0), min(max(brake or 0.0, 0.0), 1.0)
            )
        else:
            # Cruise control: a proportional controller within the accel/brake limits.
            tyre = min(max(2.0 * (self.cruise_speed - v0), -p.max_brake), p.max_accel)
            resist = 0.0  # the governor's ask already is the net acceleration
            s.throttle = tyre / p.max_accel if tyre >= 0 else tyre / p.max_brake
            s.brake = max(-s.throttle, 0.0)

        # Friction circle: what the wheel asks for sideways (at this step's starting speed)
        # and the pedals ask for lengthways share mu * g; over it, both are scaled back.
        lat_ask = v0 * v0 * abs(_curvature(tan_delta, p))
        demand = math.hypot(tyre, lat_ask)
        s.sliding = demand > grip
        s.grip_used = demand / grip
        if s.sliding:
            tyre *= grip / demand
        accel = tyre - resist if v0 > 0.0 or tyre > resist else 0.0
        s.speed = max(0.0, s.speed + accel * dt)
        s.long_accel = (s.speed - v0) / dt

        # The turn the tyres can still give after the lengthways share.
        lat_max = math.sqrt(max(grip * grip - tyre * tyre, 0.0))
        v = s.speed
        if v * v * abs(_curvature(tan_delta, p)) > lat_max:
            # Too fast for this turn: the car follows the tightest arc the grip allows.
            s.sliding = True
            tan_delta = _tan_delta_for(math.copysign(lat_max / (v * v), tan_delta), p)
        beta = math.atan(p.rear_to_cg / p.wheelbase * tan_delta)
        yaw_rate = s.speed * math.cos(beta) * tan_delta / p.wheelbase
        s.lateral_accel = yaw_rate * s.speed
        s.x += s.speed * math.cos(s.yaw + beta) * dt
        s.y += s.speed * math.sin(s.yaw + beta) * dt
        s.yaw += yaw_rate * dt
        s.yaw = (s.yaw + math.pi) % (2.0 * math.pi) - math.pi

    def _pedal_accel(self, throttle: float, brake: float) -> tuple[float, float]:
        """(tyre acceleration from engine and brakes, resistance from drag and rolling), m/s^2.

        Also records the pedals in the state."""
        p, s = self.params, self.state
        v = s.speed
        engine = 0.0
        if v < p.max_speed:
            engine = throttle * min(p.max_accel, p.power_per_mass / max(v, 1e-3))
        tyre = engine - brake * p.max_brake
        resist = p.drag_per_mass * v * v + p.rolling_resistance * G if v > 0.0 else 0.0
        s.throttle = -brake if brake > 0.0 else throttle
        s.brake = brake
        return tyre, resist

    def stopping_distance(self, speed: float) -> float:
        """Metres to stop from `speed` with the brake pedal fully down on a straight road."""
        p, v, d = self.params, speed, 0.0
        while v > 0.0:  # the same sums the sim does, so a test can hold the sim to them
            a = p.max_brake + p.drag_per_mass * v * v + p.rolling_resistance * G
            v_next = max(0.0, v - a * DT)
            d += v_next * DT
            v = v_next
        return d


def _curvature(tan_delta: float, p: CarParams) -> float:
    """Path curvature of the centre of gravity (left +) for a front-wheel angle's tangent."""
    beta = math.atan(p.rear_to_cg / p.wheelbase * tan_delta)
    return math.cos(beta) * tan_delta / p.wheelbase


def _tan_delta_for(curvature: float, p: CarParams) -> float:
    """Inverse of `_curvature`: the front-wheel tangent that gives `curvature` (left +)."""
    k = curvature * p.wheelbase
    r = p.rear_to_cg / p.wheelbase
    return k / math.sqrt(max(1.0 - k * k * r * r, 1e-9))


def _finite(what: str, *values: float) -> None:
    """Reject NaN/inf before it reaches the state: min/max would pass a NaN straight through,
    and one NaN step poisons the car's pose and every lane metric after it."""
    for v in values:
        if not math.isfinite(v):
            raise ValueError(f"{what} must be a finite number, got {v}")


def curvature_for_steering(steering: float, params: CarParams) -> float:
    """|Path curvature| (1/m) of the car's centre with the wheel held at `steering` (-1..1)."""
    tan_delta = math.tan(min(abs(steering), 1.0) * params.max_steer)
    return abs(_curvature(tan_delta, params))


def steering_for_curvature(curvature: float, params: CarParams) -> float:
    """Steering (-1..1, right +) that makes the rear axle follow a curvature (left +)."""
    delta = math.atan(curvature * params.wheelbase)
    return min(max(-delta / params.max_steer, -1.0), 1.0)
