"""In-sandbox side of the process backend: run one job, or serve jobs as a warm fork server.

This file runs under the sandbox's own interpreter (``/usr/bin/python3 -I -S`` by default) inside a
bubblewrap sandbox, as root *of that sandbox* with only the capabilities it needs to set jobs up. It uses
the standard library only and never imports rewardgym; :mod:`jobsetup` (next to it) turns a process into
the sandboxed job (rlimits, unprivileged uid, ``no_new_privs``, seccomp, clean environment).

``serve`` mode (the warm pool): a supervisor (this process) and a clean template process (:mod:`template`)
forked before any request, which preloads modules and forks every job. Per job the supervisor receives the
files with ``os.splice`` straight into the workspace (a tmpfs capped in size and number of files), hands the
template the job's pipes, relays the output, and wipes the workspace before it replies. The template's fork
enters new PID, network and IPC namespaces and forks the namespace's PID 1 (a tiny init that reaps,
reports the job's status and, by exiting, makes the kernel kill everything left in the namespace), which
forks the job. Python commands run in the forked, preloaded interpreter; the rest is ``exec``-ed.

``once`` mode (a fresh interpreter per job): bubblewrap has already placed the files; set up and run.

Protocol (``serve``): frames of ``!Q`` length + payload on fds 0 (requests) / 1 (replies). A request is a
JSON header followed by the raw bytes of each file and of stdin; a reply is a JSON header followed by the
captured stdout and stderr bytes.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the runtime dir (read-only, trusted)
from jobsetup import SETUP_FAILED, become_job, chown_tree
from template import serve_template

del sys.path[0]  # jobs must not import from here


class ProtocolError(Exception):
    """The host sent something this runner cannot follow; the worker exits and is replaced."""


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
            chown_tree(path, job["uid"], job["gid"])
        os.setsid()
        pid = os.fork()
    except BaseException as exc:
        os.write(2, f"sandbox setup failed: {type(exc).__name__}: {exc}\n".encode())
        os._exit(SETUP_FAILED)
    if pid == 0:
        os.closerange(3, 1 << 16)
        become_job(job, None)  # bubblewrap already applied the seccomp filter
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
    """The warm fork server (``serve`` mode): a supervisor that handles requests and a clean template.

    The supervisor (this process) reads requests, writes the job's files straight into the workspace with
    ``os.splice``, relays the job's output and wipes the workspace after each job, before it replies, so
    the time a job's leftovers take to remove is that job's own. It never forks a job: the template
    (:mod:`template`), forked before any request arrived, does, so no job can find another's data in memory.
    """

    def __init__(self, cfg: dict) -> None:
        self.cfg = cfg
        self.uid, self.gid = cfg["uid"], cfg["gid"]
        self.root = cfg["workspace"]
        bpf = None
        if cfg.get("seccomp"):
            with open(cfg["seccomp"], "rb") as fh:
                bpf = fh.read()
        if cfg.get("max_files"):
            _cap_workspace(self.root, int(cfg["disk_mb"]), int(cfg["max_files"]))
        self.rfd, self.wfd = os.dup(0), os.dup(1)
        self.null = os.open(os.devnull, os.O_WRONLY | os.O_CLOEXEC)
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.close(null)
        self.ctl, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:
            try:
                self.ctl.close()
                for fd in (self.rfd, self.wfd, self.null):
                    os.close(fd)
                serve_template(theirs, cfg, bpf)
            finally:
                os._exit(SETUP_FAILED)
        theirs.close()
        self.template = pid
        if self.ctl.recv(16) != b"R":
            raise ProtocolError("the template process did not start")

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

    def _take(self, dst: int, n: int, error: list[str]) -> None:
        """Move ``n`` request bytes into ``dst``; after a write error (disk full) discard them instead."""
        while n:
            try:
                moved = os.splice(self.rfd, self.null if error else dst, min(n, 1 << 20))
            except OSError as exc:
                if error:
                    raise
                error.append(exc.strerror or str(exc))
                continue
            if moved <= 0:
                raise ProtocolError("request ended inside a file")
            n -= moved

    def _receive_files(self, job: dict, work: str) -> tuple[int | None, str | None]:
        """Write the job's files; returns (stdin fd or None, error or None). Always consumes the request."""
        error: list[str] = []
        for rel, size, mode in job["files"]:
            if error:
                self._take(self.null, size, error)
                continue
            try:
                fd = self._create(work, rel, mode)
            except OSError as exc:  # a name clash (`a` and `a/b`), a name too long: the job's own mistake
                error.append(f"cannot create {rel[:100]!r}: {exc.strerror or exc}")
                self._take(self.null, size, error)
                continue
            try:
                self._take(fd, size, error)
            finally:
                os.close(fd)
        if job["stdin"] < 0:
            return None, (error or [None])[0]
        stdin_path = os.path.join(self.root, ".stdin")
        fd = os.open(stdin_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            self._take(fd, job["stdin"], error)
        finally:
            os.close(fd)
        stdin_fd = os.open(stdin_path, os.O_RDONLY | os.O_CLOEXEC)
        os.unlink(stdin_path)
        return stdin_fd, (error or [None])[0]

    def _create(self, work: str, rel: str, mode: int) -> int:
        path = _safe_path(work, rel)
        parent = work
        for part in rel.split("/")[:-1]:
            parent = os.path.join(parent, part)
            if not os.path.isdir(parent):
                os.mkdir(parent, 0o755)
                os.chown(parent, self.uid, self.gid)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(path, flags, mode & 0o777)
        os.fchown(fd, self.uid, self.gid)
        return fd

    def run(self, job: dict) -> tuple[dict, bytes, bytes]:
        _wipe(self.root)
        work, tmp = os.path.join(self.root, "work"), os.path.join(self.root, "tmp")
        for d in (work, tmp):
            os.mkdir(d, 0o700)
            os.chown(d, self.uid, self.gid)
        stdin_fd, error = self._receive_files(job, work)
        if error:
            if stdin_fd is not None:
                os.close(stdin_fd)
            _wipe(self.root)
            return {"error": f"the files do not fit in the workspace ({error})"}, b"", b""
        job.pop("files", None)
        job.update(uid=self.uid, gid=self.gid, cwd=work)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        st_r, st_w = os.pipe()
        header_r, header_w = os.pipe()
        done_r, done_w = os.pipe()
        theirs = [out_w, err_w, st_w, header_r, done_w] + ([stdin_fd] if stdin_fd is not None else [])
        start = time.monotonic()
        try:
            socket.send_fds(self.ctl, [b"J"], theirs)
            reply = self.ctl.recv(16)
        except OSError as exc:
            raise ProtocolError(f"the template process is gone: {exc}") from exc
        finally:
            for fd in theirs:
                os.close(fd)
        if len(reply) != 8:
            raise ProtocolError("the template process is gone")
        pid = struct.unpack("!q", reply)[0]
        with contextlib.suppress(OSError):  # a job that died at once has closed its end: nothing to do
            _write_all(header_w, json.dumps(job).encode())
        os.close(header_w)
        result = self._collect(job, pid, start, out_r, err_r, st_r, done_r)
        _wipe(self.root)  # the job's leftovers are removed on its own time, not the next job's
        return result

    def _collect(self, job: dict, pid: int, start: float, out_r: int, err_r: int, st_r: int, done_r: int) -> tuple:
        cap = job["max_output"]
        bufs = {out_r: bytearray(), err_r: bytearray(), st_r: bytearray(), done_r: bytearray()}
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
                self._kill(pid, bufs[st_r], done_r in open_fds)
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
                elif fd in (st_r, done_r):
                    bufs[fd] += data
                else:
                    bufs[fd] += data[: cap + 1 - len(bufs[fd])]
                    if len(bufs[fd]) > cap:  # stop reading: the job gets EPIPE, the host the first `cap` bytes
                        truncated[fd] = True
                        del bufs[fd][cap:]
                        close(fd)
        if done_r in open_fds:  # the job ended its output early: make sure nothing of it is left
            self._kill(pid, bufs[st_r], True)
            _wait_closed(done_r, 4.0)
        for fd in list(open_fds):
            close(fd)
        duration = time.monotonic() - start
        status_bytes = bytes(bufs[st_r])
        header = {
            "timed_out": timed_out,
            "duration": duration,
            "exit_code": None,
            "signal": None,
            "maxrss_kb": 0,
        }
        if len(status_bytes) >= 24:
            status, maxrss = struct.unpack("!qq", status_bytes[8:24])
            header["maxrss_kb"] = maxrss
            if os.WIFEXITED(status):
                header["exit_code"] = os.WEXITSTATUS(status)
            elif os.WIFSIGNALED(status):
                header["signal"] = os.WTERMSIG(status)
        out, err = bytes(bufs[out_r]), bytes(bufs[err_r])
        header.update(
            stdout_len=len(out),
            stderr_len=len(err),
            stdout_truncated=truncated[out_r],
            stderr_truncated=truncated[err_r],
        )
        return header, out, err

    @staticmethod
    def _kill(intermediate: int, status_bytes: bytes | bytearray, alive: bool) -> None:
        """SIGKILL the job's PID-1 (its whole namespace dies with it) and the intermediate process.

        ``alive``: the intermediate has not exited yet (its done pipe is open), so its pid is still its own.
        """
        if len(status_bytes) >= 8:
            job_pid = struct.unpack("!q", bytes(status_bytes[:8]))[0]
            with contextlib.suppress(ProcessLookupError):
                os.kill(job_pid, signal.SIGKILL)
        if alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(intermediate, signal.SIGKILL)


def _wait_closed(fd: int, timeout: float) -> None:
    """Wait until every writer of pipe ``fd`` is gone (EOF); raises ProtocolError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ProtocolError("a job's processes did not exit after SIGKILL")
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready and not os.read(fd, 1 << 16):
            return


def _cap_workspace(root: str, disk_mb: int, max_files: int) -> None:
    """Remount the workspace tmpfs with a cap on its inodes, so wiping it after a job is bounded."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    ms_remount, ms_nosuid, ms_nodev = 32, 2, 4
    data = f"size={disk_mb * 1024 * 1024},nr_inodes={max_files},mode=755".encode()
    rc = libc.mount(b"tmpfs", root.encode(), b"tmpfs", ctypes.c_ulong(ms_remount | ms_nosuid | ms_nodev), data)
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"cannot cap the workspace's files: {os.strerror(err)}")


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
