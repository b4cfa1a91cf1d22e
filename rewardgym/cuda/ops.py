"""Batched rollout-scoring ops with CUDA kernels, fast CPU paths and pure-torch references.

- :func:`token_bleu` / :func:`token_bleu_corpus`: BLEU on padded int64 token ids (NLTK-exact smoothing).
- :func:`gae` / :func:`discounted_returns`: advantages and returns over (B, T) rollouts with episode ends.
- :func:`group_normalize`: GRPO-style per-group normalisation over ragged, unsorted group ids.
- :func:`sequence_logprob`: fused log-softmax + gather + masked sum, chunked over the vocabulary.

Each op dispatches by device through ``torch.library.custom_op`` (``rewardgym::bleu_matches``,
``rewardgym::gae``, ``rewardgym::group_normalize``, ``rewardgym::token_logprob``): CUDA tensors use the CUDA
kernels, CPU tensors the compiled CPU kernels (``token_logprob``: a vectorised torch path). Both are built on
first use and fall back, with one warning, to vectorised torch when they cannot be built. Results match
:mod:`rewardgym.cuda.reference` to 1e-6. Bad input raises :class:`OpInputError` (a ``RewardGymError``).

Example:
    >>> import torch
    >>> from rewardgym.cuda import ops
    >>> x = ops.group_normalize(torch.tensor([1.0, 3.0, 2.0, float("nan")]), torch.tensor([7, 7, 9, 9]))
    >>> [round(v, 4) for v in x.tolist()]
    [-1.0, 1.0, 0.0, nan]
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from rewardgym.cuda import _library
from rewardgym.cuda._bleu_math import (
    CANONICAL_SMOOTHING,
    SMOOTHING_ALIASES,
    bleu_from_stats,
    closest_ref_len,
    default_smooth_value,
)
from rewardgym.cuda._checks import OpInputError, as_int64, as_tensor, check_range, check_same_device, require

__all__ = [
    "OpInputError",
    "discounted_returns",
    "gae",
    "group_normalize",
    "sequence_logprob",
    "token_bleu",
    "token_bleu_corpus",
]


# ------------------------------------------------------------------------------------------------------ BLEU
def _bleu_setup(cand, cand_len, refs, ref_len, max_n, weights, smoothing, smooth_value):
    cand = as_int64(cand, "cand")
    require(cand.dim() == 2, f"cand must be (B, Lc) token ids, got shape {tuple(cand.shape)}")
    dev = cand.device
    refs = as_int64(refs, "refs", dev)
    if refs.dim() == 2:
        refs = refs[:, None, :]
    require(
        refs.dim() == 3 and refs.shape[0] == cand.shape[0],
        f"refs must be (B, R, Lr) or (B, Lr) with B={cand.shape[0]}, got shape {tuple(refs.shape)}",
    )
    B, Lc = cand.shape
    R, Lr = refs.shape[1], refs.shape[2]
    cl = (
        torch.full((B,), Lc, dtype=torch.int64, device=dev)
        if cand_len is None
        else as_int64(cand_len, "cand_len")
    )
    rl = (
        torch.full((B, R), Lr, dtype=torch.int64, device=dev)
        if ref_len is None
        else as_int64(ref_len, "ref_len")
    )
    if rl.dim() == 1 and R == 1:
        rl = rl[:, None]
    require(cl.shape == (B,), f"cand_len must be (B,) = ({B},), got {tuple(cl.shape)}")
    require(rl.shape == (B, R), f"ref_len must be (B, R) = ({B}, {R}), got {tuple(rl.shape)}")
    check_same_device(cand=cand, cand_len=cl, refs=refs, ref_len=rl)
    check_range(cl, 0, Lc, "cand_len", "0 <= length <= Lc")
    check_range(rl, -1, Lr, "ref_len", "-1 marks an absent reference; otherwise 0 <= length <= Lr")
    cl, rl = cl.clamp(0, Lc), rl.clamp(-1, Lr)  # CUDA inputs are not range-checked (no host sync): clamp
    if weights is not None:
        weights = [float(w) for w in weights]
        require(len(weights) >= 1 and all(w >= 0 for w in weights), f"weights must be >= 0, got {weights}")
        require(
            max_n is None or max_n == len(weights), f"max_n={max_n} but {len(weights)} weights were given"
        )
        max_n = len(weights)
    max_n = 4 if max_n is None else int(max_n)
    require(max_n >= 1, f"max_n must be >= 1, got {max_n}")
    weights = weights if weights is not None else [1.0 / max_n] * max_n
    name = SMOOTHING_ALIASES.get(smoothing, smoothing)
    require(
        name in CANONICAL_SMOOTHING,
        f"smoothing must be one of {[*CANONICAL_SMOOTHING, *SMOOTHING_ALIASES]}, got {smoothing!r}",
    )
    require(
        name != "method6" or max_n >= 3, "smoothing 'method6' needs max_n >= 3 (it smooths from trigrams on)"
    )
    value = default_smooth_value(name) if smooth_value is None else float(smooth_value)
    n_count = max(max_n, 5) if name in ("method5", "method7") else max_n
    matches = _library.bleu_matches(cand, cl, refs.contiguous(), rl, n_count)
    orders = torch.arange(1, n_count + 1, device=dev)
    totals = (cl[:, None] - orders + 1).clamp(min=0)
    closest, has_ref = closest_ref_len(cl, rl)
    return matches, totals, cl, closest, has_ref, weights, name, value


def token_bleu(
    cand: torch.Tensor,
    cand_len: torch.Tensor | None,
    refs: torch.Tensor,
    ref_len: torch.Tensor | None = None,
    max_n: int | None = None,
    weights: Sequence[float] | None = None,
    smoothing: str = "none",
    smooth_value: float | None = None,
    effective_order: bool = False,
) -> torch.Tensor:
    """Per-sentence BLEU of each candidate against its references, on token ids; float32 (B,) in [0, 1].

    Equals NLTK's ``sentence_bleu(refs, hyp, weights, smoothing_function=SmoothingFunction().methodK)`` on the
    id lists. N-grams are counted without a vocabulary-sized table (hash tables of exact packed n-gram keys).

    Smoothing (``smooth_value`` overrides the parameter in brackets):

    ===========  ===========================================  ========================================
    name         NLTK ``SmoothingFunction``                   sacrebleu ``smooth_method``
    ===========  ===========================================  ========================================
    ``none``     ``method0`` (zero precisions -> 2.2e-308)    ``"none"`` (with ``effective_order``)
    ``floor``    ``method1`` (epsilon = 0.1)                  ``"floor"`` (with ``effective_order``)
    ``add-k``    ``method2`` when k = 1 and len >= max_n      ``"add-k"`` (k = 1)
    ``method2``  ``method2`` exactly                          -
    ``exp``      ``method3`` (NIST geometric)                 ``"exp"`` (with ``effective_order``)
    ``method4``  ``method4`` (k = 5)                          -
    ``method5``  ``method5`` (uses order-5 statistics)        -
    ``method6``  ``method6`` (alpha = 5); NaN where NLTK      -
                 raises (no trigram match)
    ``method7``  ``method7`` (k = 5)                          -
    ===========  ===========================================  ========================================

    ``method0``, ``method1`` and ``method3`` are accepted as aliases. ``effective_order=True`` drops the
    orders for which the candidate has no n-grams and renormalises the weights, as sacrebleu's
    ``sentence_bleu`` does.

    Args:
        cand: int64 (B, Lc) candidate token ids (padded; token id -2^63 is reserved).
        cand_len: int64 (B,) candidate lengths; None = Lc for every row.
        refs: int64 (B, R, Lr) references (R per candidate), or (B, Lr) for one each.
        ref_len: int64 (B, R) reference lengths, -1 for an absent reference; None = Lr for all.
        max_n: highest n-gram order (default 4, or ``len(weights)``).
        weights: per-order weights (default uniform ``1 / max_n``).
        smoothing: see the table above.
        smooth_value: the smoothing parameter (epsilon, k or alpha).
        effective_order: sacrebleu's effective order.

    Returns:
        float32 (B,) on ``cand``'s device; NaN for rows with no reference (and for ``method6`` as noted).

    Example:
        >>> import torch
        >>> cand = torch.tensor([[5, 6, 7, 8, 9], [5, 6, 7, 0, 0]])
        >>> refs = torch.tensor([[5, 6, 7, 8, 9], [5, 6, 9, 9, 9]])
        >>> [round(x, 4) for x in token_bleu(cand, torch.tensor([5, 3]), refs, smoothing="floor").tolist()]
        [1.0, 0.1234]
    """
    matches, totals, cl, closest, has_ref, w, name, value = _bleu_setup(
        cand, cand_len, refs, ref_len, max_n, weights, smoothing, smooth_value
    )
    score = bleu_from_stats(
        matches, totals, totals.clamp(min=1), cl, closest, w, name, value, effective_order
    )
    return torch.where(has_ref, score, torch.full_like(score, float("nan"))).float()


def token_bleu_corpus(
    cand: torch.Tensor,
    cand_len: torch.Tensor | None,
    refs: torch.Tensor,
    ref_len: torch.Tensor | None = None,
    max_n: int | None = None,
    weights: Sequence[float] | None = None,
    smoothing: str = "none",
    smooth_value: float | None = None,
    effective_order: bool = False,
) -> torch.Tensor:
    """Corpus BLEU (a 0-dim float32 tensor): NLTK's ``corpus_bleu`` — statistics summed over rows, one score.

    Arguments as in :func:`token_bleu`; rows without a reference are skipped (NaN when none has one).
    Matches NLTK's ``corpus_bleu`` for ``none``, ``floor``, ``method2``, ``exp`` and ``method4``. For
    ``method5``-``method7`` NLTK takes some statistics from the last sentence only; here they are pooled over
    the corpus like every other statistic.

    Example:
        >>> import torch
        >>> cand = torch.tensor([[1, 2, 3, 4], [1, 2, 3, 9]])
        >>> refs = torch.tensor([[1, 2, 3, 4], [1, 2, 3, 4]])
        >>> round(float(token_bleu_corpus(cand, None, refs)), 4)
        0.7231
    """
    matches, totals, cl, closest, has_ref, w, name, value = _bleu_setup(
        cand, cand_len, refs, ref_len, max_n, weights, smoothing, smooth_value
    )
    keep = has_ref[:, None]

    def pooled(t: torch.Tensor) -> torch.Tensor:
        return torch.where(keep if t.dim() == 2 else has_ref, t, torch.zeros_like(t)).sum(dim=0, keepdim=True)

    score = bleu_from_stats(
        pooled(matches),
        pooled(totals),
        pooled(totals.clamp(min=1)),
        pooled(cl),
        pooled(closest),
        w,
        name,
        value,
        effective_order,
    )[0]
    return torch.where(has_ref.any(), score, torch.full_like(score, float("nan"))).float()


# --------------------------------------------------------------------------------------- GAE / returns
def _float_2d(value: torch.Tensor, name: str, like: torch.Tensor | None = None) -> torch.Tensor:
    t = as_tensor(value, name, None if like is None else like.device)
    require(t.is_floating_point(), f"{name} must be floating point, got {t.dtype}")
    if like is not None:
        require(t.shape == like.shape, f"{name} must have shape {tuple(like.shape)}, got {tuple(t.shape)}")
        return t.to(like.dtype).contiguous()
    require(t.dim() == 2, f"{name} must be (B, T), got shape {tuple(t.shape)}")
    return (t if t.dtype in (torch.float32, torch.float64) else t.float()).contiguous()


def _dones_and_bootstrap(dones, last_values, r):
    d = as_tensor(dones, "dones", r.device)
    require(d.shape == r.shape, f"dones must have shape {tuple(r.shape)}, got {tuple(d.shape)}")
    d = (d if d.dtype == torch.bool else d != 0).contiguous()
    lv = None
    if last_values is not None:
        lv = as_tensor(last_values, "last_values", r.device).reshape(-1)
        require(
            lv.numel() == r.shape[0], f"last_values must be (B,) = ({r.shape[0]},), got {lv.numel()} values"
        )
        lv = lv.to(r.dtype).contiguous()
    return d, lv


def _check_discount(gamma: float, lam: float) -> None:
    require(0.0 <= gamma <= 1.0, f"gamma must be in [0, 1], got {gamma}")
    require(0.0 <= lam <= 1.0, f"lam must be in [0, 1], got {lam}")


def gae(
    rewards: torch.Tensor,
    values: torch.Tensor,
    dones: torch.Tensor,
    last_values: torch.Tensor | None = None,
    gamma: float = 0.99,
    lam: float = 0.95,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimation over (B, T) rollouts; returns ``(advantages, returns)``.

    Convention: ``dones[b, t]`` is True when the episode ended at step t (terminated or truncated), so step t
    does not bootstrap from step t+1 and the advantage recursion restarts. ``last_values[b]`` is V(s_T) of the
    state after the final step (0 when None), used unless ``dones[b, T-1]``::

        delta[t] = r[t] + gamma * V[t+1] * (1 - dones[t]) - V[t]        (V[T] = last_values)
        A[t]     = delta[t] + gamma * lam * (1 - dones[t]) * A[t+1]      (A[T] = 0)
        returns  = A + V

    This is CleanRL's recursion with ``nextnonterminal = 1 - dones[t]`` (CleanRL stores "the next observation
    starts a new episode", i.e. our ``dones[t]``, at index t+1). To bootstrap through time-limit truncations,
    add ``gamma * V(final_obs)`` to the reward of the truncated step. Arithmetic is float64; the outputs have
    the
    rewards' dtype (float32 or float64).

    Example:
        >>> import torch
        >>> rewards, dones = torch.tensor([[1.0, 1.0]]), torch.tensor([[False, True]])
        >>> adv, ret = gae(rewards, torch.zeros(1, 2), dones, gamma=0.5, lam=1.0)
        >>> adv.tolist(), ret.tolist()
        ([[1.5, 1.0]], [[1.5, 1.0]])
    """
    _check_discount(gamma, lam)
    r = _float_2d(rewards, "rewards")
    v = _float_2d(values, "values", r)
    d, lv = _dones_and_bootstrap(dones, last_values, r)
    return _library.gae(r, v, d, lv, float(gamma), float(lam))


