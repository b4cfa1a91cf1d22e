"""Experiment definitions for ``rewardgym reproduce``: which env, which reward variants, which budget.

An :class:`Experiment` trains ``baselines/ppo.py`` once per (variant, seed) with the same PPO settings and
the same env-step budget for every variant. A :class:`Variant` is either a fixed reward (a registered
name or spec dict, as ``rewardgym.wrap`` takes it) or a reward learned online from preferences
(:class:`PreferenceSettings`: the synthetic oracle's verifiable reward, the query budget, the model).

To add an experiment, build one and register it in :data:`EXPERIMENTS` (see ``docs/reproduce.md``).

Example:
    >>> exp = EXPERIMENTS["maze"]
    >>> [v.name for v in exp.variants]
    ['sparse', 'shaped', 'shaped-g1', 'preference', 'shaped-new-maze']
    >>> exp.settings(quick=True).total_timesteps < exp.settings(quick=False).total_timesteps
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["EXPERIMENTS", "Budget", "Experiment", "PreferenceSettings", "Variant", "maze_experiment"]


@dataclass(frozen=True)
class PreferenceSettings:
    """How the ``preference`` variant learns its reward (see ``rewardgym.rewards.learned``).

    Attributes:
        oracle_reward: the synthetic labeller's notion of "better" (a verifiable reward spec).
        noise: the labeller's label-flip probability.
        budget: preference queries allowed per run (each labelled pair counts as one).
        learner: extra :class:`~rewardgym.rewards.learned.PreferenceLearner` kwargs.
        model: extra :class:`~rewardgym.rewards.learned.RewardModelConfig` kwargs.
    """

    oracle_reward: Any
    noise: float = 0.0
    budget: int = 1000
    learner: dict[str, Any] = field(default_factory=dict)
    model: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Variant:
    """One row of the results table.

    Attributes:
        name: short id (``sparse``, ``shaped``, ...), used in file and run names.
        title: the row's label in the report.
        reward: the training reward (name / spec dict) — None when ``preference`` is set.
        preference: learn the reward online from preferences instead.
        log_terms: rewards logged next to the learned one (weight 0), e.g. the true task reward.
        env_kwargs: env kwargs of this variant only (merged over the experiment's; say why in its title).
        ppo: PPO overrides of this variant only (merged over the experiment's).
    """

    name: str
    title: str
    reward: Any = None
    preference: PreferenceSettings | None = None
    log_terms: tuple[str, ...] = ()
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    ppo: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Budget:
    """Steps, seeds, eval cadence and variants (None: all) of one mode (full or ``--quick``)."""

    total_timesteps: int
    seeds: int
    eval_every: int
    eval_episodes: int = 64
    variants: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Experiment:
    """A set of variants trained with one PPO configuration on one env.

    Attributes:
        name: the ``rewardgym reproduce <name>`` argument and the report's file stem.
        title: the report's heading.
        env_id: Gymnasium id.
        env_kwargs: env constructor kwargs (shared by every variant).
        ppo: :class:`PPOConfig` field overrides (shared by every variant).
        variants: the rows.
        full: the budget of a full run; ``quick``: the budget of ``--quick``.
        success_threshold: the report's "env steps to X% success" column.
        notes: lines added to the report (choices and why).
    """

    name: str
    title: str
    env_id: str
    env_kwargs: dict[str, Any]
    ppo: dict[str, Any]
    variants: tuple[Variant, ...]
    full: Budget
    quick: Budget
    success_threshold: float = 0.8
    notes: tuple[str, ...] = ()

    def settings(
        self, *, quick: bool, seeds: int | None = None, total_timesteps: int | None = None
    ) -> Budget:
        """The budget for a run, with optional overrides."""
        budget = self.quick if quick else self.full
        if seeds is not None:
            budget = replace(budget, seeds=int(seeds))
        if total_timesteps is not None:
            budget = replace(budget, total_timesteps=int(total_timesteps),
                             eval_every=min(budget.eval_every, max(1, int(total_timesteps) // 4)))
        return budget


def maze_experiment() -> Experiment:
    """PPO on ``rewardgym/Maze-v0`` (9×9): sparse goal reward, potential shaping, learned from preferences."""
    goal = "maze/goal-v0"
    shaped = {"sum": {goal: 1.0, "maze/distance-potential-v0": 1.0}}
    progress = {"reward": {"name": "maze/distance-potential-v0", "kwargs": {"gamma": 1.0}}}
    shaped_undiscounted = {"sum": [{"reward": goal}, {"reward": progress, "as": "progress"}]}
    # The synthetic labeller: a segment that reaches the goal wins; otherwise the one that gets closer wins.
    judge = {"sum": [{"reward": goal, "weight": 100.0}, {"reward": progress, "as": "progress"}]}
    return Experiment(
        name="maze",
        title="PPO on rewardgym/Maze-v0 (9×9): sparse, shaped and learned-from-preferences rewards",
        env_id="rewardgym/Maze-v0",
        env_kwargs={"size": 9, "fixed_maze": True},
        ppo={"num_envs": 64, "num_steps": 64, "learning_rate": 1e-3, "shared_reset_seed": True,
             "eval_seed_offset": 0},
        variants=(
            Variant("sparse", "sparse: goal reward", reward=goal),
            Variant("shaped", "shaped: goal + distance potential (γ = 0.99, the learner's)", reward=shaped),
            Variant("shaped-g1", "shaped: goal + distance potential (γ = 1)", reward=shaped_undiscounted),
            Variant(
                "preference",
                "learned: reward model from ≤ 1,000 synthetic preferences",
                preference=PreferenceSettings(
                    oracle_reward=judge, budget=1000,
                    learner={"segment_length": 8, "until_steps": 150_000, "recenter": True},
                ),
                log_terms=(goal,),
            ),
            Variant(
                "shaped-new-maze",
                "shaped (γ = 0.99), a new maze every episode (held-out eval mazes)",
                reward=shaped,
                env_kwargs={"fixed_maze": False},
                ppo={"shared_reset_seed": False, "eval_seed_offset": 1_000_003},
            ),
        ),
        full=Budget(total_timesteps=1_000_000, seeds=3, eval_every=25_000, eval_episodes=32),
        quick=Budget(total_timesteps=150_000, seeds=1, eval_every=25_000, eval_episodes=16,
                     variants=("sparse", "shaped", "preference")),
        notes=(
            "One maze per seed: `fixed_maze=True` and every training env reset with the same seed "
            "(`shared_reset_seed`), evaluated on that maze (`eval_seed_offset=0`); seeds 1-3 are 3 mazes. "
            "The last row keeps the env default (a new maze every episode) to show what the same agent does "
            "when it must generalise; see docs/reproduce.md.",
            "Learning rate 1e-3 for every row (CleanRL's 2.5e-4 stalled on the one-hot maze view; 2e-3 learned "
            "faster but lost converged policies for a while in some seeds).",
            "The learned reward's oracle prefers the segment that reaches the goal, else the one ending "
            "closer (`100·goal + progress`); the policy only ever sees the learned reward, re-centred on each "
            "rollout (`recenter`) so that a frozen model cannot pay the policy for idling.",
        ),
    )


EXPERIMENTS: dict[str, Experiment] = {"maze": maze_experiment()}
"""Experiments by name (``rewardgym reproduce <name>``)."""

# Experiments defined by other families, each in its own module (imported last: they build on this one).
from rewardgym.reproduce.reach import push_experiment, reach_experiment  # noqa: E402

EXPERIMENTS.update({"reach": reach_experiment(), "push": push_experiment()})
