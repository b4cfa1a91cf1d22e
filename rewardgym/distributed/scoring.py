"""Score batches with any reward on a pool of Ray actors: chunked, bounded in flight, with per-item timeouts.

:class:`RayScorer` builds the reward once in each of ``num_workers`` actors (a code reward keeps its warm
sandbox pool there, a judge its LLM client, a synthesized reward its executor) and scores an ``Episodes``
(or ``Transitions``) batch in chunks of ``chunk_size`` rows, at most ``max_in_flight`` chunks at a time.

**Failures are explicit, never a 0.** A chunk gets ``item_timeout_s`` per row. When it fails — the reward
raised, the actor died, or the chunk ran out of time (the actor is then killed: a hung reward cannot be
interrupted otherwise) — a dead actor is replaced, the chunk is re-run (``max_retries`` times after a
death) and then split into single rows, so one bad row cannot fail its neighbours. A row that still fails is
returned as failed: NaN score, ``failed[i] = True`` and ``reasons[i]`` saying why.
:meth:`ScoreResult.raise_if_failed` turns that into a :class:`~rewardgym.errors.RewardComputationError`, and
:class:`RayReward` (a regular reward) always does.

A reward whose row ``i`` may depend on other rows (``row_independent = False``: group normalisation,
LLM-written reward code) is never cut apart: its chunks are the batch's groups (``group_ids``), or the whole
batch without them, and a failed chunk fails all its rows.

Example:
    >>> from rewardgym.distributed import RayScorer, init_ray                 # doctest: +SKIP
    >>> from rewardgym.envs.code.rewards._common import example_episodes      # doctest: +SKIP
    >>> _ = init_ray(num_cpus=2)                                              # doctest: +SKIP
    >>> with RayScorer("code/pass-rate-v0", num_workers=2, chunk_size=2) as scorer:  # doctest: +SKIP
    ...     result = scorer.score(example_episodes())
    >>> result.scores.tolist(), result.failed.tolist()                        # doctest: +SKIP
    ([1.0, 0.0, 0.0, 0.0], [False, False, False, False])
"""

from __future__ import annotations

import collections
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from rewardgym.distributed._ray import actor_lost, init_ray, kill_quietly, lost_error, remote_class
from rewardgym.distributed.workers import ScoreWorker
from rewardgym.errors import RewardComputationError, RewardSpecError, WorkerLostError
from rewardgym.rewards.base import Reward

__all__ = ["RayReward", "RayScorer", "ScoreResult", "score_on_actors"]


@dataclass
class ScoreResult:
    """Scores of a batch, row by row, with the failed rows marked.

    Attributes:
        scores: float32 (B,); NaN where the row failed.
        terms: every term of the reward's breakdown (float32 (B,), NaN where failed), ``"total"`` included.
        failed: bool (B,).
        reasons: why each failed row failed (None for the others).
        retries: chunks or rows re-run after a failure.
    """

    scores: torch.Tensor
    terms: dict[str, torch.Tensor]
    failed: torch.Tensor
    reasons: list[str | None]
    retries: int = 0

    @property
    def ok(self) -> bool:
        """True when no row failed."""
        return not bool(self.failed.any())

    def raise_if_failed(self, name: str = "reward") -> ScoreResult:
        """Raise :class:`~rewardgym.errors.RewardComputationError` naming the failed rows and reasons."""
        if self.ok:
            return self
        rows = torch.nonzero(self.failed).flatten().tolist()
        shown = "; ".join(f"row {i}: {self.reasons[i]}" for i in rows[:5])
        raise RewardComputationError(f"{name}: {len(rows)} of {len(self.reasons)} row(s) failed on Ray actors: {shown}")


@dataclass(eq=False)
class _Task:
    rows: list[int]
    deaths: int = 0
    single: bool = False
    started: float | None = None
    ref: Any = None


@dataclass
class _Run:
    """State of one :meth:`RayScorer.score` call."""

    batch: Any
    queue: collections.deque = field(default_factory=collections.deque)
    values: dict[str, np.ndarray] = field(default_factory=dict)
    reasons: list[str | None] = field(default_factory=list)
    retries: int = 0


