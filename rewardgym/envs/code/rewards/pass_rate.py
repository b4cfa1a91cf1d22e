"""``code/pass-rate-v0``: the fraction of unit tests a submitted program passes.

Each submitted program is graded in a fresh sandbox (see :class:`~rewardgym.sandbox.grading.Grader`); the
verdict is read per test from the harness, never from the program's exit code or output.

Example:
    >>> from rewardgym import make_reward
    >>> from rewardgym.envs.code.rewards._common import example_episodes
    >>> make_reward("code/pass-rate-v0")(example_episodes()).tolist()  # doctest: +SKIP
    [1.0, 0.0, 0.0, 0.0]
"""

from __future__ import annotations

import torch

from rewardgym.envs.code.rewards._common import GradedReward, example_episodes
from rewardgym.rewards.registry import register_reward
from rewardgym.types import Episodes

__all__ = ["PassRate"]


@register_reward("code/pass-rate-v0", example=example_episodes)
class PassRate(GradedReward):
    """Fraction of the task's unit tests that the submitted code passes (0 when it does not run).

    Args:
        sandbox: backend name or Sandbox used for grading (default: the strongest available).
        timeout_s: budget for one program's whole test run.
        memory_mb: address-space limit per process.
    """

    def score(self, batch: Episodes) -> torch.Tensor:
        return torch.tensor([v.pass_rate for v in self.verdicts(batch)], dtype=torch.float32)
