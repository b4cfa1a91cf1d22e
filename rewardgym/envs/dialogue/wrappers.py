"""Per-agent rewards on a dialogue env through the reward API: :class:`DialogueRewardWrapper`.

At every ``step`` the wrapper builds one :class:`~rewardgym.types.Transitions` batch with a row per agent
that received a reward (its previous observation, its action, next observation, env reward, done flags
and info), scores the whole batch with one reward call, and returns each agent's value as its reward.
``info[agent]["env_reward"]`` keeps the env's own reward and ``info[agent]["reward_terms"]`` every term
of the breakdown, as :class:`rewardgym.rewards.wrappers.RewardWrapper` does for single-agent envs.

Example:
    >>> from rewardgym.envs.dialogue import negotiation
    >>> env = DialogueRewardWrapper(negotiation.parallel_env(), {"sum": {
    ...     "dialogue/negotiation-value-v0": 1.0, "dialogue/malformed-v0": -0.1}})
    >>> obs, infos = env.reset(seed=0)
    >>> speaker = infos["agent_0"]["speaker"]
    >>> _, rewards, _, _, infos = env.step({speaker: "PROPOSE {\\"pens\\": 1}"})  # not an item: malformed
    >>> round(rewards[speaker], 3), infos[speaker]["reward_terms"]["dialogue/malformed-v0"]
    (-0.1, 1.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from pettingzoo.utils.env import ParallelEnv
from pettingzoo.utils.wrappers import BaseParallelWrapper

from rewardgym.errors import RewardSpecError
from rewardgym.rewards.base import Reward
from rewardgym.types import Transitions, stack_rows

__all__ = ["DialogueRewardWrapper"]


class DialogueRewardWrapper(BaseParallelWrapper):
    """Replace (or add to) each agent's reward with a rewardgym reward scored on per-agent transitions.

    Args:
        env: a dialogue ``ParallelEnv``.
        reward: a registered name, a :class:`~rewardgym.rewards.base.Reward` or a spec dict, for every
            agent; or ``{agent: reward}`` to give agents different rewards (agents left out keep the env
            reward).
        combine: ``"replace"`` (default) or ``"add"`` (env reward + reward).

    Raises:
        RewardSpecError: a malformed reward spec or ``combine`` value.
    """

    def __init__(self, env: ParallelEnv, reward: Any, *, combine: str = "replace") -> None:
        super().__init__(env)
        from rewardgym.rewards.spec import build_reward

        if combine not in ("replace", "add"):
            raise RewardSpecError(f"combine must be 'replace' or 'add', got {combine!r}")
        self.combine = combine
        agents = set(env.possible_agents)
        if isinstance(reward, Mapping) and reward and set(map(str, reward)) <= agents:
            self.rewards_by_agent: dict[str, Reward] = {str(a): build_reward(r) for a, r in reward.items()}
        else:
            shared = build_reward(reward)
            self.rewards_by_agent = dict.fromkeys(env.possible_agents, shared)
        self._last_obs: dict[str, Any] = {}

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None):
        """Reset the env and remember each agent's first observation."""
        obs, infos = self.env.reset(seed=seed, options=options)
        self._last_obs = dict(obs)
        return obs, infos

    def step(self, actions: Mapping[str, Any]):
        """Step the env, then score every rewarded agent's transition in one call per reward."""
        obs, env_rewards, terms, truncs, infos = self.env.step(actions)
        rewards = dict(env_rewards)
        infos = {a: dict(i) for a, i in infos.items()}
        groups: dict[int, list[str]] = {}
        for agent in env_rewards:
            if agent in self.rewards_by_agent:
                groups.setdefault(id(self.rewards_by_agent[agent]), []).append(agent)
        for agents in groups.values():
            reward_fn = self.rewards_by_agent[agents[0]]
            batch = Transitions(
                obs=stack_rows([self._last_obs.get(a, "") for a in agents]),
                action=stack_rows([str(actions.get(a, "")) for a in agents]),
                next_obs=stack_rows([obs.get(a, "") for a in agents]),
                env_reward=torch.tensor([float(env_rewards[a]) for a in agents]),
                terminated=torch.tensor([bool(terms.get(a, False)) for a in agents]),
                truncated=torch.tensor([bool(truncs.get(a, False)) for a in agents]),
                infos=stack_rows([infos.get(a, {}) for a in agents]),
            )
            breakdown = reward_fn.breakdown(batch)
            for i, agent in enumerate(agents):
                value = float(breakdown["total"][i])
                rewards[agent] = value + float(env_rewards[agent]) if self.combine == "add" else value
                infos[agent]["env_reward"] = float(env_rewards[agent])
                infos[agent]["reward_terms"] = {k: float(v[i]) for k, v in breakdown.items()}
        self._last_obs.update(obs)
        return obs, rewards, terms, truncs, infos
