"""The batch backend (MuJoCo's C thread pool) of the batched Reach / Push envs equals the Python-loop backend
(and so the single env) step for step, bit for bit: observations, rewards, terminations, autoreset, info."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import rewardgym  # noqa: F401 - registers the envs
from rewardgym.envs.robotics.vector import PushVectorEnv, ReachVectorEnv
from rewardgym.errors import EnvConfigError
from tests.conftest import need
from tests.envs.test_robotics_vector import assert_same

IDS = ["rewardgym/Reach-v0", "rewardgym/Push-v0"]


def make(env_id: str, n: int, backend: str, **kwargs: Any) -> gym.vector.VectorEnv:
    return gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point", backend=backend, **kwargs)


def sweeping_actions(rng: np.random.Generator, n: int) -> np.ndarray:
    """Mostly a turn of the shoulder (the arm sweeps through the puck), some of it out of range."""
    a = rng.uniform(-1.5, 1.5, (n, 3))
    a[: n // 2, 0] = 1.0
    return a.astype(np.float32)


@pytest.mark.parametrize("num_threads", [1, 2])
@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
@pytest.mark.parametrize("env_id", IDS)
def test_batch_backend_equals_loop_backend(env_id: str, mode: AutoresetMode, num_threads: int) -> None:
    """Long enough for autoresets of both kinds, joint limits and (Push) contacts; a partial reset with pinned
    options in the middle."""
    kwargs = {"autoreset_mode": mode, "max_episode_steps": 25, "terminate_on_success": True, "success_radius": 0.1}
    batch = make(env_id, 6, "batch", num_threads=num_threads, **kwargs)
    loop = make(env_id, 6, "loop", **kwargs)
    assert batch.unwrapped.sim.backend == "batch" and loop.unwrapped.sim.backend == "loop"
    assert_same(batch.reset(seed=7), loop.reset(seed=7))
    rng = np.random.default_rng(0)
    ended = contacts = 0
    for t in range(90):
        if t == 40:
            options = {"reset_mask": np.array([True, False, True, False, False, True])}
            if env_id.endswith("Push-v0"):
                options["object_pos"] = [0.0, 0.15]
            assert_same(batch.reset(options=dict(options)), loop.reset(options=dict(options)))
        actions = sweeping_actions(rng, 6)
        out_batch, out_loop = batch.step(actions), loop.step(actions)
        assert_same(out_batch, out_loop)
        ended += int(np.sum(out_batch[2] | out_batch[3]))
        contacts += int(np.sum(out_batch[4].get("contact", 0)))
    assert ended >= 6
    if env_id.endswith("Push-v0"):
        assert contacts > 0  # the contact flags were compared while set, not only while False
    batch.close()
    loop.close()


@pytest.mark.parametrize("cls", [ReachVectorEnv, PushVectorEnv])
def test_batch_backend_equals_single_envs_at_64(cls: type) -> None:
    """At N=64 (the benchmark's size) every sub-env follows the single env seeded ``seed + i``."""
    n = 64
    envs = cls(n, num_threads=2)
    assert envs.sim.backend == "batch"
    env_id = "rewardgym/Reach-v0" if cls is ReachVectorEnv else "rewardgym/Push-v0"
    sync = gym.make_vec(env_id, num_envs=n, vectorization_mode="sync")
    assert_same(envs.reset(seed=123), sync.reset(seed=123))
    rng = np.random.default_rng(4)
    for _ in range(12):
        actions = sweeping_actions(rng, n)
        assert_same(envs.step(actions), sync.step(actions))
    envs.close()
    sync.close()


def test_batch_backend_renders_like_the_loop_backend() -> None:
    need("gl")
    kwargs = {"render_mode": "rgb_array", "width": 48, "height": 48}
    batch, loop = make("rewardgym/Push-v0", 2, "batch", **kwargs), make("rewardgym/Push-v0", 2, "loop", **kwargs)
    batch.reset(seed=3)
    loop.reset(seed=3)
    actions = np.full((2, 3), 0.5, dtype=np.float32)
    batch.step(actions)
    loop.step(actions)
    for f_batch, f_loop in zip(batch.render(), loop.render()):
        np.testing.assert_array_equal(f_batch, f_loop)
    batch.close()
    loop.close()


def test_row_data_is_a_copy_of_the_row() -> None:
    envs = ReachVectorEnv(3)
    envs.reset(seed=0)
    envs.step(np.ones((3, 3)))
    data = envs.sim.data
    assert len(data) == 3 and len(data[0:2]) == 2
    np.testing.assert_array_equal(data[-1].qpos, envs.sim.qpos[2])
    data[1].qpos[:] = 9.0  # a copy: the simulation is untouched
    assert not (envs.sim.qpos[1] == 9.0).any()
    with pytest.raises(IndexError):
        data[3]


def test_unknown_backend_raises() -> None:
    with pytest.raises(EnvConfigError, match="backend must be one of"):
        ReachVectorEnv(2, backend="gpu")


@pytest.mark.parametrize("module", ["gymnasium", "rewardgym.envs.robotics.rewards"])
def test_a_fresh_process_makes_the_batched_env(module: str) -> None:
    """``make_vec`` right after ``import rewardgym`` (the reward registry not loaded yet) and a direct import of
    the family's reward package both work: no circular import between the registry and the reward modules."""
    code = (
        f"import {module}, rewardgym, gymnasium as gym\n"
        "envs = gym.make_vec('rewardgym/Push-v0', num_envs=2, vectorization_mode='vector_entry_point')\n"
        "print(envs.reset(seed=0)[0].shape)\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(2, 21)"
