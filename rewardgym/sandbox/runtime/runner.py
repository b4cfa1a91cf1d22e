"""In-sandbox side of the process backend: run one job, or serve jobs as a warm fork server.

This file runs under the sandbox's own interpreter (``/usr/bin/python3 -I -S`` by default) inside a
bubblewrap sandbox, as root *of that sandbox* with only the capabilities it needs to set jobs up. It uses
the standard library only and never imports rewardgym.

A job process always ends up: in its own session, with rlimits (address space, CPU, file size, processes,
open files, no core dumps), under an unprivileged uid with no capabilities and ``no_new_privs``, optionally
under a seccomp filter, with a clean environment, in a fresh private workspace.

``serve`` mode (the warm pool): preload modules once, then per job: wipe the workspace, receive the files
with ``os.splice`` (their bytes never pass through this process's memory, so a later job forked from here
cannot find them), fork, ``unshare`` a new PID and network namespace, fork again (the job becomes PID 1 of
its namespace: when it exits every process it left behind dies with it), drop privileges and run. Python
commands run in the forked, preloaded interpreter; anything else is ``exec``-ed.

``once`` mode (a fresh interpreter per job): bubblewrap has already placed the files; set up and run.

Protocol (``serve``): frames of ``!Q`` length + payload on fds 0 (requests) / 1 (replies). A request is a
JSON header followed by the raw bytes of each file and of stdin; a reply is a JSON header followed by the
captured stdout and stderr bytes.
"""

from __future__ import annotations

import ctypes
import io
import json
import os
import resource
import select
import signal
import struct
import sys
import time
import types

CLONE_NEWNET = 0x40000000
CLONE_NEWPID = 0x20000000
PR_SET_PDEATHSIG = 1
PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2
SETUP_FAILED = 125
MB = 1024 * 1024

_libc = ctypes.CDLL(None, use_errno=True)


class ProtocolError(Exception):
    """The host sent something this runner cannot follow; the worker exits and is replaced."""


def _check(rc: int, what: str) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _prctl(option: int, arg: int = 0) -> None:
    ul = ctypes.c_ulong
    _check(_libc.prctl(ctypes.c_int(option), ul(arg), ul(0), ul(0), ul(0)), f"prctl({option})")


def _unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


class _SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))


def _apply_seccomp(bpf: bytes) -> None:
    """Load a classic-BPF seccomp program (as exported by libseccomp) for this process and its children."""
    if not bpf or len(bpf) % 8:
        raise ValueError(f"seccomp program must be a non-empty multiple of 8 bytes, got {len(bpf)}")
    buf = ctypes.create_string_buffer(bpf, len(bpf))
    prog = _SockFprog(len(bpf) // 8, ctypes.addressof(buf))
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    ul = ctypes.c_ulong
    rc = _libc.prctl(
        ctypes.c_int(PR_SET_SECCOMP), ul(SECCOMP_MODE_FILTER), ctypes.c_void_p(ctypes.addressof(prog)), ul(0), ul(0)
    )
    _check(rc, "prctl(PR_SET_SECCOMP)")


# --------------------------------------------------------------------------------------------- job setup


def _set_limits(job: dict) -> None:
    cpu = max(1, int(job["cpu_s"]))
    limits = (
        (resource.RLIMIT_CPU, cpu, cpu + 1),
        (resource.RLIMIT_FSIZE, job["fsize_mb"] * MB, job["fsize_mb"] * MB),
        (resource.RLIMIT_NPROC, job["nproc"], job["nproc"]),
        (resource.RLIMIT_NOFILE, job["nofile"], job["nofile"]),
        (resource.RLIMIT_CORE, 0, 0),
        (resource.RLIMIT_MEMLOCK, 0, 0),
        (resource.RLIMIT_AS, job["memory_mb"] * MB, job["memory_mb"] * MB),
    )
    for which, soft, hard in limits:
        resource.setrlimit(which, (soft, hard))


def _drop_privileges(uid: int, gid: int) -> None:
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise OSError("could not switch to the sandbox user")
    try:
        os.setuid(0)
    except PermissionError:
        return
    raise OSError("privileges were not dropped: setuid(0) succeeded")


def _is_python(program: str) -> bool:
    if os.path.basename(program) in ("python", "python3"):
        return True
    try:
        return os.path.realpath(program) == os.path.realpath(sys.executable)
    except OSError:
        return False


_KNOWN_FLAGS = set("IESsBuPqb")


def _python_plan(args: list[str]) -> tuple[str, str, list[str], set[str]] | None:
    """``(mode, target, argv, flags)`` for ``python [flags] (-c code | -m mod | file) args``; None: exec it."""
    flags: set[str] = set()
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] not in ("-", "-c", "-m"):
        letters = args[i][1:]
        if not letters or not set(letters) <= _KNOWN_FLAGS:
            return None
        flags |= set(letters)
        i += 1
    if i >= len(args):
        return None
    if args[i] in ("-c", "-m"):
        if i + 1 >= len(args):
            return None
        mode, target = args[i][1], args[i + 1]
        argv = (["-c"] if mode == "c" else [target]) + args[i + 2 :]
        return mode, target, argv, flags
    if args[i] == "-":
        return None
    return "f", args[i], args[i:], flags


