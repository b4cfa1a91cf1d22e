"""Offline batched generation with vLLM's engine (``vllm.LLM``), for GPU machines.

vLLM is an optional extra kept out of ``all``: installing it replaces a CPU torch with a CUDA build.
``pip install "rewardgym[vllm]"``. The import happens when the backend is built, never at module import.

Every prompt goes through ``vllm.LLM.chat`` (the model's chat template) in one call, so vLLM schedules
the whole batch; ``n`` samples per prompt come from ``SamplingParams(n=...)``.

Example:
    >>> from rewardgym.llm import make_llm
    >>> llm = make_llm("vllm", model="smollm2", gpu_memory_utilization=0.3)   # doctest: +SKIP
    >>> llm.generate(["Name a prime number."], n=4, temperature=1.0, seed=0)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rewardgym.errors import require
from rewardgym.llm.base import BaseLLM, Chat, LLMError
from rewardgym.llm.cache import ResponseCache
from rewardgym.llm.models import SMOLLM2, resolve_model

__all__ = ["VLLMLLM"]


class VLLMLLM(BaseLLM):
    """vLLM offline engine backend.

    Args:
        model: ``"smollm2"`` (the bundled model, converted to a local safetensors folder) or any model
            vLLM can load from a local path.
        dtype: vLLM ``dtype`` (``"auto"``, ``"bfloat16"``...).
        gpu_memory_utilization: fraction of GPU memory vLLM may reserve.
        max_model_len: context length cap (None: the model's).
        top_p: nucleus sampling threshold.
        engine_kwargs: extra keyword arguments for ``vllm.LLM`` (e.g. ``tensor_parallel_size``).
        cache: see :class:`~rewardgym.llm.base.BaseLLM`.

    Raises:
        MissingDependencyError: vllm is not installed (names ``pip install "rewardgym[vllm]"``).
    """

    backend = "vllm"

    def __init__(
        self,
        model: str = SMOLLM2,
        *,
        dtype: str = "auto",
        gpu_memory_utilization: float = 0.5,
        max_model_len: int | None = None,
        top_p: float = 1.0,
        engine_kwargs: dict[str, Any] | None = None,
        cache: bool | str | Path | ResponseCache | None = None,
    ) -> None:
        self._vllm = require("vllm", "vllm", "vLLM (GPU machines only)")
        super().__init__(model, cache=cache)
        self.top_p = float(top_p)
        kwargs: dict[str, Any] = {"dtype": dtype, "gpu_memory_utilization": gpu_memory_utilization}
        if max_model_len is not None:
            kwargs["max_model_len"] = max_model_len
        kwargs.update(engine_kwargs or {})
        try:
            self.engine = self._vllm.LLM(model=resolve_model(model), **kwargs)
        except Exception as exc:  # vLLM raises many types while starting the engine
            raise LLMError(f"vLLM could not start model {model!r}: {type(exc).__name__}: {exc}") from exc

    def _generate(
        self, chats: list[Chat], *, n: int, max_new_tokens: int, temperature: float, seed: int | None
    ) -> list[list[str]]:
        copies = n if temperature > 0 else 1  # greedy samples are identical (and vLLM may refuse n > 1)
        params = self._vllm.SamplingParams(
            n=copies,
            temperature=float(temperature),
            top_p=self.top_p if temperature > 0 else 1.0,
            max_tokens=max_new_tokens,
            seed=seed,
        )
        try:
            outputs = self.engine.chat(chats, sampling_params=params, use_tqdm=False)
        except Exception as exc:
            raise LLMError(f"vLLM generation failed: {type(exc).__name__}: {exc}") from exc
        texts = [[c.text.strip() for c in out.outputs] for out in outputs]
        return [t * n if copies == 1 else t for t in texts]
