"""Batch types that reward functions score: :class:`Transitions` (per step) and :class:`Episodes` (per outcome).

Both are column-wise batches of ``B`` rows:

- numeric fields are tensors whose first dimension is ``B`` (NumPy arrays are accepted and converted),
- text fields are ``list[str]`` of length ``B``,
- structured fields (dict observations, ``infos``) are dicts whose values are batched the same way.

``infos`` is column-wise too (Gymnasium's vector-env layout): ``infos["distance"]`` is a (B,) array/tensor,
not a list of per-row dicts. Use :meth:`Transitions.info` to read a column as a tensor with a clear error
when it is missing.

Example:
    >>> import torch
    >>> batch = Transitions.from_rows(
    ...     obs=[[0.0], [1.0]], action=[0, 1], next_obs=[[1.0], [2.0]],
    ...     env_reward=[0.0, 1.0], terminated=[False, True], infos=[{"d": 2}, {"d": 0}])
    >>> len(batch), batch.info("d").tolist()
    (2, [2.0, 0.0])
    >>> batch.select([1]).action.tolist()
    [1]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, TypeAlias

import numpy as np
import torch

from rewardgym.errors import RewardComputationError

__all__ = ["Batch", "Episodes", "Transitions", "batch_len", "index_field", "row_index", "stack_rows", "to_tensor"]

Index: TypeAlias = "Sequence[int] | torch.Tensor | np.ndarray | slice"


def to_tensor(value: Any, *, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> Any:
    """Convert arrays / numeric lists to tensors (zero-copy for NumPy where possible); leave text as is."""
    if isinstance(value, torch.Tensor):
        out = value
    elif isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf":
            out = torch.from_numpy(np.ascontiguousarray(value))
        else:
            return list(value)
    elif isinstance(value, Mapping):
        return {k: to_tensor(v, device=device, dtype=dtype) for k, v in value.items()}
    elif isinstance(value, (list, tuple)) and value and _is_numeric_row(value[0]):
        out = torch.as_tensor(np.asarray(value))
    elif isinstance(value, tuple):
        return list(value)  # text from a vector env's Tuple space: a list of str like every text field
    else:
        return value
    if dtype is not None or device is not None:
        out = out.to(device=device, dtype=dtype)
    return out


def _is_numeric_row(item: Any) -> bool:
    if isinstance(item, (bool, int, float, np.number, np.bool_)):
        return True
    if isinstance(item, np.ndarray):
        return item.dtype.kind in "biuf"
    if isinstance(item, torch.Tensor):
        return True
    if isinstance(item, (list, tuple)) and item:
        return _is_numeric_row(item[0])
    return False


def batch_len(value: Any) -> int | None:
    """Number of rows in a batched field, or None for an empty mapping."""
    if isinstance(value, Mapping):
        for v in value.values():
            n = batch_len(v)
            if n is not None:
                return n
        return None
    return len(value)


def row_index(idx: Index) -> slice | torch.Tensor:
    """Normalise a row selection: a slice stays a slice; indices or a boolean mask become int64 (K,) rows."""
    if isinstance(idx, slice):
        return idx
    if isinstance(idx, torch.Tensor):
        if idx.dtype == torch.int64 and idx.ndim == 1:
            return idx
        rows = idx.reshape(-1)
        return torch.nonzero(rows).flatten() if rows.dtype == torch.bool else rows.long()
    arr = np.asarray(idx).reshape(-1)
    if arr.dtype == np.bool_:
        arr = np.flatnonzero(arr)
    return torch.from_numpy(arr.astype(np.int64, copy=False))


def index_field(value: Any, idx: Index) -> Any:
    """Select rows ``idx`` (indices, a boolean mask or a slice) of a batched field: a tensor, array, list, or
    dict of those."""
    idx = row_index(idx)
    if isinstance(value, Mapping):
        return {k: index_field(v, idx) for k, v in value.items()}
    if isinstance(idx, slice):
        return value[idx] if isinstance(value, (torch.Tensor, np.ndarray)) else list(value[idx])
    if isinstance(value, torch.Tensor):
        rows = idx if idx.device == value.device else idx.to(value.device)
        return torch.index_select(value, 0, rows)  # far cheaper than advanced indexing on (B, ...) tensors
    picks = idx.cpu().numpy()
    if isinstance(value, np.ndarray):
        return value.take(picks, axis=0)  # several times faster than value[picks] on (B, ...) arrays
    return [value[i] for i in picks.tolist()]


def stack_rows(rows: Sequence[Any]) -> Any:
    """Stack per-row values (dicts, arrays, numbers, strings) into one batched field."""
    if len(rows) == 0:
        return []
    first = rows[0]
    if isinstance(first, Mapping):
        keys = set().union(*(r.keys() for r in rows))
        return {k: stack_rows([r.get(k) for r in rows]) for k in keys}
    if isinstance(first, torch.Tensor):
        return torch.stack(list(rows))
    if _is_numeric_row(first) and all(r is not None for r in rows):
        try:
            return torch.as_tensor(np.asarray(rows))
        except (ValueError, TypeError):
            return list(rows)
    return list(rows)


def _cat_fields(parts: Sequence[Any]) -> Any:
    first = parts[0]
    if isinstance(first, Mapping):
        return {k: _cat_fields([p[k] for p in parts]) for k in first}
    if isinstance(first, torch.Tensor):
        return torch.cat(list(parts))
    if isinstance(first, np.ndarray):
        return np.concatenate(list(parts))
    out: list[Any] = []
    for p in parts:
        out.extend(p)
    return out


class _BatchMixin:
    """Shared row-selection / device logic for the dataclass batches."""

    _rows_field: str = ""
    _optional_row_fields: tuple[str, ...] = ()

    def __len__(self) -> int:
        n = batch_len(getattr(self, self._rows_field))
        return 0 if n is None else n

    @property
    def device(self) -> torch.device:
        """Device of the batch's numeric tensors (rewards are returned there)."""
        for f in fields(self):  # type: ignore[arg-type]
            v = getattr(self, f.name)
            if isinstance(v, torch.Tensor):
                return v.device
        return torch.device("cpu")

    def select(self, idx: Index):
        """Rows ``idx`` as a new batch of the same type (no copy of text)."""
        idx = row_index(idx)  # once for every field
        changes = {}
        for f in fields(self):  # type: ignore[arg-type]
            v = getattr(self, f.name)
            if v is None:
                continue
            if f.name == "infos" and isinstance(v, Mapping):
                changes[f.name] = {k: index_field(col, idx) for k, col in v.items()}
            else:
                changes[f.name] = index_field(v, idx)
        return replace(self, **changes)  # type: ignore[type-var]

    @classmethod
    def concat(cls, batches: Sequence[Any]):
        """Concatenate batches of the same type row-wise."""
        if not batches:
            raise ValueError("concat needs at least one batch")
        out = {}
        for f in fields(cls):  # type: ignore[arg-type]
            parts = [getattr(b, f.name) for b in batches]
            out[f.name] = None if any(p is None for p in parts) else _cat_fields(parts)
        return cls(**out)

    def info(self, key: str, dtype: torch.dtype | None = torch.float32) -> torch.Tensor:
        """Column ``key`` of ``infos`` as a (B, ...) tensor on the batch's device (``dtype=None``: as stored,
        zero-copy from NumPy on the CPU).

        Raises:
            RewardComputationError: when the column is missing (names the keys that exist).
        """
        infos = getattr(self, "infos")  # noqa: B009
        if key not in infos:
            raise RewardComputationError(
                f"this reward needs infos[{key!r}], but the batch's infos only have {sorted(infos)}; "
                "score transitions from an env that reports it (see the env's docstring)"
            )
        column = torch.as_tensor(to_tensor(infos[key]), dtype=dtype)
        device = self.device
        return column if column.device == device else column.to(device)


