"""LLM-synthesized reward code (Eureka / Auto MC-Reward / Language-to-Rewards style).

An LLM writes ``compute_reward(obs, action, next_obs, info)`` for a task described by the env's own
documented contract; candidates are statically checked (:mod:`.static`), run **only in the sandbox** on
recorded rollouts (:mod:`.executor`), scored by short PPO training (:mod:`.fitness`), and improved with
reward reflection over rounds (:mod:`.loop`). The best is saved and registered with provenance
(:mod:`.store`). ``rewardgym synthesize ENV_ID --task ... --samples K --iterations I --llm BACKEND`` runs it.

Example:
    >>> from rewardgym.rewards.synthesized import check_reward_source
    >>> check_reward_source("import os\\ndef compute_reward(o, a, n, i): return [], {}").ok
    False
"""

from rewardgym.rewards.synthesized.envspec import DEFAULT_TASKS, TaskSpec, describe_env
from rewardgym.rewards.synthesized.executor import ExecOutcome, RewardExecutor, SynthesizedReward
from rewardgym.rewards.synthesized.fitness import (
    AgreementFitness,
    FitnessEvaluator,
    FitnessResult,
    PPOFitness,
    SandboxRelabel,
)
from rewardgym.rewards.synthesized.loop import Candidate, RewardSynthesizer, SynthesisResult
from rewardgym.rewards.synthesized.prompts import extract_code, initial_messages, reflection
from rewardgym.rewards.synthesized.static import StaticReport, check_reward_source
from rewardgym.rewards.synthesized.store import (
    load_synthesized,
    register_synthesized,
    save_result,
    save_source,
)

__all__ = [
    "DEFAULT_TASKS",
    "AgreementFitness",
    "Candidate",
    "ExecOutcome",
    "FitnessEvaluator",
    "FitnessResult",
    "PPOFitness",
    "RewardExecutor",
    "RewardSynthesizer",
    "SandboxRelabel",
    "StaticReport",
    "SynthesisResult",
    "SynthesizedReward",
    "TaskSpec",
    "check_reward_source",
    "describe_env",
    "extract_code",
    "initial_messages",
    "load_synthesized",
    "reflection",
    "register_synthesized",
    "save_result",
    "save_source",
]
