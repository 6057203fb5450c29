"""Importing and exporting foreign driving data: Udacity folders and Donkey tubs.

Round trips (a session written in each format and read back), every bad-input case, the
camera mapping, soft-deleted Donkey records, and streaming in bounded memory.
"""

from __future__ import annotations

import io
import json
import shutil
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from agents.driving.formats import donkey, udacity
from agents.driving.formats.common import (
    MPH_TO_MS,
    CameraMap,
    imported_origin,
    map_image,
    parse_box,
)
from agents.driving.formats.importer import ImportOptions, detect_format, import_dataset
from agents.driving.recording_reader import load_session
from game.errors import UserFacingError
from tests.agents.driving.tiny_session import make_tiny_session

ROAD = slice(56, 150)  # the dashcam rows a model sees


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    return make_tiny_session(tmp_path_factory.mktemp("rec") / "tiny", rate_hz=0.5)


def pixels(path) -> np.ndarray:
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB")).astype(int)


def assert_jpeg_close(a: np.ndarray, b: np.ndarray) -> None:
    """Equal but for JPEG's losses (quality 95): small on average, rare larger edge errors.
    Measured on these frames: mean <= 3.9; the same frames one row apart differ by >= 6.5."""
    diff = np.abs(a - b)
    assert diff.mean() < 5.0, diff.mean()
    assert np.percentile(diff, 99) < 40, np.percentile(diff, 99)


def driven_rows(s) -> list[int]:
    return [i for i, src in enumerate(s.columns["source"]) if src != "recovery"]


# --- round trips ---------------------------------------------------------------------------------


def test_udacity_round_trip_gives_the_same_frames_and_labels(session, tmp_path):
    original = load_session(session)
    rows = udacity.export_session(session, tmp_path / "uda")
    driven = driven_rows(original)
    assert rows == len(driven)
    result = import_dataset(tmp_path / "uda", ImportOptions(out=tmp_path / "back"))
    assert result.frames == rows and result.problems == []
    back = load_session(tmp_path / "back")
    assert len(back) == rows
    for k, i in enumerate(driven):
        assert_jpeg_close(pixels(original.frames[i]), pixels(back.frames[k]))
    cols, b = original.columns, back.columns
    np.testing.assert_allclose(b["steering"], cols["steering"][driven], atol=1e-6)
    np.testing.assert_allclose(b["throttle"], cols["throttle"][driven], atol=1e-6)
    np.testing.assert_allclose(b["speed"], cols["speed"][driven], atol=1e-4)
    assert set(b["source"]) == {"human"} and set(b["look"]) == {"imported"}
    origin = imported_origin(tmp_path / "back")
    assert origin["format"] == "udacity" and origin["frames"] == rows
    assert origin["side_cameras"] is False


def test_udacity_side_cameras_are_labelled_with_the_correction(session, tmp_path):
    udacity.export_session(session, tmp_path / "uda", header=True, relative=True)
    opts = ImportOptions(out=tmp_path / "back", side_correction=0.25)
    result = import_dataset(tmp_path / "uda", opts)
    back = load_session(tmp_path / "back")
    src, steer = back.columns["source"], back.columns["steering"]
    assert result.side_frames == int((src == "recovery").sum()) > 0
    # Rows come as center, [left], [right]; a left camera steers back right (+), a right one left.
    log = list(
        __import__("csv").reader(open(tmp_path / "uda" / udacity.LOG_NAME, encoding="utf-8"))
    )[1:]
    k = 0
    for row in log:
        center = steer[k]
        k += 1
        for cell, sign in ((row[1], 1.0), (row[2], -1.0)):
            if cell:
                assert src[k] == "recovery"
                assert steer[k] == pytest.approx(np.clip(center + sign * 0.25, -1, 1), abs=1e-6)
                k += 1
    assert k == len(back)
    assert imported_origin(tmp_path / "back")["side_steering_correction"] == 0.25


