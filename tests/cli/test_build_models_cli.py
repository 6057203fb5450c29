"""`build-models --width`: the option reaches the build's recipe, and a bad width is refused."""

from __future__ import annotations

import argparse

import pytest

import agents.driving.build as build
from cli import pilotnet


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser()
    pilotnet.add_commands(p.add_subparsers())
    return p


def test_width_reaches_the_build_recipe(tmp_path, monkeypatch):
    seen = []

    def fake_build(out, recipe, work, progress, bar):
        seen.append(recipe)
        raise SystemExit(0)  # the recipe is all this test needs; nothing is recorded

    monkeypatch.setattr(build, "build_default_model", fake_build)
    args = parser().parse_args(["build-models", "--width", "0.5", "--out", str(tmp_path / "m.h5")])
    with pytest.raises(SystemExit):
        args.handler(args)
    assert seen[0].width == 0.5 and seen[0].network().width == 0.5
    default = parser().parse_args(["build-models"])
    assert default.width == build.BUILD_WIDTH


@pytest.mark.parametrize("bad", ["0", "-1", "wide"])
def test_a_bad_width_is_refused(bad, capsys):
    with pytest.raises(SystemExit):
        parser().parse_args(["build-models", "--width", bad])
    assert "--width" in capsys.readouterr().err
