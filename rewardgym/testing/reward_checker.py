"""The reward checker, one ``check_*`` per property (like ``gymnasium.utils.env_checker``).

Each ``check_*`` takes the reward, the batch and the reward's output on it, and raises :class:`CheckError`
naming the property when it fails. :func:`check_reward_fn` runs them all in order.

Example:
    >>> import torch
    >>> from rewardgym.rewards import make_reward
    >>> from rewardgym.rollout import collect_transitions
    >>> reward, batch = make_reward("maze/goal-v0"), collect_transitions("rewardgym/Maze-v0", 16)
    >>> check_reward_fn(reward, batch)
    >>> check_dtype(reward, batch, torch.zeros(16, dtype=torch.float64))
    Traceback (most recent call last):
    ...
    rewardgym.testing.reward_checker.CheckError: maze/goal-v0: expected dtype float32, got torch.float64
"""

from __future__ import annotations

import copy
from typing import Any

import torch

from rewardgym.errors import RewardGymError

__all__ = [
    "CheckError",
    "check_batch_consistency",
    "check_breakdown",
    "check_determinism",
    "check_device",
    "check_dtype",
    "check_finite",
    "check_no_mutation",
    "check_reward_fn",
    "check_shape",
    "check_small_batches",
]


class CheckError(RewardGymError, AssertionError):
    """A conformance check failed; the message says which property and where."""


def _same(a: torch.Tensor, b: torch.Tensor, atol: float) -> bool:
    return a.shape == b.shape and bool(torch.allclose(a.cpu(), b.cpu(), atol=atol, rtol=1e-5, equal_nan=True))


def _eq(x: Any, y: Any) -> bool:
    if isinstance(x, torch.Tensor):
        return (
            isinstance(y, torch.Tensor)
            and x.shape == y.shape
            and bool(torch.equal(x.cpu(), y.cpu()) or torch.allclose(x.cpu().float(), y.cpu().float(), equal_nan=True))
        )
    if isinstance(x, dict):
        return isinstance(y, dict) and x.keys() == y.keys() and all(_eq(x[k], y[k]) for k in x)
    if hasattr(x, "shape") and hasattr(x, "dtype"):  # numpy
        import numpy as np

        return bool(np.array_equal(x, y, equal_nan=x.dtype.kind == "f"))
    if isinstance(x, (list, tuple)):
        return isinstance(y, (list, tuple)) and len(x) == len(y) and all(_eq(p, q) for p, q in zip(x, y))
    return bool(x == y)


def _equal_batches(a: Any, b: Any) -> bool:
    return all(_eq(getattr(a, f), getattr(b, f)) for f in a.__dataclass_fields__)


def check_shape(reward: Any, batch: Any, out: Any) -> None:
    """The output is a tensor of shape ``(B,)``."""
    if not isinstance(out, torch.Tensor) or out.shape != (len(batch),):
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise CheckError(f"{reward.display_name}: expected a tensor of shape ({len(batch)},), got {got}")


def check_dtype(reward: Any, batch: Any, out: torch.Tensor) -> None:
    """The output is float32."""
    if out.dtype != torch.float32:
        raise CheckError(f"{reward.display_name}: expected dtype float32, got {out.dtype}")


def check_device(reward: Any, batch: Any, out: torch.Tensor) -> None:
    """The output is on the batch's device."""
    if out.device != batch.device:
        raise CheckError(f"{reward.display_name}: output on {out.device}, batch on {batch.device}")


def check_finite(reward: Any, batch: Any, out: torch.Tensor) -> None:
    """No ±inf ever; NaN ("not applicable") only when the reward declares ``may_return_nan``."""
    if torch.isinf(out).any():
        rows = torch.nonzero(torch.isinf(out)).flatten().tolist()[:5]
        raise CheckError(f"{reward.display_name}: returned ±inf at rows {rows}")
    if torch.isnan(out).any() and not reward.may_return_nan:
        raise CheckError(f"{reward.display_name}: returned NaN but may_return_nan is False")


def check_no_mutation(reward: Any, before: Any, batch: Any) -> None:
    """Scoring left the batch as it was (``before`` is a deep copy taken before the call)."""
    if not _equal_batches(before, batch):
        raise CheckError(f"{reward.display_name}: mutated its input batch")


def check_breakdown(reward: Any, batch: Any, out: torch.Tensor, atol: float = 1e-5) -> None:
    """``breakdown(batch)["total"]`` equals the reward's value."""
    terms = reward.breakdown(batch)
    if "total" not in terms or not _same(terms["total"], out, atol):
        raise CheckError(f"{reward.display_name}: breakdown()['total'] differs from the reward's value")


def check_determinism(reward: Any, batch: Any, out: torch.Tensor, atol: float = 1e-5) -> None:
    """A second call on the same batch gives the same result (skipped for ``stateful`` rewards)."""
    if not reward.stateful and not _same(reward(batch), out, atol):
        raise CheckError(
            f"{reward.display_name}: two calls on the same batch differ (mark it stateful if that is intended)"
        )


def check_batch_consistency(reward: Any, batch: Any, out: torch.Tensor, atol: float = 1e-5) -> None:
    """Scoring the batch equals scoring each row alone (for ``row_independent``, non-stateful rewards)."""
    if not (reward.row_independent and not reward.stateful):
        return
    rows = torch.cat([reward(batch.select([i])) for i in range(len(batch))])
    if not _same(rows, out, atol):
        diff = torch.nonzero(~torch.isclose(rows, out, atol=atol, equal_nan=True)).flatten().tolist()[:5]
        raise CheckError(f"{reward.display_name}: batch result differs from row-by-row result at rows {diff}")


def check_small_batches(reward: Any, batch: Any) -> None:
    """Batches of 0 and 1 rows give float32 outputs of shape ``(0,)`` and ``(1,)``."""
    for n in (0, 1):
        small = reward(batch.select(list(range(n))))
        if not isinstance(small, torch.Tensor) or small.shape != (n,) or small.dtype != torch.float32:
            got = (tuple(small.shape), small.dtype) if isinstance(small, torch.Tensor) else type(small).__name__
            raise CheckError(f"{reward.display_name}: on a batch of {n} returned {got}")


def check_reward_fn(reward: Any, batch: Any, *, atol: float = 1e-5) -> None:
    """Check that ``reward`` honours the batch contract on ``batch`` (needs ``len(batch) >= 2``).

    Runs, in order: :func:`check_shape`, :func:`check_dtype`, :func:`check_device`, :func:`check_finite`,
    :func:`check_no_mutation`, :func:`check_breakdown`, :func:`check_determinism`,
    :func:`check_batch_consistency` and :func:`check_small_batches`.

    Raises:
        CheckError: naming the property that failed.
    """
    if len(batch) < 2:
        raise CheckError(f"check_reward_fn needs a batch of at least 2 rows to compare, got {len(batch)}")
    before = copy.deepcopy(batch)
    out = reward(batch)
    check_shape(reward, batch, out)
    check_dtype(reward, batch, out)
    check_device(reward, batch, out)
    check_finite(reward, batch, out)
    check_no_mutation(reward, before, batch)
    check_breakdown(reward, batch, out, atol)
    check_determinism(reward, batch, out, atol)
    check_batch_consistency(reward, batch, out, atol)
    check_small_batches(reward, batch)
