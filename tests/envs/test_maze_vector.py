"""MazeVectorEnv matches gymnasium's SyncVectorEnv of MazeEnvs step for step, autoresets included."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv

import rewardgym  # noqa: F401 - registers the env
from rewardgym.envs.maze.env import MazeEnv
from rewardgym.envs.maze.vector import MazeVectorEnv
from rewardgym.errors import EnvConfigError, InvalidActionError

CONFIGS = [
    {"size": 5, "max_steps": 12},
    {"size": 7, "max_steps": 20, "view_radius": 2, "extra_openings": 0.5, "goal": "random"},
    {"size": 7, "max_steps": 25, "view_radius": 0, "goal": "corner"},
    {"size": 9, "max_steps": 30, "fixed_maze": True, "view_radius": 4},
    {"size": 9, "max_steps": 40, "extra_openings": 1.0},
]


def make_pair(n: int, **kwargs) -> tuple[SyncVectorEnv, MazeVectorEnv]:
    sync = SyncVectorEnv([lambda: MazeEnv(**kwargs) for _ in range(n)])
    return sync, MazeVectorEnv(n, **kwargs)


def assert_same(expected: tuple, got: tuple, where: str) -> None:
    names = ("obs", "reward", "terminated", "truncated")
    for name, x, y in zip(names, expected[:4], got[:4]):
        assert x.dtype == y.dtype and np.array_equal(x, y), f"{where}: {name} differs\n{x}\n{y}"
    infos_x, infos_y = expected[4], got[4]
    masks = {k for k in infos_x if k.startswith("_")}
    assert all(infos_x[k].all() for k in masks), "every sub-env reports every key: masks are all True"
    assert set(infos_x) - masks == set(infos_y), where
    for key in infos_y:
        x, y = infos_x[key], infos_y[key]
        assert x.dtype == y.dtype and np.array_equal(x, y), f"{where}: info[{key!r}] differs\n{x}\n{y}"


@pytest.mark.parametrize("kwargs", CONFIGS)
def test_matches_sync_vector_env(kwargs: dict) -> None:
    n = 6
    sync, vec = make_pair(n, **kwargs)
    assert vec.observation_space == sync.observation_space and vec.action_space == sync.action_space
    o1, i1 = sync.reset(seed=5)
    o2, i2 = vec.reset(seed=5)
    assert np.array_equal(o1, o2)
    assert set(i2) == {k for k in i1 if not k.startswith("_")}
    assert all(np.array_equal(i1[k], i2[k]) and i1[k].dtype == i2[k].dtype for k in i2)
    rng = np.random.default_rng(0)
    ended = 0
    for t in range(400):
        actions = rng.integers(0, 4, n)
        expected, got = sync.step(actions), vec.step(actions)
        assert_same(expected, got, f"step {t}")
        ended += int((got[2] | got[3]).sum())
        # a second reset mid-run, unseeded, keeps each sub-env's generator (like SyncVectorEnv)
        if t == 250:
            o1, _ = sync.reset()
            o2, _ = vec.reset()
            assert np.array_equal(o1, o2)
    assert ended > 40, "the run must cover many autoresets"


def test_autoreset_semantics_next_step() -> None:
    n = 4
    vec = MazeVectorEnv(n, size=7, max_steps=5)
    assert vec.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    vec.reset(seed=0)
    for _ in range(4):
        _, _, term, trunc, _ = vec.step(np.zeros(n, dtype=np.int64))
        assert not (term | trunc).any()
    obs, reward, term, trunc, info = vec.step(np.zeros(n, dtype=np.int64))
    assert (term | trunc).all()
    single = MazeEnv(size=7, max_steps=5)
    # the next step resets: action ignored, reward 0, flags False, fresh maze from the sub-env's own generator
    obs, reward, term, trunc, info = vec.step(np.full(n, 3, dtype=np.int64))
    assert not term.any() and not trunc.any() and (reward == 0).all()
    assert (info["prev_distance"] == info["distance"]).all() and not info["bumped"].any()
    single.reset(seed=0)
    expected, _ = single.reset()  # sub-env 0's second maze
    assert np.array_equal(obs[0], expected)


def test_seed_list_and_generators_persist() -> None:
    sync, vec = make_pair(3, size=7, max_steps=6)
    o1, _ = sync.reset(seed=[10, 20, 30])
    o2, _ = vec.reset(seed=[10, 20, 30])
    assert np.array_equal(o1, o2)
    rng = np.random.default_rng(1)
    for t in range(60):
        a = rng.integers(0, 4, 3)
        assert_same(sync.step(a), vec.step(a), f"step {t}")
    with pytest.raises(EnvConfigError, match="num_envs=3"):
        vec.reset(seed=[1, 2])


def test_make_vec_entry_point() -> None:
    kwargs = {"size": 11, "view_radius": 1}
    envs = gym.make_vec("rewardgym/Maze-v0", num_envs=5, vectorization_mode="vector_entry_point", **kwargs)
    assert isinstance(envs.unwrapped, MazeVectorEnv)
    obs, infos = envs.reset(seed=0)
    assert obs.shape == (5, 3, 3) and infos["agent_pos"].shape == (5, 2)
    assert envs.unwrapped.spec.id == "rewardgym/Maze-v0"


def test_returned_arrays_are_not_aliased() -> None:
    sync, vec = make_pair(4, size=7, max_steps=8)
    sync.reset(seed=1)
    vec.reset(seed=1)
    rng = np.random.default_rng(2)
    for t in range(40):
        a = rng.integers(0, 4, 4)
        expected, got = sync.step(a), vec.step(a)
        assert_same(expected, got, f"step {t}")
        got[0][:] = 0  # a caller scribbling on its arrays must not change the env
        for key, value in got[4].items():
            if value.flags.writeable:
                value[...] = 0 if key != "agent_pos" else -1


def test_invalid_actions() -> None:
    vec = MazeVectorEnv(3, size=7)
    with pytest.raises(gym.error.ResetNeeded):
        vec.step(np.zeros(3, dtype=np.int64))
    vec.reset(seed=0)
    for bad, match in [
        (np.array([0, 4, 1]), r"\[4\].*\[0, 3\]"),
        (np.array([0, -1, 1]), r"\[-1\].*\[0, 3\]"),
        (np.array([0.0, 1.0, 2.0]), r"\[0, 3\]"),
        (np.array([0, 1]), r"\[0, 3\]"),
        ([[0, 1, 2]], r"\[0, 3\]"),
    ]:
        with pytest.raises(InvalidActionError, match=match):
            vec.step(bad)
    vec.step([0, 1, 2])  # lists of ints are fine
    vec.step(np.array([3, 2, 1], dtype=np.int8))


@pytest.mark.parametrize(("kwargs", "match"), [({"num_envs": 0}, "num_envs"), ({"size": 6}, "odd"),
                                               ({"goal": "x"}, "goal mode")])
def test_bad_kwargs(kwargs: dict, match: str) -> None:
    with pytest.raises(EnvConfigError, match=match):
        MazeVectorEnv(**{"num_envs": 2, **kwargs})


def test_render_matches_single_envs() -> None:
    for mode in ("rgb_array", "ansi"):
        sync, vec = make_pair(2, size=7, view_radius=1, render_mode=mode)
        sync.reset(seed=3)
        vec.reset(seed=3)
        a = np.array([1, 2])
        sync.step(a)
        vec.step(a)
        for x, y in zip(sync.render(), vec.render()):
            assert np.array_equal(x, y) if mode == "rgb_array" else x == y
