"""TFLite inference for driving models: convert once, cache by the .h5's hash, run fast.

The TFLite interpreter (XNNPACK kernels) runs PilotNet in about half the CPU time per frame of
a tf.function on 2 CPU cores, with outputs equal within ~1e-7 (bench/inference.py). The frame's
resize and colour conversion are inside the converted graph as small matrix products
(`preprocess_graph`), which XNNPACK runs on its one thread: faster than numpy (its matrix
products start OpenBLAS threads that stall on a busy machine; its gathers take ~0.7 ms) and
than preprocess_tf's gathers (not XNNPACK ops: they split the graph). Only the crop and the
uint8 -> float32 cast happen in numpy, written straight into the interpreter's input (TFLite's
own slice and cast kernels took ~0.2 ms).

A converted model is cached in the user cache folder under a key made of the .h5's SHA-256,
the TensorFlow and Keras versions and the conversion options, so the ~1 s conversion happens
once per model file. Each cache file ends with the SHA-256 of its content: a cut or corrupt
entry fails that check and is rebuilt, never loaded.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agents.driving.preprocess import _YUV, _YUV_OFFSET, InputSpec, _area_taps, preprocess_frame
from agents.modelio import file_stamp, remove_stale_temporaries
from game.fileio import atomic_write_bytes
from game.paths import user_cache_dir

# Part of every cache key: bump when the conversion below changes what it writes.
CONVERTER_OPTIONS = "v2;float32;builtin-ops;frozen-graph;input=float32-road-rows"
# XNNPACK threads. Measured on 2 cores (bench/inference.py): the shipped PilotNet takes
# 0.79 ms median with 2 threads and 1.42 ms with 1 (1.5 vs 1.4 ms of CPU), so a lone
# process (evaluate, train-driver's checks) uses 2. The game's screens run the model on a
# helper thread beside their drawing thread and parallel evaluation workers run two
# processes: both `set_threads(1)` (game.app, agents.driving.compare).
NUM_THREADS = min(2, os.cpu_count() or 1)
_threads = NUM_THREADS
MAX_CACHE_ENTRIES = 32  # ~1 MB each for PilotNet; the least recently used go first
DIGEST_BYTES = 32  # the SHA-256 trailer of each cache file
CACHE_FOLDER = "tflite"


class TfliteError(Exception):
    """The model could not be converted to, or run as, TFLite (the caller falls back)."""


@dataclass(frozen=True)
class CacheEntry:
    """Where a converted model lives and how it was obtained."""

    path: Path | None  # None: converted in memory, not cached
    built: bool  # True: converted now; False: read from the cache
    build_s: float  # seconds spent converting (0.0 when read from the cache)


# --- conversion and the cache ---------------------------------------------------------------


def convert_keras_model(model: Any, spec: InputSpec, preprocess: bool = True) -> bytes:
    """The TFLite flatbuffer of a Keras model: a frame's road rows in, all outputs out.

    The input is the frame's crop (spec.crop_rows, frame_width, 3) as float32, see
    `TfliteRunner`. The preprocessing (`preprocess_graph`) and the forward pass are traced with a
    fixed signature and the variables frozen into constants, which converts in well under
    the time of a SavedModel export. `preprocess=False` converts the bare model (input: the
    preprocessed (1, h, w, 3) float32 image), which bench/inference.py compares against.
    Tests count conversions by wrapping this function.
    """
    import tensorflow as tf

    if not preprocess:
        signature = tf.TensorSpec((1, *spec.shape), tf.float32)
        return convert_function(lambda x: model(x, training=False), signature, model)
    return convert_function(
        lambda road: model(preprocess_graph(road, spec), training=False),
        road_signature(spec),
        model,
    )


def road_signature(spec: InputSpec):
    """The converted graphs' input: a frame's road rows (crop_rows, frame_width, 3), float32."""
    import tensorflow as tf

    return tf.TensorSpec((spec.crop_rows, spec.frame_width, 3), tf.float32)


def convert_function(forward: Any, signature: Any, model: Any) -> bytes:
    """TFLite flatbuffer of `forward` (TensorFlow ops on one input of `signature`) that uses
    `model`'s weights, frozen into constants. TfliteError (one line) when it cannot convert."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    try:
        fn = tf.function(forward, input_signature=[signature]).get_concrete_function()
        frozen = convert_variables_to_constants_v2(fn)
        converter = tf.lite.TFLiteConverter.from_concrete_functions([frozen], model)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        return bytes(converter.convert())
    except Exception as e:  # tracing and the converter raise many kinds; the caller needs one
        raise TfliteError(_first_line(e)) from e


