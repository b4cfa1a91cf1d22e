"""``dialogue/tactic-novelty-v0``: MINT-style cross-turn tactic novelty of a supporter's message.

The tactics of the message (the row's ``action``) are detected with
:func:`rewardgym.envs.dialogue.tactics.detect_tactics`; the earlier turns' tactics come from
``infos["tactic_history"]`` (JSON, as ``support-v0`` reports it). The reward is the share of this turn's
tactics that were not used before (within ``window`` turns), so repeating one discourse move earns 0 after
its first use, while varying moves keeps earning. Harmful tactics never count as novel; a message with no
tactic (or an empty action: not the agent's turn) scores 0.

Example:
    >>> import rewardgym
    >>> from rewardgym.types import Transitions
    >>> batch = Transitions.from_rows(
    ...     obs=["", ""], next_obs=["", ""],
    ...     action=["That sounds really hard.", "That sounds really hard. What happened next?"],
    ...     infos=[{"tactic_history": "[]"}, {"tactic_history": '[["validation"]]'}])
    >>> rewardgym.make_reward("dialogue/tactic-novelty-v0")(batch).tolist()
    [1.0, 0.5]
"""

from __future__ import annotations

from typing import Any

import torch

from rewardgym.envs.dialogue.rewards._columns import json_column
from rewardgym.envs.dialogue.rewards.examples import support_transitions
from rewardgym.envs.dialogue.tactics import HARMFUL_TACTICS, detect_tactics, tactic_novelty
from rewardgym.errors import RewardComputationError, RewardSpecError
from rewardgym.rewards.base import RewardFn
from rewardgym.rewards.registry import register_reward

__all__ = ["TacticNovelty"]


@register_reward("dialogue/tactic-novelty-v0", example=support_transitions)
class TacticNovelty(RewardFn):
    """Share of the message's supportive tactics not used in earlier turns (MINT-style novelty).

    Args:
        window: look back this many turns (None: the whole dialogue).

    Raises:
        RewardSpecError: a negative window.
    """

    def __init__(self, window: int | None = None) -> None:
        if window is not None and (isinstance(window, bool) or not isinstance(window, int) or window < 0):
            raise RewardSpecError(
                f"dialogue/tactic-novelty-v0: window must be None or an int >= 0, got {window!r}"
            )
        self.window = window

    def score(self, batch: Any) -> torch.Tensor:
        actions = batch.action
        if not isinstance(actions, list):
            raise RewardComputationError(
                f"{self.display_name} scores text actions, got {type(actions).__name__}"
            )
        histories = json_column(batch, "tactic_history", self.display_name)
        out = []
        for text, history in zip(actions, histories):
            tactics = [t for t in detect_tactics(str(text)) if t not in HARMFUL_TACTICS]
            out.append(tactic_novelty(tactics, history or [], self.window))
        return torch.tensor(out, dtype=torch.float32, device=batch.device)
