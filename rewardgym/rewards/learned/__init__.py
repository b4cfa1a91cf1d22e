"""Learned rewards: reward models trained from pairwise preferences over trajectory segments.

- :class:`RewardEnsemble` / :class:`RewardModelConfig`: Bradley–Terry reward networks, an ensemble whose
  disagreement picks the pairs worth asking about; save/load with the config.
- :class:`PreferenceOracle`: who labels pairs — :class:`SyntheticOracle` (a verifiable reward, optional
  noise) or :class:`TextOracle` (a human or an LLM, through text prompts).
- :class:`PreferenceLearner`: the online loop, as a training callback (collect segments, query, refit,
  relabel).
- ``learned/preference-v0`` (:class:`PreferenceReward`): a saved or live model as a registered reward.

Example:
    >>> import gymnasium as gym, rewardgym
    >>> from rewardgym.rewards.learned import (
    ...     PreferenceLearner, RewardEnsemble, RewardModelConfig, SyntheticOracle)
    >>> grid = gym.spaces.Box(0, 3, (9, 9), dtype="uint8")
    >>> cfg = RewardModelConfig.from_spaces(grid, gym.spaces.Discrete(4))
    >>> model = RewardEnsemble(cfg)
    >>> oracle = SyntheticOracle({"sum": {"maze/goal-v0": 1.0, "maze/distance-potential-v0": 1.0}})
    >>> learner = PreferenceLearner(model, oracle, budget=1000)   # pass to baselines/ppo.py's train()
    >>> reward = rewardgym.make_reward("learned/preference-v0", model=model)  # what the policy is trained on
"""

from rewardgym.rewards.learned.model import RewardEnsemble, RewardModelConfig
from rewardgym.rewards.learned.online import PreferenceLearner
from rewardgym.rewards.learned.oracle import (
    PreferenceOracle,
    SyntheticOracle,
    TextOracle,
    render_grid_segment,
)
from rewardgym.rewards.learned.preference import PreferenceReward, preference_reward
from rewardgym.rewards.learned.segments import Segments

__all__ = [
    "PreferenceLearner",
    "PreferenceOracle",
    "PreferenceReward",
    "RewardEnsemble",
    "RewardModelConfig",
    "Segments",
    "SyntheticOracle",
    "TextOracle",
    "preference_reward",
    "render_grid_segment",
]
