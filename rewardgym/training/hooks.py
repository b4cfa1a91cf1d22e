"""The :class:`Rollout` / :class:`Callback` protocol between a trainer and the code that hooks into it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

__all__ = ["Callback", "Rollout"]


@dataclass
class Rollout:
    """One rollout of ``T`` steps from ``N`` envs, as callbacks see it (obs in the env's own dtype).

    Attributes:
        obs: ``(T, N, *obs_shape)`` observations.
        actions: ``(T, N, *act_shape)`` actions.
        next_obs: ``(T, N, *obs_shape)`` observations after each step.
        rewards: ``(T, N)`` training rewards; a callback may overwrite them.
        terminated: ``(T, N)`` bool.
        truncated: ``(T, N)`` bool.
        valid: ``(T, N)`` bool; False on the reset steps of ``NEXT_STEP`` autoreset (not real transitions:
            no reward, no loss).
        infos: numeric ``info`` columns, ``(T, N, ...)`` each (filled when a callback ``wants_infos``).
        global_step: env steps so far.
        iteration: rollouts so far.
    """

    obs: torch.Tensor
    actions: torch.Tensor
    next_obs: torch.Tensor
    rewards: torch.Tensor
    terminated: torch.Tensor
    truncated: torch.Tensor
    valid: torch.Tensor
    infos: dict[str, torch.Tensor]
    global_step: int
    iteration: int


class Callback:
    """Hooks into a trainer's ``train(config, callbacks)``; override what you need.

    Attributes:
        wants_infos: ask the trainer to collect numeric ``info`` columns into :attr:`Rollout.infos`.
    """

    wants_infos: bool = False

    def on_train_start(self, config: Any, envs: Any) -> None:
        """Called once, after the envs are built and reset."""

    def on_rollout_end(self, rollout: Rollout) -> dict[str, float] | None:
        """Called after every rollout, before advantages; may overwrite ``rollout.rewards``; returns metrics."""
        return None

    def on_train_end(self, result: Any) -> None:
        """Called once with the finished result."""
