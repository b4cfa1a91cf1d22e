"""Vectorised torch implementations of the scoring ops: device-agnostic, no compiled code.

They are the fallback when a compiled extension cannot be built, and the CPU path of ``token_logprob``.
Each returns exactly what the matching ``rewardgym::`` op returns.
"""

from __future__ import annotations

import torch

__all__ = ["bleu_matches", "gae", "group_normalize", "token_logprob", "token_logprob_backward"]


def _dense_ids(keys: torch.Tensor) -> tuple[torch.Tensor, int]:
    uniq, inv = torch.unique(keys, return_inverse=True)
    return inv, uniq.numel()


def bleu_matches(
    cand: torch.Tensor, cand_len: torch.Tensor, refs: torch.Tensor, ref_len: torch.Tensor, max_n: int
) -> torch.Tensor:
    """Clipped n-gram matches (B, max_n) int64 through a batch-local n-gram dictionary (``torch.unique``).

    The id of an n-gram is the dense id of the packed key ``(id of its (n-1)-gram prefix, id of its last
    token)``; keys are exact, so no vocabulary-sized table and no hashing is involved.
    """
    B, Lc = cand.shape
    R, Lr = refs.shape[1], refs.shape[2]
    dev = cand.device
    out = torch.zeros(B, max_n, dtype=torch.int64, device=dev)
    if B == 0 or Lc == 0:
        return out
    cl = cand_len.clamp(0, Lc)
    rl = ref_len.clamp(max=Lr)
    n_c = B * Lc
    uni, k1 = _dense_ids(torch.cat([cand.reshape(-1), refs.reshape(-1)]))
    uni_c, uni_r = uni[:n_c].view(B, Lc), uni[n_c:].view(B, R, Lr)
    ids_c, ids_r, k = uni_c, uni_r, k1
    rows = torch.arange(B, device=dev)
    pairs = torch.arange(B * R, device=dev).view(B, R)
    for n in range(1, max_n + 1):
        wc, wr = Lc - n + 1, max(Lr - n + 1, 0)
        if wc <= 0:
            break
        if n > 1:
            key_c = ids_c[:, :wc] * k1 + uni_c[:, n - 1 :]
            key_r = ids_r[:, :, :wr] * k1 + uni_r[:, :, n - 1 :]
            dense, k = _dense_ids(torch.cat([key_c.reshape(-1), key_r.reshape(-1)]))
            ids_c, ids_r = dense[: B * wc].view(B, wc), dense[B * wc :].view(B, R, wr)
        valid_c = torch.arange(wc, device=dev) < (cl - n + 1)[:, None]
        valid_r = torch.arange(wr, device=dev) < (rl - n + 1)[..., None]
        cand_keys, cand_counts = torch.unique((rows[:, None] * k + ids_c)[valid_c], return_counts=True)
        if cand_keys.numel() == 0:
            continue
        ref_keys, ref_counts = torch.unique((pairs[..., None] * k + ids_r)[valid_r], return_counts=True)
        if ref_keys.numel() == 0:
            continue
        row_keys = (ref_keys // k) // R * k + ref_keys % k  # (row, r, id) -> (row, id)
        best_keys, inv = torch.unique(row_keys, return_inverse=True)
        best = torch.zeros_like(best_keys).scatter_reduce_(0, inv, ref_counts, "amax", include_self=False)
        pos = torch.searchsorted(best_keys, cand_keys).clamp(max=best_keys.numel() - 1)
        found = best_keys[pos] == cand_keys
        clipped = torch.where(found, torch.minimum(cand_counts, best[pos]), torch.zeros_like(cand_counts))
        out[:, n - 1] = torch.zeros(B, dtype=torch.int64, device=dev).index_add_(0, cand_keys // k, clipped)
    return out


def gae(
    rewards: torch.Tensor,
    values: torch.Tensor | None,
    dones: torch.Tensor,
    last_values: torch.Tensor | None,
    gamma: float,
    lam: float,
    time_major: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """GAE as a log-depth scan over time of the affine maps ``A -> delta[t] + c[t] * A`` (float64)."""
    if time_major:  # (T, B): compute on the transposed views, return (T, B) like the input
        adv, ret = gae(rewards.T, None if values is None else values.T, dones.T, last_values, gamma, lam)
        return adv.T.contiguous(), ret.T.contiguous()
    r = rewards.double()
    B, T = r.shape
    v = values.double() if values is not None else torch.zeros_like(r)
    boot = (
        last_values.double()
        if last_values is not None
        else torch.zeros(B, dtype=torch.float64, device=r.device)
    )
    live = (~dones).double()
    next_v = torch.cat([v[:, 1:], boot[:, None]], dim=1)
    a = r + gamma * next_v * live - v
    c = gamma * lam * live
    step = 1
    while step < T:  # after this round, position t holds the composition of steps t .. t + 2*step - 1
        a = torch.cat([a[:, : T - step] + c[:, : T - step] * a[:, step:], a[:, T - step :]], dim=1)
        c = torch.cat([c[:, : T - step] * c[:, step:], c[:, T - step :]], dim=1)
        step *= 2
    return a.to(rewards.dtype), (a + v).to(rewards.dtype)


def group_normalize(
    scores: torch.Tensor, group_ids: torch.Tensor, scale_mode: int, unbiased: bool, eps: float
) -> torch.Tensor:
    """Segmented mean and std via dense group ids (``torch.unique``) and ``index_add_`` (float64).

    ``scale_mode``: 0 ``x - mean_g``; 1 divided by the group's std + eps; 2 by the std of all valid scores + eps.
    A std over fewer than two values is 0; ``unbiased`` divides the squared deviations by ``n - 1``.
    """
    x = scores.double()
    if x.numel() == 0:
        return scores.float().clone()
    inv, g = _dense_ids(group_ids)
    ok = ~torch.isnan(x)
    xz = torch.where(ok, x, torch.zeros_like(x))
    count = torch.zeros(g, dtype=torch.float64, device=x.device).index_add_(0, inv, ok.double())
    mean = torch.zeros_like(count).index_add_(0, inv, xz) / count
    y = x - mean[inv]

    def std(m2: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
        var = m2 / (n - 1 if unbiased else n).clamp(min=1)
        return torch.where(n > 1, var.sqrt(), torch.zeros_like(var))

    if scale_mode == 1:
        dev = torch.where(ok, y, torch.zeros_like(y))
        y = y / (std(torch.zeros_like(count).index_add_(0, inv, dev * dev), count)[inv] + eps)
    elif scale_mode == 2:
        n = ok.sum().double()
        dev = torch.where(ok, x - xz.sum() / n.clamp(min=1), torch.zeros_like(x))
        y = y / (std((dev * dev).sum(), n) + eps)
    return y.float()


def _logsumexp_rows(x_rows: torch.Tensor, chunk: int) -> torch.Tensor:
    """Online log-sum-exp (float64) over the last dim of a (rows, V) view, ``chunk`` columns at a time.

    Per chunk: its max m_c and s_c = sum(exp(x - m_c)) in the accumulation type (float32, or float64 for
    float64 logits), then a float64 merge ``s = s * exp(m - M) + s_c * exp(m_c - M)``, ``M = max(m, m_c)``.
    """
    acc = torch.float64 if x_rows.dtype == torch.float64 else torch.float32
    n_rows, width = x_rows.shape
    run_max = torch.full((n_rows,), float("-inf"), dtype=torch.float64, device=x_rows.device)
    run_sum = torch.zeros_like(run_max)
    buf = torch.empty(n_rows, min(chunk, width), dtype=acc, device=x_rows.device)
    for v0 in range(0, width, chunk):
        x = x_rows[:, v0 : v0 + chunk]
        e = buf[:, : x.shape[1]]
        c_max = x.amax(dim=-1).to(acc)
        c_max = torch.where(torch.isinf(c_max), torch.zeros_like(c_max), c_max)  # an all -inf chunk sums to 0
        torch.sub(x, c_max[:, None], out=e).exp_()
        c_sum, c_max = e.sum(dim=-1).double(), c_max.double()
        top = torch.maximum(run_max, c_max)
        run_sum = run_sum * torch.exp(run_max - top) + c_sum * torch.exp(c_max - top)
        run_max = top
    return run_max + torch.log(run_sum)


def token_logprob(
    logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor, chunk_size: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-token log-probabilities and log-sum-exp (B, T) float64 by vocabulary chunks (online log-sum-exp).

    Blocks of token rows are read as views (no gather, no copy of ``logits``), ``chunk_size`` vocabulary
    columns at a time, so temporaries stay near ``2**20`` elements whatever (B, T, V) is; blocks with no
    unmasked token are skipped.
    """
    B, T, V = logits.shape
    logp = torch.zeros(B, T, dtype=torch.float64, device=logits.device)
    lse = torch.zeros_like(logp)
    if B * T == 0:
        return logp, lse
    chunk = max(1, min(int(chunk_size), V))
    rows_per_block = max(1, (1 << 20) // chunk)
    try:  # (B*T, V) without a copy when the token rows are evenly strided
        groups = [(logits.view(B * T, V), mask.view(-1), lse.view(-1))]
    except RuntimeError:
        groups = [(logits[b], mask[b], lse[b]) for b in range(B)]
    for rows, active, out in groups:
        for r0 in range(0, rows.shape[0], rows_per_block):
            sl = slice(r0, r0 + rows_per_block)
            if bool(active[sl].any()):
                out[sl] = _logsumexp_rows(rows[sl], chunk)
    target = targets.clamp(0, V - 1)
    picked = logits.gather(-1, target[..., None]).squeeze(-1).double()
    bad = (targets < 0) | (targets >= V)  # NaN like the CUDA kernel; the public op raises on CPU first
    logp = torch.where(bad, torch.full_like(picked, float("nan")), picked - lse)
    zero = torch.zeros_like(logp)
    return torch.where(mask, logp, zero), torch.where(mask, lse, zero)


def token_logprob_backward(
    logits: torch.Tensor,
    targets: torch.Tensor,
    mask: torch.Tensor,
    lse: torch.Tensor,
    grad_logp: torch.Tensor,
    grad_lse: torch.Tensor | None = None,
) -> torch.Tensor:
    """Logits gradient: ``g_logp * (onehot(target) - softmax) + g_lse * softmax`` on unmasked rows."""
    grad = torch.zeros_like(logits)
    zeros = torch.zeros_like(grad_logp)
    w = torch.where(mask, grad_logp, zeros)
    w_lse = torch.where(mask, grad_lse, zeros) if grad_lse is not None else zeros
    B, T, V = logits.shape
    dtype = torch.float64 if logits.dtype == torch.float64 else torch.float32
    rows_per_block = max(1, (1 << 22) // max(V * T, 1))
    for b0 in range(0, B, rows_per_block):
        sl = slice(b0, b0 + rows_per_block)
        wb = w[sl].to(dtype)
        probs = torch.exp(logits[sl].to(dtype) - lse[sl].to(dtype)[..., None])
        g = probs * (w_lse[sl].to(dtype) - wb)[..., None]
        g = torch.where(mask[sl][..., None], g, torch.zeros((), dtype=dtype, device=g.device))  # no inf * 0
        g.scatter_add_(-1, targets[sl].clamp(0, V - 1)[..., None], wb[..., None])
        grad[sl] = g.to(logits.dtype)
    return grad
