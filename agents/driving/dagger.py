"""DAgger for the autopilot: fine-tune a model on its original data plus a person's takeovers.

When the person takes over in the Autopilot screen, their corrections are recorded as
source=takeover sessions. `fine_tune` trains from the current weights on the model card's
original sessions (those that exist on this machine, each once) plus those takeovers, and
writes the result as a user model: a shipped model is never overwritten.

It keeps to the Train and Teach screens' fine-tune budget (agents.training: one pass,
FINE_TUNE_TIME_LIMIT_S): the original data is a replay sample of at most REPLAY_FRAMES
frames, and the takeovers (with their recovery views) are weighted to carry TAKEOVER_SHARE
of the loss, each frame at most TAKEOVER_MAX_WEIGHT times an ordinary one. Without the
weight, a minute of takeovers among a model's ~20,000 original frames barely moved it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agents.driving.recording_log import LOG_NAME
from agents.modelio import read_card
from agents.training import FINE_TUNE_EPOCHS, FINE_TUNE_TIME_LIMIT_S, TrainingProgress

DEFAULT_EPOCHS = FINE_TUNE_EPOCHS  # one pass, as Train and Teach make
TIME_LIMIT_S = FINE_TUNE_TIME_LIMIT_S
# One pass over this many replay frames plus a few minutes of takeovers (and their views),
# with validation, fits the minute on 2 cores (bench/dagger_fine_tune.py).
REPLAY_FRAMES = 6000
TAKEOVER_SHARE = 0.25  # of the loss: the takeovers are what this run is about
TAKEOVER_MAX_WEIGHT = 20.0  # 36 takeover frames must not each weigh like 200 others


def fine_tune_output(model_path: Path) -> Path:
    """Where a fine-tune of `model_path` is saved: a new file in the user's models (never a
    shipped one, never over an earlier run), named ARCH-dagger-DATE-TIME by the registry."""
    from agents.driving.model_catalog import new_model_path

    card = read_card(model_path, verify=False)
    arch = card.get("architecture") if isinstance(card.get("architecture"), str) else None
    return new_model_path(f"{arch or 'model'}-dagger")


def card_sessions(model_path: Path) -> list[Path]:
    """The recording sessions a model was trained on (from its card) that exist here.

    A hand-edited card may hold anything: entries that are not paths are skipped.
    """
    out = []
    items = read_card(model_path).get("sessions", [])
    for item in items if isinstance(items, list) else []:
        raw = item.get("path") if isinstance(item, dict) else item
        if not isinstance(raw, str) or not raw:
            continue
        path = Path(raw)
        try:
            if (path / LOG_NAME).is_file():
                out.append(path)
        except OSError:
            continue  # e.g. a name too long for the file system
    return out


def fine_tune(
    model_path: Path,
    takeovers: list[Path],
    epochs: int = DEFAULT_EPOCHS,
    cancel: threading.Event | None = None,
    on_event: Callable[[TrainingProgress], None] | None = None,
) -> tuple[Any, int]:
    """Train from `model_path`'s weights on its sessions + `takeovers`.

    Returns (train result, number of original sessions used). The model keeps its own
    architecture; a NaN loss raises UserFacingError, a cancel TrainingCancelled, and either
    leaves every model file as it was. `on_event` gets the TrainingProgress events."""
    from agents.driving.train import Focus, TrainConfig, train, unique_dirs  # TensorFlow

    original = unique_dirs(card_sessions(model_path))
    sessions = unique_dirs(original + list(takeovers))  # train() adds each one's views
    focus = Focus(
        tuple(takeovers), share=TAKEOVER_SHARE, max_weight=TAKEOVER_MAX_WEIGHT,
        max_other_frames=REPLAY_FRAMES,
    )  # fmt: skip
    config = TrainConfig.fine_tune(
        model_path, sessions, fine_tune_output(model_path), epochs=epochs,
        time_limit_s=TIME_LIMIT_S, focus=focus,
    )  # fmt: skip
    result = train(config, progress=on_event, cancel=cancel)
    return result, len(original)
