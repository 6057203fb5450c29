"""What one driving training run is asked to do, as one frozen value.

The CLI (`train-driver`, `build-models`), the Train and Teach screens, DAgger and the model
lab each build a `TrainConfig` and hand it to `agents.driving.train.train`; a variant is
`config.with_(epochs=3)`. The run's hooks (progress, cancel, a tqdm bar) are not options and
travel beside it. The defaults are agents.training's: `fine_tune` makes FINE_TUNE_EPOCHS
passes within FINE_TUNE_TIME_LIMIT_S, `scratch` SCRATCH_EPOCHS.

Nothing here imports TensorFlow: screens build configs.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agents.training import (
    EARLY_STOP_PATIENCE,
    FINE_TUNE_EPOCHS,
    FINE_TUNE_TIME_LIMIT_S,
    SCRATCH_EPOCHS,
)
from game.errors import UserFacingError

if TYPE_CHECKING:
    from agents.driving.models import ConvNetRecipe

StrPath = str | os.PathLike[str]


@dataclass(frozen=True)
class Focus:
    """What a fine-tune is about (a DAgger run's takeovers): those sessions' frames and their
    recovery views are all kept and weighted to carry `share` of the loss (each frame at most
    `max_weight` times an ordinary one, never less than once); the other sessions' frames
    are a replay sample of at most `max_other_frames` in whole time blocks (None: all), so
    one pass fits the app's fine-tune budget."""

    sessions: tuple[Path, ...]
    share: float = 0.0
    max_weight: float = 1.0
    max_other_frames: int | None = None

    def weight(self, n_focus: int, n_other: int) -> float:
        """The loss weight of a focus frame (others weigh 1) for these frame counts."""
        if n_focus == 0 or n_other == 0 or self.share <= 0.0:
            return 1.0
        wanted = self.share / (1.0 - self.share) * n_other / n_focus
        return float(min(max(wanted, 1.0), self.max_weight))


@dataclass(frozen=True)
class TrainConfig:
    """One training run's options (see agents.driving.train.train for what each does).

    sessions: session folders, or folders holding session folders (each used once).
    arch: the architecture (None: pilotnet, or with `initial_model` that model's own).
    initial_model: the model to fine-tune; None trains from random weights.
    time_limit_s: no epoch starts that would end after this many seconds of training.
    flip_prob: share of training frames mirrored (the only augmentation; off by default).
    strategy / devices: the tf.distribute strategy ("default" or "mirrored") and its devices.
    """

    sessions: tuple[Path, ...]
    arch: str | None = None
    epochs: int = SCRATCH_EPOCHS
    out_path: Path = Path("pilotnet.h5")
    batch_size: int = 64
    seed: int = 0
    strategy: str = "default"
    tensorboard_dir: Path | None = None
    initial_model: Path | None = None
    devices: tuple[str, ...] = ()
    learning_rate: float | None = None  # None: the start's default (fresh or fine-tune)
    patience: int = EARLY_STOP_PATIENCE
    time_limit_s: float | None = None
    flip_prob: float = 0.0
    lr_decay: bool = True
    speed: bool = False
    recovery_views: bool = True
    focus: Focus | None = field(default=None)
    # The model lab's PilotNet-shaped network (agents.driving.models.ConvNetRecipe) to train
    # from random weights instead of `arch`'s own; the card still names `arch` (pilotnet).
    network: ConvNetRecipe | None = None

    def __post_init__(self) -> None:
        # Paths and tuples whatever the caller gave (lists, strings), so the value is hashable.
        fix = object.__setattr__
        fix(self, "sessions", tuple(Path(s) for s in self.sessions))
        fix(self, "out_path", Path(self.out_path))
        fix(self, "devices", tuple(self.devices or ()))
        for name in ("tensorboard_dir", "initial_model"):
            value = getattr(self, name)
            fix(self, name, None if value is None else Path(value))
        if self.epochs < 1:
            raise UserFacingError(f"epochs must be at least 1, got {self.epochs}")
        if self.batch_size < 1:
            raise UserFacingError(f"batch size must be at least 1, got {self.batch_size}")
        if self.out_path.suffix != ".h5":
            raise UserFacingError(f"{self.out_path}: the model file must end in .h5")
        if self.network is not None and self.initial_model is not None:
            raise UserFacingError("a network recipe trains from random weights, not a fine-tune")

    @classmethod
    def fine_tune(
        cls, initial_model: StrPath, sessions: list[StrPath], out_path: StrPath, **options: Any
    ) -> TrainConfig:
        """The app's fine-tune of a model: FINE_TUNE_EPOCHS within FINE_TUNE_TIME_LIMIT_S."""
        options = {"epochs": FINE_TUNE_EPOCHS, "time_limit_s": FINE_TUNE_TIME_LIMIT_S, **options}
        return cls(tuple(sessions), out_path=out_path, initial_model=initial_model, **options)

    @classmethod
    def scratch(
        cls, sessions: list[StrPath], out_path: StrPath, arch: str | None = None, **options: Any
    ) -> TrainConfig:
        """A new model from random weights: SCRATCH_EPOCHS, no time limit."""
        return cls(tuple(sessions), arch=arch, out_path=out_path, **options)

    @property
    def fine_tuning(self) -> bool:
        return self.initial_model is not None

    def with_(self, **changes: Any) -> TrainConfig:
        """A copy with some options changed (checked as a new config)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The options as JSON values (paths as strings), for a model card or a lab table."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, Path):
                out[key] = str(value)
        out["sessions"] = [str(s) for s in self.sessions]
        out["devices"] = list(self.devices)
        if self.focus is not None:
            out["focus"] = dict(out["focus"], sessions=[str(s) for s in self.focus.sessions])
        return out


__all__ = ["Focus", "TrainConfig"]
