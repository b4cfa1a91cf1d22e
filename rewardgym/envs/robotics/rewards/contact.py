"""``robotics/contact-v0``: 1 on steps where the arm touches the object (``info["contact"]``).

A shaping signal for pushing: it pays for getting to the object, whatever happens to it next. Push-v0
reports MuJoCo's own contact list (any arm geom against the puck).

Example:
    >>> import numpy as np
    >>> Contact().compute({"contact": np.array([False, True])}).tolist()
    [0.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Mapping

from rewardgym.envs.robotics.rewards._base import Array, InfoReward
from rewardgym.rewards.registry import register_reward

__all__ = ["Contact"]


@register_reward("robotics/contact-v0", example="rewardgym/Push-v0")
class Contact(InfoReward):
    """1 where the arm touches the object (info['contact']), else 0.

    Args:
        key: the boolean info column to read (``"fingertip_contact"``: the fingertip only).
    """

    def __init__(self, key: str = "contact") -> None:
        self.key = key
        self.requires = (key,)

    def compute(self, info: Mapping[str, Array]) -> Array:
        return (info[self.key] > 0) * 1.0
