"""The sandbox contract shared by every backend: :class:`Sandbox`, :class:`ExecResult`, :class:`Job`.

``Sandbox.run(files, command, *, timeout_s, memory_mb)`` runs an untrusted program on a private copy of
``files`` and returns what happened. ``Sandbox.run_many(jobs)`` runs a batch concurrently: every job has its
own deadline, so one slow or hung job never holds up the others.

Example:
    >>> from rewardgym.sandbox import make_sandbox
    >>> with make_sandbox("process") as sb:  # doctest: +SKIP
    ...     sb.run({"main.py": "print(6 * 7)"}, ["python3", "main.py"], timeout_s=5, memory_mb=256).stdout
    '42\\n'
"""

from __future__ import annotations

import re
import secrets
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from rewardgym.errors import SandboxError

__all__ = ["DEFAULT_ENV", "ExecResult", "Job", "Sandbox", "UidAllocator"]

DEFAULT_ENV: dict[str, str] = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONHASHSEED": "0",
}

_MEMORY_PATTERNS = re.compile(r"MemoryError|Cannot allocate memory|std::bad_alloc|out of memory", re.IGNORECASE)


@dataclass(frozen=True)
class ExecResult:
    """What one sandboxed run produced.

    Attributes:
        stdout: standard output (decoded as UTF-8 with replacement), at most ``max_output_bytes``.
        stderr: standard error, likewise capped.
        exit_code: the exit status; ``-N`` when killed by signal ``N``; None when it never started.
        timed_out: the wall-clock limit was hit and the whole process tree was killed.
        memory_exceeded: the program ran out of its memory allowance (an allocation failed or it was killed
            for memory).
        duration_s: wall-clock seconds, setup excluded.
        stdout_truncated: stdout was longer than the cap; the rest was dropped (the program got EPIPE).
        stderr_truncated: likewise for stderr.
        backend: which backend ran it (``"process"`` or ``"docker"``).
        sandbox_error: set only by :meth:`Sandbox.run_many` when the sandbox itself failed for this job
            (the :class:`SandboxError` message); the program's own failures never set it.
    """

    stdout: str
    stderr: str
    exit_code: int | None
    timed_out: bool = False
    memory_exceeded: bool = False
    duration_s: float = 0.0
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    backend: str = ""
    sandbox_error: str | None = None

    @property
    def ok(self) -> bool:
        """Exited with status 0 within its limits."""
        return self.exit_code == 0 and not self.timed_out and not self.memory_exceeded

    @property
    def truncated(self) -> bool:
        """Either stream was cut at the output cap."""
        return self.stdout_truncated or self.stderr_truncated


@dataclass(frozen=True)
class Job:
    """One unit of :meth:`Sandbox.run_many`: the arguments of :meth:`Sandbox.run`."""

    files: Mapping[str, str | bytes]
    command: Sequence[str]
    timeout_s: float = 10.0
    memory_mb: int = 512
    stdin: str | bytes | None = None
    env: Mapping[str, str] | None = None
    tag: Any = field(default=None, compare=False)


def _memory_exceeded(stderr: str, signal: int | None, killed_for_memory: bool = False) -> bool:
    if killed_for_memory:
        return True
    return bool(_MEMORY_PATTERNS.search(stderr[-4096:]))


def decode_output(data: bytes) -> str:
    """Decode program output for :class:`ExecResult` (invalid UTF-8 becomes U+FFFD)."""
    return data.decode("utf-8", errors="replace")


NAME_MAX = 255  # bytes in one path component (Linux)
PATH_MAX = 4000  # bytes in a whole relative path (Linux allows 4096 with the workspace prefix)


def check_files(files: Mapping[str, str | bytes]) -> list[tuple[str, bytes]]:
    """Validate workspace file names and encode contents; raises SandboxError.

    A name must be a relative path inside the workspace (no ``..``), each component at most 255 bytes of
    UTF-8, and no name may also be a directory of another (``a`` and ``a/b``).
    """
    if not isinstance(files, Mapping):
        raise SandboxError(f"files must be a mapping of relative path -> content, got {type(files).__name__}")
    out = []
    names: set[str] = set()
    dirs: set[str] = set()
    for name, content in files.items():
        if not isinstance(name, str):
            raise SandboxError(f"file names must be str, got {type(name).__name__}: {name!r}")
        parts = name.split("/")
        if not name or name.startswith("/") or "\x00" in name or any(p in ("", ".", "..") for p in parts):
            raise SandboxError(f"file name {name!r} must be a relative path inside the workspace (no '..')")
        try:
            sizes = [len(p.encode("utf-8")) for p in parts]
        except UnicodeEncodeError as exc:
            raise SandboxError(f"file name {name[:80]!r} is not valid UTF-8 ({exc.reason})") from None
        if max(sizes) > NAME_MAX or sum(sizes) + len(parts) > PATH_MAX:
            raise SandboxError(
                f"file name {name[:80]!r}... is too long: each part of a path may have at most {NAME_MAX} "
                f"bytes and the whole path {PATH_MAX}"
            )
        names.add(name)
        dirs.update("/".join(parts[:i]) for i in range(1, len(parts)))
        if isinstance(content, str):
            try:
                content = content.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise SandboxError(f"file {name!r} is not valid UTF-8 text ({exc.reason}); pass bytes") from None
        if not isinstance(content, (bytes, bytearray)):
            raise SandboxError(f"file {name!r} must be str or bytes, got {type(content).__name__}")
        out.append((name, bytes(content)))
    clash = sorted(names & dirs)
    if clash:
        raise SandboxError(
            f"{clash[0]!r} is both a file and the directory of another file; a path can be only one of them"
        )
    return out


