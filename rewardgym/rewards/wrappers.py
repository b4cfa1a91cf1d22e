"""Attach a reward to an environment: :class:`RewardWrapper`, :class:`VectorRewardWrapper`, :func:`wrap`.

The wrapped env's ``step`` returns the reward's total; ``info["env_reward"]`` keeps the env's own reward
and ``info["reward_terms"]`` holds every term of the breakdown (a float per term for a single env, a (N,)
array per term for a vector env), ready for logging.

Any reward attaches to any env the same way:

- a per-step reward (:class:`~rewardgym.rewards.base.RewardFn`, or one that scores either batch) scores
  each step's :class:`~rewardgym.types.Transitions`;
- an episode reward (:class:`~rewardgym.rewards.base.EpisodeRewardFn` and composites of them, e.g. a
  ``Gate`` over an outcome) is scored on the env's ``episode()`` (see :mod:`rewardgym.rollout`) on the step
  that ends the episode: that step's reward is the total and ``reward_terms`` has every term; earlier
  steps get 0;
- a mixed sum of both pays its step terms every step and adds its episode terms on the last step.

Vector envs: each sub-env's episode is scored on its own terminal step; autoreset steps are never scored.
PettingZoo parallel envs go to :class:`~rewardgym.rewards.multiagent.MultiAgentRewardWrapper`.

Example:
    >>> import gymnasium as gym
    >>> import rewardgym
    >>> spec = {"sum": {"maze/goal-v0": 1.0, "maze/step-cost-v0": 1.0}}
    >>> env = rewardgym.wrap(gym.make("rewardgym/Maze-v0", size=7), spec)
    >>> obs, info = env.reset(seed=0)
    >>> obs, reward, terminated, truncated, info = env.step(0)
    >>> sorted(info["reward_terms"])
    ['maze/goal-v0', 'maze/step-cost-v0', 'total']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import gymnasium as gym
import numpy as np
import torch
from gymnasium.vector import AsyncVectorEnv, AutoresetMode, VectorEnv, VectorWrapper

from rewardgym.errors import EnvConfigError, RewardSpecError
from rewardgym.rewards.base import Reward, scores_episodes, scores_steps
from rewardgym.types import Episodes, Transitions, stack_rows

__all__ = ["RewardWrapper", "VectorRewardWrapper", "wrap"]

Combine = Literal["replace", "add"]


def _resolve(reward: Any) -> Reward:
    from rewardgym.rewards.spec import build_reward

    return build_reward(reward)


def _check_combine(combine: str) -> None:
    if combine not in ("replace", "add"):
        raise RewardSpecError(f"combine must be 'replace' or 'add', got {combine!r}")


def _as_numpy(value: torch.Tensor) -> np.ndarray:
    """A CPU float tensor as NumPy without a copy (detached, moved to the CPU first when needed)."""
    if value.requires_grad or not value.is_cpu:
        value = value.detach().cpu()
    return value.numpy()


def _check_yields_episodes(env: Any, reward: Reward) -> None:
    if not callable(getattr(env, "episode", None)):
        raise EnvConfigError(
            f"reward {reward.display_name!r} scores finished episodes, but {type(env).__name__} does not yield "
            "them (it has no episode() method, see rewardgym.rollout); use a per-step reward with this env"
        )


class RewardWrapper(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Replace (or add to) a single env's reward with a rewardgym reward.

    Args:
        env: the environment.
        reward: a registered name, a :class:`~rewardgym.rewards.base.Reward`, or a spec dict.
        combine: ``"replace"`` (default) returns the reward; ``"add"`` returns env reward + reward.
    """

    def __init__(self, env: gym.Env, reward: Any, *, combine: Combine = "replace") -> None:
        gym.utils.RecordConstructorArgs.__init__(self, reward=reward, combine=combine)
        gym.Wrapper.__init__(self, env)
        _check_combine(combine)
        self.reward_fn = _resolve(reward)
        self.combine = combine
        self._last_obs: Any = None
        self._score_steps = scores_steps(self.reward_fn)
        self._score_episodes = scores_episodes(self.reward_fn)
        self._episode_keys: dict[str, float] = {"total": 0.0}  # episode terms seen so far, as zeros
        if self._score_episodes:
            _check_yields_episodes(env.unwrapped, self.reward_fn)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        obs, info = self.env.reset(seed=seed, options=options)
        self._last_obs = obs
        return obs, info

    def step(self, action: Any):
        obs, env_reward, terminated, truncated, info = self.env.step(action)
        if self._score_steps:
            batch = Transitions(
                obs=stack_rows([self._last_obs]),
                action=stack_rows([action]),
                next_obs=stack_rows([obs]),
                env_reward=torch.tensor([float(env_reward)]),
                terminated=torch.tensor([bool(terminated)]),
                truncated=torch.tensor([bool(truncated)]),
                infos=stack_rows([info]) if info else {},
            )
            terms = {k: float(v[0]) for k, v in self.reward_fn.breakdown(batch).items()}
        else:
            terms = {}
        if self._score_episodes:
            terms = self._add_episode_terms(terms, bool(terminated or truncated))
        reward = terms["total"]
        if self.combine == "add":
            reward += float(env_reward)
        self._last_obs = obs
        info = dict(info)
        info["env_reward"] = float(env_reward)
        info["reward_terms"] = terms
        return obs, reward, terminated, truncated, info

    def _add_episode_terms(self, terms: dict[str, float], done: bool) -> dict[str, float]:
        """Add the episode part: the reward on ``episode()`` when the episode ended, zeros before."""
        step_total = terms.get("total", 0.0)
        if done:
            from rewardgym.rollout import episode_of

            episode = {k: float(v[0]) for k, v in self.reward_fn.breakdown(episode_of(self.env)).items()}
            self._episode_keys.update(dict.fromkeys(episode, 0.0))
        else:
            episode = self._episode_keys
        return {**terms, **episode, "total": step_total + episode["total"]}


