"""The seccomp filter for sandboxed jobs, compiled once on the host with ``pyseccomp`` (imported lazily).

The filter allows everything except what untrusted code has no business doing; denied calls fail with
``EPERM`` (``ENOSYS`` for ``clone3``, so the C library falls back to ``clone``, whose flags are checked):

- sockets other than ``AF_UNIX`` (no TCP/UDP even on loopback, no netlink/raw packets),
- new namespaces (``unshare``, ``setns``, ``clone`` with ``CLONE_NEW*``: no user-namespace root),
- looking into or driving other processes (``ptrace``, ``process_vm_*``, ``pidfd_getfd``, ``kcmp``),
- mounts, kernel keyrings, BPF, perf, ``userfaultfd``, ``io_uring``, module / kexec / reboot / clock
  changes, and other system administration calls.

The compiled program (classic BPF, the format ``bwrap --seccomp`` and ``prctl(PR_SET_SECCOMP)`` take) is
cached per process. :func:`docker_profile` states the same rules as a Docker seccomp profile (JSON), which
the Docker backend applies to its containers (it needs no ``pyseccomp``).

Example:
    >>> len(seccomp_program()) % 8  # 8-byte BPF instructions
    0
"""

from __future__ import annotations

import errno
import functools
import json
import os
import tempfile

from rewardgym.errors import require

__all__ = ["DENIED_SYSCALLS", "docker_profile", "seccomp_available", "seccomp_program"]

AF_UNIX = 1
CLONE_NS_FLAGS = (
    0x00020000,  # CLONE_NEWNS
    0x02000000,  # CLONE_NEWCGROUP
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x10000000,  # CLONE_NEWUSER
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
    0x00000080,  # CLONE_NEWTIME
)

DENIED_SYSCALLS: tuple[str, ...] = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "pidfd_getfd",
    "kcmp",
    "unshare",
    "setns",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "mount_setattr",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsmount",
    "fspick",
    "open_by_handle_at",
    "name_to_handle_at",
    "keyctl",
    "add_key",
    "request_key",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "fanotify_init",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "init_module",
    "finit_module",
    "delete_module",
    "kexec_load",
    "kexec_file_load",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "quotactl",
    "syslog",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "sethostname",
    "setdomainname",
    "iopl",
    "ioperm",
    "vhangup",
    "lookup_dcookie",
    "personality",
)


def seccomp_available() -> bool:
    """Whether ``pyseccomp`` and libseccomp can be loaded."""
    try:
        seccomp_program()
    except Exception:
        return False
    return True


@functools.lru_cache(maxsize=1)
def seccomp_program() -> bytes:
    """The filter as classic-BPF bytes.

    Raises:
        MissingDependencyError: ``pyseccomp`` (or libseccomp) is not installed.
    """
    sc = require("pyseccomp", "sandbox", "pyseccomp (seccomp filters for the process sandbox)")
    deny = sc.ERRNO(errno.EPERM)
    filt = sc.SyscallFilter(sc.ALLOW)
    filt.add_rule(deny, "socket", sc.Arg(0, sc.NE, AF_UNIX))
    filt.add_rule(deny, "socketpair", sc.Arg(0, sc.NE, AF_UNIX))
    for flag in CLONE_NS_FLAGS:
        filt.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    filt.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    for name in DENIED_SYSCALLS:
        try:
            filt.add_rule(deny, name)
        except (OSError, ValueError, RuntimeError):
            continue  # a syscall this architecture / libseccomp version does not know
    with tempfile.TemporaryFile() as fh:
        filt.export_bpf(fh)
        fh.flush()
        fh.seek(0)
        data = fh.read()
    if not data or len(data) % 8:
        raise OSError(f"libseccomp exported an invalid program ({len(data)} bytes)")
    return data


@functools.lru_cache(maxsize=1)
def docker_profile() -> str:
    """The filter as a Docker seccomp profile (``security_opt=["seccomp=<this JSON>"]``).

    Example:
        >>> profile = json.loads(docker_profile())
        >>> profile["defaultAction"], "io_uring_setup" in profile["syscalls"][0]["names"]
        ('SCMP_ACT_ALLOW', True)
    """
    eperm = {"action": "SCMP_ACT_ERRNO", "errnoRet": errno.EPERM}
    rules: list[dict] = [{"names": list(DENIED_SYSCALLS), **eperm}]
    for name in ("socket", "socketpair"):
        rules.append({"names": [name], **eperm, "args": [{"index": 0, "value": AF_UNIX, "op": "SCMP_CMP_NE"}]})
    for flag in CLONE_NS_FLAGS:  # separate rules: the conditions of one rule must all hold
        arg = {"index": 0, "value": flag, "valueTwo": flag, "op": "SCMP_CMP_MASKED_EQ"}
        rules.append({"names": ["clone"], **eperm, "args": [arg]})
    rules.append({"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.ENOSYS})
    return json.dumps({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": rules})


def write_program(path: str) -> str:
    """Write the compiled program to ``path`` (0644) and return the path."""
    data = seccomp_program()
    with open(path, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o644)
    return path
