"""Reward functions: base classes, registry, composition, spec parsing and env wrappers.

Families: ``verifiable/`` (computed from state or by running tests), ``learned/`` (reward models trained
from preferences), ``synthesized/`` (LLM-written reward code), ``judge/`` (LLM-as-judge), ``shaping``.

Importing this package registers the built-in rewards (the core ones and every family's).
"""

from rewardgym.rewards import builtin as _builtin  # registers the built-in rewards at the end of this file
from rewardgym.rewards.base import EpisodeRewardFn, FunctionReward, Reward, RewardFn, as_reward, reward_fn
from rewardgym.rewards.compose import Clip, Gate, Normalize, PotentialFn, Shaping, WeightedSum
from rewardgym.rewards.registry import list_rewards, make_reward, register_reward, reward_registry
from rewardgym.rewards.spec import build_reward, load_reward_spec
from rewardgym.rewards.wrappers import RewardWrapper, VectorRewardWrapper, wrap

__all__ = [
    "Clip",
    "EpisodeRewardFn",
    "FunctionReward",
    "Gate",
    "Normalize",
    "PotentialFn",
    "Reward",
    "RewardFn",
    "RewardWrapper",
    "Shaping",
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

_builtin.register_builtin_rewards()
