"""Shared plumbing of the ``code/`` rewards: reading a batch's tasks, grading it, sample batches.

Episode batches carry, per row: ``completions`` = the submitted code (a ``<submit>`` tag or Markdown fence
around it is removed) and ``infos["tests"]`` (a module defining ``check(candidate)``),
``infos["entry_point"]``, optionally ``infos["prelude"]`` (trusted helpers; for HumanEval, the prompt:
a completion that does not define the entry point is appended to it) and ``infos["task_id"]``.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from rewardgym.errors import RewardComputationError
from rewardgym.rewards.base import EpisodeRewardFn
from rewardgym.types import Episodes, Transitions

__all__ = [
    "GradedReward",
    "example_episodes",
    "example_transitions",
    "grade_episodes",
    "shared_grader",
    "submitted_code",
]

_GRADERS: dict[tuple, Any] = {}
_LOCK = threading.Lock()
_SUBMIT = re.compile(r"<submit>(.*?)</submit>", re.DOTALL)


def shared_grader(sandbox: Any = "auto", timeout_s: float = 10.0, memory_mb: int = 512) -> Any:
    """One :class:`~rewardgym.sandbox.grading.Grader` (and verdict cache) per setting, shared by rewards."""
    from rewardgym.sandbox.grading import Grader

    key = (sandbox if isinstance(sandbox, str) else id(sandbox), float(timeout_s), int(memory_mb))
    with _LOCK:
        if key not in _GRADERS:
            _GRADERS[key] = Grader(sandbox, timeout_s=timeout_s, memory_mb=memory_mb)
        return _GRADERS[key]


def submitted_code(text: Any) -> str:
    """The code of a completion: inside ``<submit>…</submit>`` if present, then inside a fence if present."""
    from rewardgym.envs.code.env import extract_code

    if not isinstance(text, str):
        raise RewardComputationError(f"code rewards need text completions, got {type(text).__name__}")
    tag = _SUBMIT.search(text)
    return extract_code(tag.group(1) if tag else text)


def _column(batch: Episodes, key: str, default: str | None = None) -> list[str]:
    if key not in batch.infos:
        if default is not None:
            return [default] * len(batch)
        raise RewardComputationError(
            f"code rewards need infos[{key!r}] (the task's tests); the batch's infos have "
            f"{sorted(batch.infos)}. "
            "Episodes from rewardgym/Code-v0 (env.unwrapped.episode()) carry them."
        )
    return [str(v) for v in batch.infos[key]]


def grade_episodes(batch: Episodes, grader: Any) -> list[Any]:
    """Grade every row of ``batch``; raises RewardComputationError if the sandbox itself failed."""
    from rewardgym.sandbox.grading import TestSuite

    tests, entries = _column(batch, "tests"), _column(batch, "entry_point")
    preludes = _column(batch, "prelude", "")
    items = []
    for completion, test, entry, prelude in zip(batch.completions, tests, entries, preludes):
        code = submitted_code(completion)
        if prelude and not re.search(rf"^\s*(async\s+)?def\s+{re.escape(entry)}\s*\(", code, re.MULTILINE):
            code = prelude + code
        items.append((code, TestSuite(test, entry_point=entry, prelude=prelude)))
    verdicts = grader.grade_many(items)
    broken = [v for v in verdicts if v.exec_result is not None and v.exec_result.sandbox_error]
    if broken:
        raise RewardComputationError(f"the sandbox failed to grade {len(broken)} row(s): {broken[0].error}")
    return verdicts


def example_episodes() -> Episodes:
    """Four graded-episode rows from the bundled tasks: correct, wrong, crashing and non-parsing code."""
    from rewardgym.envs.code.tasks import load_tasks

    a, b = load_tasks("bundled")[:2]
    rows = [
        (a, a.canonical_solution, [1, 0]),
        (a, f"def {a.entry_point}(*args):\n    return None\n", [1, 1]),
        (b, f"def {b.entry_point}(*args):\n    raise ValueError('not yet')\n", [2, 1, 1]),
        (b, f"def {b.entry_point}(:\n", [1]),
    ]
    return Episodes(
        prompts=[t.prompt for t, _, _ in rows],
        completions=[f"<submit>\n{code}</submit>" for _, code, _ in rows],
        infos={
            "task_id": [t.task_id for t, _, _ in rows],
            "tests": [t.tests for t, _, _ in rows],
            "entry_point": [t.entry_point for t, _, _ in rows],
            "prelude": [t.prelude for t, _, _ in rows],
        },
        transcripts=[
            [{"kind": "run", "code": "", "exec_errors": e} for e in errs] + [{"kind": "submit", "code": code}]
            for _, code, errs in rows
        ],
    )


def example_transitions() -> Transitions:
    """A scripted ``rewardgym/Code-v0`` episode (failing run, clean run, invalid action, submission)."""
    from rewardgym.envs.code.env import CodeEnv
    from rewardgym.rollout import collect_transitions

    env = CodeEnv(task_ids=["rewardgym/0"], max_turns=6)
    task = env.tasks[0]
    script = iter(
        [
            "<run>\nprint(undefined_name)\n</run>",
            f"<run>\n{task.canonical_solution}\nprint({task.entry_point}([1, 2]))\n</run>",
            "let me think",
            f"<submit>\n{task.canonical_solution}</submit>",
        ]
    )
    try:
        return collect_transitions(env, 4, seed=0, policy=lambda _obs: next(script))
    finally:
        env.close()


class GradedReward(EpisodeRewardFn):
    """Base of the rewards computed from test verdicts."""

    def __init__(self, sandbox: Any = "auto", timeout_s: float = 10.0, memory_mb: int = 512) -> None:
        self.sandbox, self.timeout_s, self.memory_mb = sandbox, timeout_s, memory_mb

    def verdicts(self, batch: Episodes) -> list[Any]:
        """The per-row :class:`~rewardgym.sandbox.grading.GradeResult` (cached by solution and tests)."""
        return grade_episodes(batch, shared_grader(self.sandbox, self.timeout_s, self.memory_mb))
