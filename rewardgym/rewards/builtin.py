"""Import every module that registers a built-in reward: the core ones below, then every family's.

Each module may import only the core dependencies (torch, numpy, gymnasium) at import time; heavy
dependencies are imported inside the reward when it is built or called. A family's reward modules are
declared in its ``Family(rewards=...)`` (:mod:`rewardgym.family`), not here.
"""

from __future__ import annotations

import importlib

__all__ = ["CORE_REWARD_MODULES", "builtin_reward_modules", "register_builtin_rewards"]

CORE_REWARD_MODULES: tuple[str, ...] = (
    "rewardgym.rewards.judge.correctness",
    "rewardgym.rewards.judge.rubric",
    "rewardgym.rewards.learned.preference",
    "rewardgym.rewards.verifiable.bleu",
)
"""Rewards that belong to no env family (LLM judges, learned rewards, text metrics)."""


def builtin_reward_modules() -> tuple[str, ...]:
    """Every module whose import registers shipped rewards: the core ones, then each family's."""
    from rewardgym.family import families

    return CORE_REWARD_MODULES + tuple(m for f in families().values() for m in f.rewards)


def register_builtin_rewards() -> None:
    """Import each built-in reward module (idempotent); third-party family rewards that fail warn."""
    from rewardgym.family import load_rewards

    for module in CORE_REWARD_MODULES:
        importlib.import_module(module)
    load_rewards()
