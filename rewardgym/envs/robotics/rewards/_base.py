"""Base of the robotics reward terms: array math over ``info`` columns that runs on NumPy and torch alike.

A term's :meth:`InfoReward.compute` takes a mapping of info columns (each with ``B`` rows) and returns a
``(B,)`` array, using only operators and functions that NumPy arrays and torch tensors share. The same code
therefore scores a :class:`~rewardgym.types.Transitions` batch (torch, any device) and computes the env's
own reward inside the simulator loop (NumPy, no tensor conversion per step).

:func:`linear_terms` flattens a reward made of such terms and (nested) :class:`~rewardgym.rewards.WeightedSum`
into ``[(name, weight, term)]``; the envs evaluate their reward with :func:`evaluate_terms`.

Example:
    >>> import numpy as np
    >>> from rewardgym.envs.robotics.rewards.distance import DistanceToTarget
    >>> term = DistanceToTarget()
    >>> info = {"fingertip_pos": np.array([[0.0, 0.0, 0.0]]), "target_pos": np.array([[0.3, 0.4, 0.0]])}
    >>> term.compute(info).round(3).tolist()
    [-0.5]
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any, TypeAlias

import numpy as np
import torch

from rewardgym.errors import EnvConfigError, RewardComputationError, RewardSpecError
from rewardgym.rewards.base import RewardFn
from rewardgym.rewards.compose import WeightedSum
from rewardgym.types import Transitions

__all__ = ["Array", "InfoReward", "evaluate_terms", "linear_terms", "norm", "xp"]

Array: TypeAlias = "np.ndarray | torch.Tensor"


def xp(x: Any) -> ModuleType:
    """The array namespace of ``x``: ``torch`` for tensors, ``numpy`` otherwise."""
    return torch if isinstance(x, torch.Tensor) else np


def norm(v: Array) -> Array:
    """Euclidean norm over the last axis (NumPy or torch)."""
    return xp(v).sqrt((v * v).sum(-1))


def check_form(form: str, scale: float) -> None:
    """Validate the ``form`` / ``scale`` kwargs shared by the distance terms."""
    if form not in ("linear", "tanh"):
        raise RewardSpecError(
            f"form must be 'linear' (-distance) or 'tanh' (1 - tanh(distance/scale)), got {form!r}"
        )
    if not isinstance(scale, (int, float)) or isinstance(scale, bool) or not scale > 0:
        raise RewardSpecError(f"scale must be a positive number, got {scale!r}")


class InfoReward(RewardFn):
    """A per-step reward computed from ``info`` columns by array math shared by NumPy and torch.

    Subclasses list the info keys they read in :attr:`requires` and implement :meth:`compute`.

    Attributes:
        requires: the info keys :meth:`compute` reads.
    """

    requires: tuple[str, ...] = ()

    def compute(self, info: Mapping[str, Array]) -> Array:
        """Return the ``(B,)`` reward from info columns (NumPy arrays or torch tensors)."""
        raise NotImplementedError

    def score(self, batch: Transitions) -> torch.Tensor:
        columns = {key: batch.info(key) for key in self.requires}
        return self.compute(columns).to(torch.float32)


def linear_terms(
    reward: Any, *, _prefix: str = "", _weight: float = 1.0
) -> list[tuple[str, float, InfoReward]]:
    """Flatten ``reward`` (an :class:`InfoReward` or nested WeightedSums of them) into weighted terms.

    Terms with weight 0 are kept (they are logged by wrappers) with weight 0.

    Raises:
        EnvConfigError: part of the reward is not an :class:`InfoReward` (wrap the env with
            ``rewardgym.wrap`` instead).
    """
    if isinstance(reward, InfoReward):
        return [(_prefix or reward.display_name, _weight, reward)]
    if isinstance(reward, WeightedSum):
        out: list[tuple[str, float, InfoReward]] = []
        for key, term in reward.terms.items():
            name = f"{_prefix}/{key}" if _prefix else key
            out.extend(linear_terms(term, _prefix=name, _weight=_weight * reward.weights[key]))
        return out
    raise EnvConfigError(
        f"the env computes its own reward from robotics terms (robotics/*) combined by weighted sums; "
        f"{getattr(reward, 'display_name', reward)!r} is not one. Keep the default reward and attach this "
        "one with rewardgym.wrap(env, reward) instead"
    )


def evaluate_terms(terms: list[tuple[str, float, InfoReward]], info: Mapping[str, np.ndarray]) -> np.ndarray:
    """Weighted sum of ``terms`` on NumPy info columns; returns float64 ``(B,)``."""
    total: np.ndarray | None = None
    for name, weight, term in terms:
        if weight == 0.0:
            continue
        try:
            value = np.asarray(term.compute(info), dtype=np.float64)
        except KeyError as exc:
            raise RewardComputationError(
                f"reward term {name!r} needs info key {exc}; it is not reported"
            ) from exc
        total = weight * value if total is None else total + weight * value
    if total is None:
        n = len(next(iter(info.values()))) if info else 0
        total = np.zeros(n)
    return total
