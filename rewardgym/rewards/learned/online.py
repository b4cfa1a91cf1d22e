"""Learn the reward from preferences while the policy trains (Christiano et al. 2017, PEBBLE-style).

:class:`PreferenceLearner` is a training callback (``baselines/ppo.py`` calls ``on_rollout_end`` after
every rollout). Each rollout is cut into segments that join a pool of recent segments. On a query round
it samples candidate pairs from the pool, keeps the ones the reward ensemble disagrees on most, asks the
oracle, refits the ensemble on every label so far, recalibrates it, and relabels the rollout's rewards
with the refitted model. Queries stop when the ``budget`` is spent; every pair sent to the oracle counts.

Example:
    >>> import gymnasium as gym
    >>> from rewardgym.rewards.learned import RewardEnsemble, RewardModelConfig, SyntheticOracle
    >>> grid = gym.spaces.Box(0, 3, (5, 5), dtype="uint8")
    >>> cfg = RewardModelConfig.from_spaces(grid, gym.spaces.Discrete(4))
    >>> learner = PreferenceLearner(RewardEnsemble(cfg), SyntheticOracle(lambda b: b.env_reward), budget=100)
    >>> learner.queries
    0
"""

from __future__ import annotations

import math
from typing import Any

import torch

from rewardgym.errors import RewardSpecError
from rewardgym.rewards.learned.model import RewardEnsemble
from rewardgym.rewards.learned.oracle import PreferenceOracle
from rewardgym.rewards.learned.segments import Segments
from rewardgym.training import Callback

__all__ = ["PreferenceLearner"]


