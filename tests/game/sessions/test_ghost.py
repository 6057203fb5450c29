"""The ghost of your best lap in Drive: traced at the sim rate, kept only for a valid best lap,
saved per track in the user folder, replayed from the next lap with the gap, survives a
restart; a broken ghost file is one message and is ignored."""

from __future__ import annotations

import io
import json
import math
import os
import tracemalloc
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from agents.driving.expert import ExpertDriver
from game.errors import UserFacingError
from game.fileio import broken_copies
from game.paths import user_dir
from game.sessions.controls import DriveInput, SteeringControls
from game.sessions.driving import DriveSession
from game.sessions.ghost import Ghost, GhostLap, ghost_path, load_ghost, save_ghost
from game.sim.car import DT
from game.sim.tracks_catalog import resolve_track
from game.sim.world import World
from tests.fifo import FifoRescuer, needs_fifo


class Notes(list):
    def __call__(self, text: str, kind: str = "info", seconds: float | None = None) -> None:
        self.append((text, kind))


def ring_file(folder: Path, radius: float = 20.0, name: str = "ring") -> Path:
    """A round track of ~126 m: a lap is ~10 s at the 12 m/s cruise."""
    theta = np.linspace(0.0, 2 * math.pi, 96, endpoint=False)
    points = [[radius * math.cos(a), radius * math.sin(a)] for a in theta]
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"name": name, "centerline": points}))
    return path


@pytest.fixture
def ring(tmp_path):
    return resolve_track(str(ring_file(tmp_path)))


def drive_world(world: World, ghost: Ghost, seconds: float, swerve_at: float | None = None):
    """The expert drives `world` for `seconds`; a hard right for 0.6 s from `swerve_at` (s of
    world time) takes the car out of its lane."""
    expert = ExpertDriver()
    expert.reset(world)
    for _ in range(round(seconds / DT)):
        steer = expert.steer(world)
        if swerve_at is not None and swerve_at <= world.time < swerve_at + 0.6:
            steer = 1.0
        world.step(steer)
        ghost.after_step(world)


def test_ghost_lap_replays_poses_and_the_gap():
    lap = GhostLap("t", 100.0, 2.0, *(np.array(v, float) for v in (
        [0, 1, 2], [0, 10, 20], [0, 0, 0], [0, 0.5, 1.0], [0, 10, 20])))  # fmt: skip
    assert lap.pose_at(1.5) == pytest.approx((15.0, 0.0, 0.75))
    assert lap.pose_at(2.5) is None and lap.pose_at(-0.1) is None  # only during its lap
    assert lap.gap(1.5, 10.0) == pytest.approx(0.5)  # the ghost passed 10 m at 1.0 s
    assert lap.gap(0.8, 10.0) == pytest.approx(-0.2)
    assert lap.gap(3.0, 25.0) is None


def test_only_a_valid_lap_faster_than_the_ghost_becomes_it(ring):
    notes = Notes()
    world = World(ring, scoring="person")
    ghost = Ghost(ring, notes)
    assert ghost.best is None and ghost.pose(world) is None and ghost.gap(world) is None
    drive_world(world, ghost, 16.0, swerve_at=3.0)  # lap 1 spoiled by an off-lane
    assert world.laps == 1 and world.valid_laps == 0 and world.off_lanes >= 1
    assert ghost.best is None and not ghost_path("ring").exists()  # never an invalid lap
    drive_world(world, ghost, 12.0)  # lap 2 clean
    assert world.laps == 2 and world.valid_laps == 1
    best = ghost.best
    assert best is not None and best.lap_s == pytest.approx(world.last_lap_time)
    assert ghost_path("ring").exists() and "new best lap" in notes[-1][0]
    # At the sim rate, from the line to the line.
    assert len(best.t) == pytest.approx(best.lap_s / DT, abs=2)
    assert best.t[0] < 2 * DT and best.d[-1] == pytest.approx(ring.length)
    # A slower valid lap (a lower cruise) leaves the ghost as it was.
    world.car.set_cruise(8.0)
    drive_world(world, ghost, 20.0)
    assert world.valid_laps == 2 and world.last_lap_time > best.lap_s and ghost.best is best
    saved = load_ghost(ring)
    assert saved.lap_s == pytest.approx(best.lap_s)
    assert np.allclose(saved.x, best.x, atol=1e-3) and np.allclose(saved.d, best.d, atol=1e-3)


