"""Environment families: one sub-package per family, each declaring itself in its ``family`` module.

Registration reads those declarations (:mod:`rewardgym.family`); every Gymnasium id is registered with a
string entry point, so nothing heavy is imported: ``gymnasium.make("rewardgym/Maze-v0")``.
"""

from __future__ import annotations

__all__ = ["register_envs"]


def register_envs() -> None:
    """Register every family's Gymnasium envs (idempotent)."""
    from rewardgym.family import register_envs as _register

    _register()
