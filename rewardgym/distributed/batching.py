"""Split a vector env's batched actions across workers and join their batched results back (pure NumPy).

A vector env spread over ``W`` workers holds contiguous blocks of sub-envs: worker ``j`` hosts rows
``offsets[j]:offsets[j + 1]``. These helpers slice actions into those blocks and concatenate observations and
Gymnasium's column-wise ``info`` dicts back, so the joined result has the layout a single ``make_vec`` env of
all ``N`` sub-envs returns: the same keys, dtypes and ``_key`` masks (a key that some workers did not report
is filled with zeros and masked ``False`` for their rows, as ``SyncVectorEnv`` does).

Example:
    >>> import numpy as np
    >>> parts = [{"d": np.array([1, 2]), "_d": np.array([True, True])}, {}]
    >>> merged = merge_infos(parts, [2, 1])
    >>> merged["d"].tolist(), merged["_d"].tolist()
    ([1, 2, 0], [True, True, False])
    >>> from gymnasium import spaces
    >>> [a.tolist() for a in split_batch(spaces.Discrete(4), np.arange(5), [0, 3, 5])]
    [[0, 1, 2], [3, 4]]
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from gymnasium import spaces

__all__ = ["block_offsets", "concat_batches", "merge_infos", "split_batch"]


def block_offsets(num_envs: int, num_workers: int) -> list[int]:
    """Row offsets of ``num_workers`` contiguous, near-equal blocks of ``num_envs`` sub-envs.

    Example:
        >>> block_offsets(10, 3)
        [0, 4, 7, 10]
    """
    base, extra = divmod(num_envs, num_workers)
    offsets = [0]
    for j in range(num_workers):
        offsets.append(offsets[-1] + base + (1 if j < extra else 0))
    return offsets


def split_batch(space: spaces.Space, batch: Any, offsets: Sequence[int]) -> list[Any]:
    """Cut a batch of ``space`` values (as ``batch_space(space, N)`` holds them) into row blocks."""
    spans = list(itertools.pairwise(offsets))
    if isinstance(space, spaces.Dict):
        parts = {k: split_batch(sub, batch[k], offsets) for k, sub in space.spaces.items()}
        return [{k: parts[k][j] for k in parts} for j in range(len(spans))]
    if isinstance(space, spaces.Tuple):
        comps = [split_batch(sub, b, offsets) for sub, b in zip(space.spaces, batch)]
        return [tuple(c[j] for c in comps) for j in range(len(spans))]
    if isinstance(batch, (list, tuple)):
        return [type(batch)(batch[a:b]) for a, b in spans]
    arr = np.asarray(batch)
    return [arr[a:b] for a, b in spans]


def concat_batches(space: spaces.Space, parts: Sequence[Any]) -> Any:
    """Join per-worker batches of ``space`` values (the inverse of :func:`split_batch`)."""
    if len(parts) == 1:
        return parts[0]
    if isinstance(space, spaces.Dict):
        return {k: concat_batches(sub, [p[k] for p in parts]) for k, sub in space.spaces.items()}
    if isinstance(space, spaces.Tuple):
        return tuple(concat_batches(sub, [p[i] for p in parts]) for i, sub in enumerate(space.spaces))
    if isinstance(parts[0], (list, tuple)):
        out: list[Any] = []
        for p in parts:
            out.extend(p)
        return type(parts[0])(out)
    return np.concatenate([np.asarray(p) for p in parts])


def merge_infos(parts: Sequence[Mapping[str, Any]], sizes: Sequence[int]) -> dict[str, Any]:
    """Join per-worker vector ``info`` dicts (``sizes[j]`` rows each) into one column-wise dict.

    Keys keep their first-seen order. A key missing from a worker gets zeros (``None`` for object columns)
    on that worker's rows, and its ``_key`` mask, where the others report one, gets ``False`` there.
    """
    keys: list[str] = []
    for p in parts:
        keys.extend(k for k in p if k not in keys)
    out: dict[str, Any] = {}
    for key in keys:
        values = [p.get(key) for p in parts]
        template = next(v for v in values if v is not None)
        if isinstance(template, Mapping):
            out[key] = merge_infos([v if isinstance(v, Mapping) else {} for v in values], sizes)
            continue
        template = np.asarray(template)
        filled = [
            np.asarray(v) if v is not None else _blank(template, n, key) for v, n in zip(values, sizes)
        ]
        out[key] = np.concatenate(filled) if len(filled) > 1 else filled[0]
    return out


def _blank(template: np.ndarray, rows: int, key: str) -> np.ndarray:
    shape = (rows, *template.shape[1:])
    if template.dtype.kind == "O":
        return np.full(shape, None, dtype=object)
    if key.startswith("_") and template.dtype == bool:
        return np.zeros(shape, dtype=bool)
    return np.zeros(shape, dtype=template.dtype)
