"""Take a driving model out of the app: a self-contained TFLite file for a small car's computer.

The exported file takes the raw dashcam frame, uint8 RGB (1, 160, 320, 3) with row 0 at the
top, and does everything else inside: the crop to the road rows, the area resize and the
colour conversion of the model's input spec (the same graph as the app's own TFLite path,
agents/driving/tflite_runner.preprocess_graph), then the network. It outputs float32 (1, n):
column 0 the steering, -1..1 of full lock with positive to the right; column 1, for a model
with a speed output, the target speed divided by the card's speed_scale (m/s = column 1 x
speed_scale, given in the sidecar): the app's own outputs, unscaled, because int8 quantizes
the output tensor with one scale for both columns, and a 0..30 m/s column would leave the
steering only ~0.12 resolution. A sidecar JSON beside it (`sidecar_path`) carries this
contract and the model's card. It runs under the LiteRT runtime alone
(agents/driving/litert_runner.py, no TensorFlow).

Quantization: "none" (float32), "float16" (weights stored as float16, about half the size,
computed in float32) or "int8" (weights and activations int8, calibrated on dashcam frames of
training tracks; input and output stay uint8 and float32 so callers do not change).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agents.driving.preprocess import FRAME_HEIGHT, FRAME_WIDTH, InputSpec
from game.errors import UserFacingError
from game.fileio import atomic_write_bytes, atomic_write_text

QUANTIZATIONS = ("none", "float16", "int8")
CALIBRATION_TRACKS = ("gen:1000", "gen:1003", "gen:1006")  # training tracks, never held out
CALIBRATION_FRAMES = 96
EXPORT_FORMAT = 1  # the sidecar's "export_format": bump when the contract changes


@dataclass(frozen=True)
class ExportResult:
    path: Path
    sidecar: Path
    bytes: int
    outputs: tuple[str, ...]


def _load_for_export(model_path: Path, out: Path):
    """The checked model, its input spec and card, once `out` is a .tflite in a folder."""
    from agents.driving.cnn_driver import load_driving_model

    if out.suffix != ".tflite":
        raise UserFacingError(f"{out}: the exported file must end in .tflite")
    if not out.parent.is_dir():
        raise UserFacingError(f"{out.parent}: no such folder")
    return load_driving_model(model_path)


def sidecar_path(tflite_path: str | os.PathLike[str]) -> Path:
    """F.tflite -> F.tflite.json."""
    p = Path(tflite_path)
    return p.with_name(p.name + ".json")


def calibration_frames(n: int = CALIBRATION_FRAMES, seed: int = 0) -> Iterator[np.ndarray]:
    """Dashcam frames from training tracks, the car near its lane centre with small offsets
    and yaw errors (what a driving model sees), for int8 calibration."""
    from game.sim.dashcam import LOOKS, Dashcam
    from game.sim.tracks_catalog import resolve_track

    rng = np.random.default_rng(seed)
    per = max(1, n // len(CALIBRATION_TRACKS))
    for k, name in enumerate(CALIBRATION_TRACKS):
        track = resolve_track(name)
        cam = Dashcam(track, look=LOOKS[k % len(LOOKS)], seed=seed)
        for s in rng.uniform(0, track.length, per):
            x, y, heading = track.lane_center(float(s))
            dx, dyaw = rng.normal(0, 0.3), rng.normal(0, 0.05)
            x, y = x + np.sin(heading) * dx, y - np.cos(heading) * dx
            yield cam.render(x, y, heading + dyaw)


def _graph(model: Any, spec: InputSpec):
    """frame uint8 (1, 160, 320, 3) -> outputs float32 (1, n), see the module doc."""
    import tensorflow as tf

    from agents.driving.tflite_runner import preprocess_graph

    def forward(frame):
        road = tf.cast(frame[0, spec.crop_top : spec.crop_top + spec.crop_rows], tf.float32)
        return model(preprocess_graph(road, spec), training=False)

    return forward


def convert(model: Any, spec: InputSpec, quantize: str = "none") -> bytes:
    """The exported flatbuffer (see the module doc)."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    if quantize not in QUANTIZATIONS:
        raise UserFacingError(f"unknown --quantize {quantize!r}; choose {', '.join(QUANTIZATIONS)}")
    if (spec.frame_height, spec.frame_width) != (FRAME_HEIGHT, FRAME_WIDTH):
        raise UserFacingError("only models of the 160x320 dashcam frame can be exported")
    signature = tf.TensorSpec((1, FRAME_HEIGHT, FRAME_WIDTH, 3), tf.uint8)
    fn = tf.function(_graph(model, spec), input_signature=[signature])
    frozen = convert_variables_to_constants_v2(fn.get_concrete_function())
    converter = tf.lite.TFLiteConverter.from_concrete_functions([frozen], model)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantize == "float16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif quantize == "int8":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]

        def representative():
            for frame in calibration_frames():
                yield [frame[None].astype(np.uint8)]

        converter.representative_dataset = representative
    try:
        return bytes(converter.convert())
    except Exception as e:  # the converter raises many kinds; the user needs one line
        text = str(e).strip().splitlines()
        raise UserFacingError(
            f"could not convert the model to TFLite: {text[0][:200] if text else e}"
        ) from e


