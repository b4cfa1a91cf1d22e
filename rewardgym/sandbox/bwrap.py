"""bubblewrap helpers for the process backend: availability, in-memory files, reading a fresh run.

Example:
    >>> ok, message = bubblewrap_status()
    >>> isinstance(ok, bool) and "bubblewrap" in message
    True
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import struct
import subprocess
import time

from rewardgym.errors import SandboxError

__all__ = ["bubblewrap_status", "collect_fresh", "default_python", "memfd"]


def bubblewrap_status() -> tuple[bool, str]:
    """``(usable, message)``: is ``bwrap`` installed and able to create namespaces here?"""
    if shutil.which("bwrap") is None:
        return False, "bubblewrap is not installed; install it with: apt-get install -y bubblewrap"
    try:
        probe = subprocess.run(
            ["bwrap", "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "true"],
            capture_output=True,
            timeout=20,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bubblewrap could not run: {exc}"
    if probe.returncode != 0:
        return (
            False,
            f"bubblewrap cannot create namespaces here: {probe.stderr.decode(errors='replace').strip()}",
        )
    return True, "bubblewrap works"


def default_python() -> str:
    for candidate in ("/usr/bin/python3", shutil.which("python3") or ""):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise SandboxError("no python3 interpreter for the sandbox; install it with: apt-get install -y python3")


def memfd(name: str, data: bytes) -> int:
    fd = os.memfd_create(name, 0)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def collect_fresh(
    proc: subprocess.Popen, status_r: int, start: float, timeout: float, cap: int
) -> tuple[dict, bytes, bytes]:
    """Read a fresh run's output under its deadline; SIGKILL its process group when time is up."""
    assert proc.stdout is not None and proc.stderr is not None
    sel = selectors.DefaultSelector()
    bufs: dict[int, bytearray] = {}
    truncated: dict[int, bool] = {}
    for f in (proc.stdout, proc.stderr):
        sel.register(f, selectors.EVENT_READ)
        bufs[f.fileno()], truncated[f.fileno()] = bytearray(), False
    status = bytearray()
    sel.register(status_r, selectors.EVENT_READ)
    deadline = start + timeout
    timed_out = False
    hard_stop = None
    while sel.get_map():
        now = time.monotonic()
        if not timed_out and now >= deadline:
            timed_out = True
            _killpg(proc)
            hard_stop = now + 5.0
        if hard_stop is not None and now >= hard_stop:
            break
        for key, _ in sel.select(max(0.0, (hard_stop or deadline) - now) + 0.001):
            fd = key.fd
            data = os.read(fd, 1 << 16)
            if not data:
                sel.unregister(key.fileobj)
                continue
            if fd == status_r:
                status += data
                continue
            buf = bufs[fd]
            buf += data[: cap + 1 - len(buf)]
            if len(buf) > cap:
                truncated[fd] = True
                del buf[cap:]
                sel.unregister(key.fileobj)
                key.fileobj.close()  # type: ignore[union-attr]
    sel.close()
    _killpg(proc)
    proc.wait()
    os.close(status_r)
    for f in (proc.stdout, proc.stderr):
        if not f.closed:
            f.close()
    reply: dict = {
        "timed_out": timed_out,
        "duration": time.monotonic() - start,
        "exit_code": None,
        "signal": None,
    }
    if len(status) >= 8:
        code = struct.unpack("!q", bytes(status[:8]))[0]
        if os.WIFEXITED(code):
            reply["exit_code"] = os.WEXITSTATUS(code)
        elif os.WIFSIGNALED(code):
            reply["signal"] = os.WTERMSIG(code)
    elif not timed_out:  # bubblewrap itself failed (e.g. the files did not fit in the workspace)
        reply["error"] = bytes(bufs[list(bufs)[1]]).decode(errors="replace").strip()[-500:] or "bwrap failed"
    out_fd, err_fd = list(bufs)
    reply["stdout_truncated"], reply["stderr_truncated"] = truncated[out_fd], truncated[err_fd]
    return reply, bytes(bufs[out_fd]), bytes(bufs[err_fd])


def _killpg(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
