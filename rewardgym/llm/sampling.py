"""Token-level sampling from a policy that is being trained: prompt ids in, sampled ids out.

Trainers need the exact ids that were sampled (not text to re-tokenize), and the sampler must follow the
trainer's weights. Two samplers share one interface (:class:`TokenSampler`):

- :class:`TransformersSampler`: ``model.generate`` on the trainer's own module (CPU or GPU); it reads the
  live weights, so :meth:`~TransformersSampler.sync` has nothing to do.
- :class:`VLLMSampler`: a vLLM offline engine (GPU machines, extra ``vllm``) that gets the trainer's
  weights pushed into it by :meth:`~VLLMSampler.sync` after every optimiser step.

Example:
    >>> from rewardgym.llm.sampling import Sample
    >>> Sample(completion_ids=[5, 6, 2], finished=True).n_tokens
    3
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from rewardgym.errors import require
from rewardgym.llm.base import LLMError
from rewardgym.llm.models import resolve_model

__all__ = ["Sample", "TokenSampler", "TransformersSampler", "VLLMSampler", "make_sampler"]


@dataclass
class Sample:
    """One sampled continuation.

    Attributes:
        completion_ids: the sampled ids, the end-of-sequence id included when the model wrote it.
        finished: the model stopped by itself (end-of-sequence) rather than at ``max_new_tokens``.
    """

    completion_ids: list[int] = field(default_factory=list)
    finished: bool = False

    @property
    def n_tokens(self) -> int:
        """Number of sampled tokens."""
        return len(self.completion_ids)


class TokenSampler(Protocol):
    """Samples continuations of token-id prompts with the current policy weights."""

    def sample(
        self, prompts: Sequence[Sequence[int]], *, max_new_tokens: int, temperature: float, seed: int | None
    ) -> list[Sample]:
        """One :class:`Sample` per prompt (callers repeat a prompt for a group)."""
        ...

    def sync(self, model: Any) -> None:
        """Make the sampler generate with ``model``'s current weights."""
        ...


class TransformersSampler:
    """Sampling with ``model.generate`` on the training module itself (left-padded micro-batches).

    Args:
        model: a ``transformers`` causal LM (the policy being trained).
        tokenizer: its tokenizer (``pad_token_id`` / ``eos_token_id``).
        batch_size: sequences generated together.
        top_p: nucleus threshold when sampling (1.0: plain sampling from the softmax).

    Example:
        See ``baselines/grpo.py``, which samples every rollout through this class on CPU.
    """

    def __init__(self, model: Any, tokenizer: Any, *, batch_size: int = 64, top_p: float = 1.0) -> None:
        if batch_size < 1:
            raise LLMError(f"batch_size must be >= 1, got {batch_size}")
        self.model = model
        self.tokenizer = tokenizer
        self.batch_size = int(batch_size)
        self.top_p = float(top_p)
        self.eos_id = int(tokenizer.eos_token_id)
        self.pad_id = int(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else self.eos_id)

    def sync(self, model: Any) -> None:
        """Nothing to copy: the sampler runs the trainer's own module."""
        self.model = model

    def sample(
        self, prompts: Sequence[Sequence[int]], *, max_new_tokens: int, temperature: float, seed: int | None
    ) -> list[Sample]:
        """Sample one continuation per prompt (greedy when ``temperature == 0``)."""
        import torch

        device = next(self.model.parameters()).device
        out: list[Sample] = []
        state = torch.random.get_rng_state()
        if seed is not None:
            torch.manual_seed(seed)
        was_training = self.model.training
        self.model.eval()
        try:
            for start in range(0, len(prompts), self.batch_size):
                chunk = [list(map(int, p)) for p in prompts[start : start + self.batch_size]]
                width = max(len(p) for p in chunk)
                ids = torch.full((len(chunk), width), self.pad_id, dtype=torch.long)
                attn = torch.zeros((len(chunk), width), dtype=torch.long)
                for i, p in enumerate(chunk):
                    ids[i, width - len(p) :] = torch.tensor(p)
                    attn[i, width - len(p) :] = 1
                kwargs: dict[str, Any] = {"max_new_tokens": int(max_new_tokens), "pad_token_id": self.pad_id,
                                          "eos_token_id": self.eos_id}
                if temperature > 0:
                    kwargs.update(do_sample=True, temperature=float(temperature), top_p=self.top_p, top_k=0)
                else:
                    kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
                with torch.inference_mode():
                    gen = self.model.generate(input_ids=ids.to(device), attention_mask=attn.to(device), **kwargs)
                for row in gen[:, width:].tolist():
                    if self.eos_id in row:
                        out.append(Sample(row[: row.index(self.eos_id) + 1], finished=True))
                    else:
                        out.append(Sample(row, finished=False))
        finally:
            if seed is not None:
                torch.random.set_rng_state(state)
            self.model.train(was_training)
        return out


