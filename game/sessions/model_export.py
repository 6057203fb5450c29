"""The Models screen's Export (key E), without pygame: the choice of file, and the export with
its LiteRT check in a game.workers.Worker (`agents.driving.export` does the work; the
conversion takes about 20 s, so it never runs on the screen's thread).

Files go to the user folder's exports/, named after the model and the choice
(`pilot.tflite`, `pilot-int8.tflite`, `pilot-donkey.tflite`), never over an existing file:
game.fileio.claim_file takes the next free name (`pilot-2.tflite`), its sidecar included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from game.fileio import claim_file
from game.paths import user_dir
from game.textfmt import short_path
from game.workers import WorkerContext

# (key, label, file-name suffix)
CHOICES = (
    ("float32", "TFLite float32", ""),
    ("float16", "TFLite float16", "-float16"),
    ("int8", "TFLite int8 (calibrated on training tracks)", "-int8"),
    ("donkey", "Donkey Car pilot (tflite_linear)", "-donkey"),
)
KINDS = tuple(k for k, _, _ in CHOICES)
CHECK_FRAMES = 16


@dataclass(frozen=True)
class ExportDone:
    """What the export wrote and what the LiteRT check said."""

    path: Path
    sidecar: Path
    bytes: int
    kind: str
    check: str  # one line: the check's figure, or why it was skipped

    @property
    def message(self) -> str:
        return f"exported {short_path(self.path)} ({size_text(self.bytes)}); {self.check}"


def size_text(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


def claim_export_path(model: Path, kind: str, folder: Path | None = None) -> Path:
    """A new, empty file in `folder` (default the user's exports/) for `model` exported as
    `kind`; a name whose sidecar exists is skipped too."""
    from agents.driving.export import sidecar_path

    suffix = dict((k, s) for k, _, s in CHOICES)[kind]
    folder = folder or user_dir("exports")
    return claim_file(folder / f"{model.stem}{suffix}.tflite", lambda p: sidecar_path(p).exists())


def export_job(
    model: Path, kind: str, out: Path, check: bool = True
) -> Callable[[WorkerContext], ExportDone | None]:
    """The worker's job: export `model` to the claimed file `out`, then check it under LiteRT
    alone. A cancelled or failed export leaves neither the file nor its sidecar."""

    def job(ctx: WorkerContext) -> ExportDone | None:
        from agents.driving import export as ex

        try:
            ctx.progress(None, "converting (about 20 s)")
            if kind == "donkey":
                result = ex.export_donkey(model, out)
            else:
                result = ex.export_tflite(model, out, "none" if kind == "float32" else kind)
            if ctx.cancelled:
                raise _Stopped
            ctx.progress(0.8, "checking the file under LiteRT")
            line = _check(ex, result.path, model, kind) if check else "LiteRT check off"
        except BaseException:
            out.unlink(missing_ok=True)
            ex.sidecar_path(out).unlink(missing_ok=True)
            if ctx.cancelled:
                return None
            raise
        return ExportDone(result.path, result.sidecar, result.bytes, kind, line)

    return job


class _Stopped(Exception):
    """Cancelled while converting: the finished file is removed."""


def _check(ex, path: Path, model: Path, kind: str) -> str:
    if not ex.litert_available():
        return "LiteRT check skipped: ai-edge-litert is not installed"
    if kind == "donkey":
        gap = ex.donkey_check(path, model)
        return f"Donkey check under LiteRT: max |angle - app| {gap:.1e} on 16 images"
    import numpy as np

    frames = np.stack(list(ex.calibration_frames(CHECK_FRAMES, seed=1)))
    c = ex.check_with_litert(path, model, frames)
    tf = "TensorFlow imported!" if c.tensorflow_imported else "without TensorFlow"
    diff = c.max_steering_diff
    return f"LiteRT check: max |steering - app| {diff:.1e} on {c.frames} frames, {tf}"