def test_donkey_round_trip_at_full_width_gives_the_same_road_and_labels(session, tmp_path):
    original = load_session(session)
    n = donkey.export_session(session, tmp_path / "tub", image_size=(320, 94))
    assert n == len(original)
    result = import_dataset(tmp_path / "tub", ImportOptions(out=tmp_path / "back"))
    assert result.frames == n and result.problems == []
    back = load_session(tmp_path / "back")
    for i in range(n):
        assert_jpeg_close(pixels(original.frames[i])[ROAD], pixels(back.frames[i])[ROAD])
    np.testing.assert_allclose(back.columns["steering"], original.columns["steering"], atol=1e-6)
    np.testing.assert_allclose(back.columns["throttle"], original.columns["throttle"], atol=1e-6)
    assert imported_origin(tmp_path / "back")["speed"] is False  # Donkey logs no speed


def test_donkey_default_160x120_keeps_labels_and_the_road_within_resize_loss(session, tmp_path):
    original = load_session(session)
    donkey.export_session(session, tmp_path / "tub")
    with Image.open(next((tmp_path / "tub" / "images").iterdir())) as img:
        assert img.size == (160, 120)
    import_dataset(tmp_path / "tub", ImportOptions(out=tmp_path / "back"))
    back = load_session(tmp_path / "back")
    diffs = [
        np.abs(pixels(a)[ROAD] - pixels(b)[ROAD]).mean()
        for a, b in zip(original.frames, back.frames, strict=True)
    ]
    assert max(diffs) < 10.0
    np.testing.assert_allclose(back.columns["steering"], original.columns["steering"], atol=1e-6)


def test_donkey_soft_deleted_records_are_left_out(session, tmp_path):
    original = load_session(session)
    gone = {0, 3, 4, 10}
    donkey.export_session(session, tmp_path / "tub", deleted=gone)
    result = import_dataset(tmp_path / "tub", ImportOptions(out=tmp_path / "back"))
    assert result.deleted == len(gone) and result.problems == []
    back = load_session(tmp_path / "back")
    kept = [i for i in range(len(original)) if i not in gone]
    np.testing.assert_allclose(back.columns["steering"], original.columns["steering"][kept])
    assert imported_origin(tmp_path / "back")["deleted_in_source"] == len(gone)


# --- the camera mapping -----------------------------------------------------------------------


def test_the_crop_box_lands_on_the_road_window():
    img = np.zeros((240, 400, 3), np.uint8)
    img[:] = (0, 0, 255)  # blue around the box
    img[100:200, 50:350] = (255, 0, 0)  # the box: red
    frame = map_image(Image.fromarray(img), CameraMap((50, 100, 350, 200)))
    assert frame.shape == (160, 320, 3)
    assert (frame[58:148, 2:318] == (255, 0, 0)).all()  # inside the road window: the box
    assert (frame[10:50, 5:315] == (0, 0, 255)).all()  # above it: the image above the box
    # 100 source rows above the box at 100/94 rows per frame row reach up past frame row 0;
    # below, 40 source rows fill 37.6 frame rows of the 10 (all image, no black).
    assert (frame[152:, 5:315] == (0, 0, 255)).all()


def test_outside_the_foreign_image_is_black_and_identity_is_exact():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (160, 320, 3), dtype=np.uint8)
    same = map_image(Image.fromarray(img), udacity.default_camera())
    assert (same == img).all()  # a 320x160 Udacity image is the frame unchanged
    whole = map_image(Image.fromarray(img[:120, :160]), donkey.default_camera())
    assert (whole[:50] == 0).all() and (whole[155:] == 0).all()  # sky and bonnet rows: black
    assert whole[60:145].mean() > 50


@pytest.mark.parametrize("text", ["1,2,3", "a,b,c,d", "10,0,5,20", "0,0,10,nan"])
def test_a_bad_crop_box_is_one_clear_error(text):
    with pytest.raises(UserFacingError, match="--crop"):
        parse_box(text)


# --- bad input: Udacity ------------------------------------------------------------------------