class VLLMSampler:
    """Sampling with a vLLM offline engine whose weights follow the trainer (GPU machines only).

    The engine is started once from ``model`` (a local checkpoint or ``"smollm2"``); after every optimiser
    step :meth:`sync` streams the trainer's ``state_dict`` into the engine's model with its
    ``load_weights`` (in-process, no checkpoint written), so every rollout is sampled on-policy.

    Args:
        model: what the engine loads first (the same checkpoint the trainer starts from).
        gpu_memory_utilization: share of GPU memory the engine may reserve (leave room for the trainer).
        dtype: the engine's dtype.
        engine_kwargs: extra ``vllm.LLM`` arguments.

    Raises:
        MissingDependencyError: vLLM is missing (``pip install "rewardgym[vllm]"``).
    """

    def __init__(
        self,
        model: str,
        *,
        gpu_memory_utilization: float = 0.3,
        dtype: str = "auto",
        engine_kwargs: dict[str, Any] | None = None,
    ) -> None:
        self._vllm = require("vllm", "vllm", "vLLM (GPU machines only)")
        kwargs = {"gpu_memory_utilization": gpu_memory_utilization, "dtype": dtype,
                  "enable_prefix_caching": True, **(engine_kwargs or {})}
        try:
            self.engine = self._vllm.LLM(model=resolve_model(model), **kwargs)
        except Exception as exc:  # vLLM raises many types while starting
            raise LLMError(f"vLLM could not start {model!r}: {type(exc).__name__}: {exc}") from exc
        tok = self.engine.get_tokenizer()
        self.eos_id = int(tok.eos_token_id)

    def sync(self, model: Any) -> None:
        """Copy ``model``'s current weights into the engine (call after each optimiser step)."""
        weights = [(name, p.detach()) for name, p in model.state_dict().items()]

        def load(worker: Any) -> int:
            worker.model_runner.model.load_weights(weights=weights)
            return len(weights)

        try:
            self.engine.collective_rpc(load)
        except AttributeError:  # older engines: reach the driver worker directly
            runner = self.engine.llm_engine.model_executor.driver_worker.model_runner
            runner.model.load_weights(weights=weights)
        if hasattr(self.engine, "reset_prefix_cache"):
            self.engine.reset_prefix_cache()  # cached KV blocks were computed with the old weights

    def sample(
        self, prompts: Sequence[Sequence[int]], *, max_new_tokens: int, temperature: float, seed: int | None
    ) -> list[Sample]:
        """Sample one continuation per token-id prompt in one engine call."""
        params = self._vllm.SamplingParams(
            n=1, temperature=float(temperature), max_tokens=int(max_new_tokens), seed=seed
        )
        inputs = [{"prompt_token_ids": list(map(int, p))} for p in prompts]
        try:
            outputs = self.engine.generate(inputs, sampling_params=params, use_tqdm=False)
        except Exception as exc:
            raise LLMError(f"vLLM generation failed: {type(exc).__name__}: {exc}") from exc
        samples = []
        for out in outputs:
            ids = [int(i) for i in out.outputs[0].token_ids]
            samples.append(Sample(ids, finished=bool(ids) and ids[-1] == self.eos_id))
        return samples


def make_sampler(kind: str, model: Any, tokenizer: Any, *, model_path: str | None = None,
                 **kwargs: Any) -> TokenSampler:
    """``"transformers"`` (the trainer's module) or ``"vllm"`` (an engine started from ``model_path``).

    Raises:
        LLMError: an unknown kind, or ``"vllm"`` without ``model_path``.
    """
    if kind == "transformers":
        return TransformersSampler(model, tokenizer, **kwargs)
    if kind == "vllm":
        if model_path is None:
            raise LLMError("the vllm sampler needs model_path= (the checkpoint the trainer started from)")
        sampler = VLLMSampler(model_path, **kwargs)
        sampler.sync(model)
        return sampler
    raise LLMError(f"unknown sampler {kind!r}; expected 'transformers' or 'vllm'")
