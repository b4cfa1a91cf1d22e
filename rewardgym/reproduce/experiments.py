"""Experiment definitions for ``rewardgym reproduce``: which env, which reward variants, which budget.

An :class:`Experiment` trains ``baselines/ppo.py`` once per (variant, seed) with the same PPO settings and
the same env-step budget for every variant. A :class:`Variant` is either a fixed reward (a registered
name or spec dict, as ``rewardgym.wrap`` takes it) or a reward learned online from preferences
(:class:`PreferenceSettings`: the synthetic oracle's verifiable reward, the query budget, the model).

To add an experiment, build one and register it in :data:`EXPERIMENTS` (see ``docs/reproduce.md``).

Example:
    >>> exp = EXPERIMENTS["maze"]
    >>> [v.name for v in exp.variants]
    ['sparse', 'shaped', 'preference']
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
    """

    name: str
    title: str
    reward: Any = None
    preference: PreferenceSettings | None = None
    log_terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Budget:
    """Steps, seeds and evaluation cadence of one mode (full or ``--quick``)."""

    total_timesteps: int
    seeds: int
    eval_every: int
    eval_episodes: int = 64


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
    return Experiment(
        name="maze",
        title="PPO on rewardgym/Maze-v0 (9×9): sparse, shaped and learned-from-preferences rewards",
        env_id="rewardgym/Maze-v0",
        env_kwargs={"size": 9, "view_radius": 8},
        ppo={"num_envs": 64, "num_steps": 64, "learning_rate": 2e-3, "hidden_size": 64},
        variants=(
            Variant("sparse", "sparse: goal reward", reward=goal),
            Variant("shaped", "shaped: goal + distance-potential shaping", reward=shaped),
            Variant(
                "preference",
                "learned: reward model from synthetic preferences",
                preference=PreferenceSettings(oracle_reward=shaped, budget=1000),
                log_terms=(goal,),
            ),
        ),
        full=Budget(total_timesteps=1_000_000, seeds=3, eval_every=50_000),
        quick=Budget(total_timesteps=150_000, seeds=2, eval_every=25_000, eval_episodes=32),
        notes=(
            "Every variant uses the same PPO settings, env settings and env-step budget.",
        ),
    )


EXPERIMENTS: dict[str, Experiment] = {"maze": maze_experiment()}
"""Experiments by name (``rewardgym reproduce <name>``)."""

# Experiments defined by other families, each in its own module (imported last: they build on this one).
from rewardgym.reproduce.reach import push_experiment, reach_experiment  # noqa: E402

EXPERIMENTS.update({"reach": reach_experiment(), "push": push_experiment()})
