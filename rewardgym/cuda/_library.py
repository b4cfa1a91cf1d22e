"""``torch.library.custom_op`` registrations of the scoring ops (``rewardgym::`` namespace).

Each op has a default kernel (CPU: the compiled CPU extension, else the vectorised torch path), a ``cuda``
kernel (the compiled CUDA extension, else the vectorised torch path on the GPU), and a fake (meta) kernel for
tracing. Inputs are validated and made contiguous by :mod:`rewardgym.cuda.ops`; call the public functions
there rather than these. The ops use them for CUDA tensors, tracing and ``torch.compile``; plain CPU calls
skip this dispatch (see :mod:`rewardgym.cuda._dispatch`), so this module is imported on first need.
"""

from __future__ import annotations

import torch
from torch import Tensor

from rewardgym.cuda import _torch_paths
from rewardgym.cuda._ext import cpu_extension, cuda_extension

__all__ = ["bleu_matches", "gae", "group_normalize", "token_logprob"]

_KERNEL_DTYPES = (torch.float32, torch.bfloat16, torch.float16)  # the CPU token_logprob kernel's inputs


# ----------------------------------------------------------------------------------------------- BLEU counts
@torch.library.custom_op("rewardgym::bleu_matches", mutates_args=())
def bleu_matches(cand: Tensor, cand_len: Tensor, refs: Tensor, ref_len: Tensor, max_n: int) -> Tensor:
    """Clipped n-gram matches (B, max_n) int64 of each candidate against its references."""
    ext = cpu_extension() if cand.device.type == "cpu" else None
    if ext is not None:
        return ext.bleu_matches(cand, cand_len, refs, ref_len, max_n)
    return _torch_paths.bleu_matches(cand, cand_len, refs, ref_len, max_n)


@bleu_matches.register_kernel("cuda")
def _bleu_matches_cuda(cand: Tensor, cand_len: Tensor, refs: Tensor, ref_len: Tensor, max_n: int) -> Tensor:
    ext = cuda_extension()
    if ext is not None:
        return ext.bleu_matches(cand, cand_len, refs, ref_len, max_n)
    return _torch_paths.bleu_matches(cand, cand_len, refs, ref_len, max_n)


@bleu_matches.register_fake
def _bleu_matches_fake(cand: Tensor, cand_len: Tensor, refs: Tensor, ref_len: Tensor, max_n: int) -> Tensor:
    return cand.new_empty((cand.shape[0], max_n), dtype=torch.int64)


# ------------------------------------------------------------------------------------------------------- GAE
@torch.library.custom_op("rewardgym::gae", mutates_args=())
def gae(
    rewards: Tensor,
    values: Tensor | None,
    dones: Tensor,
    last_values: Tensor | None,
    gamma: float,
    lam: float,
    time_major: bool,
) -> tuple[Tensor, Tensor]:
    """GAE advantages and returns, (B, T) or time-major (T, B); ``values=None`` means zeros."""
    ext = cpu_extension() if rewards.device.type == "cpu" else None
    if ext is not None:
        return ext.gae(rewards, values, dones, last_values, gamma, lam, time_major)
    return _torch_paths.gae(rewards, values, dones, last_values, gamma, lam, time_major)


@gae.register_kernel("cuda")
def _gae_cuda(
    rewards: Tensor,
    values: Tensor | None,
    dones: Tensor,
    last_values: Tensor | None,
    gamma: float,
    lam: float,
    time_major: bool,
) -> tuple[Tensor, Tensor]:
    ext = cuda_extension()
    if ext is not None:
        return ext.gae(rewards, values, dones, last_values, gamma, lam, time_major)
    return _torch_paths.gae(rewards, values, dones, last_values, gamma, lam, time_major)


@gae.register_fake
def _gae_fake(
    rewards: Tensor,
    values: Tensor | None,
    dones: Tensor,
    last_values: Tensor | None,
    gamma: float,
    lam: float,
    time_major: bool,
) -> tuple[Tensor, Tensor]:
    return torch.empty_like(rewards), torch.empty_like(rewards)


# ------------------------------------------------------------------------------------------- group normalize
@torch.library.custom_op("rewardgym::group_normalize", mutates_args=())
def group_normalize(scores: Tensor, group_ids: Tensor, scale_mode: int, unbiased: bool, eps: float) -> Tensor:
    """``x - mean_group``, divided (scale_mode 1) by the group's std + eps or (2) by the batch's; NaN kept."""
    ext = cpu_extension() if scores.device.type == "cpu" else None
    if ext is not None:
        return ext.group_normalize(scores, group_ids, 0, scale_mode, unbiased, eps)
    return _torch_paths.group_normalize(scores, group_ids, scale_mode, unbiased, eps)


@group_normalize.register_kernel("cuda")
def _group_normalize_cuda(scores: Tensor, group_ids: Tensor, scale_mode: int, unbiased: bool, eps: float) -> Tensor:
    ext = cuda_extension()
    if ext is not None:
        return ext.group_normalize(scores, group_ids, scale_mode, unbiased, eps)
    return _torch_paths.group_normalize(scores, group_ids, scale_mode, unbiased, eps)


@group_normalize.register_fake
def _group_normalize_fake(scores: Tensor, group_ids: Tensor, scale_mode: int, unbiased: bool, eps: float) -> Tensor:
    return torch.empty_like(scores, dtype=torch.float32)


# ------------------------------------------------------------------------------------------ token log-probs
@torch.library.custom_op("rewardgym::token_logprob", mutates_args=())
def token_logprob(logits: Tensor, targets: Tensor, mask: Tensor, chunk_size: int) -> tuple[Tensor, Tensor]:
    """Per-token log-probabilities and log-sum-exp (B, T) float64 (0 where ``mask`` is False)."""
    ext = cpu_extension() if logits.dtype in _KERNEL_DTYPES and logits.device.type == "cpu" else None
    if ext is not None:
        return ext.token_logprob(logits, targets, mask)
    return _torch_paths.token_logprob(logits, targets, mask, chunk_size)


@token_logprob.register_kernel("cuda")
def _token_logprob_cuda(
    logits: Tensor, targets: Tensor, mask: Tensor, chunk_size: int
) -> tuple[Tensor, Tensor]:
    ext = cuda_extension()
    if ext is not None:
        return ext.token_logprob(logits, targets, mask)
    return _torch_paths.token_logprob(logits, targets, mask, chunk_size)


@token_logprob.register_fake
def _token_logprob_fake(
    logits: Tensor, targets: Tensor, mask: Tensor, chunk_size: int
) -> tuple[Tensor, Tensor]:
    shape = logits.shape[:2]
    return logits.new_empty(shape, dtype=torch.float64), logits.new_empty(shape, dtype=torch.float64)


def _token_logprob_setup(ctx, inputs, output) -> None:
    logits, targets, mask, _ = inputs
    ctx.save_for_backward(logits, targets, mask, output[1])


def _token_logprob_backward(ctx, grad_logp: Tensor | None, grad_lse: Tensor | None):
    logits, targets, mask, lse = ctx.saved_tensors
    if grad_logp is None and grad_lse is None:
        return None, None, None, None
    if grad_logp is None:
        grad_logp = torch.zeros_like(lse)
    grad = _torch_paths.token_logprob_backward(logits, targets, mask, lse, grad_logp, grad_lse)
    return grad, None, None, None


token_logprob.register_autograd(_token_logprob_backward, setup_context=_token_logprob_setup)
