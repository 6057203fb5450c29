"""The Ray path: variants as Ray tasks on a local Ray instance (skipped without Ray)."""

import importlib.util

import pytest

from agents.lab.runner import run_lab
from agents.lab.spec import load_spec
from tests.agents.lab.tiny_specs import TINY_RPS_SPEC

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("ray") is None,
    reason="Ray is not installed (pip install '.[cluster]' to run the cluster test)",
)



def test_variants_run_as_ray_tasks_and_land_like_a_local_run(tmp_path):
    path = tmp_path / "spec.toml"
    path.write_text(TINY_RPS_SPEC)
    seen = []
    records = run_lab(load_spec(path), tmp_path / "run", cluster="local", progress=seen.append)
    assert [r["knobs"]["window"] for r in records] == [3, 4]
    assert all(r["status"] == "ok" and 0 <= r["next_move_accuracy"] <= 1 for r in records)
    assert sorted(e.key for e in seen if e.kind == "done") == sorted(r["key"] for r in records)
    assert (tmp_path / "run" / "results.json").is_file()


def test_driving_data_is_packed_once_and_unpacked_once_per_node(tmp_path):
    from agents.lab.cluster import pack, unpack_once

    for name in ("00-a", "01-b"):
        (tmp_path / name / "frames").mkdir(parents=True)
        (tmp_path / name / "log.csv").write_text(name)
    blob = pack((str(tmp_path / "00-a"), str(tmp_path / "01-b")))
    first = unpack_once(blob)
    assert [p.rsplit("/", 1)[1] for p in first] == ["00-00-a", "01-01-b"]
    assert open(first[1] + "/log.csv").read() == "01-b"
    assert unpack_once(blob) == first  # the second task on the node reuses the first's copy
