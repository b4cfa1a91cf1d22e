"""Pure-torch reference implementations: the specification every fast path must match.

They favour obviousness over speed (Python loops over rows, ``collections.Counter`` n-grams, a full
``log_softmax``). :mod:`rewardgym.cuda.ops` holds the fast versions; the tests check both against these and
against NLTK / sacrebleu / plain Python loops.

Example:
    >>> import torch
    >>> group_normalize(torch.tensor([1.0, 3.0, 5.0, 5.0]), torch.tensor([0, 0, 1, 1]), mode="mean").tolist()
    [-1.0, 1.0, 0.0, 0.0]
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Sequence

import torch

__all__ = [
    "bleu_from_stats",
    "bleu_matches",
    "discounted_returns",
    "gae",
    "group_normalize",
    "sequence_logprob",
    "token_bleu",
    "token_bleu_corpus",
]

_DEFAULT_SMOOTH_VALUE = {"floor": 0.1, "add-k": 1.0, "method4": 5.0, "method6": 5.0, "method7": 5.0}


def group_normalize(
    scores: torch.Tensor,
    group_ids: torch.Tensor,
    mode: str = "mean_std",
    eps: float = 1e-6,
    *,
    scale_rewards: str | None = None,
    unbiased: bool = False,
) -> torch.Tensor:
    """Normalise ``scores`` within each group: ``(x − mean_g) / (std + eps)`` or ``x − mean_g``.

    Groups are given by arbitrary (not necessarily sorted or contiguous) int64 ids. NaN scores are excluded
    from the statistics and stay NaN. The std is the population one (``unbiased=False``) or Bessel-corrected
    (``unbiased=True``, as ``torch.std`` and TRL); a std over fewer than two valid scores is 0.

    Args:
        scores: float (N,).
        group_ids: int64 (N,).
        mode: ``"mean_std"`` or ``"mean"``; ignored when ``scale_rewards`` is given.
        eps: added to the std.
        scale_rewards: TRL's ``scale_rewards``: ``"group"`` (the group's std, = ``mean_std``), ``"batch"``
            (the std of every valid score in the batch) or ``"none"`` (= ``mean``).
        unbiased: Bessel's correction.
    """
    if scale_rewards is None:
        if mode not in ("mean_std", "mean"):
            raise ValueError(f"mode must be 'mean_std' or 'mean', got {mode!r}")
        scale_rewards = "group" if mode == "mean_std" else "none"
    if scale_rewards not in ("group", "batch", "none"):
        raise ValueError(f"scale_rewards must be 'group', 'batch' or 'none', got {scale_rewards!r}")

    def std(xs: torch.Tensor) -> torch.Tensor:
        if xs.numel() < 2:
            return torch.zeros((), dtype=torch.float64)
        return xs.std(unbiased=unbiased)

    scores = scores.float()
    valid = scores[~torch.isnan(scores)].double()
    batch_std = std(valid)
    out = torch.full_like(scores, float("nan"))
    order = torch.argsort(group_ids, stable=True)
    _, sizes = torch.unique_consecutive(group_ids[order], return_counts=True)
    for sel in torch.split(order, sizes.tolist()):  # the row indices of one group
        x = scores[sel]
        ok = ~torch.isnan(x)
        if not ok.any():
            continue
        xs = x[ok].double()
        y = x.double() - xs.mean()
        if scale_rewards == "group":
            y = y / (std(xs) + eps)
        elif scale_rewards == "batch":
            y = y / (batch_std + eps)
        out[sel] = y.float()
    return out


def gae(
    rewards: torch.Tensor,
    values: torch.Tensor,
    dones: torch.Tensor,
    last_values: torch.Tensor,
    gamma: float,
    lam: float,
    time_major: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimation on (B, T) rollouts; returns ``(advantages, returns)``.

    ``dones[b, t]`` means the episode ended at step t: step t does not bootstrap from step t+1.
    ``last_values[b]`` is V(s_T), the value of the state after the last step (used unless ``dones[b, T-1]``)::

        delta[t] = r[t] + gamma * V[t+1] * (1 - done[t]) - V[t]       (V[T] = last_values)
        A[t]     = delta[t] + gamma * lam * (1 - done[t]) * A[t+1]     (A[T] = 0)
        returns  = A + V

    Computed in float64, returned in the rewards' dtype. ``time_major=True``: the tensors are (T, B) (the layout
    of CleanRL's rollout buffers) and so are the results.
    """
    if time_major:
        adv, ret = gae(rewards.T, values.T, dones.T, last_values, gamma, lam)
        return adv.T, ret.T
    r, v = rewards.double(), values.double()
    live = 1.0 - dones.double()
    adv = torch.zeros_like(r)
    next_value, next_adv = last_values.double(), torch.zeros_like(last_values, dtype=torch.float64)
    for t in reversed(range(r.shape[1])):
        delta = r[:, t] + gamma * next_value * live[:, t] - v[:, t]
        next_adv = delta + gamma * lam * live[:, t] * next_adv
        adv[:, t] = next_adv
        next_value = v[:, t]
    return adv.to(rewards.dtype), (adv + v).to(rewards.dtype)


