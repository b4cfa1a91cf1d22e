"""CleanRL's ``ppo.py`` on the maze with the edits docs/adapters.md lists, run here in a condensed copy of its loop.

The edits, each exercised below: (1) the env id ``rewardgym:rewardgym/Maze-v0`` imports the package, so
``gym.make`` finds the namespace without an ``import rewardgym``; (2) ``flat_obs=True`` gives the 1-D
observation its ``nn.Linear(np.prod(obs_shape), 64)`` expects; (3) the native batched env through
``gym.make_vec(..., vectorization_mode="vector_entry_point")``; (4) ``autoreset_mode=SAME_STEP``, the autoreset
its GAE loop assumes (Gymnasium 1.x defaults to NEXT_STEP); (5) Gymnasium 1.x episode logging: the vector
``RecordEpisodeStatistics`` puts returns in ``infos["episode"]["r"]`` where ``infos["_episode"]``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
from gymnasium.vector import AutoresetMode
from torch import nn
from torch.distributions.categorical import Categorical

import rewardgym  # noqa: F401 - registers the envs for the tests that use the plain id

ROOT = Path(__file__).resolve().parents[2]


def make_envs(num_envs: int, **kwargs) -> gym.vector.VectorEnv:
    """The recipe (edits 1-5) in place of ``ppo.py``'s ``SyncVectorEnv([make_env(...)])``."""
    envs = gym.make_vec("rewardgym:rewardgym/Maze-v0", num_envs=num_envs, vectorization_mode="vector_entry_point",
                        autoreset_mode=AutoresetMode.SAME_STEP, flat_obs=True, **kwargs)
    return gym.wrappers.vector.RecordEpisodeStatistics(envs)


class Agent(nn.Module):
    """CleanRL's ``ppo.py`` agent, verbatim in shape: MLPs over ``np.prod(single_observation_space.shape)``."""

    def __init__(self, envs: gym.vector.VectorEnv) -> None:
        super().__init__()
        n_in = int(np.array(envs.single_observation_space.shape).prod())
        self.critic = nn.Sequential(nn.Linear(n_in, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))
        self.actor = nn.Sequential(nn.Linear(n_in, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(),
                                   nn.Linear(64, envs.single_action_space.n))

    def get_value(self, x: torch.Tensor) -> torch.Tensor:
        return self.critic(x)

    def get_action_and_value(self, x: torch.Tensor, action: torch.Tensor | None = None):
        probs = Categorical(logits=self.actor(x))
        if action is None:
            action = probs.sample()
        return action, probs.log_prob(action), probs.entropy(), self.critic(x)


def test_namespace_loads_from_the_env_id_alone() -> None:
    code = "import gymnasium as gym; print(gym.make('rewardgym:rewardgym/Maze-v0').observation_space.shape)"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(9, 9)"


def test_flat_obs_is_the_grid_row_major() -> None:
    grid = gym.make("rewardgym/Maze-v0", size=7)
    flat = gym.make("rewardgym/Maze-v0", size=7, flat_obs=True)
    assert flat.observation_space.shape == (49,)
    o1, o2 = grid.reset(seed=4)[0], flat.reset(seed=4)[0]
    np.testing.assert_array_equal(o1.reshape(-1), o2)
    np.testing.assert_array_equal(grid.step(2)[0].reshape(-1), flat.step(2)[0])
    vec = gym.make_vec("rewardgym/Maze-v0", num_envs=3, vectorization_mode="vector_entry_point", size=7,
                       view_radius=2, flat_obs=True)
    assert vec.reset(seed=0)[0].shape == (3, 25) and vec.single_observation_space.shape == (25,)


def test_cleanrl_ppo_loop_runs_on_the_maze_and_logs_episodes() -> None:
    torch.manual_seed(0)
    num_envs, num_steps, gamma, gae_lambda, clip = 4, 32, 0.99, 0.95, 0.2
    envs = make_envs(num_envs, size=5, max_steps=20)
    assert isinstance(envs.single_action_space, gym.spaces.Discrete)  # ppo.py's own assertion
    agent = Agent(envs)
    optimizer = torch.optim.Adam(agent.parameters(), lr=2.5e-4, eps=1e-5)
    obs = torch.zeros((num_steps, num_envs, *envs.single_observation_space.shape))
    actions = torch.zeros((num_steps, num_envs))
    logprobs, rewards, dones, values = (torch.zeros((num_steps, num_envs)) for _ in range(4))
    next_obs, _ = envs.reset(seed=1)
    next_obs, next_done = torch.Tensor(next_obs), torch.zeros(num_envs)
    returns_by_hand, running = [], np.zeros(num_envs)
    logged = []
    for _iteration in range(2):
        for step in range(num_steps):
            obs[step], dones[step] = next_obs, next_done
            with torch.no_grad():
                action, logprob, _, value = agent.get_action_and_value(next_obs)
                values[step] = value.flatten()
            actions[step], logprobs[step] = action, logprob
            next_obs, reward, terminations, truncations, infos = envs.step(action.cpu().numpy())
            next_done = np.logical_or(terminations, truncations)
            rewards[step] = torch.tensor(reward).view(-1)
            next_obs, next_done = torch.Tensor(next_obs), torch.Tensor(next_done)
            running += reward
            for i in np.flatnonzero(next_done.numpy()):
                returns_by_hand.append(running[i])
                running[i] = 0
            if "episode" in infos:  # edit 5: Gymnasium 1.x episode statistics
                logged.extend(infos["episode"]["r"][infos["_episode"]].tolist())
        with torch.no_grad():  # ppo.py's GAE, unchanged: correct because the autoreset is SAME_STEP
            next_value = agent.get_value(next_obs).reshape(1, -1)
            advantages = torch.zeros_like(rewards)
            lastgaelam = 0
            for t in reversed(range(num_steps)):
                nextnonterminal = 1.0 - (next_done if t == num_steps - 1 else dones[t + 1])
                nextvalues = next_value if t == num_steps - 1 else values[t + 1]
                delta = rewards[t] + gamma * nextvalues * nextnonterminal - values[t]
                advantages[t] = lastgaelam = delta + gamma * gae_lambda * nextnonterminal * lastgaelam
            b_returns = (advantages + values).reshape(-1)
        b_obs = obs.reshape((-1, *envs.single_observation_space.shape))
        _, newlogprob, entropy, newvalue = agent.get_action_and_value(b_obs, actions.reshape(-1).long())
        ratio = (newlogprob - logprobs.reshape(-1)).exp()
        b_adv = advantages.reshape(-1)
        pg_loss = torch.max(-b_adv * ratio, -b_adv * torch.clamp(ratio, 1 - clip, 1 + clip)).mean()
        loss = pg_loss + 0.5 * ((newvalue.view(-1) - b_returns) ** 2).mean() - 0.01 * entropy.mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert len(logged) == len(returns_by_hand) >= 8
    assert any(r > 0 for r in logged), "some episodes reach the goal"
    np.testing.assert_allclose(logged, returns_by_hand)
    assert torch.isfinite(loss)