def jpeg_bytes(colour=(90, 90, 90), size=(320, 160)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def make_udacity(folder: Path, header: bool) -> dict[str, int]:
    """A hostile driving_log.csv; returns the line number of each case."""
    img = folder / "IMG"
    img.mkdir(parents=True)
    good = jpeg_bytes()
    for name in ("a.jpg", "b.jpg", "c.jpg", "d.jpg", "l.jpg", "r.jpg"):
        (img / name).write_bytes(good)
    (img / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg" * 4)
    (img / "torn.jpg").write_bytes(good[: len(good) // 2])
    rows = [
        (
            "windows",
            r"C:\Users\me\Desktop\data\IMG\a.jpg, C:\Users\me\IMG\l.jpg, , 0.25, 0.5, 0, 20",
        ),
        ("relative", "IMG/b.jpg,,,-0.5,0,0.3,10"),
        ("absolute", f"{(img / 'c.jpg').resolve()},,,0.1,0.2,0,0"),
        ("unix_elsewhere", "/home/other/sim/IMG/d.jpg,,,0,1,0,30.5"),
        ("missing", "IMG/nothere.jpg,,,0.1,0,0,5"),
        ("corrupt", "IMG/corrupt.jpg,,,0.1,0,0,5"),
        ("torn_jpeg", "IMG/torn.jpg,,,0.1,0,0,5"),
        ("text_steering", "IMG/a.jpg,,,left,0,0,5"),
        ("nan_steering", "IMG/a.jpg,,,nan,0,0,5"),
        ("short", "IMG/a.jpg,,"),
        ("bad_speed", "IMG/a.jpg,,,0.1,0,0,fast"),
        ("stray_quote", '"IMG/a.jpg,,,0.4,0,0,5'),  # would swallow the next line in plain CSV
        ("after_quote", "IMG/a.jpg,,,0.7,0,0,5"),
        ("nul", "IMG/a.jpg,,,0\x00.2,0,0,5"),
    ]
    lines = ["center,left,right,steering,throttle,brake,speed"] if header else []
    where = {}
    for key, text in rows:
        lines.append(text)
        where[key] = len(lines)
    (folder / "driving_log.csv").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return where


@pytest.mark.parametrize("header", [True, False])
def test_udacity_bad_rows_get_a_line_each_and_good_rows_are_kept(tmp_path, header):
    where = make_udacity(tmp_path / "uda", header)
    result = import_dataset(tmp_path / "uda", ImportOptions(out=tmp_path / "back"))
    # windows, relative, absolute and elsewhere-absolute paths, and the row after a stray quote
    assert result.frames == 5
    problems = result.problems
    assert len(problems) == 9
    expect = {
        "missing": "missing image",
        "corrupt": "not a readable image",
        "torn_jpeg": "not a readable image",
        "text_steering": "steering 'left' is not a number",
        "nan_steering": "steering 'nan' is not a number",
        "short": "expected at least 4 fields",
        "bad_speed": "speed 'fast' is not a number",
        "stray_quote": "expected at least 4 fields",
        "nul": "is not a number",
    }
    for key, text in expect.items():
        line = f"driving_log.csv line {where[key]}"
        assert any(p.startswith(line) and text in p for p in problems), (key, problems)
    back = load_session(tmp_path / "back")
    np.testing.assert_allclose(back.columns["steering"], [0.25, -0.5, 0.1, 0.0, 0.7], atol=1e-6)
    np.testing.assert_allclose(back.columns["throttle"], [0.5, -0.3, 0.2, 1.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(
        back.columns["speed"], np.array([20, 10, 0, 30.5, 5]) * MPH_TO_MS, atol=1e-4
    )


def test_udacity_side_camera_cells_with_windows_paths_resolve_under_img(tmp_path):
    make_udacity(tmp_path / "uda", header=False)
    opts = ImportOptions(out=tmp_path / "back", side_correction=0.2)
    result = import_dataset(tmp_path / "uda", opts)
    assert result.side_frames == 1  # the one row with a left camera (its right cell is blank)
    back = load_session(tmp_path / "back")
    assert back.columns["steering"][1] == pytest.approx(0.45)


def test_a_folder_of_neither_format_is_one_clear_error(tmp_path):
    with pytest.raises(UserFacingError, match="neither a Udacity folder"):
        detect_format(tmp_path)
    with pytest.raises(UserFacingError, match="no such file"):
        detect_format(tmp_path / "nope")


def test_an_import_never_writes_into_a_folder_that_has_files(session, tmp_path):
    udacity.export_session(session, tmp_path / "uda")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "mine.txt").write_text("keep")
    with pytest.raises(UserFacingError, match="not empty"):
        import_dataset(tmp_path / "uda", ImportOptions(out=tmp_path / "taken"))
    assert (tmp_path / "taken" / "mine.txt").read_text() == "keep"


# --- bad input: Donkey -------------------------------------------------------------------------


def record(i: int, angle=0.1, image=None, **extra) -> str:
    rec = {
        "_index": i, "_session_id": "s", "_timestamp_ms": 1000 + 50 * i,
        "cam/image_array": image or f"{i}_cam_image_array_.jpg", "user/angle": angle,
        "user/throttle": 0.3, "user/mode": "user", **extra,
    }  # fmt: skip
    return json.dumps(rec)


def make_tub(folder: Path, lines: list[str], deleted=(), manifest=True) -> None:
    (folder / "images").mkdir(parents=True)
    good = jpeg_bytes(size=(160, 120))
    for i in range(len(lines)):
        (folder / "images" / f"{i}_cam_image_array_.jpg").write_bytes(good)
    (folder / "catalog_0.catalog").write_text("\r\n".join(lines), encoding="utf-8", newline="")
    if manifest:
        info = {"paths": ["catalog_0.catalog"], "current_index": len(lines), "max_len": 1000,
                "deleted_indexes": list(deleted)}  # fmt: skip
        parts = [["cam/image_array"], ["image_array"], {}, {}, info]
        text = "".join(json.dumps(p) + "\r\n" for p in parts)
        (folder / "manifest.json").write_text(text, encoding="utf-8", newline="")


def test_donkey_bad_records_get_a_line_each_and_good_ones_are_kept(tmp_path):
    tub = tmp_path / "tub"
    lines = [
        record(0, 0.1),
        record(1, "hard left"),  # non-numeric angle
        "[1, 2, 3]",  # not an object
        record(3, 0.2, image="gone.jpg"),  # missing image
        record(4, 0.3),  # its image is made corrupt below
        record(5, -0.4),
        record(6, 0.5),  # soft-deleted
        record(7, 0.6)[:40],  # torn last line (no newline: a killed writer)
    ]
    make_tub(tub, lines, deleted=[6])
    (tub / "images" / "4_cam_image_array_.jpg").write_bytes(b"garbage")
    result = import_dataset(tub, ImportOptions(out=tmp_path / "back"))
    assert result.frames == 2 and result.deleted == 1
    expect = {
        2: "user/angle 'hard left' is not a number",
        3: "not a JSON object",
        4: "gone.jpg: missing image",
        5: "not a readable image",
        8: "not a JSON record",
    }
    assert len(result.problems) == len(expect)
    for lineno, text in expect.items():
        assert any(
            p.startswith(f"catalog_0.catalog line {lineno}") and text in p for p in result.problems
        ), (lineno, result.problems)
    back = load_session(tmp_path / "back")
    np.testing.assert_allclose(back.columns["steering"], [0.1, -0.4], atol=1e-6)
    np.testing.assert_allclose(back.columns["t"], [0.0, 0.25], atol=1e-4)  # from _timestamp_ms


def test_donkey_without_a_manifest_reads_its_catalogs_and_says_so(tmp_path):
    tub = tmp_path / "tub"
    make_tub(tub, [record(0), record(1)], manifest=False)
    assert detect_format(tub) == "donkey"
    result = import_dataset(tub, ImportOptions(out=tmp_path / "back"))
    assert result.frames == 2
    assert len(result.problems) == 1 and result.problems[0].startswith("manifest.json: missing")


def test_a_catalog_the_manifest_names_but_is_gone_is_one_line(tmp_path):
    tub = tmp_path / "tub"
    make_tub(tub, [record(0), record(1)])
    text = (
        (tub / "manifest.json")
        .read_text()
        .replace('["catalog_0.catalog"]', '["catalog_0.catalog", "catalog_1.catalog"]')
    )
    (tub / "manifest.json").write_text(text)
    result = import_dataset(tub, ImportOptions(out=tmp_path / "back"))
    assert result.frames == 2
    assert result.problems == ["catalog_1.catalog: missing catalog named in manifest.json"]


def test_side_cameras_are_refused_for_a_tub(tmp_path):
    make_tub(tmp_path / "tub", [record(0)])
    with pytest.raises(UserFacingError, match="side-cameras"):
        import_dataset(tmp_path / "tub", ImportOptions(side_correction=0.2))


# --- streaming ---------------------------------------------------------------------------------


def peak_bytes_importing(tmp_path: Path, n: int) -> int:
    tub = tmp_path / f"tub{n}"
    make_tub(tub, [record(i, angle=(i % 21 - 10) / 10) for i in range(n)])
    tracemalloc.start()
    try:
        result = import_dataset(tub, ImportOptions(out=tmp_path / f"back{n}"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.frames == n
    shutil.rmtree(tub)
    return peak


def test_import_streams_in_bounded_memory(tmp_path):
    small, large = peak_bytes_importing(tmp_path, 50), peak_bytes_importing(tmp_path, 250)
    # Five times the records: the peak may not grow with them (a list of rows would add
    # ~200 bytes per record, a kept frame 150 kB).
    assert large < small + 256 * 1024, (small, large)


# --- training on imported sessions ---------------------------------------------------------------


def test_imported_sessions_train_like_recorded_ones_and_say_where_they_came_from(session, tmp_path):
    from agents.driving.dataset import load_frames, make_pipelines
    from agents.driving.preprocess import spec_for
    from agents.driving.recovery_views import is_person_session

    donkey.export_session(session, tmp_path / "tub")
    udacity.export_session(session, tmp_path / "uda")
    tub = import_dataset(tmp_path / "tub", ImportOptions(out=tmp_path / "d")).out_dir
    uda = import_dataset(tmp_path / "uda", ImportOptions(out=tmp_path / "u")).out_dir
    spec = spec_for("pilotnet")
    table = load_frames([tub, uda, session], spec)
    origins = [s["origin"] for s in table.sessions]
    assert origins[0] == f"donkey import of {(tmp_path / 'tub').resolve()}"
    assert origins[1] == f"udacity import of {(tmp_path / 'uda').resolve()}"
    assert origins[2] == "recorded"
    n_tub = table.sessions[0]["frames"]
    assert np.isnan(table.speed[:n_tub]).all()  # a tub has no speed: no label, not 0 m/s
    assert np.isfinite(table.speed[n_tub:]).all()
    assert not is_person_session(uda)  # no poses to render recovery views from

    only_tub = load_frames([tub], spec)
    with pytest.raises(UserFacingError, match="no speed column"):
        make_pipelines(only_tub, spec, outputs=2)  # a new speed model needs speeds
    data = make_pipelines(only_tub, spec, outputs=2, require_speed=False)  # a speed model's
    _, labels, _ = next(iter(data.train))  # fine-tune: the speed labels stay NaN
    assert labels.shape[1] == 2 and np.isnan(labels.numpy()[:, 1]).all()


def test_a_nan_speed_label_adds_no_loss_and_no_gradient():
    import tensorflow as tf

    from agents.driving.models import SPEED_LOSS_WEIGHT, command_loss

    loss = command_loss()
    y_true = tf.constant([[0.1, np.nan], [0.2, 0.5]])
    y_pred = tf.Variable([[0.0, 0.3], [0.2, 0.4]])
    with tf.GradientTape() as tape:
        value = loss(y_true, y_pred)
    np.testing.assert_allclose(value.numpy(), [0.01 / 2, SPEED_LOSS_WEIGHT * 0.01 / 2], rtol=1e-5)
    grad = tape.gradient(value, y_pred).numpy()
    assert np.isfinite(grad).all() and grad[0, 1] == 0.0 and grad[1, 1] != 0.0
