"""The human-written default reward of each robotics task, as a weighted sum of the registered terms.

``rewardgym/Reach-v0`` and ``rewardgym/Push-v0`` return these as their own reward, so learned or synthesized
rewards can be compared against them (e.g. by training PPO on each). The specs are plain data
(:data:`REACH_DEFAULT`, :data:`PUSH_DEFAULT`) in the :func:`rewardgym.rewards.build_reward` grammar.

- ``robotics/reach-default-v0``: ``-d(fingertip, target) + 0.25·success - 0.05·|a|²``.
- ``robotics/push-default-v0``: ``-0.5·d(fingertip, object) - d(object, goal) + 0.25·success - 0.05·|a|²``
  (contact is logged with weight 0).

Example:
    >>> import rewardgym
    >>> reward = rewardgym.make_reward("robotics/reach-default-v0")
    >>> sorted(reward.weights)
    ['robotics/control-cost-v0', 'robotics/distance-to-target-v0', 'robotics/success-v0']
"""

from __future__ import annotations

from typing import Any

from rewardgym.rewards.base import Reward
from rewardgym.rewards.registry import register_reward

__all__ = ["PUSH_DEFAULT", "REACH_DEFAULT", "push_default", "reach_default"]

REACH_DEFAULT: dict[str, Any] = {
    "sum": {
        "robotics/distance-to-target-v0": 1.0,
        "robotics/success-v0": 0.25,
        "robotics/control-cost-v0": 0.05,
    }
}

PUSH_DEFAULT: dict[str, Any] = {
    "sum": [
        {
            "reward": {
                "reward": {"name": "robotics/distance-to-target-v0", "kwargs": {"target": "object_pos"}}
            },
            "weight": 0.5,
            "as": "fingertip-to-object",
        },
        {"reward": "robotics/object-to-goal-v0", "weight": 1.0},
        {"reward": "robotics/success-v0", "weight": 0.25},
        {"reward": "robotics/control-cost-v0", "weight": 0.05},
        {"reward": "robotics/contact-v0", "weight": 0.0},
    ]
}


def _build(spec: dict[str, Any]) -> Reward:
    from rewardgym.rewards.spec import build_reward

    return build_reward(spec)


@register_reward("robotics/reach-default-v0", example="rewardgym/Reach-v0")
def reach_default() -> Reward:
    """Reach-v0's own reward: -distance(fingertip, target) + 0.25·success - 0.05·|action|²."""
    return _build(REACH_DEFAULT)


@register_reward("robotics/push-default-v0", example="rewardgym/Push-v0")
def push_default() -> Reward:
    """Push-v0's own reward: -0.5·d(tip, object) - d(object, goal) + 0.25·success - 0.05·|action|²."""
    return _build(PUSH_DEFAULT)
