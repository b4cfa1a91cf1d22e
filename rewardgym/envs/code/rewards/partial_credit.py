"""``code/partial-credit-v0``: difficulty-weighted partial credit over a task's unit tests.

Each test's weight is how often it is *failed*: ``w = 1 - p + eps`` with ``p`` the running (Laplace-smoothed)
pass rate of that test of that task over every solution this reward has graded, this batch included. A
solution gets ``sum(w * passed) / sum(w)``: passing the tests most solutions fail is worth more than
passing the ones everybody passes. The statistics live in the reward object (``stateful``); set
``update=False`` to score with frozen weights.

Example:
    >>> from rewardgym import make_reward
    >>> from rewardgym.envs.code.rewards._common import example_episodes
    >>> make_reward("code/partial-credit-v0")(example_episodes()).shape  # doctest: +SKIP
    torch.Size([4])
"""

from __future__ import annotations

from typing import Any

import torch

from rewardgym.envs.code.rewards._common import GradedReward, example_episodes
from rewardgym.errors import RewardSpecError
from rewardgym.rewards.registry import register_reward
from rewardgym.types import Episodes

__all__ = ["PartialCredit"]


@register_reward("code/partial-credit-v0", example=example_episodes)
class PartialCredit(GradedReward):
    """Difficulty-weighted fraction of unit tests passed (weights from running per-test pass rates).

    Args:
        sandbox: backend name or Sandbox used for grading.
        timeout_s: budget for one program's whole test run.
        memory_mb: address-space limit per process.
        eps: weight floor, so a test everybody passes still counts a little.
        update: fold each scored batch into the pass-rate statistics.
    """

    stateful = True
    row_independent = False

    def __init__(
        self,
        sandbox: Any = "auto",
        timeout_s: float = 10.0,
        memory_mb: int = 512,
        eps: float = 0.05,
        update: bool = True,
    ) -> None:
        super().__init__(sandbox, timeout_s, memory_mb)
        if not eps > 0:
            raise RewardSpecError(f"eps must be > 0, got {eps!r}")
        self.eps, self.update = float(eps), update
        self.passes: dict[str, torch.Tensor] = {}
        self.attempts: dict[str, torch.Tensor] = {}

    def _key(self, batch: Episodes, i: int) -> str:
        ids = batch.infos.get("task_id")
        return str(ids[i]) if ids is not None else str(batch.infos["tests"][i])

    def weights(self, key: str, n: int) -> torch.Tensor:
        """Current per-test weights of task ``key`` (uniform for an unseen task)."""
        passes = self.passes.get(key, torch.zeros(n, dtype=torch.float64))
        attempts = self.attempts.get(key, torch.zeros(n, dtype=torch.float64))
        if passes.numel() != n:
            passes, attempts = torch.zeros(n, dtype=torch.float64), torch.zeros(n, dtype=torch.float64)
        rate = (passes + 1.0) / (attempts + 2.0)
        return 1.0 - rate + self.eps

    def score(self, batch: Episodes) -> torch.Tensor:
        verdicts = self.verdicts(batch)
        keys = [self._key(batch, i) for i in range(len(batch))]
        if self.update:
            for key, v in zip(keys, verdicts):
                passed = torch.tensor(v.passed, dtype=torch.float64)
                if key not in self.passes or self.passes[key].numel() != passed.numel():
                    self.passes[key] = torch.zeros_like(passed)
                    self.attempts[key] = torch.zeros_like(passed)
                self.passes[key] += passed
                self.attempts[key] += 1.0
        out = []
        for key, v in zip(keys, verdicts):
            if v.n_tests == 0:
                out.append(0.0)
                continue
            w = self.weights(key, v.n_tests)
            out.append(float((w * torch.tensor(v.passed, dtype=torch.float64)).sum() / w.sum()))
        return torch.tensor(out, dtype=torch.float32)
