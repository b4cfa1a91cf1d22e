"""The :class:`LLM` protocol every backend implements, and :class:`BaseLLM`, the shared implementation.

A backend turns a list of prompts into ``n`` completions each:
``generate(prompts, *, n, max_new_tokens, temperature, seed) -> list[list[str]]``.
A prompt is either a chat-message list (``[{"role": "user", "content": "..."}]``) or a plain string, which
means one user message. ``temperature=0`` is greedy decoding; ``seed`` makes sampling reproducible.

:class:`BaseLLM` validates arguments, normalises prompts and serves the opt-in on-disk response cache
(:class:`~rewardgym.llm.cache.ResponseCache`); subclasses implement only :meth:`BaseLLM._generate`.

Example:
    >>> from rewardgym.llm import make_llm
    >>> llm = make_llm("scripted", responses=["4"])
    >>> llm.generate(["What is 2 + 2?"], n=2, max_new_tokens=8, temperature=0.0, seed=0)
    [['4', '4']]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeAlias, runtime_checkable

from rewardgym.errors import RewardGymError
from rewardgym.llm.cache import ResponseCache

__all__ = ["LLM", "BaseLLM", "Chat", "LLMError", "Message", "Prompt", "normalize_prompt", "prompt_text"]

Message: TypeAlias = Mapping[str, str]
"""One chat message: ``{"role": "system" | "user" | "assistant", "content": str}``."""

Prompt: TypeAlias = "str | Sequence[Message]"
"""A plain string (one user message) or a chat-message list."""

Chat: TypeAlias = "list[dict[str, str]]"
"""A normalised prompt, as backends receive it."""

_ROLES = frozenset({"system", "user", "assistant", "tool", "developer"})


class LLMError(RewardGymError, RuntimeError):
    """A backend could not produce completions (bad arguments, server error, model failed to load)."""


@runtime_checkable
class LLM(Protocol):
    """What every backend offers: batched generation of ``n`` samples per prompt.

    Attributes:
        model_name: identifies the weights (used in cache keys and provenance records).
    """

    model_name: str

    def generate(
        self,
        prompts: Sequence[Prompt],
        *,
        n: int = 1,
        max_new_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = None,
    ) -> list[list[str]]:
        """Return ``n`` completions for each prompt, in prompt order."""
        ...


def normalize_prompt(prompt: Any) -> Chat:
    """Turn a prompt into a validated chat-message list (a string becomes one user message).

    Raises:
        LLMError: the prompt is neither a string nor a list of ``{"role", "content"}`` dicts.
    """
    if isinstance(prompt, str):
        return [{"role": "user", "content": prompt}]
    if not isinstance(prompt, Sequence) or not prompt:
        raise LLMError(
            f"a prompt must be a string or a non-empty list of chat messages, got {type(prompt).__name__}"
        )
    out = []
    for i, msg in enumerate(prompt):
        ok = isinstance(msg, Mapping) and isinstance(msg.get("content"), str) and msg.get("role") in _ROLES
        if not ok:
            raise LLMError(
                f"chat message {i} must be a dict with 'role' in {sorted(_ROLES)} and a string 'content', "
                f"got {msg!r}"
            )
        out.append({"role": str(msg["role"]), "content": str(msg["content"])})
    return out


def prompt_text(prompt: Any) -> str:
    """The prompt's message contents joined by blank lines (for logs and scripted backends)."""
    return "\n\n".join(m["content"] for m in normalize_prompt(prompt))


class BaseLLM:
    """Shared logic of the built-in backends: argument checks, prompt normalisation and the response cache.

    Args:
        model_name: identifies the weights; part of every cache key.
        cache: ``None``/``False`` (default: no cache), ``True`` (the default cache directory, see
            :func:`~rewardgym.llm.cache.default_cache_dir`), a directory path, or a :class:`ResponseCache`.
            Only deterministic requests are cached: greedy (``temperature=0``) or with an explicit ``seed``.
    """

    model_name: str = ""
    backend: str = "base"

    def __init__(self, model_name: str, *, cache: bool | str | Path | ResponseCache | None = None) -> None:
        self.model_name = model_name
        if cache is None or cache is False:
            self.cache: ResponseCache | None = None
        elif isinstance(cache, ResponseCache):
            self.cache = cache
        elif cache is True:
            self.cache = ResponseCache()
        else:
            self.cache = ResponseCache(cache)

    def generate(
        self,
        prompts: Sequence[Prompt],
        *,
        n: int = 1,
        max_new_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = None,
    ) -> list[list[str]]:
        """Return ``n`` completions for each prompt.

        Args:
            prompts: chat-message lists or plain strings.
            n: samples per prompt (>= 1).
            max_new_tokens: generation budget per sample (>= 1).
            temperature: 0 for greedy decoding, > 0 to sample.
            seed: makes sampling reproducible for the same call; None leaves it to the backend.

        Raises:
            LLMError: bad arguments or a backend failure.
        """
        if isinstance(prompts, (str, Mapping)):
            raise LLMError("generate() takes a list of prompts; wrap a single prompt: generate([prompt])")
        if not isinstance(n, int) or n < 1:
            raise LLMError(f"n must be an int >= 1, got {n!r}")
        if not isinstance(max_new_tokens, int) or max_new_tokens < 1:
            raise LLMError(f"max_new_tokens must be an int >= 1, got {max_new_tokens!r}")
        if not isinstance(temperature, (int, float)) or temperature < 0:
            raise LLMError(f"temperature must be a number >= 0, got {temperature!r}")
        if seed is not None and not isinstance(seed, int):
            raise LLMError(f"seed must be an int or None, got {seed!r}")
        chats = [normalize_prompt(p) for p in prompts]
        params = {"n": n, "max_new_tokens": max_new_tokens, "temperature": float(temperature), "seed": seed}
        cacheable = self.cache is not None and (temperature == 0 or seed is not None)
        results: list[list[str] | None] = [None] * len(chats)
        keys: list[str] = []
        if cacheable:
            assert self.cache is not None
            keys = [self.cache.key(self.backend, self.model_name, chat, params) for chat in chats]
            for i, key in enumerate(keys):
                results[i] = self.cache.get(key)
        todo = [i for i, r in enumerate(results) if r is None]
        if todo:
            fresh = self._generate([chats[i] for i in todo], **params)
            if len(fresh) != len(todo) or any(len(s) != n for s in fresh):
                raise LLMError(f"{self.backend} backend returned a malformed result for {len(todo)} prompts")
            for i, samples in zip(todo, fresh):
                results[i] = [str(s) for s in samples]
                if cacheable:
                    assert self.cache is not None
                    self.cache.put(keys[i], results[i])
        return [r for r in results if r is not None]

    def _generate(
        self, chats: list[Chat], *, n: int, max_new_tokens: int, temperature: float, seed: int | None
    ) -> list[list[str]]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model_name={self.model_name!r})"
