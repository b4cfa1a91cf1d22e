"""``code/all-pass-v0``: 1 if a submitted program passes every unit test of its task, else 0.

Example:
    >>> from rewardgym import make_reward
    >>> from rewardgym.envs.code.rewards._common import example_episodes
    >>> make_reward("code/all-pass-v0")(example_episodes()).tolist()  # doctest: +SKIP
    [1.0, 0.0, 0.0, 0.0]
"""

from __future__ import annotations

import torch

from rewardgym.envs.code.rewards._common import GradedReward, example_episodes
from rewardgym.rewards.registry import register_reward
from rewardgym.types import Episodes

__all__ = ["AllPass"]


@register_reward("code/all-pass-v0", example=example_episodes)
class AllPass(GradedReward):
    """1 if the submitted code passes every unit test of the task, else 0.

    Args:
        sandbox: backend name or Sandbox used for grading (default: the strongest available).
        timeout_s: budget for one program's whole test run.
        memory_mb: address-space limit per process.
    """

    def score(self, batch: Episodes) -> torch.Tensor:
        return torch.tensor([float(v.all_passed) for v in self.verdicts(batch)], dtype=torch.float32)
