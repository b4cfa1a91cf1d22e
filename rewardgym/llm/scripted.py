"""A scripted backend: a test double standing at the LLM boundary, for offline tests and examples.

It answers from, in order of precedence:

1. ``rules``: ``{regex: response}``; the first pattern found in the prompt text (all messages joined)
   gives the response;
2. ``fn``: a callable ``fn(prompt_text, sample_index) -> str``;
3. ``responses``: a list consumed one sample at a time across calls, cycling when exhausted.

Every call is recorded in :attr:`ScriptedLLM.calls` so tests can assert what was asked.

Example:
    >>> llm = ScriptedLLM(rules={r"capital of France": "Paris"}, default="I don't know")
    >>> llm.generate(["What is the capital of France?", "What is 2 + 2?"])
    [['Paris'], ["I don't know"]]
    >>> llm.calls[-1]["n"]
    1
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rewardgym.llm.base import BaseLLM, Chat, LLMError
from rewardgym.llm.cache import ResponseCache

__all__ = ["ScriptedLLM"]


class ScriptedLLM(BaseLLM):
    """Deterministic canned answers (a test double; never a model).

    Args:
        responses: answers handed out one per sample, in order, cycling.
        fn: ``fn(prompt_text, sample_index) -> str``, called per sample when no rule matches.
        rules: ``{regex: response}`` matched (``re.search``, DOTALL) against the prompt text.
        default: the answer when nothing else applies; without one, an unanswerable prompt raises.
        model_name: name used in cache keys and provenance.
        cache: see :class:`~rewardgym.llm.base.BaseLLM`.

    Raises:
        LLMError: nothing to answer with.
    """

    backend = "scripted"

    def __init__(
        self,
        responses: Sequence[str] | None = None,
        *,
        fn: Callable[[str, int], str] | None = None,
        rules: Mapping[str, str] | None = None,
        default: str | None = None,
        model_name: str = "scripted",
        cache: bool | str | Path | ResponseCache | None = None,
    ) -> None:
        super().__init__(model_name, cache=cache)
        if isinstance(responses, str):
            raise LLMError("ScriptedLLM(responses=...) takes a list of strings, got a single string")
        self.responses = list(responses or [])
        if not all(isinstance(r, str) for r in self.responses):
            raise LLMError("ScriptedLLM(responses=...) must contain only strings")
        self.fn = fn
        self.rules = [(re.compile(p, re.DOTALL), r) for p, r in (rules or {}).items()]
        self.default = default
        if not (self.responses or fn or self.rules or default is not None):
            raise LLMError("ScriptedLLM needs responses=, fn=, rules= or default=")
        self.calls: list[dict[str, Any]] = []
        self._next = 0

    def _answer(self, text: str, sample: int) -> str:
        for pattern, response in self.rules:
            if pattern.search(text):
                return response
        if self.fn is not None:
            out = self.fn(text, sample)
            if not isinstance(out, str):
                raise LLMError(f"ScriptedLLM fn must return a string, got {type(out).__name__}")
            return out
        if self.responses:
            out = self.responses[self._next % len(self.responses)]
            self._next += 1
            return out
        if self.default is not None:
            return self.default
        raise LLMError(f"ScriptedLLM has no answer for prompt {text[:80]!r}")

    def _generate(
        self, chats: list[Chat], *, n: int, max_new_tokens: int, temperature: float, seed: int | None
    ) -> list[list[str]]:
        self.calls.append(
            dict(chats=chats, n=n, max_new_tokens=max_new_tokens, temperature=temperature, seed=seed)
        )
        texts = ["\n\n".join(m["content"] for m in chat) for chat in chats]
        return [[self._answer(text, i) for i in range(n)] for text in texts]
