"""The RPS charts name their x axis: each point is a round (not a bare number under the axis)."""


def test_the_arena_chart_counts_rounds(app):
    scene = app.push("rps-arena", opponent="rock")
    assert scene.chart.x_label == "round"
    app.frame([], 1 / 60)  # draws with the label


def test_the_versus_charts_count_rounds(app):
    scene = app.push("rps-versus", a="markov", b="rotate", speed=1)
    assert scene.net_chart.x_label == scene.conf_chart.x_label == "round"
    app.frame([], 1 / 60)
