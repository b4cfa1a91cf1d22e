"""``dialogue/malformed-v0``: 1 where the row's agent sent a message that broke the env's protocol.

Every dialogue env flags protocol violations in ``infos["malformed"]`` (an unparsable ``PROPOSE``, an
``ACCEPT`` with nothing to accept, a ``PICK`` out of range). Give it a negative weight to teach format.

Example:
    >>> import rewardgym
    >>> from rewardgym.types import Transitions
    >>> batch = Transitions.from_rows(obs=["", ""], action=["PROPOSE {", "ACCEPT"], next_obs=["", ""],
    ...                               infos=[{"malformed": True}, {"malformed": False}])
    >>> rewardgym.make_reward("dialogue/malformed-v0")(batch).tolist()
    [1.0, 0.0]
"""

from __future__ import annotations

from typing import Any

import torch

from rewardgym.envs.dialogue.rewards.examples import negotiation_transitions
from rewardgym.rewards.base import Reward
from rewardgym.rewards.registry import register_reward

__all__ = ["Malformed"]


@register_reward("dialogue/malformed-v0", example=negotiation_transitions)
class Malformed(Reward):
    """1 where the agent's message broke the dialogue protocol (``infos["malformed"]``), else 0."""

    def score(self, batch: Any) -> torch.Tensor:
        return batch.info("malformed")