def discounted_returns(
    rewards: torch.Tensor, dones: torch.Tensor, gamma: float = 0.99, last_values: torch.Tensor | None = None
) -> torch.Tensor:
    """Discounted returns ``G[t] = r[t] + gamma * (1 - dones[t]) * G[t+1]``, ``G[T] = last_values`` or 0.

    Same episode-end convention as :func:`gae` (it is GAE with V = 0 and lam = 1).

    Example:
        >>> import torch
        >>> discounted_returns(torch.tensor([[1.0, 1.0, 1.0]]), torch.tensor([[0, 1, 0]]), gamma=0.5).tolist()
        [[1.5, 1.0, 1.0]]
    """
    _check_discount(gamma, 1.0)
    r = _float_2d(rewards, "rewards")
    d, lv = _dones_and_bootstrap(dones, last_values, r)
    return _library.gae(r, None, d, lv, float(gamma), 1.0)[1]


# ----------------------------------------------------------------------------------------------- group norm
def group_normalize(
    scores: torch.Tensor, group_ids: torch.Tensor, mode: str = "mean_std", eps: float = 1e-6
) -> torch.Tensor:
    """Normalise scores within groups (GRPO advantages): ``(x - mean_g) / (std_g + eps)`` or ``x - mean_g``.

    Groups are arbitrary int64 ids: unsorted, ragged, non-contiguous (id -2^63 is reserved). NaN scores are
    excluded from their group's statistics (not counted) and stay NaN; ``std_g`` is the population standard
    deviation (0 for a group with one valid score). Statistics are float64; the result is float32 (N,).

    Args:
        scores: float (N,).
        group_ids: integer (N,).
        mode: ``"mean_std"`` or ``"mean"`` (Dr. GRPO-style, no scaling).
        eps: added to the std.

    Example:
        >>> import torch
        >>> scores, groups = torch.tensor([1.0, 5.0, 2.0, 4.0]), torch.tensor([3, 8, 3, 8])
        >>> group_normalize(scores, groups, mode="mean").tolist()
        [-0.5, 0.5, 0.5, -0.5]
    """
    require(mode in ("mean_std", "mean"), f"mode must be 'mean_std' or 'mean', got {mode!r}")
    require(eps >= 0, f"eps must be >= 0, got {eps}")
    x = as_tensor(scores, "scores")
    require(
        x.dim() == 1 and x.is_floating_point(),
        f"scores must be a float (N,) tensor, got {x.dtype} {tuple(x.shape)}",
    )
    g = as_int64(group_ids, "group_ids", x.device)
    require(g.shape == x.shape, f"group_ids must have shape {tuple(x.shape)}, got {tuple(g.shape)}")
    return _library.group_normalize(x.float().contiguous(), g, mode == "mean_std", float(eps))


