"""The batched Reach / Push envs equal a SyncVectorEnv over the single env, step for step, bit for bit."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import rewardgym
from rewardgym.envs.robotics.vector import ReachVectorEnv
from rewardgym.errors import EnvConfigError, InvalidActionError

IDS = ["rewardgym/Reach-v0", "rewardgym/Push-v0"]


def assert_same(a: Any, b: Any, path: str = "") -> None:
    """Exact equality of step results, recursing into info dicts (values, dtypes and ``_key`` masks)."""
    if isinstance(a, tuple):
        assert len(a) == len(b)
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, dict):
        assert set(a) == set(b), f"{path}: keys differ: {set(a) ^ set(b)}"
        for k in a:
            assert_same(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, np.ndarray) and a.dtype == object:
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert (x is None) == (y is None), path
            if x is not None:
                np.testing.assert_array_equal(x, y, err_msg=path)
    else:
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype, f"{path}: dtype {a.dtype} != {b.dtype}"
        np.testing.assert_array_equal(a, b, err_msg=path)


def make_pair(
    env_id: str, n: int, mode: AutoresetMode, **kwargs: Any
) -> tuple[gym.vector.VectorEnv, gym.vector.VectorEnv]:
    native = gym.make_vec(
        env_id, num_envs=n, vectorization_mode="vector_entry_point", autoreset_mode=mode, **kwargs
    )
    sync = gym.make_vec(
        env_id, num_envs=n, vectorization_mode="sync", vector_kwargs={"autoreset_mode": mode}, **kwargs
    )
    return native, sync


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
@pytest.mark.parametrize("env_id", IDS)
def test_native_equals_sync_vector_env(env_id: str, mode: AutoresetMode) -> None:
    """Short episodes (7 steps) and success terminations exercise autoreset; actions go out of range."""
    native, sync = make_pair(
        env_id, 5, mode, max_episode_steps=7, terminate_on_success=True, success_radius=0.12
    )
    assert native.metadata["autoreset_mode"] == mode
    assert_same(native.reset(seed=11), sync.reset(seed=11))
    rng = np.random.default_rng(0)
    ended = 0
    for _ in range(40):
        actions = rng.uniform(-1.5, 1.5, (5, 3)).astype(np.float32)
        out_native, out_sync = native.step(actions), sync.step(actions)
        assert_same(out_native, out_sync)
        ended += int(np.sum(out_native[2] | out_native[3]))
    assert ended > 10
    native.close()
    sync.close()


def test_threaded_stepping_matches_serial() -> None:
    serial = gym.make_vec("rewardgym/Push-v0", num_envs=8, vectorization_mode="vector_entry_point")
    threaded = gym.make_vec(
        "rewardgym/Push-v0", num_envs=8, vectorization_mode="vector_entry_point", num_threads=2
    )
    assert_same(serial.reset(seed=0), threaded.reset(seed=0))
    rng = np.random.default_rng(1)
    for _ in range(30):
        a = rng.uniform(-1, 1, (8, 3))
        assert_same(serial.step(a), threaded.step(a))
    threaded.close()


def test_sub_env_i_matches_single_env_seeded_seed_plus_i() -> None:
    envs = gym.make_vec("rewardgym/Reach-v0", num_envs=3, vectorization_mode="vector_entry_point")
    obs, _ = envs.reset(seed=100)
    single = gym.make("rewardgym/Reach-v0")
    for i in range(3):
        np.testing.assert_array_equal(obs[i], single.reset(seed=100 + i)[0])


def test_reset_mask_and_options() -> None:
    envs = gym.make_vec("rewardgym/Reach-v0", num_envs=3, vectorization_mode="vector_entry_point")
    envs.reset(seed=0)
    before, *_ = envs.step(np.zeros((3, 3)))
    mask = np.array([False, True, False])
    obs, info = envs.reset(options={"reset_mask": mask, "target_pos": [0.1, -0.1]})
    np.testing.assert_array_equal(info["_target_pos"], mask)
    np.testing.assert_array_equal(obs[[0, 2]], before[[0, 2]])
    np.testing.assert_array_equal(info["target_pos"][1, :2], [0.1, -0.1])
    np.testing.assert_array_equal(info["action"][1], np.zeros(3))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda e: e.reset(seed=[1, 2]), EnvConfigError, "3 seeds"),
        (lambda e: e.reset(options={"reset_mask": np.zeros(3, dtype=bool)}), EnvConfigError, "reset_mask"),
        (lambda e: e.step(np.zeros((2, 3))), InvalidActionError, r"\(3, 3\)"),
        (lambda e: e.step(np.zeros(3)), InvalidActionError, "shape"),
    ],
)
def test_bad_input_raises(call: Any, error: type, match: str) -> None:
    envs = ReachVectorEnv(3)
    envs.reset(seed=0)
    with pytest.raises(error, match=match):
        call(envs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"autoreset_mode": "Sometimes"}, "autoreset_mode"),
        ({"autoreset_mode": "Disabled"}, "not supported"),
        ({"max_episode_steps": 0}, "max_episode_steps"),
        ({"num_threads": 0}, "num_threads"),
        ({"num_envs": 0}, "num_envs"),
    ],
)
def test_bad_kwargs_raise(kwargs: dict, match: str) -> None:
    with pytest.raises(EnvConfigError, match=match):
        ReachVectorEnv(**{"num_envs": 2, **kwargs})


def test_default_time_limit_and_reward_wrapper_agree_with_env_reward() -> None:
    """The registered limit reaches the vector env; a VectorRewardWrapper with the default reward reproduces
    the env's own reward (0 on the autoreset steps)."""
    envs = gym.make_vec("rewardgym/Reach-v0", num_envs=4, vectorization_mode="vector_entry_point")
    assert envs.unwrapped.max_episode_steps == 50
    wrapped = rewardgym.wrap(envs, "robotics/reach-default-v0")
    wrapped.reset(seed=0)
    rng = np.random.default_rng(2)
    for t in range(55):
        _, reward, _, truncated, info = wrapped.step(rng.uniform(-1, 1, (4, 3)))
        np.testing.assert_allclose(reward, info["env_reward"], atol=1e-5)
        if t == 49:
            assert truncated.all()
    assert "robotics/success-v0" in info["reward_terms"]


def test_render_gives_one_frame_per_sub_env() -> None:
    envs = gym.make_vec(
        "rewardgym/Push-v0",
        num_envs=2,
        vectorization_mode="vector_entry_point",
        render_mode="rgb_array",
        width=64,
        height=48,
    )
    envs.reset(seed=0, options={"goal_pos": [0.0, 0.2]})
    frames = envs.render()
    assert len(frames) == 2 and frames[0].shape == (48, 64, 3) and frames[0].dtype == np.uint8
    assert not np.array_equal(frames[0], frames[1])  # different pucks
    envs.close()
