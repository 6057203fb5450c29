"""Chart axes at round values (1-2-2.5-5 steps) with labels that show no float noise."""

import math

import numpy as np
import pygame
import pytest

from game.render.charts import NICE_STEPS, LineChart, nice_ticks, tick_labels


@pytest.mark.parametrize(
    ("lo", "hi", "ticks"),
    [
        (-21.7, 182.0, [-50, 0, 50, 100, 150, 200]),  # the 182 / 114 / 46.1 / -21.7
        (0.00559, 1.0, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),  # an epoch axis from the first batch
        (0.0, 137.0, [0, 50, 100, 150]),
        (0.33, 0.39, [0.33, 0.34, 0.35, 0.36, 0.37, 0.38, 0.39]),
    ],
)
def test_nice_ticks_examples(lo, hi, ticks):
    got = nice_ticks(lo, hi, max_ticks=7 if len(ticks) == 7 else 6)
    assert got == pytest.approx(ticks)


@pytest.mark.parametrize("seed", range(40))
def test_nice_ticks_cover_the_data_with_round_steps(seed):
    rng = np.random.default_rng(seed)
    lo = float(rng.normal(0, 10 ** rng.uniform(-3, 4)))
    hi = lo + float(10 ** rng.uniform(-4, 4))
    max_ticks = int(rng.integers(3, 8))
    t = nice_ticks(lo, hi, max_ticks)
    assert 2 <= len(t) <= max_ticks
    assert t[0] <= lo + 1e-9 * abs(lo) and t[-1] >= hi - 1e-9 * abs(hi)
    step = t[1] - t[0]
    assert np.allclose(np.diff(t), step, rtol=1e-6)
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m, rel_tol=1e-6) for m in NICE_STEPS)


def test_a_flat_series_still_gets_an_axis():
    t = nice_ticks(5.0, 5.0)
    assert t[0] < 5.0 < t[-1]


def test_tick_labels_use_the_decimals_the_step_needs():
    assert tick_labels([0, 0.25, 0.5]) == ["0.00", "0.25", "0.50"]
    assert tick_labels([0.1, 0.2, 0.30000000000000004]) == ["0.1", "0.2", "0.3"]
    assert tick_labels([-50, 0, 50]) == ["-50", "0", "50"]
    assert tick_labels([0, 100_000, 200_000]) == ["0", "100,000", "200,000"]


def test_the_axes_run_from_tick_to_tick():
    pygame.display.init()
    screen = pygame.display.set_mode((640, 400))
    chart = LineChart(pygame.Rect(0, 0, 600, 300), "Loss", x_label="epochs")
    chart.set("loss", [182.0, 114.0, 46.1, -21.7], [0.00559, 0.3, 0.6, 1.0])
    assert chart._bounds() == pytest.approx((0.0, 1.0, -50.0, 200.0))
    chart.draw(screen)  # and it draws
    fixed = LineChart(pygame.Rect(0, 0, 600, 300), "Confidence", y_range=(0.0, 1.0))
    fixed.set("p", [0.33, 0.39])
    assert fixed._bounds()[2:] == (0.0, 1.0)


def test_a_counting_axis_gets_whole_number_ticks():
    from game.render.charts import whole_ticks

    assert whole_ticks(2, 2) == [2.0, 3.0]  # one round so far: still a whole-number axis
    assert whole_ticks(0, 12, 6) == [0.0, 3.0, 6.0, 9.0, 12.0]
    ticks = whole_ticks(1, 137, 6)
    assert all(t.is_integer() for t in ticks) and len(ticks) <= 6 and ticks[-1] >= 137


def _ink_in(screen: pygame.Surface, rect: pygame.Rect, color) -> bool:
    """Whether any pixel in `rect` has the colour `color` (a legend's text and swatch)."""
    arr = pygame.surfarray.pixels3d(screen)[rect.left : rect.right, rect.top : rect.bottom]
    return bool(np.any(np.all(arr == np.array(color[:3]), axis=-1)))


def test_a_legend_too_wide_for_the_title_row_gets_its_own_row_and_its_format():
    from game.render.charts import PAD_TOP

    pygame.display.init()
    screen = pygame.display.set_mode((1000, 400))
    colors = ((84, 120, 150), (250, 180, 40))
    for width, below in ((295, True), (900, False)):
        screen.fill((0, 0, 0))
        chart = LineChart(pygame.Rect(0, 0, width, 160), "Its odds", y_range=(0.0, 1.0),
                          colors=colors, value_format=lambda p: f"{100 * p:.0f}%")  # fmt: skip
        chart.set("each round", [0.2, 0.94], [1, 2])
        chart.set("10-round average", [0.2, 0.57], [1, 2])
        assert chart.legend_below() is below
        # The plot makes room for the legend's row.
        assert (chart.plot_rect().top > PAD_TOP + 16) is below
        assert chart.plot_rect().top >= PAD_TOP
        chart.draw(screen)
        title_row = pygame.Rect(110, 8, width - 120, 20)  # right of the title, its row
        below_title = pygame.Rect(0, 30, width, 40)  # the rows under the title
        assert _ink_in(screen, title_row, colors[1]) is not below
        assert _ink_in(screen, below_title, colors[1]) is below
