"""Reach / Push envs (single and batched) survive pickle and deepcopy: the copy continues exactly like the original."""

from __future__ import annotations

import copy
import pickle

import gymnasium as gym
import numpy as np
import pytest

import rewardgym  # noqa: F401 - registers the envs
from tests.conftest import need

COPIES = {"pickle": lambda env: pickle.loads(pickle.dumps(env)), "deepcopy": copy.deepcopy}


@pytest.mark.parametrize("how", sorted(COPIES))
@pytest.mark.parametrize("env_id", ["rewardgym/Reach-v0", "rewardgym/Push-v0"])
def test_single_env_copy_continues_like_the_original(env_id: str, how: str) -> None:
    env = gym.make(env_id)
    env.reset(seed=3)
    rng = np.random.default_rng(0)
    for _ in range(5):
        env.step(rng.uniform(-1, 1, 3).astype(np.float32))
    twin = COPIES[how](env)
    assert twin.unwrapped.sim is not env.unwrapped.sim
    for _ in range(10):
        action = rng.uniform(-1, 1, 3).astype(np.float32)
        o1, r1, *_, i1 = env.step(action)
        o2, r2, *_, i2 = twin.step(action)
        np.testing.assert_array_equal(o1, o2)
        assert r1 == r2 and i1["success"] == i2["success"]
    # the generator travelled too: the next reset draws the same task
    np.testing.assert_array_equal(env.reset()[0], twin.reset()[0])
    twin.step(np.ones(3, dtype=np.float32))  # stepping the copy leaves the original alone
    assert not np.array_equal(env.unwrapped.sim.state, twin.unwrapped.sim.state)
    env.close()
    twin.close()


@pytest.mark.parametrize("backend", ["batch", "loop"])
@pytest.mark.parametrize("how", sorted(COPIES))
def test_vector_env_with_a_thread_pool_copies(how: str, backend: str) -> None:
    envs = gym.make_vec(
        "rewardgym/Push-v0", num_envs=3, vectorization_mode="vector_entry_point", num_threads=2, backend=backend
    )
    envs.reset(seed=1)
    envs.step(np.random.default_rng(1).uniform(-1, 1, (3, 3)))
    twin = COPIES[how](envs)
    sim, twin_sim = envs.unwrapped.sim, twin.unwrapped.sim
    if backend == "loop":
        assert twin_sim._pool is not None and twin_sim._pool is not sim._pool
    else:
        assert twin_sim._engine is not sim._engine and not np.shares_memory(twin_sim.state, sim.state)
    rng = np.random.default_rng(2)
    for _ in range(5):
        actions = rng.uniform(-1, 1, (3, 3)).astype(np.float32)
        np.testing.assert_array_equal(envs.step(actions)[0], twin.step(actions)[0])
    twin.step(np.ones((3, 3), dtype=np.float32))  # stepping the copy leaves the original alone
    assert not np.array_equal(sim.state, twin_sim.state)
    envs.close()
    twin.close()


def test_copy_of_a_rendering_env_renders_with_its_own_context() -> None:
    need("gl")
    env = gym.make("rewardgym/Reach-v0", render_mode="rgb_array", width=64, height=64)
    env.reset(seed=0)
    frame = env.render()
    twin = copy.deepcopy(env)
    np.testing.assert_array_equal(twin.render(), frame)
    assert twin.unwrapped._frames._renderer is not env.unwrapped._frames._renderer
    env.close()
    twin.close()
