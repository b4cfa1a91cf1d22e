"""Verifiable maze rewards. Each reads only the maze info contract (see :mod:`rewardgym.envs.maze.env`).

- ``maze/goal-v0``: 1.0 where ``info["success"]`` (the sparse task reward).
- ``maze/step-cost-v0``: ``-cost`` on every step.
- ``maze/distance-potential-v0``: potential-based shaping ``γ·Φ(s') − Φ(s)`` with ``Φ = −distance / scale``
  (BFS distance to the goal); it leaves the optimal policies unchanged.
- ``maze/wall-bump-v0``: ``-penalty`` where the move hit a wall.

All are vectorised over the batch (one tensor expression each).

Example:
    >>> import gymnasium as gym
    >>> import rewardgym
    >>> envs = gym.make_vec("rewardgym/Maze-v0", num_envs=4, vectorization_mode="vector_entry_point")
    >>> envs = rewardgym.wrap(envs, {"sum": {"maze/goal-v0": 1.0, "maze/distance-potential-v0": 0.1}})
    >>> _ = envs.reset(seed=0)
    >>> _, reward, *_, infos = envs.step(envs.action_space.sample())
    >>> sorted(infos["reward_terms"])
    ['maze/distance-potential-v0', 'maze/goal-v0', 'total']
"""

from __future__ import annotations

import math
from typing import Any

import torch

from rewardgym.errors import RewardSpecError
from rewardgym.rewards.base import RewardFn
from rewardgym.rewards.registry import register_reward
from rewardgym.rewards.shaping import PotentialFn, Shaping

__all__ = ["DistancePotential", "GoalReward", "StepCost", "WallBump", "distance_potential"]

ENV_ID = "rewardgym/Maze-v0"


def _number(name: str, value: Any, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RewardSpecError(f"{name} must be a finite number, got {value!r}")
    if positive and value <= 0:
        raise RewardSpecError(f"{name} must be > 0, got {value!r}")
    return float(value)


@register_reward("maze/goal-v0", example=ENV_ID)
class GoalReward(RewardFn):
    """1.0 on the step that reaches the goal (``info["success"]``), else 0."""

    def score(self, batch: Any) -> torch.Tensor:
        return batch.info("success")


@register_reward("maze/step-cost-v0", example=ENV_ID)
class StepCost(RewardFn):
    """-cost on every step (default 0.01): prefers shorter paths.

    Args:
        cost: the per-step cost (a positive cost is subtracted).
    """

    def __init__(self, cost: float = 0.01) -> None:
        self.cost = _number("cost", cost)

    def score(self, batch: Any) -> torch.Tensor:
        return torch.full((len(batch),), -self.cost, dtype=torch.float32, device=batch.device)


@register_reward("maze/wall-bump-v0", example=ENV_ID)
class WallBump(RewardFn):
    """-penalty where the move hit a wall (``info["bumped"]``), default 0.1.

    Args:
        penalty: subtracted on every bump.
    """

    def __init__(self, penalty: float = 0.1) -> None:
        self.penalty = _number("penalty", penalty)

    def score(self, batch: Any) -> torch.Tensor:
        return batch.info("bumped") * -self.penalty


class DistancePotential(PotentialFn):
    """Φ(s) = −distance / scale, from ``info["prev_distance"]`` (s) and ``info["distance"]`` (s').

    Args:
        scale: distances are divided by it (e.g. the maze's largest distance, to keep Φ in [−1, 0]).
    """

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = _number("scale", scale, positive=True)

    def potentials(self, batch: Any) -> tuple[torch.Tensor, torch.Tensor]:
        # Dividing the stored integer distances gives float32 in one op (no separate cast).
        return batch.info("prev_distance", dtype=None) / -self.scale, batch.info("distance", dtype=None) / -self.scale


@register_reward("maze/distance-potential-v0", example=ENV_ID)
def distance_potential(gamma: float = 0.99, scale: float = 1.0) -> Shaping:
    """Potential-based shaping γ·Φ(s') − Φ(s) with Φ = −BFS distance to the goal / scale (policy-invariant).

    Use the learner's discount as ``gamma`` for exact invariance. ``Φ(s')`` is 0 on terminated steps.

    Example:
        >>> import rewardgym
        >>> from rewardgym.rollout import collect_transitions
        >>> r = rewardgym.make_reward("maze/distance-potential-v0", gamma=1.0)
        >>> batch = collect_transitions("rewardgym/Maze-v0", 8, seed=0)
        >>> alive = ~batch.terminated
        >>> shaped = batch.info("prev_distance") - batch.info("distance") * alive
        >>> bool(torch.equal(r(batch), shaped))
        True
    """
    return Shaping(DistancePotential(scale), gamma=_number("gamma", gamma))
