"""Training frames/s reading frames from disk (the real pipeline) vs from memory.

    python -m bench.train_throughput [--data DIR ...] [--arch pilotnet] [--epochs 5]

"From disk" is exactly what `train()` runs: PNGs decoded and preprocessed in parallel by
tf.data, cached in RAM as small uint8 crops after the first epoch, shuffled, batched and
augmented each epoch. "From memory" starts with the same preprocessed crops already in a
numpy array (loading them is not timed) and runs the same shuffle/batch/augment. Both train
the same architecture for the same epochs from the same seed, without validation.
Target (issue 3): disk >= 90% of memory. Without --data, one expert lap of a generated
track is recorded first (not timed).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from agents.driving.models import ARCHITECTURE_NAMES  # noqa: E402  (no Keras loaded)


def _fit_rate(model, dataset, epochs: int, frames: int) -> float:
    start = time.perf_counter()
    model.fit(dataset, epochs=epochs, verbose=0, shuffle=False)
    return epochs * frames / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", nargs="+", help="session folders (default: record one)")
    parser.add_argument("--arch", default="pilotnet", choices=ARCHITECTURE_NAMES)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--track", default="gen:1000", help="track to record without --data")
    args = parser.parse_args(argv)

    import keras
    import tensorflow as tf

    from agents.driving.dataset import (
        SHUFFLE_BUFFER,
        augment,
        balance_weights,
        block_split,
        load_arrays,
        load_frames,
        make_pipelines,
        session_dirs,
    )
    from agents.driving.models import build_model
    from agents.driving.preprocess import spec_for

    data = args.data
    if not data:
        from agents.driving.expert_recorder import ExpertRecording, record_expert

        folder = os.path.join(tempfile.mkdtemp(prefix="bench-train-"), "session")
        print(f"recording one lap of {args.track} into {folder} ...")
        record_expert(ExpertRecording(args.track, 1, folder, look="mixed", rate_hz=10.0, seed=0))
        data = [folder]

    spec = spec_for(args.arch)
    table = load_frames(session_dirs(data), spec)
    seed = 0

    keras.utils.set_random_seed(seed)
    disk = make_pipelines(table, spec, batch_size=args.batch_size, seed=seed)
    disk_rate = _fit_rate(build_model(args.arch), disk.train, args.epochs, disk.train_frames)

    keras.utils.set_random_seed(seed)
    train_idx, _ = block_split(table.block, seed)
    images, steering = load_arrays(table, spec, train_idx)  # not timed: already "in memory"
    weights = balance_weights(table.steering)[train_idx]
    mem = tf.data.Dataset.from_tensor_slices((images, steering, weights))
    mem = mem.shuffle(min(SHUFFLE_BUFFER, len(images)), seed=seed).batch(args.batch_size)

    def to_model(x, s, w):
        x, s = augment(x, s, spec)
        return x, s[:, None], w

    mem = mem.map(to_model, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
    mem_rate = _fit_rate(build_model(args.arch), mem, args.epochs, len(images))

    print(f"| {args.arch}, {disk.train_frames} frames x {args.epochs} epochs | frames/s |")
    print("|---|---|")
    print(f"| from disk (decode + cache + augment) | {disk_rate:.0f} |")
    print(f"| from memory (preloaded crops + augment) | {mem_rate:.0f} |")
    print(f"| ratio disk/memory | {disk_rate / mem_rate:.1%} (target >= 90%) |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
