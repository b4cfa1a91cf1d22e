"""Import every module that registers a built-in reward.

Each listed module may import only the core dependencies (torch, numpy, gymnasium) at import time;
heavy dependencies are imported inside the reward when it is built or called.
"""

from __future__ import annotations

import importlib

BUILTIN_REWARD_MODULES: tuple[str, ...] = (
    "rewardgym.envs.maze.rewards",
    "rewardgym.envs.code.rewards",
    "rewardgym.envs.web.rewards",
    "rewardgym.envs.dialogue.rewards",
    "rewardgym.rewards.judge.correctness",
    "rewardgym.rewards.judge.rubric",
    "rewardgym.envs.robotics.rewards.distance",
    "rewardgym.envs.robotics.rewards.object_goal",
    "rewardgym.envs.robotics.rewards.success",
    "rewardgym.envs.robotics.rewards.control_cost",
    "rewardgym.envs.robotics.rewards.smoothness",
    "rewardgym.envs.robotics.rewards.contact",
    "rewardgym.envs.robotics.rewards.defaults",
    "rewardgym.rewards.learned.preference",
    "rewardgym.rewards.verifiable.bleu",
)


def register_builtin_rewards() -> None:
    """Import each built-in reward module (idempotent)."""
    for module in BUILTIN_REWARD_MODULES:
        importlib.import_module(module)
