"""Env checks: Gymnasium's / PettingZoo's API checkers plus the family's declared ``info`` contract.

Example:
    >>> from rewardgym.family import env_entry
    >>> check_info_contract(env_entry("rewardgym/Maze-v0"), steps=4)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rewardgym.family import EnvEntry, all_envs, env_entry
from rewardgym.testing.reward_checker import CheckError

__all__ = ["check_all_envs", "check_env_entry", "check_info_contract", "registered_env_ids"]


def registered_env_ids(namespace: str = "rewardgym") -> list[str]:
    """Every Gymnasium id registered under ``namespace/``."""
    import gymnasium as gym

    import rewardgym  # noqa: F401 - registers the envs

    return sorted(i for i, s in gym.registry.items() if s.namespace == namespace)


def _first_agent_infos(infos: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for v in infos.values() if isinstance(v, dict)]


def check_info_contract(entry: EnvEntry, *, steps: int = 8, seed: int = 0, env: Any = None) -> None:
    """Reset and take random steps; every ``info`` must carry the declared fields with their dtypes and shapes.

    Raises:
        CheckError: naming the env, the field and the mismatch.
    """
    own = env is None
    env = entry.make(**dict(entry.check_kwargs)) if own else env
    problems: list[str] = []
    try:
        if entry.api == "gymnasium":
            _, info = env.reset(seed=seed)
            problems += [f"reset: {p}" for p in entry.check_info(info)]
            env.action_space.seed(seed)
            for t in range(steps):
                _, _, term, trunc, info = env.step(env.action_space.sample())
                problems += [f"step {t}: {p}" for p in entry.check_info(info)]
                if term or trunc:
                    break
        else:
            _, infos = env.reset(seed=seed)
            for t in range(steps):
                if not env.agents:
                    break
                actions = {a: env.action_space(a).sample() for a in env.agents}
                _, _, _, _, infos = env.step(actions)
                for agent_info in _first_agent_infos(infos):
                    problems += [f"step {t}: {p}" for p in entry.check_info(agent_info)]
    finally:
        if own:
            env.close()
    if problems:
        raise CheckError(f"{entry.id} breaks its declared info contract: {'; '.join(sorted(set(problems))[:6])}")


def check_env_entry(entry: EnvEntry, *, make: Callable[[str], Any] | None = None) -> None:
    """Gymnasium's ``check_env`` (or PettingZoo's ``parallel_api_test``), then :func:`check_info_contract`."""
    if entry.api == "gymnasium":
        from gymnasium.utils.env_checker import check_env

        env = make(entry.id) if make is not None else entry.make(**dict(entry.check_kwargs))
        try:
            check_env(env.unwrapped, skip_render_check=False)
        finally:
            env.close()
    else:
        from pettingzoo.test import parallel_api_test

        env = entry.make(**dict(entry.check_kwargs))
        try:
            parallel_api_test(env, num_cycles=20)
        finally:
            env.close()
    check_info_contract(entry)


def check_all_envs(ids: Iterable[str] | None = None, *, make: Callable[[str], Any] | None = None) -> dict[str, str]:
    """Run :func:`check_env_entry` on every env every family declares (or on ``ids``).

    Returns ``{id: "ok" | error}``.
    """
    results: dict[str, str] = {}
    for env_id in ids if ids is not None else sorted(all_envs()):
        try:
            check_env_entry(env_entry(env_id), make=make)
            results[env_id] = "ok"
        except Exception as exc:  # reported, not raised: the caller decides
            results[env_id] = f"{type(exc).__name__}: {exc}"
    return results
