"""Editing a lab spec as the Lab screen does: each change checked by the spec parser (one
line naming the key, the draft unchanged), written back as TOML that reads the same."""

import tomllib

import pytest

from agents.lab.edit import SpecDraft, dump_toml, raw_of
from agents.lab.presets import presets
from agents.lab.recipes import SpecError
from agents.lab.spec import expand, load_spec, parse_spec

SPEC = """
name = "dropout"
task = "driving"
description = "Dropout before each hidden dense layer."
seeds = [0]
[base]
epochs = 4
learning_rate = 0.001
[vary]
dropout = [0.0, 0.25, 0.5]
[quick]
epochs = 2
[eval]
tracks = ["oval", "kidney"]
max_seconds = 40.0
"""


@pytest.fixture
def draft(tmp_path):
    path = tmp_path / "dropout.toml"
    path.write_text(SPEC)
    return SpecDraft(load_spec(path), "dropout-mine.toml")


def same(a, b):
    """Two specs equal but for the file they came from."""
    fields = ("name", "task", "base", "vary", "quick", "seeds", "data", "eval", "description",
              "samples")  # fmt: skip
    return all(getattr(a, f) == getattr(b, f) for f in fields)


@pytest.mark.parametrize("path", presets(), ids=lambda p: p.stem)
def test_every_preset_written_back_reads_the_same(path, tmp_path):
    spec = load_spec(path)
    text = dump_toml(raw_of(spec))
    again = parse_spec(tomllib.loads(text), "x.toml")
    assert same(spec, again)
    assert [v.key for v in expand(again, quick=True)] == [v.key for v in expand(spec, quick=True)]


def test_rows_show_seeds_samples_and_every_knob(draft):
    rows = {r.key: r.text for r in draft.rows()}
    assert rows == {"seeds": "[0]", "samples": "all", "vary.dropout": "[0.0, 0.25, 0.5]",
                    "base.epochs": "4", "base.learning_rate": "0.001",
                    "quick.epochs": "2"}  # fmt: skip


def test_a_good_change_is_kept_and_changes_the_grid(draft):
    draft.set("vary.dropout", "[0.1, 0.2]")
    draft.set("seeds", "[0, 1, 2]")
    draft.add("vary.width = [0.5, 1.0]")
    assert draft.spec.vary == {"dropout": [0.1, 0.2], "width": [0.5, 1.0]}
    assert len(expand(draft.spec, quick=True)) == 2 * 2 * 3
    draft.set("samples", "3")
    assert len(expand(draft.spec, quick=True)) == 3 * 3
    draft.set("samples", "all")
    assert draft.spec.samples is None and len(expand(draft.spec, quick=True)) == 12
    assert draft.changed


@pytest.mark.parametrize(
    ("key", "text", "named"),
    [
        ("vary.dropout", "[0.0, 1.5]", "vary.dropout: 1.5 is out of range"),
        ("vary.dropout", "[]", "vary.dropout"),
        ("vary.dropout", "[0.0, ", "vary.dropout: '[0.0, ' is not a value"),
        ("vary.padding", '["round"]', "vary.padding"),
        ("vary.dropot", "[0.1]", "vary.dropot"),
        ("base.epochs", "0", "base.epochs"),
        ("seeds", "3", "seeds"),
        ("samples", "-1", "samples"),
        ("eval.tracks", '["oval"]', "eval.tracks: not an editable key"),
        ("quick.epochs", "1\nname = 3", "quick.epochs"),
    ],
)
def test_a_bad_change_is_one_line_naming_the_key_and_changes_nothing(draft, key, text, named):
    before = draft.text()
    with pytest.raises(SpecError) as e:
        draft.set(key, text)
    assert str(e.value).startswith("dropout-mine.toml: ")
    assert named in str(e.value) and "\n" not in str(e.value)
    assert draft.text() == before and not draft.changed


def test_rows_are_removed_but_seeds_stay(draft):
    draft.remove("base.learning_rate")
    assert "learning_rate" not in draft.spec.base
    draft.remove("vary.dropout")
    assert [v.label for v in expand(draft.spec)] == ["base seed=0"]  # the grid's one point
    with pytest.raises(SpecError, match="seeds: cannot be removed"):
        draft.remove("seeds")
    with pytest.raises(SpecError, match="no such row"):
        draft.remove("vary.width")
    with pytest.raises(SpecError, match="type KEY = VALUE"):
        draft.add("vary.width [0.5]")


def test_the_saved_draft_is_a_spec_file_that_reads_back_equal(draft, tmp_path):
    draft.set("vary.dropout", "[0.0, 0.1]")
    draft.rename("dropout (mine)")
    path = tmp_path / "specs" / "dropout-mine.toml"
    saved = draft.save(path)
    assert same(saved, draft.spec) and saved.name == "dropout (mine)"
    assert same(load_spec(path), draft.spec)
    assert not draft.changed
