"""Local generation with Hugging Face transformers (CPU or GPU); the default model is SmolLM2-135M-Instruct.

Prompts are rendered with the tokenizer's chat template, left-padded and generated in micro-batches of
``batch_size`` sequences (prompts x samples). Greedy decoding when ``temperature == 0``, otherwise
multinomial sampling seeded by ``seed``. Only local checkpoints are loaded (``local_files_only``):
``model="smollm2"`` (the bundled model, converted once, see :mod:`rewardgym.llm.models`) or a folder.

Example:
    >>> from rewardgym.llm import make_llm
    >>> llm = make_llm("transformers")                      # doctest: +SKIP
    >>> llm.generate(["Say hi."], max_new_tokens=5)          # doctest: +SKIP
    [['Hi! How can I']]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rewardgym.errors import require
from rewardgym.llm.base import BaseLLM, Chat, LLMError
from rewardgym.llm.cache import ResponseCache
from rewardgym.llm.models import SMOLLM2, resolve_model

__all__ = ["TransformersLLM"]


class TransformersLLM(BaseLLM):
    """A causal LM run in-process with transformers.

    Args:
        model: ``"smollm2"`` (default) or a local checkpoint folder / cached hub id.
        device: ``"cpu"``, ``"cuda"``, ``"cuda:1"``...; default: CUDA when available, else CPU.
        dtype: torch dtype name (``"float32"``, ``"bfloat16"``...); default float32 on CPU, bfloat16 on CUDA.
        batch_size: sequences generated together (prompts x samples).
        top_p: nucleus sampling threshold when sampling.
        system_prompt: prepended as a system message when a prompt has none.
        cache: see :class:`~rewardgym.llm.base.BaseLLM`.

    Raises:
        MissingDependencyError: transformers (extra ``llm``) or the model package is missing.
        LLMError: the checkpoint cannot be loaded.
    """

    backend = "transformers"

    def __init__(
        self,
        model: str = SMOLLM2,
        *,
        device: str | None = None,
        dtype: str | None = None,
        batch_size: int = 16,
        top_p: float = 1.0,
        system_prompt: str | None = None,
        cache: bool | str | Path | ResponseCache | None = None,
    ) -> None:
        transformers = require("transformers", "llm")
        import torch

        super().__init__(model, cache=cache)
        if not isinstance(batch_size, int) or batch_size < 1:
            raise LLMError(f"batch_size must be an int >= 1, got {batch_size!r}")
        self.batch_size = batch_size
        self.top_p = float(top_p)
        self.system_prompt = system_prompt
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        default_dtype = torch.bfloat16 if self.device.type == "cuda" else torch.float32
        torch_dtype = getattr(torch, dtype) if dtype else default_dtype
        path = resolve_model(model)
        try:
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
            self.model = transformers.AutoModelForCausalLM.from_pretrained(
                path, local_files_only=True, dtype=torch_dtype
            ).to(self.device)
        except OSError as exc:
            raise LLMError(
                f"cannot load model {model!r} from {path!r}: {exc}; "
                "pass model='smollm2' or a local checkpoint folder"
            ) from exc
        self.model.eval()
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token

    def _render(self, chat: Chat) -> str:
        if self.system_prompt and chat[0]["role"] != "system":
            chat = [{"role": "system", "content": self.system_prompt}, *chat]
        if self.tokenizer.chat_template:
            return self.tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
        return "\n\n".join(m["content"] for m in chat) + "\n\n"

    def _generate(
        self, chats: list[Chat], *, n: int, max_new_tokens: int, temperature: float, seed: int | None
    ) -> list[list[str]]:
        import torch

        sample = temperature > 0
        copies = n if sample else 1  # greedy samples are identical: decode once
        texts = [self._render(chat) for chat in chats]
        jobs = [(i, text) for i, text in enumerate(texts) for _ in range(copies)]
        decoded: list[list[str]] = [[] for _ in texts]
        generator_state = None
        if sample and seed is not None:
            generator_state = torch.random.get_rng_state()
            torch.manual_seed(seed)
            if self.device.type == "cuda":
                torch.cuda.manual_seed_all(seed)
        try:
            for start in range(0, len(jobs), self.batch_size):
                chunk = jobs[start : start + self.batch_size]
                enc = self.tokenizer(
                    [t for _, t in chunk], return_tensors="pt", padding=True, add_special_tokens=False
                ).to(self.device)
                kwargs: dict[str, Any] = {
                    "max_new_tokens": max_new_tokens,
                    "do_sample": sample,
                    "pad_token_id": self.tokenizer.pad_token_id,
                }
                if sample:
                    kwargs.update(temperature=float(temperature), top_p=self.top_p, top_k=0)
                else:
                    kwargs.update(temperature=None, top_p=None, top_k=None)
                with torch.inference_mode():
                    out = self.model.generate(**enc, **kwargs)
                new = out[:, enc["input_ids"].shape[1] :]
                for (i, _), row in zip(chunk, new):
                    decoded[i].append(self.tokenizer.decode(row, skip_special_tokens=True).strip())
        except (RuntimeError, ValueError) as exc:
            raise LLMError(f"generation with {self.model_name!r} failed: {exc}") from exc
        finally:
            if generator_state is not None:
                torch.random.set_rng_state(generator_state)
        return [d * n if not sample else d for d in decoded]
