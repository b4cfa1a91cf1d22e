"""Fitness of candidate rewards: how well an agent trained on them does on the task's own success metric.

- :class:`PPOFitness` (the default): a short PPO run per candidate (``baselines/ppo.py``), in parallel
  worker processes; every rollout's rewards are computed by the candidate **in the sandbox**
  (:class:`SandboxRelabel`, one sandbox call per rollout) and the fitness is the final success rate on
  separate evaluation envs, averaged over seeds. Per-term means during training are kept for reflection.
- :class:`AgreementFitness`: a cheap stand-in for tests and quick screening: the Pearson correlation of
  the candidate's reward with a trusted reference reward on recorded transitions. No training.

Both follow :class:`FitnessEvaluator`: ``evaluate(sources, spec) -> list[FitnessResult]``; a failed
candidate gets ``fitness = NaN`` and an ``error`` for feedback.

Example:
    >>> fitness = AgreementFitness({"sum": {"maze/goal-v0": 1.0, "maze/distance-potential-v0": 1.0}})
    >>> fitness.name
    'agreement'
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import torch

from rewardgym.errors import RewardComputationError, RewardGymError
from rewardgym.rewards.synthesized.envspec import TaskSpec
from rewardgym.rewards.synthesized.executor import RewardExecutor
from rewardgym.rewards.synthesized.static import check_reward_source
from rewardgym.training import Callback, load_ppo
from rewardgym.types import Transitions

__all__ = [
    "AgreementFitness",
    "FitnessEvaluator",
    "FitnessResult",
    "PPOFitness",
    "SandboxRelabel",
    "load_ppo",
]


@dataclass
class FitnessResult:
    """How one candidate did.

    Attributes:
        fitness: the task's success metric after training (higher is better); NaN when it failed.
        curve: the success metric at each evaluation during training.
        train_terms: ``{term: [mean per logged rollout]}`` during training.
        error: why it failed (fed back to the LLM).
        wall_time_s: time spent on it.
    """

    fitness: float
    curve: list[float] = field(default_factory=list)
    train_terms: dict[str, list[float]] = field(default_factory=dict)
    error: str = ""
    wall_time_s: float = 0.0


@runtime_checkable
class FitnessEvaluator(Protocol):
    """Scores candidate reward sources on a task."""

    name: str

    def evaluate(self, sources: Sequence[str], spec: TaskSpec) -> list[FitnessResult]:
        """One result per source, in order."""
        ...


class SandboxRelabel(Callback):
    """PPO callback: replaces each rollout's rewards with the candidate's, computed in the sandbox.

    Args:
        source: the candidate's code.
        executor: evaluates it (in the sandbox).
        log_every: keep term means of every ``log_every``-th rollout (for reflection).
    """

    wants_infos = True
    queries = 0

    def __init__(self, source: str, executor: RewardExecutor, *, log_every: int = 1) -> None:
        self.source = source
        self.report = check_reward_source(source)
        self.executor = executor
        self.log_every = max(1, int(log_every))
        self.term_means: dict[str, list[float]] = {}
        self.calls = 0

    def on_train_start(self, config: Any, envs: Any) -> None:
        """Nothing to set up."""

    def on_train_end(self, result: Any) -> None:
        """Nothing to tear down."""

    def on_rollout_end(self, rollout: Any) -> dict[str, float]:
        """Compute the candidate's rewards for the (T, N) rollout and write them into ``rollout.rewards``."""
        t, n = rollout.rewards.shape

        def flat(x: torch.Tensor) -> torch.Tensor:
            return x.reshape(t * n, *x.shape[2:]).cpu()

        batch = Transitions(
            obs=flat(rollout.obs),
            action=flat(rollout.actions),
            next_obs=flat(rollout.next_obs),
            env_reward=flat(rollout.rewards),
            terminated=flat(rollout.terminated),
            truncated=flat(rollout.truncated),
            infos={k: flat(v) for k, v in rollout.infos.items()},
        )
        outcome = self.executor.run(self.source, batch, report=self.report)
        self.calls += 1
        if not outcome.ok or outcome.total is None:
            raise RewardComputationError(f"the candidate reward failed during training: {outcome.error}")
        rollout.rewards.copy_(outcome.total.reshape(t, n).to(rollout.rewards.device))
        valid = flat(rollout.valid)
        logs = {}
        for name, values in {"total": outcome.total, **outcome.terms}.items():
            mean = float(values[valid].mean()) if valid.any() else float("nan")
            logs[f"synthesized/{name}"] = mean
            if (self.calls - 1) % self.log_every == 0:
                self.term_means.setdefault(name, []).append(mean)
        return logs


