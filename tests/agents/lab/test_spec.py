"""Lab specs: parsing, bad specs named by file and key, grid expansion and sampling."""

import pytest

from agents.lab.recipes import DrivingRecipe, SpecError
from agents.lab.spec import expand, load_spec

GOOD = """
name = "filter size"
task = "driving"
seeds = [0, 1]
[base]
epochs = 2
[vary]
kernel_sizes = [[3, 3, 3, 3, 3], [5, 5, 5, 3, 3]]
dropout = [0.0, 0.2, 0.5]
[quick]
epochs = 1
[eval]
tracks = ["oval", "gen:5000"]
"""


def write(tmp_path, text, name="spec.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_spec_reads_into_base_vary_seeds_and_plans(tmp_path):
    spec = load_spec(write(tmp_path, GOOD))
    assert spec.name == "filter size" and spec.task == "driving"
    assert spec.knobs() == ["kernel_sizes", "dropout"]
    assert spec.seeds == (0, 1)
    assert spec.eval.tracks == ("oval", "gen:5000")
    assert spec.base == {"epochs": 2}


def test_the_grid_is_every_combination_times_every_seed(tmp_path):
    spec = load_spec(write(tmp_path, GOOD))
    variants = expand(spec)
    assert len(variants) == 2 * 3 * 2
    assert len({v.key for v in variants}) == len(variants)
    first = variants[0]
    assert first.knobs == {"kernel_sizes": [3, 3, 3, 3, 3], "dropout": 0.0}
    # The full recipe: the defaults, the base's epochs, then the grid point.
    assert first.recipe["epochs"] == 2
    assert first.recipe["strides"] == list(DrivingRecipe().strides)
    assert first.recipe["kernel_sizes"] == [3, 3, 3, 3, 3]
    assert all(v.recipe["epochs"] == 1 for v in expand(spec, quick=True))


def test_sampling_is_a_seeded_subset_and_seeds_override(tmp_path):
    spec = load_spec(write(tmp_path, GOOD))
    every = {v.key for v in expand(spec)}
    sample = expand(spec, samples=2)
    assert len(sample) == 2 * 2  # two grid points, each with the spec's two seeds
    assert {v.key for v in sample} <= every
    assert [v.key for v in expand(spec, samples=2)] == [v.key for v in sample]
    assert [v.seed for v in expand(spec, seeds=3)][:3] == [0, 1, 2]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[vary]\nkernel_size = [[3]]\n", "vary.kernel_size"),
        ("[vary]\ndropout = [1.5]\n", "vary.dropout"),
        ("[vary]\ndropout = []\n", "vary.dropout"),
        ("[vary]\npadding = ['round']\n", "vary.padding"),
        ("[vary]\nteacher = ['oracle']\n", "vary.teacher"),
        ("[base]\nepochs = 0\n", "base.epochs"),
        ("[base]\nstrides = [2, 'x']\n", "base.strides"),
        ("[eval]\ntrack = ['oval']\n", "eval.'track'"),
        ("[data]\nlaps = 0\n", "data.laps"),
        ("task = 'chess'\n", "task"),
        ("sedes = [0]\n", "'sedes'"),
        ("seeds = 3\n", "seeds"),
        ("task = 'rps'\n[vary]\nunits = [0]\n", "vary.units"),
        ("task = 'rps'\n[vary]\nkernel_sizes = [[3]]\n", "vary.kernel_sizes"),
    ],
)
def test_a_broken_spec_gets_one_line_naming_the_file_and_key(tmp_path, text, named):
    path = write(tmp_path, text)
    with pytest.raises(SpecError) as e:
        load_spec(path)
    message = str(e.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert named in message


def test_the_teacher_knob_names_the_experts_that_label_the_frames():
    from agents.driving.expert import REFERENCE, TEACHER
    from agents.lab.recipes import recipe_from

    def pursuit(name):
        return recipe_from("driving", {"teacher": name}).pursuit()

    assert pursuit("reference") == REFERENCE and pursuit("near_cg") == TEACHER
    near = pursuit("near")
    assert not near.cg_on_line and near.lookahead_min_m == TEACHER.lookahead_min_m
    assert recipe_from("driving", {}).pursuit() == TEACHER  # the build's, unless varied


def test_not_toml_and_a_missing_file_name_the_file(tmp_path):
    bad = write(tmp_path, "name = [unclosed\n")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_spec(bad)
    with pytest.raises(SpecError, match="no such spec file"):
        load_spec(tmp_path / "missing.toml")


def test_every_shipped_preset_parses_and_expands():
    from agents.lab.presets import ORDER, presets, resolve_spec

    found = presets()
    assert [p.stem for p in found][: len(ORDER)] == list(ORDER)
    for path in found:
        spec = resolve_spec(path.stem)
        assert expand(spec, quick=True), path
        assert spec.knobs(), path


def test_a_spec_may_name_its_own_sample_and_the_caller_overrides_it(tmp_path):
    spec = load_spec(write(tmp_path, "samples = 2\n" + GOOD))
    assert spec.samples == 2
    assert len(expand(spec)) == 2 * 2  # two of the six grid points, two seeds each
    assert [v.key for v in expand(spec)] == [v.key for v in expand(spec, samples=2)]
    assert len(expand(spec, samples=5)) == 5 * 2
    with pytest.raises(SpecError, match="samples"):
        load_spec(write(tmp_path, "samples = 0\n" + GOOD, "zero.toml"))
