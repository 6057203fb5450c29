"""The Import screen's logic: the folder browser spots datasets, an import run from it writes
a session the Train screen lists, and Cancel keeps the good records as a valid session."""

from __future__ import annotations

import json
import threading

from agents.driving.formats import donkey
from agents.driving.formats.importer import ImportOptions
from agents.driving.recording_reader import list_sessions, load_session
from game.paths import user_dir
from game.sessions import import_data as mod
from game.sessions.import_data import ImportState, ImportSummary, import_job, scan_folder
from game.workers import CANCELLED, Worker
from tests.cli.test_data_cli import udacity_folder

WAIT_S = 60.0  # bound on a test import's worker (12 tiny records take well under a second)


def tub(folder, n: int = 5):
    """A minimal Donkey v2 tub of `n` records (the manifest reader only needs its lines)."""
    folder.mkdir(parents=True)
    manifest = [["cam/image_array", "user/angle"], ["image_array", "float"], {}, {},
                {"paths": ["catalog_0.catalog"], "current_index": n, "max_len": 1000,
                 "deleted_indexes": []}]  # fmt: skip
    (folder / donkey.MANIFEST).write_text("\n".join(json.dumps(x) for x in manifest) + "\n")
    (folder / "catalog_0.catalog").write_text("")
    return folder


def run_to_end(state: ImportState) -> None:
    worker = state.worker
    assert worker is not None
    worker.join(WAIT_S)
    assert worker._thread is not None and not worker._thread.is_alive(), "import did not end"
    state.update()
    assert state.worker is None


def test_the_browser_marks_udacity_folders_and_donkey_tubs_with_their_counts(tmp_path):
    udacity_folder(tmp_path / "b-sim", rows=12)
    tub(tmp_path / "a-tub", n=5)
    (tmp_path / "c-plain").mkdir()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "file.txt").write_text("x")
    entries, cut = scan_folder(tmp_path)
    assert not cut
    assert [(e.name, e.fmt) for e in entries] == [
        ("a-tub", "donkey"), ("b-sim", "udacity"), ("c-plain", None)]  # fmt: skip
    assert entries[1].records == 13  # 12 good rows and the bad one: the count is of lines
    assert entries[0].records == 5
    assert "[udacity, 13 records]" in entries[1].label and entries[2].label == "c-plain/"


def test_enter_goes_into_a_folder_backspace_up_and_a_typed_path_lists_the_dataset(tmp_path):
    udacity_folder(tmp_path / "data" / "sim")
    state = ImportState(tmp_path)
    assert [e.name for e in state.entries] == ["data"]
    assert state.enter() is False and state.folder == (tmp_path / "data").resolve()
    assert [e.fmt for e in state.entries] == ["udacity"]
    state.up()
    assert state.folder == tmp_path.resolve() and state.current.name == "data"
    messages = []
    state.notify = lambda text, kind: messages.append((text, kind))
    assert state.go_to(tmp_path / "nowhere") is False and messages[-1][1] == "error"
    assert state.go_to(tmp_path / "data" / "sim" / "driving_log.csv")
    assert state.entries[0].path == (tmp_path / "data" / "sim").resolve()
    assert state.entries[0].fmt == "udacity"  # the folder itself is the first row


def test_an_import_from_the_screen_writes_a_session_the_train_screen_lists(tmp_path):
    udacity_folder(tmp_path / "sim", rows=12)
    state = ImportState(tmp_path)
    state.set_name("my sim!")  # the name keeps letters, digits, -, _ and spaces
    assert state.name == "my sim"
    assert state.enter() is True and state.running
    run_to_end(state)
    s = state.summary
    assert s is not None and not s.cancelled and s.frames == 12 and s.skipped == 1
    assert s.problems == ["driving_log.csv line 4: steering 'straight' is not a number"]
    (listed,) = list_sessions(user_dir("recordings"))
    assert listed.path == s.out_dir and listed.error is None and listed.frames == 12
    assert listed.track == "my sim"


def test_side_cameras_are_off_by_default_and_a_setting_with_its_value(tmp_path):
    state = ImportState(tmp_path)
    assert state.options().side_correction is None
    state.toggle_side()
    assert state.options().side_correction == mod.DEFAULT_SIDE
    state.side_step(+1)
    assert state.options().side_correction == 0.25
    state.cycle_format()
    assert state.options().fmt == "udacity"


