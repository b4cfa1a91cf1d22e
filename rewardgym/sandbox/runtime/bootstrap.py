"""Per-job entry point inside a Docker sandbox container (standard library only).

Started by ``docker exec`` (warm container) or as the container command (one container per job), as the
job's own unprivileged uid, as ``python3 -I -S -c <this file> CONFIG``. It:

1. makes itself non-dumpable (the job, same uid, then cannot read this process's memory or fds),
2. reads the job from stdin (a length-prefixed JSON header, then each file's bytes, then stdin's bytes),
3. writes the files into a fresh ``0700`` directory with a random, unguessable name under the workspace
   tmpfs (a job cannot pre-create the next job's directory),
4. forks; the child sets rlimits, starts a new session and ``exec``-s the command (so the job's memory
   image never holds the bytes read here),
5. waits, then kills every process left under this uid, removes everything this uid owns in ``/sandbox``,
   ``/tmp``, ``/dev/shm`` and ``/dev/mqueue`` and every SysV shared-memory segment, message queue and
   semaphore set it created, so nothing from this job survives to touch the next one (the time this takes
   is the job's own: it counts against its deadline);
6. reports the job's status as a last stderr line tagged with the per-run nonce from the request. The job
   can neither read the nonce nor this process's stderr descriptor, so a missing or wrong trailer means
   this process was killed (by the job): the host then discards the whole container.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import signal
import stat
import struct
import sys

MB = 1024 * 1024
SHARED_DIRS = ("/sandbox", "/tmp", "/dev/shm", "/dev/mqueue")  # writable by every job: cleaned after each
IPC_RMID = 0


def _read_exact(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        data = os.read(fd, min(n, 1 << 20))
        if not data:
            raise EOFError("the job request ended early")
        chunks.append(data)
        n -= len(data)
    return b"".join(chunks)


def _safe_path(root: str, rel: str) -> str:
    if not rel or rel.startswith("/") or "\x00" in rel or any(p in ("", ".", "..") for p in rel.split("/")):
        raise ValueError(f"bad file path {rel!r}")
    return os.path.join(root, rel)


def _limits(job: dict) -> None:
    cpu = max(1, int(job["cpu_s"]))
    for which, soft, hard in (
        (resource.RLIMIT_CPU, cpu, cpu + 1),
        (resource.RLIMIT_FSIZE, job["fsize_mb"] * MB, job["fsize_mb"] * MB),
        (resource.RLIMIT_NPROC, job["nproc"], job["nproc"]),
        (resource.RLIMIT_NOFILE, job["nofile"], job["nofile"]),
        (resource.RLIMIT_CORE, 0, 0),
        (resource.RLIMIT_AS, job["memory_mb"] * MB, job["memory_mb"] * MB),
    ):
        resource.setrlimit(which, (soft, hard))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _write_files(job: dict, work: str, workspace: str) -> int:
    """Write the job's files into a fresh 0700 directory; returns the fd to use as the job's stdin."""
    os.mkdir(work, 0o700)
    for rel, size, mode in job["files"]:
        path = _safe_path(work, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode & 0o777)
        try:
            _write_all(fd, _read_exact(0, size))
        finally:
            os.close(fd)
    if job["stdin"] < 0:
        return os.open(os.devnull, os.O_RDONLY)
    path = os.path.join(workspace, f"stdin-{os.urandom(16).hex()}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        _write_all(fd, _read_exact(0, job["stdin"]))
    finally:
        os.close(fd)
    stdin_fd = os.open(path, os.O_RDONLY)
    os.unlink(path)
    return stdin_fd


def _others_of_this_uid() -> bool:
    me, uid = os.getpid(), str(os.getuid())
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/status") as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
        except OSError:
            continue
        if fields.get("Uid", "").split()[:1] == [uid] and not fields.get("State", "").strip().startswith("Z"):
            return True
    return False


def _kill_leftovers() -> None:
    """SIGKILL every other process of this uid until none is left (a fork bomb may race a single kill)."""
    for _ in range(1000):
        try:
            os.kill(-1, signal.SIGKILL)  # kill(-1) never signals the caller itself
        except ProcessLookupError:
            return
        if not _others_of_this_uid():
            return


def _remove(path: str) -> None:
    """Remove a file or a whole tree this uid owns, even one whose directories it made unreadable."""
    try:
        st = os.lstat(path)
    except OSError:
        return
    if not stat.S_ISDIR(st.st_mode):
        with contextlib.suppress(OSError):
            os.unlink(path)
        return
    try:
        os.chmod(path, 0o700)
        names = os.listdir(path)
    except OSError:
        names = []
    for name in names:
        _remove(os.path.join(path, name))
    with contextlib.suppress(OSError):
        os.rmdir(path)


def _clean_shared_dirs(uid: int) -> None:
    """Remove whatever this uid left in the directories every job can write to."""
    for top in SHARED_DIRS:
        try:
            names = os.listdir(top)
        except OSError:
            continue
        for name in names:
            path = os.path.join(top, name)
            try:
                if os.lstat(path).st_uid == uid:
                    _remove(path)
            except OSError:
                continue


def _clean_sysv_ipc(uid: int) -> None:
    """Remove every SysV IPC object (shared memory, message queue, semaphore set) this uid owns or created."""
    libc = ctypes.CDLL(None, use_errno=True)
    removers = {
        "shm": lambda ident: libc.shmctl(ident, IPC_RMID, None),
        "msg": lambda ident: libc.msgctl(ident, IPC_RMID, None),
        "sem": lambda ident: libc.semctl(ident, 0, IPC_RMID),
    }
    for kind, remove in removers.items():
        try:
            with open(f"/proc/sysvipc/{kind}") as fh:
                lines = fh.read().splitlines()
        except OSError:
            continue
        if not lines:
            continue
        cols = lines[0].split()
        id_col = 1
        for line in lines[1:]:
            fields = line.split()
            if len(fields) != len(cols):
                continue
            row = dict(zip(cols, fields))
            if str(uid) in (row.get("uid"), row.get("cuid")):
                remove(int(fields[id_col]))


def main() -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(4, ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))  # not dumpable
    cfg = json.loads(sys.argv[1])
    job = json.loads(_read_exact(0, struct.unpack("!Q", _read_exact(0, 8))[0]))
    work = os.path.join(cfg["workspace"], f"job-{os.urandom(16).hex()}")
    try:
        stdin_fd = _write_files(job, work, cfg["workspace"])
    except OSError as exc:  # e.g. the files do not fit in the workspace: a setup error, not the job's
        _remove(work)
        os.write(2, f"\n{job['nonce']} setup {exc.strerror or exc}\n".encode())
        return 0
    env = dict(job["env"], HOME=work, TMPDIR=work)
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            os.dup2(stdin_fd, 0)
            os.closerange(3, 1 << 16)
            os.chdir(work)
            for sig in (signal.SIGPIPE, signal.SIGXFSZ):
                signal.signal(sig, signal.SIG_DFL)
            _limits(job)
            os.execvpe(job["argv"][0], job["argv"], env)
        except BaseException as exc:
            os.write(2, f"cannot run {job['argv'][0]!r}: {exc}\n".encode())
        finally:
            os._exit(127)
    report = os.dup(2)
    for fd in (0, 1, 2, stdin_fd):
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    _kill_leftovers()
    _remove(work)
    _clean_shared_dirs(os.getuid())
    _clean_sysv_ipc(os.getuid())
    kind, value = ("signal", os.WTERMSIG(status)) if os.WIFSIGNALED(status) else ("exit", os.WEXITSTATUS(status))
    os.write(report, f"\n{job['nonce']} {kind} {value}\n".encode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
