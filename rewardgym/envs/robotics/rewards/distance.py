"""``robotics/distance-to-target-v0``: how close a point (the fingertip) is to another (the target).

Reads two position columns of ``info`` (``fingertip_pos`` and ``target_pos`` by default; any pair of
``(B, 3)`` columns via ``source`` / ``target``, e.g. ``target="object_pos"`` on Push-v0 to approach the puck).

Example:
    >>> import rewardgym
    >>> from rewardgym.rollout import collect_transitions
    >>> batch = collect_transitions("rewardgym/Reach-v0", n_steps=4, seed=0)
    >>> reward = rewardgym.make_reward("robotics/distance-to-target-v0")
    >>> bool((reward(batch) <= 0).all())
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from rewardgym.envs.robotics.rewards._base import Array, InfoReward, check_form, norm, xp
from rewardgym.rewards.registry import register_reward

__all__ = ["DistanceToTarget"]


@register_reward("robotics/distance-to-target-v0", example="rewardgym/Reach-v0")
class DistanceToTarget(InfoReward):
    """Negative distance from the fingertip to the target (or 1 - tanh(d/scale) with form='tanh').

    Args:
        source: info key of the moving point, ``(B, 3)``.
        target: info key of the point to reach, ``(B, 3)``.
        form: ``"linear"`` gives ``-d`` (metres); ``"tanh"`` gives ``1 - tanh(d / scale)`` in ``(0, 1]``.
        scale: distance scale of the ``"tanh"`` form, metres.
    """

    def __init__(
        self,
        source: str = "fingertip_pos",
        target: str = "target_pos",
        form: Literal["linear", "tanh"] = "linear",
        scale: float = 0.1,
    ) -> None:
        check_form(form, scale)
        self.source, self.target, self.form, self.scale = source, target, form, float(scale)
        self.requires = (source, target)

    def compute(self, info: Mapping[str, Array]) -> Array:
        d = norm(info[self.target] - info[self.source])
        return -d if self.form == "linear" else 1.0 - xp(d).tanh(d / self.scale)
