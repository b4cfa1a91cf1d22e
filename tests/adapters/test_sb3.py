"""The Stable-Baselines3 adapter: SB3's env checker on every control env, the native vector envs as SB3 VecEnvs
(step for step equal to SB3's own DummyVecEnv), and PPO trained through the adapter."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
import torch

import rewardgym  # noqa: F401 - registers the envs
from rewardgym.errors import EnvConfigError
from tests.adapters.conftest import need_package

need_package("stable_baselines3", "sb3")

from stable_baselines3.common.env_checker import check_env  # noqa: E402
from stable_baselines3.common.vec_env import DummyVecEnv, VecMonitor  # noqa: E402

from rewardgym.adapters.sb3 import SB3VecEnv, make_sb3_vec_env  # noqa: E402

CONTROL_ENVS = ["rewardgym/Maze-v0", "rewardgym/Reach-v0", "rewardgym/Push-v0"]


@pytest.mark.parametrize("env_id", CONTROL_ENVS)
def test_every_control_env_passes_sb3_check_env(env_id: str) -> None:
    env = gym.make(env_id)
    if env_id == "rewardgym/Maze-v0":  # the (size, size) grid: flatten it for an MLP, as SB3 recommends
        env = gym.wrappers.FlattenObservation(env)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env, warn=True)
    assert not [str(w.message) for w in caught if "stable_baselines3" in w.filename], "SB3 warned"
    env.close()


def test_the_control_env_list_is_every_registered_non_text_env() -> None:
    from rewardgym.family import all_envs

    control = set()
    for env_id, entry in all_envs(api="gymnasium").items():
        env = gym.make(env_id, **dict(entry.check_kwargs))
        spaces = (env.action_space, env.observation_space)
        if not any(isinstance(s, (gym.spaces.Text, gym.spaces.Dict)) for s in spaces):
            control.add(env_id)
        env.close()
    assert control == set(CONTROL_ENVS)


def _dummy(env_id: str, n: int, **kwargs) -> DummyVecEnv:
    return DummyVecEnv([lambda: gym.make(env_id, **kwargs) for _ in range(n)])


@pytest.mark.parametrize(
    ("env_id", "kwargs", "steps"),
    [("rewardgym/Maze-v0", {"size": 5, "max_steps": 10}, 120), ("rewardgym/Reach-v0", {}, 120),
     ("rewardgym/Push-v0", {"max_episode_steps": 30}, 70)],
)
def test_native_vec_env_equals_sb3_dummy_vec_env(env_id: str, kwargs: dict, steps: int) -> None:
    n = 4
    ours, theirs = make_sb3_vec_env(env_id, n_envs=n, **kwargs), _dummy(env_id, n, **kwargs)
    assert type(ours.env).__name__ != "SyncVectorEnv"  # the family's native batched env
    assert ours.observation_space == theirs.observation_space and ours.action_space == theirs.action_space
    assert ours.seed(7) == theirs.seed(7)
    assert np.array_equal(ours.reset(), theirs.reset())
    rng = np.random.default_rng(0)
    ended = 0
    for t in range(steps):
        if isinstance(ours.action_space, gym.spaces.Discrete):
            actions = rng.integers(0, ours.action_space.n, n)
        else:
            actions = rng.uniform(-1, 1, (n, *ours.action_space.shape)).astype(np.float32)
        o1, r1, d1, i1 = ours.step(actions)
        o2, r2, d2, i2 = theirs.step(actions)
        np.testing.assert_allclose(o1, o2, err_msg=f"step {t}", atol=1e-9)
        np.testing.assert_allclose(r1, r2, err_msg=f"step {t}", atol=1e-6)
        assert np.array_equal(d1, d2) and r1.dtype == np.float32
        for a, b in zip(i1, i2):
            assert a["TimeLimit.truncated"] == b["TimeLimit.truncated"]
            assert ("terminal_observation" in a) == ("terminal_observation" in b)
            if "terminal_observation" in b:
                np.testing.assert_allclose(a["terminal_observation"], b["terminal_observation"], atol=1e-9)
                np.testing.assert_allclose(a["success"], b["success"])  # the final step's info, not the reset's
        ended += int(d1.sum())
    assert ended >= n, "the run must cover autoresets"


def test_vec_monitor_reports_episodes_and_attributes_are_shared() -> None:
    venv = VecMonitor(make_sb3_vec_env("rewardgym/Maze-v0", n_envs=3, size=5, max_steps=4))
    venv.seed(0)
    venv.reset()
    for _ in range(3):
        venv.step(np.zeros(3, dtype=np.int64))
    _, _, dones, infos = venv.step(np.zeros(3, dtype=np.int64))
    assert dones.all() and all(info["episode"]["l"] == 4 for info in infos)
    assert venv.get_attr("max_steps") == [4, 4, 4]
    assert venv.env_is_wrapped(gym.Wrapper) == [False, False, False]


def test_sync_fallback_keeps_sub_env_access() -> None:
    venv = make_sb3_vec_env("rewardgym/Maze-v0", n_envs=2, vectorization_mode="sync",
                            wrappers=[gym.wrappers.FlattenObservation], size=5)
    venv.seed(1)
    assert venv.reset().shape == (2, 25)
    assert venv.env_is_wrapped(gym.wrappers.FlattenObservation) == [True, True]
    assert venv.get_attr("spec")[0].id == "rewardgym/Maze-v0"


def test_next_step_vector_env_is_refused_with_the_fix() -> None:
    envs = gym.make_vec("rewardgym/Maze-v0", num_envs=2, vectorization_mode="vector_entry_point")
    with pytest.raises(EnvConfigError, match="SAME_STEP"):
        SB3VecEnv(envs)
    with pytest.raises(EnvConfigError, match=r"gymnasium\.vector\.VectorEnv"):
        SB3VecEnv(gym.make("rewardgym/Maze-v0"))


@pytest.mark.slow
def test_ppo_trains_on_the_native_maze_through_the_adapter() -> None:
    from stable_baselines3 import PPO

    torch.set_num_threads(1)
    maze = {"size": 5, "max_steps": 16, "fixed_maze": True}

    def success_rate(model: PPO | None, episodes: int = 200) -> float:
        env = make_sb3_vec_env("rewardgym/Maze-v0", n_envs=8, **maze)
        env.seed(123)  # mazes the policy never trained on
        obs, done, wins = env.reset(), 0, 0
        rng = np.random.default_rng(0)
        while done < episodes:
            actions = rng.integers(0, 4, 8) if model is None else model.predict(obs, deterministic=True)[0]
            obs, rewards, dones, _ = env.step(actions)
            done, wins = done + int(dones.sum()), wins + int((rewards > 0).sum())
        return wins / done

    venv = VecMonitor(make_sb3_vec_env("rewardgym/Maze-v0", n_envs=8, **maze))
    model = PPO("MlpPolicy", venv, n_steps=64, batch_size=128, n_epochs=4, learning_rate=1e-3, seed=0,
                device="cpu", policy_kwargs={"net_arch": [64, 64]})
    model.learn(8192)
    assert model.num_timesteps >= 8192
    random_rate, trained_rate = success_rate(None), success_rate(model)
    assert trained_rate > 2 * random_rate, (random_rate, trained_rate)
