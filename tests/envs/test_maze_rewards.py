"""Maze rewards: the batch contract, their values, policy invariance of the shaping, and composition."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

import rewardgym
from rewardgym.envs.maze.env import MazeEnv
from rewardgym.errors import RewardComputationError, RewardSpecError
from rewardgym.rewards.base import FunctionReward
from rewardgym.rollout import collect_transitions
from rewardgym.testing import check_reward_fn
from rewardgym.types import Transitions

MAZE_REWARDS = ["maze/goal-v0", "maze/step-cost-v0", "maze/distance-potential-v0", "maze/wall-bump-v0"]


@pytest.fixture(scope="module")
def batch() -> Transitions:
    """A random-policy rollout on small mazes: many goal reaches, bumps and resets."""
    out = collect_transitions("rewardgym/Maze-v0", 400, seed=0, env_kwargs={"size": 5, "max_steps": 15})
    assert out.info("success").sum() >= 3 and out.info("bumped").sum() >= 20 and out.truncated.any()
    return out


@pytest.mark.parametrize("name", MAZE_REWARDS)
def test_check_reward_fn(name: str, batch: Transitions) -> None:
    check_reward_fn(rewardgym.make_reward(name), batch)
    check_reward_fn(rewardgym.make_reward(name), collect_transitions("rewardgym/Maze-v0", 16, seed=1))


def test_registered_with_example_and_doc() -> None:
    from rewardgym.testing import check_all_rewards

    registry = rewardgym.reward_registry()
    for name in MAZE_REWARDS:
        assert registry[name].example == "rewardgym/Maze-v0" and registry[name].doc
    assert set(check_all_rewards(MAZE_REWARDS).values()) == {"ok"}


def test_values_follow_the_info_contract(batch: Transitions) -> None:
    success, bumped = batch.info("success"), batch.info("bumped")
    d, prev = batch.info("distance"), batch.info("prev_distance")
    alive = (~batch.terminated).float()
    assert torch.equal(rewardgym.make_reward("maze/goal-v0")(batch), success)
    assert torch.equal(rewardgym.make_reward("maze/goal-v0")(batch), batch.env_reward)
    step_cost = rewardgym.make_reward("maze/step-cost-v0", cost=0.25)(batch)
    assert torch.allclose(step_cost, torch.full_like(d, -0.25))
    assert torch.allclose(rewardgym.make_reward("maze/wall-bump-v0", penalty=0.3)(batch), -0.3 * bumped)
    shaped = rewardgym.make_reward("maze/distance-potential-v0", gamma=0.9, scale=4.0)(batch)
    assert torch.allclose(shaped, 0.9 * (-d / 4.0) * alive + prev / 4.0, atol=1e-6)
    moved_closer = (d < prev) & ~batch.terminated
    assert (shaped[moved_closer] > 0).all() and (shaped[(d > prev)] < 0).all()


@pytest.mark.parametrize(
    ("name", "kwargs", "match"),
    [
        ("maze/step-cost-v0", {"cost": "high"}, "cost must be a finite number"),
        ("maze/wall-bump-v0", {"penalty": float("nan")}, "penalty must be a finite number"),
        ("maze/distance-potential-v0", {"scale": 0}, "scale must be > 0"),
        ("maze/distance-potential-v0", {"gamma": 1.5}, r"gamma must be in \[0, 1\]"),
        ("maze/goal-v0", {"weight": 2}, "accepted parameters"),
    ],
)
def test_bad_reward_kwargs(name: str, kwargs: dict, match: str) -> None:
    with pytest.raises(RewardSpecError, match=match):
        rewardgym.make_reward(name, **kwargs)


def test_missing_info_key_is_an_error_not_zero() -> None:
    infos = [{"other": 1}, {"other": 2}]
    bare = Transitions.from_rows(obs=[0, 0], action=[0, 1], next_obs=[0, 0], infos=infos)
    for name in ("maze/goal-v0", "maze/distance-potential-v0", "maze/wall-bump-v0"):
        with pytest.raises(RewardComputationError, match="infos"):
            rewardgym.make_reward(name)(bare)


# --- potential-based shaping leaves the optimal policy unchanged -------------------------------------


def tabular_mdp(seed: int, **kwargs) -> tuple[Transitions, np.ndarray]:
    """Every (state, action) of one fixed maze as a Transitions batch from the env's own ``step``.

    Returns the batch (row ``s*4 + a``) and ``next_state`` (S, 4), -1 where the step terminates.
    """
    env = MazeEnv(fixed_maze=True, max_steps=10_000, **kwargs)
    env.reset(seed=seed)
    states = [tuple(int(x) for x in p) for p in np.argwhere(env.maze.distance > 0)]
    index = {s: i for i, s in enumerate(states)}
    fields = ("obs", "action", "next_obs", "env_reward", "terminated", "infos")
    rows: dict[str, list] = {k: [] for k in fields}
    next_state = np.empty((len(states), 4), dtype=np.int64)
    for i, s in enumerate(states):
        for a in range(4):
            obs, _ = env.reset(options={"start": s})
            nobs, r, term, _, info = env.step(a)
            for k, v in zip(rows, (obs, a, nobs, r, term, info)):
                rows[k].append(v)
            next_state[i, a] = -1 if term else index[tuple(int(x) for x in info["agent_pos"])]
    return Transitions.from_rows(**rows), next_state


def greedy_actions(rewards: torch.Tensor, next_state: np.ndarray, gamma: float) -> list[frozenset[int]]:
    """Value iteration; the set of greedy actions in every state (ties within 1e-3)."""
    r = rewards.double().numpy().reshape(next_state.shape)
    alive = next_state >= 0
    v = np.zeros(len(r))
    for _ in range(20_000):
        q = r + gamma * np.where(alive, v[np.maximum(next_state, 0)], 0.0)
        new = q.max(axis=1)
        if np.abs(new - v).max() < 1e-12:
            break
        v = new
    else:
        raise AssertionError("value iteration did not converge")
    return [frozenset(np.flatnonzero(row >= row.max() - 1e-3).tolist()) for row in q]


@pytest.mark.parametrize(("seed", "kwargs"), [(0, {"size": 7}), (4, {"size": 9, "extra_openings": 0.5})])
def test_potential_shaping_keeps_the_optimal_policy(seed: int, kwargs: dict) -> None:
    gamma = 0.99
    batch, next_state = tabular_mdp(seed, **kwargs)
    goal = rewardgym.make_reward("maze/goal-v0")(batch)
    shaping = rewardgym.make_reward("maze/distance-potential-v0", gamma=gamma, scale=2.0)(batch)
    assert shaping.abs().max() > 0.1, "the shaping term is far from zero, so invariance is not trivial"
    sparse = greedy_actions(goal, next_state, gamma)
    shaped = greedy_actions(goal + shaping, next_state, gamma)
    assert shaped == sparse
    # the sparse optimum walks down the BFS distance map: the check has real optimal actions to compare
    d = batch.info("distance").numpy().reshape(next_state.shape)
    prev = batch.info("prev_distance").numpy().reshape(next_state.shape)
    assert all(all(d[s, a] == prev[s, 0] - 1 for a in acts) for s, acts in enumerate(sparse))
    # a bonus that is not potential-based (+0.5 for moving right) does change the greedy policy
    right = FunctionReward(lambda b: (b.action == 1).float() * 0.5, name="right-bonus")(batch)
    assert greedy_actions(goal + right, next_state, gamma) != sparse


# --- composition on the vector env -------------------------------------------------------------------


def test_composed_reward_on_the_vector_env() -> None:
    n, gamma = 8, 0.99
    spec = {"sum": {"maze/goal-v0": 1.0, "maze/distance-potential-v0": 0.1, "maze/step-cost-v0": 1.0}}
    kwargs = {"size": 5, "max_steps": 12, "goal": "random"}
    envs = gym.make_vec("rewardgym/Maze-v0", num_envs=n, vectorization_mode="vector_entry_point", **kwargs)
    envs = rewardgym.wrap(envs, spec)
    envs.reset(seed=0)
    rng = np.random.default_rng(0)
    was_done = np.zeros(n, dtype=bool)
    autoreset_rows = goals = 0
    for _ in range(200):
        _, reward, term, trunc, infos = envs.step(rng.integers(0, 4, n))
        terms = infos["reward_terms"]
        assert set(terms) == {"maze/goal-v0", "maze/distance-potential-v0", "maze/step-cost-v0", "total"}
        assert all(v.shape == (n,) for v in terms.values())
        d, prev = infos["distance"].astype(np.float64), infos["prev_distance"].astype(np.float64)
        goal = infos["success"].astype(np.float64)
        potential = gamma * -d * ~term + prev
        expected = {"maze/goal-v0": goal, "maze/distance-potential-v0": potential, "maze/step-cost-v0": -0.01}
        for key, value in expected.items():
            want = np.where(was_done, 0.0, value)  # autoreset steps are not transitions: every term is 0
            np.testing.assert_allclose(terms[key], want, atol=1e-5, err_msg=key)
        total = np.where(was_done, 0.0, goal + 0.1 * potential - 0.01)
        np.testing.assert_allclose(reward, total, atol=1e-5)
        np.testing.assert_array_equal(terms["total"], reward)
        np.testing.assert_array_equal(infos["env_reward"], goal * ~was_done)
        autoreset_rows += int(was_done.sum())
        goals += int(goal.sum())
        was_done = term | trunc
    assert autoreset_rows > 50 and goals > 5
