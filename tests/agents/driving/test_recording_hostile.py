"""Hostile session folders: bad frame images, bad meta.json, one broken session among many."""

from __future__ import annotations

import argparse
import json
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from agents.driving.recording_log import META_NAME
from agents.driving.recording_reader import check_png_header, list_sessions, load_session
from agents.driving.recording_writer import Recorder
from cli.record import run_sessions
from game.errors import UserFacingError
from game.sim.trackgen import generate_track
from game.sim.world import World

ROWS = 12


@pytest.fixture(scope="module")
def track():
    return generate_track(7)


def _record(folder: Path, track) -> Path:
    """A session of ROWS 160x320 frames (log lines 2..ROWS+1, frames/000000.png ...)."""
    world = World(track, start_speed=12.0)
    with Recorder(folder, None, track.name, "day") as rec:
        for _ in range(100 * ROWS):  # bounded: a recorder that stops writing fails, not hangs
            if rec.frame_count >= ROWS:
                break
            if rec.wants_frame(world):
                rec.update(world, np.full((160, 320, 3), rec.frame_count, np.uint8), 0.1)
            world.step(0.0)
        assert rec.frame_count == ROWS
    return folder


def _png_header(width: int, height: int) -> bytes:
    """Signature and IHDR of an 8-bit RGB PNG, with a correct checksum, and no pixels."""
    ihdr = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr))


def _edit_meta(folder: Path, **changes) -> None:
    path = folder / META_NAME
    meta = json.loads(path.read_text())
    meta.update(changes)
    path.write_text(json.dumps(meta))


# --- frame images -----------------------------------------------------------------------------


def test_bad_frame_images_are_skipped_and_reported(tmp_path, track):
    folder = _record(tmp_path / "s", track)
    frames = folder / "frames"
    outside = tmp_path / "outside.png"
    Image.new("RGB", (320, 160)).save(outside)  # a perfectly good frame, but not the session's
    (frames / "000001.png").write_bytes(b"junk, not an image at all")
    (frames / "000002.png").write_bytes(b"")
    Image.new("RGB", (10, 10)).save(frames / "000003.png")
    (frames / "000004.png").write_bytes(_png_header(8000, 8000) + b"\0" * 100)
    (frames / "000005.png").unlink()
    (frames / "000005.png").mkdir()  # a folder named like a frame
    (frames / "000006.png").unlink()
    (frames / "000006.png").symlink_to(outside)
    (frames / "000007.png").unlink()
    (frames / "000007.png").symlink_to(frames / "000000.png")  # inside, but links are refused
    (frames / "000008.png").write_bytes((frames / "000008.png").read_bytes()[:20])
    damaged = bytearray((frames / "000009.png").read_bytes())
    damaged[18] ^= 1  # the width, so the header's checksum no longer matches
    (frames / "000009.png").write_bytes(bytes(damaged))

    s = load_session(folder)
    kept = [p.name for p in s.frames]
    assert kept == ["000000.png", "000010.png", "000011.png"]
    assert s.skipped == 9 and len(s.problems) == 9
    expected = {
        3: "frame frames/000001.png: not a PNG image",
        4: "frame frames/000002.png: empty file",
        5: "frame frames/000003.png: image is 10x10 pixels, the session's frames are 320x160",
        6: "frame frames/000004.png: image is 8000x8000 pixels",
        7: "frame frames/000005.png: is a folder, not an image",
        8: "frame frames/000006.png: is a symbolic link (links are not followed)",
        9: "frame frames/000007.png: is a symbolic link",
        10: "frame frames/000008.png: truncated or damaged PNG header",
        11: "frame frames/000009.png: damaged PNG header (checksum mismatch)",
    }
    for problem, (line, words) in zip(s.problems, sorted(expected.items()), strict=True):
        assert problem.startswith(f"log.csv line {line}: ") and words in problem
    assert len(s.columns["steering"]) == 3
    summary = list_sessions(tmp_path)[0]
    assert summary.frames == 3 and summary.skipped == 9


def test_a_linked_frames_folder_is_not_followed(tmp_path, track):
    folder = _record(tmp_path / "s", track)
    elsewhere = tmp_path / "elsewhere"
    (folder / "frames").rename(elsewhere)
    (folder / "frames").symlink_to(elsewhere, target_is_directory=True)
    s = load_session(folder)
    assert len(s) == 0 and s.skipped == ROWS
    assert "the frames folder is a symbolic link" in s.problems[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_named_like_a_frame_is_skipped_without_blocking(tmp_path, track):
    folder = _record(tmp_path / "s", track)
    (folder / "frames" / "000003.png").unlink()
    os.mkfifo(folder / "frames" / "000003.png")
    s = load_session(folder)
    assert len(s) == ROWS - 1 and "000003.png: is not a regular file" in s.problems[0]


def test_png_header_check_accepts_real_frames_and_reads_only_the_header(tmp_path):
    good = tmp_path / "good.png"
    Image.new("RGB", (320, 160)).save(good)
    assert check_png_header(good, 320, 160) is None
    assert "160x320" in check_png_header(good, 160, 320)  # width first, as PNG stores it
    for mode in ("L", "P", "RGBA"):
        Image.new(mode, (320, 160)).save(good)
        assert check_png_header(good, 320, 160) is None, mode
    # A header that claims a huge image costs nothing: no decoder ever sees the file.
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header(60_000, 60_000))
    assert "60000x60000" in check_png_header(bomb, 320, 160)


