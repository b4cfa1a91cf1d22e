"""The process backend: bubblewrap namespaces + rlimits + an unprivileged uid + seccomp, with a warm pool.

Every run happens inside ``bwrap`` with: new PID, network (no interfaces but a down loopback), IPC and UTS
namespaces; a read-only view of ``/usr`` only (no host ``/etc``, ``/home``, ``/root``, ``/tmp`` or ``/work``);
a size-capped tmpfs as the private workspace; no capabilities and ``no_new_privs``; a per-run unprivileged
uid; rlimits on address space, CPU, file size, processes and open files; the seccomp filter from
:mod:`rewardgym.sandbox.seccomp`; an empty environment. On timeout the whole process tree is killed.

The interpreter is Debian's ``/usr/bin/python3`` by default (world-readable, outside ``/root``; install
it with ``apt-get install -y python3``). Any other interpreter can be given with ``python=``: its
installation prefix is bound read-only at the same path, so even one under the 0700 ``/root`` works.

Two modes:

- ``warm=True`` (default): a pool of fork-server workers (:mod:`rewardgym.sandbox.runtime.runner`), one per
  core. A job costs a few forks plus new PID, network and IPC namespaces; Python programs run in the
  preloaded interpreter. Jobs are forked from a clean template process that never sees job data, the
  workspace (capped at ``max_files`` entries) is wiped before a job's result is returned, and a worker
  whose memory cgroup does not return to its idle baseline after a job is replaced, so a warm job finds
  exactly what a fresh one would.
- ``warm=False``: a fresh ``bwrap`` + interpreter per run.

Example:
    >>> sb = ProcessSandbox()  # doctest: +SKIP
    >>> sb.run({"a.py": "import sys; print(sys.argv[1])"}, ["python3", "a.py", "hi"]).stdout  # doctest: +SKIP
    'hi\\n'
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from rewardgym.errors import SandboxError
from rewardgym.sandbox.base import (
    DEFAULT_ENV,
    UIDS,
    ExecResult,
    Sandbox,
    _memory_exceeded,
    check_command,
    check_files,
    check_limits,
    decode_output,
)
from rewardgym.sandbox.bwrap import bubblewrap_status, collect_fresh, default_python, memfd
from rewardgym.sandbox.cgroup import MemoryCgroup, cgroup_memory_available
from rewardgym.sandbox.pool import WorkerPool

__all__ = ["DEFAULT_PRELOAD", "ProcessSandbox", "bubblewrap_status"]

RUNTIME_DIR = Path(__file__).resolve().parent / "runtime"
SANDBOX_RUNTIME = "/opt/rewardgym"
CGROUP_HEADROOM_MB = 128  # the sandbox's own processes (worker, init) share the run's memory cgroup
WORKSPACE = "/sandbox"
WORKER_CAPS = (
    "CAP_SETUID",
    "CAP_SETGID",
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FOWNER",
    "CAP_SYS_ADMIN",
    "CAP_KILL",
)
ONCE_CAPS = ("CAP_SETUID", "CAP_SETGID", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER")
DEFAULT_PRELOAD: tuple[str, ...] = (
    "abc",
    "ast",
    "bisect",
    "collections",
    "copy",
    "dataclasses",
    "datetime",
    "decimal",
    "enum",
    "fractions",
    "functools",
    "hashlib",
    "heapq",
    "io",
    "itertools",
    "json",
    "math",
    "operator",
    "pickle",
    "random",
    "re",
    "runpy",
    "select",
    "signal",
    "site",
    "socket",
    "statistics",
    "string",
    "struct",
    "textwrap",
    "threading",
    "time",
    "traceback",
    "types",
    "typing",
    "unittest",
)


class ProcessSandbox(Sandbox):
    """bubblewrap-based sandbox with an optional warm fork-server pool (see the module docstring).

    Args:
        warm: use the warm pool (True) or a fresh ``bwrap`` + interpreter per run (False).
        pool_size: number of warm workers (default: the number of CPU cores).
        python: interpreter for ``python``/``python3`` commands (default ``/usr/bin/python3``).
        seccomp: apply the seccomp filter (None: when ``pyseccomp`` is installed).
        disk_mb: size of the workspace tmpfs (all files the run writes, together).
        file_mb: largest single file a run may write (RLIMIT_FSIZE).
        nproc: processes/threads per run (RLIMIT_NPROC, counted for the run's own uid).
        nofile: open files per process.
        max_output_bytes: cap on each of stdout and stderr.
        preload: modules each warm worker imports once (jobs then import them for free).
        netns_per_job: give each warm job its own network namespace (workers already have no network).
        cgroup: cap the memory of all of a run's processes together at ``memory_mb`` + 128 MB with a memory
            cgroup (None: when the host allows it, see :mod:`rewardgym.sandbox.cgroup`).
        max_files: most files and directories a warm run's workspace may hold (so removing what one run
            left behind takes bounded time, spent before that run's result comes back).
    """

    backend = "process"

    def __init__(
        self,
        *,
        warm: bool = True,
        pool_size: int | None = None,
        python: str | None = None,
        seccomp: bool | None = None,
        disk_mb: int = 64,
        file_mb: int = 32,
        nproc: int = 64,
        nofile: int = 256,
        max_output_bytes: int = 1 << 20,
        preload: Sequence[str] = DEFAULT_PRELOAD,
        netns_per_job: bool = True,
        cgroup: bool | None = None,
        max_files: int = 20_000,
    ) -> None:
        ok, message = bubblewrap_status()
        if not ok:
            raise SandboxError(message)
        self.python = os.path.abspath(python or default_python())
        if not os.access(self.python, os.X_OK):
            raise SandboxError(f"python={self.python!r} is not an executable interpreter")
        if seccomp is None or seccomp:
            try:
                from rewardgym.sandbox.seccomp import seccomp_program

                self._bpf: bytes | None = seccomp_program()
            except Exception as exc:
                if seccomp:
                    raise SandboxError(f"seccomp was requested but is unavailable: {exc}") from exc
                self._bpf = None
        else:
            self._bpf = None
        self.warm = warm
        self.disk_mb, self.file_mb, self.nproc, self.nofile = disk_mb, file_mb, nproc, nofile
        if not (isinstance(max_files, int) and 64 <= max_files <= 10_000_000):
            raise SandboxError(f"max_files must be an int in [64, 10000000], got {max_files!r}")
        self.max_files = max_files
        self.max_output_bytes = int(max_output_bytes)
        self.preload = tuple(preload)
        self.netns_per_job = netns_per_job
        available = cgroup_memory_available()
        if cgroup and not available:
            raise SandboxError("memory cgroups were requested but cannot be created here (needs root and cgroup v1/v2)")
        self.use_cgroup = bool(available if cgroup is None else cgroup)
        self.concurrency = int(pool_size or os.cpu_count() or 1)
        self._pool: WorkerPool | None = None
        self._lock = threading.Lock()
        self.reason = (
            "bubblewrap namespaces, "
            + ("seccomp" if self._bpf else "no seccomp")
            + (", memory cgroup" if self.use_cgroup else ", no memory cgroup (per-process rlimits only)")
        )

    # ---------------------------------------------------------------------------------- bwrap command

    def _interpreter_binds(self) -> list[str]:
        """Bind an interpreter outside ``/usr`` at its own path, its parent directories world-traversable.

        (bubblewrap would copy the host's modes for the parents: under ``/root`` (0700) the job's
        unprivileged user would get EACCES.)
        """
        real = os.path.realpath(self.python)
        args: list[str] = []
        for path in dict.fromkeys([self.python, real]):  # a venv's link and the interpreter it points to
            prefix = os.path.dirname(os.path.dirname(path))
            if prefix.startswith("/usr/") or prefix in ("/", "/usr"):
                continue
            parents = []
            parent = os.path.dirname(prefix)
            while parent not in ("/", ""):
                parents.append(parent)
                parent = os.path.dirname(parent)
            for parent in reversed(parents):
                args += ["--perms", "0755", "--dir", parent]
            args += ["--ro-bind", prefix, prefix]
        return args

    def bwrap_args(self, uid: int, caps: Sequence[str], fds: list[int]) -> list[str]:
        """The ``bwrap`` argv prefix shared by both modes (``fds`` collects fds the child must inherit)."""
        args = [
            "bwrap",
            "--die-with-parent",
            "--new-session",
            "--unshare-pid",
            "--unshare-net",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--hostname",
            "sandbox",
            "--ro-bind",
            "/usr",
            "/usr",
        ]
        for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
            if os.path.islink(top):
                args += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                args += ["--ro-bind", top, top]
        args += self._interpreter_binds()
        args += ["--ro-bind", str(RUNTIME_DIR), SANDBOX_RUNTIME, "--proc", "/proc", "--dev", "/dev"]
        passwd = f"root:x:0:0::/:/usr/sbin/nologin\nsandbox:x:{uid}:{uid}::{WORKSPACE}/work:/usr/sbin/nologin\n"
        group = f"root:x:0:\nsandbox:x:{uid}:\n"
        for name, data in (("passwd", passwd), ("group", group)):
            fd = memfd(name, data.encode())
            fds.append(fd)
            args += ["--perms", "0644", "--ro-bind-data", str(fd), f"/etc/{name}"]
        args += [
            "--perms",
            "0755",
            "--size",
            str(self.disk_mb * 1024 * 1024),
            "--tmpfs",
            WORKSPACE,
            "--symlink",
            f"{WORKSPACE}/tmp",
            "/tmp",
            "--chdir",
            "/",
            "--clearenv",
            "--cap-drop",
            "ALL",
        ]
        for cap in caps:
            args += ["--cap-add", cap]
        return args

    def job_header(self, command: list[str], timeout_s: float, memory_mb: int, env: Mapping[str, str] | None) -> dict:
        """The limits and command of one run, as the in-sandbox runner reads them."""
        argv = list(command)
        if argv[0] in ("python", "python3"):
            argv[0] = self.python
        full_env = dict(DEFAULT_ENV)
        full_env.update({"HOME": f"{WORKSPACE}/work", "TMPDIR": f"{WORKSPACE}/tmp"})
        if env:
            bad = [k for k, v in env.items() if not (isinstance(k, str) and isinstance(v, str)) or "=" in k]
            if bad:
                raise SandboxError(f"env must map str -> str (names without '='); bad entries: {bad[:3]}")
            full_env.update(env)
        return {
            "argv": argv,
            "env": full_env,
            "timeout": timeout_s,
            "memory_mb": memory_mb,
            "cpu_s": int(timeout_s) + 1,
            "nproc": self.nproc,
            "nofile": self.nofile,
            "fsize_mb": self.file_mb,
            "max_output": self.max_output_bytes,
        }

    # ----------------------------------------------------------------------------------------- runs

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
        """Run ``command`` on ``files`` in a fresh workspace; see :meth:`Sandbox.run`."""
        encoded = check_files(files)
        header = self.job_header(check_command(command), *check_limits(timeout_s, memory_mb), env)
        try:
            data = stdin.encode() if isinstance(stdin, str) else stdin
        except UnicodeEncodeError as exc:
            raise SandboxError(f"stdin is not valid UTF-8 text ({exc.reason}); pass bytes") from None
        if data is not None and not isinstance(data, (bytes, bytearray)):
            raise SandboxError(f"stdin must be str or bytes, got {type(stdin).__name__}")
        try:
            if self.warm:
                reply, out, err = self._get_pool().run(header, encoded, data)
            else:
                reply, out, err = self._run_fresh(header, encoded, data)
        except (OSError, ValueError) as exc:  # the host ran out of something (fds, memory...)
            raise SandboxError(f"the process sandbox failed: {type(exc).__name__}: {exc}") from exc
        if reply.get("error"):
            raise SandboxError(f"{reply['error']} (disk_mb={self.disk_mb})")
        stderr = decode_output(err)
        sig = reply.get("signal")
        return ExecResult(
            stdout=decode_output(out),
            stderr=stderr,
            exit_code=-sig if sig else reply.get("exit_code"),
            timed_out=bool(reply.get("timed_out")),
            memory_exceeded=_memory_exceeded(stderr, sig, bool(reply.get("oom"))),
            duration_s=float(reply.get("duration", 0.0)),
            stdout_truncated=bool(reply.get("stdout_truncated")),
            stderr_truncated=bool(reply.get("stderr_truncated")),
            backend=self.backend,
        )

    def _get_pool(self) -> WorkerPool:
        with self._lock:
            if self._pool is None:
                self._pool = WorkerPool(self, self.concurrency)
            return self._pool

    def worker_command(self, uid: int, fds: list[int]) -> list[str]:
        """The argv that starts one warm worker with the given uid."""
        cfg = {
            "uid": uid,
            "gid": uid,
            "workspace": WORKSPACE,
            "preload": list(self.preload),
            "netns": self.netns_per_job,
            "seccomp": None,
            "disk_mb": self.disk_mb,
            "max_files": self.max_files,
            "precompile": [f"{SANDBOX_RUNTIME}/harness.py"],
        }
        args = self.bwrap_args(uid, WORKER_CAPS, fds)
        if self._bpf:
            fd = memfd("seccomp", self._bpf)
            fds.append(fd)
            args += ["--ro-bind-data", str(fd), f"{SANDBOX_RUNTIME}-seccomp.bpf"]
            cfg["seccomp"] = f"{SANDBOX_RUNTIME}-seccomp.bpf"
        return [
            *args,
            "--",
            self.python,
            "-I",
            "-S",
            f"{SANDBOX_RUNTIME}/runner.py",
            "serve",
            json.dumps(cfg),
        ]

    def _run_fresh(
        self, header: dict, files: list[tuple[str, bytes]], stdin: bytes | None
    ) -> tuple[dict, bytes, bytes]:
        uid = UIDS.take()
        fds: list[int] = []
        try:
            args = self.bwrap_args(uid, ONCE_CAPS, fds)
            for rel, content in files:
                fd = memfd("file", content)
                fds.append(fd)
                args += ["--file", str(fd), f"{WORKSPACE}/work/{rel}"]
            if self._bpf:
                fd = memfd("seccomp", self._bpf)
                fds.append(fd)
                args += ["--seccomp", str(fd)]
            status_r, status_w = os.pipe()
            fds.append(status_w)
            stdin_fd = memfd("stdin", stdin) if stdin else os.open(os.devnull, os.O_RDONLY)
            fds.append(stdin_fd)
            spec = {
                "workspace": WORKSPACE,
                "status_fd": status_w,
                "job": {**header, "uid": uid, "gid": uid, "cwd": f"{WORKSPACE}/work"},
            }
            argv = [
                *args,
                "--",
                self.python,
                "-I",
                "-S",
                f"{SANDBOX_RUNTIME}/runner.py",
                "once",
                json.dumps(spec),
            ]
            group = None
            if self.use_cgroup:
                try:
                    group = MemoryCgroup(f"run-{os.getpid()}-{uid}", header["memory_mb"] + CGROUP_HEADROOM_MB)
                except OSError as exc:
                    raise SandboxError(f"could not create the run's memory cgroup: {exc}") from exc
                argv = group.wrap(argv)
            start = time.monotonic()
            try:
                proc = subprocess.Popen(
                    argv,
                    stdin=stdin_fd,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    pass_fds=fds,
                    start_new_session=True,
                )
            except OSError as exc:
                os.close(status_r)
                if group is not None:
                    group.remove()
                raise SandboxError(f"could not start bubblewrap: {exc}") from exc
        finally:
            for fd in fds:
                os.close(fd)
        try:
            reply, out, err = collect_fresh(proc, status_r, start, header["timeout"], header["max_output"])
        finally:
            if group is not None:
                oom = group.oom_kills() > 0
                group.remove()
        if group is not None:
            reply["oom"] = oom
        return reply, out, err

    def close(self) -> None:
        """Stop the warm workers (they restart on the next run)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def describe(self) -> str:
        mode = f"warm pool of {self.concurrency}" if self.warm else "fresh interpreter per run"
        return f"process sandbox ({self.reason}; {mode}; python={self.python})"
