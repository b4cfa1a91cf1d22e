"""Collect transitions from an env into a :class:`~rewardgym.types.Transitions` batch.

Used by the shipped checkers (a registered reward's example batch is a seeded random rollout of its env)
and handy for offline reward evaluation.

Example:
    >>> import rewardgym
    >>> batch = collect_transitions("rewardgym/Maze-v0", n_steps=20, seed=0)
    >>> len(batch)
    20
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym

from rewardgym.types import Transitions

__all__ = ["collect_transitions"]


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
