"""import-data at scale: a large Donkey tub imports streaming, in flat memory.

    python -m bench.import_scale [--frames 50000] [--work DIR]

Writes a tub of --frames records (catalogs of 1000 lines, as Donkey does; every image a hard
link to one 160x120 JPEG so the tub costs little disk), imports it with import-data's code
and prints records per second, the peak resident memory of the process (ru_maxrss) and the
resident memory after the first 1,000 records, so growth with length shows directly.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np


def rss_mb() -> float:
    """Current resident memory of this process in MB (Linux /proc; else the peak)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def make_tub(folder: Path, n: int) -> None:
    from PIL import Image

    (folder / "images").mkdir(parents=True)
    ramp = np.linspace(0, 255, 160, dtype=np.uint8)[None, :, None].repeat(120, 0).repeat(3, 2)
    buf = io.BytesIO()
    Image.fromarray(ramp).save(buf, format="JPEG", quality=95)
    source = folder / "source.jpg"
    source.write_bytes(buf.getvalue())
    paths = []
    for c in range(0, n, 1000):
        name = f"catalog_{c // 1000}.catalog"
        paths.append(name)
        with open(folder / name, "w", encoding="utf-8", newline="") as f:
            for i in range(c, min(c + 1000, n)):
                image = f"{i}_cam_image_array_.jpg"
                os.link(source, folder / "images" / image)
                rec = {"_index": i, "_session_id": "bench", "_timestamp_ms": 50 * i,
                       "cam/image_array": image, "user/angle": ((i % 41) - 20) / 20,
                       "user/throttle": 0.3, "user/mode": "user"}  # fmt: skip
                f.write(json.dumps(rec) + "\r\n")
    info = {"paths": paths, "current_index": n, "max_len": 1000, "deleted_indexes": []}
    lines = [["cam/image_array"], ["image_array"], {}, {}, info]
    (folder / "manifest.json").write_text("".join(json.dumps(x) + "\r\n" for x in lines))


def main(argv: list[str] | None = None) -> None:
    from agents.driving.formats.importer import ImportOptions, import_dataset

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=50_000)
    parser.add_argument("--work", help="folder for the tub and the session (default: temp)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="import-scale-", dir=args.work) as tmp:
        tub = Path(tmp) / "tub"
        t0 = time.perf_counter()
        make_tub(tub, args.frames)
        print(f"wrote a tub of {args.frames:,} records in {time.perf_counter() - t0:.0f} s")
        seen = {"n": 0, "rss_1k": 0.0}

        def progress(k: int) -> None:
            seen["n"] += k
            if seen["n"] == 1000:
                seen["rss_1k"] = rss_mb()

        t1 = time.perf_counter()
        result = import_dataset(tub, ImportOptions(out=Path(tmp) / "session"), progress=progress)
        seconds = time.perf_counter() - t1
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # KiB on Linux
        print(
            f"imported {result.frames:,} frames ({result.skipped} skipped) in {seconds:.0f} s: "
            f"{result.frames / seconds:.0f} frames/s; resident memory {seen['rss_1k']:.0f} MB "
            f"after 1,000 records, {rss_mb():.0f} MB at the end, peak {peak:.0f} MB"
        )


if __name__ == "__main__":
    main()
