"""Can a person hold a bend with the keyboard? A scripted keyboard driver, old wheel vs new.

    python -m bench.keyboard_steering [--tracks kidney oval] [--laps 2] [--cruises 12 10]
        [--seeds 3] [--first-seed 0] [--wheels legacy settling] [--counter-at 0.25]

The driver is a careful person with a person's limits: it sees the car (its pose, speed and
the steering gauge) REACTION_S (0.2 s) late, and all it can do is press or let go of Left /
Right. It is a bang-bang controller with a deadband and hysteresis: from what it saw it works
out the wheel it wants (the bend PREVIEW_S ahead plus a pull back to the lane centre
LOOKAHEAD_M ahead, bench.sloppy_driver's law), presses towards it when the gauge is more than
PRESS_AT away and holds until the gauge has reached it; an excess of lock on the same side is
let go rather than steered back (unless it is over COUNTER_AT). Its hands: a tap lasts at
least MIN_PRESS_S, a key comes back no sooner than MIN_GAP_S, and each press or release lands
0..HAND_LAG_S late (seeded: --seeds runs each row with different hands). No looking away: its
wobble comes from its late eyes and imprecise hands.

Every step goes through the Drive screen's own code: a DriveSession (person scoring, the
Drive screen's world and cruise control) fed a DriveInput of held keys, with the session's
SteeringControls switched to each keyboard wheel in turn ("legacy": the progressive wheel
before issue 18; "settling": today's; "quick": a settling wheel with a quicker start, measured
only here, see the README). The user folder is a temporary one (the Drive session
saves ghost laps).

Prints per cruise speed, track and wheel: mean and max |offset| from the lane centre,
off-road resets, off-lanes and key presses per lap. Target (issue 18): settling <= 0.35 m mean
on Kidney and Oval with no off-road resets.
"""

from __future__ import annotations

import argparse
import math
import tempfile
from collections import deque
from dataclasses import dataclass

import numpy as np

from bench.sloppy_driver import wanted_wheel
from game.paths import set_home
from game.sessions.controls import KEY_WHEELS, DriveInput, KeyWheel, SettlingKeys
from game.sim.car import DT

REACTION_S = 0.2  # how late the driver sees the car and the gauge
KEY_S = 0.05  # the hands look at the keys 20 times a second, but ...
MIN_PRESS_S = 0.1  # ... the shortest tap lasts this long
MIN_GAP_S = 0.15  # ... and a key let go is pressed again this long after, at the soonest
PRESS_AT = 0.03  # gauge this far from the wheel wanted: press towards it
RELEASE_AT = 0.0  # ... and hold until the gauge has reached it (hysteresis)
COUNTER_AT = 0.25  # a smaller excess of lock is let go, not steered back with the other key
HAND_LAG_S = 0.1  # each press or release lands 0..HAND_LAG_S late (a person's hands)
PREVIEW_S = 0.5  # how far ahead it sees a bend coming (beyond its late view of the car)
DEFAULT_TRACKS = ("kidney", "oval")
# The wheels compared: the app's, and a settling wheel that starts quicker (0.1 s: 6 %, 0.3 s:
# 21 %, 0.5 s: 35 %) tried for Kidney's chicane; not the app's: issue 9 asks that 0.3 s stay
# within a gentle bend (~12 %) and issue 18 that the lock grow more gently, not quicker.
BENCH_WHEELS: dict[str, KeyWheel] = {
    **KEY_WHEELS,
    "quick": SettlingKeys(name="quick", ramp_rate=0.6, progressive_rate=2.0),
}


class KeyboardPerson:
    """Left / Right / nothing from a REACTION_S-old view of the car and the steering gauge."""

    def __init__(self, seed: int = 0, counter_at: float = COUNTER_AT) -> None:
        self.counter_at = counter_at
        self.rng = np.random.default_rng(seed)
        self.left = self.right = False
        self.presses = 0
        self._seen: deque = deque(maxlen=int(round(REACTION_S / DT)) + 1)
        self._next_key = 0.0
        self._changed = -1.0  # when the keys last changed
        self._pending: tuple[float, bool, bool] | None = None  # (lands at, left, right)

    def keys(self, world, wheel: float) -> DriveInput:
        """This step's held keys, given the world now and the gauge now (seen later)."""
        st = world.car.state
        self._seen.append((st.x, st.y, st.yaw, st.speed, wheel))
        if world.time + 1e-9 >= self._next_key and len(self._seen) == self._seen.maxlen:
            self._next_key = world.time + KEY_S
            x, y, yaw, speed, gauge = self._seen[0]  # REACTION_S ago
            wanted = wanted_wheel(world.track, x, y, yaw, speed, world.car.params, PREVIEW_S)
            error = wanted - gauge
            wanted = error + gauge
            right = error > (RELEASE_AT if self.right else PRESS_AT)
            left = error < (-RELEASE_AT if self.left else -PRESS_AT)
            if abs(error) < self.counter_at and wanted * gauge > 0:
                # Less lock on the same side: let go (the wheel comes back by itself); the
                # other key only to cross the centre or for a big correction.
                right = right and gauge > 0
                left = left and gauge < 0
            held = world.time - self._changed
            if (self.left or self.right) and held < MIN_PRESS_S:
                left, right = self.left, self.right  # a tap cannot be shorter
            elif not (self.left or self.right) and held < MIN_GAP_S:
                left = right = False  # nor the next press sooner
            if (left, right) == (self.left, self.right):
                self._pending = None
            elif self._pending is None or self._pending[1:] != (left, right):
                self._pending = (world.time + self.rng.uniform(0.0, HAND_LAG_S), left, right)
        if self._pending is not None and world.time + 1e-9 >= self._pending[0]:
            _, left, right = self._pending
            self._pending = None
            self._changed = world.time
            self.presses += (right and not self.right) + (left and not self.left)
            self.left, self.right = left, right
        return DriveInput(left=self.left, right=self.right)