class RayScorer:
    """A pool of actors that score batches with one reward (see the module docstring).

    Args:
        reward: a registered name, a spec dict or a :class:`~rewardgym.rewards.base.Reward` (sent pickled).
        factory: instead of ``reward``: a picklable zero-argument callable that builds it, called once in
            each actor (for rewards holding live resources — sockets, worker pools — that cannot be pickled).
        num_workers: actors in the pool.
        chunk_size: rows per remote call.
        max_in_flight: chunks submitted and not yet answered, at most (default ``2 * num_workers``).
        item_timeout_s: time allowed per row of a chunk.
        max_retries: re-runs of a chunk whose actor died, before it is split into single rows (and a single
            row, before it is returned as failed).
        start_timeout_s: time an actor may take to start (placement, imports); past it, ``score`` raises
            :class:`~rewardgym.errors.WorkerLostError` naming the missing resources.
        actor_options: Ray actor options (default ``{"num_cpus": 1, "scheduling_strategy": "SPREAD"}``).
        address: Ray cluster to connect to when Ray is not initialised yet (None: a local cluster).

    Raises:
        RewardSpecError: a bad argument.
    """

    def __init__(
        self,
        reward: Any = None,
        *,
        factory: Callable[[], Any] | None = None,
        num_workers: int = 2,
        chunk_size: int = 16,
        max_in_flight: int | None = None,
        item_timeout_s: float = 60.0,
        max_retries: int = 1,
        start_timeout_s: float = 120.0,
        actor_options: dict[str, Any] | None = None,
        address: str | None = None,
    ) -> None:
        from rewardgym.rewards.spec import build_reward

        for name, value, low in (("num_workers", num_workers, 1), ("chunk_size", chunk_size, 1),
                                 ("max_retries", max_retries, 0)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise RewardSpecError(f"{name} must be an integer >= {low}, got {value!r}")
        if not item_timeout_s > 0:
            raise RewardSpecError(f"item_timeout_s must be > 0, got {item_timeout_s!r}")
        if (reward is None) == (factory is None):
            raise RewardSpecError("give exactly one of reward (name, spec or Reward) and factory")
        local = build_reward(factory() if factory is not None else reward)
        self.row_independent = bool(local.row_independent)
        self.reward_name = local.display_name
        self.batch_type = local.batch_type
        self.num_workers, self.chunk_size = num_workers, chunk_size
        self.max_in_flight = max(1, max_in_flight if max_in_flight is not None else 2 * num_workers)
        self.item_timeout_s, self.max_retries = float(item_timeout_s), max_retries
        self._ray = init_ray(address)
        self._options = {"num_cpus": 1, "scheduling_strategy": "SPREAD", **(actor_options or {})}
        shipped = factory if factory is not None else reward if isinstance(reward, (str, dict)) else local
        try:
            self._reward_ref = self._ray.put((shipped, factory is not None))
        except TypeError as exc:
            raise RewardSpecError(
                f"reward {local.display_name!r} cannot be sent to Ray actors ({exc}); pass its registered name, "
                "a spec dict, or factory=<a picklable zero-argument callable that builds it>"
            ) from None
        self.start_timeout_s = float(start_timeout_s)
        self._starting: dict[int, tuple[Any, float]] = {}  # actor -> (first call, when it was started)
        self.workers: list[Any] = [self._start(j) for j in range(num_workers)]
        self.replaced = 0

    def _start(self, j: int) -> Any:
        actor = remote_class(ScoreWorker).options(**self._options).remote(self._reward_ref)
        self._starting[j] = (actor.where.remote(), time.monotonic())
        return actor

    def _replace(self, j: int) -> None:
        kill_quietly(self.workers[j])
        self.workers[j] = self._start(j)
        self.replaced += 1

    def _started(self, run: _Run, j: int, lanes: list[collections.deque[_Task]]) -> None:
        """Actor ``j`` answered its first call (or failed to start): its chunks' clocks start now."""
        ref, _ = self._starting.pop(j)
        try:
            self._ray.get(ref)
        except Exception as exc:
            if lanes[j]:
                culprit = lanes[j].popleft()
                self._lost(run, j, lanes, culprit, str(lost_error(f"scoring actor {j} (starting)", exc)))
            else:
                self._replace(j)
            return
        if lanes[j] and lanes[j][0].started is None:
            lanes[j][0].started = time.monotonic()

    def where(self) -> list[dict[str, Any]]:
        """Process id, host and Ray node of every actor."""
        return self._ray.get([w.where.remote() for w in self.workers], timeout=self.item_timeout_s * 4)

    def close(self) -> None:
        """Stop the actors."""
        for w in self.workers:
            kill_quietly(w)
        self.workers = []

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # interpreter shutdown: Ray may already be gone
            self.close()

    def __enter__(self) -> RayScorer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- scoring ---------------------------------------------------------------------------------------
    def score(self, batch: Any) -> ScoreResult:
        """Score every row of ``batch``; failed rows are marked (see :class:`ScoreResult`), never 0."""
        if not self.workers:
            raise RewardComputationError("this RayScorer is closed")
        n = len(batch)
        run = _Run(batch, reasons=[None] * n)
        run.queue.extend(_Task(rows) for rows in self._chunks(batch))
        lanes: list[collections.deque[_Task]] = [collections.deque() for _ in self.workers]
        ray = self._ray
        while run.queue or any(lanes):
            self._submit(run, lanes)
            refs = {t.ref: (j, t) for j, lane in enumerate(lanes) for t in lane}
            starting = {ref: j for j, (ref, _) in self._starting.items()}
            deadlines = [t.started + self._budget(t) for lane in lanes if lane for t in (lane[0],) if t.started]
            deadlines += [since + self.start_timeout_s for _, since in self._starting.values()]
            wait = max(0.0, min(deadlines, default=time.monotonic() + 1.0) - time.monotonic())
            ready, _ = ray.wait([*starting, *refs], num_returns=1, timeout=wait + 0.01)
            for ref in ready:
                if ref in starting:
                    self._started(run, starting[ref], lanes)
                    continue
                j, task = refs[ref]
                lane = lanes[j]
                if task not in lane:  # its actor was replaced meanwhile
                    continue
                lane.remove(task)
                if lane and lane[0].started is None:
                    lane[0].started = time.monotonic()
                self._finish(run, j, task, lanes)
            self._expire(run, lanes)
        return self._result(run, n)

    def _chunks(self, batch: Any) -> list[list[int]]:
        n = len(batch)
        if self.row_independent:
            return [list(range(a, min(n, a + self.chunk_size))) for a in range(0, n, self.chunk_size)]
        groups = getattr(batch, "group_ids", None)
        if groups is None:
            return [list(range(n))] if n else []
        order: dict[int, list[int]] = {}
        for i, g in enumerate(groups.tolist()):
            order.setdefault(g, []).append(i)
        return list(order.values())

    def _budget(self, task: _Task) -> float:
        return self.item_timeout_s * len(task.rows)

    def _submit(self, run: _Run, lanes: list[collections.deque[_Task]]) -> None:
        depth = -(-self.max_in_flight // len(self.workers))
        while run.queue and sum(map(len, lanes)) < self.max_in_flight:
            j = min(range(len(lanes)), key=lambda k: len(lanes[k]))
            if len(lanes[j]) >= depth:
                return
            task = run.queue.popleft()
            task.ref = self.workers[j].score.remote(run.batch.select(task.rows))
            task.started = time.monotonic() if not lanes[j] and j not in self._starting else None
            lanes[j].append(task)

    def _finish(self, run: _Run, j: int, task: _Task, lanes: list[collections.deque[_Task]]) -> None:
        try:
            terms = self._ray.get(task.ref)
        except Exception as exc:
            if actor_lost(exc):
                self._lost(run, j, lanes, task, str(lost_error(f"scoring actor {j}", exc)))
            else:
                self._failed(run, task, _task_error_text(exc), died=False)
            return
        for key, value in terms.items():
            col = run.values.setdefault(key, np.full(len(run.reasons), np.nan, dtype=np.float32))
            col[task.rows] = value

    def _lost(self, run: _Run, j: int, lanes: list[collections.deque[_Task]], culprit: _Task, reason: str) -> None:
        """Actor ``j`` is gone: replace it; its other queued chunks go back unpenalised, the culprit is retried."""
        self._replace(j)
        for other in list(lanes[j]):
            other.ref, other.started = None, None
            run.queue.appendleft(other)
        lanes[j].clear()
        self._failed(run, culprit, reason, died=True)

    def _failed(self, run: _Run, task: _Task, reason: str, *, died: bool) -> None:
        if died and task.deaths < self.max_retries:
            task.deaths += 1
            task.ref = task.started = None
            run.queue.append(task)
            run.retries += 1
        elif len(task.rows) > 1 and self.row_independent:  # isolate the culprit row(s)
            run.queue.extend(_Task([i], single=True) for i in task.rows)
            run.retries += len(task.rows)
        else:
            for i in task.rows:
                run.reasons[i] = reason

    def _expire(self, run: _Run, lanes: list[collections.deque[_Task]]) -> None:
        now = time.monotonic()
        for j, (_, since) in list(self._starting.items()):
            if now - since > self.start_timeout_s:
                free = {k: v for k, v in self._ray.available_resources().items() if not k.startswith("node:")}
                raise WorkerLostError(
                    f"scoring actor {j} could not be started within {self.start_timeout_s:g} s: each actor asks "
                    f"for {self._options} and the cluster has {free} free (close other scorers/envs, add nodes, "
                    "or pass actor_options)"
                )
        for j, lane in enumerate(lanes):
            if lane and lane[0].started is not None and now - lane[0].started > self._budget(lane[0]):
                task = lane.popleft()
                reason = (f"timed out after {self._budget(task):g} s ({len(task.rows)} row(s)); the actor was "
                          "killed and replaced")
                task.deaths = self.max_retries  # a timeout is not retried as is: split, or fail the row
                self._lost(run, j, lanes, task, reason)

    def _result(self, run: _Run, n: int) -> ScoreResult:
        failed = torch.tensor([r is not None for r in run.reasons], dtype=torch.bool)
        terms = {k: torch.from_numpy(v) for k, v in run.values.items()}
        if "total" not in terms:
            terms["total"] = torch.full((n,), float("nan"))
        for v in terms.values():
            v[failed] = float("nan")
        return ScoreResult(terms["total"], terms, failed, run.reasons, run.retries)


def _task_error_text(exc: BaseException) -> str:
    cause = getattr(exc, "cause", None)
    err = cause if isinstance(cause, BaseException) else exc
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}"[:500]


def score_on_actors(batch: Any, reward: Any, **kwargs: Any) -> ScoreResult:
    """Score ``batch`` with ``reward`` on a temporary :class:`RayScorer` (``kwargs`` as for it)."""
    with RayScorer(reward, **kwargs) as scorer:
        return scorer.score(batch)


class RayReward(Reward):
    """A reward computed on Ray actors: use it wherever a reward goes (``rewardgym.wrap``, composites).

    Failed rows raise :class:`~rewardgym.errors.RewardComputationError` with their reasons (never a 0).

    Args:
        reward: the reward to distribute (name, spec dict or :class:`~rewardgym.rewards.base.Reward`).
        **kwargs: as for :class:`RayScorer`.
    """

    def __init__(self, reward: Any, **kwargs: Any) -> None:
        self.scorer = RayScorer(reward, **kwargs)
        self.name = self.scorer.reward_name
        self._batch_type = self.scorer.batch_type

    @property
    def batch_type(self) -> type | None:  # type: ignore[override]
        return self._batch_type

    def evaluate(self, batch: Any) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        result = self.scorer.score(batch).raise_if_failed(self.display_name)
        terms = {k: v for k, v in result.terms.items() if k != "total"}
        return result.scores, terms or {self.display_name: result.scores}

    def close(self) -> None:
        """Stop the actors."""
        self.scorer.close()
