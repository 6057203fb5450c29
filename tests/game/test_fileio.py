"""game.fileio.read_json_file: every hostile JSON file becomes one line naming the file."""

from __future__ import annotations

import math
import os

import pytest

from game.errors import UserFacingError
from game.fileio import read_json_file


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


def test_size_cap_folder_fifo_and_missing(tmp_path):
    big = tmp_path / "big.json"
    big.write_text("[" + "0," * 1000 + "0]")
    assert "too large for a track file" in error_for(big, max_bytes=1000)
    assert "is a folder" in error_for(tmp_path)
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    assert "not a regular file" in error_for(fifo)  # would block forever if opened
    assert "No such file" in error_for(tmp_path / "missing.json")


def test_nan_words_only_when_asked(tmp_path):
    p = tmp_path / "nan.json"
    p.write_text("[NaN, 1]")
    assert math.isnan(read_json_file(p, allow_nan_words=True)[0])  # reported by field later
    assert "NaN is not a number in JSON" in error_for(p)
