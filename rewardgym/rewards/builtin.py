"""Import every module that registers a built-in reward.

Each listed module may import only the core dependencies (torch, numpy, gymnasium) at import time;
heavy dependencies are imported inside the reward when it is built or called.
"""

from __future__ import annotations

import importlib

BUILTIN_REWARD_MODULES: tuple[str, ...] = (
    "rewardgym.envs.maze.rewards",
)


def register_builtin_rewards() -> None:
    """Import each built-in reward module (idempotent)."""
    for module in BUILTIN_REWARD_MODULES:
        importlib.import_module(module)
