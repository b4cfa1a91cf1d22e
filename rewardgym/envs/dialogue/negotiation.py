"""Negotiation (``negotiation-v0``): two agents split a pool of items they value differently.

Each agent sees the pool and only its own values (the pool is worth ``total_value`` to each). They talk
in turns and make structured moves inside free text (:mod:`rewardgym.envs.dialogue.protocol`):
``PROPOSE {"books": 1, ...}`` (what the speaker takes), ``ACCEPT``, ``REJECT``. An ``ACCEPT`` of the
standing proposal ends the dialogue with a deal; ``max_turns`` without one ends it with none.

Verifiable reward, per agent, at the end: the value of its share divided by ``total_value`` (so in
[0, 1]; ``normalize=False`` gives raw points), ``no_deal_reward`` without a deal. Metrics
(:meth:`NegotiationEnv.metrics`): agreement, Pareto efficiency of the deal, joint value. The final
``info["outcome"]`` (JSON) holds the pool, both value tables and the allocation, so the rewards in
:mod:`rewardgym.envs.dialogue.rewards` re-verify everything from it.

Example:
    >>> from rewardgym.envs.dialogue import negotiation
    >>> env = negotiation.parallel_env(max_turns=6)
    >>> obs, infos = env.reset(seed=0)
    >>> first = infos["agent_0"]["speaker"]
    >>> obs, rewards, term, trunc, infos = env.step({first: 'PROPOSE {"books": 1, "hats": 0, "balls": 0}'})
    >>> other = infos[first]["speaker"]
    >>> obs, rewards, term, trunc, infos = env.step({other: "Fine by me. ACCEPT"})
    >>> all(term.values()), env.metrics()["agreement"]
    (True, 1.0)
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from rewardgym.envs.dialogue.base import AECEnv, DialogueEnv, TurnOutcome, cycles_as_turns, parallel_to_aec
from rewardgym.envs.dialogue.deals import (
    DEFAULT_ITEMS,
    Scenario,
    allocation_value,
    complement,
    is_pareto_optimal,
    sample_scenario,
)
from rewardgym.envs.dialogue.protocol import EXAMPLE_PROPOSAL, parse_move
from rewardgym.errors import EnvConfigError

__all__ = ["NegotiationEnv", "env", "parallel_env"]

AGENTS = ("agent_0", "agent_1")


def _fmt(alloc: Mapping[str, int]) -> str:
    return ", ".join(f"{n} {item}" for item, n in alloc.items()) or "nothing"


class NegotiationEnv(DialogueEnv):
    """Two-agent multi-issue bargaining with private values (a PettingZoo ``ParallelEnv``).

    Args:
        items: item type names.
        total_value: what the whole pool is worth to each agent.
        max_count: most units of one item type.
        max_turns: turn limit (both agents' turns together).
        no_deal_reward: each agent's reward when no deal is made.
        normalize: divide rewards by ``total_value``.
        max_message_chars: message length limit.
        max_observation_chars: observation length limit.
        render_mode: ``None``, ``"ansi"`` or ``"human"``.

    Raises:
        EnvConfigError: invalid arguments.
    """

    metadata: ClassVar[dict[str, Any]] = {**DialogueEnv.metadata, "name": "negotiation_v0"}
    env_id: ClassVar[str] = "negotiation-v0"
    title: ClassVar[str] = "Negotiation"

    def __init__(
        self,
        *,
        items: Sequence[str] = DEFAULT_ITEMS,
        total_value: int = 10,
        max_count: int = 4,
        max_turns: int = 10,
        no_deal_reward: float = 0.0,
        normalize: bool = True,
        max_message_chars: int = 400,
        max_observation_chars: int = 4000,
        render_mode: str | None = None,
    ) -> None:
        super().__init__(
            AGENTS,
            max_turns=max_turns,
            max_message_chars=max_message_chars,
            max_observation_chars=max_observation_chars,
            render_mode=render_mode,
        )
        items = [str(i) for i in items] if not isinstance(items, str) else []
        if len(items) < 2 or len(set(items)) != len(items) or not all(i.isidentifier() for i in items):
            raise EnvConfigError(
                f"items must be 2+ distinct identifiers like ['books', 'hats'], got {items!r}"
            )
        if not isinstance(total_value, int) or total_value < 2:
            raise EnvConfigError(f"total_value must be an int >= 2, got {total_value!r}")
        if not isinstance(max_count, int) or max_count < 1:
            raise EnvConfigError(f"max_count must be an int >= 1, got {max_count!r}")
        self.items = tuple(items)
        self.total_value = total_value
        self.max_count = max_count
        self.no_deal_reward = float(no_deal_reward)
        self.normalize = bool(normalize)
        self.scenario = Scenario({}, {}, total_value)
        self.offer: tuple[str, dict[str, int]] | None = None
        self.deal: dict[str, dict[str, int]] | None = None
        self._outcome = ""
        self._static: dict[str, str] = {}
        self._json: dict[str, str] = {}

    # ----------------------------------------------------------------- scenario
    def _new_episode(self, rng: np.random.Generator, options: Mapping[str, Any]) -> str:
        if "scenario" in options:
            scenario = options["scenario"]
            if not isinstance(scenario, Scenario) or set(scenario.values) != set(AGENTS):
                raise EnvConfigError(f"options['scenario'] must be a Scenario with values for {list(AGENTS)}")
            self.scenario = scenario
        else:
            self.scenario = sample_scenario(
                rng, AGENTS, items=self.items, total_value=self.total_value, max_count=self.max_count
            )
        self.offer = None
        self.deal = None
        self._outcome = ""
        self._static = {a: self._static_brief(a) for a in AGENTS}
        self._json = {
            "pool": json.dumps(self.scenario.pool),
            **{a: json.dumps(self.scenario.values[a]) for a in AGENTS},
        }
        first = options.get("first", AGENTS[int(rng.integers(2))])
        if first not in AGENTS:
            raise EnvConfigError(f"options['first'] must be one of {list(AGENTS)}, got {first!r}")
        return first

    def _other(self, agent: str) -> str:
        return AGENTS[1 - AGENTS.index(agent)]

    def _reward(self, points: float) -> float:
        return points / self.scenario.total_value if self.normalize else float(points)

    # ----------------------------------------------------------------- observation parts
    def _static_brief(self, agent: str) -> str:
        pool, values = self.scenario.pool, self.scenario.values[agent]
        lines = [
            f"Items on the table: {_fmt(pool)}.",
            "Your private value per item: "
            + ", ".join(f"{i}={v}" for i, v in values.items())
            + f" (the whole pool is worth {self.scenario.total_value} to you; the other agent's values differ"
            " and are hidden).",
            f"Goal: agree on a split worth as much as possible to you. No deal within {self.max_turns} turns"
            " means nothing for both.",
            "Moves, written in capitals inside your message:",
            f"  {EXAMPLE_PROPOSAL}  (the counts YOU take; the rest goes to the other agent)",
            "  ACCEPT  (accept the other agent's standing proposal)",
            "  REJECT  (reject it; you may add a PROPOSE as a counter-offer)",
        ]
        return "\n".join(lines)

    def _brief(self, agent: str) -> str:
        if self.offer is None:
            return f"{self._static[agent]}\nStanding proposal: none."
        who, take = self.offer
        if who == agent:
            return f"{self._static[agent]}\nStanding proposal: yours - you take {_fmt(take)}."
        mine = complement(self.scenario.pool, take)
        worth = allocation_value(mine, self.scenario.values[agent])
        offer = f"Standing proposal from {who}: you would get {_fmt(mine)} (worth {worth} to you)."
        return f"{self._static[agent]}\n{offer}"

    def _extra_info(self, agent: str) -> dict[str, Any]:
        offer = ""
        if self.offer is not None and self.offer[0] != agent:
            offer = json.dumps(complement(self.scenario.pool, self.offer[1]))
        return {
            "pool": self._json["pool"],
            "values": self._json[agent],
            "offer": offer,
            "agreed": self.deal is not None,
            "outcome": self._outcome,
        }

    # ----------------------------------------------------------------- dynamics
    def _handle(self, speaker: str, text: str) -> TurnOutcome:
        move = parse_move(text, self.scenario.pool)
        other = self._other(speaker)
        if move.error:
            return TurnOutcome(feedback={speaker: [move.error]}, malformed=True, event="malformed")
        if move.kind == "propose":
            assert move.proposal is not None
            self.offer = (speaker, move.proposal)
            return TurnOutcome(event="propose")
        has_offer = self.offer is not None and self.offer[0] == other
        if move.kind == "accept":
            if not has_offer:
                return TurnOutcome(
                    feedback={
                        speaker: [
                            f"there is no proposal from {other} to accept; make one with {EXAMPLE_PROPOSAL}"
                        ]
                    },
                    malformed=True,
                    event="malformed",
                )
            assert self.offer is not None
            take = self.offer[1]
            self.deal = {other: dict(take), speaker: complement(self.scenario.pool, take)}
            self._finish()
            rewards = {
                a: self._reward(allocation_value(self.deal[a], self.scenario.values[a])) for a in AGENTS
            }
            self.end("a deal was made")
            return TurnOutcome(rewards=rewards, terminated=True, event="accept")
        if move.kind == "reject":
            if has_offer:
                self.offer = None
                return TurnOutcome(event="reject")
            return TurnOutcome(feedback={speaker: ["there was no proposal to reject"]}, event="reject")
        return TurnOutcome(event="talk")

    def _on_truncate(self) -> dict[str, float]:
        self._finish()
        return dict.fromkeys(AGENTS, self.no_deal_reward)

    def _finish(self) -> None:
        s = self.scenario
        self._outcome = json.dumps(
            {
                "agreed": self.deal is not None,
                "pool": s.pool,
                "values": s.values,
                "allocation": self.deal,
                "total_value": s.total_value,
                "no_deal_reward": self.no_deal_reward,
                "normalize": self.normalize,
            },
            sort_keys=True,
        )

    def metrics(self) -> dict[str, float]:
        """``agreement`` (0/1), ``pareto_optimal`` (0/1, NaN without a deal), ``joint_value``, ``turns``."""
        s = self.scenario
        if self.deal is None:
            return {
                "agreement": 0.0,
                "pareto_optimal": float("nan"),
                "joint_value": 0.0,
                "turns": float(self.turn),
            }
        a, b = AGENTS
        pareto = is_pareto_optimal(s.pool, s.values[a], s.values[b], self.deal[a])
        joint = sum(allocation_value(self.deal[x], s.values[x]) for x in AGENTS) / (2 * s.total_value)
        return {
            "agreement": 1.0,
            "pareto_optimal": float(pareto),
            "joint_value": joint,
            "turns": float(self.turn),
        }


def parallel_env(**kwargs: Any) -> NegotiationEnv:
    """The Parallel form (see :class:`NegotiationEnv` for the arguments; ``max_cycles``, PettingZoo's name for
    ``max_turns``, is accepted too)."""
    return NegotiationEnv(**cycles_as_turns(kwargs))


def env(**kwargs: Any) -> AECEnv:
    """The AEC form: ``parallel_to_aec(parallel_env(**kwargs))``."""
    return parallel_to_aec(parallel_env(**kwargs))
