"""The Autopilot's saliency view (S) and feature maps (M), without pygame.

VisualBackProp for the driving model is built in a worker for each new driver; the CNN's
helper thread then runs a pass in place of the plain forward pass every SALIENCY_EVERY-th
step (CnnDriver.prefetch), and `Saliency.take` keeps what that pass made for the screen.
Nothing here imports TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from game.workers import BackgroundJob, WorkerContext

SALIENCY_EVERY = 3  # VisualBackProp costs ~2 ms (TFLite): every 3rd step keeps frames in budget


def saliency_job(driver):
    """Worker job: VisualBackProp for `driver`, converted to TFLite (1.8x less CPU on the
    screen's thread; cached by the model file's hash) when the model came from a file."""

    def job(ctx: WorkerContext):
        from agents.driving.saliency import VisualBackProp

        path = getattr(driver, "model_path", None)
        backend = "tflite" if path is not None else "keras"
        return driver, VisualBackProp(driver.model, driver.spec, backend=backend, model_path=path)

    return job


@dataclass(frozen=True)
class SaliencyView:
    """What the screen shows of one VisualBackProp pass, all made on the model's helper
    thread: the mask as an RGBA layer and, when asked, the first conv layer's maps as a grid."""

    outputs: np.ndarray  # the model's outputs for the frame: the car steers from these
    mask: np.ndarray
    tint: np.ndarray
    maps: np.ndarray | None


def saliency_view(vbp, maps: bool) -> Callable[[np.ndarray], SaliencyView]:
    """frame -> SaliencyView, for CnnDriver.prefetch(saliency=...)."""
    from agents.driving.saliency import feature_grid, saliency_tint

    def view(frame: np.ndarray) -> SaliencyView:
        result = vbp(frame)
        grid = feature_grid(result.first_maps, columns=4) if maps else None
        return SaliencyView(result.outputs, result.mask, saliency_tint(result.mask), grid)

    return view


class Saliency:
    """What S and M show for the driver now steering: the switches, its VisualBackProp
    (built in a worker), and the latest pass's mask, tint and feature-map grid."""

    def __init__(self, notify: Callable[..., None]) -> None:
        self.notify = notify
        self.show_saliency = False
        self.show_maps = False
        self.driver: Any = None  # the driver the pass is for
        self.vbp = None  # its VisualBackProp, once built
        self.mask: np.ndarray | None = None
        self.tint: np.ndarray | None = None  # the mask as an RGBA layer to draw
        self.first_maps: np.ndarray | None = None  # the first conv layer's maps, as a grid
        self.building = BackgroundJob(on_done=self._built, on_failed=self._failed)

    @property
    def wanted(self) -> bool:
        return self.show_saliency or self.show_maps

    def set_driver(self, driver) -> None:
        """A new driver (or None): the old one's pass and pictures are dropped."""
        self.building.drop()  # its VisualBackProp is for the old driver
        self.driver, self.vbp = driver, None
        self.mask = self.tint = self.first_maps = None
        if self.wanted:
            self.prepare()

    def toggle(self, maps: bool = False) -> None:
        """S (saliency) or M (feature maps) on or off; the first one on builds the pass."""
        if maps:
            self.show_maps = not self.show_maps
        else:
            self.show_saliency = not self.show_saliency
        if self.wanted and self.vbp is None:
            self.prepare()

    def prepare(self) -> None:
        if self.driver is None or self.building.busy:
            return
        self.building.start(saliency_job(self.driver), name="saliency")

    def _built(self, result) -> None:
        driver, vbp = result
        if driver is self.driver:
            self.vbp = vbp

    def _failed(self, error: str | None) -> None:
        self.show_saliency = self.show_maps = False
        self.notify(f"saliency unavailable: {error}", "error")

    def take(self, driver) -> None:
        """Keep the VisualBackProp pass the CNN just steered with, if this step had one."""
        view = getattr(driver, "step_saliency", None)
        if isinstance(view, SaliencyView) and self.wanted:
            self.mask, self.tint = view.mask, view.tint
            if view.maps is not None:
                self.first_maps = view.maps

    def for_step(self, step: int) -> Callable[[np.ndarray], SaliencyView] | None:
        """The pass for world step `step`, or None for a plain forward pass: every
        SALIENCY_EVERY-th step the helper thread runs VisualBackProp in place of the plain
        one (CnnDriver.prefetch), one network at a time beside the screen's thread."""
        if self.vbp is None or not self.wanted or step % SALIENCY_EVERY:
            return None
        return saliency_view(self.vbp, self.show_maps)

    def close(self) -> None:
        self.building.cancel()
