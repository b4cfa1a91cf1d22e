"""Memory cgroups for the process backend: one cap on what all of a run's processes use together.

rlimits bound each process (``RLIMIT_AS``) and the number of processes (``RLIMIT_NPROC``), but not their sum:
64 processes x 512 MB could still exhaust the host. When the host lets us (root, cgroup v1 ``memory`` or a
cgroup v2 hierarchy with the memory controller enabled), each warm worker and each fresh run is started
inside its own memory cgroup; its OOM-kill counter also tells exactly when a run ran out of memory.

Jobs set their ``oom_score_adj`` to 1000, so inside the cgroup the kernel's OOM killer picks a job
process first, not the worker or init that report on it.

Example:
    >>> isinstance(cgroup_memory_available(), bool)
    True
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import time
from pathlib import Path

__all__ = ["MemoryCgroup", "cgroup_memory_available"]

V1 = Path("/sys/fs/cgroup/memory")
V2 = Path("/sys/fs/cgroup")
PARENT = "rewardgym-sandbox"


def _layout() -> tuple[str, Path] | None:
    if (V1 / "memory.limit_in_bytes").exists():
        return "v1", V1 / PARENT
    controllers = V2 / "cgroup.subtree_control"
    if controllers.exists() and "memory" in controllers.read_text().split():
        return "v2", V2 / PARENT
    return None


@functools.lru_cache(maxsize=1)
def cgroup_memory_available() -> bool:
    """Whether this process can create memory cgroups (checked once by creating and removing one)."""
    layout = _layout()
    if layout is None:
        return False
    try:
        probe = MemoryCgroup(f"probe-{os.getpid()}", 64)
        probe.remove()
    except OSError:
        return False
    _remove_stale(layout[1])
    return True


def _remove_stale(parent: Path) -> None:
    """Remove cgroups left by sandbox processes that died without cleaning up (named ``kind-PID-...``)."""
    for child in parent.iterdir():
        fields = child.name.split("-")
        if child.is_dir() and len(fields) >= 2 and fields[1].isdigit() and not Path(f"/proc/{fields[1]}").exists():
            stale = MemoryCgroup.__new__(MemoryCgroup)
            stale.path = child
            stale.remove()


class MemoryCgroup:
    """A memory cgroup capped at ``limit_mb`` (swap included where the kernel accounts it).

    Raises:
        OSError: the cgroup could not be created or configured.
    """

    def __init__(self, name: str, limit_mb: int) -> None:
        layout = _layout()
        if layout is None:
            raise OSError("no writable memory cgroup hierarchy")
        self.version, parent = layout
        parent.mkdir(exist_ok=True)
        if self.version == "v2":
            with contextlib.suppress(OSError):
                (parent / "cgroup.subtree_control").write_text("+memory")
        self.path = parent / name
        self.path.mkdir(exist_ok=True)
        self.limit_mb: int | None = None  # a new cgroup starts unlimited
        self.set_limit(limit_mb)
        if self.version == "v2":
            with contextlib.suppress(OSError):
                (self.path / "memory.swap.max").write_text("0")

    def set_limit(self, limit_mb: int) -> None:
        """Change the cap (cheap: one or two file writes)."""
        if limit_mb == self.limit_mb:
            return
        limit = str(int(limit_mb) * 1024 * 1024)
        if self.version == "v2":
            (self.path / "memory.max").write_text(limit)
        else:  # with swap accounting, memsw must stay >= the memory limit: order the writes
            files = ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"]
            if self.limit_mb is not None and limit_mb > self.limit_mb:
                files.reverse()
            for name in files:
                try:
                    (self.path / name).write_text(limit)
                except FileNotFoundError:
                    continue  # no swap accounting
        self.limit_mb = int(limit_mb)

    def wrap(self, argv: list[str]) -> list[str]:
        """``argv`` run inside this cgroup (its children stay in it)."""
        script = 'echo $$ > "$0" && exec "$@"'
        return ["/bin/sh", "-c", script, str(self.path / "cgroup.procs"), *argv]

    def resident_bytes(self) -> int | None:
        """Memory charged here that reclaim cannot drop: anonymous memory plus shared memory / tmpfs.

        (Page cache is left out: the kernel reclaims it under the cap.) None when it cannot be read.
        """
        keys = ("rss", "shmem") if self.version == "v1" else ("anon", "shmem")
        try:
            stat = dict(line.split(" ", 1) for line in (self.path / "memory.stat").read_text().splitlines())
            return sum(int(stat.get(k, 0)) for k in keys)
        except (OSError, ValueError):
            return None

    def oom_kills(self) -> int:
        """How many processes the kernel has killed in this cgroup for lack of memory."""
        name = "memory.oom_control" if self.version == "v1" else "memory.events"
        try:
            for line in (self.path / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except (OSError, ValueError):
            pass
        return 0

    def remove(self) -> None:
        """Kill whatever is still inside and remove the cgroup."""
        for _ in range(50):
            try:
                pids = [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
            except OSError:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.02)
