"""Corpus BLEU accumulated over batches (public as :class:`rewardgym.cuda.ops.BLEUScore`)."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from rewardgym.cuda._bleu_ops import _options, bleu_stats, score_stats

__all__ = ["BLEUScore"]


class BLEUScore:
    """Corpus BLEU over any number of batches: ``update(...)`` per batch, ``compute()`` at the end.

    Like torchmetrics' ``BLEUScore`` (``update`` / ``compute`` / ``reset``; n-gram statistics are summed over
    every sentence seen, then scored once), on token ids: ``compute()`` equals
    :func:`~rewardgym.cuda.ops.token_bleu_corpus` of all the batches concatenated (NLTK's ``corpus_bleu``).
    The running state is 3K + 3 integers (K = n-gram orders), kept on the device of the first batch.

    Args:
        max_n: highest n-gram order (torchmetrics' ``n_gram``; default 4, or ``len(weights)``).
        weights: per-order weights (default uniform).
        smoothing: as in :func:`~rewardgym.cuda.ops.token_bleu` (``"floor"`` is torchmetrics' ``smooth=True``
            in spirit: NLTK's method1).
        smooth_value: the smoothing parameter.
        effective_order: sacrebleu's effective order.
        pad_token_id: lengths from the first pad token where ``cand_len`` / ``ref_len`` are not given.

    Example:
        >>> import torch
        >>> metric = BLEUScore()
        >>> metric.update(torch.tensor([[1, 2, 3, 4]]), None, torch.tensor([[1, 2, 3, 4]]))
        >>> metric.update(torch.tensor([[1, 2, 3, 9, 0]]), None, torch.tensor([[1, 2, 3, 4, 0]]), pad_token_id=0)
        >>> round(float(metric.compute()), 4)
        0.7231
    """

    def __init__(
        self,
        max_n: int | None = None,
        weights: Sequence[float] | None = None,
        smoothing: str = "none",
        smooth_value: float | None = None,
        effective_order: bool = False,
        pad_token_id: int | None = None,
    ) -> None:
        w, _, _, _ = _options(max_n, None if weights is None else tuple(float(x) for x in weights), smoothing,
                              smooth_value)
        self.weights = list(w)
        self.smoothing = smoothing
        self.smooth_value = smooth_value
        self.effective_order = effective_order
        self.pad_token_id = pad_token_id
        self._stats: torch.Tensor | None = None

    def update(
        self,
        cand: torch.Tensor,
        cand_len: torch.Tensor | None,
        refs: torch.Tensor,
        ref_len: torch.Tensor | None = None,
        *,
        pad_token_id: int | None = None,
    ) -> None:
        """Add a batch (arguments as in :func:`~rewardgym.cuda.ops.token_bleu`; ``pad_token_id`` overrides)."""
        pad = self.pad_token_id if pad_token_id is None else pad_token_id
        stats = bleu_stats(cand, cand_len, refs, ref_len, len(self.weights), self.smoothing, pad_token_id=pad)
        self._stats = stats if self._stats is None else self._stats + stats.to(self._stats.device)

    def compute(self) -> torch.Tensor:
        """Corpus BLEU of everything seen since the last :meth:`reset` (0-dim float32; NaN before any row)."""
        if self._stats is None:
            return torch.tensor(float("nan"))
        return score_stats(
            self._stats, len(self.weights), self.weights, self.smoothing, self.smooth_value, self.effective_order
        )

    def reset(self) -> None:
        """Forget every batch."""
        self._stats = None
