"""rewardgym: Gymnasium-style environments with pluggable, composable rewards.

Importing ``rewardgym`` registers its environments (``rewardgym/<Name>-v<N>``) and its built-in rewards,
nothing else.

Example:
    >>> import gymnasium as gym
    >>> import rewardgym
    >>> env = rewardgym.wrap(gym.make("rewardgym/Maze-v0"), {"sum": {"maze/goal-v0": 1.0, "maze/step-cost-v0": 1.0}})
    >>> obs, info = env.reset(seed=0)
"""

from rewardgym.envs import register_envs as _register_envs
from rewardgym.errors import (
    DuplicateRewardError,
    EnvConfigError,
    InvalidActionError,
    MissingDependencyError,
    RewardComputationError,
    RewardGymError,
    RewardSpecError,
    SandboxError,
    UnknownRewardError,
)
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
from rewardgym.rewards.builtin import register_builtin_rewards as _register_builtin_rewards
from rewardgym.types import Episodes, Transitions

__version__ = "0.1.0"

_register_envs()
_register_builtin_rewards()

__all__ = [
    "Clip",
    "DuplicateRewardError",
    "EnvConfigError",
    "EpisodeRewardFn",
    "Episodes",
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
