"""The expert: 3 clean laps everywhere, corrective steering from any pose; the eval loop."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from agents.driving.drivers import Driver, driver_names, make_driver, register_driver
from agents.driving.evaluate import EvalResult, compare_table, run_driver
from agents.driving.expert import (
    REFERENCE,
    TEACHER,
    ExpertDriver,
    Pursuit,
    expert_steering_from_pose,
)
from game.errors import UserFacingError
from game.sim.tracks_catalog import list_tracks, resolve_track
from game.sim.world import World

MAX_MEAN_OFFSET_M = 0.15


def assert_clean_laps(spec: str, pursuit: Pursuit = REFERENCE) -> None:
    result = run_driver(ExpertDriver(pursuit), resolve_track(spec), laps=3)
    assert result.laps_completed == 3, result
    assert result.interventions == 0, result
    assert result.autonomy_pct == 100.0
    assert result.mean_abs_offset_m < MAX_MEAN_OFFSET_M, result
    assert result.max_abs_offset_m < resolve_track(spec).lane_width / 2


@pytest.mark.parametrize("name", list_tracks())
def test_expert_drives_three_clean_laps_on_every_shipped_track(name):
    assert_clean_laps(name)


@pytest.mark.parametrize("name", list_tracks())
def test_the_teacher_drives_three_clean_laps_on_every_shipped_track(name):
    assert_clean_laps(name, TEACHER)


@pytest.mark.parametrize("seed", range(20))
def test_expert_drives_three_clean_laps_on_generated_tracks(seed):
    assert_clean_laps(f"gen:{seed * 7919}")


def displaced(track, s: float, right_m: float, yaw_right: float) -> tuple[float, float, float]:
    x, y, h = track.lane_center(s)
    return x + math.sin(h) * right_m, y - math.cos(h) * right_m, h - yaw_right


@pytest.mark.parametrize("track_name", ["oval", "spielberg"])
def test_expert_steers_back_towards_the_lane_centre(track_name):
    track = resolve_track(track_name)
    s = 100.0  # both tracks are straight here, so the sign comes from the error alone
    assert expert_steering_from_pose(track, *displaced(track, s, 0.0, 0.0), 12.0) == (
        pytest.approx(0.0, abs=0.05)
    )
    assert expert_steering_from_pose(track, *displaced(track, s, 1.2, 0.0), 12.0) < -0.05
    assert expert_steering_from_pose(track, *displaced(track, s, -1.2, 0.0), 12.0) > 0.05
    assert expert_steering_from_pose(track, *displaced(track, s, 0.0, 0.3), 12.0) < -0.05
    assert expert_steering_from_pose(track, *displaced(track, s, 0.0, -0.3), 12.0) > 0.05


def test_a_stiffer_expert_pulls_back_harder_and_agrees_on_the_lane_centre():
    track = resolve_track("oval")
    s = 100.0  # straight: the whole command is feedback
    on_centre = displaced(track, s, 0.0, 0.0)
    for pursuit in (Pursuit(feedback_gain=2.5), TEACHER):
        assert expert_steering_from_pose(track, *on_centre, 12.0, pursuit=pursuit) == (
            pytest.approx(expert_steering_from_pose(track, *on_centre, 12.0), abs=1e-9)
        )
    off = displaced(track, s, 0.3, 0.0)  # 30 cm right of the lane centre
    soft = expert_steering_from_pose(track, *off, 12.0)
    stiff = expert_steering_from_pose(track, *off, 12.0, pursuit=Pursuit(feedback_gain=2.5))
    assert soft < 0 and stiff == pytest.approx(2.5 * soft, rel=0.05)
    # A nearer pursuit point pulls back harder: the teacher's 3.2 m against the reference's
    # 8.2 m at 12 m/s, roughly (8.2 / 3.2)^2 times as hard for a small offset.
    near = expert_steering_from_pose(track, *off, 12.0, pursuit=TEACHER)
    assert near < 3.0 * soft


def offsets_in_bends(pursuit: Pursuit, track_name: str = "oval") -> np.ndarray:
    """Signed lane offsets (right +) of the centre of gravity in the left bends of lap 2."""
    track = resolve_track(track_name)
    out = []

    def on_step(world, steering, frame):
        i = int(world.metrics.s / track.length * track.n) % track.n
        if world.laps == 1 and track.curvature[i] > 0.005:
            out.append(world.metrics.offset)

    run_driver(ExpertDriver(pursuit), track, laps=2, on_step=on_step)
    return np.array(out)


def test_the_teacher_holds_its_centre_of_gravity_on_the_line_in_bends():
    """The reference keeps its rear axle on the lane centre: its centre of gravity runs
    outside in a bend (~b^2 / 2R). The teacher's (cg_on_line) runs on the lane centre."""
    reference = offsets_in_bends(Pursuit())
    teacher = offsets_in_bends(TEACHER)
    rear_axle_near = offsets_in_bends(replace(TEACHER, cg_on_line=False))
    assert reference.mean() > 0.02  # outside (right of) the oval's left bends
    assert rear_axle_near.mean() > 0.015  # a nearer pursuit point alone leaves it outside
    assert abs(teacher.mean()) < 0.25 * reference.mean()
    assert np.abs(teacher).mean() < 0.5 * np.abs(reference).mean()


