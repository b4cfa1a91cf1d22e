"""``robotics/success-v0``: a bonus of 1 on every step where the task's ``info["success"]`` flag is set.

Reach-v0: the fingertip is within ``success_radius`` of the target. Push-v0: the object is within
``success_radius`` of the goal. Gymnasium's Reacher-v5 / Pusher-v5 get the same flag from
:class:`~rewardgym.envs.robotics.adapter.MujocoInfo`.

Example:
    >>> import numpy as np
    >>> SuccessBonus().compute({"success": np.array([True, False])}).tolist()
    [1.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Mapping

from rewardgym.envs.robotics.rewards._base import Array, InfoReward
from rewardgym.rewards.registry import register_reward

__all__ = ["SuccessBonus"]


@register_reward("robotics/success-v0", example="rewardgym/Reach-v0")
class SuccessBonus(InfoReward):
    """1 on steps where info['success'] is set (the task is solved in that state), else 0.

    Args:
        key: the boolean info column to read.
    """

    def __init__(self, key: str = "success") -> None:
        self.key = key
        self.requires = (key,)

    def compute(self, info: Mapping[str, Array]) -> Array:
        return (info[self.key] > 0) * 1.0
