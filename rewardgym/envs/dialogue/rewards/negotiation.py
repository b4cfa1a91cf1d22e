"""Negotiation rewards, re-verified from the final ``info["outcome"]`` of ``negotiation-v0``.

- ``dialogue/negotiation-value-v0``: the row's agent's agreed value (share of its total by default).
- ``dialogue/negotiation-agreement-v0``: 1 if the negotiation ended in a deal, else 0 (a metric).
- ``dialogue/negotiation-pareto-v0``: 1 if the deal is Pareto-optimal, else 0 (a metric).

Rows that are not the end of a negotiation score 0 (value) or NaN ("not applicable": the metrics;
Pareto is also NaN without a deal). They score Transitions and Episodes alike (both carry
``infos["agent"]`` and ``infos["outcome"]``).

Example:
    >>> import rewardgym
    >>> from rewardgym.envs.dialogue.rewards.examples import negotiation_transitions
    >>> batch = negotiation_transitions()
    >>> value = rewardgym.make_reward("dialogue/negotiation-value-v0")(batch)
    >>> bool(((value >= 0) & (value <= 1)).all())
    True
"""

from __future__ import annotations

from typing import Any

import torch

from rewardgym.envs.dialogue.deals import allocation_value, is_pareto_optimal
from rewardgym.envs.dialogue.rewards._columns import json_column, text_column
from rewardgym.envs.dialogue.rewards.examples import negotiation_episodes, negotiation_transitions
from rewardgym.errors import RewardComputationError
from rewardgym.rewards.base import Reward
from rewardgym.rewards.registry import register_reward

__all__ = ["NegotiationAgreement", "NegotiationPareto", "NegotiationValue"]

_NAN = float("nan")


def _rows(batch: Any, name: str) -> list[tuple[str, dict[str, Any] | None]]:
    return list(zip(text_column(batch, "agent", name), json_column(batch, "outcome", name)))


def _check(outcome: dict[str, Any], agent: str, name: str) -> None:
    if agent not in outcome.get("values", {}):
        raise RewardComputationError(
            f"{name}: infos['agent'] is {agent!r}, but the outcome has values for "
            f"{sorted(outcome.get('values', {}))}"
        )


@register_reward("dialogue/negotiation-value-v0", example=negotiation_transitions)
class NegotiationValue(Reward):
    """Agreed value of the row's agent at the end of a negotiation; 0 on other rows.

    Args:
        normalize: divide by what the whole pool is worth to the agent (so in [0, 1]).
        no_deal: the value of ending without a deal.
    """

    def __init__(self, normalize: bool = True, no_deal: float = 0.0) -> None:
        self.normalize = bool(normalize)
        self.no_deal = float(no_deal)

    def score(self, batch: Any) -> torch.Tensor:
        out = []
        for agent, outcome in _rows(batch, self.display_name):
            if outcome is None:
                out.append(0.0)
            elif not outcome["agreed"]:
                out.append(self.no_deal)
            else:
                _check(outcome, agent, self.display_name)
                points = allocation_value(outcome["allocation"][agent], outcome["values"][agent])
                out.append(points / outcome["total_value"] if self.normalize else float(points))
        return torch.tensor(out, dtype=torch.float32, device=batch.device)


@register_reward("dialogue/negotiation-agreement-v0", example=negotiation_episodes)
class NegotiationAgreement(Reward):
    """1 if the negotiation ended with a deal, 0 if without; NaN on rows that are not its end."""

    may_return_nan = True

    def score(self, batch: Any) -> torch.Tensor:
        out = [_NAN if o is None else float(bool(o["agreed"])) for _, o in _rows(batch, self.display_name)]
        return torch.tensor(out, dtype=torch.float32, device=batch.device)


@register_reward("dialogue/negotiation-pareto-v0", example=negotiation_transitions)
class NegotiationPareto(Reward):
    """1 if the agreed split is Pareto-optimal, 0 if not; NaN without a deal or before the end."""

    may_return_nan = True

    def score(self, batch: Any) -> torch.Tensor:
        out = []
        for agent, outcome in _rows(batch, self.display_name):
            if outcome is None or not outcome["agreed"]:
                out.append(_NAN)
                continue
            _check(outcome, agent, self.display_name)
            a, b = sorted(outcome["values"])
            ok = is_pareto_optimal(
                outcome["pool"], outcome["values"][a], outcome["values"][b], outcome["allocation"][a]
            )
            out.append(float(ok))
        return torch.tensor(out, dtype=torch.float32, device=batch.device)
