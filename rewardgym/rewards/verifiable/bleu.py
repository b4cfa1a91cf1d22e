"""``text/bleu-v0``: sentence BLEU of each completion against its reference strings, on token ids.

Completions are scored against ``infos["references"]`` (a list of reference strings per row, or one string).
Texts are turned into token ids by a built-in regex tokenizer (words and single punctuation marks, with a
batch-local vocabulary) or by a ``transformers`` tokenizer, and the whole batch is scored in one call of
:func:`rewardgym.cuda.ops.token_bleu` (CUDA kernel on a GPU, compiled CPU kernel otherwise).

The defaults follow sacrebleu's ``sentence_bleu`` (``smoothing="exp"``, ``effective_order=True``): a short
completion is not zeroed by a missing 4-gram. Any NLTK smoothing method can be chosen instead (see
:func:`~rewardgym.cuda.ops.token_bleu`). A row with no reference gets NaN ("not applicable").

Example:
    >>> import rewardgym
    >>> from rewardgym.types import Episodes
    >>> bleu = rewardgym.make_reward("text/bleu-v0")
    >>> batch = Episodes(prompts=["", ""], completions=["the cat sat on the mat", "a dog"],
    ...                  infos={"references": [["the cat sat on the mat"], ["the cat is on the mat"]]})
    >>> [round(x, 3) for x in bleu(batch).tolist()]
    [1.0, 0.0]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import torch

from rewardgym.errors import RewardComputationError, RewardSpecError, require
from rewardgym.rewards.base import EpisodeRewardFn
from rewardgym.rewards.registry import register_reward
from rewardgym.types import Episodes

__all__ = ["BleuReward", "example_episodes", "regex_tokenize"]

_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def regex_tokenize(text: str, lowercase: bool = False) -> list[str]:
    """Split ``text`` into words (``\\w+``) and single non-space symbols.

    Example:
        >>> regex_tokenize("Hello, world!")
        ['Hello', ',', 'world', '!']
    """
    return _TOKEN.findall(text.lower() if lowercase else text)


def example_episodes() -> Episodes:
    """A small batch for the shipped checkers: two GRPO groups, one or two references per row."""
    refs_a = ["the quick brown fox jumps over the lazy dog", "a quick brown fox jumped over a lazy dog"]
    refs_b = ["paris is the capital of france"]
    return Episodes.from_rows(
        prompts=["Describe the fox."] * 3 + ["What is the capital of France?"] * 3,
        completions=[
            "the quick brown fox jumps over the lazy dog",
            "a fox jumps over a dog",
            "quick quick quick",
            "paris is the capital of france",
            "The capital of France is Paris.",
            "",
        ],
        infos=[{"references": refs_a}] * 3 + [{"references": refs_b}] * 3,
        group_ids=[0, 0, 0, 1, 1, 1],
    )


def _load_tokenizer(spec: Any) -> Callable[[list[str]], list[list[int]]]:
    if isinstance(spec, str):
        transformers = require("transformers", "llm", "transformers (for tokenizer='" + spec + "')")
        spec = transformers.AutoTokenizer.from_pretrained(spec)

    def encode_one(text: str) -> list[int]:
        if hasattr(spec, "encode"):
            try:
                out = spec.encode(text, add_special_tokens=False)
            except TypeError:
                out = spec.encode(text)
        else:
            out = spec(text)
        ids = getattr(out, "ids", out)  # tokenizers.Encoding has .ids
        return [int(i) for i in ids]

    if not (hasattr(spec, "encode") or callable(spec)):
        raise RewardSpecError(
            "tokenizer must be a model name, a transformers / tokenizers tokenizer, or a callable "
            f"str -> ids; got {type(spec).__name__}"
        )
    return lambda texts: [encode_one(t) for t in texts]


@register_reward("text/bleu-v0", example=example_episodes)
class BleuReward(EpisodeRewardFn):
    """Sentence BLEU (0..1) of each completion against infos["references"], on token ids (NaN: no reference).

    Args:
        max_n: highest n-gram order (default 4, or ``len(weights)``).
        weights: per-order weights (default uniform).
        smoothing: ``"exp"`` (default, sacrebleu's), ``"none"``, ``"floor"``, ``"add-k"`` or NLTK's
            ``"method0"``..``"method7"``.
        smooth_value: the smoothing parameter (epsilon, k or alpha).
        effective_order: drop n-gram orders longer than the completion (sacrebleu's sentence BLEU).
        tokenizer: None (built-in regex tokenizer), a model name for ``transformers.AutoTokenizer``, a
            tokenizer object with ``encode``, or a callable ``str -> list[int]``.
        lowercase: lowercase texts before the built-in tokenizer.
        references_key: the ``infos`` column holding the references.
        device: where to compute (default: CUDA when available, else CPU); the result is returned on the
            batch's device.
    """

    may_return_nan = True

    def __init__(
        self,
        *,
        max_n: int | None = None,
        weights: Sequence[float] | None = None,
        smoothing: str = "exp",
        smooth_value: float | None = None,
        effective_order: bool = True,
        tokenizer: Any = None,
        lowercase: bool = False,
        references_key: str = "references",
        device: str | torch.device | None = None,
    ) -> None:
        from rewardgym.cuda._bleu_math import CANONICAL_SMOOTHING, SMOOTHING_ALIASES

        if SMOOTHING_ALIASES.get(smoothing, smoothing) not in CANONICAL_SMOOTHING:
            raise RewardSpecError(
                f"text/bleu-v0: smoothing must be one of {[*CANONICAL_SMOOTHING, *SMOOTHING_ALIASES]}, "
                f"got {smoothing!r}"
            )
        if weights is not None and max_n is not None and len(weights) != max_n:
            raise RewardSpecError(f"text/bleu-v0: max_n={max_n} but {len(weights)} weights were given")
        self.bleu_kwargs: dict[str, Any] = {
            "max_n": max_n,
            "weights": None if weights is None else [float(w) for w in weights],
            "smoothing": smoothing,
            "smooth_value": smooth_value,
            "effective_order": bool(effective_order),
        }
        self.lowercase = lowercase
        self.references_key = references_key
        self.device = torch.device(device) if device is not None else None
        self._encode = None if tokenizer is None else _load_tokenizer(tokenizer)

    def _token_ids(self, texts: list[str]) -> list[list[int]]:
        if self._encode is not None:
            return self._encode(texts)
        vocab: dict[str, int] = {}
        return [
            [vocab.setdefault(tok, len(vocab)) for tok in regex_tokenize(t, self.lowercase)] for t in texts
        ]

    def _references(self, batch: Episodes) -> list[list[str]]:
        if self.references_key not in batch.infos:
            raise RewardComputationError(
                f"text/bleu-v0 needs infos[{self.references_key!r}] (reference strings per row); the batch's "
                f"infos have {sorted(batch.infos)}"
            )
        column = batch.infos[self.references_key]
        rows: list[list[str]] = []
        for i, refs in enumerate(column):
            refs = [] if refs is None else [refs] if isinstance(refs, str) else list(refs)
            if not all(isinstance(r, str) for r in refs):
                raise RewardComputationError(
                    f"text/bleu-v0: infos[{self.references_key!r}][{i}] must be a string or a list of "
                    "strings, "
                    f"got {refs!r}"
                )
            rows.append(refs)
        if len(rows) != len(batch):
            raise RewardComputationError(
                f"text/bleu-v0: infos[{self.references_key!r}] has {len(rows)} rows, the batch has "
                f"{len(batch)}"
            )
        return rows

    def score(self, batch: Episodes) -> torch.Tensor:
        from rewardgym.cuda.ops import token_bleu

        refs = self._references(batch)
        completions = [c if isinstance(c, str) else str(c) for c in batch.completions]
        flat = self._token_ids(completions + [r for row in refs for r in row])
        cand_ids, ref_ids = flat[: len(completions)], iter(flat[len(completions) :])
        per_row = [[next(ref_ids) for _ in row] for row in refs]
        b = len(completions)
        n_refs = max((len(row) for row in per_row), default=0)
        lc = max((len(c) for c in cand_ids), default=0)
        lr = max((len(r) for row in per_row for r in row), default=0)
        cand = torch.zeros(b, lc, dtype=torch.int64)
        cand_len = torch.tensor([len(c) for c in cand_ids], dtype=torch.int64)
        ref_tensor = torch.zeros(b, max(n_refs, 1), lr, dtype=torch.int64)
        ref_len = torch.full((b, max(n_refs, 1)), -1, dtype=torch.int64)
        for i, ids in enumerate(cand_ids):
            cand[i, : len(ids)] = torch.tensor(ids, dtype=torch.int64)
            for j, r in enumerate(per_row[i]):
                ref_tensor[i, j, : len(r)] = torch.tensor(r, dtype=torch.int64)
                ref_len[i, j] = len(r)
        device = self.device or torch.device("cuda" if torch.cuda.is_available() else "cpu")
        c_dev, cl_dev, r_dev, rl_dev = (t.to(device) for t in (cand, cand_len, ref_tensor, ref_len))
        return token_bleu(c_dev, cl_dev, r_dev, rl_dev, **self.bleu_kwargs).to(batch.device)
