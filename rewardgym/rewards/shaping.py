"""Potential-based reward shaping (Ng, Harada & Russell, 1999).

``F(s, s') = γ·Φ(s') − Φ(s)`` added to any reward leaves the set of optimal policies unchanged, provided
``Φ(terminal) = 0``. :class:`Shaping` implements exactly that: ``Φ(s')`` is taken as 0 on terminated rows
(truncation is not termination, so ``Φ(s')`` is kept there).

A potential is a :class:`PotentialFn`: it returns ``(Φ(s), Φ(s'))`` for a batch of transitions.

Example:
    >>> import torch
    >>> from rewardgym.types import Transitions
    >>> class NegX(PotentialFn):
    ...     def potentials(self, batch):
    ...         return -batch.obs.float(), -batch.next_obs.float()
    >>> batch = Transitions.from_rows(obs=[3, 1], action=[0, 0], next_obs=[2, 0], terminated=[False, True])
    >>> Shaping(NegX(), gamma=1.0)(batch).tolist()
    [1.0, 1.0]
"""

from __future__ import annotations

from typing import Any

import torch

from rewardgym.errors import RewardSpecError
from rewardgym.rewards.base import RewardFn

__all__ = ["PotentialFn", "Shaping"]


class PotentialFn:
    """A state potential Φ. Implement :meth:`potentials`."""

    name: str = ""

    def potentials(self, batch: Any) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(Φ(s), Φ(s'))``, each float (B,), for the transitions in ``batch``."""
        raise NotImplementedError


class Shaping(RewardFn):
    """The shaping term ``γ·Φ(s')·(1 − terminated) − Φ(s)`` as a reward.

    Args:
        potential: the potential Φ.
        gamma: the discount the agent optimises (use the same γ as the learner for exact invariance).
    """

    def __init__(self, potential: PotentialFn, *, gamma: float = 0.99) -> None:
        if not isinstance(potential, PotentialFn):
            raise RewardSpecError(f"Shaping needs a PotentialFn, got {type(potential).__name__}")
        if not 0.0 <= float(gamma) <= 1.0:
            raise RewardSpecError(f"Shaping gamma must be in [0, 1], got {gamma}")
        self.potential = potential
        self.gamma = float(gamma)
        self.__doc__ = potential.__doc__ or self.__doc__

    def score(self, batch: Any) -> torch.Tensor:
        phi_s, phi_next = self.potential.potentials(batch)
        terminated = batch.terminated
        if terminated.device != phi_next.device:
            terminated = terminated.to(phi_next.device)
        shaped = phi_next.masked_fill(terminated, 0.0).float()  # Φ(terminal) = 0; a new tensor, safe to modify
        if self.gamma != 1.0:
            shaped.mul_(self.gamma)
        return shaped.sub_(phi_s)