def _ppo_job(job: dict[str, Any]) -> dict[str, Any]:
    """Train one (candidate, seed) pair; runs in a worker process. Never raises."""
    start = time.time()
    try:
        ppo = load_ppo()
        executor = RewardExecutor(job["sandbox"], timeout_s=job["timeout_s"], memory_mb=job["memory_mb"])
        callbacks = []
        if job["source"] is not None:
            callbacks.append(SandboxRelabel(job["source"], executor, log_every=job["log_every"]))
        config = ppo.PPOConfig(
            env_id=job["env_id"],
            env_kwargs=job["env_kwargs"],
            reward=job["reward"],
            seed=job["seed"],
            total_timesteps=job["total_timesteps"],
            log_dir=job["log_dir"],
            progress=False,
            **job["overrides"],
        )
        result = ppo.train(config, callbacks=callbacks)
        terms = callbacks[0].term_means if callbacks else {}
        return {
            "curve": list(result.eval_success),
            "final": result.final_success,
            "terms": terms,
            "wall": time.time() - start,
        }
    except Exception as exc:  # reported as the candidate's error, never lost
        return {"error": f"{type(exc).__name__}: {exc}", "wall": time.time() - start}


class PPOFitness:
    """Short PPO training per candidate; fitness = final success rate (mean over seeds).

    Args:
        total_timesteps: env steps per run.
        seeds: one run per seed.
        workers: parallel worker processes (1 = train in this process).
        ppo_overrides: extra :class:`PPOConfig` fields (``num_envs``, ``num_steps``, ``eval_every``...).
        sandbox: sandbox backend name for the reward evaluations.
        timeout_s: sandbox limit per rollout evaluation.
        memory_mb: sandbox memory per rollout evaluation.
        log_dir: TensorBoard root (None: no logs).
    """

    name = "ppo"

    def __init__(
        self,
        *,
        total_timesteps: int = 100_000,
        seeds: Sequence[int] = (1,),
        workers: int = 2,
        ppo_overrides: dict[str, Any] | None = None,
        sandbox: str = "auto",
        timeout_s: float = 30.0,
        memory_mb: int = 1024,
        log_dir: str | None = None,
    ) -> None:
        if total_timesteps < 1 or not seeds or workers < 1:
            raise RewardGymError("PPOFitness needs total_timesteps >= 1, at least one seed and workers >= 1")
        self.total_timesteps = int(total_timesteps)
        self.seeds = [int(s) for s in seeds]
        self.workers = int(workers)
        self.ppo_overrides = dict(ppo_overrides or {})
        self.sandbox = sandbox
        self.timeout_s = float(timeout_s)
        self.memory_mb = int(memory_mb)
        self.log_dir = log_dir

    def _jobs(
        self, sources: Sequence[str | None], spec: TaskSpec, reward: Any = None
    ) -> list[dict[str, Any]]:
        return [
            {
                "source": src,
                "seed": seed,
                "env_id": spec.env_id,
                "env_kwargs": dict(spec.env_kwargs),
                "reward": reward,
                "total_timesteps": self.total_timesteps,
                "overrides": self.ppo_overrides,
                "sandbox": self.sandbox,
                "timeout_s": self.timeout_s,
                "memory_mb": self.memory_mb,
                "log_dir": self.log_dir,
                "log_every": 1,
            }
            for src in sources
            for seed in self.seeds
        ]

    def _run(self, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.workers == 1 or len(jobs) == 1:
            return [_ppo_job(j) for j in jobs]
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(self.workers, len(jobs)), mp_context=ctx) as pool:
            return list(pool.map(_ppo_job, jobs))

    def _collect(self, outputs: list[dict[str, Any]], n: int) -> list[FitnessResult]:
        k = len(self.seeds)
        results = []
        for i in range(n):
            runs = outputs[i * k : (i + 1) * k]
            errors = [r["error"] for r in runs if "error" in r]
            wall = sum(r["wall"] for r in runs)
            if errors:
                results.append(FitnessResult(math.nan, error=errors[0], wall_time_s=wall))
                continue
            curves = [r["curve"] for r in runs]
            length = min(len(c) for c in curves)
            curve = [sum(c[j] for c in curves) / k for j in range(length)]
            results.append(
                FitnessResult(sum(r["final"] for r in runs) / k, curve, runs[0]["terms"], "", wall)
            )
        return results

    def evaluate(self, sources: Sequence[str], spec: TaskSpec) -> list[FitnessResult]:
        """Train one PPO agent per (source, seed) with the source's reward; see the class docstring."""
        return self._collect(self._run(self._jobs(list(sources), spec)), len(sources))

    def evaluate_reward(self, rewards: Sequence[Any], spec: TaskSpec) -> list[FitnessResult]:
        """The same training with trusted rewards (registered names / spec dicts), for baselines."""
        jobs = [j for r in rewards for j in self._jobs([None], spec, reward=r)]
        return self._collect(self._run(jobs), len(rewards))