# --- meta.json --------------------------------------------------------------------------------


def test_deeply_nested_meta_is_an_error_and_does_not_abort_the_listing(tmp_path, track, capsys):
    good = _record(tmp_path / "a_good", track)
    bad = _record(tmp_path / "b_bad", track)
    (bad / META_NAME).write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(UserFacingError, match=r"b_bad.meta\.json: JSON nested too deeply"):
        load_session(bad)

    first, second = list_sessions(tmp_path)
    assert first.path == good and first.frames == ROWS and first.error is None
    assert second.path == bad and second.frames == 0 and "nested too deeply" in second.error

    assert run_sessions(argparse.Namespace(root=str(tmp_path))) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{good}  {ROWS} frames")
    assert out[1].startswith(f"{bad}  unreadable: ") and "nested too deeply" in out[1]


@pytest.mark.parametrize(
    "changes, field_name",
    [
        ({"camera": "x"}, "'camera'"),
        ({"camera": [160, 320]}, "'camera'"),
        ({"camera": {"height_px": "tall"}}, "'camera.height_px'"),
        ({"camera": {"width_px": 1e9}}, "'camera.width_px'"),
        ({"camera": {"height_px": 0}}, "'camera.height_px'"),
        ({"camera": {"height_px": 160.5}}, "'camera.height_px'"),
        ({"camera": {"width_px": True}}, "'camera.width_px'"),
    ],
)
def test_meta_fields_training_needs_are_errors_naming_file_and_field(
    tmp_path, track, changes, field_name
):
    folder = _record(tmp_path / "s", track)
    _edit_meta(folder, **changes)
    with pytest.raises(UserFacingError) as e:
        load_session(folder)
    msg = str(e.value)
    assert str(folder / META_NAME) in msg and field_name in msg and "\n" not in msg
    summary = list_sessions(tmp_path)[0]
    assert summary.error == msg  # listed with its problem, not raised


def test_meta_not_an_object_is_an_error(tmp_path, track):
    folder = _record(tmp_path / "s", track)
    (folder / META_NAME).write_text("[1, 2]")
    with pytest.raises(UserFacingError, match="meta.json must hold a JSON object"):
        load_session(folder)


def test_informational_meta_fields_become_warnings_and_the_rows_stay(tmp_path, track, capsys):
    folder = _record(tmp_path / "s", track)
    _edit_meta(
        folder,
        rate_hz="fast",
        look=5,
        track=["x"],
        format="one",
        created=None,
        app_version={"v": 1},
        camera={"height_px": 160.0, "width_px": 320, "hfov_deg": "wide", "future_knob": 1},
    )
    s = load_session(folder)
    assert len(s) == ROWS and s.skipped == 0  # warnings are not skipped rows
    assert s.info.rate_hz == 20.0 and s.meta["rate_hz"] == 20.0
    assert s.info.look == "" and s.info.track == "" and s.info.format == 1
    assert s.info.frame_height == 160 and s.meta["camera"]["height_px"] == 160
    assert "hfov_deg" not in s.meta["camera"] and s.meta["camera"]["future_knob"] == 1
    joined = "\n".join(s.problems)
    for name in ("'rate_hz'", "'look'", "'track'", "'format'", "'app_version'", "camera.hfov_deg"):
        assert name in joined
    assert "'created'" not in joined  # null reads as empty, without a fuss
    assert all(p.startswith("meta.json: ") for p in s.problems)
    # Rows fall back to the columns the log has; the meta look is only a default.
    assert set(s.columns["look"]) == {"day"}

    (summary,) = list_sessions(tmp_path)
    assert summary.frames == ROWS and summary.problems == s.problems
    run_sessions(argparse.Namespace(root=str(tmp_path)))
    out = capsys.readouterr().out
    assert "meta.json: field 'rate_hz' must be" in out and "... and 3 more" in out


def test_a_newer_format_is_read_with_a_warning(tmp_path, track):
    folder = _record(tmp_path / "s", track)
    _edit_meta(folder, format=99)
    s = load_session(folder)
    assert len(s) == ROWS and "format 99 is newer" in s.problems[0]


def test_recorded_meta_reads_back_without_warnings(tmp_path, track):
    s = load_session(_record(tmp_path / "s", track))
    assert s.problems == [] and s.info.rate_hz == 20.0 and s.info.look == "day"
    assert (s.info.frame_width, s.info.frame_height) == (320, 160)
    assert s.meta["track"] == track.name and s.meta["camera"] == {}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("name", [META_NAME, "log.csv"])
def test_a_pipe_instead_of_a_session_file_is_an_error_not_a_hang(tmp_path, track, name):
    folder = _record(tmp_path / "s", track)
    (folder / name).unlink()
    os.mkfifo(folder / name)
    with pytest.raises(UserFacingError, match=f"{name}: not a regular file"):
        load_session(folder)
