"""Experiment definitions for ``rewardgym reproduce``: which env, which reward variants, which budget.

An :class:`Experiment` trains ``baselines/ppo.py`` once per (variant, seed) with the same PPO settings and
the same env-step budget for every variant. A :class:`Variant` is either a fixed reward (a registered
name or spec dict, as ``rewardgym.wrap`` takes it) or a reward learned online from preferences
(:class:`PreferenceSettings`: the synthetic oracle's verifiable reward, the query budget, the model).

A family declares its experiments in its ``Family(experiments=...)``; :data:`EXPERIMENTS` collects them
(see ``docs/reproduce.md``).

Example:
    >>> exp = EXPERIMENTS["maze"]
    >>> [v.name for v in exp.variants]
    ['sparse', 'shaped', 'shaped-g1', 'preference', 'shaped-new-maze']
    >>> exp.settings(quick=True).total_timesteps < exp.settings(quick=False).total_timesteps
    True
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from rewardgym.errors import FamilyError

__all__ = ["EXPERIMENTS", "Budget", "Experiment", "PreferenceSettings", "Variant"]


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


class _Experiments(Mapping[str, Experiment]):
    """Experiments by name, collected from every family's ``experiments`` on first use."""

    def __init__(self) -> None:
        self._loaded: dict[str, Experiment] | None = None
        self._extra: dict[str, Experiment] = {}

    def _all(self) -> dict[str, Experiment]:
        if self._loaded is None:
            from rewardgym.family import families, load_object

            loaded: dict[str, Experiment] = {}
            for fam in families().values():
                for ref in fam.experiments:
                    exp = load_object(ref)()
                    if not isinstance(exp, Experiment):
                        raise FamilyError(f"{fam.name}: {ref} returned {type(exp).__name__}, not an Experiment")
                    if exp.name in loaded:
                        raise FamilyError(f"two experiments are named {exp.name!r} (the second from {ref})")
                    loaded[exp.name] = exp
            self._loaded = loaded
        return {**self._loaded, **self._extra}

    def __getitem__(self, name: str) -> Experiment:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __setitem__(self, name: str, experiment: Experiment) -> None:
        """Add an experiment of your own (``EXPERIMENTS["mine"] = Experiment(...)``)."""
        self._extra[name] = experiment


EXPERIMENTS = _Experiments()
"""Experiments by name (``rewardgym reproduce <name>``), from every family's declaration."""
