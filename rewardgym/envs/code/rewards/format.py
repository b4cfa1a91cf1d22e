"""``code/format-v0``: is the action / completion well-formed code?

For :class:`~rewardgym.types.Transitions` from ``rewardgym/Code-v0``: 1 when the action is exactly one
``<run>`` or ``<submit>`` block whose code parses as Python, else 0. For
:class:`~rewardgym.types.Episodes`: 1 when the completion (inside ``<submit>`` / a fence if present) is
non-empty code that parses.

Example:
    >>> from rewardgym import make_reward
    >>> from rewardgym.types import Transitions
    >>> actions = ["<run>print(1)</run>", "print(1)"]
    >>> batch = Transitions.from_rows(obs=["", ""], action=actions, next_obs=["", ""])
    >>> make_reward("code/format-v0")(batch).tolist()
    [1.0, 0.0]
"""

from __future__ import annotations

import ast

import torch

from rewardgym.envs.code.rewards._common import example_transitions, submitted_code
from rewardgym.errors import RewardComputationError
from rewardgym.rewards.base import Reward
from rewardgym.rewards.registry import register_reward
from rewardgym.types import Episodes, Transitions

__all__ = ["Format"]


def _parses(code: str) -> bool:
    if not code.strip():
        return False
    try:
        ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return True


@register_reward("code/format-v0", example=example_transitions)
class Format(Reward):
    """1 for a well-formed ``<run>``/``<submit>`` action (or completion) whose code parses, else 0."""

    def score(self, batch: Transitions | Episodes) -> torch.Tensor:
        from rewardgym.envs.code.env import parse_action

        if isinstance(batch, Transitions):
            if not isinstance(batch.action, list):
                raise RewardComputationError("code/format-v0 scores text actions (list of str)")
            values = []
            for action in batch.action:
                parsed = parse_action(action) if isinstance(action, str) else None
                values.append(float(parsed is not None and _parses(parsed[1])))
        else:
            values = [float(_parses(submitted_code(c))) for c in batch.completions]
        return torch.tensor(values, dtype=torch.float32)
