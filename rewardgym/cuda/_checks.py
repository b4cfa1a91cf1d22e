"""Input validation for :mod:`rewardgym.cuda.ops`: shapes, dtypes, devices and argument ranges.

Checks that read tensor values (lengths and targets in range) run on CPU tensors only, so that CUDA calls
never synchronise with the host; the CUDA kernels clamp lengths and return NaN for out-of-range targets.
"""

from __future__ import annotations

from typing import Any

import torch

from rewardgym.errors import RewardGymError

__all__ = ["OpInputError", "as_int64", "check_same_device", "require"]


class OpInputError(RewardGymError, ValueError):
    """Bad input to a scoring op (shape, dtype, device or argument); the message says what was expected."""


def require(condition: bool, message: str) -> None:
    """Raise :class:`OpInputError` with ``message`` unless ``condition``."""
    if not condition:
        raise OpInputError(message)


def as_tensor(value: Any, name: str, device: torch.device | None = None) -> torch.Tensor:
    """``value`` as a tensor (lists and NumPy arrays are converted), on ``device`` when given."""
    if not isinstance(value, torch.Tensor):
        try:
            value = torch.as_tensor(value)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise OpInputError(
                f"{name} must be a tensor (or array-like), got {type(value).__name__}"
            ) from exc
    return value if device is None else value.to(device)


def as_int64(value: Any, name: str, device: torch.device | None = None) -> torch.Tensor:
    """An integer tensor as contiguous int64; floats and bools are rejected."""
    t = as_tensor(value, name, device)
    require(
        not t.is_floating_point() and not t.is_complex() and t.dtype != torch.bool,
        f"{name} must hold integers (token ids / lengths / group ids), got dtype {t.dtype}",
    )
    return t.to(torch.int64).contiguous()


def check_same_device(**tensors: torch.Tensor | None) -> torch.device:
    """The common device of the given tensors; raises naming them when they differ."""
    devices = {name: t.device for name, t in tensors.items() if t is not None}
    first = next(iter(devices.values()))
    if any(d != first for d in devices.values()):
        raise OpInputError(
            "all inputs must be on the same device; got "
            + ", ".join(f"{k} on {v}" for k, v in devices.items())
        )
    return first


def check_range(t: torch.Tensor, low: int, high: int, name: str, what: str) -> None:
    """On CPU: every value of ``t`` lies in ``[low, high]``."""
    if t.device.type != "cpu" or t.numel() == 0:
        return
    lo, hi = int(t.min()), int(t.max())
    require(
        low <= lo and hi <= high, f"{name} must be in [{low}, {high}] ({what}); got values in [{lo}, {hi}]"
    )
