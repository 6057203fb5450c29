"""One driving loop, in the spirit of DonkeyCar's parts: camera -> drivers -> human override
-> recorder -> `world.step`.

Every place a car is driven (evaluate, the expert recording, LaneFollow-v0, the Drive,
Autopilot and Race screens) steps its world through `DrivingLoop.step`, so the order of the
parts is the same everywhere: each recorded row pairs the frame of a state with the command
applied *from* that state, and a driver's NaN stops the step before the car moves.
No pygame and no TensorFlow here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from agents.driving.drivers import Driver, check_command
from game.sim.world import World


class FrameSource(Protocol):
    """Anything that renders the dashcam frame of a World's car (game.sim.dashcam.Dashcam)."""

    def render_world(self, world: World) -> np.ndarray: ...


class CameraPart:
    """The dashcam on one world: the frame of the current state, rendered at most once.

    Screens draw `frame()` between steps and the loop hands the same array to the drivers
    and the recorder, so what the panel shows is exactly what the CNN steered from.
    """

    def __init__(self, dashcam: FrameSource, world: World) -> None:
        self.dashcam = dashcam
        self.world = world
        self.renders = 0  # frames rendered so far (tests check "once per step")
        self._frame: np.ndarray | None = None
        self._pose: tuple | None = None  # what _frame shows: see _pose_now

    def _pose_now(self) -> tuple:
        # A frame rendered ahead (DrivingLoop.prefetch) must not outlive a car put back or a
        # track changed outside `step`: the frame is kept only while these are unchanged.
        st = self.world.car.state
        return (id(self.world.track), self.world.steps, st.x, st.y, st.yaw)

    def frame(self) -> np.ndarray:
        if self._frame is None or self._pose != self._pose_now():
            self._frame = self.dashcam.render_world(self.world)
            self._pose = self._pose_now()
            self.renders += 1
        return self._frame

    @property
    def current(self) -> np.ndarray | None:
        """The frame of the current state if it was rendered already, else None."""
        return self._frame if self._pose == self._pose_now() else None

    def set_dashcam(self, dashcam: FrameSource) -> None:
        """A new look: the next frame comes from `dashcam`."""
        self.dashcam = dashcam
        self._frame = None

    def invalidate(self) -> None:
        """The world moved: the cached frame shows a past state."""
        self._frame = None


class RecorderPart(Protocol):
    """Writes samples: asked before each step whether one is due, then given the frame."""

    def wants_frame(self, world: World) -> bool: ...

    def record(self, world: World, frame: np.ndarray | None, command: float) -> bool: ...


class RecordingPart:
    """A `RecorderPart` over agents.driving.recording_writer.Recorder (Drive's laps, takeovers)."""

    def __init__(self, recorder, look: str | None = None, source: str | None = None) -> None:
        self.recorder = recorder
        self.look = look  # updated by the owner when the dashcam look changes
        self.source = source

    def wants_frame(self, world: World) -> bool:
        return self.recorder.wants_frame(world)

    def record(self, world: World, frame: np.ndarray | None, command: float) -> bool:
        return self.recorder.update(world, frame, command, source=self.source, look=self.look)


@dataclass(frozen=True)
class StepResult:
    """What one step did. `frame` is the dashcam frame of the state the command was applied
    from (None when nothing needed one)."""

    command: float  # what the car was given
    driver_command: float | None  # what the driver asked for (None: no driver)
    advice: tuple[float, ...]  # the advisors' commands, in order
    human: bool  # a person's input replaced the driver's command
    takeover_started: bool  # ... and this step is the first of a takeover
    frame: np.ndarray | None
    recorded: bool
    record_error: OSError | None  # the recorder failed (e.g. disk full); it was detached
    intervened: bool
    throttle: float | None = None  # pedals the car was given; None = cruise control
    brake: float | None = None


