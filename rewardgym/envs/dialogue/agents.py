"""Dialogue agents: the :class:`DialogueAgent` protocol, LLM-backed agents and a name registry.

Any object with ``reset(seed)`` and ``act(observation, info) -> str`` is an agent. Built in:

- scripted policies (:mod:`rewardgym.envs.dialogue.scripted`): ``fair``, ``greedy`` (negotiation);
  ``empathic``, ``dismissive``, ``repetitive``, ``varied`` (support); ``literal`` (referential: speaker
  or listener by role); ``random`` (any env: random characters, to exercise the feedback paths);
- :class:`LLMAgent`: any :mod:`rewardgym.llm` backend; ``llm`` (the local transformers model,
  SmolLM2-135M-Instruct by default) or ``llm:<backend>`` in :func:`make_agent`.

Example:
    >>> agent = make_agent("llm:scripted", env="negotiation-v0", agent_id="agent_0",
    ...                    llm_kwargs={"responses": ["ACCEPT"]})
    >>> agent.reset(seed=0)
    >>> agent.act("=== Negotiation ... It is your turn.", {})
    'ACCEPT'
    >>> type(make_agent("literal", env="referential-v0", agent_id="listener_0")).__name__
    'LiteralListener'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

import numpy as np

from rewardgym.envs.dialogue import scripted
from rewardgym.envs.dialogue.text import CHARSET
from rewardgym.errors import EnvConfigError

__all__ = ["AGENTS", "DialogueAgent", "LLMAgent", "RandomAgent", "make_agent"]


@runtime_checkable
class DialogueAgent(Protocol):
    """What a dialogue agent offers: a reset per episode and one message per turn."""

    def reset(self, seed: int | None = None) -> None:
        """Start a new episode (seeded where the agent samples)."""
        ...

    def act(self, observation: str, info: Mapping[str, Any]) -> str:
        """The next message, given the agent's observation text and its info dict."""
        ...


DEFAULT_SYSTEM_PROMPT = (
    "You are {agent}, taking part in a text dialogue. Read the situation and the rules, then write only your"
    " next message: short, in plain text, following the move format the rules give."
)


class LLMAgent:
    """An agent whose messages come from an :class:`rewardgym.llm.LLM` backend.

    Each turn sends ``[system, user=observation]`` to ``llm.generate``. Sampling is seeded per turn from
    the episode seed, so a seeded self-play run is reproducible.

    Args:
        llm: an LLM instance, a backend name (``"transformers"``, ``"scripted"``...) or a spec dict.
        agent_id: the env's agent name, used in the default system prompt.
        system_prompt: overrides the default; ``{agent}`` is filled in.
        max_new_tokens: token budget per message.
        temperature: 0 for greedy decoding.
        name: label in tables and transcripts (default ``"llm:<model name>"``).
    """

    def __init__(
        self,
        llm: Any,
        *,
        agent_id: str = "agent",
        system_prompt: str | None = None,
        max_new_tokens: int = 64,
        temperature: float = 0.0,
        name: str | None = None,
    ) -> None:
        from rewardgym.llm import as_llm

        self.llm = as_llm(llm)
        self.system_prompt = (system_prompt or DEFAULT_SYSTEM_PROMPT).replace("{agent}", agent_id)
        self.max_new_tokens = int(max_new_tokens)
        self.temperature = float(temperature)
        self.name = name or f"llm:{getattr(self.llm, 'model_name', 'llm')}"
        self._seed = 0
        self._turn = 0

    def reset(self, seed: int | None = None) -> None:
        """Start an episode; turn ``t`` samples with seed ``seed * 1000 + t``."""
        self._seed = 0 if seed is None else int(seed)
        self._turn = 0

    def prompt(self, observation: str) -> list[dict[str, str]]:
        """The chat messages sent for ``observation``."""
        return [
            {"role": "system", "content": self.system_prompt},
            {"role": "user", "content": f"{observation}\n\nWrite your next message now."},
        ]

    def act(self, observation: str, info: Mapping[str, Any]) -> str:
        """Generate the next message."""
        seed = self._seed * 1000 + self._turn
        self._turn += 1
        out = self.llm.generate(
            [self.prompt(observation)],
            n=1,
            max_new_tokens=self.max_new_tokens,
            temperature=self.temperature,
            seed=seed,
        )
        return str(out[0][0]) if out and out[0] else ""

    def __repr__(self) -> str:
        return f"LLMAgent({self.name!r})"


class RandomAgent:
    """Random characters (up to ``max_chars``), seeded: exercises the envs' feedback on malformed messages."""

    name = "random"

    def __init__(self, max_chars: int = 40) -> None:
        self.max_chars = int(max_chars)
        self._rng = np.random.default_rng()

    def reset(self, seed: int | None = None) -> None:
        """Re-seed the generator."""
        self._rng = np.random.default_rng(seed)

    def act(self, observation: str, info: Mapping[str, Any]) -> str:
        """A random string over the env's charset."""
        n = int(self._rng.integers(0, self.max_chars + 1))
        return "".join(self._rng.choice(list(CHARSET), size=n))


AGENTS: dict[str, dict[str, Callable[..., Any]]] = {
    "fair": {"agent": scripted.FairNegotiator},
    "greedy": {"agent": scripted.GreedyNegotiator},
    "empathic": {"supporter": scripted.EmpathicSupporter},
    "dismissive": {"supporter": scripted.DismissiveSupporter},
    "repetitive": {"supporter": scripted.RepetitiveSupporter},
    "varied": {"supporter": scripted.VariedSupporter},
    "literal": {"speaker": scripted.LiteralSpeaker, "listener": scripted.LiteralListener},
}
"""Scripted policy name -> {role: class}; the role is the agent id without its ``_<n>`` suffix."""


def make_agent(
    spec: str | DialogueAgent,
    *,
    env: str = "",
    agent_id: str,
    llm_kwargs: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> DialogueAgent:
    """Build an agent from a name (or pass an agent through).

    Args:
        spec: a scripted policy name (see :data:`AGENTS`), ``"random"``, ``"llm"`` (transformers backend),
            ``"llm:<backend>"``, or an object implementing :class:`DialogueAgent`.
        env: the env name (for error messages).
        agent_id: the env's agent name; its role (``agent``, ``supporter``, ``speaker``...) picks the class.
        llm_kwargs: constructor arguments of the LLM backend.
        **kwargs: arguments of the agent (e.g. ``max_new_tokens`` for LLM agents).

    Raises:
        EnvConfigError: an unknown name, or a policy that does not fit the role.
    """
    if not isinstance(spec, str):
        if isinstance(spec, DialogueAgent):
            return spec
        raise EnvConfigError(
            f"an agent must be a name or have reset(seed) and act(observation, info), got {spec!r}"
        )
    name = spec.strip()
    if name == "random":
        return RandomAgent(**kwargs)
    if name == "llm" or name.startswith("llm:"):
        from rewardgym.llm import make_llm

        backend = name.partition(":")[2] or "transformers"
        return LLMAgent(make_llm(backend, **dict(llm_kwargs or {})), agent_id=agent_id, **kwargs)
    role = agent_id.rsplit("_", 1)[0]
    roles = AGENTS.get(name)
    if roles is None or role not in roles:
        fits = [*sorted(n for n, r in AGENTS.items() if role in r), "random", "llm", "llm:<backend>"]
        where = f" in {env}" if env else ""
        raise EnvConfigError(f"no agent {name!r} for role {role!r} ({agent_id}{where}); choose from {fits}")
    return roles[role](**kwargs)
