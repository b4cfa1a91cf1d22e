"""``robotics/object-to-goal-v0``: how close the pushed object is to its goal.

Reads ``info["object_pos"]`` and ``info["goal_pos"]`` (``(B, 3)``), reported by Push-v0 and by Pusher-v5
through :class:`~rewardgym.envs.robotics.adapter.MujocoInfo`.

Example:
    >>> import rewardgym
    >>> from rewardgym.rollout import collect_transitions
    >>> batch = collect_transitions("rewardgym/Push-v0", n_steps=4, seed=0)
    >>> rewardgym.make_reward("robotics/object-to-goal-v0", form="tanh")(batch).shape
    torch.Size([4])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from rewardgym.envs.robotics.rewards._base import Array, InfoReward, check_form, norm, xp
from rewardgym.rewards.registry import register_reward

__all__ = ["ObjectToGoal"]


@register_reward("robotics/object-to-goal-v0", example="rewardgym/Push-v0")
class ObjectToGoal(InfoReward):
    """Negative distance from the object to its goal (or 1 - tanh(d/scale) with form='tanh').

    Args:
        form: ``"linear"`` gives ``-d`` (metres); ``"tanh"`` gives ``1 - tanh(d / scale)`` in ``(0, 1]``.
        scale: distance scale of the ``"tanh"`` form, metres.
    """

    requires = ("object_pos", "goal_pos")

    def __init__(self, form: Literal["linear", "tanh"] = "linear", scale: float = 0.1) -> None:
        check_form(form, scale)
        self.form, self.scale = form, float(scale)

    def compute(self, info: Mapping[str, Array]) -> Array:
        d = norm(info["goal_pos"] - info["object_pos"])
        return -d if self.form == "linear" else 1.0 - xp(d).tanh(d / self.scale)
