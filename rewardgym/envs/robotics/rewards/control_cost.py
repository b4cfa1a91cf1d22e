"""``robotics/control-cost-v0``: the squared norm of the applied action, negated.

Reads ``info["action"]``: the action the env applied (after clipping to the action space), so the term
agrees with the simulator even when a policy samples outside the bounds.

Example:
    >>> import numpy as np
    >>> ControlCost().compute({"action": np.array([[1.0, 0.0, -1.0]])}).tolist()
    [-2.0]
"""

from __future__ import annotations

from collections.abc import Mapping

from rewardgym.envs.robotics.rewards._base import Array, InfoReward
from rewardgym.rewards.registry import register_reward

__all__ = ["ControlCost"]


@register_reward("robotics/control-cost-v0", example="rewardgym/Reach-v0")
class ControlCost(InfoReward):
    """Negative squared norm of the applied action: -sum(a**2)."""

    requires = ("action",)

    def compute(self, info: Mapping[str, Array]) -> Array:
        a = info["action"]
        return -(a * a).sum(-1)
