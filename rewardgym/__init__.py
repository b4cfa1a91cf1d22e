"""rewardgym: Gymnasium-style environments with pluggable, composable rewards.

Importing ``rewardgym`` registers its environments (``rewardgym/<Name>-v<N>``, read from each family's
declaration, see :mod:`rewardgym.family`) and nothing else; the reward API (and torch) loads on first use,
which registers the built-in rewards.

Example:
    >>> import gymnasium as gym
    >>> import rewardgym
    >>> env = rewardgym.wrap(gym.make("rewardgym/Maze-v0"), {"sum": {"maze/goal-v0": 1.0, "maze/step-cost-v0": 1.0}})
    >>> obs, info = env.reset(seed=0)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from rewardgym.envs import register_envs as _register_envs
from rewardgym.errors import (
    DuplicateRewardError,
    EnvConfigError,
    FamilyError,
    InvalidActionError,
    MissingDependencyError,
    RewardComputationError,
    RewardGymError,
    RewardSpecError,
    SandboxError,
    UnknownRewardError,
)

if TYPE_CHECKING:
    from rewardgym.rewards import (
        Clip,
        EpisodeRewardFn,
        FunctionReward,
        Gate,
        Normalize,
        PotentialFn,
        Reward,
        RewardFn,
        RewardWrapper,
        Shaping,
        VectorRewardWrapper,
        WeightedSum,
        as_reward,
        build_reward,
        list_rewards,
        load_reward_spec,
        make_reward,
        register_reward,
        reward_fn,
        reward_registry,
        wrap,
    )
    from rewardgym.types import Episodes, Transitions

__version__ = "0.1.0"

_register_envs()

_LAZY = {"Episodes": "rewardgym.types", "Transitions": "rewardgym.types"}
_REWARD_API = {
    "Clip", "EpisodeRewardFn", "FunctionReward", "Gate", "Normalize", "PotentialFn", "Reward", "RewardFn",
    "RewardWrapper", "Shaping", "VectorRewardWrapper", "WeightedSum", "as_reward", "build_reward",
    "list_rewards", "load_reward_spec", "make_reward", "register_reward", "reward_fn", "reward_registry", "wrap",
}


def __getattr__(name: str) -> Any:
    """Load the reward API (and torch) on first use, so ``import rewardgym`` stays light."""
    if name in _REWARD_API:
        module = "rewardgym.rewards"
    elif name in _LAZY:
        module = _LAZY[name]
    else:
        try:
            return importlib.import_module(f"rewardgym.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"rewardgym.{name}":
                raise
            raise AttributeError(f"module 'rewardgym' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | _REWARD_API | set(_LAZY))


__all__ = [
    "Clip",
    "DuplicateRewardError",
    "EnvConfigError",
    "EpisodeRewardFn",
    "Episodes",
    "FamilyError",
    "FunctionReward",
    "Gate",
    "InvalidActionError",
    "MissingDependencyError",
    "Normalize",
    "PotentialFn",
    "Reward",
    "RewardComputationError",
    "RewardFn",
    "RewardGymError",
    "RewardSpecError",
    "RewardWrapper",
    "SandboxError",
    "Shaping",
    "Transitions",
    "UnknownRewardError",
    "VectorRewardWrapper",
    "WeightedSum",
    "as_reward",
    "build_reward",
    "list_rewards",
    "load_reward_spec",
    "make_reward",
    "register_reward",
    "reward_fn",
    "reward_registry",
    "wrap",
]
