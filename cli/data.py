"""CLI: `import-data` (a Udacity folder or Donkey tub -> a session), `export-data` (a session
-> a Udacity folder or Donkey tub) and `export-model` (a driving model -> a TFLite file for
a car's computer). The work lives in agents/driving/formats and agents/driving/export.py."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli import argtypes
from game.errors import UserFacingError

PROBLEMS_SHOWN = 20  # problem lines printed; the rest are counted (all are in the summary)


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Registers this module's subcommands."""
    p = sub.add_parser(
        "import-data",
        help="import a Udacity simulator folder or a Donkey Car tub as a recording session",
        description="Read a foreign driving dataset (streaming, any length) and write a normal "
        "session folder that the Train screen lists and train-driver trains on. Each foreign "
        "image is mapped onto the 160x320 dashcam frame: --crop names the box of the foreign "
        "image that becomes the model's road window (dashcam rows 56-150, all 320 columns). "
        "Default: Udacity rows 56-150 of its 320x160 image (the frame unchanged); Donkey the "
        "whole image. Steering keeps its sign and fraction of full lock (both formats: -1..1, "
        "positive right) times --steering-scale. Bad records get one line each naming the "
        "file and line; every good record is kept.",
    )
    p.add_argument("path", help="the Udacity folder (or its driving_log.csv) or the tub folder")
    p.add_argument("--format", default="auto", choices=("auto", "udacity", "donkey"))
    p.add_argument("--name", help="the session's name (default: format and folder name)")
    p.add_argument("--out", help="session folder to write (default: new, under recordings)")
    p.add_argument(
        "--crop",
        metavar="L,T,R,B",
        help="box of the foreign image (pixels) that becomes the model's road window",
    )
    p.add_argument(
        "--steering-scale",
        type=argtypes.number(-10.0, 10.0),
        default=1.0,
        help="multiply the foreign steering (e.g. 25/31.5 to map Udacity's 25 degree lock onto "
        "this car's; negative flips the sign); default 1",
    )
    p.add_argument(
        "--side-cameras",
        type=argtypes.number(0.0, 1.0),
        metavar="CORRECTION",
        help="Udacity: also import the left/right cameras, labelled steering +/- CORRECTION "
        "(off by default; 0.2 is the usual choice)",
    )
    p.add_argument(
        "--rate",
        type=argtypes.number(0.1, 1000.0),
        help="Udacity: samples per second the log was recorded at (default 15; it has no "
        "times, and only the train/validation split uses them)",
    )
    p.set_defaults(handler=run_import)

    e = sub.add_parser(
        "export-data",
        help="write a recording session as a Udacity folder or a Donkey Car tub",
        description="Udacity: the driven frames as center images, the recovery views displaced "
        "furthest left/right as left/right cameras, speed in mph, no header and absolute paths "
        "(as the simulator writes). Donkey: every row as a record, the road window resized to "
        "160x120 (the inverse of import-data's default mapping).",
    )
    e.add_argument("session", help="a recording session folder")
    e.add_argument("--format", required=True, choices=("udacity", "donkey"))
    e.add_argument("--out", required=True, help="the folder to create")
    e.set_defaults(handler=run_export_data)

    m = sub.add_parser(
        "export-model",
        help="export a driving model as a TFLite file for a car's computer (LiteRT)",
        description="--format tflite: one file that takes the raw dashcam frame (uint8 1x160x320x3 "
        "RGB; crop, resize and colour conversion inside) and outputs steering (-1..1, right "
        "positive) and, for a speed model, the target speed / speed_scale; its contract and the "
        "model's card go to F.tflite.json beside it. Checked under LiteRT (ai-edge-litert) in "
        "a fresh interpreter without TensorFlow when that package is installed. "
        "--format donkey: a file Donkey Car's TFLite pilot loads (--type tflite_linear): "
        "input img_in float32 (1, 120, 160, 3) in 0..1, outputs angle and a constant throttle.",
    )
    m.add_argument("model", help="the driving model (.h5)")
    m.add_argument("--format", default="tflite", choices=("tflite", "donkey"))
    m.add_argument("--quantize", default="none", choices=("none", "float16", "int8"))
    m.add_argument("--out", help="the .tflite file (default: MODEL's name, in the current folder)")
    m.add_argument(
        "--throttle",
        type=argtypes.number(-1.0, 1.0),
        default=0.3,
        help="--format donkey: the constant throttle output (default 0.3; Donkey's local_angle "
        "mode ignores it and leaves the throttle to you)",
    )
    m.add_argument("--no-check", dest="check", action="store_false", help="skip the LiteRT check")
    m.set_defaults(handler=run_export_model)


