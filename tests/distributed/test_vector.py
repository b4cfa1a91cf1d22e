"""RayVectorEnv equals the in-process ``gymnasium.make_vec`` env, seed for seed, and works under rewardgym.wrap."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rewardgym
from rewardgym.errors import EnvConfigError


def _assert_same(got, want, where: str) -> None:
    if isinstance(want, dict):
        assert list(got) == list(want), f"{where}: keys {list(got)} != {list(want)}"
        for k in want:
            _assert_same(got[k], want[k], f"{where}[{k!r}]")
        return
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want)):
            _assert_same(g, w, f"{where}[{i}]")
        return
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype, f"{where}: dtype {got.dtype} != {want.dtype}"
    assert got.shape == want.shape, f"{where}: shape {got.shape} != {want.shape}"
    np.testing.assert_array_equal(got, want, err_msg=where)


def rollout_pair(ray_env, local_env, steps: int, seed: int, actions) -> int:
    """Step both envs with the same actions; assert equal outputs; return the number of episode ends seen."""
    _assert_same(ray_env.reset(seed=seed), local_env.reset(seed=seed), "reset")
    ends = 0
    for t in range(steps):
        a = actions(t, local_env)
        got, want = ray_env.step(a), local_env.step(a)
        for name, g, w in zip(("obs", "reward", "terminated", "truncated", "infos"), got, want):
            _assert_same(g, w, f"step {t} {name}")
        ends += int(np.sum(want[2] | want[3]))
    return ends


def maze_actions(rng):
    def pick(t, env):  # mostly the shortest path, so episodes end and autoreset is exercised
        greedy = env.unwrapped.greedy_actions() if hasattr(env.unwrapped, "greedy_actions") else None
        random = rng.integers(0, 4, env.num_envs)
        return random if greedy is None or t % 4 == 0 else greedy

    return pick


@pytest.mark.parametrize("num_envs", [5, 8])
def test_maze_matches_make_vec(ray_local, num_envs):
    from rewardgym.distributed import RayVectorEnv

    kwargs = {"size": 7, "max_steps": 30}
    envs = RayVectorEnv("rewardgym/Maze-v0", num_envs, num_workers=2, env_kwargs=kwargs)
    local = gym.make_vec("rewardgym/Maze-v0", num_envs=num_envs, vectorization_mode="vector_entry_point", **kwargs)
    try:
        assert envs.metadata["vectorization_mode"] == "vector_entry_point"
        assert envs.offsets == [0, (num_envs + 1) // 2, num_envs]
        assert envs.observation_space == local.observation_space and envs.action_space == local.action_space
        ends = rollout_pair(envs, local, 80, seed=11, actions=maze_actions(np.random.default_rng(0)))
        assert ends >= num_envs  # episodes ended (goal or time limit) and were autoreset on the next step
        # a seed list is split across the workers too
        seeds = [100 + 7 * i for i in range(num_envs)]
        _assert_same(envs.reset(seed=seeds), local.reset(seed=seeds), "reset(seed=list)")
    finally:
        envs.close()
        local.close()


def test_sync_fallback_keeps_info_masks(ray_local):
    """In "sync" mode each actor hosts a SyncVectorEnv; the joined infos keep Gymnasium's _key masks."""
    from rewardgym.distributed import RayVectorEnv

    envs = RayVectorEnv("rewardgym/Maze-v0", 4, num_workers=2, env_kwargs={"size": 5}, vectorization_mode="sync")
    local = gym.make_vec("rewardgym/Maze-v0", num_envs=4, vectorization_mode="sync", size=5)
    try:
        rng = np.random.default_rng(1)
        rollout_pair(envs, local, 40, seed=3, actions=lambda t, env: rng.integers(0, 4, 4))
        assert "_distance" in envs.step(np.zeros(4, dtype=np.int64))[4]
    finally:
        envs.close()
        local.close()


def test_robotics_matches_make_vec(ray_local):
    from rewardgym.distributed import RayVectorEnv

    envs = RayVectorEnv("rewardgym/Reach-v0", 4, num_workers=2, env_kwargs={"max_episode_steps": 20})
    local = gym.make_vec("rewardgym/Reach-v0", num_envs=4, vectorization_mode="vector_entry_point",
                         max_episode_steps=20)
    try:
        rng = np.random.default_rng(2)
        space = local.action_space
        ends = rollout_pair(envs, local, 45, seed=5,
                            actions=lambda t, env: rng.uniform(space.low, space.high).astype(space.dtype))
        assert ends >= 8  # two time limits per sub-env, each followed by an autoreset step
    finally:
        envs.close()
        local.close()


def test_under_reward_wrapper(ray_local):
    """rewardgym.wrap scores the joined batch exactly as it scores the in-process env."""
    from rewardgym.distributed import RayVectorEnv

    spec = {"sum": {"maze/goal-v0": 1.0, "maze/distance-potential-v0": 0.1, "maze/step-cost-v0": 1.0}}
    envs = rewardgym.wrap(RayVectorEnv("rewardgym/Maze-v0", 6, num_workers=2, env_kwargs={"size": 7}), spec)
    local = rewardgym.wrap(
        gym.make_vec("rewardgym/Maze-v0", num_envs=6, vectorization_mode="vector_entry_point", size=7), spec
    )
    try:
        ends = rollout_pair(envs, local, 60, seed=0, actions=maze_actions(np.random.default_rng(3)))
        assert ends > 0
    finally:
        envs.close()
        local.close()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"num_envs": 0}, "num_envs"),
        ({"num_workers": 3, "num_envs": 2}, "exceeds num_envs"),
        ({"on_worker_loss": "ignore"}, "on_worker_loss"),
        ({"step_timeout_s": 0}, "step_timeout_s"),
    ],
)
def test_bad_arguments(kwargs, match):
    pytest.importorskip("ray")  # the arguments are checked before any cluster is touched
    from rewardgym.distributed import RayVectorEnv

    args = {"num_envs": 4, **kwargs}
    with pytest.raises(EnvConfigError, match=match):
        RayVectorEnv("rewardgym/Maze-v0", **args)