class VectorRewardWrapper(VectorWrapper):
    """Score all sub-envs of a vector env in one batched reward call per step.

    Handles every Gymnasium autoreset mode: with ``NEXT_STEP`` (the default) the step that resets a
    finished sub-env is not a real transition, so its reward and terms are 0 there; with ``SAME_STEP`` the
    reward sees the final observation (``infos["final_obs"]``) as ``next_obs``.

    Episode rewards score each sub-env's ``episode()`` on the step that ends it (sub-envs of a
    ``SyncVectorEnv`` directly, others through ``call("episode")``); they need the ``NEXT_STEP`` or
    ``DISABLED`` autoreset mode, where a finished sub-env still holds its episode on that step.

    ``Transitions.group_ids`` is the sub-env index, so group-wise rewards can tell sub-envs apart.

    Args:
        env: the vector env.
        reward: a registered name, a :class:`~rewardgym.rewards.base.Reward`, or a spec dict.
        combine: ``"replace"`` or ``"add"``.
        device: where reward tensors are computed (``None``: CPU).
    """

    def __init__(self, env: VectorEnv, reward: Any, *, combine: Combine = "replace", device: str | None = None) -> None:
        super().__init__(env)
        _check_combine(combine)
        self.reward_fn = _resolve(reward)
        self.combine = combine
        self.device = torch.device(device) if device else None
        self._last_obs: Any = None
        self._reset_rows = np.zeros(self.num_envs, dtype=bool)
        self._mode = self.env.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP)
        self._group_ids = torch.arange(self.num_envs)
        self._score_steps = scores_steps(self.reward_fn)
        self._score_episodes = scores_episodes(self.reward_fn)
        self._episode_keys: list[str] = ["total"]
        if self._score_episodes and self._mode == AutoresetMode.SAME_STEP:
            raise EnvConfigError(
                f"reward {self.reward_fn.display_name!r} scores finished episodes, but this vector env resets a "
                "sub-env in the step that ends it (autoreset_mode=SAME_STEP), so its episode is gone by then; "
                "use autoreset_mode=NEXT_STEP (the default)"
            )
        base = self.env.unwrapped
        if self._score_episodes and hasattr(base, "envs"):
            _check_yields_episodes(base.envs[0].unwrapped, self.reward_fn)
        elif self._score_episodes and not (
            callable(getattr(base, "episodes", None)) or isinstance(base, AsyncVectorEnv)
        ):
            raise EnvConfigError(
                f"reward {self.reward_fn.display_name!r} scores finished episodes, but the vector env "
                f"{type(base).__name__} does not yield them (no episodes(indices) method, see rewardgym.rollout); "
                "use a per-step reward with it"
            )

    def reset(self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None):
        obs, infos = self.env.reset(seed=seed, options=options)  # type: ignore[arg-type]
        self._last_obs = obs
        self._reset_rows[:] = False
        return obs, infos

    def _next_obs(self, obs: Any, terminated: np.ndarray, truncated: np.ndarray, infos: Mapping[str, Any]) -> Any:
        if self._mode != AutoresetMode.SAME_STEP or "final_obs" not in infos:
            return obs
        done = np.logical_or(terminated, truncated)
        if not done.any() or not isinstance(obs, np.ndarray):
            return obs
        fixed = obs.copy()
        for i in np.flatnonzero(done):
            fixed[i] = infos["final_obs"][i]
        return fixed

    def _score_real_transitions(self, batch: Transitions) -> dict[str, np.ndarray]:
        """Breakdown as (N,) arrays; rows that are autoreset steps are not scored (stateful rewards such as
        running normalisation never see them) and read 0."""
        resetting = np.flatnonzero(self._reset_rows) if self._mode == AutoresetMode.NEXT_STEP else ()
        if not len(resetting) or (self.reward_fn.row_independent and not self.reward_fn.stateful):
            # A stateless, row-independent reward gives the same values on the full batch: score it whole
            # (no row copy) and zero the autoreset rows.
            breakdown = self.reward_fn.breakdown(batch)
            if not len(resetting):
                return {k: _as_numpy(v) for k, v in breakdown.items()}
            # One (terms, N) copy (a term may share memory with the env's own arrays), zeroed in one go.
            stacked = np.stack([_as_numpy(v) for v in breakdown.values()])
            stacked[:, resetting] = 0.0
            return dict(zip(breakdown, stacked))
        real = np.flatnonzero(~self._reset_rows)
        terms = {}
        for k, v in self.reward_fn.breakdown(batch.select(real)).items():
            full = np.zeros(self.num_envs, dtype=np.float32)
            full[real] = _as_numpy(v)
            terms[k] = full
        return terms

    def step(self, actions: Any):
        obs, env_reward, terminated, truncated, infos = self.env.step(actions)
        if self._score_steps:
            batch = Transitions(
                obs=self._last_obs,
                action=actions,
                next_obs=self._next_obs(obs, terminated, truncated, infos),
                env_reward=torch.from_numpy(np.asarray(env_reward, dtype=np.float32)),
                terminated=torch.from_numpy(np.asarray(terminated, dtype=bool)),
                truncated=torch.from_numpy(np.asarray(truncated, dtype=bool)),
                infos=dict(infos),
                group_ids=self._group_ids,
            )
            if self.device is not None:
                batch = batch.to(self.device)
            terms = self._score_real_transitions(batch)
        else:
            terms = {}
        done = np.logical_or(terminated, truncated)
        if self._score_episodes:
            terms = self._add_episode_terms(terms, np.flatnonzero(done & ~self._reset_rows))
        reward = terms["total"]
        if self.combine == "add":
            reward = reward + np.asarray(env_reward, dtype=np.float32)
        self._last_obs = obs
        self._reset_rows = done
        infos = dict(infos)
        infos["env_reward"] = env_reward
        infos["reward_terms"] = terms
        return obs, reward, terminated, truncated, infos

    def _episodes(self, rows: np.ndarray) -> Episodes:
        """The finished episodes of sub-envs ``rows`` (group id = sub-env index)."""
        from rewardgym.rollout import episode_of

        base: Any = self.env.unwrapped
        if hasattr(base, "envs"):  # SyncVectorEnv: the sub-envs are here
            parts = [episode_of(base.envs[i]) for i in rows]
        elif callable(getattr(base, "episodes", None)):  # a native vector env with the protocol
            parts = list(base.episodes([int(i) for i in rows]))
        else:
            every = self.env.call("episode")  # type: ignore[attr-defined]
            parts = [every[i] for i in rows]
        bad = [type(p).__name__ for p in parts if not isinstance(p, Episodes)]
        if bad:
            raise EnvConfigError(f"the sub-envs' episode() returned {bad[0]}, not Episodes (see rewardgym.rollout)")
        ids = [int(i) for i, p in zip(rows, parts) for _ in range(len(p))]
        return Episodes.concat(parts).with_group_ids(ids)

    def _add_episode_terms(self, terms: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
        """Add the episode part: sub-envs ``rows`` ended this step; the others get 0 for every episode term."""
        n = self.num_envs
        episode: dict[str, np.ndarray] = {}
        if len(rows):
            for k, v in self.reward_fn.breakdown(self._episodes(rows)).items():
                full = np.zeros(n, dtype=np.float32)
                full[rows] = _as_numpy(v)
                episode[k] = full
            self._episode_keys = list(dict.fromkeys([*self._episode_keys, *episode]))
        for k in self._episode_keys:
            episode.setdefault(k, np.zeros(n, dtype=np.float32))
        total = episode["total"] if "total" not in terms else terms["total"] + episode["total"]
        return {**terms, **episode, "total": total}


def wrap(env: Any, reward: Any, **kwargs: Any) -> Any:
    """Attach ``reward`` (name, :class:`Reward`, or spec dict) to a single env, a vector env, or a PettingZoo
    parallel env: step rewards every step, episode rewards on the step that ends the episode.

    Returns a :class:`RewardWrapper`, a :class:`VectorRewardWrapper` or a
    :class:`~rewardgym.rewards.multiagent.MultiAgentRewardWrapper`.

    Example:
        >>> import gymnasium as gym
        >>> import rewardgym
        >>> envs = gym.make_vec("rewardgym/Maze-v0", num_envs=4, vectorization_mode="vector_entry_point")
        >>> envs = rewardgym.wrap(envs, "maze/goal-v0")
        >>> obs, _ = envs.reset(seed=0)
        >>> _, reward, *_ = envs.step(envs.action_space.sample())
        >>> reward.shape
        (4,)

        An episode reward on a text env is paid on the terminal step:

        >>> env = rewardgym.wrap(gym.make("rewardgym/WebShop-v0"), "web/outcome-v0")
        >>> obs, info = env.reset(seed=0)
        >>> obs, reward, terminated, truncated, info = env.step('answer("no idea")')
        >>> terminated, reward == info["reward_terms"]["total"]
        (True, True)
        >>> env.close()

    Raises:
        EnvConfigError: ``env`` is not a Gymnasium env, vector env or PettingZoo parallel env.
    """
    if isinstance(env, VectorEnv):
        return VectorRewardWrapper(env, reward, **kwargs)
    if isinstance(env, gym.Env):
        return RewardWrapper(env, reward, **kwargs)
    if hasattr(env, "possible_agents"):
        if hasattr(env, "agent_selection"):
            raise EnvConfigError(
                "rewardgym.wrap takes a PettingZoo parallel env, not an AEC env: wrap the parallel env, then "
                "convert it with pettingzoo.utils.conversions.parallel_to_aec"
            )
        from rewardgym.rewards.multiagent import MultiAgentRewardWrapper

        return MultiAgentRewardWrapper(env, reward, **kwargs)
    raise EnvConfigError(
        f"rewardgym.wrap takes a gymnasium.Env, a gymnasium.vector.VectorEnv or a PettingZoo ParallelEnv, got "
        f"{type(env).__name__}"
    )
