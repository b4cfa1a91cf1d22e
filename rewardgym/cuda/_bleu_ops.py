"""Token-id BLEU, per sentence and per corpus (public through :mod:`rewardgym.cuda.ops`)."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import torch

from rewardgym.cuda import _torch_paths
from rewardgym.cuda._bleu_math import (
    CANONICAL_SMOOTHING,
    SMOOTHING_ALIASES,
    bleu_from_stats,
    closest_ref_len,
    default_smooth_value,
)
from rewardgym.cuda._checks import as_int64, check_range, check_same_device, require
from rewardgym.cuda._dispatch import cpu_direct, cpu_kernels, library

__all__ = ["bleu_stats", "token_bleu", "token_bleu_corpus"]


@functools.lru_cache(maxsize=256)
def _options(
    max_n: int | None, weights: tuple[float, ...] | None, smoothing: str, smooth_value: float | None
) -> tuple[list[float], str, float, int]:
    """Validated ``(weights, canonical smoothing, its parameter, orders to count)``; cached per option set."""
    if weights is not None:
        w = [float(x) for x in weights]
        require(len(w) >= 1 and all(x >= 0 for x in w), f"weights must be >= 0, got {w}")
        require(max_n is None or max_n == len(w), f"max_n={max_n} but {len(w)} weights were given")
        max_n = len(w)
    max_n = 4 if max_n is None else int(max_n)
    require(max_n >= 1, f"max_n must be >= 1, got {max_n}")
    w = list(weights) if weights is not None else [1.0 / max_n] * max_n
    w = [float(x) for x in w]
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
    return w, name, value, n_count


def _first_pad(tokens: torch.Tensor, pad_token_id: int) -> torch.Tensor:
    """Per row (last dim), the index of the first ``pad_token_id``, else the padded width (right padding)."""
    if tokens.shape[-1] == 0:
        return torch.zeros(tokens.shape[:-1], dtype=torch.int64, device=tokens.device)
    is_pad = tokens == pad_token_id
    first = is_pad.to(torch.uint8).argmax(dim=-1)
    return torch.where(is_pad.any(dim=-1), first, torch.full_like(first, tokens.shape[-1]))


def _bleu_setup(cand, cand_len, refs, ref_len, max_n, weights, smoothing, smooth_value, pad_token_id=None):
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
    if pad_token_id is not None:
        require(isinstance(pad_token_id, int), f"pad_token_id must be an int, got {pad_token_id!r}")
    if cand_len is not None:
        cl = as_int64(cand_len, "cand_len")
    elif pad_token_id is not None:
        cl = _first_pad(cand, pad_token_id)
    else:
        cl = torch.full((B,), Lc, dtype=torch.int64, device=dev)
    if ref_len is not None:
        rl = as_int64(ref_len, "ref_len")
    elif pad_token_id is not None:
        rl = _first_pad(refs, pad_token_id)
    else:
        rl = torch.full((B, R), Lr, dtype=torch.int64, device=dev)
    if rl.dim() == 1 and R == 1:
        rl = rl[:, None]
    require(cl.shape == (B,), f"cand_len must be (B,) = ({B},), got {tuple(cl.shape)}")
    require(rl.shape == (B, R), f"ref_len must be (B, R) = ({B}, {R}), got {tuple(rl.shape)}")
    check_same_device(cand=cand, cand_len=cl, refs=refs, ref_len=rl)
    check_range(cl, 0, Lc, "cand_len", "0 <= length <= Lc")
    check_range(rl, -1, Lr, "ref_len", "-1 marks an absent reference; otherwise 0 <= length <= Lr")
    cl, rl = cl.clamp(0, Lc), rl.clamp(-1, Lr)  # CUDA inputs are not range-checked (no host sync): clamp
    weights, name, value, n_count = _options(
        max_n, None if weights is None else tuple(float(w) for w in weights), smoothing, smooth_value
    )
    refs = refs.contiguous()
    if cpu_direct(cand, refs):
        ext = cpu_kernels()
        matches = (
            ext.bleu_matches(cand, cl.contiguous(), refs, rl.contiguous(), n_count)
            if ext is not None
            else _torch_paths.bleu_matches(cand, cl, refs, rl, n_count)
        )
    else:
        matches = library().bleu_matches(cand, cl, refs, rl, n_count)
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
    *,
    pad_token_id: int | None = None,
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
        pad_token_id: where ``cand_len`` / ``ref_len`` is None, a row's length is the index of its first
            ``pad_token_id`` (right padding, as tokenizers pad; the padded width when it has none).

    Returns:
        float32 (B,) on ``cand``'s device; NaN for rows with no reference (and for ``method6`` as noted).

    On CPU tensors the whole computation is one call into the compiled kernels (no per-call torch overhead:
    single sentences cost microseconds), on one thread unless the batch is large.

    Example:
        >>> import torch
        >>> cand = torch.tensor([[5, 6, 7, 8, 9], [5, 6, 7, 0, 0]])
        >>> refs = torch.tensor([[5, 6, 7, 8, 9], [5, 6, 9, 9, 9]])
        >>> [round(x, 4) for x in token_bleu(cand, torch.tensor([5, 3]), refs, smoothing="floor").tolist()]
        [1.0, 0.1234]
    """
    fast = _fast_token_bleu(
        cand, cand_len, refs, ref_len, max_n, weights, smoothing, smooth_value, effective_order, pad_token_id
    )
    if fast is not None:
        return fast
    matches, totals, cl, closest, has_ref, w, name, value = _bleu_setup(
        cand, cand_len, refs, ref_len, max_n, weights, smoothing, smooth_value, pad_token_id
    )
    score = bleu_from_stats(
        matches, totals, totals.clamp(min=1), cl, closest, w, name, value, effective_order
    )
    return torch.where(has_ref, score, torch.full_like(score, float("nan"))).float()


