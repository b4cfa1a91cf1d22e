"""Pure-torch reference implementations: the specification every fast path must match.

Example:
    >>> import torch
    >>> group_normalize(torch.tensor([1.0, 3.0, 5.0, 5.0]), torch.tensor([0, 0, 1, 1])).tolist()
    [-1.0, 1.0, 0.0, 0.0]
"""

from __future__ import annotations

import torch

__all__ = ["group_normalize"]


def group_normalize(
    scores: torch.Tensor, group_ids: torch.Tensor, mode: str = "mean_std", eps: float = 1e-6
) -> torch.Tensor:
    """Normalise ``scores`` within each group: ``(x − mean_g) / (std_g + eps)`` or ``x − mean_g``.

    Groups are given by arbitrary (not necessarily sorted or contiguous) int64 ids. NaN scores are excluded
    from their group's statistics and stay NaN. ``std_g`` is the population standard deviation; a group
    with a single valid score gets 0.

    Args:
        scores: float (N,).
        group_ids: int64 (N,).
        mode: ``"mean_std"`` or ``"mean"``.
        eps: added to the std.
    """
    if mode not in ("mean_std", "mean"):
        raise ValueError(f"mode must be 'mean_std' or 'mean', got {mode!r}")
    scores = scores.float()
    out = torch.full_like(scores, float("nan"))
    for g in torch.unique(group_ids).tolist():
        sel = group_ids == g
        x = scores[sel]
        ok = ~torch.isnan(x)
        if not ok.any():
            continue
        xs = x[ok].double()
        mean = xs.mean()
        y = x.double() - mean
        if mode == "mean_std":
            std = xs.std(unbiased=False) if xs.numel() > 1 else torch.zeros((), dtype=torch.float64)
            y = y / (std + eps)
        out[sel] = y.float()
    return out
