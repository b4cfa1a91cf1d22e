"""Isolated execution of untrusted code: agent programs, unit tests, synthesized reward code.

- :func:`make_sandbox` / :func:`shared_sandbox`: get a :class:`Sandbox` (``"auto"``, ``"docker"``,
  ``"process"``); ``sandbox.reason`` says which backend and why.
- :meth:`Sandbox.run` runs one program on a private copy of some files; :meth:`Sandbox.run_many` runs a
  batch concurrently with a deadline per item.
- :class:`Grader` grades solutions against :class:`TestSuite` s (``check(candidate)``) with a verdict the
  program cannot forge.

Backends: :class:`~rewardgym.sandbox.process.ProcessSandbox` (bubblewrap + rlimits + uid + seccomp, with a
warm fork-server pool) and :class:`~rewardgym.sandbox.docker_backend.DockerSandbox` (docker SDK).

Example:
    >>> from rewardgym.sandbox import make_sandbox
    >>> sb = make_sandbox("process")  # doctest: +SKIP
    >>> result = sb.run({"main.py": "print(sum(range(10)))"}, ["python3", "main.py"])  # doctest: +SKIP
    >>> result.stdout, result.exit_code  # doctest: +SKIP
    ('45\\n', 0)
"""

from __future__ import annotations

from typing import Any

from rewardgym.errors import SandboxError
from rewardgym.sandbox.base import ExecResult, Job, Sandbox
from rewardgym.sandbox.factory import make_sandbox, shared_sandbox

__all__ = [
    "DockerSandbox",
    "ExecResult",
    "GradeResult",
    "Grader",
    "Job",
    "ProcessSandbox",
    "Sandbox",
    "SandboxError",
    "TestSuite",
    "make_sandbox",
    "shared_sandbox",
]

_LAZY = {
    "ProcessSandbox": "rewardgym.sandbox.process",
    "DockerSandbox": "rewardgym.sandbox.docker_backend",
    "Grader": "rewardgym.sandbox.grading",
    "GradeResult": "rewardgym.sandbox.grading",
    "TestSuite": "rewardgym.sandbox.grading",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'rewardgym.sandbox' has no attribute {name!r}")
