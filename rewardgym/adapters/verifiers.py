"""verifiers adapter: a rewardgym reward as a ``@vf.reward`` method of a verifiers ``Task`` (verifiers 0.4).

In verifiers 0.4 (``import verifiers.v1 as vf``) there is no ``Rubric``: a ``vf.Task`` scores a finished
rollout's ``vf.Trace`` through its ``@vf.reward`` methods (weighted and summed into ``trace.reward``) and its
``@vf.metric`` methods (recorded, not summed). Verifiers calls ``Task.score(trace)`` once per trace and runs
many of them concurrently (``asyncio.gather`` over rollouts, as in ``vf-eval`` and ``replay``).

:func:`verifiers_task` builds a ``Task`` subclass whose ``@vf.reward`` method does not score one trace at a time:
each call queues its trace and awaits; once the concurrently running scorings have all queued (the queue stopped
growing for a few event-loop turns, or ``max_batch`` rows are waiting), the whole queue is scored in ONE call
of the rewardgym reward, off the event loop, and every waiting call gets its row back. Per trace it records:

- ``trace.rewards[name]``: the reward's total (with the method's ``weight``);
- ``trace.metrics["<name>/<term>"]``: every term of the reward's breakdown (composites: each component).

Each trace becomes one row (see :mod:`rewardgym.adapters._text`): ``prompts`` = the task's prompt text,
``completions`` = ``trace.last_reply``, ``transcripts`` = the trace's messages as dicts, ``infos`` = the task
data's own fields (those a ``vf.TaskData`` subclass adds, e.g. ``answer`` or ``tests``), and ``group_ids`` shared
by traces of the same task. A reward over :class:`~rewardgym.types.Transitions` sees one terminal step per trace.

Install with ``pip install "rewardgym[verifiers]"``.

Example:
    >>> import verifiers.v1 as vf
    >>> from rewardgym.adapters.verifiers import verifiers_task
    >>> class QA(vf.TaskData):
    ...     answer: str = ""
    >>> class QATask(vf.Task[QA]):
    ...     pass
    >>> Scored = verifiers_task("code/format-v0", base=QATask, name="format")
    >>> [fn.__name__ for fn in Scored(QA(prompt="Write x.")).hooks("reward")]
    ['format']
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from typing import Any

from rewardgym.adapters._text import resolve_reward, score_text_rows
from rewardgym.errors import require
from rewardgym.rewards.base import Reward

__all__ = ["TraceBatcher", "verifiers_task"]


def _vf() -> Any:
    return require("verifiers.v1", "verifiers", "verifiers (the verifiers 0.4 training/eval library)")


def _dump(message: Any) -> Any:
    return message.model_dump(exclude_none=True) if hasattr(message, "model_dump") else message


class TraceBatcher:
    """Collects concurrently scored ``(task data, trace)`` rows and scores them in one rewardgym call.

    Args:
        reward: the rewardgym reward.
        max_batch: score at once when this many rows are waiting.
        settle_ticks: event-loop turns without a new row after which the waiting rows are scored.
        window_s: extra seconds to wait for stragglers before scoring (0: none).

    Attributes:
        batch_sizes: the size of every batch scored so far (one entry per rewardgym call).
    """

    def __init__(self, reward: Reward, *, max_batch: int = 256, settle_ticks: int = 3, window_s: float = 0.0):
        if max_batch < 1 or settle_ticks < 1 or window_s < 0:
            from rewardgym.errors import EnvConfigError

            raise EnvConfigError(
                f"need max_batch >= 1, settle_ticks >= 1 and window_s >= 0; got {max_batch}, {settle_ticks}, {window_s}"
            )
        self.reward = reward
        self.max_batch = int(max_batch)
        self.settle_ticks = int(settle_ticks)
        self.window_s = float(window_s)
        self.batch_sizes: list[int] = []
        self._pending: list[tuple[Any, Any, asyncio.Future]] = []
        self._flusher: asyncio.Task | None = None
        self._running: set[asyncio.Task] = set()
        self._base_fields: frozenset[str] | None = None

    async def score(self, data: Any, trace: Any) -> tuple[float, dict[str, float]]:
        """``(total, {term: value})`` for one trace, scored together with every trace queued alongside it."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        self._pending.append((data, trace, future))
        if len(self._pending) >= self.max_batch:
            self._start(self._take())
        elif self._flusher is None or self._flusher.done() or self._flusher.get_loop() is not loop:
            self._flusher = loop.create_task(self._flush_when_settled())
        return await future

    def _take(self) -> list[tuple[Any, Any, asyncio.Future]]:
        rows, self._pending = self._pending, []
        return rows

    def _start(self, rows: list[tuple[Any, Any, asyncio.Future]]) -> None:
        task = asyncio.get_running_loop().create_task(self._score_rows(rows))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _flush_when_settled(self) -> None:
        seen = -1
        while seen != len(self._pending):
            seen = len(self._pending)
            for _ in range(self.settle_ticks):
                await asyncio.sleep(0)
            if seen == len(self._pending) and self.window_s:
                await asyncio.sleep(self.window_s)
        self._flusher = None
        if self._pending:
            await self._score_rows(self._take())

    async def _score_rows(self, rows: list[tuple[Any, Any, asyncio.Future]]) -> None:
        if not rows:
            return
        try:
            total, terms = await asyncio.get_running_loop().run_in_executor(None, self._score_now, rows)
        except BaseException as exc:  # every waiting trace gets the failure; none is left hanging
            for *_, future in rows:
                if not future.done():
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        totals = total.tolist()
        columns = {k: v.tolist() for k, v in terms.items()}
        for i, (*_, future) in enumerate(rows):
            if not future.done():
                future.set_result((totals[i], {k: v[i] for k, v in columns.items()}))

    def _score_now(self, rows: list[tuple[Any, Any, asyncio.Future]]) -> tuple[Any, dict[str, Any]]:
        if self._base_fields is None:
            self._base_fields = frozenset(_vf().TaskData.model_fields)
        base = self._base_fields
        prompts, completions, transcripts, keys = [], [], [], []
        columns: dict[str, list[Any]] = {}
        dumps = [data.model_dump() for data, _, _ in rows]
        names = sorted({k for d in dumps for k in d if k not in base})
        for (data, trace, _), dump in zip(rows, dumps):
            prompts.append(data.prompt_text)
            completions.append(trace.last_reply)
            transcripts.append([_dump(m) for m in trace.messages])
            keys.append(getattr(trace.task, "key", None) or data.prompt_text)
            for name in names:
                columns.setdefault(name, []).append(dump.get(name))
        ids: dict[str, int] = {}
        group_ids = [ids.setdefault(str(k), len(ids)) for k in keys]
        self.batch_sizes.append(len(rows))
        return score_text_rows(
            self.reward, prompts, completions, columns=columns, group_ids=group_ids, transcripts=transcripts
        )