def check_command(command: Sequence[str]) -> list[str]:
    """Validate a command (a non-empty list of strings)."""
    if isinstance(command, str) or not command or not all(isinstance(c, str) for c in command):
        raise SandboxError(f"command must be a non-empty list of strings, e.g. ['python3', 'main.py']; got {command!r}")
    return list(command)


def check_limits(timeout_s: float, memory_mb: int) -> tuple[float, int]:
    """Validate the per-run limits."""
    if not (isinstance(timeout_s, (int, float)) and 0 < timeout_s <= 3600):
        raise SandboxError(f"timeout_s must be a number of seconds in (0, 3600], got {timeout_s!r}")
    if not (isinstance(memory_mb, int) and 32 <= memory_mb <= 65536):
        raise SandboxError(f"memory_mb must be an int in [32, 65536], got {memory_mb!r}")
    return float(timeout_s), int(memory_mb)


class UidAllocator:
    """Hands out unprivileged uids no other concurrent sandboxed run uses (so their process counts and
    files never mix). Starts at a random offset so separate host processes rarely collide."""

    def __init__(self, low: int = 200_000, high: int = 2_000_000_000) -> None:
        self._lock = threading.Lock()
        self._next = low + secrets.randbelow((high - low) // 2)
        self._high = high
        self._low = low

    def take(self, n: int = 1) -> int:
        """Reserve ``n`` consecutive uids; returns the first."""
        with self._lock:
            if self._next + n >= self._high:
                self._next = self._low
            first = self._next
            self._next += n
            return first


UIDS = UidAllocator()


class Sandbox(ABC):
    """Runs untrusted programs in isolation. Use :func:`rewardgym.sandbox.make_sandbox` to get one.

    Attributes:
        backend: ``"process"`` or ``"docker"``.
        reason: why this backend was chosen (set by ``make_sandbox``).
        max_output_bytes: cap on each of stdout / stderr.
        concurrency: how many runs proceed at once in :meth:`run_many`.
    """

    backend: str = ""
    reason: str = ""
    max_output_bytes: int = 1 << 20
    concurrency: int = 1

    @abstractmethod
    def run(
        self,
        files: Mapping[str, str | bytes],
        command: Sequence[str],
        *,
        timeout_s: float = 10.0,
        memory_mb: int = 512,
        stdin: str | bytes | None = None,
        env: Mapping[str, str] | None = None,
    ) -> ExecResult:
        """Run ``command`` in a fresh workspace holding ``files``.

        Args:
            files: ``{relative path: content}`` written into the private workspace (the working directory).
            command: argv; ``python``/``python3`` means the sandbox's interpreter.
            timeout_s: wall-clock limit; on expiry the whole process tree is killed.
            memory_mb: address-space limit of each process (the interpreter itself needs ~30 MB).
            stdin: data for standard input (default: empty).
            env: extra environment variables (the environment starts empty, not from the host).

        Raises:
            SandboxError: the sandbox itself failed, or the arguments are invalid. A program that fails
                is not an error: see the returned :class:`ExecResult`.
        """

    def run_many(
        self,
        jobs: Iterable[Job],
        *,
        max_concurrency: int | None = None,
        progress: bool | Callable[[int], None] = False,
    ) -> list[ExecResult]:
        """Run jobs concurrently, each under its own deadline; results come back in input order.

        A job whose run raises :class:`SandboxError` gets an ``ExecResult`` with ``exit_code=None`` and the
        message in ``sandbox_error`` instead of failing the batch.
        """
        jobs = list(jobs)
        if not jobs:
            return []
        workers = max(1, min(max_concurrency or self.concurrency, len(jobs)))
        bar = _progress(len(jobs), progress)

        def one(job: Job) -> ExecResult:
            try:
                return self.run(
                    job.files,
                    job.command,
                    timeout_s=job.timeout_s,
                    memory_mb=job.memory_mb,
                    stdin=job.stdin,
                    env=job.env,
                )
            except SandboxError as exc:
                return ExecResult("", "", None, backend=self.backend, sandbox_error=str(exc))
            finally:
                bar(1)

        if workers == 1:
            return [one(j) for j in jobs]
        with ThreadPoolExecutor(workers, thread_name_prefix=f"rewardgym-{self.backend}") as pool:
            return list(pool.map(one, jobs))

    def describe(self) -> str:
        """One line: which backend, its isolation, and why it was chosen."""
        return f"{self.backend} sandbox" + (f" ({self.reason})" if self.reason else "")

    def close(self) -> None:  # noqa: B027 - optional hook: backends without warm state need nothing
        """Release warm workers / containers. The sandbox can still be used afterwards (they restart)."""

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _progress(total: int, progress: bool | Callable[[int], None]) -> Callable[[int], None]:
    if callable(progress):
        return progress
    if not progress:
        return lambda n: None
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc="sandbox", unit="run")
    lock = threading.Lock()

    def update(n: int) -> None:
        with lock:
            bar.update(n)
            if bar.n >= total:
                bar.close()

    return update