def cache_key(model_path: str | os.PathLike[str], spec: InputSpec, kind: str = "model") -> str:
    """Hex key of a model file's conversion: its SHA-256, the TF and Keras versions, the
    conversion options, the input spec (the preprocessing is part of the graph) and what was
    converted (`kind`: "model", or "vbp" for agents.driving.saliency's graph)."""
    import keras
    import tensorflow as tf

    parts = [
        file_stamp(model_path)["sha256"],
        tf.__version__,
        keras.__version__,
        CONVERTER_OPTIONS,
        repr(spec),
        kind,
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _sealed(content: bytes) -> bytes:
    return content + hashlib.sha256(content).digest()


def _unsealed(data: bytes) -> bytes | None:
    """The content of a cache file, or None when its trailer does not match (cut, corrupt)."""
    content, digest = data[:-DIGEST_BYTES], data[-DIGEST_BYTES:]
    if len(data) <= DIGEST_BYTES or hashlib.sha256(content).digest() != digest:
        return None
    return content


def read_cached(path: Path) -> bytes | None:
    """A cache file's verified content, or None (missing, unreadable, cut or corrupt)."""
    try:
        content = _unsealed(path.read_bytes())
    except OSError:
        return None
    if content is not None:
        try:
            os.utime(path)  # recently used: pruning keeps it
        except OSError:
            pass
    return content


def write_cached(path: Path, content: bytes) -> None:
    """Write a cache file atomically; a failure (read-only disk, full) only loses the cache."""
    try:
        remove_stale_temporaries(path.parent)  # a killed writer's leftovers
        atomic_write_bytes(path, _sealed(content))
        prune(path.parent, keep=path)
    except OSError:
        pass  # the model still runs from memory; the next start converts again


def prune(folder: Path, keep: Path, limit: int = MAX_CACHE_ENTRIES) -> None:
    """Delete the least recently used cache files beyond `limit` (never `keep`)."""
    try:
        entries = [p for p in folder.glob("*.tflite") if p != keep and p.is_file()]
        entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in entries[max(limit - 1, 0) :]:
        try:
            old.unlink()
        except OSError:
            pass


def cached_conversion(
    model_path: str | os.PathLike[str],
    model: Any,
    spec: InputSpec,
    folder: Path | None = None,
    kind: str = "model",
    convert: Callable[[], bytes] | None = None,
) -> tuple[bytes, CacheEntry]:
    """(TFLite flatbuffer, cache entry) for a model loaded from `model_path`.

    Reads the cache when it holds a sound entry for this exact file; otherwise converts
    (`convert()`, by default `convert_keras_model(model, spec)`) and writes the entry.
    TfliteError when the model cannot be converted.
    """
    folder = folder or user_cache_dir(CACHE_FOLDER)
    key = cache_key(model_path, spec, kind)[:32]
    suffix = "" if kind == "model" else f"-{kind}"
    path = folder / f"{Path(model_path).stem[:40]}-{key}{suffix}.tflite"
    content = read_cached(path)
    if content is not None:
        return content, CacheEntry(path, built=False, build_s=0.0)
    t0 = time.perf_counter()
    content = convert() if convert is not None else convert_keras_model(model, spec)
    build_s = time.perf_counter() - t0
    write_cached(path, content)
    return content, CacheEntry(path, built=True, build_s=build_s)


def drop_cached(entry: CacheEntry | None) -> None:
    """Delete a cache entry that loaded but proved unusable, so the next start rebuilds it."""
    if entry is not None and entry.path is not None:
        try:
            entry.path.unlink(missing_ok=True)
        except OSError:
            pass


# --- preprocessing inside the graph --------------------------------------------------------


def _resize_matrix(n_in: int, n_out: int) -> np.ndarray:
    """The area resize of one axis as a dense (n_out, n_in) matrix (preprocess's own taps)."""
    idx, w = _area_taps(n_in, n_out)
    m = np.zeros((n_out, n_in), np.float64)
    for k in range(idx.shape[0]):
        np.add.at(m, (np.arange(n_out), idx[k]), w[k])
    return m


def _resize_blocks(n_in: int, n_out: int) -> tuple[int, np.ndarray]:
    """(g, block): the resize as g copies of a (n_out/g, n_in/g) block down the diagonal.

    320 -> 200 columns is 40 blocks of 8 -> 5: multiplying by the block costs 1/40 of the
    dense matrix. When the blocks do not reproduce the matrix, one dense block (g = 1).
    """
    m = _resize_matrix(n_in, n_out)
    g = math.gcd(n_in, n_out)
    block = m[: n_out // g, : n_in // g]
    if g > 1 and not np.allclose(np.kron(np.eye(g), block), m, atol=1e-9):
        g, block = 1, m
    return g, block


def preprocess_graph(road, spec: InputSpec):
    """TensorFlow ops that TFLite's XNNPACK runs: a frame's road rows (crop_rows, W, 3) as
    float32 -> the model's float32 input (1, h, w, 3), the pixels of preprocess.preprocess_tf.

    preprocess_tf gathers taps, which TFLite runs outside XNNPACK and slowly; here the same
    area resize is two small matrix products (block-diagonal, see _resize_blocks), rows then
    columns, then the colour conversion: preprocess_tf's order. Sums in another order differ
    in float rounding only: rarely a pixel lands one level off where a value sits on .5
    (as XLA's fused preprocessing does; none on the shipped PilotNet's dashcam frames).
    """
    import tensorflow as tf

    rows, w3_in = spec.crop_rows, spec.frame_width * 3
    gr, rws = _resize_blocks(rows, spec.height)  # 94 -> 66 rows: 2 blocks of 47 -> 33
    gc, cols = _resize_blocks(spec.frame_width, spec.width)  # 320 -> 200: 40 of 8 -> 5
    (ro, ri), ci = rws.shape, cols.shape[1]

    x = tf.transpose(tf.reshape(road, (gr, ri, w3_in)), (0, 2, 1))  # rows last, for the product
    x = tf.matmul(tf.reshape(x, (gr * w3_in, ri)), rws.T.astype(np.float32))
    x = tf.transpose(tf.reshape(x, (gr, w3_in, ro)), (0, 2, 1))  # (gr, ro, W * 3)
    cols3 = np.kron(cols.T, np.eye(3)).astype(np.float32)  # each channel alike: (8*3, 5*3)
    x = tf.matmul(tf.reshape(x, (spec.height * gc, ci * 3)), cols3)
    x = tf.reshape(x, (1, spec.height, spec.width, 3))
    if spec.colour == "yuv":
        x = tf.tensordot(x, _YUV.T, axes=1) + _YUV_OFFSET
    return tf.clip_by_value(tf.round(x), 0.0, 255.0)  # as the uint8 input would hold them


# --- running -------------------------------------------------------------------------------


def set_threads(n: int) -> None:
    """XNNPACK threads for interpreters made from now on in this process (default 2)."""
    global _threads
    _threads = max(1, int(n))


def make_interpreter(content: bytes, num_threads: int | None = None):
    """A TFLite interpreter with its tensors allocated; TfliteError when it does not load.

    TensorFlow's own tf.lite.Interpreter: it warns that it is deprecated in favour of the
    ai-edge-litert package, but that package's interpreter measured ~30% slower here.
    """
    import tensorflow as tf

    try:
        with warnings.catch_warnings():  # the deprecation notice: nothing a player can do
            warnings.simplefilter("ignore")
            interp = tf.lite.Interpreter(
                model_content=content, num_threads=num_threads or _threads
            )
        interp.allocate_tensors()
    except Exception as e:  # a flatbuffer that does not load: the caller falls back
        raise TfliteError(_first_line(e)) from e
    return interp


def write_road(interp, index: int, frame: np.ndarray, spec: InputSpec) -> None:
    """Crop a uint8 frame to its road rows and cast it to float32, straight into input
    `index` of `interp` (no extra copy; TFLite's own slice and cast kernels took ~0.2 ms)."""
    view = interp.tensor(index)()
    np.copyto(view, frame[spec.crop_top : spec.crop_top + spec.crop_rows])
    del view  # invoke() refuses to run while a view of its buffers is alive


class TfliteRunner:
    """`runner(frame)` -> all model outputs (n,) float32 for one uint8 dashcam frame.

    `preprocessed=True` runs a bare model (convert_keras_model(..., preprocess=False)) on
    frames preprocessed in numpy first (preprocess.preprocess_frame), for comparison.
    """

    def __init__(
        self,
        content: bytes,
        spec: InputSpec,
        num_threads: int | None = None,
        preprocessed: bool = False,
    ) -> None:
        self._interp = make_interpreter(content, num_threads)
        inputs, outputs = self._interp.get_input_details(), self._interp.get_output_details()
        if len(inputs) != 1 or len(outputs) != 1:
            raise TfliteError(f"converted model has {len(inputs)} inputs, {len(outputs)} outputs")
        (inp,), (out,) = inputs, outputs
        shape, dtype = tuple(int(d) for d in inp["shape"]), np.dtype(inp["dtype"])
        want = (
            ((1, *spec.shape), np.dtype(np.float32))
            if preprocessed
            else ((spec.crop_rows, spec.frame_width, 3), np.dtype(np.float32))
        )
        if (shape, dtype) != want:
            raise TfliteError(f"converted model takes {dtype} {shape}, not {want[1]} {want[0]}")
        self.spec = spec
        self._preprocessed = preprocessed
        self._in, self._out = inp["index"], out["index"]
        self.n_outputs = int(np.prod(out["shape"]))

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        if self._preprocessed:
            self._interp.set_tensor(self._in, preprocess_frame(frame, self.spec).astype(np.float32))
        else:
            write_road(self._interp, self._in, frame, self.spec)
        self._interp.invoke()
        return self._interp.get_tensor(self._out).reshape(-1)

    def invoke(self) -> None:
        """Run the model again on the input the last call set (benchmarks time it alone)."""
        self._interp.invoke()


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0][:200] if text else type(e).__name__