def export_tflite(
    model_path: str | os.PathLike[str], out: str | os.PathLike[str], quantize: str = "none"
) -> ExportResult:
    """Export the .h5 driving model at `model_path` to `out` (.tflite) and its sidecar."""
    from agents.driving.cnn_driver import output_count, speed_scale_from_card

    model_path, out = Path(model_path), Path(out)
    model, spec, card = _load_for_export(model_path, out)
    n = output_count(model)
    outputs = ("steering", "speed") if n == 2 else ("steering",)
    speed_scale = speed_scale_from_card(card, str(model_path)) if n == 2 else None
    content = convert(model, spec, quantize)
    atomic_write_bytes(out, content)
    side = sidecar_path(out)
    atomic_write_text(
        side,
        json.dumps(
            sidecar(model_path, card, spec, quantize, outputs, speed_scale, content), indent=2
        )
        + "\n",
    )
    return ExportResult(out, side, len(content), outputs)


def sidecar(
    model_path: Path,
    card: dict,
    spec: InputSpec,
    quantize: str,
    outputs: tuple[str, ...],
    speed_scale: float | None,
    content: bytes,
) -> dict:
    """The exported file's contract and its model's card."""
    from game.sim.car import CarParams

    out_doc = {
        "steering": "column 0: -1..1 of full lock, positive = right (full lock = "
        f"{CarParams().max_steer:.2f} rad of front-wheel angle in the app's car)",
    }
    if "speed" in outputs:
        out_doc["speed"] = (
            f"column 1: target speed / speed_scale (m/s = column 1 x {speed_scale:g})"
        )
        out_doc["speed_scale"] = speed_scale
    return {
        "export_format": EXPORT_FORMAT,
        "model": model_path.name,
        "model_sha256": hashlib.sha256(model_path.read_bytes()).hexdigest(),
        "tflite_sha256": hashlib.sha256(content).hexdigest(),
        "quantize": quantize,
        "input": {
            "dtype": "uint8",
            "shape": [1, FRAME_HEIGHT, FRAME_WIDTH, 3],
            "colour": "RGB",
            "what": "the raw dashcam frame, row 0 at the top; the crop (rows "
            f"{spec.crop_top}-{spec.crop_top + spec.crop_rows}), the area resize to "
            f"{spec.height}x{spec.width} and the {spec.colour.upper()} conversion are inside",
            "spec": spec.to_dict(),
        },  # fmt: skip
        "output": {
            "dtype": "float32",
            "shape": [1, len(outputs)],
            "names": list(outputs),
            **out_doc,
        },  # fmt: skip
        "runtime": "LiteRT (pip install ai-edge-litert): "
        "ai_edge_litert.interpreter.Interpreter(model_path=...)",
        "card": card,
    }


# --- a Donkey Car pilot ------------------------------------------------------------------------

DONKEY_IMAGE = (120, 160)  # (IMAGE_H, IMAGE_W): Donkey's default camera
DONKEY_THROTTLE = 0.3  # the constant throttle output; Donkey's local_angle mode ignores it


def _donkey_graph(model: Any, spec: InputSpec, throttle: float):
    """img_in float32 (1, H, W, 3) in 0..1 (Donkey's normalised camera image) -> [angle (1, 1),
    throttle (1, 1)]: the whole image onto the road rows (import-data's Donkey mapping),
    then the app's preprocessing and network."""
    import tensorflow as tf

    from agents.driving.tflite_runner import preprocess_graph

    def forward(img_in):
        x = img_in * 255.0
        road = tf.image.resize(x, (spec.crop_rows, spec.frame_width), method="bilinear")[0]
        out = model(preprocess_graph(road, spec), training=False)
        return [out[:, 0:1], tf.fill([1, 1], tf.constant(throttle, tf.float32))]

    return forward


