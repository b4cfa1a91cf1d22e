"""Fused log-softmax + gather + masked sum (public through :mod:`rewardgym.cuda.ops`)."""

from __future__ import annotations

import torch

from rewardgym.cuda import _torch_paths
from rewardgym.cuda._checks import as_int64, as_tensor, check_range, require
from rewardgym.cuda._dispatch import cpu_direct, cpu_kernels, library

__all__ = ["sequence_logprob"]

_KERNEL_DTYPES = (torch.float32, torch.bfloat16, torch.float16)


def _per_token(logits: torch.Tensor, tgt: torch.Tensor, m: torch.Tensor, chunk_size: int) -> torch.Tensor:
    needs_graph = logits.requires_grad and torch.is_grad_enabled()
    if not needs_graph and cpu_direct(logits, tgt, m):
        ext = cpu_kernels() if logits.dtype in _KERNEL_DTYPES else None
        if ext is not None:
            return ext.token_logprob(logits, tgt, m)[0]
        return _torch_paths.token_logprob(logits, tgt, m, chunk_size)[0]
    return library().token_logprob(logits, tgt, m, chunk_size)[0]


def sequence_logprob(
    logits: torch.Tensor,
    targets: torch.Tensor,
    mask: torch.Tensor | None = None,
    *,
    return_per_token: bool = False,
    chunk_size: int = 8192,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """``Σ_t mask * log_softmax(logits)[b, t, targets[b, t]]`` without materialising the log-softmax.

    An online log-sum-exp per token row (CUDA: one thread block per token, 16-byte loads; CPU: a compiled
    kernel for float32 / bfloat16 / float16 logits, 8-wide float32 exponentials summed into float64, else
    ``chunk_size`` columns at a time in torch); masked-out tokens are never read. Differentiable w.r.t.
    ``logits`` (the backward is ``w * (onehot - softmax)``, computed block by block).

    Args:
        logits: (B, T, V) float16 / bfloat16 / float32 / float64; only the last dim must be contiguous
            (slices like ``logits[:, :-1]`` are not copied).
        targets: integer (B, T) token ids in ``[0, V)`` where ``mask`` is True (anything elsewhere: -100...).
        mask: bool (B, T) (or 0/1); None = all tokens.
        return_per_token: also return the (B, T) per-token log-probabilities (0 where masked).
        chunk_size: vocabulary columns per step of the torch CPU path (float64 logits, or no compiler).

    Returns:
        float32 (B,) sequence log-probabilities, or ``(per_sequence, per_token)``.

    Example:
        >>> import torch
        >>> logits = torch.zeros(1, 3, 4)
        >>> seq, tok = sequence_logprob(logits, torch.tensor([[1, 2, -100]]), torch.tensor([[1, 1, 0]]),
        ...                             return_per_token=True)
        >>> round(float(seq), 4), [round(x, 4) for x in tok[0].tolist()]
        (-2.7726, [-1.3863, -1.3863, 0.0])
    """
    require(
        isinstance(logits, torch.Tensor) and logits.dim() == 3 and logits.is_floating_point(),
        f"logits must be a float (B, T, V) tensor, got {getattr(logits, 'shape', type(logits).__name__)}",
    )
    B, T, V = logits.shape
    require(V > 0, "logits must have a non-empty vocabulary dimension")
    require(chunk_size >= 1, f"chunk_size must be >= 1, got {chunk_size}")
    if logits.stride(-1) != 1:
        logits = logits.contiguous()
    tgt = as_int64(targets, "targets", logits.device)
    require(tgt.shape == (B, T), f"targets must be (B, T) = ({B}, {T}), got {tuple(tgt.shape)}")
    m = (
        torch.ones(B, T, dtype=torch.bool, device=logits.device)
        if mask is None
        else as_tensor(mask, "mask", logits.device)
    )
    require(m.shape == (B, T), f"mask must be (B, T) = ({B}, {T}), got {tuple(m.shape)}")
    m = (m if m.dtype == torch.bool else m != 0).contiguous()
    if logits.device.type == "cpu" and not cpu_direct(logits) and m.any():
        check_range(tgt[m], 0, V - 1, "targets", f"token ids of the {V}-way vocabulary where mask is True")
    per_token = _per_token(logits, tgt, m, int(chunk_size))
    if logits.device.type == "cpu" and cpu_direct(per_token) and bool(per_token.isnan().any()):
        # the kernels give NaN for an out-of-range target (or NaN logits): say which when it is the former
        check_range(tgt[m], 0, V - 1, "targets", f"token ids of the {V}-way vocabulary where mask is True")
    seq = per_token.sum(dim=-1).float()
    return (seq, per_token.float()) if return_per_token else seq
