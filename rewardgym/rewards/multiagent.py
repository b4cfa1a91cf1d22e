"""Rewards on a PettingZoo parallel env: :class:`MultiAgentRewardWrapper` (what :func:`rewardgym.wrap` returns
for a ``ParallelEnv``).

At every ``step`` the wrapper builds one :class:`~rewardgym.types.Transitions` batch with a row per agent
that received a reward (its previous observation, its action, next observation, env reward, done flags
and info), scores it with one call per reward, and returns each agent's value as its reward. Episode
rewards (:class:`~rewardgym.rewards.base.EpisodeRewardFn`, composites of them, the episode part of a mixed
sum) score the env's ``episode()`` (one row per agent, see :mod:`rewardgym.rollout`) on the step where the
agent's episode ends. ``info[agent]["env_reward"]`` keeps the env's own reward and
``info[agent]["reward_terms"]`` every term, as :class:`~rewardgym.rewards.wrappers.RewardWrapper` does for
single-agent envs.

Example:
    >>> import rewardgym
    >>> from rewardgym.envs.dialogue import negotiation
    >>> env = rewardgym.wrap(negotiation.parallel_env(), {"sum": {
    ...     "dialogue/negotiation-value-v0": 1.0, "dialogue/malformed-v0": -0.1}})
    >>> obs, infos = env.reset(seed=0)
    >>> speaker = infos["agent_0"]["speaker"]
    >>> _, rewards, _, _, infos = env.step({speaker: "PROPOSE {\\"pens\\": 1}"})  # not an item: malformed
    >>> round(rewards[speaker], 3), infos[speaker]["reward_terms"]["dialogue/malformed-v0"]
    (-0.1, 1.0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

from rewardgym.errors import RewardSpecError, require
from rewardgym.rewards.base import Reward, scores_episodes, scores_steps
from rewardgym.types import Episodes, Transitions, stack_rows

require("pettingzoo", "multiagent")
from pettingzoo.utils.env import ParallelEnv  # noqa: E402
from pettingzoo.utils.wrappers import BaseParallelWrapper  # noqa: E402

__all__ = ["MultiAgentRewardWrapper"]


class MultiAgentRewardWrapper(BaseParallelWrapper):
    """Replace (or add to) each agent's reward with a rewardgym reward.

    Args:
        env: a PettingZoo ``ParallelEnv``.
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
        self._episode_keys: dict[int, dict[str, float]] = {}

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None):
        """Reset the env and remember each agent's first observation."""
        obs, infos = self.env.reset(seed=seed, options=options)
        self._last_obs = dict(obs)
        return obs, infos

    def step(self, actions: Mapping[str, Any]):
        """Step the env, then score every rewarded agent: its transition, and its episode if it ended."""
        obs, env_rewards, terms, truncs, infos = self.env.step(actions)
        rewards = dict(env_rewards)
        infos = {a: dict(i) for a, i in infos.items()}
        groups: dict[int, list[str]] = {}
        for agent in env_rewards:
            if agent in self.rewards_by_agent:
                groups.setdefault(id(self.rewards_by_agent[agent]), []).append(agent)
        episode: Episodes | None = None
        for agents in groups.values():
            reward_fn = self.rewards_by_agent[agents[0]]
            values: list[dict[str, float]] = [{} for _ in agents]
            if scores_steps(reward_fn):
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
                values = [{k: float(v[i]) for k, v in breakdown.items()} for i in range(len(agents))]
            if scores_episodes(reward_fn):
                done = [a for a in agents if terms.get(a, False) or truncs.get(a, False)]
                if done and episode is None:
                    from rewardgym.rollout import episode_of

                    episode = episode_of(self.env)
                values = self._add_episode_terms(reward_fn, agents, values, done, episode)
            for agent, value in zip(agents, values):
                total = value["total"]
                rewards[agent] = total + float(env_rewards[agent]) if self.combine == "add" else total
                infos[agent]["env_reward"] = float(env_rewards[agent])
                infos[agent]["reward_terms"] = value
        self._last_obs.update(obs)
        return obs, rewards, terms, truncs, infos

    def _rows_of(self, episode: Episodes, agents: Sequence[str]) -> list[int]:
        """Row of each agent in the env's episode (by ``infos["agent"]``, else ``possible_agents`` order)."""
        names = episode.infos.get("agent")
        order = [str(a) for a in names] if names is not None else list(self.env.possible_agents)
        return [order.index(a) for a in agents]

    def _add_episode_terms(
        self,
        reward_fn: Reward,
        agents: Sequence[str],
        values: list[dict[str, float]],
        done: Sequence[str],
        episode: Episodes | None,
    ) -> list[dict[str, float]]:
        keys = self._episode_keys.setdefault(id(reward_fn), {"total": 0.0})
        scored: dict[str, dict[str, float]] = {}
        if done and episode is not None:
            rows = self._rows_of(episode, done)
            breakdown = reward_fn.breakdown(episode.select(rows))
            for i, agent in enumerate(done):
                scored[agent] = {k: float(v[i]) for k, v in breakdown.items()}
            keys.update(dict.fromkeys(breakdown, 0.0))
        out = []
        for agent, value in zip(agents, values):
            ep = scored.get(agent, keys)
            out.append({**value, **ep, "total": value.get("total", 0.0) + ep["total"]})
        return out
