"""Fixed-length trajectory segments: what a preference oracle compares and a reward model sums over.

A :class:`Segments` batch holds ``P`` segments of ``L`` consecutive steps of one env each, stored as
``(P, L, ...)`` tensors. ``valid`` marks real transitions: the reset step of Gymnasium's ``NEXT_STEP``
autoreset (the step that only restarts a finished episode) is kept for a fixed shape but is ignored by
every score (segment returns are sums over valid steps).

Example:
    >>> import torch
    >>> T, N = 8, 2
    >>> seg = Segments.from_rollout(
    ...     obs=torch.zeros(T, N, 3), actions=torch.zeros(T, N, dtype=torch.long),
    ...     next_obs=torch.zeros(T, N, 3), valid=torch.ones(T, N, dtype=torch.bool), length=4)
    >>> len(seg), seg.length, len(seg.transitions())
    (4, 4, 16)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import torch

from rewardgym.errors import RewardGymError
from rewardgym.types import Transitions

__all__ = ["Segments"]


def _flat(x: torch.Tensor | None) -> torch.Tensor:
    assert x is not None, "a Segments field that transitions() needs is missing"
    return x.reshape(x.shape[0] * x.shape[1], *x.shape[2:])


@dataclass(eq=False)
class Segments:
    """``P`` trajectory segments of ``L`` steps each.

    Attributes:
        obs: (P, L, *obs_shape) observations before each step.
        action: (P, L, *action_shape) actions.
        next_obs: (P, L, *obs_shape) observations after each step.
        valid: bool (P, L): real transitions (False on autoreset steps).
        env_reward: float32 (P, L): the env's own reward.
        terminated: bool (P, L).
        truncated: bool (P, L).
        infos: ``{key: (P, L, ...)}`` numeric info columns (what verifiable rewards read).
    """

    obs: torch.Tensor
    action: torch.Tensor
    next_obs: torch.Tensor
    valid: torch.Tensor
    env_reward: torch.Tensor | None = None
    terminated: torch.Tensor | None = None
    truncated: torch.Tensor | None = None
    infos: dict[str, torch.Tensor] = field(default_factory=dict)

    def __post_init__(self) -> None:
        p, length = self.valid.shape[:2] if self.valid.ndim == 2 else (-1, -1)
        if p < 0 or self.obs.shape[:2] != (p, length) or self.next_obs.shape[:2] != (p, length):
            raise RewardGymError(
                "Segments need obs/next_obs of shape (P, L, ...) and valid of shape (P, L); got obs "
                f"{tuple(self.obs.shape)}, next_obs {tuple(self.next_obs.shape)}, "
                f"valid {tuple(self.valid.shape)}"
            )
        zeros = torch.zeros(p, length, device=self.valid.device)
        if self.env_reward is None:
            self.env_reward = zeros
        if self.terminated is None:
            self.terminated = zeros.bool()
        if self.truncated is None:
            self.truncated = zeros.bool()

    def __len__(self) -> int:
        return int(self.valid.shape[0])

    @property
    def length(self) -> int:
        """Steps per segment (``L``)."""
        return int(self.valid.shape[1])

    @property
    def device(self) -> torch.device:
        return self.valid.device

    def select(self, idx: Sequence[int] | torch.Tensor) -> Segments:
        """Segments ``idx`` as a new batch."""
        index = torch.as_tensor(idx, dtype=torch.long, device=self.device)
        return self._map(lambda x: x[index])

    def to(self, device: torch.device | str) -> Segments:
        """Copy with every tensor on ``device``."""
        return self._map(lambda x: x.to(device))

    def _map(self, fn: Any) -> Segments:
        changes: dict[str, Any]
        changes = {f.name: fn(getattr(self, f.name)) for f in fields(self) if f.name != "infos"}
        changes["infos"] = {k: fn(v) for k, v in self.infos.items()}
        return replace(self, **changes)

    def transitions(self) -> Transitions:
        """All ``P·L`` steps as one :class:`~rewardgym.types.Transitions` batch (row ``p·L + t``)."""
        return Transitions(
            obs=_flat(self.obs),
            action=_flat(self.action),
            next_obs=_flat(self.next_obs),
            env_reward=_flat(self.env_reward).float(),
            terminated=_flat(self.terminated),
            truncated=_flat(self.truncated),
            infos={k: _flat(v) for k, v in self.infos.items()},
            group_ids=torch.arange(len(self), device=self.device).repeat_interleave(self.length),
        )

    def returns(self, per_step: torch.Tensor) -> torch.Tensor:
        """Sum a per-step value of shape (P·L,) or (..., P·L) over each segment's valid steps: (..., P)."""
        lead = per_step.shape[:-1]
        steps = per_step.reshape(*lead, len(self), self.length)
        return torch.where(self.valid, steps, torch.zeros_like(steps)).sum(-1)

    @classmethod
    def cat(cls, parts: Sequence[Segments]) -> Segments:
        """Concatenate batches (same ``L`` and info keys)."""
        if not parts:
            raise RewardGymError("Segments.cat needs at least one batch")
        keys = set.intersection(*(set(p.infos) for p in parts))
        out: dict[str, Any] = {
            f.name: torch.cat([getattr(p, f.name) for p in parts]) for f in fields(cls) if f.name != "infos"
        }
        out["infos"] = {k: torch.cat([p.infos[k] for p in parts]) for k in sorted(keys)}
        return cls(**out)

    @classmethod
    def from_rollout(
        cls,
        *,
        obs: torch.Tensor,
        actions: torch.Tensor,
        next_obs: torch.Tensor,
        valid: torch.Tensor,
        length: int,
        env_reward: torch.Tensor | None = None,
        terminated: torch.Tensor | None = None,
        truncated: torch.Tensor | None = None,
        infos: Mapping[str, torch.Tensor] | None = None,
        offset: int = 0,
    ) -> Segments:
        """Cut a (T, N, ...) rollout into non-overlapping segments of ``length`` steps per env.

        Windows start at ``offset, offset + length, ...``; a window that would pass ``T`` is dropped, and
        windows with no valid step are skipped.
        """
        T, N = valid.shape[:2]
        if length < 1 or length > T:
            raise RewardGymError(f"segment length must be in [1, T={T}], got {length}")
        first = offset % length if offset % length + length <= T else 0
        starts = list(range(first, T - length + 1, length))

        def cut(x: torch.Tensor | None) -> torch.Tensor | None:
            if x is None:
                return None
            # (T, N, ...) -> (W, L, N, ...) -> (W, N, L, ...) -> (W·N, L, ...)
            win = torch.stack([x[s:s + length] for s in starts])
            win = win.transpose(1, 2)
            return win.reshape(len(starts) * N, length, *x.shape[2:])

        seg = cls(
            obs=cut(obs), action=cut(actions), next_obs=cut(next_obs), valid=cut(valid),  # type: ignore[arg-type]
            env_reward=cut(env_reward), terminated=cut(terminated), truncated=cut(truncated),
            infos={k: cut(v) for k, v in (infos or {}).items()},  # type: ignore[misc]
        )
        keep = seg.valid.any(-1)
        return seg if bool(keep.all()) else seg.select(torch.nonzero(keep).flatten())