def bleu_stats(
    cand: torch.Tensor,
    cand_len: torch.Tensor | None,
    refs: torch.Tensor,
    ref_len: torch.Tensor | None = None,
    max_n: int | None = None,
    smoothing: str = "none",
    *,
    pad_token_id: int | None = None,
) -> torch.Tensor:
    """Corpus statistics of a batch, summed over the rows that have a reference: int64 (3K + 3,).

    ``[matches (K) | totals (K) | denominators (K) | candidate length | closest reference length | rows]``
    with K the orders counted (``max_n``, at least 5 for ``method5`` / ``method7``). Statistics of several
    batches add up; :func:`token_bleu_corpus` and :class:`~rewardgym.cuda.ops.BLEUScore` score them.
    """
    matches, totals, cl, closest, has_ref, *_ = _bleu_setup(
        cand, cand_len, refs, ref_len, max_n, None, smoothing, None, pad_token_id
    )
    keep = has_ref[:, None]
    per_row = torch.cat(
        [matches, totals, totals.clamp(min=1), cl[:, None], closest[:, None], torch.ones_like(cl)[:, None]], dim=1
    )
    return torch.where(keep, per_row, torch.zeros_like(per_row)).sum(dim=0)


def score_stats(
    stats: torch.Tensor,
    max_n: int | None = None,
    weights: Sequence[float] | None = None,
    smoothing: str = "none",
    smooth_value: float | None = None,
    effective_order: bool = False,
) -> torch.Tensor:
    """Corpus BLEU (0-dim float32) from :func:`bleu_stats` (summed over batches); NaN when no row counted."""
    w, name, value, k = _options(
        max_n, None if weights is None else tuple(float(x) for x in weights), smoothing, smooth_value
    )
    require(stats.shape == (3 * k + 3,), f"stats must be ({3 * k + 3},) for these options, got {tuple(stats.shape)}")
    s = stats[None]
    score = bleu_from_stats(
        s[:, :k], s[:, k : 2 * k], s[:, 2 * k : 3 * k], s[:, 3 * k], s[:, 3 * k + 1], w, name, value, effective_order
    )[0]
    return torch.where(stats[-1] > 0, score, torch.full_like(score, float("nan"))).float()


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
    *,
    pad_token_id: int | None = None,
) -> torch.Tensor:
    """Corpus BLEU (a 0-dim float32 tensor): NLTK's ``corpus_bleu`` — statistics summed over rows, one score.

    Arguments as in :func:`token_bleu`; rows without a reference are skipped (NaN when none has one).
    Matches NLTK's ``corpus_bleu`` for ``none``, ``floor``, ``method2``, ``exp`` and ``method4``. For
    ``method5``-``method7`` NLTK takes some statistics from the last sentence only; here they are pooled over
    the corpus like every other statistic. To accumulate over batches use
    :class:`~rewardgym.cuda.ops.BLEUScore`.

    Example:
        >>> import torch
        >>> cand = torch.tensor([[1, 2, 3, 4], [1, 2, 3, 9]])
        >>> refs = torch.tensor([[1, 2, 3, 4], [1, 2, 3, 4]])
        >>> round(float(token_bleu_corpus(cand, None, refs)), 4)
        0.7231
    """
    w, *_ = _options(max_n, None if weights is None else tuple(float(x) for x in weights), smoothing, smooth_value)
    stats = bleu_stats(cand, cand_len, refs, ref_len, len(w), smoothing, pad_token_id=pad_token_id)
    return score_stats(stats, len(w), w, smoothing, smooth_value, effective_order)


_CODES = {name: i for i, name in enumerate(CANONICAL_SMOOTHING)}
_Tensor = torch.Tensor


def _fast_token_bleu(cand, cand_len, refs, ref_len, max_n, weights, smoothing, smooth_value, effective, pad):
    """The whole score in one compiled call for CPU int64 inputs; None when the validated path must run."""
    if type(cand) is not _Tensor or type(refs) is not _Tensor or cand.dtype != torch.int64:
        return None
    if refs.dtype != torch.int64 or cand.dim() != 2 or not cpu_direct(cand, refs, cand_len, ref_len):
        return None
    if refs.dim() == 2:
        refs = refs[:, None, :]
    B, R = cand.shape[0], refs.shape[1]
    if refs.dim() != 3 or (cand_len is not None and cand_len.shape != (B,)):
        return None
    if ref_len is not None and ref_len.shape != (B, R) and not (R == 1 and ref_len.shape == (B,)):
        return None
    for t in (cand, refs, cand_len, ref_len):
        if t is not None and (t.dtype != torch.int64 or not t.is_contiguous()):
            return None
    if pad is not None and not isinstance(pad, int):
        return None
    try:
        w, name, value, n_count = _options(
            max_n, None if weights is None else tuple(weights), smoothing, smooth_value
        )
    except Exception:
        return None  # the validated path raises the right error
    ext = cpu_kernels()
    if ext is None:
        return None
    try:
        return ext.bleu_scores(cand, cand_len, refs, ref_len, pad, n_count, w, _CODES[name], value, effective)
    except RuntimeError:
        return None  # bad lengths or shapes: the validated path says what is wrong
