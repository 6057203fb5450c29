"""game.fileio: every hostile JSON file becomes one line naming the file; names are claimed
create-exclusive; a broken file is set aside, never replaced; only regular files are read;
an .npz is checked against its declared sizes before anything is decompressed."""

from __future__ import annotations

import errno
import io
import math
import os
import zipfile

import numpy as np
import pytest

from game.errors import UserFacingError
from game.fileio import (
    ArraySpec,
    atomic_write_text,
    broken_copies,
    check_npz,
    claim_dir,
    claim_file,
    open_regular,
    read_json_file,
    set_aside,
)
from tests.fifo import FifoRescuer, needs_fifo


def error_for(path, **kwargs) -> str:
    with pytest.raises(UserFacingError) as info:
        read_json_file(path, what="track file", **kwargs)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    return message


def test_reads_good_json_with_a_byte_order_mark(tmp_path):
    p = tmp_path / "ok.json"
    p.write_bytes(b'\xef\xbb\xbf{"a": [1, 2]}')
    assert read_json_file(p) == {"a": [1, 2]}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{\n"a": 1,\n}', ":3: not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8 at byte 0"),
        (b"", ":1: not valid JSON"),
    ],
)
def test_hostile_contents(tmp_path, content, expected):
    p = tmp_path / "bad.json"
    p.write_bytes(content)
    assert expected in error_for(p)


def test_size_cap_folder_and_missing(tmp_path):
    big = tmp_path / "big.json"
    big.write_text("[" + "0," * 1000 + "0]")
    assert "too large for a track file" in error_for(big, max_bytes=1000)
    assert "is a folder" in error_for(tmp_path)
    assert "No such file" in error_for(tmp_path / "missing.json")


@needs_fifo
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with FifoRescuer(fifo) as rescuer:
        assert "not a regular file" in error_for(fifo)  # would block forever if opened
        with pytest.raises(UserFacingError, match="not a regular file"):
            open_regular(fifo)
    assert not rescuer.rescued


def test_a_link_to_a_device_is_refused(tmp_path):
    if not os.path.exists(os.devnull) or not hasattr(os, "symlink"):
        pytest.skip("no device to link to")
    link = tmp_path / "zero.json"
    link.symlink_to(os.devnull)
    assert "not a regular file" in error_for(link)


# --- claiming names ---------------------------------------------------------------------------


def test_claims_number_taken_names(tmp_path):
    assert claim_dir(tmp_path / "20261206-025500_Oval") == tmp_path / "20261206-025500_Oval"
    assert claim_dir(tmp_path / "20261206-025500_Oval").name == "20261206-025500_Oval-2"
    assert claim_file(tmp_path / "menu.png").name == "menu.png"
    assert claim_file(tmp_path / "menu.png").name == "menu-2.png"
    assert (tmp_path / "menu-2.png").read_bytes() == b""  # made, so taken, at once
    taken = claim_file(tmp_path / "menu.png", taken=lambda p: p.name == "menu-3.png")
    assert taken.name == "menu-4.png"


# --- setting a broken file aside ------------------------------------------------------------


def test_set_aside_numbers_copies_and_keeps_the_last_few(tmp_path):
    path = tmp_path / "leaderboard.json"
    for i in range(1, 8):
        path.write_text(f"broken {i}")
        assert set_aside(path) == tmp_path / f"leaderboard.json.broken-{i}"
        assert not path.exists()
    kept = broken_copies(path)
    assert [p.name for p in kept] == [f"leaderboard.json.broken-{i}" for i in range(3, 8)]
    assert [p.read_text() for p in kept] == [f"broken {i}" for i in range(3, 8)]
    assert set_aside(path) is None  # nothing to set aside


# --- checking an .npz before loading it -------------------------------------------------------


SPECS = {"t": ArraySpec("f", 1000), "name": ArraySpec("U", 1, 20)}


def test_check_npz_takes_a_good_file_and_names_what_is_wrong(tmp_path):
    good = tmp_path / "good.npz"
    np.savez(good, t=np.zeros(10, np.float32), name=np.array("Oval"))
    check_npz(good, SPECS)
    cases = {
        "too large": {"t": np.zeros(1001, np.float32)},
        "wrong type": {"t": np.zeros(3, np.complex64)},
        "unexpected array": {"u": np.zeros(3)},
        "too large for": {"name": np.array("x" * 21)},
    }
    for expected, arrays in cases.items():
        bad = tmp_path / "bad.npz"
        np.savez(bad, **arrays)
        with pytest.raises(UserFacingError, match=expected):
            check_npz(bad, SPECS)
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(UserFacingError, match="damaged"):
        check_npz(tmp_path / "junk.npz", SPECS)


def test_check_npz_refuses_a_member_whose_size_differs_from_its_header(tmp_path):
    # A header saying 10 floats in front of 10 MB of data: np.load would read only the 10,
    # but a lying member is not ours.
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (10,)}
    )
    path = tmp_path / "liar.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("t.npy", b"\x93NUMPY\x01\x00" + header.getvalue()[8:] + bytes(10_000_000))
    with pytest.raises(UserFacingError, match="not the size it declares"):
        check_npz(path, SPECS)


# --- atomic writes --------------------------------------------------------------------------


def test_a_failed_write_names_the_file_not_its_temporary(tmp_path, monkeypatch):
    import game.fileio as fileio

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fileio.os, "fsync", full)
    target = tmp_path / "settings.json"
    with pytest.raises(OSError) as info:
        atomic_write_text(target, "{}")
    assert info.value.filename == str(target) and info.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []  # no temporary left behind


def test_nan_words_only_when_asked(tmp_path):
    p = tmp_path / "nan.json"
    p.write_text("[NaN, 1]")
    assert math.isnan(read_json_file(p, allow_nan_words=True)[0])  # reported by field later
    assert "NaN is not a number in JSON" in error_for(p)
