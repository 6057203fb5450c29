"""Recorded sessions -> tf.data pipelines for training a steering CNN.

- Split 80/20 by contiguous blocks of time within each session. Neighbouring frames are
  near-duplicates, so a random-frame split would let validation see its training twins.
- Steering balance: per-frame weights from a histogram of |steering| so the many
  straight-road frames do not swamp the curves (and flips keep left/right symmetric).
- Frames are decoded and preprocessed (crop, resize, colour: agents/driving/preprocess.py,
  the same graph the CNN driver runs) in parallel, cached in RAM as small uint8 crops after
  the first epoch, then shuffled, batched and augmented each epoch.
- Before that, every image is decoded once (`drop_undecodable`): a frame that passes the
  recording reader's header checks but still fails to decode (truncated data, junk after a
  valid header) or has the wrong size is dropped and reported with its log.csv line, so one
  bad file never aborts training with a TensorFlow error halfway through an epoch.
- Speed labels (for speed-aware models): the lowest speed the driver had in the
  SPEED_WINDOW_S after the frame (see `speed_targets`).
- Augmentation: horizontal flip with negated steering, brightness/contrast jitter, shifts of
  a few pixels (small enough that the steering label stays right).
- A session's edits (agents/driving/session_edits.py, made in the Studio): deleted rows are
  left out and counted per session; mirrored rows are trained flipped left-right with their
  steering negated (before augmentation, which may flip them again, label and all).
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from agents.driving.formats.common import origin_text, speed_recorded
from agents.driving.preprocess import InputSpec, preprocess_tf
from agents.driving.recording_log import LOG_NAME
from agents.driving.recording_reader import Session, load_session
from agents.driving.session_edits import read_edits
from game.errors import UserFacingError

VAL_FRACTION = 0.2
BLOCK_SECONDS = 10.0  # length of one contiguous split block
BALANCE_BINS = 10  # histogram bins over |steering| in 0..1
MAX_WEIGHT = 5.0  # cap so a handful of extreme frames cannot dominate a batch
# Square-root rebalancing: full inverse-frequency weights (power 1) left straight roads so
# little weight that the model drifted ~2 cm off centre there.
BALANCE_POWER = 0.5
SHUFFLE_BUFFER = 4096
# (vertical, horizontal). Vertical ~ pitch. No horizontal shift: it turns the view (2 px ~ 0.5
# deg) without turning the label, which blurred the model's pull back to the lane centre.
MAX_SHIFT_PX = (3, 0)
BRIGHTNESS = 25.0  # +- pixel levels
CONTRAST = (0.75, 1.25)
# A frame's speed label is the lowest driven speed in this window after it. Measured: with the
# speed 0.3 s later as the label, a model braked ~1.2 s after the racing expert for hairpins
# (the camera sees them late) and ran wide on 3 of 6 shipped tracks.
SPEED_WINDOW_S = 1.2


@dataclass
class FrameTable:
    """All frames of the chosen sessions, flattened: one entry per frame."""

    paths: list[str]
    steering: np.ndarray  # float32, -1..1, right +
    block: np.ndarray  # int, a split block id unique across sessions
    sessions: list[dict] = field(default_factory=list)  # {"path", "frames", "skipped"}
    problems: list[str] = field(default_factory=list)

    @property
    def off_lane_rows(self) -> int:
        """Rows left out because the car was off its lane (a person's off-lanes)."""
        return sum(int(s.get("off_lane", 0)) for s in self.sessions)

    @property
    def deleted_rows(self) -> int:
        """Rows left out because they were deleted in the Studio (session_edits)."""
        return sum(int(s.get("deleted", 0)) for s in self.sessions)

    @property
    def mirrored_rows(self) -> int:
        return int(self.mirror.sum()) if len(self.mirror) == len(self) else 0

    # Where each frame came from, for reporting: its index in `sessions` and its log.csv name.
    session_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    rel: list[str] = field(default_factory=list)
    # The speed label per frame in m/s (`speed_targets`); empty when the logs have no speed.
    speed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    # True where the frame is trained mirrored (its steering above is already negated).
    mirror: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def __len__(self) -> int:
        return len(self.paths)


def _check_camera(session: Session, spec: InputSpec) -> None:
    cam = session.meta.get("camera") or {}
    h, w = cam.get("height_px", spec.frame_height), cam.get("width_px", spec.frame_width)
    if (h, w) != (spec.frame_height, spec.frame_width):
        raise UserFacingError(
            f"{session.dir / 'meta.json'}: dashcam frames are {h}x{w}, the model needs "
            f"{spec.frame_height}x{spec.frame_width}"
        )


def time_blocks(t: np.ndarray, rate_hz: float, block_seconds: float = BLOCK_SECONDS) -> np.ndarray:
    """Block id per row: rows in time order cut into contiguous chunks of ~block_seconds.

    Rows sharing a sample instant (a frame and its recovery views) always share a block.
    A short session still gets at least 1 / VAL_FRACTION blocks, so it can be split.
    """
    n = len(t)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    # Instant index: increments whenever t changes (and after a reset, where t goes back).
    instant = np.concatenate([[0], np.cumsum(np.diff(t) != 0)])
    n_instants = int(instant[-1]) + 1
    per_block = max(1, int(round(block_seconds * rate_hz)))
    n_blocks = max(math.ceil(n_instants / per_block), round(1 / VAL_FRACTION))
    n_blocks = min(n_blocks, n_instants)
    return (instant * n_blocks) // n_instants


def speed_targets(
    t: np.ndarray, speed: np.ndarray, driven: np.ndarray, window_s: float = SPEED_WINDOW_S
) -> np.ndarray:
    """Speed label per row: the lowest driven speed from its time to `window_s` later.

    Braking shows in the label `window_s` early (a camera sees a bend late: the model must
    slow down for what the driver was about to slow down for), while speeding up does not
    (the label is never above the speed the driver really had there). `driven` marks the rows
    the car was really at (not recovery views, which share their sample's t and so get its
    label). Where t is not increasing (a session appended to after a reset), a row keeps
    its own speed.
    """
    t = np.asarray(t, dtype=np.float64)
    speed = np.asarray(speed, dtype=np.float32)
    out = speed.copy()
    idx = np.flatnonzero(driven)
    if len(idx) < 2 or np.any(np.diff(t[idx]) < 0):
        return out
    td, vd = t[idx], speed[idx]
    lo = np.searchsorted(td, t - 1e-9)
    hi = np.searchsorted(td, t + window_s + 1e-9)
    for i, (a, b) in enumerate(zip(lo, hi, strict=True)):
        if b > a:
            out[i] = vd[a:b].min()
    return out


def load_frames(
    dirs: list[str | os.PathLike[str]], spec: InputSpec, keep_off_lane: bool = False
) -> FrameTable:
    """Read the session folders' logs (images stay on disk). Bad rows are skipped and listed.

    Rows recorded while the car was off its lane (a person's off-lanes: `off_lane` = 1) are
    left out unless `keep_off_lane`: they teach leaving the lane. One line per session says
    how many. Rows deleted in the session's edits are left out too (counted as "deleted");
    mirrored rows get `mirror` set and their steering negated."""
    if not dirs:
        raise UserFacingError("no recording sessions given")
    paths: list[str] = []
    steering, speeds, blocks, origin, rel, mirrors = [], [], [], [], [], []
    info, problems = [], []
    next_block = 0
    for d in dirs:
        session = load_session(d)
        _check_camera(session, spec)
        problems += [f"{session.dir}: {p}" for p in session.problems]
        cols = session.columns
        keep = np.ones(len(session), dtype=bool)
        if not keep_off_lane and "off_lane" in cols:
            keep = cols["off_lane"] != 1.0
        n_off = int((~keep).sum())  # counted in `sessions`, not a bad row
        edits = read_edits(session.dir)
        deleted = edits.deleted_mask(session.log_rows) & keep
        keep &= ~deleted
        mirror = edits.mirrored_mask(session.log_rows)[keep]
        info.append({
            "path": str(session.dir), "frames": int(keep.sum()), "skipped": session.skipped,
            "off_lane": n_off, "deleted": int(deleted.sum()), "mirrored": int(mirror.sum()),
            "origin": origin_text(session.dir),
        })  # fmt: skip
        if not keep.any():
            continue
        t = cols["t"][keep] if "t" in cols else np.arange(len(session), dtype=np.float32)[keep]
        rate = float(session.meta.get("rate_hz", 20.0) or 20.0)
        b = time_blocks(np.asarray(t, dtype=np.float64), rate)
        frames = [f for f, k in zip(session.frames, keep, strict=True) if k]
        paths += [str(p) for p in frames]
        rel += (
            [str(r) for r in cols["frame"][keep]]
            if "frame" in cols
            else [f"{Path(p).parent.name}/{Path(p).name}" for p in frames]
        )
        origin.append(np.full(len(frames), len(info) - 1, dtype=np.int64))
        steer = np.clip(cols["steering"][keep].astype(np.float32), -1.0, 1.0)
        steering.append(np.where(mirror, -steer, steer))
        mirrors.append(mirror)
        if "speed" in cols and "t" in cols and speed_recorded(session.dir):
            sources = cols.get("source", np.full(len(keep), ""))
            driven = np.asarray(sources) != "recovery"
            speeds.append(speed_targets(cols["t"], cols["speed"], driven & keep)[keep])
        else:
            speeds.append(np.full(int(keep.sum()), np.nan, np.float32))
        blocks.append(b + next_block)
        next_block += int(b.max()) + 1
    if not paths:
        raise UserFacingError(
            f"no usable frames in {', '.join(str(d) for d in dirs)}{_first_problem(problems)}"
        )
    return FrameTable(
        paths,
        np.concatenate(steering),
        np.concatenate(blocks),
        info,
        problems,
        np.concatenate(origin),
        rel,
        np.concatenate(speeds).astype(np.float32),
        np.concatenate(mirrors),
    )


def _first_problem(problems: list[str]) -> str:
    if not problems:
        return ""
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"; first skipped row: {problems[0]}{more}"


def summarize_problems(problems: list[str], first: int = 5) -> list[str]:
    """Lines for the user: how many rows were skipped, the first few, and how many more."""
    if not problems:
        return []
    n = len(problems)
    lines = [f"skipped {n} bad row{'s' if n != 1 else ''}:"]
    lines += [f"  {p}" for p in problems[:first]]
    if n > first:
        lines.append(f"  and {n - first} more")
    return lines


# --- decode check ------------------------------------------------------------------------------

DECODE_REASONS = 20  # failures re-decoded one by one for their error text; the rest say why briefly


def _log_lines(session_dir: Path, wanted: set[str]) -> dict[str, list[int]]:
    """log.csv line numbers of each wanted frame (relative path), in file order."""
    found: dict[str, list[int]] = {}
    try:
        with open(session_dir / LOG_NAME, newline="", encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return found
    lines = text.lstrip("\ufeff").split("\n")
    if not lines:
        return found
    header = [h.strip() for h in next(csv.reader([lines[0]]), [])]
    if "frame" not in header:
        return found
    col = header.index("frame")
    for lineno, line in enumerate(lines[1:], start=2):
        row = next(csv.reader([line.rstrip("\r")]), [])
        if len(row) > col and row[col] in wanted:
            found.setdefault(row[col], []).append(lineno)
    return found


def _decode_reason(path: str, spec: InputSpec) -> str:
    """Why one frame fails the decode check (run eagerly, only for the few that do)."""
    import tensorflow as tf

    try:
        image = tf.io.decode_png(tf.io.read_file(path), channels=3)
    except (tf.errors.OpError, ValueError) as e:
        text = getattr(e, "message", None) or str(e)
        return f"cannot decode the PNG image ({text.strip().splitlines()[0][:120]})"
    h, w = int(image.shape[0]), int(image.shape[1])
    return f"image is {w}x{h}, expected {spec.frame_width}x{spec.frame_height}"


def drop_undecodable(table: FrameTable, spec: InputSpec) -> FrameTable:
    """Decode every frame once; drop (and report, with file and log.csv line) those that fail.

    The check runs in tf.data in parallel and keeps no pixels, so it costs one extra decode
    per frame once per training (the real pipeline decodes again and caches the crops).
    Failing rows are found by index: `ignore_errors` drops the elements whose decode raised.
    """
    import tensorflow as tf

    n = len(table)
    if n == 0:
        return table
    expected = tf.constant([spec.frame_height, spec.frame_width, 3], tf.int32)

    def check(path, i):
        image = tf.io.decode_png(tf.io.read_file(path), channels=3)
        return i, tf.reduce_all(tf.shape(image) == expected)

    ds = tf.data.Dataset.from_tensor_slices((np.asarray(table.paths), np.arange(n)))
    ds = ds.map(check, num_parallel_calls=tf.data.AUTOTUNE, deterministic=False)
    ds = ds.ignore_errors().batch(1024)
    good = np.zeros(n, dtype=bool)
    for idx, ok in ds:
        good[idx.numpy()[ok.numpy()]] = True
    if good.all():
        return table
    bad = np.flatnonzero(~good)
    problems = list(table.problems)
    sessions = [dict(s) for s in table.sessions]
    by_session: dict[int, list[int]] = {}
    for i in bad:
        by_session.setdefault(_session_of(table, int(i)), []).append(int(i))
    k = 0
    for si, rows in by_session.items():
        folder = Path(sessions[si]["path"]) if si >= 0 else Path(table.paths[rows[0]]).parent.parent
        names = [(_rel_of(table, i), i) for i in rows]  # in table (= log) order
        lines = _log_lines(folder, {rel for rel, _ in names})
        for rel, i in names:
            found = lines.get(rel)
            where = f"{LOG_NAME} line {found.pop(0)}" if found else LOG_NAME
            why = _decode_reason(table.paths[i], spec) if k < DECODE_REASONS else "bad image"
            problems.append(f"{folder}: {where}: {rel}: {why}")
            k += 1
        if si >= 0:
            sessions[si]["frames"] -= len(rows)
            sessions[si]["skipped"] = sessions[si].get("skipped", 0) + len(rows)
    keep = np.flatnonzero(good)
    if len(keep) == 0:
        raise UserFacingError(
            f"no frame images could be decoded{_first_problem(problems[-len(bad) :])}"
        )
    return replace(
        table,
        paths=[table.paths[i] for i in keep],
        steering=table.steering[keep],
        block=table.block[keep],
        sessions=sessions,
        problems=problems,
        session_index=table.session_index[keep] if _has_origin(table) else table.session_index,
        rel=[table.rel[i] for i in keep] if _has_origin(table) else table.rel,
        speed=table.speed[keep] if len(table.speed) == len(table) else table.speed,
        mirror=table.mirror[keep] if len(table.mirror) == len(table) else table.mirror,
    )


def _has_origin(table: FrameTable) -> bool:
    return len(table.session_index) == len(table) and len(table.rel) == len(table)


def _session_of(table: FrameTable, i: int) -> int:
    """Index into table.sessions of frame i (-1 when the table does not say)."""
    return int(table.session_index[i]) if _has_origin(table) else -1


def _rel_of(table: FrameTable, i: int) -> str:
    if _has_origin(table):
        return table.rel[i]
    p = Path(table.paths[i])
    return f"{p.parent.name}/{p.name}"


def block_split(
    blocks: np.ndarray, seed: int = 0, val_fraction: float = VAL_FRACTION
) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, val indices): whole blocks go to one side; every 1/val_fraction-th
    block (seeded phase) validates, so validation spans every session, track and look."""
    ids = np.unique(blocks)
    stride = max(2, round(1 / val_fraction))
    phase = np.random.default_rng(seed).integers(stride)
    val_blocks = ids[(np.arange(len(ids)) + phase) % stride == 0]
    is_val = np.isin(blocks, val_blocks)
    return np.flatnonzero(~is_val), np.flatnonzero(is_val)


def balance_weights(
    steering: np.ndarray,
    bins: int = BALANCE_BINS,
    max_weight: float = MAX_WEIGHT,
    power: float = BALANCE_POWER,
) -> np.ndarray:
    """Per-frame loss weights: frames whose |steering| is common weigh less.

    weight ~ count(bin) ** -power (power 1 equalises the bins, 0 changes nothing); mean 1;
    capped near max_weight so a handful of extreme frames cannot dominate.
    """
    a = np.clip(np.abs(steering), 0.0, 1.0)
    idx = np.minimum((a * bins).astype(int), bins - 1)
    counts = np.bincount(idx, minlength=bins).astype(np.float64)
    w = counts[idx] ** -power
    w /= w.mean()
    w = np.minimum(w, max_weight)
    return (w / w.mean()).astype(np.float32)


# --- tf.data ---------------------------------------------------------------------------------


def _decode(spec: InputSpec):
    """(path, mirror, label, weight) -> (preprocessed uint8 image, label, weight); a mirrored
    row's frame is flipped left-right here (its label was negated in load_frames)."""
    import tensorflow as tf

    def decode(path, mirror, steering, weight):
        frame = tf.io.decode_png(tf.io.read_file(path), channels=3)
        frame = tf.ensure_shape(frame, (spec.frame_height, spec.frame_width, 3))
        frame = tf.cond(mirror, lambda: tf.reverse(frame, axis=[1]), lambda: frame)
        return preprocess_tf(frame, spec), steering, weight

    return decode


def _mirror_flags(table: FrameTable) -> np.ndarray:
    return table.mirror if len(table.mirror) == len(table) else np.zeros(len(table), dtype=bool)


def flip(images, steering):
    """Mirror left-right and negate steering (the road and the correction mirror together)."""
    import tensorflow as tf

    return tf.reverse(images, axis=[-2]), -tf.convert_to_tensor(steering)


def augment(images, steering, spec: InputSpec, flip_prob: float = 0.5):
    """Random flip, brightness/contrast jitter and small shifts of a uint8 batch -> float32.

    Random ops take no op seed: with keras.utils.set_random_seed each gets its own
    deterministic stream (equal op seeds would give every op the same numbers).
    """
    import tensorflow as tf

    n = tf.shape(images)[0]
    x = tf.cast(images, tf.float32)

    do_flip = tf.random.uniform([n]) < flip_prob
    flipped, neg = flip(x, steering)
    x = tf.where(do_flip[:, None, None, None], flipped, x)
    steering = tf.where(do_flip, neg, steering)

    # Brightness/contrast on luminance only: in YUV that is channel 0, in RGB all channels.
    mask = tf.constant([1.0, 0.0, 0.0] if spec.colour == "yuv" else [1.0, 1.0, 1.0])
    contrast = tf.random.uniform([n, 1, 1, 1], *CONTRAST)
    bright = tf.random.uniform([n, 1, 1, 1], -BRIGHTNESS, BRIGHTNESS)
    mean = tf.reduce_mean(x, axis=[1, 2], keepdims=True)
    jittered = (x - mean) * contrast + mean + bright
    x = tf.clip_by_value(x + (jittered - x) * mask, 0.0, 255.0)

    # Integer shifts with edge pixels repeated (a projective transform that only translates).
    dy = tf.round(tf.random.uniform([n], -MAX_SHIFT_PX[0], MAX_SHIFT_PX[0]))
    dx = tf.round(tf.random.uniform([n], -MAX_SHIFT_PX[1], MAX_SHIFT_PX[1]))
    ones, zeros = tf.ones([n]), tf.zeros([n])
    transforms = tf.stack([ones, zeros, dx, zeros, ones, dy, zeros, zeros], axis=1)
    x = tf.raw_ops.ImageProjectiveTransformV3(
        images=x,
        transforms=transforms,
        output_shape=tf.shape(x)[1:3],
        fill_value=tf.constant(0.0),
        interpolation="NEAREST",
        fill_mode="NEAREST",
    )
    return x, steering


@dataclass
class Pipelines:
    train: object  # tf.data.Dataset of (images float32, steering, weight) batches
    val: object
    train_frames: int
    val_frames: int
    train_batches: int
    val_batches: int
    table: FrameTable


def make_pipelines(
    table: FrameTable,
    spec: InputSpec,
    batch_size: int = 64,
    seed: int = 0,
    augment_train: bool = True,
    balance: bool = True,
    flip_prob: float = 0.5,
    outputs: int = 1,
    speed_scale: float = 30.0,
    session_weights: Sequence[float] | None = None,
    require_speed: bool = True,
) -> Pipelines:
    """Train/val datasets for Keras fit: (x float32 0..255, labels, weight); labels are
    steering (N,1), or with `outputs=2` [steering, speed label / speed_scale] (N,2).
    `session_weights`: one loss-weight factor per `table.sessions` entry, multiplied into
    each of its frames' balance weights (e.g. a DAgger fine-tune's takeovers count more).
    A frame without a speed (NaN: data that has none) keeps a NaN label, which the loss skips
    (models.command_loss); with `require_speed`, data with no speed at all is an error.

    Frames that fail to decode are dropped first (`drop_undecodable`); the returned
    `Pipelines.table` is the table actually trained on, with those rows in `problems`.
    """
    import tensorflow as tf

    if outputs == 2:
        missing = len(table.speed) != len(table) or not np.any(np.isfinite(table.speed))
        if missing and require_speed:
            raise UserFacingError(
                "these recordings have no speed column to learn speed from "
                "(recorded before speeds were logged); train a steering-only model"
            )
    table = drop_undecodable(table, spec)
    train_idx, val_idx = block_split(table.block, seed)
    if len(train_idx) == 0 or len(val_idx) == 0:
        raise UserFacingError(
            f"too little data to split into training and validation ({len(table)} frames)"
        )
    weights = balance_weights(table.steering) if balance else np.ones(len(table), np.float32)
    if session_weights is not None:
        weights = weights * np.asarray(session_weights, np.float32)[table.session_index]
    paths = np.asarray(table.paths)
    mirror = _mirror_flags(table)
    labels = table.steering[:, None]
    if outputs == 2:
        labels = np.stack([table.steering, table.speed / speed_scale], axis=1)
    labels = labels.astype(np.float32)

    def source(idx: np.ndarray, shuffle_files: bool):
        if shuffle_files:  # once, so the cached order is already mixed across sessions
            idx = np.random.default_rng(seed).permutation(idx)
        ds = tf.data.Dataset.from_tensor_slices(
            (paths[idx], mirror[idx], labels[idx], weights[idx])
        )
        ds = ds.map(_decode(spec), num_parallel_calls=tf.data.AUTOTUNE)
        return ds.cache()

    def finish(ds, aug: bool):
        def to_model(images, label, weight):
            steering, rest = label[:, 0], label[:, 1:]
            if aug:  # a mirrored road mirrors the steering; the speed it calls for stays
                x, steering = augment(images, steering, spec, flip_prob)
            else:
                x = tf.cast(images, tf.float32)
            return x, tf.concat([steering[:, None], rest], axis=1), weight

        ds = ds.batch(batch_size).map(to_model, num_parallel_calls=tf.data.AUTOTUNE)
        return ds.prefetch(tf.data.AUTOTUNE)

    train = source(train_idx, shuffle_files=True)
    train = train.shuffle(min(SHUFFLE_BUFFER, len(train_idx)), seed=seed)
    val = source(val_idx, shuffle_files=False)
    return Pipelines(
        train=finish(train, augment_train),
        val=finish(val, False),
        train_frames=len(train_idx),
        val_frames=len(val_idx),
        train_batches=math.ceil(len(train_idx) / batch_size),
        val_batches=math.ceil(len(val_idx) / batch_size),
        table=table,
    )


def load_arrays(table: FrameTable, spec: InputSpec, idx: np.ndarray | None = None):
    """Decode and preprocess frames into memory: (uint8 images (N,h,w,3), steering)."""
    import tensorflow as tf

    idx = np.arange(len(table)) if idx is None else idx
    sub = drop_undecodable(
        replace(table, paths=[table.paths[i] for i in idx], steering=table.steering[idx],
                block=table.block[idx], session_index=np.zeros(0, np.int64), rel=[],
                speed=np.zeros(0, np.float32), mirror=_mirror_flags(table)[idx]), spec
    )  # fmt: skip
    paths, steering = np.asarray(sub.paths), sub.steering
    ds = tf.data.Dataset.from_tensor_slices(
        (paths, _mirror_flags(sub), steering, np.ones(len(paths)))
    )
    ds = ds.map(_decode(spec), num_parallel_calls=tf.data.AUTOTUNE).batch(256)
    images = [b[0].numpy() for b in ds]
    return np.concatenate(images), steering


def session_dirs(paths: list[str | os.PathLike[str]]) -> list[Path]:
    """Expand each path: a session folder itself, or a folder of session folders."""
    out: list[Path] = []
    for p in map(Path, paths):
        if (p / LOG_NAME).exists():
            out.append(p)
        elif p.is_dir():
            found = sorted(q for q in p.iterdir() if (q / LOG_NAME).exists())
            if not found:
                raise UserFacingError(f"{p}: no recording sessions (no log.csv) in this folder")
            out += found
        else:
            raise UserFacingError(f"{p}: no such recording session folder")
    return out