def steer_like_the_expert(s: DriveSession, expert: ExpertDriver) -> DriveInput:
    """Mouse steering that puts the wheel where the expert would."""
    return DriveInput(mouse_x=SteeringControls.mouse_x_for(expert.steer(s.world)))


def test_the_ghost_drives_beside_you_and_survives_a_restart(tmp_path):
    track = str(ring_file(tmp_path))
    notes = Notes()
    s = DriveSession(track, notify=notes)
    s.controls.mouse_mode = True
    expert = ExpertDriver()
    expert.reset(s.world)
    for _ in range(60 * 600):  # lap 1 from rest, lap 2 flying: each a new best
        if s.world.valid_laps >= 2:
            break
        s.update(DT, steer_like_the_expert(s, expert))
    assert s.world.valid_laps == 2
    best = s.ghost.best
    assert best is not None and best.lap_s == pytest.approx(s.world.best_valid_lap)
    # From the next lap's start the ghost replays the best lap, with the gap to it.
    for _ in range(120):
        s.update(DT, steer_like_the_expert(s, expert))
    x, y, _ = s.ghost.pose(s.world)
    assert (x, y) == pytest.approx(best.pose_at(s.world.lap_time)[:2])
    assert abs(s.ghost.gap(s.world)) < 0.2  # same expert, same pace: side by side
    s.toggle_ghost()  # C hides it
    assert s.ghost.pose(s.world) is None and s.ghost.gap(s.world) is None
    s.close()

    # A new session (the game restarted) finds the ghost on this track.
    again = DriveSession(track, notify=notes)
    assert again.ghost.best is not None and again.ghost.best.lap_s == pytest.approx(best.lap_s)
    for _ in range(240):  # from rest: the flying ghost pulls away
        again.update(DT, DriveInput())
    assert again.ghost.pose(again.world) is not None and again.ghost.gap(again.world) > 0.1
    assert [n for n in notes if n[1] == "error"] == []


def _npz_without_track(path: Path) -> None:
    np.savez(path, version=np.array(1), t=np.arange(3.0))


@pytest.mark.parametrize(
    "damage",
    ["garbage", "empty", "missing_fields", "other_track", "nan", "other_length"],
)
def test_a_broken_ghost_file_is_one_message_and_ignored(ring, damage):
    good = Ghost(ring)
    drive_world(World(ring, scoring="person"), good, 24.0)
    assert good.best is not None
    path = ghost_path("ring")
    if damage == "garbage":
        path.write_bytes(b"PK\x03\x04 not really a zip" * 20)
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "missing_fields":
        _npz_without_track(path)
    elif damage == "other_track":
        save_ghost(replace(good.best, track="elsewhere"))
        ghost_path("elsewhere").replace(path)
    elif damage == "nan":
        save_ghost(replace(good.best, x=good.best.x * np.nan))
    elif damage == "other_length":
        save_ghost(replace(good.best, track_length=good.best.track_length + 50.0))
    notes = Notes()
    ghost = Ghost(ring, notes)
    assert ghost.best is None
    assert len(notes) == 1 and notes[0][1] == "error" and str(path) in notes[0][0]
    assert "\n" not in notes[0][0]
    broken = path.read_bytes()
    # The next best lap writes a good file; the broken one is set aside, not written over.
    drive_world(World(ring, scoring="person"), ghost, 24.0)
    assert ghost.best is not None and load_ghost(ring).lap_s == pytest.approx(ghost.best.lap_s)
    assert broken_copies(path)[-1].read_bytes() == broken


def test_ghosts_live_one_file_per_track_in_the_user_folder():
    assert ghost_path("gen:42") == user_dir("ghosts") / "gen-42.npz"
    assert ghost_path("brands_hatch").name == "brands_hatch.npz"
    assert ghost_path("../../x").parent == user_dir("ghosts")