def verifiers_task(
    reward: Any,
    *,
    base: type | None = None,
    name: str | None = None,
    weight: float = 1.0,
    record_terms: bool = True,
    max_batch: int = 256,
    window_s: float = 0.0,
) -> type:
    """A ``vf.Task`` subclass of ``base`` that scores traces with ``reward`` (see the module docstring).

    Args:
        reward: a registered reward name, a spec dict, a :class:`~rewardgym.rewards.base.Reward` or a callable.
        base: the ``vf.Task`` subclass to extend (its data type, setup, tools and other rewards are kept);
            default ``vf.Task``.
        name: the reward's key in ``trace.rewards`` (default: the reward's name with non-word characters as ``_``).
        weight: the ``@vf.reward`` weight.
        record_terms: record each breakdown term as ``trace.metrics["<name>/<term>"]``.
        max_batch: most traces per rewardgym call.
        window_s: extra seconds to wait for more traces before scoring a batch.

    Returns:
        the new Task class; its batcher (a :class:`TraceBatcher`) is the class attribute ``rewardgym_batcher``.

    Raises:
        MissingDependencyError: verifiers is not installed.
        EnvConfigError: ``base`` is not a ``vf.Task`` subclass.
    """
    vf = _vf()
    from rewardgym.errors import EnvConfigError

    base = vf.Task if base is None else base
    if not (isinstance(base, type) and issubclass(base, vf.Task)):
        raise EnvConfigError(f"base must be a verifiers.v1.Task subclass, got {base!r}")
    built = resolve_reward(reward)
    key = name or re.sub(r"\W", "_", built.display_name)
    batcher = TraceBatcher(built, max_batch=max_batch, window_s=window_s)

    async def method(self: Any, task: Any, trace: Any) -> float:
        total, terms = await batcher.score(task, trace)
        if record_terms:
            trace.record_metrics({f"{key}/{term}": value for term, value in terms.items()})
        return total

    method.__name__ = method.__qualname__ = key
    method.__doc__ = f"rewardgym reward {built.display_name!r}, scored in batches."
    namespace: Mapping[str, Any] = {
        key: vf.reward(method, weight=weight),
        "rewardgym_batcher": batcher,
        "__module__": base.__module__,
        "__doc__": f"{base.__name__} scored with the rewardgym reward {built.display_name!r}.",
    }
    return type(f"{base.__name__}With{re.sub(r'[^0-9A-Za-z]', '', key.title())}", (base,), dict(namespace))
