"""``dialogue/referential-accuracy-v0``: 1 when the listener picked the target in ``referential-v0``.

Exactly verifiable: the row's ``infos["result"]`` (set on the step of a pick) names the target and the
chosen object; the reward compares them. Rows without a pick score 0; Episodes rows score the share of
correct rounds from ``infos["outcome"]``.

Example:
    >>> import rewardgym
    >>> from rewardgym.envs.dialogue.rewards.examples import referential_transitions
    >>> batch = referential_transitions()
    >>> r = rewardgym.make_reward("dialogue/referential-accuracy-v0")(batch)
    >>> sorted(set(r.tolist())) in ([0.0], [1.0], [0.0, 1.0])
    True
"""

from __future__ import annotations

from typing import Any

import torch

from rewardgym.envs.dialogue.rewards._columns import json_column
from rewardgym.envs.dialogue.rewards.examples import referential_transitions
from rewardgym.rewards.base import Reward
from rewardgym.rewards.registry import register_reward
from rewardgym.types import Episodes

__all__ = ["ReferentialAccuracy"]


@register_reward("dialogue/referential-accuracy-v0", example=referential_transitions)
class ReferentialAccuracy(Reward):
    """1 for a step where the listener picked the target, 0 otherwise (episodes: share of correct rounds)."""

    def score(self, batch: Any) -> torch.Tensor:
        if isinstance(batch, Episodes):
            out = []
            for outcome in json_column(batch, "outcome", self.display_name):
                if outcome is None:
                    out.append(0.0)
                else:
                    hits = sum(r["choice"] == r["target"] for r in outcome["results"])
                    out.append(hits / outcome["rounds"])
            return torch.tensor(out, dtype=torch.float32, device=batch.device)
        results = json_column(batch, "result", self.display_name)
        out = [0.0 if r is None else float(r["choice"] == r["target"]) for r in results]
        return torch.tensor(out, dtype=torch.float32, device=batch.device)
