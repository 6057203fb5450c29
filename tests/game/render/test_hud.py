"""The HUD says what sets the car's speed, with units."""

from game.render.hud import speed_caption
from game.sim.car import Car


def test_cruise_control_shows_its_set_speed_in_km_h():
    car = Car()
    car.set_cruise(43 / 3.6)
    car.step(0.0)
    assert speed_caption(car) == "cruise 43 km/h"


def test_pedals_name_who_sets_the_speed_not_a_stale_cruise_figure():
    car = Car()
    car.set_cruise(43 / 3.6)
    for _ in range(300):
        car.step(0.0, throttle=1.0)
    assert car.state.speed * 3.6 > 60  # far from the cruise figure
    assert speed_caption(car) == "speed set by model"
    assert speed_caption(car, "the racer") == "speed set by the racer"
    car.step(0.0)  # back on cruise control
    assert speed_caption(car).startswith("cruise 43 km/h")
