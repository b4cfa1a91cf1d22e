"""Turning a forked process into a sandboxed job: rlimits, uid, seccomp, clean environment, then run.

Part of the in-sandbox runtime (standard library only; see :mod:`runner`). A job process ends up with
rlimits (address space, CPU, file size, processes, open files, no core dumps), an unprivileged uid without
capabilities and with ``no_new_privs``, optionally a seccomp filter, a clean environment, and its
workspace as working directory. Python commands run in the (forked, preloaded) interpreter itself;
anything else is ``exec``-ed.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
import resource
import signal
import sys
import types

__all__ = ["PRECOMPILED", "become_job", "chown_tree", "prctl", "unshare"]

CLONE_NEWIPC = 0x08000000
CLONE_NEWNET = 0x40000000
CLONE_NEWPID = 0x20000000
PR_SET_PDEATHSIG = 1
PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2
SETUP_FAILED = 125
MB = 1024 * 1024

_libc = ctypes.CDLL(None, use_errno=True)
PRECOMPILED: dict[bytes, types.CodeType] = {}  # public scripts (the grader harness), compiled once per worker


def _check(rc: int, what: str) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def prctl(option: int, arg: int = 0) -> None:
    ul = ctypes.c_ulong
    _check(_libc.prctl(ctypes.c_int(option), ul(arg), ul(0), ul(0), ul(0)), f"prctl({option})")


def unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


class _SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))


def _apply_seccomp(bpf: bytes) -> None:
    """Load a classic-BPF seccomp program (as exported by libseccomp) for this process and its children."""
    if not bpf or len(bpf) % 8:
        raise ValueError(f"seccomp program must be a non-empty multiple of 8 bytes, got {len(bpf)}")
    buf = ctypes.create_string_buffer(bpf, len(bpf))
    prog = _SockFprog(len(bpf) // 8, ctypes.addressof(buf))
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    ul = ctypes.c_ulong
    rc = _libc.prctl(
        ctypes.c_int(PR_SET_SECCOMP),
        ul(SECCOMP_MODE_FILTER),
        ctypes.c_void_p(ctypes.addressof(prog)),
        ul(0),
        ul(0),
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
    """``(mode, target, argv, flags)`` for ``python [flags] (-c code | -m mod | file) args``.

    None means: not a form this runner emulates, so ``exec`` the interpreter instead.
    """
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
    with contextlib.suppress(Exception):
        sys.stderr.write(f"{code}\n")
    return 1


def _run_python(mode: str, target: str, argv: list[str], flags: set[str]) -> None:
    """Run a Python program in this forked, preloaded interpreter the way ``python`` would; never returns."""
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
            compiled = PRECOMPILED.get(source) if isinstance(source, bytes) else None
            exec(compiled or compile(source, filename, "exec", dont_inherit=True), main.__dict__)
    except SystemExit as exc:
        code = _exit_code(exc)
    except BaseException:
        traceback.print_exc()
        code = 1
    try:
        import threading

        threading._shutdown()  # type: ignore[attr-defined]  # wait for non-daemon threads, as python does
    except BaseException:
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            code = code or 120
    os._exit(code)


def become_job(job: dict, bpf: bytes | None) -> None:
    """Turn this process into the sandboxed job and run its command; never returns."""
    # the OOM killer takes the job, never the sandbox's own processes
    with contextlib.suppress(OSError), open("/proc/self/oom_score_adj", "w") as fh:
        fh.write("1000")
    try:
        _set_limits(job)
        _drop_privileges(job["uid"], job["gid"])
        if bpf:
            _apply_seccomp(bpf)
        else:
            prctl(PR_SET_NO_NEW_PRIVS, 1)
        os.chdir(job["cwd"])
        os.umask(0o022)
        os.environ.clear()
        os.environ.update(job["env"])
    except BaseException as exc:
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


def chown_tree(root: str, uid: int, gid: int) -> None:
    os.chown(root, uid, gid)
    for base, dirs, files in os.walk(root):
        for name in dirs + files:
            os.chown(os.path.join(base, name), uid, gid, follow_symlinks=False)
