"""Run an exported driving model (agents/driving/export.py) with the LiteRT runtime alone.

This module imports numpy and `ai_edge_litert` only, never TensorFlow: it is what a small car's
computer runs (`pip install ai-edge-litert numpy`, then copy this file beside the .tflite), and
what the export checks run in a fresh interpreter to prove it.

    python -m agents.driving.litert_runner MODEL.tflite FRAMES.npy OUT.npy
runs every frame of FRAMES.npy (uint8 (N, 160, 320, 3)), saves the outputs (N, n) to OUT.npy
and prints one JSON line: {"frames": N, "tensorflow_imported": false, ...}.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np


class LiteRtPilot:
    """`pilot(frame)` -> the model's outputs (n,) float32 for one uint8 (160, 320, 3) frame."""

    def __init__(self, model_path: str | os.PathLike[str], num_threads: int = 2) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self._interp = Interpreter(model_path=str(model_path), num_threads=num_threads)
        self._interp.allocate_tensors()
        (inp,), (out,) = self._interp.get_input_details(), self._interp.get_output_details()
        self.input_shape = tuple(int(d) for d in inp["shape"])
        self._in, self._out = inp["index"], out["index"]

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        frame = np.asarray(frame, dtype=np.uint8)
        if frame.shape != self.input_shape[1:]:
            raise ValueError(f"expected a frame of shape {self.input_shape[1:]}, got {frame.shape}")
        self._interp.set_tensor(self._in, frame[None])
        self._interp.invoke()
        return self._interp.get_tensor(self._out).reshape(-1).copy()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    model, frames_path, out_path = args
    frames = np.load(frames_path, allow_pickle=False)
    pilot = LiteRtPilot(model)
    outputs = np.stack([pilot(f) for f in frames])
    np.save(out_path, outputs)
    print(json.dumps({
        "frames": int(len(frames)),
        "outputs": int(outputs.shape[1]),
        "tensorflow_imported": "tensorflow" in sys.modules,
        "runtime": "ai_edge_litert",
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