# ------------------------------------------------------------------------------------------ sequence logprob
def sequence_logprob(
    logits: torch.Tensor,
    targets: torch.Tensor,
    mask: torch.Tensor | None = None,
    *,
    return_per_token: bool = False,
    chunk_size: int = 8192,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """``Σ_t mask * log_softmax(logits)[b, t, targets[b, t]]`` without materialising the log-softmax.

    An online log-sum-exp over vocabulary chunks (CUDA: one thread block per token, 16-byte loads; CPU:
    ``chunk_size`` columns at a time) in float64 accumulation; masked-out tokens are never read.
    Differentiable
    w.r.t. ``logits`` (the backward is ``w * (onehot - softmax)``, computed block by block).

    Args:
        logits: (B, T, V) float16 / bfloat16 / float32 / float64; only the last dim must be contiguous
            (slices like ``logits[:, :-1]`` are not copied).
        targets: integer (B, T) token ids in ``[0, V)`` where ``mask`` is True (anything elsewhere: -100...).
        mask: bool (B, T) (or 0/1); None = all tokens.
        return_per_token: also return the (B, T) per-token log-probabilities (0 where masked).
        chunk_size: vocabulary columns per step of the CPU path.

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
    if logits.device.type == "cpu" and m.any():
        check_range(tgt[m], 0, V - 1, "targets", f"token ids of the {V}-way vocabulary where mask is True")
    per_token, _ = _library.token_logprob(logits, tgt, m, int(chunk_size))
    seq = per_token.sum(dim=-1).float()
    return (seq, per_token.float()) if return_per_token else seq
