"""``dialogue/emotion-v0``: the simulated user's verifiable emotion score (RLVER-style) from ``support-v0``.

Modes:

- ``"delta"`` (default): the score's change this turn / 100 (an episode sums to (final - initial) / 100);
- ``"level"``: the score after this turn / 100;
- ``"final"``: the score / 100 on the row that ends the dialogue, 0 elsewhere (RLVER's outcome reward).

On Episodes (from the env's ``episode()``) ``"delta"`` is the whole gain
and the other modes the final score, read from ``infos["outcome"]``.

Example:
    >>> import rewardgym
    >>> from rewardgym.envs.dialogue.rewards.examples import support_transitions
    >>> batch = support_transitions()
    >>> r = rewardgym.make_reward("dialogue/emotion-v0")(batch)
    >>> r.shape == (len(batch),)
    True
"""

from __future__ import annotations

from typing import Any

import torch

from rewardgym.envs.dialogue.rewards._columns import json_column
from rewardgym.envs.dialogue.rewards.examples import support_transitions
from rewardgym.errors import RewardSpecError
from rewardgym.rewards.base import Reward
from rewardgym.rewards.registry import register_reward
from rewardgym.types import Episodes

__all__ = ["EmotionReward"]

_MODES = ("delta", "level", "final")


@register_reward("dialogue/emotion-v0", example=support_transitions)
class EmotionReward(Reward):
    """Change (or level) of the simulated user's emotion score, scaled to [-1, 1].

    Args:
        mode: ``"delta"``, ``"level"`` or ``"final"`` (see the module docstring).
        scale: the score's range (100).

    Raises:
        RewardSpecError: unknown mode.
    """

    def __init__(self, mode: str = "delta", scale: float = 100.0) -> None:
        if mode not in _MODES:
            raise RewardSpecError(f"dialogue/emotion-v0: mode must be one of {_MODES}, got {mode!r}")
        self.mode = mode
        self.scale = float(scale)

    def score(self, batch: Any) -> torch.Tensor:
        if isinstance(batch, Episodes):
            out = []
            for outcome in json_column(batch, "outcome", self.display_name):
                if outcome is None:
                    out.append(0.0)
                elif self.mode == "delta":
                    out.append((outcome["final_emotion"] - outcome["initial_emotion"]) / self.scale)
                else:
                    out.append(outcome["final_emotion"] / self.scale)
            return torch.tensor(out, dtype=torch.float32, device=batch.device)
        after = batch.info("emotion")
        if self.mode == "delta":
            return (after - batch.info("emotion_before")) / self.scale
        if self.mode == "level":
            return after / self.scale
        done = (batch.terminated | batch.truncated).to(after.device)
        return torch.where(done, after / self.scale, torch.zeros_like(after))