def _exit_code(exc: SystemExit) -> int:
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        sys.stderr.write(f"{code}\n")
    except Exception:  # noqa: BLE001 - stderr may be gone
        pass
    return 1


def _run_python(mode: str, target: str, argv: list[str], flags: set[str]) -> None:
    """Run a Python program in this (forked, preloaded) interpreter the way ``python`` would; never returns."""
    import builtins
    import traceback

    sys.stdin = sys.__stdin__ = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
    out = io.FileIO(1, "w", closefd=False)
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(
        out if "u" in flags else io.BufferedWriter(out), encoding="utf-8", write_through="u" in flags
    )
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace", write_through=True
    )
    sys.argv = argv
    if "S" not in flags:
        import site

        site.main()
    if "I" not in flags and "P" not in flags:
        sys.path.insert(0, os.path.dirname(os.path.abspath(target)) if mode == "f" else "")
    code = 0
    try:
        if mode == "m":
            import runpy

            runpy._run_module_as_main(target, alter_argv=True)  # type: ignore[attr-defined]
        else:
            main = types.ModuleType("__main__")
            main.__dict__["__builtins__"] = builtins
            if mode == "f":
                with open(target, "rb") as fh:
                    source: bytes | str = fh.read()
                main.__file__ = target
                filename = target
            else:
                source, filename = target, "<string>"
            sys.modules["__main__"] = main
            exec(compile(source, filename, "exec", dont_inherit=True), main.__dict__)
    except SystemExit as exc:
        code = _exit_code(exc)
    except BaseException:  # noqa: BLE001 - mirror the interpreter: print the traceback, exit 1
        traceback.print_exc()
        code = 1
    try:
        import threading

        threading._shutdown()  # type: ignore[attr-defined]  # wait for non-daemon threads, as python does
    except BaseException:  # noqa: BLE001
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001
            code = code or 120
    os._exit(code)


def _become_job(job: dict, bpf: bytes | None) -> None:
    """Turn this process into the sandboxed job and run its command; never returns."""
    try:
        _set_limits(job)
        _drop_privileges(job["uid"], job["gid"])
        if bpf:
            _apply_seccomp(bpf)
        else:
            _prctl(PR_SET_NO_NEW_PRIVS, 1)
        os.chdir(job["cwd"])
        os.umask(0o022)
        os.environ.clear()
        os.environ.update(job["env"])
    except BaseException as exc:  # noqa: BLE001 - report and leave with a distinctive code
        os.write(2, f"sandbox setup failed: {type(exc).__name__}: {exc}\n".encode())
        os._exit(SETUP_FAILED)
    argv = job["argv"]
    if _is_python(argv[0]):
        plan = _python_plan(argv[1:])
        if plan is not None:
            _run_python(*plan)
        argv = [sys.executable, *argv[1:]]
    for sig in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    try:
        os.execvpe(argv[0], argv, job["env"])
    except OSError as exc:
        os.write(2, f"cannot run {argv[0]!r}: {exc.strerror}\n".encode())
        os._exit(127)


def _chown_tree(root: str, uid: int, gid: int) -> None:
    os.chown(root, uid, gid)
    for base, dirs, files in os.walk(root):
        for name in dirs + files:
            os.chown(os.path.join(base, name), uid, gid, follow_symlinks=False)


# --------------------------------------------------------------------------------------------- once mode


