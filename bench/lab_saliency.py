"""The Lab screen's saliency view: how long the best-vs-base masks take, and whether the
screen keeps drawing meanwhile.

    python -m bench.lab_saliency [--frames-before 120]

Runs the real App headless (SDL dummy video driver) on the Lab screen with a two-variant
preset whose variants' model files are the shipped PilotNet (the cost is the same for any
trained variant of that size), paced at 60 FPS as App.run paces frames. It times frames
before the view is shown, then shows it (the worker spawns a process that imports
TensorFlow, loads both models and runs VisualBackProp) and times every frame until the
pictures are there. Prints a markdown table of wall-clock frame times (p50, p99, max) in
both phases and the seconds until shown. Everything happens in a throw-away user folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from game.app import FPS, SIM_DT, App  # noqa: E402

SPEC = """
name = "dropout pair"
task = "driving"
[vary]
dropout = [0.0, 0.5]
[eval]
tracks = ["kidney"]
"""
TIMEOUT_S = 300.0


def measured(spec_path: Path) -> None:
    """Both variants measured, their model files the shipped PilotNet."""
    from agents.lab.results import save_record
    from agents.lab.spec import expand, load_spec
    from agents.modelio import card_path
    from game.paths import shipped_models_dir, user_dir

    spec = load_spec(spec_path)
    out = user_dir("lab") / spec_path.stem
    for v, off in zip(expand(spec, quick=True), (0.3, 0.1), strict=True):
        model = f"variants/{v.key}/model.h5"
        dest = out / model
        dest.parent.mkdir(parents=True, exist_ok=True)
        src = shipped_models_dir() / "pilotnet.h5"
        shutil.copyfile(src, dest)
        shutil.copyfile(card_path(src), card_path(dest))
        save_record(out, {"key": v.key, "label": v.label, "knobs": v.knobs, "seed": v.seed,
                          "status": "ok", "task": "driving", "mean_abs_offset_m": off,
                          "model": model})  # fmt: skip


def frame(app: App) -> float:
    t0 = time.perf_counter()
    app.frame([], SIM_DT)
    spent = time.perf_counter() - t0
    time.sleep(max(0.0, 1.0 / FPS - spent))  # App.run's frame cap
    return spent * 1000.0


def row(name: str, ms: list[float]) -> str:
    a = np.asarray(ms)
    return (f"| {name} | {len(a)} | {np.percentile(a, 50):.1f} | {np.percentile(a, 99):.1f} "
            f"| {a.max():.1f} |")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames-before", type=int, default=120)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["NEURAL_ARCADE_HOME"] = str(Path(tmp) / "home")
        from game.sessions.lab import LabSession

        spec_path = Path(tmp) / "pair.toml"
        spec_path.write_text(SPEC)
        measured(spec_path)
        app = App(headless=True)
        scene = app.push("lab", session=LabSession([spec_path]))
        before = [frame(app) for _ in range(args.frames_before)]
        scene.session.view = 3  # the saliency view: the worker starts on the next frame
        assert scene.session.showing_saliency
        during, t0 = [], time.perf_counter()
        while scene.session.saliency.shown is None:
            if time.perf_counter() - t0 > TIMEOUT_S:
                raise SystemExit(f"no saliency after {TIMEOUT_S:.0f} s: "
                                 f"{scene.session.saliency.message}")  # fmt: skip
            during.append(frame(app))
        seconds = time.perf_counter() - t0
        app.close()
    print("| Lab screen | frames | p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    print(row("before the saliency view", before))
    print(row("while both masks are computed", during))
    print(
        f"\nboth masks shown after {seconds:.1f} s (a process importing TensorFlow, two "
        "models, VisualBackProp)"
    )


if __name__ == "__main__":
    main()
