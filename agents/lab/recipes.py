"""The recipes a lab variant is: every knob a spec may set, with its default and its check.

A driving recipe is the network's shape (agents.driving.models.ConvNetRecipe; the defaults
give the shipped PilotNet) plus the training run's settings; an RPS recipe is the LSTM's
shape, its history window and its training settings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from game.errors import UserFacingError


class SpecError(UserFacingError):
    """A lab spec that cannot be run: the message names the file and the key."""


@dataclass(frozen=True)
class DrivingRecipe:
    # the network (ConvNetRecipe's fields)
    filters: tuple[int, ...] = (24, 36, 48, 64, 64)
    kernel_sizes: tuple[int, ...] = (5, 5, 5, 3, 3)
    strides: tuple[int, ...] = (2, 2, 2, 1, 1)
    conv_layers: int = 5
    padding: str = "valid"
    downsample: str = "stride"
    batch_norm: bool = False
    dropout: float = 0.0
    width: float = 1.0
    dense: tuple[int, ...] = (100, 50, 10)
    # the training run
    epochs: int = 3
    batch_size: int = 64
    learning_rate: float = 1e-3
    minutes: float = 0.0  # minutes of the recorded driving to train on (0: all of it)
    fine_tune: bool = False  # start from the shipped model (its own architecture) instead
    flip_prob: float = 0.0  # augmentation: share of frames mirrored with negated steering
    # Who labels the frames (TEACHERS). The data is recorded by the build's teacher; another
    # relabels the same frames from their poses (agents.lab.data.relabelled).
    teacher: str = "near_cg"

    def as_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    def train_config(self, sessions: list[Path], out: Path, seed: int):
        """The variant as the training run it is: an agents.driving.train_config.TrainConfig
        (the network recipe in `network`; a fine-tune starts from the shipped model at its
        fine-tune learning rate). The expert's data carries its own recovery views."""
        from agents.driving.train_config import TrainConfig

        common = {"epochs": self.epochs, "batch_size": self.batch_size, "seed": seed,
                  "flip_prob": self.flip_prob, "recovery_views": False}  # fmt: skip
        if self.fine_tune:
            from agents.driving.cnn_driver import default_model_path

            return TrainConfig(tuple(sessions), out_path=out,
                               initial_model=default_model_path(), **common)  # fmt: skip
        return TrainConfig(tuple(sessions), arch="pilotnet", out_path=out,
                           learning_rate=self.learning_rate, network=self.network(),
                           **common)  # fmt: skip

    def pursuit(self):
        """The agents.driving.expert.Pursuit that labels this variant's frames."""
        from dataclasses import replace

        from agents.driving.expert import REFERENCE, TEACHER

        near = replace(TEACHER, cg_on_line=False)
        return {"reference": REFERENCE, "near": near, "near_cg": TEACHER}[self.teacher]

    def network(self):
        """The agents.driving.models.ConvNetRecipe of this recipe."""
        from agents.driving.models import ConvNetRecipe

        names = {f.name for f in fields(ConvNetRecipe)}
        values = {k: tuple(v) if isinstance(v, list) else v
                  for k, v in self.as_dict().items() if k in names}  # fmt: skip
        return ConvNetRecipe(**values)


@dataclass(frozen=True)
class RpsRecipe:
    units: int = 48
    layers: int = 1
    window: int = 24
    epochs: int = 8
    batch_size: int = 64
    learning_rate: float = 3e-3

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


RECIPES = {"driving": DrivingRecipe, "rps": RpsRecipe}

# Knobs with a fixed set of values.
CHOICES = {
    "padding": ("valid", "same"),
    "downsample": ("stride", "pool"),
    # reference: the expert every model is judged against (4 m + 0.35 m per m/s ahead, rear
    # axle on the line); near: its pursuit point at 2 m + 0.1 m per m/s; near_cg: that, with
    # the centre of gravity on the line (the build's teacher, agents.driving.expert.TEACHER).
    "teacher": ("reference", "near", "near_cg"),
}
# Knobs that must be >= 1 (whole numbers) or > 0 (numbers); the rest >= 0.
AT_LEAST_ONE = {"conv_layers", "epochs", "batch_size", "units", "layers", "window"}
POSITIVE = {"learning_rate", "width"}
FRACTIONS = {"dropout", "flip_prob"}  # 0 <= x < 1


def recipe_from(task: str, recipe: dict[str, Any]):
    """The task's recipe dataclass from a variant's recipe dict."""
    cls = RECIPES[task]
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in recipe.items()})


def check_knob(task: str, knob: str, value: Any, where: str) -> None:
    """Raise SpecError (message starting with `where`) unless `value` fits the knob."""
    defaults = RECIPES[task]().as_dict()
    if knob not in defaults:
        raise SpecError(f"{where}: unknown knob for {task} (known: {', '.join(defaults)})")
    default = defaults[knob]
    if isinstance(default, list):
        ok = isinstance(value, list) and value and all(_whole(v) and v >= 1 for v in value)
        if not ok:
            raise SpecError(f"{where}: must be a non-empty list of whole numbers >= 1")
    elif isinstance(default, bool):
        if not isinstance(value, bool):
            raise SpecError(f"{where}: must be true or false")
    elif isinstance(default, str):
        if value not in CHOICES.get(knob, ()):
            raise SpecError(f"{where}: must be one of {', '.join(CHOICES[knob])}, got {value!r}")
    elif isinstance(default, int):
        if not _whole(value) or value < (1 if knob in AT_LEAST_ONE else 0):
            raise SpecError(f"{where}: must be a whole number >= 1, got {value!r}")
    else:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise SpecError(f"{where}: must be a number, got {value!r}")
        low_ok = value > 0 if knob in POSITIVE else value >= 0
        if not low_ok or (knob in FRACTIONS and value >= 1):
            raise SpecError(f"{where}: {value!r} is out of range")


def _whole(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)