def once(spec: dict) -> None:
    """Fresh-interpreter mode: bubblewrap placed the files; set up, run the job, report its wait status.

    The status goes to ``spec["status_fd"]`` (a pipe to the host the job itself never holds), so a program
    exiting with, say, 137 is not mistaken for one killed by SIGKILL.
    """
    job, status_fd = spec["job"], spec["status_fd"]
    try:
        for sub in ("work", "tmp"):
            path = os.path.join(spec["workspace"], sub)
            os.makedirs(path, exist_ok=True)
            _chown_tree(path, job["uid"], job["gid"])
        os.setsid()
        pid = os.fork()
    except BaseException as exc:
        os.write(2, f"sandbox setup failed: {type(exc).__name__}: {exc}\n".encode())
        os._exit(SETUP_FAILED)
    if pid == 0:
        os.closerange(3, 1 << 16)
        _become_job(job, None)  # bubblewrap already applied the seccomp filter
    for fd in (0, 1, 2):
        os.close(fd)
    _, status, usage = os.wait4(pid, 0)
    os.write(status_fd, struct.pack("!qq", status, usage.ru_maxrss))
    os._exit(0)


# -------------------------------------------------------------------------------------------- serve mode


def _read_exact(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        data = os.read(fd, min(n, 1 << 20))
        if not data:
            raise EOFError
        chunks.append(data)
        n -= len(data)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _splice_exact(src: int, dst: int, n: int) -> None:
    """Move ``n`` bytes from the request pipe into a file without copying them into this process."""
    while n:
        moved = os.splice(src, dst, min(n, 1 << 20))
        if moved <= 0:
            raise ProtocolError("request ended inside a file")
        n -= moved


def _safe_path(root: str, rel: str) -> str:
    if not rel or rel.startswith("/") or "\x00" in rel or any(p in ("", ".", "..") for p in rel.split("/")):
        raise ProtocolError(f"bad file path {rel!r}")
    return os.path.join(root, rel)


def _wipe(path: str) -> None:
    import shutil

    for name in os.listdir(path):
        full = os.path.join(path, name)
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full, ignore_errors=True)
        else:
            os.unlink(full)


