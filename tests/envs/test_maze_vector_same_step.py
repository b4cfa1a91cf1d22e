"""MazeVectorEnv's SAME_STEP autoreset matches gymnasium's SyncVectorEnv(autoreset_mode=SAME_STEP) of MazeEnvs."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv

import rewardgym  # noqa: F401 - registers the env
from rewardgym.envs.maze.env import MazeEnv
from rewardgym.envs.maze.vector import MazeVectorEnv
from rewardgym.errors import EnvConfigError

CONFIGS = [
    {"size": 5, "max_steps": 12},
    {"size": 7, "max_steps": 20, "view_radius": 2, "extra_openings": 0.5, "goal": "random"},
    {"size": 9, "max_steps": 30, "fixed_maze": True, "view_radius": 4},
]


def _same_values(x, y) -> bool:
    return np.array_equal(np.stack(list(x)) if x.dtype == object else x, np.stack(list(y)) if y.dtype == object else y)


@pytest.mark.parametrize("kwargs", CONFIGS)
def test_same_step_matches_sync_vector_env(kwargs: dict) -> None:
    n = 5
    sync = SyncVectorEnv([lambda: MazeEnv(**kwargs) for _ in range(n)], autoreset_mode=AutoresetMode.SAME_STEP)
    vec = MazeVectorEnv(n, autoreset_mode="SameStep", **kwargs)
    assert vec.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
    assert np.array_equal(sync.reset(seed=3)[0], vec.reset(seed=3)[0])
    rng = np.random.default_rng(1)
    ended = 0
    for t in range(300):
        actions = rng.integers(0, 4, n)
        (o1, r1, te1, tr1, i1), (o2, r2, te2, tr2, i2) = sync.step(actions), vec.step(actions)
        where = f"step {t}"
        for name, x, y in (("obs", o1, o2), ("reward", r1, r2), ("terminated", te1, te2), ("truncated", tr1, tr2)):
            assert x.dtype == y.dtype and np.array_equal(x, y), f"{where}: {name} differs"
        done = te2 | tr2
        for key in ("agent_pos", "goal_pos", "distance", "prev_distance", "bumped", "success"):
            assert _same_values(i1[key], i2[key]), f"{where}: info[{key!r}] differs"
        if done.any():
            ended += int(done.sum())
            assert np.array_equal(i1["_final_obs"], i2["_final_obs"]) and np.array_equal(i2["_final_info"], done)
            for i in np.flatnonzero(done):
                assert np.array_equal(i1["final_obs"][i], i2["final_obs"][i]), where
                for key in ("agent_pos", "distance", "prev_distance", "bumped", "success"):
                    assert np.array_equal(i1["final_info"][key][i], i2["final_info"][key][i]), f"{where}: {key}"
                    assert i2["final_info"][f"_{key}"][i]
        else:
            assert "final_obs" not in i2 and "final_obs" not in i1
    assert ended > 30, "the run must cover many autoresets"


def test_same_step_through_make_vec_and_bad_mode() -> None:
    envs = gym.make_vec("rewardgym/Maze-v0", num_envs=3, vectorization_mode="vector_entry_point", size=5,
                        max_steps=2, autoreset_mode=AutoresetMode.SAME_STEP)
    envs.reset(seed=0)
    envs.step(np.zeros(3, dtype=np.int64))
    _, _, _, truncated, info = envs.step(np.zeros(3, dtype=np.int64))
    assert truncated.all() and info["_final_obs"].all()
    assert (info["distance"] == info["prev_distance"]).all()  # the new episodes' reset info
    with pytest.raises(EnvConfigError, match="autoreset_mode"):
        MazeVectorEnv(2, autoreset_mode="Disabled")
