""":class:`RayVectorEnv`: a Gymnasium ``VectorEnv`` whose sub-envs live in Ray actors, possibly on other machines.

``N`` sub-envs are split into ``num_workers`` contiguous blocks; each block is one actor hosting a
``gymnasium.make_vec`` env (the family's native batched env where it registers a ``vector_entry_point`` —
maze, robotics — else a ``SyncVectorEnv``). A step sends every actor its slice of the actions at once and
joins the answers, so the env behaves like ``make_vec(id, num_envs=N)`` in one process:

- **seeding**: ``reset(seed=s)`` seeds sub-env ``i`` with ``s + i`` (a list gives one seed each), so the
  observations, rewards, terminations and infos equal those of the in-process env seed for seed;
- **autoreset**: whatever the hosted env does (``NEXT_STEP`` by default), per sub-env;
- **infos**: the hosted env's column-wise layout over all ``N`` rows (``_key`` masks where it has them).

It works under :func:`rewardgym.wrap` (the reward is computed in the driver, on the joined batch).

**Faults.** A step waits at most ``step_timeout_s`` for each actor. An actor that died or did not answer is
killed and replaced by a fresh one, and the episodes of its sub-envs are lost; what happens to them is
``on_worker_loss``:

- ``"raise"`` (default): the step raises :class:`~rewardgym.errors.WorkerLostError` naming the rows and the
  cause; the next ``reset()`` starts new episodes on every worker (a step before it raises too);
- ``"truncate"``: the lost episodes end as truncated (``truncated=True``, reward 0, the previous
  observation and infos repeated) and the step's infos carry ``worker_lost`` (bool, (N,)) and
  ``worker_lost_reason`` (object, (N,)); the replacement is reset, and the next step returns its first
  observations like a ``NEXT_STEP`` autoreset step (reward 0, not terminated). Training goes on.

Every loss is also recorded in :attr:`RayVectorEnv.failures`.

Example:
    >>> import os; os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # doctest: +SKIP
    >>> from rewardgym.distributed import RayVectorEnv, init_ray            # doctest: +SKIP
    >>> _ = init_ray(num_cpus=2)                                            # doctest: +SKIP
    >>> envs = RayVectorEnv("rewardgym/Maze-v0", num_envs=8, num_workers=2, env_kwargs={"size": 7})  # doctest: +SKIP
    >>> obs, infos = envs.reset(seed=0)                                     # doctest: +SKIP
    >>> obs.shape, infos["distance"].shape                                  # doctest: +SKIP
    ((8, 7, 7), (8,))
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from gymnasium.vector import VectorEnv
from gymnasium.vector.utils import batch_space

from rewardgym.distributed._ray import (
    actor_lost,
    init_ray,
    kill_quietly,
    lost_error,
    remote_class,
    unwrap_task_error,
)
from rewardgym.distributed.batching import block_offsets, concat_batches, merge_infos, split_batch
from rewardgym.distributed.workers import EnvWorker
from rewardgym.errors import EnvConfigError, WorkerLostError

__all__ = ["RayVectorEnv", "WorkerFailure"]

OnLoss = Literal["raise", "truncate"]


@dataclass(frozen=True)
class WorkerFailure:
    """One lost actor: which worker, which sub-env rows, at which step, and why."""

    worker: int
    rows: tuple[int, int]
    step: int
    reason: str


class RayVectorEnv(VectorEnv):
    """``num_envs`` sub-envs of ``env_id`` spread over ``num_workers`` Ray actors (see the module docstring).

    Args:
        env_id: a registered Gymnasium id (``rewardgym/Maze-v0``...).
        num_envs: total sub-envs N.
        num_workers: actors (at most N); worker ``j`` hosts a contiguous block of about N / num_workers.
        env_kwargs: keyword arguments of the env (as for ``gymnasium.make_vec``).
        vectorization_mode: of the hosted envs: ``"auto"`` (native where registered, else ``"sync"``),
            ``"vector_entry_point"``, ``"sync"`` or ``"async"``.
        vector_kwargs: ``vector_kwargs`` of the hosted ``make_vec`` (e.g. an autoreset mode for sync envs).
        on_worker_loss: ``"raise"`` or ``"truncate"`` (see the module docstring).
        step_timeout_s: the longest one actor may take for a step or reset before it is declared lost.
        start_timeout_s: the same for an actor's first answer (placement and imports included).
        actor_options: Ray actor options (default ``{"num_cpus": 1, "scheduling_strategy": "SPREAD"}``).
        address: Ray cluster to connect to when Ray is not initialised yet (None: a local cluster).

    Raises:
        EnvConfigError: bad arguments, or the cluster could not place the workers in time.
    """

    def __init__(
        self,
        env_id: str,
        num_envs: int,
        *,
        num_workers: int = 2,
        env_kwargs: dict[str, Any] | None = None,
        vectorization_mode: str = "auto",
        vector_kwargs: dict[str, Any] | None = None,
        on_worker_loss: OnLoss = "raise",
        step_timeout_s: float = 60.0,
        start_timeout_s: float = 120.0,
        actor_options: dict[str, Any] | None = None,
        address: str | None = None,
    ) -> None:
        for name, value in (("num_envs", num_envs), ("num_workers", num_workers)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise EnvConfigError(f"{name} must be an integer >= 1, got {value!r}")
        if num_workers > num_envs:
            raise EnvConfigError(f"num_workers={num_workers} exceeds num_envs={num_envs}: each worker needs a sub-env")
        if on_worker_loss not in ("raise", "truncate"):
            raise EnvConfigError(f"on_worker_loss must be 'raise' or 'truncate', got {on_worker_loss!r}")
        if not step_timeout_s > 0:
            raise EnvConfigError(f"step_timeout_s must be > 0, got {step_timeout_s!r}")
        self._ray = init_ray(address)
        self.env_id = env_id
        self.num_envs = int(num_envs)
        self.num_workers = int(num_workers)
        self.on_worker_loss: OnLoss = on_worker_loss
        self.step_timeout_s = float(step_timeout_s)
        self.offsets = block_offsets(self.num_envs, self.num_workers)
        self._sizes = [b - a for a, b in zip(self.offsets[:-1], self.offsets[1:])]
        self._args = (env_id, vectorization_mode, dict(env_kwargs or {}), dict(vector_kwargs or {}))
        self._options = {"num_cpus": 1, "scheduling_strategy": "SPREAD", **(actor_options or {})}
        self.start_timeout_s = float(start_timeout_s)
        self.failures: list[WorkerFailure] = []
        self._generation = [0] * self.num_workers
        self._steps = 0
        self._fresh = set(range(self.num_workers))  # started, not yet answered: start_timeout_s applies
        self.workers: list[Any] = [self._start_worker(j) for j in range(self.num_workers)]
        info = self._gather([w.describe.remote() for w in self.workers], "start")[0]
        self.single_observation_space = info["single_observation_space"]
        self.single_action_space = info["single_action_space"]
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.metadata = {**info["metadata"], "vectorization_mode": info["vectorization_mode"]}
        self.render_mode = info["render_mode"]
        self._seed: Any = None
        self._needs_reset = True
        self._lost: str | None = None
        self._last: list[tuple[Any, dict[str, Any]] | None] = [None] * self.num_workers
        self._pending: dict[int, Any] = {}  # worker -> reset ref of its replacement (truncate mode)

    # --- actors ----------------------------------------------------------------------------------------
    def _start_worker(self, j: int) -> Any:
        env_id, mode, env_kwargs, vector_kwargs = self._args
        actor = remote_class(EnvWorker).options(**self._options)
        return actor.remote(env_id, self._sizes[j], mode, env_kwargs, vector_kwargs)

    def _gather(self, refs: list[Any], what: str) -> list[Any]:
        """``ray.get`` every ref, waiting at most ``step_timeout_s``; raise the first lost worker's error."""
        results, lost = self._collect(refs, what)
        if lost:
            raise lost[0][1]
        return results

    def _collect(self, refs: list[Any], what: str) -> tuple[list[Any], list[tuple[int, WorkerLostError]]]:
        """Results per worker (None where lost) and the lost workers, each already replaced."""
        ray = self._ray
        now = time.monotonic()
        deadline = {ref: now + (self.start_timeout_s if j in self._fresh else self.step_timeout_s)
                    for j, ref in enumerate(refs)}
        ready_set: set[Any] = set()
        waiting = list(refs)
        while waiting:
            timeout = max(0.0, min(deadline[r] for r in waiting) - time.monotonic())
            done, waiting = ray.wait(waiting, num_returns=len(waiting), timeout=timeout)
            ready_set.update(done)
            waiting = [r for r in waiting if deadline[r] > time.monotonic()]
        results: list[Any] = [None] * len(refs)
        lost: list[tuple[int, WorkerLostError]] = []
        for j, ref in enumerate(refs):
            a, b = self.offsets[j], self.offsets[j + 1]
            label = f"{self.env_id} worker {j} (sub-envs {a}..{b - 1}) during {what}"
            if ref not in ready_set:
                limit = self.start_timeout_s if j in self._fresh else self.step_timeout_s
                lost.append((j, lost_error(label, None, limit)))
                continue
            try:
                results[j] = ray.get(ref)
                self._fresh.discard(j)
            except Exception as exc:
                if not actor_lost(exc):
                    raise unwrap_task_error(exc) from None
                lost.append((j, lost_error(label, exc)))
        for j, err in lost:
            self._replace(j, str(err))
        return results, lost

    def _replace(self, j: int, reason: str) -> None:
        kill_quietly(self.workers[j])
        self.failures.append(WorkerFailure(j, (self.offsets[j], self.offsets[j + 1]), self._steps, reason))
        self._generation[j] += 1
        self.workers[j] = self._start_worker(j)
        self._fresh.add(j)
        self._pending.pop(j, None)

    def _worker_seed(self, j: int) -> Any:
        """Seed(s) of worker ``j``'s block: ``seed + offset`` (or its slice of a seed list); after a loss, a
        seed derived from ``(seed, j, replacements)`` so the replacement plays new episodes reproducibly."""
        seed, a, b, gen = self._seed, self.offsets[j], self.offsets[j + 1], self._generation[j]
        if isinstance(seed, list):
            return seed[a:b] if gen == 0 else [None if s is None else _derive(s, j, gen) for s in seed[a:b]]
        if seed is None:
            return None
        return int(seed) + a if gen == 0 else _derive(seed, j, gen)

    # --- gymnasium API ---------------------------------------------------------------------------------
    def reset(self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None):
        """Reset every sub-env (sub-env ``i`` is seeded with ``seed + i``; a list gives one seed each)."""
        if isinstance(seed, (list, tuple)) and len(seed) != self.num_envs:
            raise EnvConfigError(f"seed list must have num_envs={self.num_envs} entries, got {len(seed)}")
        self._seed = list(seed) if isinstance(seed, (list, tuple)) else seed
        self._generation = [0] * self.num_workers
        self._pending.clear()
        parts = self._gather([w.reset.remote(self._worker_seed(j), options) for j, w in enumerate(self.workers)],
                             "reset")
        self._last = list(parts)
        self._needs_reset, self._lost = False, None
        self._steps = 0
        obs = concat_batches(self.single_observation_space, [p[0] for p in parts])
        return _fresh(obs), merge_infos([p[1] for p in parts], self._sizes)

    def step(self, actions: Any):
        """Step every worker's block at once and join the results (see the module docstring for faults)."""
        if self._needs_reset:
            if self._lost is not None:
                raise WorkerLostError(f"call reset() first: a worker was lost since the last reset ({self._lost})")
            raise _reset_needed()
        chunks = split_batch(self.single_action_space, actions, self.offsets)
        refs = [self._pending.get(j, None) for j in range(self.num_workers)]
        refs = [r if r is not None else w.step.remote(chunks[j]) for j, (r, w) in enumerate(zip(refs, self.workers))]
        pending = set(self._pending)
        self._pending = {}
        results, lost = self._collect(refs, f"step {self._steps + 1}")
        self._steps += 1
        if lost and self.on_worker_loss == "raise":
            self._needs_reset, self._lost = True, str(lost[0][1])
            raise lost[0][1]
        parts: list[tuple[Any, ...]] = []
        lost_rows = {j: str(err) for j, err in lost}
        for j, res in enumerate(results):
            n = self._sizes[j]
            if j in lost_rows:  # the previous observation, ended as truncated
                prev_obs, prev_info = self._last_or_raise(j, lost_rows[j])
                info = dict(prev_info)
                info["worker_lost"] = np.ones(n, dtype=bool)
                info["worker_lost_reason"] = np.array([lost_rows[j]] * n, dtype=object)
                parts.append((prev_obs, np.zeros(n), np.zeros(n, bool), np.ones(n, bool), info))
                self._pending[j] = self.workers[j].reset.remote(self._worker_seed(j), None)
            elif j in pending:  # the replacement's first observation: an autoreset step
                obs, info = res
                parts.append((obs, np.zeros(n), np.zeros(n, bool), np.zeros(n, bool), info))
            else:
                parts.append(res)
        for j, p in enumerate(parts):
            if j not in lost_rows:
                self._last[j] = (p[0], p[4])
        obs = _fresh(concat_batches(self.single_observation_space, [p[0] for p in parts]))
        rewards = np.concatenate([np.asarray(p[1], dtype=np.float64) for p in parts])
        terminated = np.concatenate([np.asarray(p[2], dtype=bool) for p in parts])
        truncated = np.concatenate([np.asarray(p[3], dtype=bool) for p in parts])
        infos = merge_infos([p[4] for p in parts], self._sizes)
        return obs, rewards, terminated, truncated, infos

    def _last_or_raise(self, j: int, reason: str) -> tuple[Any, dict[str, Any]]:
        last = self._last[j]
        if last is None:  # lost before it ever answered: nothing to repeat
            self._needs_reset, self._lost = True, reason
            raise WorkerLostError(reason)
        return last

    def render(self) -> tuple[Any, ...] | None:
        """Every sub-env's frame, in row order (None without a render mode)."""
        if self.render_mode is None:
            return None
        frames: list[Any] = []
        for part in self._gather([w.render.remote() for w in self.workers], "render"):
            frames.extend(part or ())
        return tuple(frames)

    def close_extras(self, **kwargs: Any) -> None:
        """Close the hosted envs (best effort, bounded wait) and stop the actors."""
        ray = self._ray
        refs = [w.close.remote() for w in self.workers]
        ray.wait(refs, num_returns=len(refs), timeout=min(self.step_timeout_s, 10.0))
        for w in self.workers:
            kill_quietly(w)

    def where(self) -> list[dict[str, Any]]:
        """Process id, host and Ray node of every worker, in order."""
        return [{k: d[k] for k in ("pid", "host", "node_id")} for d in
                self._gather([w.describe.remote() for w in self.workers], "describe")]


def _fresh(obs: Any) -> Any:
    """A writable copy when Ray handed back a read-only buffer."""
    if isinstance(obs, np.ndarray) and not obs.flags.writeable:
        return obs.copy()
    return obs


def _reset_needed() -> Exception:
    import gymnasium as gym

    return gym.error.ResetNeeded("call reset() before step()")


def _derive(seed: int, worker: int, generation: int) -> int:
    return int(np.random.SeedSequence([int(seed), worker, generation]).generate_state(1)[0] >> 1)