def discounted_returns(
    rewards: torch.Tensor, dones: torch.Tensor, gamma: float, last_values: torch.Tensor | None = None
) -> torch.Tensor:
    """``G[t] = r[t] + gamma * (1 - done[t]) * G[t+1]`` with ``G[T] = last_values`` (0 when None)."""
    g = torch.zeros(rewards.shape[0], dtype=torch.float64) if last_values is None else last_values.double()
    out = torch.zeros_like(rewards, dtype=torch.float64)
    for t in reversed(range(rewards.shape[1])):
        g = rewards[:, t].double() + gamma * (1.0 - dones[:, t].double()) * g
        out[:, t] = g
    return out.to(rewards.dtype)


def sequence_logprob(
    logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``Σ_t mask · log_softmax(logits)[b, t, targets[b, t]]``; returns float32 ``(per_sequence, per_token)``.

    Materialises the full float64 log-softmax (that is what the fast paths avoid).
    """
    logp = torch.log_softmax(logits.double(), dim=-1)
    mask = torch.ones_like(targets, dtype=torch.bool) if mask is None else mask.bool()
    picked = logp.gather(-1, torch.where(mask, targets, 0).unsqueeze(-1)).squeeze(-1)
    per_token = torch.where(mask, picked, torch.zeros_like(picked))
    return per_token.sum(-1).float(), per_token.float()


def _ngram_counts(tokens: list[int], n: int) -> Counter:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def bleu_matches(
    cand: torch.Tensor, cand_len: torch.Tensor, refs: torch.Tensor, ref_len: torch.Tensor, max_n: int
) -> torch.Tensor:
    """Clipped n-gram matches (B, max_n) int64: ``Σ_g min(count_cand(g), max_r count_ref_r(g))``, n <= max_n.

    ``refs`` is (B, R, Lr); a reference with ``ref_len == -1`` is absent.
    """
    out = torch.zeros(cand.shape[0], max_n, dtype=torch.int64)
    for b in range(cand.shape[0]):
        hyp = cand[b, : int(cand_len[b])].tolist()
        references = [
            refs[b, r, : int(ref_len[b, r])].tolist() for r in range(refs.shape[1]) if ref_len[b, r] >= 0
        ]
        for n in range(1, max_n + 1):
            counts = _ngram_counts(hyp, n)
            best: Counter = Counter()
            for ref in references:
                best |= _ngram_counts(ref, n)  # element-wise max
            out[b, n - 1] = sum(min(c, best[g]) for g, c in counts.items())
    return out


def _closest_ref_len(hyp_len: int, ref_lens: Sequence[int]) -> int:
    return min(ref_lens, key=lambda r: (abs(r - hyp_len), r))


def bleu_from_stats(
    matches: Sequence[float],
    totals: Sequence[float],
    denominators: Sequence[float],
    hyp_len: float,
    ref_len: float,
    weights: Sequence[float],
    smoothing: str = "none",
    smooth_value: float | None = None,
    effective_order: bool = False,
    extra: tuple[float, float] | None = None,
) -> float:
    """BLEU from n-gram statistics, following NLTK's ``corpus_bleu`` and ``SmoothingFunction`` step by step.

    Args:
        matches: clipped matches per order (N values).
        totals: candidate n-gram counts per order (0 when the candidate is shorter than n).
        denominators: NLTK's precision denominators, ``max(1, total)`` per sentence (summed for a corpus).
        hyp_len: candidate length; ref_len: the closest reference length (both summed for a corpus).
        weights: N weights.
        smoothing: a canonical name: ``none``, ``floor``, ``add-k``, ``method2``, ``exp``, ``method4``-``7``.
        smooth_value: epsilon (floor), k (add-k, method4, method7) or alpha (method6).
        effective_order: drop the orders with no candidate n-grams and renormalise the weights (sacrebleu).
        extra: ``(matches, denominator)`` of order 5 for method5 / method7.
    """
    n_orders = len(weights)
    if matches[0] == 0:
        return 0.0
    value = _DEFAULT_SMOOTH_VALUE.get(smoothing, 0.0) if smooth_value is None else smooth_value
    bp = 1.0 if hyp_len > ref_len else (0.0 if hyp_len == 0 else math.exp(1 - ref_len / hyp_len))
    p: list[float] = [m / d for m, d in zip(matches, denominators)]
    if smoothing == "none":
        p = [pi if m != 0 else sys.float_info.min for pi, m in zip(p, matches)]
    elif smoothing == "floor":
        p = [pi if m != 0 else value / d for pi, m, d in zip(p, matches, denominators)]
    elif smoothing == "method2":
        p = [p[0]] + [(m + 1) / (d + 1) for m, d in zip(matches[1:], denominators[1:])]
    elif smoothing == "add-k":
        p = [p[0]] + [(m + value) / (t + value) for m, t in zip(matches[1:], totals[1:])]
    elif smoothing == "exp":
        k = 1
        for i in range(n_orders):
            if matches[i] == 0:
                p[i] = 1 / (2**k * denominators[i])
                k += 1
    elif smoothing in ("method4", "method5", "method6", "method7"):
        if smoothing in ("method4", "method7"):
            k = 1
            for i in range(n_orders):
                if matches[i] == 0 and hyp_len > 1:
                    p[i] = 1 / (2**k * value / math.log(hyp_len)) / denominators[i]
                    k += 1
        if smoothing in ("method5", "method7"):
            assert extra is not None, "method5/method7 need the order-5 statistics"
            nxt = [*p, extra[0] / extra[1]]
            prev = p[0] + 1
            for i in range(n_orders):
                p[i] = (prev + p[i] + nxt[i + 1]) / 3
                prev = p[i]
        if smoothing == "method6":
            if matches[2] == 0:
                return math.nan  # NLTK raises: method 6 needs a non-zero trigram precision
            for i in range(2, n_orders):
                prior = 0.0 if p[i - 2] == 0 else p[i - 1] ** 2 / p[i - 2]
                p[i] = (matches[i] + value * prior) / (totals[i] + value)
    else:
        raise ValueError(f"unknown smoothing {smoothing!r}")
    w = list(weights)
    if effective_order:
        raw = [t + (value if smoothing == "add-k" and i > 0 else 0) for i, t in enumerate(totals)]
        keep = next((i for i, t in enumerate(raw) if t == 0), n_orders)
        total_w = sum(w[:keep])
        w = [wi / total_w if i < keep else 0.0 for i, wi in enumerate(w)]
    return bp * math.exp(math.fsum(wi * math.log(pi) for wi, pi in zip(w, p) if pi > 0))


def _row_stats(cand, cand_len, refs, ref_len, n_count):
    matches = bleu_matches(cand, cand_len, refs, ref_len, n_count).tolist()
    rows = []
    for b in range(cand.shape[0]):
        c = int(cand_len[b])
        lens = [int(x) for x in ref_len[b].tolist() if x >= 0]
        totals = [max(0, c - n + 1) for n in range(1, n_count + 1)]
        rows.append(
            (matches[b], totals, [max(1, t) for t in totals], c, _closest_ref_len(c, lens) if lens else None)
        )
    return rows


def _norm_weights(max_n: int, weights: Sequence[float] | None) -> list[float]:
    return [1.0 / max_n] * max_n if weights is None else [float(w) for w in weights]


def token_bleu(
    cand: torch.Tensor,
    cand_len: torch.Tensor,
    refs: torch.Tensor,
    ref_len: torch.Tensor,
    max_n: int = 4,
    weights: Sequence[float] | None = None,
    smoothing: str = "none",
    smooth_value: float | None = None,
    effective_order: bool = False,
) -> torch.Tensor:
    """Per-sentence BLEU (B,) float32: NLTK's ``sentence_bleu`` on token-id lists (NaN: no reference).

    ``smoothing`` takes canonical names only (see :func:`bleu_from_stats`).
    """
    w = _norm_weights(max_n, weights)
    n_count = max(len(w), 5) if smoothing in ("method5", "method7") else len(w)
    out = []
    for m, t, d, c, r in _row_stats(cand, cand_len, refs, ref_len, n_count):
        n = len(w)
        extra = (m[4], d[4]) if len(m) >= 5 else None
        out.append(
            math.nan
            if r is None
            else bleu_from_stats(
                m[:n], t[:n], d[:n], c, r, w, smoothing, smooth_value, effective_order, extra
            )
        )
    return torch.tensor(out, dtype=torch.float32)


def token_bleu_corpus(
    cand: torch.Tensor,
    cand_len: torch.Tensor,
    refs: torch.Tensor,
    ref_len: torch.Tensor,
    max_n: int = 4,
    weights: Sequence[float] | None = None,
    smoothing: str = "none",
    smooth_value: float | None = None,
    effective_order: bool = False,
) -> float:
    """Corpus BLEU: NLTK's ``corpus_bleu`` (statistics summed over rows, then one score).

    Rows without references are skipped.
    """
    w = _norm_weights(max_n, weights)
    n = len(w)
    n_count = max(n, 5) if smoothing in ("method5", "method7") else n
    rows = [row for row in _row_stats(cand, cand_len, refs, ref_len, n_count) if row[4] is not None]
    if not rows:
        return math.nan
    m, t, d = ([sum(row[k][i] for row in rows) for i in range(n_count)] for k in range(3))
    c, r = sum(row[3] for row in rows), sum(row[4] for row in rows)
    extra = (m[4], d[4]) if n_count >= 5 else None
    return bleu_from_stats(m[:n], t[:n], d[:n], c, r, w, smoothing, smooth_value, effective_order, extra)
