"""``robotics/action-smoothness-v0``: the squared change of the action since the previous step, negated.

Reads ``info["action"]`` and ``info["prev_action"]`` (zeros on the first step of an episode). Penalises
jerky, bang-bang control without penalising sustained effort (that is ``robotics/control-cost-v0``).

Example:
    >>> import numpy as np
    >>> info = {"action": np.array([[1.0, 0.5]]), "prev_action": np.array([[0.0, 0.5]])}
    >>> ActionSmoothness().compute(info).tolist()
    [-1.0]
"""

from __future__ import annotations

from collections.abc import Mapping

from rewardgym.envs.robotics.rewards._base import Array, InfoReward
from rewardgym.rewards.registry import register_reward

__all__ = ["ActionSmoothness"]


@register_reward("robotics/action-smoothness-v0", example="rewardgym/Reach-v0")
class ActionSmoothness(InfoReward):
    """Negative squared change of the action since the previous step: -sum((a - a_prev)**2)."""

    requires = ("action", "prev_action")

    def compute(self, info: Mapping[str, Array]) -> Array:
        delta = info["action"] - info["prev_action"]
        return -(delta * delta).sum(-1)
