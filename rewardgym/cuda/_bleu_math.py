"""Vectorised BLEU from n-gram statistics: brevity penalty, NLTK smoothing methods 0-7, sacrebleu variants.

Works on any device in float64 over a leading batch dimension; the counting of n-gram matches is done by the
``rewardgym::bleu_matches`` op. :func:`rewardgym.cuda.reference.bleu_from_stats` is the scalar specification.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import torch

__all__ = [
    "CANONICAL_SMOOTHING",
    "SMOOTHING_ALIASES",
    "bleu_from_stats",
    "closest_ref_len",
    "default_smooth_value",
]

CANONICAL_SMOOTHING = ("none", "floor", "add-k", "method2", "exp", "method4", "method5", "method6", "method7")
SMOOTHING_ALIASES = {"method0": "none", "method1": "floor", "method3": "exp"}
_DEFAULTS = {"floor": 0.1, "add-k": 1.0, "method4": 5.0, "method6": 5.0, "method7": 5.0}


def default_smooth_value(smoothing: str) -> float:
    """NLTK's / sacrebleu's default parameter of a smoothing method (0 when it takes none)."""
    return _DEFAULTS.get(smoothing, 0.0)


def closest_ref_len(hyp_len: torch.Tensor, ref_len: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """NLTK's closest reference length per row (ties go to the shorter one), and whether a row has one.

    Args:
        hyp_len: int64 (B,).
        ref_len: int64 (B, R); -1 marks an absent reference.
    """
    valid = ref_len >= 0
    if ref_len.shape[-1] == 0:
        return torch.zeros_like(hyp_len), valid.any(dim=-1)
    big = torch.iinfo(torch.int64).max
    diff = torch.where(valid, (ref_len - hyp_len[:, None]).abs(), torch.full_like(ref_len, big))
    nearest = diff.min(dim=-1, keepdim=True).values
    closest = (
        torch.where(valid & (diff == nearest), ref_len, torch.full_like(ref_len, big)).min(dim=-1).values
    )
    return closest, valid.any(dim=-1)


def bleu_from_stats(
    matches: torch.Tensor,
    totals: torch.Tensor,
    denominators: torch.Tensor,
    hyp_len: torch.Tensor,
    ref_len: torch.Tensor,
    weights: Sequence[float],
    smoothing: str,
    smooth_value: float,
    effective_order: bool,
) -> torch.Tensor:
    """BLEU (...,) float64 from statistics (..., K) with K >= len(weights) (K >= 5 for method5 / method7).

    ``denominators`` are NLTK's ``max(1, total)`` per sentence (summed for a corpus); ``hyp_len`` and
    ``ref_len``
    are the candidate and closest reference lengths (summed for a corpus).
    """
    n = len(weights)
    f64 = torch.float64
    m_all, t_all, d_all = matches.to(f64), totals.to(f64), denominators.to(f64)
    m, t, d = m_all[..., :n], t_all[..., :n], d_all[..., :n]
    c, r = hyp_len.to(f64), ref_len.to(f64)
    value = float(smooth_value)
    zero = m == 0
    p = m / d
    if smoothing == "none":
        p = torch.where(zero, torch.full_like(p, sys.float_info.min), p)
    elif smoothing == "floor":
        p = torch.where(zero, value / d, p)
    elif smoothing == "method2":
        p = torch.cat([p[..., :1], (m[..., 1:] + 1) / (d[..., 1:] + 1)], dim=-1)
    elif smoothing == "add-k":
        p = torch.cat([p[..., :1], (m[..., 1:] + value) / (t[..., 1:] + value)], dim=-1)
    elif smoothing == "exp":
        k = torch.cumsum(zero.to(f64), dim=-1)
        p = torch.where(zero, 1.0 / (torch.pow(2.0, k) * d), p)
    if smoothing in ("method4", "method7"):
        hit = zero & (c > 1)[..., None]
        k = torch.cumsum(hit.to(f64), dim=-1)
        log_len = torch.log(c.clamp(min=2.0))[..., None]
        p = torch.where(hit, 1.0 / (torch.pow(2.0, k) * value / log_len) / d, p)
    if smoothing in ("method5", "method7"):
        nxt = torch.cat([p, (m_all[..., 4] / d_all[..., 4])[..., None]], dim=-1)
        prev = p[..., 0] + 1
        cols = []
        for i in range(n):
            prev = (prev + p[..., i] + nxt[..., i + 1]) / 3
            cols.append(prev)
        p = torch.stack(cols, dim=-1)
    if smoothing == "method6":
        cols = [p[..., 0], p[..., 1]]
        for i in range(2, n):
            before, last = cols[i - 2], cols[i - 1]
            prior = torch.where(before == 0, torch.zeros_like(before), last * last / before)
            cols.append((m[..., i] + value * prior) / (t[..., i] + value))
        p = torch.stack(cols, dim=-1)
    w = torch.tensor([float(x) for x in weights], dtype=f64, device=m.device).expand_as(p)
    if effective_order:
        shift = torch.zeros_like(t)
        if smoothing == "add-k":
            shift[..., 1:] = value
        keep = torch.cumprod(((t + shift) != 0).to(f64), dim=-1)
        w = w * keep
        w = w / w.sum(dim=-1, keepdim=True).clamp(min=torch.finfo(f64).tiny)
    logs = torch.where(p > 0, torch.log(p.clamp(min=torch.finfo(f64).tiny)), torch.zeros_like(p))
    bp = torch.where(c > r, torch.ones_like(c), torch.exp(1 - r / c.clamp(min=1.0)))
    bp = torch.where(c == 0, torch.zeros_like(c), bp)
    score = bp * torch.exp((w * logs).sum(dim=-1))
    score = torch.where(zero[..., 0], torch.zeros_like(score), score)
    if smoothing == "method6":
        score = torch.where(zero[..., 2] & ~zero[..., 0], torch.full_like(score, float("nan")), score)
    return score