class AgreementFitness:
    """Pearson correlation of a candidate's reward with a reference reward on recorded transitions.

    Cheap and deterministic (no training): for tests and quick screening. A constant reward scores 0.

    Args:
        reference: a registered reward name, spec dict or Reward: the signal a good reward should follow.
        n_steps: recorded transitions (random policy, seeded).
        seed: rollout seed.
        executor: runs the candidates in the sandbox (default: the shared ``"auto"`` sandbox).
    """

    name = "agreement"

    def __init__(
        self, reference: Any, *, n_steps: int = 1024, seed: int = 0, executor: RewardExecutor | None = None
    ) -> None:
        self.reference = reference
        self.n_steps = int(n_steps)
        self.seed = int(seed)
        self.executor = executor or RewardExecutor()
        self._cache: dict[str, tuple[Transitions, torch.Tensor]] = {}

    def _data(self, spec: TaskSpec) -> tuple[Transitions, torch.Tensor]:
        key = f"{spec.env_id}{sorted(spec.env_kwargs.items())}"
        if key not in self._cache:
            from rewardgym.rewards.spec import build_reward
            from rewardgym.rollout import collect_transitions

            batch = collect_transitions(
                spec.env_id, self.n_steps, seed=self.seed, env_kwargs=dict(spec.env_kwargs)
            )
            reference = build_reward(self.reference)(batch).double()
            self._cache[key] = (batch, reference)
        return self._cache[key]

    def evaluate(self, sources: Sequence[str], spec: TaskSpec) -> list[FitnessResult]:
        """Correlation with the reference for each source (run in the sandbox, concurrently)."""
        batch, ref = self._data(spec)
        start = time.time()
        outcomes = self.executor.run_many(list(sources), batch)
        results = []
        for out in outcomes:
            if not out.ok or out.total is None:
                results.append(FitnessResult(math.nan, error=out.error))
                continue
            x = out.total.double()
            if float(x.std()) == 0.0 or float(ref.std()) == 0.0:
                corr = 0.0
            else:
                corr = float(torch.corrcoef(torch.stack([x, ref]))[0, 1])
            terms = {k: [float(v.mean())] for k, v in out.terms.items()}
            results.append(FitnessResult(corr, [corr], terms, "", time.time() - start))
        return results
