"""Scripted dialogue policies: fixed behaviours with known orderings, for tests, baselines and examples.

- Negotiation: :class:`FairNegotiator` (asks for a fair share, concedes over time, accepts fair offers)
  and :class:`GreedyNegotiator` (asks for everything it values, accepts only near-total offers).
- Support: :class:`EmpathicSupporter` (two supportive tactics a turn, varied),
  :class:`DismissiveSupporter` (minimises, dismisses, blames), :class:`RepetitiveSupporter` (one tactic,
  the same every turn) and :class:`VariedSupporter` (one tactic a turn, a different one each time).
- Referential: :class:`LiteralSpeaker` (names every attribute of the target) and :class:`LiteralListener`
  (picks the candidate sharing the most words with the speaker's last message).

They read the structured ``info`` the envs provide (values, offers, candidates); LLM agents read the
observation text instead.

Example:
    >>> from rewardgym.envs.dialogue import support
    >>> env = support.parallel_env(max_turns=3)
    >>> obs, infos = env.reset(seed=0)
    >>> agent = EmpathicSupporter()
    >>> agent.reset(seed=0)
    >>> obs, rewards, *_ = env.step({"supporter_0": agent.act(obs["supporter_0"], infos["supporter_0"])})
    >>> rewards["supporter_0"] > 0
    True
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from rewardgym.envs.dialogue.deals import all_allocations, allocation_value
from rewardgym.envs.dialogue.protocol import format_proposal

__all__ = [
    "DismissiveSupporter",
    "EmpathicSupporter",
    "FairNegotiator",
    "GreedyNegotiator",
    "LiteralListener",
    "LiteralSpeaker",
    "RepetitiveSupporter",
    "ScriptedAgent",
    "VariedSupporter",
]


class ScriptedAgent:
    """Base of the scripted policies: stateless between episodes unless a subclass says otherwise."""

    name = "scripted"

    def reset(self, seed: int | None = None) -> None:
        """Forget the previous episode."""
        self._turns = 0

    def act(self, observation: str, info: Mapping[str, Any]) -> str:
        """The next message."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


# ---------------------------------------------------------------------------------------------- negotiation
def _deal_state(info: Mapping[str, Any]) -> tuple[dict[str, int], dict[str, int], int, dict[str, int] | None]:
    pool = json.loads(info["pool"])
    values = json.loads(info["values"])
    offer = json.loads(info["offer"]) if info.get("offer") else None
    return pool, values, allocation_value(pool, values), offer


class FairNegotiator(ScriptedAgent):
    """Proposes the split that gives it a target share while leaving the most items to the other agent.

    The target share falls linearly from ``start`` to ``floor`` over the turn limit; an offer worth at
    least the current target is accepted.
    """

    name = "fair"

    def __init__(self, start: float = 0.6, floor: float = 0.4) -> None:
        self.start, self.floor = float(start), float(floor)

    def target(self, info: Mapping[str, Any]) -> float:
        """The share of its total value it currently asks for."""
        progress = min(1.0, info["turn"] / max(1, info["max_turns"] - 1))
        return self.start - (self.start - self.floor) * progress

    def act(self, observation: str, info: Mapping[str, Any]) -> str:
        pool, values, total, offer = _deal_state(info)
        need = math.ceil(self.target(info) * total - 1e-9)
        if offer is not None and allocation_value(offer, values) >= need:
            return "That seems fair to me. ACCEPT"
        options = [a for a in all_allocations(pool) if allocation_value(a, values) >= need]
        best = min(options, key=lambda a: (sum(a.values()), -allocation_value(a, values), sorted(a.items())))
        prefix = "I can't take that. REJECT. " if offer is not None else ""
        return f"{prefix}Let's split it so we both do well: {format_proposal(best)}"


class GreedyNegotiator(ScriptedAgent):
    """Asks for every item it values and accepts only offers worth at least ``accept_at`` of its total."""

    name = "greedy"

    def __init__(self, accept_at: float = 0.9) -> None:
        self.accept_at = float(accept_at)

    def act(self, observation: str, info: Mapping[str, Any]) -> str:
        pool, values, total, offer = _deal_state(info)
        if offer is not None and allocation_value(offer, values) >= self.accept_at * total:
            return "Fine. ACCEPT"
        take = {item: (n if values.get(item, 0) > 0 else 0) for item, n in pool.items()}
        prefix = "No way. REJECT. " if offer is not None else ""
        return f"{prefix}I want everything that matters to me: {format_proposal(take)}"


# ---------------------------------------------------------------------------------------------- support
class _LineSupporter(ScriptedAgent):
    lines: Sequence[str] = ()

    def act(self, observation: str, info: Mapping[str, Any]) -> str:
        line = self.lines[self._turns % len(self.lines)]
        self._turns += 1
        return line


class EmpathicSupporter(_LineSupporter):
    """Combines two supportive tactics per turn (validation, reflection, questions...) and varies them."""

    name = "empathic"
    lines = (
        "That sounds really hard. What happened?",
        "It sounds like you're feeling overwhelmed. You're not alone in this.",
        "Thank you for sharing this with me. How are you holding up right now?",
        "It makes sense to be upset about this. You are doing your best.",
        "I've been through something similar, and I'm here for you.",
        "So what you're saying is that it all piled up. Have you considered talking to someone you trust?",
        "Many people go through this. What would help you most right now?",
        "That takes courage to talk about. It's going to be okay.",
    )


class DismissiveSupporter(_LineSupporter):
    """Minimises, dismisses and blames (harmful tactics)."""

    name = "dismissive"
    lines = (
        "Just get over it, it's not a big deal.",
        "Calm down. Others have it worse.",
        "Honestly, that's your own fault. Stop complaining.",
    )


class RepetitiveSupporter(_LineSupporter):
    """Says the same comforting sentence (one tactic, validation) every turn."""

    name = "repetitive"

    def __init__(self, line: str = "That sounds really hard.") -> None:
        self.lines = (line,)


class VariedSupporter(_LineSupporter):
    """Uses one supportive tactic per turn and a different one each turn."""

    name = "varied"
    lines = (
        "That sounds really hard.",
        "What has been the hardest part for you?",
        "It sounds like you're feeling overwhelmed.",
        "You're not alone in this.",
        "Thank you for sharing this with me.",
        "You are so strong.",
        "I've been there too.",
        "You could try writing down your thoughts each evening.",
        "So what you're saying is that everything piled up.",
        "Many people feel this way at some point.",
    )


# ---------------------------------------------------------------------------------------------- referential
class LiteralSpeaker(ScriptedAgent):
    """Names every attribute of the target: ``"The small red striped circle."``."""

    name = "literal"

    def act(self, observation: str, info: Mapping[str, Any]) -> str:
        return f"The {info['target']}." if info.get("target") else "I don't know which one it is."


class LiteralListener(ScriptedAgent):
    """Picks the candidate sharing the most words with the speaker's last message (ties: the first)."""

    name = "literal"

    def act(self, observation: str, info: Mapping[str, Any]) -> str:
        candidates = json.loads(info["candidates"])
        words = set(str(info.get("last_message", "")).lower().replace(".", " ").replace(",", " ").split())
        scores = [len(words & set(c.split())) for c in candidates]
        if not scores or max(scores) == 0:
            return "Which one is it? Can you describe it?"
        return f"PICK {scores.index(max(scores)) + 1}"