@dataclass(frozen=True)
class KeyboardRun:
    track: str
    wheel: str
    laps: int
    seconds: float
    mean_abs_offset_m: float
    max_abs_offset_m: float
    road_resets: int
    off_lanes: int
    presses_per_lap: float


def drive(
    track: str,
    wheel: str,
    laps: int = 2,
    cruise: float | None = None,
    seed: int = 0,
    counter_at: float = COUNTER_AT,
) -> KeyboardRun:
    """The keyboard person (its hands seeded) drives `laps` laps of `track` in a Drive
    session with the keyboard wheel `wheel`."""
    from game.sessions.driving import DriveSession

    session = DriveSession(track)
    session.controls.keys = BENCH_WHEELS[wheel]
    if cruise is not None:
        session.cruise = cruise
        session.world.car.set_cruise(cruise)
    world = session.world
    person = KeyboardPerson(seed, counter_at)
    speed = cruise or world.car.params.default_cruise
    budget = int(math.ceil((laps * session.track.length / speed + 30.0) / DT))
    for _ in range(budget):  # bounded: a car that stalls still ends
        if world.laps >= laps:
            break
        session.update(DT, person.keys(world, session.controls.value))
    session.close()
    return KeyboardRun(
        track=track,
        wheel=wheel,
        laps=world.laps,
        seconds=round(world.time, 1),
        mean_abs_offset_m=round(world.mean_abs_offset, 3),
        max_abs_offset_m=round(world.max_abs_offset, 3),
        road_resets=world.road_resets,
        off_lanes=world.off_lanes,
        presses_per_lap=round(person.presses / max(world.laps, 1), 1),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", nargs="+", default=list(DEFAULT_TRACKS))
    parser.add_argument("--laps", type=int, default=2)
    parser.add_argument("--cruises", nargs="+", type=float, default=[12.0, 10.0],
                        help="cruise speeds, m/s (12: the Drive screen's default)")
    parser.add_argument("--seeds", type=int, default=3, help="hand-timing seeds per row")
    parser.add_argument("--wheels", nargs="+", default=["legacy", "settling"],
                        choices=sorted(BENCH_WHEELS))
    parser.add_argument("--first-seed", type=int, default=0, help="the first hands' seed")
    parser.add_argument("--counter-at", type=float, default=COUNTER_AT,
                        help="an excess of lock over this is steered back with the other key; "
                        "a smaller one is let go")
    args = parser.parse_args(argv)
    print(f"{args.laps} laps x {args.seeds} seeds per row, counter-steer over "
          f"{args.counter_at}; mean |offset| averaged, max over "
          "the seeds, resets / off-lanes summed, presses per lap averaged")
    print(f"{'m/s':>4} {'track':<8} {'wheel':<9} {'mean |off| m':>12} {'max m':>6} "
          f"{'resets':>6} {'off-lanes':>9} {'presses/lap':>11}")
    with tempfile.TemporaryDirectory(prefix="keyboard-steering-") as home:
        set_home(home)  # ghost laps go here, not into the user's folder
        try:
            for cruise in args.cruises:
                for track in args.tracks:
                    for wheel in args.wheels:
                        runs = [drive(track, wheel, args.laps, cruise, seed, args.counter_at)
                                for seed in range(args.first_seed,
                                                  args.first_seed + args.seeds)]  # fmt: skip
                        mean = sum(r.mean_abs_offset_m for r in runs) / len(runs)
                        print(f"{cruise:>4.0f} {track:<8} {wheel:<9} {mean:>12.3f} "
                              f"{max(r.max_abs_offset_m for r in runs):>6.2f} "
                              f"{sum(r.road_resets for r in runs):>6} "
                              f"{sum(r.off_lanes for r in runs):>9} "
                              f"{sum(r.presses_per_lap for r in runs) / len(runs):>11.0f}",
                              flush=True)  # fmt: skip
        finally:
            set_home(None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
