"""Batched rollout-scoring ops with CUDA kernels, fast CPU paths and pure-torch references.

- :func:`token_bleu` / :func:`token_bleu_corpus` / :class:`BLEUScore`: BLEU on padded int64 token ids
  (NLTK-exact smoothing), per sentence, per corpus, and accumulated over batches.
- :func:`gae` / :func:`discounted_returns`: advantages and returns over (B, T) or time-major (T, B) rollouts.
- :func:`group_normalize`: GRPO-style per-group normalisation over ragged, unsorted group ids (or TRL's
  consecutive groups), with rewardgym's and TRL's conventions.
- :func:`sequence_logprob`: fused log-softmax + gather + masked sum.

CUDA tensors, tracing and ``torch.compile`` dispatch through ``torch.library.custom_op``
(``rewardgym::bleu_matches``, ``rewardgym::gae``, ``rewardgym::group_normalize``, ``rewardgym::token_logprob``)
to the CUDA kernels; plain CPU tensors call the compiled CPU kernels directly (no dispatcher overhead, no
``torch._dynamo`` import). Both extensions are built on first use and fall back, with one warning, to
vectorised torch when they cannot be built. The CPU kernels pick their own threading: one thread unless a call
has enough work to split (so small calls never wait on a busy machine's other cores). Results match
:mod:`rewardgym.cuda.reference` to 1e-6. Bad input raises :class:`OpInputError` (a ``RewardGymError``).

Example:
    >>> import torch
    >>> from rewardgym.cuda import ops
    >>> x = ops.group_normalize(torch.tensor([1.0, 3.0, 2.0, float("nan")]), torch.tensor([7, 7, 9, 9]))
    >>> [round(v, 4) for v in x.tolist()]
    [-1.0, 1.0, 0.0, nan]
"""

from __future__ import annotations

from rewardgym.cuda._bleu_metric import BLEUScore
from rewardgym.cuda._bleu_ops import bleu_stats, token_bleu, token_bleu_corpus
from rewardgym.cuda._checks import OpInputError
from rewardgym.cuda._logprob_ops import sequence_logprob
from rewardgym.cuda._rl_ops import discounted_returns, gae, group_normalize

__all__ = [
    "BLEUScore",
    "OpInputError",
    "bleu_stats",
    "discounted_returns",
    "gae",
    "group_normalize",
    "sequence_logprob",
    "token_bleu",
    "token_bleu_corpus",
]