@dataclass(eq=False)
class Transitions(_BatchMixin):
    """A batch of ``B`` environment transitions ``(obs, action) -> (next_obs, env_reward, done)``.

    Attributes:
        obs: observations before the action: tensor (B, ...), list[str], or dict of those.
        action: actions: tensor (B, ...) or list[str] for text actions.
        next_obs: observations after the action, batched like ``obs``.
        env_reward: the environment's own reward, float32 (B,).
        terminated: bool (B,).
        truncated: bool (B,).
        infos: column-wise info dict: each value has B rows.
        group_ids: optional int64 (B,) — e.g. GRPO groups, or the sub-env index.
    """

    obs: Any
    action: Any
    next_obs: Any
    env_reward: torch.Tensor
    terminated: torch.Tensor
    truncated: torch.Tensor
    infos: dict[str, Any] = field(default_factory=dict)
    group_ids: torch.Tensor | None = None

    _rows_field = "env_reward"

    @property
    def device(self) -> torch.device:
        """Device of the batch's tensors (``env_reward`` is always a tensor)."""
        return self.env_reward.device

    def __len__(self) -> int:
        return self.env_reward.shape[0]

    def __post_init__(self) -> None:
        self.obs = to_tensor(self.obs)
        self.action = to_tensor(self.action)
        self.next_obs = to_tensor(self.next_obs)
        self.env_reward = torch.as_tensor(to_tensor(self.env_reward), dtype=torch.float32)
        dev = self.env_reward.device
        self.terminated = torch.as_tensor(to_tensor(self.terminated), dtype=torch.bool, device=dev)
        self.truncated = torch.as_tensor(to_tensor(self.truncated), dtype=torch.bool, device=dev)
        if self.group_ids is not None:
            self.group_ids = torch.as_tensor(to_tensor(self.group_ids), dtype=torch.int64, device=dev)
        if not isinstance(self.infos, Mapping):
            raise TypeError("Transitions.infos must be a column-wise dict; use Transitions.from_rows for row dicts")
        b = self.env_reward.shape[0] if self.env_reward.ndim else -1
        if self.env_reward.ndim != 1 or self.terminated.shape != (b,) or self.truncated.shape != (b,):
            raise ValueError(
                f"env_reward, terminated and truncated must all have shape (B,); got "
                f"{tuple(self.env_reward.shape)}, {tuple(self.terminated.shape)}, {tuple(self.truncated.shape)}"
            )

    @classmethod
    def from_rows(
        cls,
        *,
        obs: Sequence[Any],
        action: Sequence[Any],
        next_obs: Sequence[Any],
        env_reward: Sequence[float] | None = None,
        terminated: Sequence[bool] | None = None,
        truncated: Sequence[bool] | None = None,
        infos: Sequence[Mapping[str, Any]] | None = None,
        group_ids: Sequence[int] | None = None,
    ) -> Transitions:
        """Build a batch from per-row values (one entry per transition)."""
        n = len(obs)
        return cls(
            obs=stack_rows(obs),
            action=stack_rows(action),
            next_obs=stack_rows(next_obs),
            env_reward=torch.zeros(n) if env_reward is None else torch.as_tensor(env_reward, dtype=torch.float32),
            terminated=torch.zeros(n, dtype=torch.bool) if terminated is None else torch.as_tensor(terminated),
            truncated=torch.zeros(n, dtype=torch.bool) if truncated is None else torch.as_tensor(truncated),
            infos=stack_rows(list(infos)) if infos else {},
            group_ids=None if group_ids is None else torch.as_tensor(group_ids, dtype=torch.int64),
        )

    def to(self, device: torch.device | str) -> Transitions:
        """Copy with every tensor moved to ``device``."""

        def move(v: Any) -> Any:
            if isinstance(v, torch.Tensor):
                return v.to(device)
            if isinstance(v, Mapping):
                return {k: move(x) for k, x in v.items()}
            return v

        return Transitions(**{f.name: move(getattr(self, f.name)) for f in fields(self)})