class DrivingLoop:
    """Steps one World through the parts; holds the takeover count.

    driver: steers unless a person does (None: the car gets 0.0, e.g. while a model loads).
    advisors: drivers asked every step but never obeyed (Autopilot's expert gauge).
    camera: renders the frame drivers with `needs_camera` and the recorder get.
    recorder: optional; a failing recorder (OSError) is detached and reported, the car goes on.
    cruise: hold the car's cruise speed whatever pedals the driver has (NVIDIA-style lane
        keeping, where every driver is judged at the same speed).
    """

    def __init__(
        self,
        world: World,
        driver: Driver | None = None,
        camera: CameraPart | None = None,
        recorder: RecorderPart | None = None,
        advisors: Sequence[Driver] = (),
        cruise: bool = False,
    ) -> None:
        self.world = world
        self.cruise = cruise
        self.driver = driver
        self.camera = camera
        self.recorder = recorder
        self.advisors = list(advisors)
        self.takeovers = 0  # times a person took control from the driver
        self.overriding = False  # the person steers right now

    def prefetch(self, saliency: Callable[[np.ndarray], Any] | None = None) -> None:
        """Render the current state's frame and let the driver start on it in the background
        (`prefetch(frame)`, e.g. CnnDriver's); the next `step` collects the result. Screens
        call it after a step, before drawing, so the model runs while they draw. `saliency`
        is handed on to the driver's prefetch (CnnDriver: the pass that also explains)."""
        driver, camera = self.driver, self.camera
        start = getattr(driver, "prefetch", None)
        if start is None or camera is None or not getattr(driver, "needs_camera", False):
            return
        if saliency is None:
            start(camera.frame())
        else:
            start(camera.frame(), saliency=saliency)

    def _frame_for(self, driver: Driver) -> np.ndarray | None:
        # Duck-typed drivers that do not say whether they look get the frame when there is one.
        if not getattr(driver, "needs_camera", True):
            return None
        if self.camera is None:
            if getattr(driver, "needs_camera", False):
                raise ValueError(f"driver {_name(driver)} needs a camera; the loop has none")
            return None
        return self.camera.frame()

    def _ask(self, driver: Driver) -> float:
        # A NaN command is an error naming the driver, never a silent "100 % autonomy" run.
        value = driver.steer(self.world, self._frame_for(driver))
        return check_command(value, f"driver {_name(driver)}", self.world.steps + 1)

    def _ask_pedals(self, driver: Driver) -> tuple[float, float] | None:
        pedals = getattr(driver, "pedals", None)  # duck-typed drivers may have none
        got = pedals(self.world) if pedals is not None else None
        if got is None:
            return None
        who, frame = f"driver {_name(driver)}", self.world.steps + 1
        throttle, brake = got
        return (
            check_command(throttle, who, frame, "throttle"),
            check_command(brake, who, frame, "brake"),
        )

    def step(
        self, human: float | None = None, human_pedals: tuple[float, float] | None = None
    ) -> StepResult:
        """One 1/60 s step. `human`: the person's steering while they steer (or an env's
        action), which replaces the driver's command; `human_pedals`: their (throttle, brake)
        while they steer (None: cruise control). A driver's pedals (`Driver.pedals`) reach the
        car with its steering. Raises DriverOutputError (and leaves the world unchanged) when
        a driver's command is NaN or inf."""
        world = self.world
        advice = tuple(self._ask(a) for a in self.advisors)
        driver_cmd = self._ask(self.driver) if self.driver is not None else None
        driver_pedals = (
            self._ask_pedals(self.driver) if self.driver is not None and not self.cruise else None
        )
        started = human is not None and not self.overriding
        if started:
            self.takeovers += 1
        self.overriding = human is not None
        if human is not None:
            command = float(human)
            pedals = human_pedals
        else:
            command = driver_cmd if driver_cmd is not None else 0.0
            pedals = driver_pedals
        throttle, brake = (None, None) if pedals is None else pedals
        frame = self.camera.current if self.camera is not None else None
        recorded, error = False, None
        if self.recorder is not None and self.recorder.wants_frame(world):
            if self.camera is not None:
                frame = self.camera.frame()
            try:
                recorded = bool(self.recorder.record(world, frame, command))
            except OSError as e:
                self.recorder, error = None, e
        world.step(command, throttle, brake)
        if self.camera is not None:
            self.camera.invalidate()
        return StepResult(
            command=command,
            driver_command=driver_cmd,
            advice=advice,
            human=human is not None,
            takeover_started=started,
            frame=frame,
            recorded=recorded,
            record_error=error,
            intervened=world.intervened,
            throttle=throttle,
            brake=brake,
        )


def _name(driver: Driver) -> str:
    return getattr(driver, "name", type(driver).__name__)
