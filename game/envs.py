"""Gymnasium environments over game.sim; importing this module registers them.

    import gymnasium as gym
    import game.envs  # noqa: F401  (registers the ids)
    env = gym.make("LaneFollow-v0")                      # dashcam pixels -> steering
    env = gym.make("LaneFollow-v0", mode="race")         # ... -> steering, throttle, brake
    env = gym.make("RockPaperScissors-v0", opponent="rotate")

Layering: the envs sit over game.sim. The lane env steps its car through the one driving
loop (agents.driving.loop, numpy only); the RPS env imports `agents.rps.make_agent` because
its opponent *is* an agent from the registry, and building it by name there is the only way
to offer every bot without duplicating the registry here. pygame is imported only when a
"human" render window is opened.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from agents.driving.loop import CameraPart, DrivingLoop
from game.sim.car import DT, CarParams
from game.sim.rps import MOVE_NAMES, outcome
from game.sim.track import Track
from game.sim.trackgen import generate_track
from game.sim.world import World


def _resolve_track(track: Track | str) -> Track:
    if isinstance(track, Track):
        return track
    from game.sim.tracks_catalog import resolve_track

    return resolve_track(track)


LANE_FOLLOW_MODES = ("cruise", "race")


class LaneFollowEnv(gym.Env):
    """Steer a car from its dashcam image; in "race" mode also work its pedals.

    observation: the dashcam frame, uint8 (160, 320, 3)
    mode "cruise" (default): the car starts at, and cruise control holds, cruise speed.
        action: steering in [-1, 1], right positive
        reward: progress along the track (1.0 per step at cruise speed) minus a centring
        penalty centring_weight * (offset / half lane)^2
    mode "race" (like Gymnasium's CarRacing): the car starts from rest.
        action: (steering in [-1, 1], throttle in [0, 1], brake in [0, 1])
        reward: metres of progress along the track this step per second (speed along the
        lane, m/s); no centring penalty: leaving the lane already ends the episode
    terminated: the car left its lane (an intervention)
    truncated: after `max_steps` steps
    One env step is `frame_skip` sim steps at 60 Hz (default 3: decisions at 20 Hz).
    `reset(seed=...)` picks a generated track from the seed unless `track` (a Track, shipped
    name, JSON path or "gen:SEED") was given to the constructor or in `options["track"]`.
    """

    metadata = {"render_modes": ["rgb_array", "human"], "render_fps": 20}

    def __init__(
        self,
        render_mode: str | None = None,
        track: Track | str | None = None,
        look: str = "day",
        max_steps: int = 3000,
        frame_skip: int = 3,
        centring_weight: float = 0.5,
        random_start: bool = True,
        mode: str = "cruise",
    ) -> None:
        from game.sim.dashcam import CameraParams

        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"unsupported render_mode {render_mode!r}")
        if mode not in LANE_FOLLOW_MODES:
            raise ValueError(
                f"unknown mode {mode!r}; expected one of {', '.join(LANE_FOLLOW_MODES)}"
            )
        self.render_mode = render_mode
        self.mode = mode
        self._track_spec = track
        self.look = look
        self.max_steps = int(max_steps)
        self.frame_skip = int(frame_skip)
        self.centring_weight = float(centring_weight)
        self.random_start = random_start
        self.camera_params = CameraParams()
        shape = (self.camera_params.height_px, self.camera_params.width_px, 3)
        self.observation_space = spaces.Box(0, 255, shape, dtype=np.uint8)
        if mode == "race":
            self.action_space = spaces.Box(
                np.array([-1.0, 0.0, 0.0], dtype=np.float32),
                np.array([1.0, 1.0, 1.0], dtype=np.float32),
                dtype=np.float32,
            )
        else:
            self.action_space = spaces.Box(-1.0, 1.0, (1,), dtype=np.float32)
        self._cache: dict[str, tuple[Track, Any]] = {}  # track name -> (track, dashcam)
        self.world: World | None = None
        self._frame: np.ndarray | None = None
        self._steps = 0
        self._window = None
        self._clock = None

    def _track_and_camera(self, spec: Track | str | int) -> tuple[Track, Any]:
        from game.sim.dashcam import Dashcam

        track = generate_track(spec) if isinstance(spec, int) else _resolve_track(spec)
        if track.name not in self._cache:
            if len(self._cache) >= 8:  # bound memory across many generated tracks
                self._cache.pop(next(iter(self._cache)))
            cam = Dashcam(track, self.camera_params, look=self.look, seed=0)
            self._cache[track.name] = (track, cam)
        return self._cache[track.name]

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        options = options or {}
        spec = options.get("track", self._track_spec)
        if spec is None:
            spec = int(self.np_random.integers(0, 2**31 - 1))
        self.track, self.dashcam = self._track_and_camera(spec)
        start_s = float(self.np_random.uniform(0, self.track.length)) if self.random_start else 0.0
        start_s = float(options.get("start_s", start_s))
        start_speed = 0.0 if self.mode == "race" else CarParams().default_cruise
        self.world = World(self.track, start_s=start_s, start_speed=start_speed)
        # The action is the loop's override: the env's agent steers (and, racing, works the
        # pedals) where a person would.
        self._loop = DrivingLoop(self.world, camera=CameraPart(self.dashcam, self.world))
        self._steps = 0
        self._frame = self._observe()
        if self.render_mode == "human":
            self._render_human()
        return self._frame, self._info()

    def step(self, action):
        if self.world is None:
            raise RuntimeError("call reset() before step()")
        act = np.asarray(action, dtype=np.float64).reshape(-1)
        steering = float(np.clip(act[0], -1, 1))
        pedals: tuple[float, float] | None = None  # None: cruise control
        if self.mode == "race":
            if act.size != 3:
                raise ValueError(f"race mode wants (steering, throttle, brake), got {action!r}")
            pedals = (float(np.clip(act[1], 0, 1)), float(np.clip(act[2], 0, 1)))
        w = self.world
        before = w.metrics.progress
        terminated = False
        sim_steps = 0
        for _ in range(self.frame_skip):
            sim_steps += 1
            if self._loop.step(human=steering, human_pedals=pedals).intervened:
                terminated = True
                break
        self._steps += 1
        progress = w.metrics.progress - before
        if self.mode == "race":
            reward = progress / (DT * sim_steps)  # m/s along the lane
        else:
            norm = max(w.car.cruise_speed * DT * self.frame_skip, 1e-6)
            half = self.track.lane_width / 2.0
            reward = progress / norm - self.centring_weight * (w.metrics.offset / half) ** 2
        truncated = not terminated and self._steps >= self.max_steps
        self._frame = self._observe()
        if self.render_mode == "human":
            self._render_human()
        return self._frame, float(reward), terminated, truncated, self._info()

    def _observe(self) -> np.ndarray:
        return self._loop.camera.frame()

    def _info(self) -> dict:
        w = self.world
        return {
            "track": self.track.name,
            "offset": w.metrics.offset,
            "heading_error": w.metrics.heading_error,
            "progress_m": w.metrics.progress,
            "laps": w.laps,
            "interventions": w.interventions,
            "speed": w.car.state.speed,
        }

    def render(self):
        if self.render_mode == "rgb_array":
            return None if self._frame is None else self._frame.copy()
        if self.render_mode == "human":
            self._render_human()
        return None

    def _render_human(self) -> None:
        import pygame  # only a human window needs pygame

        if self._frame is None:
            return
        h, w = self._frame.shape[:2]
        if self._window is None:
            pygame.init()
            pygame.display.set_caption("LaneFollow-v0")
            self._window = pygame.display.set_mode((w * 2, h * 2))
            self._clock = pygame.time.Clock()
        surf = pygame.image.frombuffer(self._frame.tobytes(), (w, h), "RGB")
        self._window.blit(pygame.transform.scale(surf, self._window.get_size()), (0, 0))
        pygame.event.pump()
        pygame.display.flip()
        self._clock.tick(self.metadata["render_fps"])

    def close(self) -> None:
        if self._window is not None:
            import pygame

            pygame.display.quit()
            self._window = None


NO_MOVE = 3  # the observation's "no round played yet" value


class RockPaperScissorsEnv(gym.Env):
    """Play rock-paper-scissors against a registered agent (`opponent` is its name).

    observation: the last `history` rounds, oldest first, as (own move, opponent move) pairs
        in MultiDiscrete 4: 0 rock, 1 paper, 2 scissors, 3 no round yet
    action: Discrete(3), your move
    reward: +1 win, 0 draw, -1 loss
    truncated: after `rounds` rounds (never terminated)
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        opponent: str = "rotate",
        rounds: int = 1000,
        history: int = 10,
        render_mode: str | None = None,
    ) -> None:
        from agents.rps import make_agent  # the opponent comes from the agent registry

        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"unsupported render_mode {render_mode!r}")
        self.render_mode = render_mode
        self.opponent_name = opponent
        self.rounds = int(rounds)
        self.history = int(history)
        self._make_agent = make_agent
        self.opponent = make_agent(opponent, seed=0)  # fails early on an unknown name
        self.observation_space = spaces.MultiDiscrete(np.full((self.history, 2), 4))
        self.action_space = spaces.Discrete(3)
        self._hist = np.full((self.history, 2), NO_MOVE, dtype=np.int64)
        self._played = 0
        self._net = 0
        self._last: tuple[int, int, int] | None = None  # (own, opponent, reward) of last round

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        # The opponent's seed comes from ours, so a seeded reset replays the same match.
        opp_seed = int(self.np_random.integers(2**31))
        self.opponent = self._make_agent(self.opponent_name, seed=opp_seed)
        self.opponent.reset()
        self._hist[:] = NO_MOVE
        self._played = 0
        self._net = 0
        self._last = None
        return self._hist.copy(), {"round": 0, "net": 0}

    def step(self, action):
        own = int(action)
        if own not in (0, 1, 2):
            raise ValueError(f"action must be 0, 1 or 2, got {action!r}")
        opp = int(self.opponent.act())
        self.opponent.observe(own=opp, opponent=own)
        reward = outcome(own, opp)
        self._played += 1
        self._net += reward
        self._hist = np.roll(self._hist, -1, axis=0)
        self._hist[-1] = (own, opp)
        self._last = (own, opp, reward)
        truncated = self._played >= self.rounds
        info = {"round": self._played, "net": self._net, "opponent_move": opp}
        return self._hist.copy(), float(reward), False, truncated, info

    def render(self):
        if self.render_mode != "ansi":
            return None
        if self._last is None:
            return f"vs {self.opponent_name}: no rounds yet"
        own, opp, r = self._last
        result = {1: "win", 0: "draw", -1: "loss"}[r]
        moves = f"{MOVE_NAMES[own]} vs {MOVE_NAMES[opp]}"
        return f"round {self._played}: {moves} ({result}), net {self._net:+d}"


def _register() -> None:
    for env_id, entry in (
        ("LaneFollow-v0", "game.envs:LaneFollowEnv"),
        ("RockPaperScissors-v0", "game.envs:RockPaperScissorsEnv"),
    ):
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point=entry)


_register()
