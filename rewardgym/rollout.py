"""Roll envs out into reward batches: :func:`collect_transitions` (every step) and :func:`collect_episodes`
(every finished episode), and the episode protocol that :func:`rewardgym.wrap` scores episode rewards with.

**The episode protocol.** Every text env (``rewardgym/Code-v0``, the ``rewardgym/Web*-v0`` envs, the
dialogue envs) yields its episode the same way: ``env.unwrapped.episode()`` returns an
:class:`~rewardgym.types.Episodes` batch built by :meth:`~rewardgym.types.Episodes.from_rows` with every
field filled in by the env: ``prompts``, ``completions``, ``infos`` (the columns its rewards read),
``transcripts`` and ``env_returns``. A single-agent env gives one row; a multi-agent (PettingZoo) env gives
one row per agent in ``possible_agents`` order, with ``infos["agent"]`` naming it. Called after the
terminal step, it describes the finished episode (and stays valid until the next ``reset()``); an
:class:`~rewardgym.rewards.base.EpisodeRewardFn` scores exactly this batch, whether it is called directly or
attached with ``rewardgym.wrap`` (which calls ``episode()`` on the terminal step). :func:`episode_of` reads it
from any env, wrapped or not, with a clear error for envs that do not implement it.

Example:
    >>> import rewardgym
    >>> batch = collect_transitions("rewardgym/Maze-v0", n_steps=20, seed=0)
    >>> len(batch)
    20
    >>> eps = collect_episodes("rewardgym/WebShop-v0", 2, seed=0, max_steps=3)
    >>> len(eps), eps.group_ids.tolist(), sorted(eps.infos)[:2]
    (2, [0, 1], ['checks', 'score'])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym

from rewardgym.errors import EnvConfigError
from rewardgym.types import Episodes, Transitions

__all__ = ["collect_episodes", "collect_transitions", "episode_of", "stack_episodes"]


def collect_transitions(
    env: str | gym.Env,
    n_steps: int,
    *,
    seed: int = 0,
    policy: Callable[[Any], Any] | None = None,
    env_kwargs: dict[str, Any] | None = None,
) -> Transitions:
    """Step ``env`` for ``n_steps`` (resetting when an episode ends) and return every transition.

    Args:
        env: an env id or an env instance.
        n_steps: number of transitions to collect.
        seed: seeds the env and the random policy.
        policy: ``obs -> action``; defaults to the seeded action space's ``sample``.
        env_kwargs: kwargs for ``gymnasium.make`` when ``env`` is an id.
    """
    own = isinstance(env, str)
    e = gym.make(env, **(env_kwargs or {})) if own else env
    try:
        e.action_space.seed(seed)
        act = policy or (lambda _obs: e.action_space.sample())
        obs, _ = e.reset(seed=seed)
        rows: dict[str, list[Any]] = {
            k: [] for k in ("obs", "action", "next_obs", "env_reward", "terminated", "truncated", "infos")
        }
        for _ in range(n_steps):
            action = act(obs)
            nxt, r, term, trunc, info = e.step(action)
            for k, v in zip(rows, (obs, action, nxt, float(r), bool(term), bool(trunc), info)):
                rows[k].append(v)
            obs = e.reset()[0] if (term or trunc) else nxt
        return Transitions.from_rows(**rows)
    finally:
        if own:
            e.close()


def episode_of(env: Any) -> Episodes:
    """``env.unwrapped.episode()``: the env's current episode (see the protocol in the module docstring).

    Raises:
        EnvConfigError: the env does not implement the episode protocol.
    """
    base = getattr(env, "unwrapped", env)
    method = getattr(base, "episode", None)
    if not callable(method):
        raise EnvConfigError(
            f"{type(base).__name__} does not yield episodes (it has no episode() method), so episode rewards "
            "(EpisodeRewardFn) cannot score it; use a per-step reward, or implement episode() -> Episodes "
            "(see rewardgym.rollout)"
        )
    batch = method()
    if not isinstance(batch, Episodes):
        raise EnvConfigError(f"{type(base).__name__}.episode() returned {type(batch).__name__}, not Episodes")
    return batch


def stack_episodes(episodes: Sequence[Episodes]) -> Episodes:
    """Concatenate per-episode batches; ``group_ids`` becomes each row's episode index (all agents of a
    multi-agent episode share one id)."""
    if not episodes:
        raise EnvConfigError("stack_episodes needs at least one episode")
    ids = [i for i, ep in enumerate(episodes) for _ in range(len(ep))]
    return Episodes.concat([ep.with_group_ids([0] * len(ep)) for ep in episodes]).with_group_ids(ids)


def _is_parallel(env: Any) -> bool:
    return hasattr(env, "possible_agents") and not isinstance(env, gym.Env)


def collect_episodes(
    env: str | Any,
    n_episodes: int,
    *,
    seed: int = 0,
    policy: Callable[..., Any] | None = None,
    env_kwargs: dict[str, Any] | None = None,
    max_steps: int | None = None,
) -> Episodes:
    """Play ``n_episodes`` episodes (seeds ``seed``, ``seed + 1``...) to the end and stack their
    ``episode()`` rows (see the module docstring).

    Args:
        env: an env id, a Gymnasium env, or a PettingZoo ``ParallelEnv`` (e.g. from
            :func:`rewardgym.envs.dialogue.make`).
        n_episodes: episodes to play.
        seed: seeds the resets and the random policy.
        policy: Gymnasium: ``obs -> action``; PettingZoo: ``(agent, obs, info) -> action``. Defaults to the
            seeded action spaces' ``sample``.
        env_kwargs: kwargs for ``gymnasium.make`` when ``env`` is an id.
        max_steps: stop an episode after this many steps even if it has not ended (its row then describes
            the unfinished episode).
    """
    if isinstance(n_episodes, bool) or not isinstance(n_episodes, int) or n_episodes < 1:
        raise EnvConfigError(f"n_episodes must be an int >= 1, got {n_episodes!r}")
    own = isinstance(env, str)
    e = gym.make(env, **(env_kwargs or {})) if own else env
    rows = []
    try:
        for i in range(n_episodes):
            _play(e, seed + i, policy, max_steps)
            rows.append(episode_of(e))
    finally:
        if own:
            e.close()
    return stack_episodes(rows)


def _play(env: Any, seed: int, policy: Callable[..., Any] | None, max_steps: int | None) -> None:
    steps = 0
    if _is_parallel(env):
        obs, infos = env.reset(seed=seed)
        for k, agent in enumerate(env.possible_agents):
            env.action_space(agent).seed(seed * 100 + k)
        while env.agents and (max_steps is None or steps < max_steps):
            act = policy or (lambda a, _o, _i: env.action_space(a).sample())
            obs, _, _, _, infos = env.step({a: act(a, obs[a], infos[a]) for a in env.agents})
            steps += 1
        return
    env.action_space.seed(seed)
    act = policy or (lambda _obs: env.action_space.sample())
    obs, _ = env.reset(seed=seed)
    done = False
    while not done and (max_steps is None or steps < max_steps):
        obs, _, term, trunc, _ = env.step(act(obs))
        done = bool(term or trunc)
        steps += 1