@dataclass(eq=False)
class Episodes(_BatchMixin):
    """A batch of ``B`` finished episodes, scored by outcome (tests pass, judge verdict, final answer).

    Attributes:
        prompts: what the agent was asked (task text, question, goal), one per episode.
        completions: the agent's final output (answer, submitted code, last message), one per episode.
        infos: column-wise per-episode metadata (e.g. ``infos["tests"]``, ``infos["reference"]``).
        group_ids: optional int64 (B,): episodes sampled for the same prompt share an id (GRPO).
        env_returns: optional float32 (B,): the env's own undiscounted return.
        transcripts: optional per-episode list of turns (multi-turn envs).
    """

    prompts: list[Any]
    completions: list[Any]
    infos: dict[str, Any] = field(default_factory=dict)
    group_ids: torch.Tensor | None = None
    env_returns: torch.Tensor | None = None
    transcripts: list[Any] | None = None

    _rows_field = "completions"

    def __post_init__(self) -> None:
        self.prompts = list(self.prompts) if not isinstance(self.prompts, torch.Tensor) else self.prompts
        self.completions = (
            list(self.completions) if not isinstance(self.completions, torch.Tensor) else self.completions
        )
        if len(self.prompts) != len(self.completions):
            raise ValueError(
                f"prompts and completions must have the same length; got {len(self.prompts)} and "
                f"{len(self.completions)}"
            )
        if self.group_ids is not None:
            self.group_ids = torch.as_tensor(to_tensor(self.group_ids), dtype=torch.int64)
        if self.env_returns is not None:
            self.env_returns = torch.as_tensor(to_tensor(self.env_returns), dtype=torch.float32)
        if not isinstance(self.infos, Mapping):
            raise TypeError("Episodes.infos must be a column-wise dict of per-episode values")

    @classmethod
    def from_rows(
        cls,
        *,
        prompts: Sequence[Any],
        completions: Sequence[Any],
        infos: Sequence[Mapping[str, Any]] | None = None,
        group_ids: Sequence[int] | None = None,
        env_returns: Sequence[float] | None = None,
        transcripts: Sequence[Any] | None = None,
    ) -> Episodes:
        """Build a batch from per-episode values: every field in one call (one entry per episode).

        Args:
            prompts: what each episode asked.
            completions: each episode's final output.
            infos: one dict per episode; the keys become the column-wise ``infos`` (per-agent data of a
                multi-agent env, such as ``"agent"``, goes here, one row per agent).
            group_ids: episodes that share a prompt share an id.
            env_returns: each episode's undiscounted env return.
            transcripts: each episode's list of turns.

        Example:
            >>> ep = Episodes.from_rows(prompts=["2+2?"], completions=["4"], infos=[{"agent": "a"}],
            ...                         env_returns=[1.0], transcripts=[[{"text": "4"}]])
            >>> ep.infos["agent"], ep.env_returns.tolist(), len(ep.transcripts[0])
            (['a'], [1.0], 1)
        """
        n = len(completions)
        for name, value in (("infos", infos), ("group_ids", group_ids), ("env_returns", env_returns),
                            ("transcripts", transcripts)):
            if value is not None and len(value) != n:
                raise ValueError(f"Episodes.from_rows: {name} has {len(value)} rows, completions {n}")
        return cls(
            prompts=list(prompts),
            completions=list(completions),
            infos=stack_rows(list(infos)) if infos else {},
            group_ids=None if group_ids is None else torch.as_tensor(group_ids, dtype=torch.int64),
            env_returns=None if env_returns is None else torch.as_tensor(env_returns, dtype=torch.float32),
            transcripts=None if transcripts is None else [list(t) for t in transcripts],
        )

    def with_group_ids(self, group_ids: Sequence[int] | torch.Tensor) -> Episodes:
        """A copy whose ``group_ids`` are ``group_ids`` (one per row); the other fields are shared."""
        ids = torch.as_tensor(group_ids, dtype=torch.int64)
        if ids.shape != (len(self),):
            raise ValueError(f"with_group_ids needs {len(self)} ids, got shape {tuple(ids.shape)}")
        return replace(self, group_ids=ids)


Batch: TypeAlias = "Transitions | Episodes"