def test_drive_draws_the_ghost_see_through_and_c_hides_it(app, tmp_path):
    import pygame

    track = str(ring_file(tmp_path))
    ring = resolve_track(track)
    drive_world(World(ring, scoring="person"), Ghost(ring), 24.0)  # a saved best lap
    scene = app.push("drive", track=track)
    app.run_frames(90)  # the ghost (a flying lap) pulls ahead of the car starting from rest
    s = scene.session
    assert s.ghost.pose(s.world) is not None and s.ghost.gap(s.world) > 0

    def view_pixels() -> np.ndarray:
        scene.draw(app.screen)
        return pygame.surfarray.array3d(app.screen.subsurface(scene.lay.view)).copy()

    def press(k: int) -> None:
        app.run_frames(1, lambda i: [pygame.event.Event(pygame.KEYDOWN, key=k, mod=0)])

    press(pygame.K_p)  # paused: the same state is drawn with and without the ghost
    gx, gy, _ = s.ghost.pose(s.world)
    st = s.world.car.state
    centre = scene.roads.follow_cam.center(st.x, st.y)
    px, py = scene.roads.view.world_to_screen(gx, gy, scene.lay.view, centre)
    box = (slice(px - 6, px + 6), slice(py - 6, py + 6))  # array3d is (x, y)
    shown = view_pixels()
    press(pygame.K_c)
    assert not s.ghost.visible and s.ghost.pose(s.world) is None
    hidden = view_pixels()
    assert not np.array_equal(shown[box], hidden[box])  # the see-through car was there
    press(pygame.K_c)
    assert np.array_equal(view_pixels(), shown)


def write_bomb(path: Path, track, floats: int = 300_000_000, zeros: int = 32 << 20) -> None:
    """A ghost whose `t` declares `floats` float32 values (1.2 GB) in a file of a few hundred
    kB: the header is a few bytes, and the zeros behind it compress ~1000:1."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (floats,)}
    )
    arrays = {"version": np.array(1), "track": np.array(track.name),
              "track_length": np.array(track.length), "lap_s": np.array(10.0),
              **{k: np.zeros(3, np.float32) for k in ("x", "y", "yaw", "d")}}  # fmt: skip
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src:
            for info in src.infolist():
                z.writestr(info.filename, src.read(info.filename))
        with z.open("t.npy", "w", force_zip64=True) as member:
            member.write(b"\x93NUMPY\x01\x00" + header.getvalue()[8:])
            chunk = bytes(1 << 20)
            for _ in range(zeros >> 20):
                member.write(chunk)


def test_a_ghost_that_would_decompress_to_gigabytes_is_refused_without_allocating(ring):
    path = ghost_path(ring.name)
    write_bomb(path, ring)
    assert path.stat().st_size < 1_000_000
    tracemalloc.start()
    try:
        with pytest.raises(UserFacingError, match="declares 300,000,000 x 4 bytes, too large"):
            load_ghost(ring)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000  # nothing near the declared 1.2 GB (numpy reports to tracemalloc)
    notes = Notes()
    assert Ghost.load(ring, notes) is None and "ghost lap ignored" in notes[0][0]


@needs_fifo
def test_a_fifo_in_place_of_a_ghost_is_refused_without_blocking(ring):
    path = ghost_path(ring.name)
    os.mkfifo(path)
    notes = Notes()
    with FifoRescuer(path) as rescuer:
        assert Ghost.load(ring, notes) is None
    assert not rescuer.rescued
    assert "not a regular file" in notes[0][0] and str(path) in notes[0][0]


def test_a_slower_ghost_never_replaces_a_faster_one_saved_meanwhile(ring):
    def lap(seconds: float) -> GhostLap:
        t = np.linspace(0.0, seconds, 5)
        d = t * ring.length / seconds
        return GhostLap(ring.name, ring.length, seconds, t, t, t * 0, t * 0, d)

    save_ghost(lap(9.0))  # another game's best lap lands first
    save_ghost(lap(11.0))  # this game's, found slower under the lock: not written
    assert load_ghost(ring).lap_s == 9.0
    save_ghost(lap(8.0))
    assert load_ghost(ring).lap_s == 8.0