@pytest.mark.parametrize(
    "right_m, yaw_right", [(1.4, 0.0), (-1.4, 0.0), (0.0, 0.35), (0.8, -0.25), (-0.8, 0.25)]
)
def test_expert_recovers_from_a_displaced_start(right_m, yaw_right):
    track = resolve_track("kidney")
    w = World(track, start_s=300.0, start_speed=12.0)
    w.car.place(*displaced(track, 300.0, right_m, yaw_right))
    driver = ExpertDriver()
    driver.reset(w)
    for _ in range(240):
        w.step(driver.steer(w, None))
    assert w.interventions == 0
    assert abs(w.metrics.offset) < 0.15
    assert abs(w.metrics.heading_error) < 0.05


def test_run_driver_stops_at_max_seconds_and_counts_interventions():
    class Hard(Driver):
        name = "hard-right"

        def steer(self, world, frame):
            return 1.0

    result = run_driver(Hard(), resolve_track("oval"), laps=3, max_seconds=20.0)
    assert result.elapsed_s == pytest.approx(20.0, abs=0.05)
    assert result.laps_completed == 0
    assert result.interventions > 0
    assert result.autonomy_pct < 100.0
    assert result.mean_inference_ms is None
    # The JSON object has exactly the world's keys, in the order `evaluate --json` prints them.
    assert list(result.to_json()) == [
        "track", "laps_completed", "elapsed_s", "interventions", "autonomy_pct",
        "mean_abs_offset_m", "max_abs_offset_m",
    ]  # fmt: skip


def test_run_driver_gives_camera_drivers_frames_and_reports_inference_time():
    seen = []

    class Looker(Driver):
        name = "looker"
        needs_camera = True
        mean_inference_ms = 1.5

        def steer(self, world, frame):
            seen.append(frame)
            return 0.0

    steps = []
    result = run_driver(
        Looker(),
        resolve_track("oval"),
        laps=1,
        max_seconds=0.25,
        on_step=lambda w, s, f: steps.append(s),
    )
    assert len(seen) == len(steps) == 15
    assert seen[0].shape == (160, 320, 3) and seen[0].dtype == np.uint8
    assert result.mean_inference_ms == 1.5
    assert list(result.to_json())[-1] == "mean_inference_ms"
    assert result.to_json()["mean_inference_ms"] == 1.5


def test_compare_row_json_puts_the_table_columns_first():
    from agents.driving.compare import COLUMNS, CompareRow

    result = EvalResult("Oval", 1, 61.1, 0, 100.0, 0.015, 0.077, mean_inference_ms=2.5)
    row = CompareRow("pilotnet", result).to_json()
    assert list(row) == list(COLUMNS)
    assert row["driver"] == "pilotnet" and row["mean_inference_ms"] == 2.5
    no_network = CompareRow("expert", replace(result, mean_inference_ms=None))
    assert "mean_inference_ms" not in no_network.to_json()


def test_driver_registry():
    assert "expert" in driver_names()
    assert isinstance(make_driver("Expert"), ExpertDriver)
    with pytest.raises(UserFacingError, match="unknown driver 'nope'.*expert"):
        make_driver("nope")
    with pytest.raises(UserFacingError, match="does not take model_path"):
        make_driver("expert", model_path="x.h5")

    class Scripted(Driver):
        name = "scripted"

        def __init__(self, value: float = 0.0):
            self.value = value

        def steer(self, world, frame):
            return self.value

    register_driver("scripted-test", Scripted)
    assert make_driver("scripted-test", value=0.5).value == 0.5


def test_compare_table_lines_up_rows_with_missing_values():
    table = compare_table(
        [
            {"driver": "expert", "autonomy_pct": 100.0},
            {"driver": "cnn", "autonomy_pct": 91.234, "mean_inference_ms": 1.2},
        ]
    )
    lines = table.splitlines()
    assert lines[0].split("|")[1:-1] == [" driver ", " autonomy_pct ", " mean_inference_ms "]
    assert len({len(line) for line in lines}) == 1
    assert "91.234" in lines[3] and "-" in lines[2].split("|")[3]
