"""Shipped conformance checks, in the spirit of ``gymnasium.utils.env_checker``.

- :func:`check_reward_fn`: a reward honours the batch contract, one ``check_*`` per property
  (:mod:`~rewardgym.testing.reward_checker`).
- :func:`check_all_rewards`: :func:`check_reward_fn` over every registered reward, on its example batch.
- :func:`check_all_envs`: Gymnasium's ``check_env`` (PettingZoo's ``parallel_api_test`` for dialogue envs)
  and the declared ``info`` contract over every env every family declares
  (:mod:`~rewardgym.testing.env_checker`).
- :func:`probe_judge`: an LLM judge's false-positive rate on "master-key" answers (``judge_probe.py``).

Example:
    >>> import rewardgym
    >>> from rewardgym.testing import check_reward_fn
    >>> from rewardgym.rollout import collect_transitions
    >>> check_reward_fn(rewardgym.make_reward("maze/goal-v0"), collect_transitions("rewardgym/Maze-v0", 16))
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rewardgym.rewards.registry import make_reward, reward_registry
from rewardgym.testing.env_checker import check_all_envs, check_env_entry, check_info_contract, registered_env_ids
from rewardgym.testing.judge_probe import JudgeProbeReport, probe_judge
from rewardgym.testing.reward_checker import CheckError, check_reward_fn

__all__ = [
    "CheckError",
    "check_all_envs",
    "check_all_rewards",
    "check_env_entry",
    "check_info_contract",
    "check_reward_fn",
    "example_batch",
    "registered_env_ids",
]
__all__ += ["JudgeProbeReport", "probe_judge"]


def example_batch(name: str) -> Any:
    """The sample batch a registered reward declared (env rollout or callable)."""
    from rewardgym.rollout import collect_transitions

    spec = reward_registry()[name]
    if spec.example is None:
        raise CheckError(f"reward {name!r} registered no example batch (pass example=... to register_reward)")
    if isinstance(spec.example, str):
        return collect_transitions(spec.example, n_steps=64, seed=0)
    return spec.example()


def check_all_rewards(names: Iterable[str] | None = None) -> dict[str, str]:
    """Run :func:`check_reward_fn` on every registered reward; returns ``{name: "ok" | error}``."""
    results: dict[str, str] = {}
    for name in names if names is not None else list(reward_registry()):
        try:
            spec = reward_registry()[name]
            check_reward_fn(make_reward(name, **dict(spec.example_kwargs or {})), example_batch(name))
            results[name] = "ok"
        except Exception as exc:  # reported, not raised: the caller decides
            results[name] = f"{type(exc).__name__}: {exc}"
    return results
