"""Host side of the warm fork-server pool used by :class:`~rewardgym.sandbox.process.ProcessSandbox`.

Each worker is one long-lived ``bwrap`` sandbox running :mod:`rewardgym.sandbox.runtime.runner` in
``serve`` mode under its own uid. A run takes an idle worker, streams the job (JSON header, then the raw
bytes of each file and of stdin) into it and reads back the result. A worker that dies or stops answering is
killed (its whole process group) and replaced on the next run.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import select
import signal
import struct
import subprocess
import tempfile
import time
import weakref
from typing import TYPE_CHECKING

from rewardgym.errors import SandboxError
from rewardgym.sandbox.base import UIDS
from rewardgym.sandbox.cgroup import MemoryCgroup

if TYPE_CHECKING:
    from rewardgym.sandbox.process import ProcessSandbox

CGROUP_HEADROOM_MB = 128  # as in rewardgym.sandbox.process

__all__ = ["WorkerPool"]

START_TIMEOUT_S = 60.0
REPLY_GRACE_S = 10.0
RESIDUE_SLACK_BYTES = 48 << 20  # a worker holding more than this over its idle baseline after a job is replaced
RESIDUE_WAIT_S = 0.25  # how long a job's freed memory may take to leave the cgroup (IPC teardown is async)
_LIVE_POOLS: weakref.WeakSet[WorkerPool] = weakref.WeakSet()


class _WorkerGone(Exception):
    """The worker process died or broke the protocol."""


class _Replace(Exception):
    """The worker cannot take this job as it is (its memory cap cannot be lowered): start a fresh one."""


def _write_all(fd: int, data: bytes, deadline: float) -> None:
    view = memoryview(data)
    while view:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _WorkerGone("timed out sending the job")
        _, ready, _ = select.select([], [fd], [], remaining)
        if not ready:
            continue
        try:
            view = view[os.write(fd, view[: 1 << 16]) :]
        except BlockingIOError:
            continue
        except (BrokenPipeError, OSError) as exc:
            raise _WorkerGone(f"worker stopped reading: {exc}") from exc


def _read_exact(fd: int, n: int, deadline: float) -> bytes:
    chunks, got = [], 0
    while got < n:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _WorkerGone("no reply in time")
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        try:
            data = os.read(fd, min(n - got, 1 << 20))
        except BlockingIOError:
            continue
        if not data:
            raise _WorkerGone("worker exited")
        chunks.append(data)
        got += len(data)
    return b"".join(chunks)


class _Worker:
    def __init__(self, sandbox: ProcessSandbox, uid: int, limit_mb: int = 512) -> None:
        self.uid = uid
        self.dirty = False  # left memory behind that did not go away: replace before the next job
        self.baseline: int | None = None
        self.log = tempfile.TemporaryFile(prefix="rewardgym-worker-")  # noqa: SIM115 - lives with the worker
        fds: list[int] = []
        try:
            argv = sandbox.worker_command(uid, fds)
            self.cgroup = None
            if sandbox.use_cgroup:
                self.cgroup = MemoryCgroup(f"worker-{os.getpid()}-{uid}", limit_mb)
                argv = self.cgroup.wrap(argv)
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.log,
                pass_fds=fds,
                start_new_session=True,
                bufsize=0,
            )
        except OSError as exc:
            if getattr(self, "cgroup", None) is not None:
                self.cgroup.remove()
            raise SandboxError(f"could not start a sandbox worker: {exc}") from exc
        finally:
            for fd in fds:
                os.close(fd)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.wfd, self.rfd = self.proc.stdin.fileno(), self.proc.stdout.fileno()
        os.set_blocking(self.wfd, False)
        try:
            hello = self._read_frame(time.monotonic() + START_TIMEOUT_S)
        except _WorkerGone as exc:
            self.kill()
            raise SandboxError(f"sandbox worker failed to start: {exc}; log: {self.log_tail()}") from exc
        if not hello[0].get("ready"):
            self.kill()
            raise SandboxError(f"sandbox worker sent {hello[0]!r} instead of a ready message")
        if self.cgroup is not None:
            self.baseline = self.cgroup.resident_bytes()

    def _read_frame(self, deadline: float) -> tuple[dict, bytes]:
        size = struct.unpack("!Q", _read_exact(self.rfd, 8, deadline))[0]
        if size > 1 << 20:
            raise _WorkerGone(f"the worker sent a {size}-byte header")
        try:
            header = json.loads(_read_exact(self.rfd, size, deadline))
        except ValueError as exc:
            raise _WorkerGone(f"the worker sent a malformed reply: {exc}") from exc
        if not isinstance(header, dict):
            raise _WorkerGone("the worker sent a malformed reply")
        body = _read_exact(self.rfd, header.get("stdout_len", 0) + header.get("stderr_len", 0), deadline)
        return header, body

    def run(self, header: dict, files: list[tuple[str, bytes]], stdin: bytes | None) -> tuple[dict, bytes, bytes]:
        request = dict(header)
        request["files"] = [[rel, len(content), 0o644] for rel, content in files]
        request["stdin"] = -1 if stdin is None else len(stdin)
        head = json.dumps(request).encode()
        blobs = [struct.pack("!Q", len(head)), head, *(c for _, c in files), stdin or b""]
        deadline = time.monotonic() + header["timeout"] + REPLY_GRACE_S
        ooms = 0
        if self.cgroup is not None:
            try:
                self.cgroup.set_limit(header["memory_mb"] + CGROUP_HEADROOM_MB)
            except OSError as exc:  # e.g. EBUSY: more is in use than the new, smaller cap
                raise _Replace(str(exc)) from exc
            ooms = self.cgroup.oom_kills()
        _write_all(self.wfd, b"".join(blobs), deadline)
        reply, body = self._read_frame(deadline)
        if self.cgroup is not None:
            reply["oom"] = self.cgroup.oom_kills() > ooms
            self._check_residue()
        n = reply.get("stdout_len", 0)
        return reply, body[:n], body[n:]

    def _check_residue(self) -> None:
        """Mark the worker for replacement if the job left memory charged to it (the next job must start
        from the same baseline as the first)."""
        if self.cgroup is None or self.baseline is None:
            return
        give_up = time.monotonic() + RESIDUE_WAIT_S
        while True:
            now = self.cgroup.resident_bytes()
            if now is None or now <= self.baseline + RESIDUE_SLACK_BYTES:
                return
            if time.monotonic() >= give_up:
                self.dirty = True
                return
            time.sleep(0.005)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self) -> str:
        try:
            self.log.seek(0)
            return self.log.read()[-2000:].decode(errors="replace").strip() or "(empty)"
        except (OSError, ValueError):
            return "(unavailable)"

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                if f is not None:
                    f.close()
            except OSError:
                pass
        self.proc.wait()
        self.log.close()
        if self.cgroup is not None:
            self.cgroup.remove()


class WorkerPool:
    """A fixed-size set of warm workers; ``run`` blocks until one is idle."""

    def __init__(self, sandbox: ProcessSandbox, size: int) -> None:
        self.sandbox = sandbox
        self.size = size
        self._uids = [UIDS.take() for _ in range(size)]
        self._idle: queue.LifoQueue[int] = queue.LifoQueue()
        for slot in range(size):
            self._idle.put(slot)
        self._workers: dict[int, _Worker] = {}
        self._closed = False
        _LIVE_POOLS.add(self)

    def _worker(self, slot: int, limit_mb: int, fresh: bool = False) -> _Worker:
        worker = self._workers.get(slot)
        if worker is None or fresh or worker.dirty or not worker.alive():
            if worker is not None:
                worker.kill()
                self._workers.pop(slot, None)
            worker = self._workers[slot] = _Worker(self.sandbox, self._uids[slot], limit_mb)
        return worker

    def run(self, header: dict, files: list[tuple[str, bytes]], stdin: bytes | None) -> tuple[dict, bytes, bytes]:
        slot = self._idle.get()
        limit_mb = header["memory_mb"] + CGROUP_HEADROOM_MB
        try:
            replace = False
            for attempt in (1, 2):
                worker = self._worker(slot, limit_mb, fresh=replace)
                replace = False
                try:
                    return worker.run(header, files, stdin)
                except _Replace as exc:
                    if attempt == 2:
                        raise SandboxError(f"cannot set a fresh worker's memory cap: {exc}") from exc
                    replace = True
                except _WorkerGone as exc:
                    log = worker.log_tail()
                    worker.kill()
                    self._workers.pop(slot, None)
                    if attempt == 2 or "no reply" in str(exc):
                        raise SandboxError(f"sandbox worker failed: {exc}; worker log: {log}") from exc
            raise AssertionError("unreachable")
        finally:
            self._idle.put(slot)

    def close(self) -> None:
        self._closed = True
        for worker in list(self._workers.values()):
            worker.kill()
        self._workers.clear()


@atexit.register
def _close_all() -> None:
    for pool in list(_LIVE_POOLS):
        pool.close()