class Worker:
    """The warm fork server (``serve`` mode)."""

    def __init__(self, cfg: dict) -> None:
        self.cfg = cfg
        self.uid, self.gid = cfg["uid"], cfg["gid"]
        self.root = cfg["workspace"]
        self.bpf = None
        if cfg.get("seccomp"):
            with open(cfg["seccomp"], "rb") as fh:
                self.bpf = fh.read()
        self.rfd, self.wfd = os.dup(0), os.dup(1)
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.close(null)
        for name in cfg.get("preload", ()):
            try:
                __import__(name)
            except Exception:  # noqa: BLE001 - a preload is an optimisation only
                pass

    def send(self, header: dict, *blobs: bytes) -> None:
        payload = json.dumps(header).encode()
        _write_all(self.wfd, struct.pack("!Q", len(payload)) + payload + b"".join(blobs))

    def serve(self) -> None:
        self.send({"ready": True, "pid": os.getpid()})
        while True:
            try:
                size = struct.unpack("!Q", _read_exact(self.rfd, 8))[0]
            except EOFError:
                return
            job = json.loads(_read_exact(self.rfd, size))
            header, out, err = self.run(job)
            self.send(header, out, err)

    def _receive_files(self, job: dict, work: str) -> int | None:
        for rel, size, mode in job["files"]:
            path = _safe_path(work, rel)
            parent = work
            for part in rel.split("/")[:-1]:
                parent = os.path.join(parent, part)
                if not os.path.isdir(parent):
                    os.mkdir(parent, 0o755)
                    os.chown(parent, self.uid, self.gid)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode & 0o777)
            try:
                _splice_exact(self.rfd, fd, size)
                os.fchown(fd, self.uid, self.gid)
            finally:
                os.close(fd)
        if job["stdin"] < 0:
            return None
        stdin_path = os.path.join(self.root, ".stdin")
        fd = os.open(stdin_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            _splice_exact(self.rfd, fd, job["stdin"])
        finally:
            os.close(fd)
        stdin_fd = os.open(stdin_path, os.O_RDONLY | os.O_CLOEXEC)
        os.unlink(stdin_path)
        return stdin_fd

    def run(self, job: dict) -> tuple[dict, bytes, bytes]:
        _wipe(self.root)
        work, tmp = os.path.join(self.root, "work"), os.path.join(self.root, "tmp")
        for d in (work, tmp):
            os.mkdir(d, 0o700)
            os.chown(d, self.uid, self.gid)
        stdin_fd = self._receive_files(job, work)
        job.update(uid=self.uid, gid=self.gid, cwd=work)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        st_r, st_w = os.pipe()
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            self._intermediate(job, stdin_fd, out_w, err_w, st_w)
        for fd in (out_w, err_w, st_w):
            os.close(fd)
        if stdin_fd is not None:
            os.close(stdin_fd)
        return self._collect(job, pid, start, out_r, err_r, st_r)

    def _intermediate(self, job: dict, stdin_fd: int | None, out_w: int, err_w: int, st_w: int) -> None:
        try:
            keep = sorted({out_w, err_w, st_w} | ({stdin_fd} if stdin_fd is not None else set()))
            low = 3
            for fd in keep:  # drop everything else, above all the read ends of the job's pipes
                os.closerange(low, fd)
                low = fd + 1
            os.closerange(low, 1 << 16)
            os.setsid()
            _unshare(CLONE_NEWPID | (CLONE_NEWNET if self.cfg.get("netns", True) else 0))
            pid = os.fork()
            if pid == 0:
                _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
                os.dup2(stdin_fd if stdin_fd is not None else os.open(os.devnull, os.O_RDONLY), 0)
                os.dup2(out_w, 1)
                os.dup2(err_w, 2)
                os.closerange(3, 1 << 16)
                _become_job(job, self.bpf)
            os.write(st_w, struct.pack("!q", pid))
            os.close(out_w)
            os.close(err_w)
            _, status, usage = os.wait4(pid, 0)
            os.write(st_w, struct.pack("!qq", status, usage.ru_maxrss))
            os._exit(0)
        except BaseException as exc:  # noqa: BLE001
            try:
                os.write(err_w, f"sandbox setup failed: {type(exc).__name__}: {exc}\n".encode())
            finally:
                os._exit(SETUP_FAILED)

    def _collect(self, job: dict, pid: int, start: float, out_r: int, err_r: int, st_r: int) -> tuple:
        cap = job["max_output"]
        bufs = {out_r: bytearray(), err_r: bytearray(), st_r: bytearray()}
        truncated = {out_r: False, err_r: False}
        poller = select.poll()
        for fd in bufs:
            poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        open_fds = set(bufs)

        def close(fd: int) -> None:
            poller.unregister(fd)
            open_fds.discard(fd)
            os.close(fd)

        deadline = start + job["timeout"]
        timed_out = False
        hard_stop = None
        while open_fds:
            now = time.monotonic()
            if not timed_out and now >= deadline:
                timed_out = True
                self._kill(pid, bufs[st_r])
                hard_stop = now + 5.0
            if hard_stop is not None and now >= hard_stop:
                break
            wait = (hard_stop if hard_stop is not None else deadline) - now
            for fd, _ in poller.poll(max(0, int(wait * 1000)) + 1):
                if fd not in open_fds:
                    continue
                data = os.read(fd, 1 << 16)
                if not data:
                    close(fd)
                elif fd == st_r:
                    bufs[fd] += data
                else:
                    bufs[fd] += data[: cap + 1 - len(bufs[fd])]
                    if len(bufs[fd]) > cap:  # stop reading: the job gets EPIPE, the host the first `cap` bytes
                        truncated[fd] = True
                        del bufs[fd][cap:]
                        close(fd)
        for fd in list(open_fds):
            close(fd)
        self._kill(pid, bufs[st_r])
        os.waitpid(pid, 0)
        duration = time.monotonic() - start
        status_bytes = bytes(bufs[st_r])
        header = {"timed_out": timed_out, "duration": duration, "exit_code": None, "signal": None, "maxrss_kb": 0}
        if len(status_bytes) >= 24:
            status, maxrss = struct.unpack("!qq", status_bytes[8:24])
            header["maxrss_kb"] = maxrss
            if os.WIFEXITED(status):
                header["exit_code"] = os.WEXITSTATUS(status)
            elif os.WIFSIGNALED(status):
                header["signal"] = os.WTERMSIG(status)
        out, err = bytes(bufs[out_r]), bytes(bufs[err_r])
        header.update(
            stdout_len=len(out), stderr_len=len(err), stdout_truncated=truncated[out_r],
            stderr_truncated=truncated[err_r],
        )
        return header, out, err

    @staticmethod
    def _kill(intermediate: int, status_bytes: bytes | bytearray) -> None:
        """SIGKILL the job's PID-1 (its whole namespace dies with it) and the intermediate process."""
        if len(status_bytes) >= 8:
            job_pid = struct.unpack("!q", bytes(status_bytes[:8]))[0]
            try:
                os.kill(job_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.kill(intermediate, signal.SIGKILL)
        except ProcessLookupError:
            pass


def main(argv: list[str]) -> None:
    mode, cfg = argv[1], json.loads(argv[2])
    if mode == "once":
        once(cfg)
    elif mode == "serve":
        Worker(cfg).serve()
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv)
