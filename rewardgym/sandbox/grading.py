"""Grading untrusted code against unit tests, in a fresh sandbox per solution, with an unforgeable verdict.

A :class:`TestSuite` is a test module that defines ``check(candidate)`` (HumanEval's format; MBPP-style
assert lists are converted by :mod:`rewardgym.envs.code.tasks`). :class:`Grader` runs each solution in a
fresh sandbox workspace that holds only the solution, the harness and the per-run spec — nothing an agent
did elsewhere — and reads the verdict per test from nonce-tagged lines only the harness can write (see
:mod:`rewardgym.sandbox.runtime.harness` for why the solution can neither see the tests nor fake a result).

Example:
    >>> tests = "def check(candidate):\\n    assert candidate(2) == 4\\n    assert candidate(3) == 9\\n"
    >>> suite = TestSuite(tests, entry_point="square")
    >>> suite.n_tests
    2
    >>> grader = Grader("process")  # doctest: +SKIP
    >>> grader.grade("def square(x):\\n    return x * x\\n", suite).pass_rate  # doctest: +SKIP
    1.0
"""

from __future__ import annotations

import ast
import builtins
import functools
import hashlib
import json
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rewardgym.errors import SandboxError
from rewardgym.sandbox.base import ExecResult, Job, Sandbox
from rewardgym.sandbox.runtime.harness import TestSpecError, plan_tests

__all__ = ["GradeResult", "Grader", "TestSuite", "entry_point_of"]

HARNESS_SOURCE = (Path(__file__).resolve().parent / "runtime" / "harness.py").read_text()
HARNESS_COMMAND = ["python3", "-I", "-S", "harness.py", "solution.py", "spec.json"]
# verdicts that may depend on what else ran at the same time (load, memory pressure): never cached
_CIRCUMSTANTIAL = re.compile(r"timed out|MemoryError|memory|process exited|process is gone|killed", re.IGNORECASE)


