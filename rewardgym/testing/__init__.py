"""Shipped conformance checks, in the spirit of ``gymnasium.utils.env_checker``.

- :func:`check_reward_fn`: a reward honours the batch contract.
- :func:`check_all_rewards`: :func:`check_reward_fn` over every registered reward, on its example batch.
- :func:`check_all_envs`: Gymnasium's ``check_env`` over every registered ``rewardgym/`` env id.
- :func:`probe_judge`: an LLM judge's false-positive rate on "master-key" answers (``judge_probe.py``).

Example:
    >>> import rewardgym
    >>> from rewardgym.testing import check_reward_fn
    >>> from rewardgym.rollout import collect_transitions
    >>> check_reward_fn(rewardgym.make_reward("maze/goal-v0"), collect_transitions("rewardgym/Maze-v0", 16))
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

import gymnasium as gym
import torch

from rewardgym.errors import RewardGymError
from rewardgym.rewards.base import Reward
from rewardgym.rewards.registry import make_reward, reward_registry
from rewardgym.testing.judge_probe import JudgeProbeReport, probe_judge
from rewardgym.types import Episodes, Transitions

__all__ = [
    "CheckError",
    "check_all_envs",
    "check_all_rewards",
    "check_reward_fn",
    "example_batch",
    "registered_env_ids",
]
__all__ += ["JudgeProbeReport", "probe_judge"]


class CheckError(RewardGymError, AssertionError):
    """A conformance check failed; the message says which property and where."""


def _same(a: torch.Tensor, b: torch.Tensor, atol: float) -> bool:
    return a.shape == b.shape and bool(torch.allclose(a.cpu(), b.cpu(), atol=atol, rtol=1e-5, equal_nan=True))


def _snapshot(batch: Any) -> Any:
    return copy.deepcopy(batch)


def _equal_batches(a: Any, b: Any) -> bool:
    def eq(x: Any, y: Any) -> bool:
        if isinstance(x, torch.Tensor):
            return (
                isinstance(y, torch.Tensor)
                and x.shape == y.shape
                and bool(
                    torch.equal(x.cpu(), y.cpu()) or torch.allclose(x.cpu().float(), y.cpu().float(), equal_nan=True)
                )
            )
        if isinstance(x, dict):
            return isinstance(y, dict) and x.keys() == y.keys() and all(eq(x[k], y[k]) for k in x)
        if hasattr(x, "shape") and hasattr(x, "dtype"):  # numpy
            import numpy as np

            return bool(np.array_equal(x, y, equal_nan=x.dtype.kind == "f"))
        if isinstance(x, (list, tuple)):
            return isinstance(y, (list, tuple)) and len(x) == len(y) and all(eq(p, q) for p, q in zip(x, y))
        return x == y

    return all(eq(getattr(a, f), getattr(b, f)) for f in a.__dataclass_fields__)


def check_reward_fn(reward: Reward, batch: Transitions | Episodes, *, atol: float = 1e-5) -> None:
    """Check that ``reward`` honours the batch contract on ``batch`` (needs ``len(batch) >= 2``).

    Checks: output is a float32 (B,) tensor on the batch's device; scoring the batch equals scoring each
    row alone (unless ``row_independent`` is False); a second call gives the same result (unless
    ``stateful``); B=0 and B=1 work; the input is not mutated; NaN only if ``may_return_nan``.

    Raises:
        CheckError: naming the property that failed.
    """
    name = reward.display_name
    if len(batch) < 2:
        raise CheckError(f"check_reward_fn needs a batch of at least 2 rows to compare, got {len(batch)}")
    before = _snapshot(batch)
    out = reward(batch)
    if not isinstance(out, torch.Tensor) or out.dtype != torch.float32 or out.shape != (len(batch),):
        raise CheckError(f"{name}: expected float32 tensor of shape ({len(batch)},), got {out!r}")
    if out.device != batch.device:
        raise CheckError(f"{name}: output on {out.device}, batch on {batch.device}")
    if torch.isnan(out).any() and not reward.may_return_nan:
        raise CheckError(f"{name}: returned NaN but may_return_nan is False")
    if not _equal_batches(before, batch):
        raise CheckError(f"{name}: mutated its input batch")
    terms = reward.breakdown(batch)
    if "total" not in terms or not _same(terms["total"], out, atol):
        raise CheckError(f"{name}: breakdown()['total'] differs from the reward's value")
    if not reward.stateful and not _same(reward(batch), out, atol):
        raise CheckError(f"{name}: two calls on the same batch differ (mark it stateful if that is intended)")
    if reward.row_independent and not reward.stateful:
        rows = torch.cat([reward(batch.select([i])) for i in range(len(batch))])
        if not _same(rows, out, atol):
            diff = torch.nonzero(~torch.isclose(rows, out, atol=atol, equal_nan=True)).flatten().tolist()[:5]
            raise CheckError(f"{name}: batch result differs from row-by-row result at rows {diff}")
    for n in (0, 1):
        small = reward(batch.select(list(range(n))))
        if small.shape != (n,) or small.dtype != torch.float32:
            raise CheckError(f"{name}: on a batch of {n} returned shape {tuple(small.shape)}, dtype {small.dtype}")


def example_batch(name: str) -> Transitions | Episodes:
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


def registered_env_ids(namespace: str = "rewardgym") -> list[str]:
    """Every Gymnasium id registered under ``namespace/``."""
    import rewardgym  # noqa: F401 - registers the envs

    return sorted(i for i, s in gym.registry.items() if s.namespace == namespace)


def check_all_envs(ids: Iterable[str] | None = None, *, make: Callable[[str], gym.Env] | None = None) -> dict[str, str]:
    """Run ``gymnasium.utils.env_checker.check_env`` on every registered ``rewardgym/`` env.

    Returns ``{id: "ok" | error}``.
    """
    from gymnasium.utils.env_checker import check_env

    results: dict[str, str] = {}
    for env_id in ids if ids is not None else registered_env_ids():
        try:
            env = (make or gym.make)(env_id)
            try:
                check_env(env.unwrapped, skip_render_check=False)
            finally:
                env.close()
            results[env_id] = "ok"
        except Exception as exc:
            results[env_id] = f"{type(exc).__name__}: {exc}"
    return results
