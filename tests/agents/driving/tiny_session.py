"""A tiny real recording for pipeline tests: the expert on a short generated track."""

from __future__ import annotations

from pathlib import Path

TINY_TRACK = "gen:5100"  # 651 m; not a training or evaluation track of the default model


def make_tiny_session(folder: Path, rate_hz: float = 2.0) -> Path:
    """One lap with recovery views at `rate_hz` (~280 frames at 2 Hz, a few seconds)."""
    from agents.driving.expert_recorder import ExpertRecording, record_expert

    recipe = ExpertRecording(
        TINY_TRACK, 1, folder, look="mixed", rate_hz=rate_hz, seed=1, recovery=True
    )
    record_expert(recipe)
    return folder
