"""Export from the Models screen's state (key E): the chosen kind is written to the user's
exports/ with its sidecar, never over an existing file, and checked under LiteRT alone."""

from __future__ import annotations

import json

import pytest

from agents.driving.export import litert_available, sidecar_path
from agents.modelio import save_model_with_card
from game.paths import user_dir
from game.sessions.model_export import KINDS, claim_export_path
from game.sessions.models import ModelsState
from tests.agents.driving.test_tflite import TINY_SPEC, tiny_model

WAIT_S = 240.0  # bound on one tiny model's conversion and check (a few seconds here)


class Notices(list):
    def __call__(self, text: str, kind: str = "info") -> None:
        self.append((text, kind))


@pytest.fixture
def state():
    path = user_dir("models") / "tiny.h5"
    card = {"kind": "driving", "architecture": "pilotnet", "input": TINY_SPEC.to_dict(),
            "created": "2026-12-01T10:00:00+00:00"}  # fmt: skip
    save_model_with_card(tiny_model(), path, card)
    notices = Notices()
    st = ModelsState(notify=notices, references={"x": None})
    st.notices = notices
    st.select([m.path for m in st.models].index(path))
    yield st
    st.close()


def finish(st: ModelsState) -> None:
    assert st.exporter.busy
    assert st.exporter.join(WAIT_S), "the export did not end"
    assert not st.exporter.busy


def test_claimed_names_never_overwrite_a_file_or_its_sidecar(tmp_path):
    model = tmp_path / "pilot.h5"
    first = claim_export_path(model, "int8", tmp_path)
    assert first.name == "pilot-int8.tflite" and first.exists()
    sidecar_path(tmp_path / "pilot.tflite").write_text("{}")  # a sidecar alone takes the name
    assert claim_export_path(model, "float32", tmp_path).name == "pilot-2.tflite"
    assert claim_export_path(model, "int8", tmp_path).name == "pilot-int8-2.tflite"
    assert KINDS == ("float32", "float16", "int8", "donkey")


@pytest.mark.skipif(not litert_available(), reason="ai-edge-litert is not installed (.[dev])")
def test_export_from_the_models_state_writes_the_file_its_sidecar_and_the_check(state):
    state.open_export()
    assert state.export_choice == 0
    state.move_export(+2)  # int8
    assert state.start_export() and state.export_choice is None
    finish(state)
    done = state.last_export
    assert done is not None, state.notices
    assert done.path == user_dir("exports") / "tiny-int8.tflite" and done.kind == "int8"
    assert done.path.stat().st_size == done.bytes > 0
    side = json.loads(done.sidecar.read_text())
    assert side["quantize"] == "int8"
    assert done.check.startswith("LiteRT check: max |steering - app|")
    assert "without TensorFlow" in done.check
    assert state.notices[-1] == (done.message, "info")
    assert "exports/tiny-int8.tflite" in done.message and "kB" in done.message

    state.open_export()
    state.move_export(+2)
    state.start_export(check=False)  # the same choice again: a new name, the first kept
    finish(state)
    assert state.last_export.path.name == "tiny-int8-2.tflite"
    assert done.path.stat().st_size == done.bytes


def test_a_failed_export_leaves_no_file_and_says_why(state):
    state.models[state.cursor].path.write_bytes(b"not a model")  # broken since the list was read
    state.open_export()
    assert state.start_export(check=False)
    finish(state)
    assert state.last_export is None
    assert state.notices[-1][1] == "error"
    assert list(user_dir("exports").iterdir()) == []  # the claimed name is given back