def entry_point_of(asserts: Sequence[str], setup: str = "", code: str = "") -> str:
    """The function MBPP-style ``asserts`` test: the outermost call that is not a builtin or a setup name.

    ``assert abs(f(x) - 1) < 1e-9``, ``assert sorted(f(x)) == ...`` and ``assert len(f(x)) == 3`` all test
    ``f``: builtins (and names the setup code or imports define) are never the entry point. Among the
    remaining calls of the first assert that uses any, the shallowest wins; a tie is broken by which one
    the reference ``code`` defines.

    Raises:
        SandboxError: no assert calls a candidate function, or two are equally likely.

    Example:
        >>> entry_point_of(["assert abs(area(2) - 12.56) < 0.01"])
        'area'
        >>> entry_point_of(["assert sorted(uniq([3, 1, 3])) == [1, 3]"])
        'uniq'
    """
    try:
        known = set(dir(builtins)) | _names_bound(ast.parse(setup or ""))
    except SyntaxError as exc:
        raise SandboxError(f"the test setup code does not parse: {exc}") from exc
    try:
        defined = {n.name for n in ast.parse(code or "").body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    except SyntaxError:
        defined = set()
    for text in asserts:
        try:
            tree = ast.parse(text)
        except SyntaxError as exc:
            raise SandboxError(f"test {text!r} does not parse: {exc}") from exc
        depth: dict[str, int] = {}
        frontier: list[tuple[ast.AST, int]] = [(tree, 0)]
        while frontier:
            node, d = frontier.pop(0)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in known:
                depth.setdefault(node.func.id, d)
            frontier += [(child, d + 1) for child in ast.iter_child_nodes(node)]
        if not depth:
            continue
        top = min(depth.values())
        names = sorted(n for n, d in depth.items() if d == top)
        if len(names) > 1:
            names = [n for n in names if n in defined] or names
        if len(names) > 1:
            raise SandboxError(f"cannot tell which function {text!r} tests: {' or '.join(names)}")
        return names[0]
    raise SandboxError(f"no test calls a function of the solution (tests: {list(asserts)[:2]!r})")


def _names_bound(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


@dataclass(frozen=True)
class TestSuite:
    """The tests of one task.

    Attributes:
        tests: Python source defining ``check(candidate)``; each top-level statement of its body that uses
            the solution is one test (see :func:`~rewardgym.sandbox.runtime.harness.plan_tests`).
        entry_point: the solution function passed as ``candidate``.
        prelude: trusted helper code the tests may call (for HumanEval: the prompt, which defines helpers
            such as ``poly``); it runs on the grader's side, never taken from the solution.
    """

    tests: str
    entry_point: str = ""
    prelude: str = ""
    __test__ = False  # not a pytest test class

    def __post_init__(self) -> None:
        try:
            self.plan  # noqa: B018 - validate eagerly
        except TestSpecError as exc:
            raise SandboxError(f"invalid test suite: {exc}") from exc

    @functools.cached_property
    def plan(self) -> dict:
        """How the harness splits ``check`` into tests (computed once)."""
        return plan_tests(self.tests, self.prelude, self.entry_point)

    @property
    def n_tests(self) -> int:
        """Number of separately scored tests."""
        return len(self.plan["tests"])

    @property
    def labels(self) -> list[str]:
        """The first source line of each test."""
        return list(self.plan["tests"])


@dataclass(frozen=True)
class GradeResult:
    """The verdict on one solution.

    Attributes:
        passed: one bool per test, in order.
        reasons: ``"ok"`` or why each test failed.
        complete: the harness reported every test and finished.
        error: why the run did not complete (timeout, crash, memory), or None.
        exec_result: the raw sandbox result (stderr holds the solution's own output).
    """

    passed: tuple[bool, ...]
    reasons: tuple[str, ...]
    complete: bool
    error: str | None = None
    exec_result: ExecResult | None = field(default=None, repr=False)

    @property
    def n_tests(self) -> int:
        return len(self.passed)

    @property
    def n_passed(self) -> int:
        return sum(self.passed)

    @property
    def pass_rate(self) -> float:
        """Fraction of tests passed (0.0 for a suite without tests)."""
        return self.n_passed / self.n_tests if self.n_tests else 0.0

    @property
    def all_passed(self) -> bool:
        """Every test passed and the run completed."""
        return self.complete and self.n_tests > 0 and all(self.passed)


def parse_verdict(stdout: str, nonce: str, n_tests: int) -> tuple[list[bool], list[str], bool, str | None]:
    """Read the harness's nonce-tagged lines; anything else on stdout is ignored."""
    passed = [False] * n_tests
    reasons = ["not reported"] * n_tests
    seen = [False] * n_tests
    begun = ended = False
    problem = None
    prefix = nonce + " "
    for line in stdout.splitlines():
        if not line.startswith(prefix):
            continue
        parts = line.split(" ", 3)
        if len(parts) < 3:
            continue
        if parts[1] == "BEGIN":
            begun = True
            if parts[2] != str(n_tests):
                problem = f"harness planned {parts[2]} tests, expected {n_tests}"
        elif parts[1] == "END":
            ended = begun
        elif parts[1].isdigit() and int(parts[1]) < n_tests and not seen[int(parts[1])]:
            i = int(parts[1])
            seen[i] = True
            passed[i] = parts[2] == "1"
            reasons[i] = parts[3] if len(parts) > 3 else ""
    if problem:
        return [False] * n_tests, [problem] * n_tests, False, problem
    return passed, reasons, ended and all(seen), None


class Grader:
    """Grades solutions against :class:`TestSuite` s in a sandbox, concurrently, with a result cache.

    Args:
        sandbox: a :class:`~rewardgym.sandbox.base.Sandbox`, or a backend name for
            :func:`~rewardgym.sandbox.factory.shared_sandbox` (``"auto"``, ``"process"``, ``"docker"``).
        timeout_s: wall-clock budget for one solution's whole test run.
        test_timeout_s: budget for one test (default: ``timeout_s``); a test that runs out fails, and so do
            the tests after it (the solution process is killed).
        memory_mb: address-space limit per process.
        cache_size: how many verdicts to remember (keyed by solution, tests and limits); 0 disables.
    """

    def __init__(
        self,
        sandbox: Sandbox | str = "auto",
        *,
        timeout_s: float = 10.0,
        test_timeout_s: float | None = None,
        memory_mb: int = 512,
        cache_size: int = 4096,
    ) -> None:
        if isinstance(sandbox, str):
            from rewardgym.sandbox.factory import shared_sandbox

            sandbox = shared_sandbox(sandbox)
        if not isinstance(sandbox, Sandbox):
            raise SandboxError(f"sandbox must be a Sandbox or a backend name, got {type(sandbox).__name__}")
        self.sandbox = sandbox
        self.timeout_s = float(timeout_s)
        self.test_timeout_s = float(test_timeout_s or timeout_s)
        self.memory_mb = int(memory_mb)
        self.cache_size = int(cache_size)
        self._cache: OrderedDict[str, GradeResult] = OrderedDict()
        self._lock = threading.Lock()

    def _key(self, solution: str, suite: TestSuite) -> str:
        h = hashlib.sha256()
        for part in (
            solution,
            suite.tests,
            suite.prelude,
            suite.entry_point,
            f"{self.timeout_s}/{self.test_timeout_s}/{self.memory_mb}",
        ):
            h.update(part.encode("utf-8", "surrogatepass") + b"\x00")
        return h.hexdigest()

    def job(self, solution: str, suite: TestSuite) -> tuple[Job, str]:
        """The sandbox job that grades ``solution`` and the nonce its verdict lines carry."""
        if not isinstance(solution, str):
            raise SandboxError(f"a solution must be Python source (str), got {type(solution).__name__}")
        nonce = secrets.token_hex(16)
        spec = {
            "nonce": nonce,
            "tests": suite.tests,
            "prelude": suite.prelude,
            "entry_point": suite.entry_point,
            "test_timeout": self.test_timeout_s,
            "budget": self.timeout_s,
        }
        files = {"solution.py": solution, "harness.py": HARNESS_SOURCE, "spec.json": json.dumps(spec)}
        return Job(files, HARNESS_COMMAND, timeout_s=self.timeout_s + 2.0, memory_mb=self.memory_mb), nonce

    def _verdict(self, result: ExecResult, nonce: str, suite: TestSuite) -> GradeResult:
        passed, reasons, complete, problem = parse_verdict(result.stdout, nonce, suite.n_tests)
        error = problem
        if not complete and error is None:
            if result.sandbox_error:
                error = f"sandbox error: {result.sandbox_error}"
            elif result.timed_out:
                error = "timed out"
            elif result.memory_exceeded:
                error = "memory limit exceeded"
            elif result.truncated:
                error = "output limit exceeded"
            elif result.exit_code is None:
                error = "the grader was killed before it finished"
            else:
                tail = result.stderr.strip()[-300:]
                error = f"the grader did not finish (exit code {result.exit_code}): {tail}"
            reasons = [r if r != "not reported" else error for r in reasons]
        return GradeResult(tuple(passed), tuple(reasons), complete, error, result)

    def grade(self, solution: str, suite: TestSuite) -> GradeResult:
        """Grade one solution (cached)."""
        return self.grade_many([(solution, suite)])[0]

    def grade_many(
        self,
        items: Sequence[tuple[str, TestSuite]],
        *,
        progress: bool | Callable[[int], None] = False,
    ) -> list[GradeResult]:
        """Grade many solutions concurrently; each run has its own deadline, so a hung one blocks nothing."""
        for sol, suite in items:
            if not isinstance(sol, str) or not isinstance(suite, TestSuite):
                raise SandboxError(
                    f"grade_many takes (solution: str of Python source, TestSuite) pairs, got "
                    f"({type(sol).__name__}, {type(suite).__name__})"
                )
        keys = [self._key(sol, suite) for sol, suite in items]
        out: list[GradeResult | None] = [None] * len(items)
        todo: dict[str, list[int]] = {}
        with self._lock:
            for i, key in enumerate(keys):
                if key in self._cache:
                    self._cache.move_to_end(key)
                    out[i] = self._cache[key]
                else:
                    todo.setdefault(key, []).append(i)
        firsts = [rows[0] for rows in todo.values()]
        jobs, nonces = zip(*(self.job(*items[i]) for i in firsts)) if firsts else ((), ())
        results = self.sandbox.run_many(list(jobs), progress=progress)
        for i, nonce, result in zip(firsts, nonces, results):
            verdict = self._verdict(result, nonce, items[i][1])
            for j in todo[keys[i]]:
                out[j] = verdict
            self._remember(keys[i], verdict)
        return [r for r in out if r is not None]

    def _remember(self, key: str, verdict: GradeResult) -> None:
        if self.cache_size <= 0 or not cacheable(verdict):
            return
        with self._lock:
            self._cache[key] = verdict
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)


def cacheable(verdict: GradeResult) -> bool:
    """Whether a verdict depends on the solution and tests alone, so it may be reused.

    Infrastructure failures, timeouts, memory exhaustion and killed processes may have been caused by
    whatever else ran at the same time (load, memory pressure), so they are never cached.
    """
    result = verdict.exec_result
    if result is None or result.sandbox_error or not verdict.complete or verdict.error:
        return False
    if result.timed_out or result.memory_exceeded or result.truncated:
        return False
    return not any(_CIRCUMSTANTIAL.search(r) for r in verdict.reasons if r != "ok")
