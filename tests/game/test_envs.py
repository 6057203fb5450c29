"""Gymnasium environments: the env checker, and short rollouts that check the contract."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import game.envs  # noqa: F401  (registers the ids)
from game.sim.trackgen import generate_track

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def track():
    return generate_track(5)


def test_lane_follow_passes_check_env(track):
    env = gym.make("LaneFollow-v0", track=track, render_mode="rgb_array")
    check_env(env.unwrapped, skip_render_check=False)
    env.close()


def test_lane_follow_seeded_reset_picks_a_generated_track():
    env = gym.make("LaneFollow-v0", max_steps=5)
    _, a = env.reset(seed=1)
    _, b = env.reset(seed=1)
    _, c = env.reset(seed=2)
    assert a["track"] == b["track"] and a["track"].startswith("gen:")
    assert c["track"] != a["track"]
    env.close()


def test_lane_follow_rollout(track):
    env = gym.make("LaneFollow-v0", track=track, max_steps=40, render_mode="rgb_array")
    obs, info = env.reset(seed=0)
    assert obs.shape == (160, 320, 3) and obs.dtype == np.uint8
    assert env.render().shape == (160, 320, 3)
    from agents.driving.expert import expert_steering_from_pose

    rewards, steps, truncated = [], 0, False
    while not truncated:
        st = env.unwrapped.world.car.state
        action = np.array(
            [expert_steering_from_pose(track, st.x, st.y, st.yaw, st.speed)], dtype=np.float32
        )
        obs, r, terminated, truncated, info = env.step(action)
        assert not terminated
        rewards.append(r)
        steps += 1
    assert steps == 40
    # The expert makes cruise-speed progress close to the lane centre: reward ~1 per step.
    assert 0.8 < np.mean(rewards[5:]) <= 1.05

    # Full lock for long enough leaves the lane: an intervention terminates the episode.
    env.reset(seed=0)
    for _ in range(200):
        _, r, terminated, truncated, info = env.step(np.array([1.0], dtype=np.float32))
        if terminated:
            break
    assert terminated and info["interventions"] == 1
    env.close()


def test_lane_follow_does_not_import_pygame_until_a_window_is_needed():
    code = (
        "import sys, numpy as np, gymnasium as gym, game.envs\n"
        "env = gym.make('LaneFollow-v0', track='gen:5', render_mode='rgb_array')\n"
        "env.reset(seed=0); env.step(np.zeros(1, np.float32)); env.render()\n"
        "print(sorted(m for m in ('pygame', 'tensorflow') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_lane_follow_human_window(track):
    env = gym.make("LaneFollow-v0", track=track, render_mode="human", max_steps=3)
    env.reset(seed=0)
    env.step(np.zeros(1, np.float32))
    assert env.unwrapped._window is not None
    env.close()


def test_the_human_window_imports_pygame():
    """In a fresh interpreter (this one has pygame from the conftest): pygame arrives with
    the first human-mode step, not before."""
    code = (
        "import sys, numpy as np, gymnasium as gym, game.envs\n"
        "env = gym.make('LaneFollow-v0', track='gen:5', render_mode='human', max_steps=3)\n"
        "before = 'pygame' in sys.modules\n"
        "env.reset(seed=0); env.step(np.zeros(1, np.float32))\n"
        "print(before, 'pygame' in sys.modules, env.unwrapped._window is not None)\n"
        "env.close()\n"
    )
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env,
        timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True", "True"]


def test_rps_passes_check_env():
    env = gym.make("RockPaperScissors-v0", opponent="rotate", rounds=50)
    check_env(env.unwrapped)
    env.close()


def test_rps_rollout_beats_a_predictable_opponent():
    env = gym.make("RockPaperScissors-v0", opponent="rock", rounds=20, history=4)
    obs, _ = env.reset(seed=0)
    assert (obs == 3).all()  # no rounds yet
    total, truncated, n = 0.0, False, 0
    while not truncated:
        obs, r, terminated, truncated, info = env.step(1)  # paper beats Good Ole Rock
        assert not terminated
        total += r
        n += 1
    assert n == 20 and total == 20 and info["net"] == 20
    assert obs.tolist() == [[1, 0]] * 4  # (own, opponent) for the last 4 rounds


def test_rps_unknown_opponent_is_a_clear_error():
    from game.errors import UserFacingError

    with pytest.raises(UserFacingError, match="unknown agent"):
        gym.make("RockPaperScissors-v0", opponent="nobody")


def _race_env(track, **kw):
    return gym.make("LaneFollow-v0", track=track, mode="race", random_start=False, **kw)


def test_lane_follow_race_mode_passes_check_env(track):
    env = _race_env(track, render_mode="rgb_array")
    assert env.action_space.shape == (3,)
    assert env.action_space.low.tolist() == [-1, 0, 0]
    assert env.action_space.high.tolist() == [1, 1, 1]
    check_env(env.unwrapped, skip_render_check=False)
    env.close()


def test_lane_follow_race_mode_throttle_brake_and_reward(track):
    from agents.driving.expert import expert_steering_from_pose

    env = _race_env(track)
    _, info = env.reset(seed=0)
    assert info["speed"] == 0.0  # a standing start

    def act(throttle, brake):
        st = env.unwrapped.world.car.state
        steer = expert_steering_from_pose(track, st.x, st.y, st.yaw, st.speed)
        return np.array([steer, throttle, brake], dtype=np.float32)

    rewards = []
    for _ in range(40):  # 2 s of full throttle at 20 decisions a second
        _, r, terminated, truncated, info = env.step(act(1.0, 0.0))
        assert not (terminated or truncated)
        rewards.append(r)
    # Reward is speed along the lane (m/s): positive, and it grows as the car speeds up.
    assert rewards[-1] > 0 and rewards[-1] > rewards[5] > rewards[0] >= 0
    assert 0.9 * info["speed"] < rewards[-1] <= 1.05 * info["speed"]
    fast = info["speed"]
    for _ in range(5):
        _, r, terminated, _, info = env.step(act(0.0, 1.0))
        assert not terminated
    assert info["speed"] < fast - 1.0 and r < rewards[-1]
    env.close()


def test_lane_follow_race_mode_off_lane_terminates(track):
    env = _race_env(track)
    env.reset(seed=0)
    terminated = False
    for _ in range(300):
        _, _, terminated, _, info = env.step(np.array([1.0, 1.0, 0.0], dtype=np.float32))
        if terminated:
            break
    assert terminated and info["interventions"] == 1
    env.close()


def test_lane_follow_unknown_mode_is_a_value_error():
    with pytest.raises(ValueError, match="cruise, race"):
        gym.make("LaneFollow-v0", mode="drift")
