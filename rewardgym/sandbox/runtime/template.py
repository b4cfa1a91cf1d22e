"""The clean template process of a warm worker: it forks every job and never touches job data.

Part of the in-sandbox runtime (standard library only; see :mod:`runner`). The worker's supervisor forks
the template once, before it has seen any request; the template preloads modules and then only waits for
one-byte "start a job" messages carrying file descriptors (``SCM_RIGHTS``). For each it forks the job's
*intermediate* process, which reads the job's header (argv, env, limits) from a pipe itself, so no job's
data — files, stdin, header, output — is ever in the template's memory, and a job forked from it cannot find
an earlier job's data in its own memory.

The intermediate process enters new PID, network and IPC namespaces (SysV shared memory, message queues,
semaphores and POSIX message queues die with the job), and forks the namespace's PID 1 (:func:`_init`), a
tiny init that starts the job, reaps, reports its status and, by exiting, makes the kernel kill everything
left in the namespace. The intermediate holds a "done" pipe open until the namespace is gone, so the
supervisor knows when nothing of the job is left.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct

from jobsetup import (
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWPID,
    PR_SET_PDEATHSIG,
    PRECOMPILED,
    SETUP_FAILED,
    become_job,
    prctl,
    unshare,
)

__all__ = ["FDS", "serve_template"]

# the descriptors of one job, in the order they travel: output, error, status, header, done (+ stdin)
FDS = ("out", "err", "status", "header", "done")


def serve_template(ctl: socket.socket, cfg: dict, bpf: bytes | None) -> None:
    """The template's loop: preload, then fork one intermediate per message on ``ctl``; never returns."""
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    for name in cfg.get("preload", ()):
        with contextlib.suppress(Exception):
            __import__(name)
    for path in cfg.get("precompile", ()):
        with open(path, "rb") as fh:
            source = fh.read()
        PRECOMPILED[source] = compile(source, os.path.basename(path), "exec", dont_inherit=True)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # intermediates are reaped by the kernel
    ctl.send(b"R")
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(ctl, 16, len(FDS) + 1)
        except OSError:
            os._exit(0)
        if not msg:
            os._exit(0)
        if len(fds) not in (len(FDS), len(FDS) + 1):
            for fd in fds:
                os.close(fd)
            os._exit(SETUP_FAILED)
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _intermediate(cfg, bpf, fds)
        for fd in fds:
            os.close(fd)
        ctl.send(struct.pack("!q", pid))


def _read_header(fd: int) -> dict:
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    os.close(fd)
    return json.loads(b"".join(chunks))


def _intermediate(cfg: dict, bpf: bytes | None, fds: list[int]) -> None:
    """Between the template and the job: read the header, enter new namespaces, fork the job's PID 1."""
    out_w, err_w, st_w, header_r, done_w = fds[:5]
    stdin_fd = fds[5] if len(fds) > 5 else None
    try:
        keep = sorted({out_w, err_w, st_w, header_r, done_w} | ({stdin_fd} if stdin_fd is not None else set()))
        low = 3
        for fd in keep:  # drop everything else (the control socket, the worker's own pipes)
            os.closerange(low, fd)
            low = fd + 1
        os.closerange(low, 1 << 16)
        job = _read_header(header_r)
        os.setsid()
        flags = CLONE_NEWPID | CLONE_NEWIPC | (CLONE_NEWNET if cfg.get("netns", True) else 0)
        unshare(flags)
        pid = os.fork()
        if pid == 0:
            os.close(done_w)
            _init(job, bpf, stdin_fd, out_w, err_w, st_w)
        os.write(st_w, struct.pack("!q", pid))
        for fd in (out_w, err_w, st_w) + ((stdin_fd,) if stdin_fd is not None else ()):
            os.close(fd)
        os.waitpid(pid, 0)  # returns once the namespace is empty; PID 1 has PDEATHSIG=SIGKILL tied to us
        os._exit(0)  # closes done_w: the supervisor now knows nothing of the job is left
    except BaseException as exc:
        try:
            os.write(err_w, f"sandbox setup failed: {type(exc).__name__}: {exc}\n".encode())
        finally:
            os._exit(SETUP_FAILED)


def _init(job: dict, bpf: bytes | None, stdin_fd: int | None, out_w: int, err_w: int, st_w: int) -> None:
    """PID 1 of the job's namespace: start the job (PID 2), reap, report its status, exit.

    When this process exits the kernel kills everything left in the namespace. The job is not PID 1
    itself, so signals behave for it as anywhere else; it cannot signal this process (other uid).
    """
    try:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        pid = os.fork()
        if pid == 0:
            os.dup2(stdin_fd if stdin_fd is not None else os.open(os.devnull, os.O_RDONLY), 0)
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            os.closerange(3, 1 << 16)
            become_job(job, bpf)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        for fd in {out_w, err_w, null} | ({stdin_fd} if stdin_fd is not None else set()):
            os.close(fd)
        while True:
            done, status, usage = os.wait4(-1, 0)
            if done == pid:
                break
        os.write(st_w, struct.pack("!qq", status, usage.ru_maxrss))
    finally:
        os._exit(0)
