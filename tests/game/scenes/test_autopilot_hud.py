"""The Autopilot dashboard says what sets the speed: the cruise control's set speed while it
holds the speed, "speed set by model" while a model with a speed output works the pedals."""

from __future__ import annotations

import pytest

from game.app import SIM_DT, App
from game.scenes import autopilot


@pytest.fixture
def app():
    a = App(headless=True)
    yield a
    a.close()


def test_the_speed_caption_names_the_model_when_it_sets_the_speed(app, monkeypatch):
    captions: list[str | None] = []
    real = autopilot.draw_speed

    def spy(surface, center, speed_ms, cruise_ms=None, caption=None):
        captions.append(caption)
        real(surface, center, speed_ms, cruise_ms, caption)

    monkeypatch.setattr(autopilot, "draw_speed", spy)
    scene = app.push("autopilot", track="oval", model="no-such-model.h5")
    car = scene.session.world.car
    app.frame([], SIM_DT)  # no model: the cruise control holds the car at 0 km/h
    assert car.on_cruise
    assert captions[-1] == f"cruise {car.cruise_speed * 3.6:.0f} km/h"
    car.on_cruise = False  # the pedals did: a model with a speed output
    scene.draw(app.screen)
    assert captions[-1] == "speed set by model"


def test_the_fine_tune_card_keeps_the_watchdogs_long_line_on_the_card(app):
    from agents.training import stall_message
    from game.render import theme

    width = min(560, autopilot.autopilot_layout((1024, 640)).view.w - 32) - 24  # text room
    assert autopilot.progress_lines("FINE-TUNING  training 3/40", width) == [
        "FINE-TUNING  training 3/40"
    ]
    text = "FINE-TUNING  " + stall_message(61.0)
    assert theme.text(text, theme.SMALL).get_width() > width  # one line would run off the card
    lines = autopilot.progress_lines(text, width)
    assert lines == ["FINE-TUNING  no training batch has finished in 61 s:",
                     "the machine is very busy or a device does not answer"]  # fmt: skip
    assert all(theme.text(line, theme.SMALL).get_width() <= width for line in lines)


def test_the_top_pills_stay_on_the_road_view_with_a_long_model_name(app, monkeypatch):
    pills: list = []
    real = autopilot.draw_pill

    def spy(surface, topleft, text, color=autopilot.theme.TEXT_MUTED):
        pills.append(real(surface, topleft, text, color))
        return pills[-1]

    monkeypatch.setattr(autopilot, "draw_pill", spy)
    app.resize((1024, 640))
    long_name = "my-first-model-with-a-rather-long-name-from-last-tuesday.h5"
    scene = app.push("autopilot", track="oval", model=long_name)
    scene.session.saliency.show_saliency = True  # four pills: the mode, the model, saliency, help
    scene.draw(app.screen)
    assert len(pills) == 4
    # ... with room left for the longest mode pill, "TAKEOVER - RECORDING", in place of this one
    longest = autopilot.theme.text("TAKEOVER - RECORDING", autopilot.theme.SMALL).get_width() + 24
    assert max(p.right for p in pills) + (longest - pills[0].w) <= scene.lay.view.right - 8
