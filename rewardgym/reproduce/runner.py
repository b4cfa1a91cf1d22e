"""Run an :class:`~rewardgym.reproduce.experiments.Experiment`: every (variant, seed) in parallel processes.

Each run is one call of ``train()`` from the source tree's ``baselines/ppo.py`` (loaded by
:func:`rewardgym.training.load_baseline`, so ``rewardgym reproduce`` needs a source checkout), in its own
process with one torch thread. Runs report their env steps to the parent, which shows one progress bar for
the whole experiment.

Example:
    >>> from rewardgym.reproduce.experiments import EXPERIMENTS
    >>> specs = run_specs(EXPERIMENTS["maze"], quick=True, out_dir="/tmp/rg-doc")
    >>> sorted({s["variant"] for s in specs})
    ['preference', 'shaped', 'sparse']
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rewardgym.errors import RewardGymError
from rewardgym.reproduce.experiments import EXPERIMENTS, Experiment, Variant
from rewardgym.training import Callback, load_ppo

__all__ = ["load_ppo", "run_experiment", "run_one", "run_specs"]

def run_specs(
    experiment: Experiment,
    *,
    quick: bool,
    out_dir: str | Path,
    seeds: int | None = None,
    total_timesteps: int | None = None,
    variants: list[str] | None = None,
) -> list[dict[str, Any]]:
    """One plain-data spec per (variant, seed), in the order they are run."""
    budget = experiment.settings(quick=quick, seeds=seeds, total_timesteps=total_timesteps)
    if variants is None and budget.variants is not None:
        variants = list(budget.variants)
    chosen = [v for v in experiment.variants if variants is None or v.name in variants]
    if variants is not None and len(chosen) != len(set(variants)):
        known = [v.name for v in experiment.variants]
        raise RewardGymError(f"unknown variant(s) in {variants}; {experiment.name} has {known}")
    specs = []
    for seed in range(1, budget.seeds + 1):
        for v in chosen:
            specs.append({
                "experiment": experiment.name,
                "variant": v.name,
                "seed": seed,
                "out_dir": str(out_dir),
                "ppo": {
                    **experiment.ppo,
                    **v.ppo,
                    "env_id": experiment.env_id,
                    "env_kwargs": {**experiment.env_kwargs, **v.env_kwargs},
                    "seed": seed,
                    "total_timesteps": budget.total_timesteps,
                    "eval_every": budget.eval_every,
                    "eval_episodes": budget.eval_episodes,
                    "log_dir": str(Path(out_dir) / "runs"),
                    "run_name": f"{experiment.name}-{v.name}-s{seed}",
                    "progress": False,
                },
            })
    return specs


def _variant(spec: dict[str, Any]) -> Variant:
    exp = EXPERIMENTS[spec["experiment"]]
    return next(v for v in exp.variants if v.name == spec["variant"])


class _Progress(Callback):
    """Callback that sends (run, env steps) to the parent process."""

    def __init__(self, channel: Any, key: str) -> None:
        self.channel, self.key, self.last = channel, key, 0

    def on_rollout_end(self, rollout: Any) -> None:
        if self.channel is not None:
            self.channel.put((self.key, rollout.global_step - self.last))
        self.last = rollout.global_step


def run_one(spec: dict[str, Any], channel: Any = None) -> dict[str, Any]:
    """Train one (variant, seed) and return its result as plain data (runs in a worker process)."""
    import gymnasium as gym
    import torch

    import rewardgym

    torch.set_num_threads(1)
    ppo = load_ppo()
    variant = _variant(spec)
    config = ppo.PPOConfig(**spec["ppo"])
    callbacks: list[Any] = [_Progress(channel, f"{variant.name}-s{spec['seed']}")]
    model_path = None
    if variant.preference is not None:
        from rewardgym.rewards.compose import WeightedSum
        from rewardgym.rewards.learned import (
            PreferenceLearner,
            PreferenceReward,
            RewardEnsemble,
            RewardModelConfig,
            SyntheticOracle,
        )

        pref = variant.preference
        probe = gym.make(config.env_id, **config.env_kwargs)
        model_cfg = RewardModelConfig.from_spaces(probe.observation_space, probe.action_space,
                                                  **{"seed": config.seed, **pref.model})
        probe.close()
        model = RewardEnsemble(model_cfg)
        oracle = SyntheticOracle(pref.oracle_reward, noise=pref.noise, seed=config.seed)
        learner = PreferenceLearner(model, oracle, budget=pref.budget, seed=config.seed, **pref.learner)
        terms: dict[str, Any] = {"learned": PreferenceReward(model)}
        terms.update({name: rewardgym.make_reward(name) for name in variant.log_terms})
        config.reward = WeightedSum(terms, weights={name: 0.0 for name in variant.log_terms})
        callbacks.insert(0, learner)
    else:
        config.reward = variant.reward
    result = ppo.train(config, callbacks)
    if variant.preference is not None:
        model_path = str(Path(config.log_dir or spec["out_dir"]) / str(config.run_name) / "reward_model.pt")
        model.save(model_path)
        assert oracle.queries == learner.queries
    out = result.to_dict()
    out.update({
        "variant": variant.name,
        "seed": spec["seed"],
        "reward": variant.reward if variant.preference is None else "learned/preference-v0",
        "preference": asdict(variant.preference) if variant.preference else None,
        "model_path": model_path,
    })
    return out


def run_experiment(
    experiment: Experiment | str,
    *,
    quick: bool = False,
    out_dir: str | Path,
    seeds: int | None = None,
    total_timesteps: int | None = None,
    variants: list[str] | None = None,
    jobs: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Run every (variant, seed) of ``experiment``; returns ``{"experiment", "runs", "wall_time_s", ...}``.

    Args:
        experiment: an :class:`Experiment` or a name in :data:`EXPERIMENTS`.
        quick: use the experiment's quick budget.
        out_dir: where TensorBoard logs and learned reward models go (``runs/<run>/``).
        seeds, total_timesteps: override the budget.
        variants: run only these variants.
        jobs: parallel processes (default: the CPU count, at most the number of runs).
        progress: show a progress bar of all env steps.
    """
    if isinstance(experiment, str):
        if experiment not in EXPERIMENTS:
            raise RewardGymError(f"unknown experiment {experiment!r}; expected one of {sorted(EXPERIMENTS)}")
        experiment = EXPERIMENTS[experiment]
    load_ppo()  # fail early, in the parent, without a source checkout
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    specs = run_specs(experiment, quick=quick, out_dir=out, seeds=seeds, total_timesteps=total_timesteps,
                      variants=variants)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(specs)))
    total = sum(s["ppo"]["total_timesteps"] for s in specs)
    start = time.time()
    ctx = mp.get_context("spawn")
    results: list[dict[str, Any]] = []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc=f"reproduce {experiment.name}", unit="step", unit_scale=True)
    with ctx.Manager() as manager, ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        channel = manager.Queue()
        pending = {pool.submit(run_one, s, channel) for s in specs}
        while pending:
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for fut in done:
                results.append(fut.result())
            _drain(channel, bar)
        _drain(channel, bar)
    if bar is not None:
        bar.close()
    order = {(s["variant"], s["seed"]): i for i, s in enumerate(specs)}
    results.sort(key=lambda r: order[(r["variant"], r["seed"])])
    return {
        "experiment": experiment.name,
        "quick": quick,
        "budget": asdict(experiment.settings(quick=quick, seeds=seeds, total_timesteps=total_timesteps)),
        "jobs": jobs,
        "wall_time_s": time.time() - start,
        "runs": results,
    }


def _drain(channel: Any, bar: Any) -> None:
    while True:
        try:
            _, steps = channel.get_nowait()
        except queue.Empty:
            return
        if bar is not None:
            bar.update(steps)
