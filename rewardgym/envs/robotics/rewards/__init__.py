"""Reward terms of the robotics family (``robotics/*``), one module per term, and each task's default.

Every term reads documented ``info`` columns (see :mod:`rewardgym.envs.robotics`), so it scores
transitions from Reach-v0 / Push-v0 and from Gymnasium's Reacher-v5 / Pusher-v5 behind
:class:`~rewardgym.envs.robotics.adapter.MujocoInfo`. None of these modules imports MuJoCo.

=================================  ==========================================================
``robotics/distance-to-target-v0`` ``-|fingertip - target|`` (any two position columns)
``robotics/object-to-goal-v0``     ``-|object - goal|``
``robotics/success-v0``            ``1`` where ``info["success"]``
``robotics/control-cost-v0``       ``-|a|²`` of the applied action
``robotics/action-smoothness-v0``  ``-|a - a_prev|²``
``robotics/contact-v0``            ``1`` where the arm touches the object
``robotics/reach-default-v0``      Reach-v0's own reward (a weighted sum of the above)
``robotics/push-default-v0``       Push-v0's own reward
=================================  ==========================================================

Example:
    >>> import rewardgym
    >>> sorted(rewardgym.list_rewards("robotics/"))[:2]
    ['robotics/action-smoothness-v0', 'robotics/contact-v0']
"""

# The reward API first: importing it registers every family's rewards, these modules included. Entered from here
# instead (e.g. gym.make("rewardgym/Reach-v0") in a fresh process), that registration would find _base half-built.
import rewardgym.rewards  # noqa: F401
from rewardgym.envs.robotics.rewards._base import InfoReward, evaluate_terms, linear_terms
from rewardgym.envs.robotics.rewards.contact import Contact
from rewardgym.envs.robotics.rewards.control_cost import ControlCost
from rewardgym.envs.robotics.rewards.defaults import PUSH_DEFAULT, REACH_DEFAULT
from rewardgym.envs.robotics.rewards.distance import DistanceToTarget
from rewardgym.envs.robotics.rewards.object_goal import ObjectToGoal
from rewardgym.envs.robotics.rewards.smoothness import ActionSmoothness
from rewardgym.envs.robotics.rewards.success import SuccessBonus

__all__ = [
    "PUSH_DEFAULT",
    "REACH_DEFAULT",
    "ActionSmoothness",
    "Contact",
    "ControlCost",
    "DistanceToTarget",
    "InfoReward",
    "ObjectToGoal",
    "SuccessBonus",
    "evaluate_terms",
    "linear_terms",
]