def export_donkey(
    model_path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    throttle: float = DONKEY_THROTTLE,
    image: tuple[int, int] = DONKEY_IMAGE,
) -> ExportResult:
    """A .tflite a Donkey Car loads with `--type tflite_linear`: its serving_default signature
    takes `img_in` float32 (1, 120, 160, 3) in 0..1 and gives two (1, 1) outputs in order,
    angle (the model's steering) and throttle (the constant `throttle`), as KerasLinear's
    TFLite pilot reads them."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    model_path, out = Path(model_path), Path(out)
    model, spec, card = _load_for_export(model_path, out)
    signature = tf.TensorSpec((1, *image, 3), tf.float32, name="img_in")
    fn = tf.function(_donkey_graph(model, spec, throttle), input_signature=[signature])
    frozen = convert_variables_to_constants_v2(fn.get_concrete_function())
    converter = tf.lite.TFLiteConverter.from_concrete_functions([frozen], model)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    try:
        content = bytes(converter.convert())
    except Exception as e:  # the converter raises many kinds; the user needs one line
        raise UserFacingError(f"could not convert the model to TFLite: {e}") from e
    atomic_write_bytes(out, content)
    side = sidecar_path(out)
    doc = {
        "export_format": EXPORT_FORMAT,
        "for": "Donkey Car: python manage.py drive --model F.tflite --type tflite_linear",
        "model": model_path.name,
        "model_sha256": hashlib.sha256(model_path.read_bytes()).hexdigest(),
        "tflite_sha256": hashlib.sha256(content).hexdigest(),
        "input": {"name": "img_in", "dtype": "float32", "shape": [1, *image, 3],
                  "what": "the camera image scaled to 0..1; the whole image becomes the "
                  "model's road window (import-data's Donkey mapping)"},
        "output": {"order": ["angle", "throttle"], "angle": "-1..1, right positive",
                   "throttle": f"constant {throttle:g} (use local_angle mode to throttle "
                   "yourself)"},
        "card": card,
    }  # fmt: skip
    atomic_write_text(side, json.dumps(doc, indent=2) + "\n")
    return ExportResult(out, side, len(content), ("angle", "throttle"))


# --- checking the exported file under LiteRT alone ---------------------------------------------


@dataclass(frozen=True)
class LiteRtCheck:
    """The exported file run by LiteRT in a fresh interpreter, against the app's TFLite path."""

    frames: int
    max_steering_diff: float  # max |LiteRT - app| over the frames
    tensorflow_imported: bool  # in the LiteRT process: must be False
    litert_outputs: np.ndarray  # (frames, n)


def litert_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("ai_edge_litert") is not None


def run_litert(tflite_path: str | os.PathLike[str], frames: np.ndarray) -> tuple[np.ndarray, dict]:
    """(outputs (N, n), the runner's JSON report) of the exported file on uint8 frames, run by
    agents.driving.litert_runner in a fresh Python that never imports TensorFlow."""
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory(prefix="litert-check-") as tmp:
        frames_path, out_path = Path(tmp) / "frames.npy", Path(tmp) / "out.npy"
        np.save(frames_path, np.asarray(frames, np.uint8))
        root = Path(__file__).resolve().parents[2]
        env = {**os.environ, "PYTHONPATH": str(root)}
        cmd = [sys.executable, "-m", "agents.driving.litert_runner", str(tflite_path)]
        proc = subprocess.run(
            [*cmd, str(frames_path), str(out_path)],
            capture_output=True, text=True, env=env, timeout=300, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            tail = (proc.stderr.strip().splitlines() or ["no message"])[-1]
            raise UserFacingError(f"{tflite_path}: LiteRT could not run it ({tail[:200]})")
        report = json.loads(proc.stdout.strip().splitlines()[-1])
        return np.load(out_path), report


def check_with_litert(
    tflite_path: str | os.PathLike[str], model_path: str | os.PathLike[str], frames: np.ndarray
) -> LiteRtCheck:
    """Steering of the exported file under LiteRT vs the app's TFLite path of the .h5."""
    from agents.driving import tflite_runner as tfl
    from agents.driving.cnn_driver import load_driving_model

    model, spec, _ = load_driving_model(model_path)
    runner = tfl.TfliteRunner(tfl.convert_keras_model(model, spec), spec)
    app = np.stack([runner(f) for f in frames])
    lite, report = run_litert(tflite_path, frames)
    diff = float(np.abs(app[:, 0] - lite[:, 0]).max())
    return LiteRtCheck(len(frames), diff, bool(report.get("tensorflow_imported")), lite)


def donkey_check(tflite_path: str | os.PathLike[str], model_path: str | os.PathLike[str]) -> float:
    """Max |angle - the app's steering| over 16 rendered frames: each frame's road rows as a
    120x160 Donkey image, run the way Donkey's TFLite pilot runs it (signature runner, input
    `img_in` scaled to 0..1, outputs in signature order), against the app's TFLite path on
    the same image imported (import-data's Donkey mapping)."""
    from ai_edge_litert.interpreter import Interpreter
    from PIL import Image

    from agents.driving import tflite_runner as tfl
    from agents.driving.cnn_driver import load_driving_model
    from agents.driving.formats import donkey
    from agents.driving.formats.common import map_image

    model, spec, _ = load_driving_model(model_path)
    app = tfl.TfliteRunner(tfl.convert_keras_model(model, spec), spec)
    interp = Interpreter(model_path=str(tflite_path))
    keys = interp.get_signature_list()["serving_default"]["outputs"]
    runner = interp.get_signature_runner()
    h, w = DONKEY_IMAGE
    gaps = []
    for frame in calibration_frames(16, seed=2):
        road = Image.fromarray(frame[spec.crop_top : spec.crop_top + spec.crop_rows])
        image = road.resize((w, h), Image.Resampling.BILINEAR)
        out = runner(img_in=np.asarray(image, np.float32)[None] / 255.0)
        angle = float(out[keys[0]][0][0])
        gaps.append(abs(angle - float(app(map_image(image, donkey.default_camera()))[0])))
    return max(gaps)
