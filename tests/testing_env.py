"""A tiny deterministic env for wrapper and composition tests (not a rewardgym env).

``LineEnv``: the agent walks on a line of ``length`` cells (obs = position, actions 0 left / 1 right),
reaching the right end terminates with env reward 1. ``info`` reports ``position`` and ``prev_position``.
"""

from __future__ import annotations

from typing import ClassVar

import gymnasium as gym
import numpy as np


class LineEnv(gym.Env):
    metadata: ClassVar[dict] = {"render_modes": []}

    def __init__(self, length: int = 5, max_steps: int = 20) -> None:
        self.length, self.max_steps = length, max_steps
        self.observation_space = gym.spaces.Box(0, length - 1, shape=(1,), dtype=np.float32)
        self.action_space = gym.spaces.Discrete(2)
        self.pos = 0
        self.t = 0

    def _info(self, prev: int) -> dict:
        return {"position": self.pos, "prev_position": prev}

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.pos = int(self.np_random.integers(0, self.length - 1))
        self.t = 0
        return np.array([self.pos], dtype=np.float32), self._info(self.pos)

    def step(self, action):
        prev = self.pos
        self.pos = int(np.clip(self.pos + (1 if int(action) == 1 else -1), 0, self.length - 1))
        self.t += 1
        terminated = self.pos == self.length - 1
        truncated = (not terminated) and self.t >= self.max_steps
        obs = np.array([self.pos], dtype=np.float32)
        return obs, float(terminated), terminated, truncated, self._info(prev)