def test_a_folder_that_is_no_dataset_is_one_message_naming_it(tmp_path):
    (tmp_path / "plain").mkdir()
    messages = []
    state = ImportState(tmp_path, notify=lambda text, kind: messages.append((text, kind)))
    assert state.import_selected() is False and not state.running  # auto: not recognised
    assert messages[-1][1] == "error" and "plain: neither a Udacity folder" in messages[-1][0]
    state.cycle_format(2)  # donkey, chosen: the import runs and fails on the missing catalog
    assert state.enter() is False and state.folder.name == "plain"  # Enter still opens folders
    state.up()
    assert state.import_selected() is True
    run_to_end(state)
    assert (
        state.summary is None
        and state.failed is not None
        and "plain: no catalog_N.catalog" in state.failed
    )
    assert messages[-1] == (state.failed, "error")
    assert list_sessions(user_dir("recordings")) == []  # no half-made session is left


def test_cancel_keeps_the_records_written_so_far_as_a_valid_session(tmp_path):
    udacity_folder(tmp_path / "sim", rows=12)
    out = tmp_path / "out"
    seen, release = threading.Event(), threading.Event()
    job = import_job(tmp_path / "sim", ImportOptions(out=out))
    worker = Worker(job, name="import")

    real = mod.import_dataset

    def slow_import(path, options, progress, problem, total, stop):
        def progress_then_wait(n):
            progress(n)
            if worker._events.qsize() >= 0 and progress_then_wait.calls == 5:
                seen.set()
                release.wait(WAIT_S)  # the test cancels here, after 5 records
            progress_then_wait.calls += 1

        progress_then_wait.calls = 0
        return real(path, options, progress=progress_then_wait, problem=problem, total=total,
                    stop=stop)  # fmt: skip

    mod.import_dataset, restore = slow_import, real
    try:
        worker.start()
        assert seen.wait(WAIT_S)
        worker.cancel()
        release.set()
        worker.join(WAIT_S)
        worker.poll()
    finally:
        mod.import_dataset = restore
    assert worker.state == CANCELLED
    summary = worker.result
    assert isinstance(summary, ImportSummary) and summary.cancelled
    assert summary.out_dir == out and 0 < summary.frames < 12
    session = load_session(out)
    assert len(session) == summary.frames  # every row written has its frame: a valid session
    meta = json.loads((out / "meta.json").read_text())
    assert meta["imported"]["cancelled"] is True and meta["imported"]["frames"] == summary.frames


def test_cancel_before_the_first_frame_leaves_no_folder(tmp_path):
    udacity_folder(tmp_path / "sim", rows=12)
    out = tmp_path / "out"
    worker = Worker(import_job(tmp_path / "sim", ImportOptions(out=out)), name="import")
    worker.cancel()  # set before the job starts: it stops before the first record
    worker.start()
    worker.join(WAIT_S)
    worker.poll()
    assert worker.state == CANCELLED
    assert worker.result.out_dir is None and worker.result.frames == 0
    assert not out.exists()


def test_side_cameras_left_on_for_a_donkey_tub_are_dropped_with_a_note(tmp_path):
    tub(tmp_path / "tub", n=0)
    messages = []
    state = ImportState(tmp_path, notify=lambda text, kind: messages.append((text, kind)))
    state.toggle_side()
    assert state.enter() is True  # the tub is imported, not refused
    assert messages[0] == (
        "side cameras are a Udacity option: this tub is imported without", "info")  # fmt: skip
    run_to_end(state)
    assert state.summary is not None and state.summary.written == 0
    assert state.summary.out_dir is None  # nothing to keep: no empty session is left


def test_an_unreadable_dataset_is_listed_with_why_and_the_rest_still_shows(tmp_path):
    bad = tub(tmp_path / "bad-tub")
    (bad / donkey.MANIFEST).write_text("{not json\n")
    (tmp_path / "ok").mkdir()
    entries, _ = scan_folder(tmp_path)
    assert [(e.name, e.fmt) for e in entries] == [("bad-tub", "donkey"), ("ok", None)]
    assert entries[0].records is None and entries[0].problem.startswith("manifest.json: ")
    assert "manifest.json: " in entries[0].label
