"""The one driving loop: camera once per step, drivers, the person's takeover, the recorder,
then world.step; a driver's NaN stops the step before the car moves."""

from __future__ import annotations

import numpy as np
import pytest

from agents.driving.drivers import Driver, DriverOutputError
from agents.driving.expert import ExpertDriver
from agents.driving.loop import CameraPart, DrivingLoop, StepResult
from game.sim.dashcam import Dashcam
from game.sim.tracks_catalog import resolve_track
from game.sim.world import World

TRACK = "gen:5100"


class CountingCam:
    """A Dashcam stand-in: each render is a new frame numbered by the render count."""

    def __init__(self) -> None:
        self.renders = 0

    def render_world(self, world) -> np.ndarray:
        self.renders += 1
        return np.full((4, 4, 3), self.renders % 256, np.uint8)


class Looker(Driver):
    needs_camera = True

    def __init__(self, name: str, value: float = 0.0) -> None:
        self.name = name
        self.value = value
        self.seen: list[np.ndarray] = []

    def steer(self, world, frame):
        self.seen.append(frame)
        return self.value


class Tape:
    """A recorder part that samples every other step and keeps what it was given."""

    def __init__(self) -> None:
        self.rows: list[tuple[np.ndarray | None, float, float]] = []

    def wants_frame(self, world) -> bool:
        return world.steps % 2 == 0

    def record(self, world, frame, command) -> bool:
        self.rows.append((frame, command, world.time))
        return True


@pytest.fixture
def world() -> World:
    return World(resolve_track(TRACK), start_speed=10.0)


def test_camera_renders_once_per_step_for_every_consumer(world):
    cam = CountingCam()
    driver, advisor, tape = Looker("a", 0.1), Looker("b"), Tape()
    loop = DrivingLoop(world, driver, CameraPart(cam, world), tape, advisors=[advisor])
    for _ in range(6):
        loop.step()
    assert cam.renders == 6  # two camera drivers and a recorder, one render per state
    assert all(a is b for a, b in zip(driver.seen, advisor.seen, strict=True))
    assert len({int(f[0, 0, 0]) for f in driver.seen}) == 6  # a fresh frame each state


def test_nobody_looking_renders_nothing(world):
    cam = CountingCam()
    loop = DrivingLoop(world, ExpertDriver(), CameraPart(cam, world))
    for _ in range(5):
        assert loop.step().frame is None
    assert cam.renders == 0


def test_recorder_gets_the_frame_the_driver_saw_and_the_command_applied(world):
    cam, driver, tape = CountingCam(), Looker("cnn", -0.25), Tape()
    loop = DrivingLoop(world, driver, CameraPart(cam, world), tape)
    times = []
    for _ in range(6):
        times.append(world.time)
        step = loop.step()
        assert step.frame is driver.seen[-1]
    assert len(tape.rows) == 3
    for k, (frame, command, t) in enumerate(tape.rows):
        assert frame is driver.seen[2 * k]  # the very array the driver steered from
        assert command == -0.25
        assert t == times[2 * k]  # recorded before the step, from the state it saw


def test_a_takeover_is_counted_once_when_it_starts(world):
    loop = DrivingLoop(world, ExpertDriver())
    script = [None, 0.3, 0.4, 0.5, None, None, -0.2, None, 0.1]
    results: list[StepResult] = [loop.step(h) for h in script]
    assert loop.takeovers == 3
    assert [r.takeover_started for r in results] == [
        False, True, False, False, False, False, True, False, True
    ]  # fmt: skip
    assert [r.human for r in results] == [h is not None for h in script]
    # While the person steers, their command replaces the driver's.
    assert results[2].command == 0.4 and results[2].driver_command is not None
    assert results[0].command == results[0].driver_command
    assert loop.overriding


def test_nan_from_a_driver_raises_and_the_car_does_not_move(world):
    class Broken(Driver):
        name = "broken"

        def __init__(self) -> None:
            self.n = 0

        def steer(self, world, frame):
            self.n += 1
            return 0.0 if self.n < 4 else float("nan")

    loop = DrivingLoop(world, Broken())
    for _ in range(3):
        loop.step()
    before = (world.steps, world.car.state.x, world.car.state.y)
    with pytest.raises(DriverOutputError, match="broken produced NaN steering at frame 4"):
        loop.step()
    assert (world.steps, world.car.state.x, world.car.state.y) == before


def test_a_failing_recorder_is_detached_and_the_car_drives_on(world):
    class Full(Tape):
        def record(self, world, frame, command) -> bool:
            raise OSError(28, "No space left on device")

    loop = DrivingLoop(world, ExpertDriver(), recorder=Full())
    step = loop.step()
    assert isinstance(step.record_error, OSError) and loop.recorder is None
    assert world.steps == 1 and loop.step().record_error is None


def test_a_real_dashcam_frame_matches_a_fresh_render(world):
    cam = Dashcam(world.track)
    part = CameraPart(cam, world)
    loop = DrivingLoop(world, Looker("cnn", 0.05), part)
    loop.step()
    assert np.array_equal(part.frame(), cam.render_world(world))
    assert part.renders == 2


class Prefetcher(Looker):
    """A looker that records which frames it was asked to start on ahead of time."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.started: list[np.ndarray] = []

    def prefetch(self, frame) -> None:
        self.started.append(frame)


def test_prefetch_hands_the_next_step_the_same_frame(world):
    """prefetch() renders the current state once; the next step's driver gets that array."""
    cam = CountingCam()
    driver = Prefetcher("ahead")
    loop = DrivingLoop(world, driver, camera=CameraPart(cam, world))
    for _ in range(3):
        loop.prefetch()
        loop.step()
    assert cam.renders == 3  # one per step: the prefetch's render is the step's
    assert all(s is f for s, f in zip(driver.seen, driver.started, strict=True))


def test_a_frame_rendered_ahead_is_redrawn_after_the_car_is_moved(world):
    """A car put back outside `step` (a reset) must not be steered from the old pose's frame."""
    cam = CountingCam()
    driver = Prefetcher("ahead")
    loop = DrivingLoop(world, driver, camera=CameraPart(cam, world))
    loop.step()
    loop.prefetch()
    world.reset()
    loop.step()
    assert cam.renders == 3
    assert driver.seen[-1] is not driver.started[-1]