class PreferenceLearner(Callback):
    """Online preference-based reward learning as a training callback.

    Args:
        model: the reward ensemble the policy is trained on (updated in place).
        oracle: who labels pairs (a :class:`~rewardgym.rewards.learned.oracle.PreferenceOracle`).
        budget: total number of pairs the oracle may be asked.
        segment_length: steps per segment.
        first_round: pairs asked after the first rollout (the rest is spread evenly over later rounds).
        every: a query round every ``every`` rollouts ...
        until: ... during the first ``until`` fraction of training ...
        until_steps: ... or during the first ``until_steps`` env steps, if given (overrides ``until``).
        candidates: sample ``candidates × n`` random pairs and ask about the ``n`` most disputed
            (1 = uniform sampling).
        pool_size: segments kept to draw pairs from (the most recent ones).
        fit_steps: gradient steps per member per round; ``fit_batch``, ``lr``: its minibatch and step size.
        relabel: overwrite each rollout's rewards with the current model (off: keep the env wrapper's).
        recenter: after relabelling, shift the model so its mean reward on this rollout is 0 (the policy's
            average step earns nothing, so staying above average pays — a frozen model's constant offset
            cannot pay the policy for idling; only with a model calibrated with ``shift="mean"``).
        seed: seeds pair sampling and fitting.
    """

    wants_infos = True

    def __init__(
        self,
        model: RewardEnsemble,
        oracle: PreferenceOracle,
        *,
        budget: int = 1000,
        segment_length: int = 16,
        first_round: int = 200,
        every: int = 4,
        until: float = 0.5,
        until_steps: int | None = None,
        candidates: int = 8,
        pool_size: int = 8192,
        fit_steps: int = 300,
        fit_batch: int = 64,
        lr: float = 1e-3,
        relabel: bool = True,
        recenter: bool = False,
        seed: int = 0,
    ) -> None:
        if budget < 1 or segment_length < 1 or every < 1 or candidates < 1 or not 0 < until <= 1:
            raise RewardSpecError(
                "PreferenceLearner needs budget, segment_length, every, candidates >= 1 and 0 < until <= 1; "
                f"got {budget}, {segment_length}, {every}, {candidates}, {until}"
            )
        if not isinstance(oracle, PreferenceOracle):
            raise RewardSpecError(f"oracle must implement PreferenceOracle (label, queries), got {oracle!r}")
        self.model, self.oracle = model, oracle
        self.budget, self.segment_length = int(budget), int(segment_length)
        self.first_round, self.every, self.until = int(first_round), int(every), float(until)
        self.until_steps = None if until_steps is None else int(until_steps)
        self.batch = 0
        self.candidates, self.pool_size = int(candidates), int(pool_size)
        self.fit_kwargs: dict[str, Any] = {"steps": fit_steps, "batch_size": fit_batch, "lr": lr}
        self.relabel, self.recenter, self.seed = relabel, recenter, seed
        self.generator = torch.Generator().manual_seed(seed)
        self.pool: Segments | None = None
        self.left: Segments | None = None
        self.right: Segments | None = None
        self.labels = torch.zeros(0)
        self.queries = 0
        self.num_iterations = 0
        self.history: list[dict[str, float]] = []

    # -- callback hooks -------------------------------------------------------------------------------
    def on_train_start(self, config: Any, envs: Any) -> None:
        self.batch = int(config.num_envs) * int(config.num_steps)
        self.num_iterations = max(1, int(config.total_timesteps) // self.batch)

    def on_rollout_end(self, rollout: Any) -> dict[str, float]:
        seg = Segments.from_rollout(
            obs=rollout.obs, actions=rollout.actions, next_obs=rollout.next_obs, valid=rollout.valid,
            length=min(self.segment_length, rollout.valid.shape[0]),
            env_reward=rollout.infos.get("env_reward", rollout.rewards).float().clone(),
            terminated=rollout.terminated, truncated=rollout.truncated, infos=rollout.infos,
            offset=int(torch.randint(self.segment_length, (1,), generator=self.generator)),
        ).to("cpu")
        self._add_to_pool(seg)
        logs: dict[str, float] = {}
        n = self._due(rollout.iteration)
        if n > 0:
            logs.update(self.query_and_fit(n))
        if self.relabel and self.model.updates > 0:
            with torch.no_grad():
                flat = [x.reshape(-1, *x.shape[2:]) for x in (rollout.obs, rollout.actions, rollout.next_obs)]
                r = self.model(*flat).reshape(rollout.rewards.shape).to(rollout.rewards)
                if self.recenter and bool(rollout.valid.any()):
                    offset = r[rollout.valid].mean()
                    r = r - offset
                    self.model.reward_shift += offset.to(self.model.reward_shift) * self.model.reward_std
                    logs["preferences/shift"] = float(self.model.reward_shift)
            rollout.rewards.copy_(torch.where(rollout.valid, r, torch.zeros_like(r)))
        logs["preferences/queries"] = float(self.queries)
        return logs

    def on_train_end(self, result: Any) -> None:
        """Nothing to finish: the model is already trained in place."""

    # -- the loop ---------------------------------------------------------------------------------------
    def _due(self, iteration: int) -> int:
        left = self.budget - self.queries
        if left <= 0:
            return 0
        if iteration == 1 or self.model.updates == 0:
            return min(left, max(self.first_round, 1))
        if self.until_steps is not None and self.batch:
            last = max(1, self.until_steps // self.batch)
        else:
            last = max(1, int(self.until * self.num_iterations)) if self.num_iterations else 0
        if (iteration - 1) % self.every or iteration > last:
            return 0
        rounds_left = (last - iteration) // self.every + 1
        return min(left, math.ceil(left / max(rounds_left, 1)))

    def _add_to_pool(self, seg: Segments) -> None:
        pool = seg if self.pool is None else Segments.cat([self.pool, seg])
        if len(pool) > self.pool_size:
            pool = pool.select(torch.arange(len(pool) - self.pool_size, len(pool)))
        self.pool = pool

    def select_pairs(self, n: int) -> tuple[Segments, Segments]:
        """``n`` pairs from the pool: the most disputed of ``candidates × n`` random ones."""
        assert self.pool is not None
        m = len(self.pool)
        k = n * self.candidates if self.model.config.members > 1 and self.model.updates > 0 else n
        a = torch.randint(m, (k,), generator=self.generator)
        b = (a + 1 + torch.randint(max(m - 1, 1), (k,), generator=self.generator)) % m
        if k > n:
            score = self.model.disagreement(self.pool.select(a), self.pool.select(b)).cpu()
            top = torch.topk(score, n).indices
            a, b = a[top], b[top]
        return self.pool.select(a), self.pool.select(b)

    def query_and_fit(self, n: int) -> dict[str, float]:
        """Ask the oracle about ``n`` pairs, add the answers, refit and recalibrate the model."""
        left, right = self.select_pairs(n)
        labels = self.oracle.label(left, right).float().cpu()
        self.queries += n
        ok = ~torch.isnan(labels)
        if bool(ok.any()):
            idx = torch.nonzero(ok).flatten()
            left, right, labels = left.select(idx), right.select(idx), labels[idx]
            keep = lambda s: Segments(s.obs, s.action, s.next_obs, s.valid)  # noqa: E731 - model inputs only
            self.left = keep(left) if self.left is None else Segments.cat([self.left, keep(left)])
            self.right = keep(right) if self.right is None else Segments.cat([self.right, keep(right)])
            self.labels = torch.cat([self.labels, labels])
        if self.left is None or self.right is None:
            return {"preferences/answered": 0.0}
        stats = self.model.fit(self.left, self.right, self.labels, seed=self.seed, **self.fit_kwargs)
        assert self.pool is not None
        self.model.calibrate(self.pool)
        logs = {
            "preferences/labels": float(len(self.labels)),
            "preferences/loss": stats["loss"],
            "preferences/train_accuracy": stats["train_accuracy"],
            "preferences/ties": float(((self.labels - 0.5).abs() < 1e-6).float().mean()),
        }
        self.history.append({"queries": float(self.queries), **logs})
        return logs
