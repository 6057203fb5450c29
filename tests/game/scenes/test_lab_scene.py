"""The Lab screen headless: E opens the spec editor, typed letters are text (H does not open
the help), a refused value shows its one-line error, S saves your copy and lists it; the
saliency view draws the frame 1:1 in both panels at the largest and the smallest window."""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from game.app import MIN_WINDOW_SIZE, SIM_DT
from game.paths import user_dir
from game.render.dashcam_panel import grab_pixels
from game.scenes.lab import LabScene
from game.sessions.lab import LabSession
from game.sessions.lab_saliency import Shown, Side

SPEC = """
name = "dropout mini"
task = "driving"
[vary]
dropout = [0.0, 0.5]
"""


def key(k: int) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0)


def text(s: str) -> pygame.event.Event:
    return pygame.event.Event(pygame.TEXTINPUT, text=s)


def resize(size: tuple[int, int]) -> pygame.event.Event:
    return pygame.event.Event(pygame.VIDEORESIZE, size=size, w=size[0], h=size[1])


@pytest.fixture
def lab(app, tmp_path):
    path = tmp_path / "dropout.toml"
    path.write_text(SPEC)
    scene = app.push("lab", session=LabSession([path]))
    assert isinstance(scene, LabScene)
    return scene


def test_the_editor_takes_typed_text_and_saves_your_copy(app, lab):
    app.frame([key(pygame.K_e)], SIM_DT)
    ed = lab.editor
    assert ed is not None and not lab.captures_text
    app.frame([key(pygame.K_DOWN), key(pygame.K_DOWN), key(pygame.K_RETURN)], SIM_DT)
    assert ed.typing == "value" and lab.captures_text and ed.text == "[0.0, 0.5]"
    backspaces = [key(pygame.K_BACKSPACE)] * 5
    app.frame([*backspaces, key(pygame.K_h), text("1.5]"), key(pygame.K_RETURN)], SIM_DT)
    assert not app.help_visible  # H was a letter of the value, not the help key
    assert ed.typing == "value" and "vary.dropout: 1.5 is out of range" in ed.error
    app.frame([key(pygame.K_BACKSPACE)] * 4 + [text("0.25]"), key(pygame.K_RETURN)], SIM_DT)
    assert ed.typing is None and ed.draft.spec.vary == {"dropout": [0.0, 0.25]}
    app.frame([key(pygame.K_s)], SIM_DT)
    assert lab.editor is None
    assert (user_dir("lab-specs") / "dropout-mine.toml").is_file()
    assert [i.label for i in lab.menu.items] == ["dropout mini", "dropout mini (mine)"]
    assert lab.menu.selected == 1 and [r.label for r in lab.session.rows] == [
        "dropout=0.0 seed=0", "dropout=0.25 seed=0"]  # fmt: skip


def test_escape_leaves_the_editor_without_saving(app, lab):
    app.frame([key(pygame.K_e), key(pygame.K_a), text("a"), text("width = [0.5]"),
               key(pygame.K_RETURN)], SIM_DT)  # fmt: skip
    assert lab.editor.draft.spec.vary["width"] == [0.5]  # the A that opened it is not typed
    app.frame([key(pygame.K_ESCAPE)], SIM_DT)
    assert lab.editor is None and app.scene is lab
    assert not list(user_dir("lab-specs").glob("*.toml"))


def shown() -> Shown:
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (160, 320, 3), dtype=np.uint8)
    tint = np.zeros((160, 320, 4), np.uint8)
    tint[100:, 200:] = (40, 255, 80, 190)  # the mask, only in the bottom right
    base = Side("BASE", "dropout=0.0 seed=0", -0.12, "mean |offset| 0.300 m", tint)
    best = Side("BEST", "dropout=0.5 seed=0", 0.05, "mean |offset| 0.100 m", tint)
    return Shown("oval", frame, base, best, "left: the base recipe")


@pytest.mark.parametrize("size", [(1280, 800), MIN_WINDOW_SIZE], ids=["1280x800", "smallest"])
def test_the_saliency_view_shows_both_panels_inside_the_window(app, lab, size):
    lab.session.view = 3
    assert lab.session.showing_saliency
    lab.session.saliency.shown = picture = shown()
    app.frame([resize(size)], SIM_DT)
    app.frame([], SIM_DT)
    window = app.screen.get_rect()
    a, b = (p.image_rect for p in lab.panels)
    assert window.contains(a.inflate(12, 12)) and window.contains(b.inflate(12, 12))
    assert not a.colliderect(b) and a.y == b.y
    for rect in (a, b):  # the frame 1:1 where the mask is clear, tinted where it is not
        pixels = grab_pixels(app.screen, rect)
        assert np.array_equal(pixels[:100], picture.frame[:100])
        assert not np.array_equal(pixels[100:, 200:], picture.frame[100:, 200:])
    assert [p.caption for p in lab.panels] == ["BASE", "BEST"]


def test_a_broken_spec_says_it_cannot_run_instead_of_inviting_a_run(tmp_path, monkeypatch):
    import pygame

    from game.app import App
    from game.scenes.lab import LabScene

    monkeypatch.setenv("NEURAL_ARCADE_HOME", str(tmp_path))
    specs = tmp_path / "lab-specs"
    specs.mkdir()
    (specs / "broken-mine.toml").write_text('name = "broken"\ntask = "driving"\n'
                                           "[vary]\ndropout = [1.5]\n")  # fmt: skip
    app = App(headless=True)
    scene = LabScene(app)
    s = scene.session
    s.select(next(i for i, p in enumerate(s.presets) if p.error))
    drawn: list[str] = []
    monkeypatch.setattr("game.scenes.lab.wrap", lambda text, *a: drawn.append(text) or [text])
    scene.draw(pygame.Surface((1280, 800)))
    assert "vary.dropout: 1.5 is out of range" in s.preset.error
    assert any("cannot run" in t for t in drawn)
    assert not any("Run the preset" in t for t in drawn)