def run_import(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from agents.driving.formats.common import parse_box
    from agents.driving.formats.importer import ImportOptions, check_options, import_dataset

    options = ImportOptions(
        fmt=args.format,
        name=args.name,
        out=args.out,
        crop=parse_box(args.crop) if args.crop else None,
        steering_scale=args.steering_scale,
        side_correction=args.side_cameras,
        rate_hz=args.rate,
    )
    check_options(args.path, options)  # a wrong folder or option: one line, no progress bar
    shown = 0
    with tqdm(unit="rec", desc="importing", dynamic_ncols=True, file=sys.stderr) as bar:

        def problem(line: str) -> None:
            nonlocal shown
            shown += 1
            if shown <= PROBLEMS_SHOWN:
                bar.write(f"skipped: {line}", file=sys.stderr)

        def total(n: int) -> None:
            bar.total = n
            bar.refresh()

        result = import_dataset(args.path, options, progress=bar.update, problem=problem,
                                total=total)  # fmt: skip
    if result.skipped > PROBLEMS_SHOWN:
        print(f"... and {result.skipped - PROBLEMS_SHOWN} more skipped", file=sys.stderr)
    side = f" + {result.side_frames} side-camera frames" if result.side_frames else ""
    deleted = f", {result.deleted} soft-deleted in the source left out" if result.deleted else ""
    clamped = (
        f", {result.clamped} steering values beyond full lock clamped" if result.clamped else ""
    )
    print(
        f"imported {result.frames} frames{side} to {result.out_dir}; "
        f"{result.skipped} records skipped{deleted}{clamped}"
    )
    if result.frames + result.side_frames == 0:
        raise UserFacingError(f"{args.path}: no usable records")
    return 0


def run_export_data(args: argparse.Namespace) -> int:
    from agents.driving.formats import donkey, udacity

    out = Path(args.out)
    if out.exists():
        raise UserFacingError(f"{out}: already exists; export-data makes a new folder")
    if args.format == "udacity":
        n = udacity.export_session(args.session, out)
        print(f"wrote {n} rows to {out / udacity.LOG_NAME}")
    else:
        n = donkey.export_session(args.session, out)
        print(f"wrote a tub of {n} records to {out}")
    return 0


def run_export_model(args: argparse.Namespace) -> int:

    from agents.driving.export import check_with_litert, export_tflite, litert_available

    model = Path(args.model)
    if not model.is_file():
        raise UserFacingError(f"{model}: no such model file")
    if args.format == "donkey":
        return export_for_donkey(args, model)
    suffix = "" if args.quantize == "none" else f"-{args.quantize}"
    out = Path(args.out or f"{model.stem}{suffix}.tflite")  # default: the current folder
    result = export_tflite(model, out, args.quantize)
    print(
        f"wrote {result.path} ({result.bytes:,} bytes, {args.quantize}; outputs "
        f"{', '.join(result.outputs)}) and {result.sidecar}"
    )
    if not args.check:
        return 0
    if not litert_available():
        print("LiteRT check skipped: ai-edge-litert is not installed (pip install ai-edge-litert)")
        return 0
    import numpy as np

    from agents.driving.export import calibration_frames

    frames = np.stack(list(calibration_frames(16, seed=1)))
    check = check_with_litert(result.path, model, frames)
    tf_note = "TensorFlow imported!" if check.tensorflow_imported else "no TensorFlow imported"
    print(
        f"LiteRT check: {check.frames} frames, max |steering - app's TFLite path| "
        f"{check.max_steering_diff:.2e} ({tf_note})"
    )
    return 0


def export_for_donkey(args: argparse.Namespace, model: Path) -> int:
    from agents.driving.export import donkey_check, export_donkey, litert_available

    if args.quantize != "none":
        raise UserFacingError("--quantize is for --format tflite; a Donkey export is float32")
    out = Path(args.out or f"{model.stem}-donkey.tflite")
    result = export_donkey(model, out, throttle=args.throttle)
    print(
        f"wrote {result.path} ({result.bytes:,} bytes) and {result.sidecar}; on the car: "
        f"python manage.py drive --model {result.path.name} --type tflite_linear"
    )
    if args.check and litert_available():
        gap = donkey_check(result.path, model)
        print(
            f"Donkey check (LiteRT, called as Donkey's TFLite pilot calls it): max |angle - "
            f"app's steering on the imported image| {gap:.2e} over 16 images"
        )
    return 0
