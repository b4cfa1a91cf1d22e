"""Choosing a backend: :func:`make_sandbox` and the process-wide :func:`shared_sandbox`.

``"auto"`` picks the strongest backend that works here and records why in ``sandbox.reason``:

1. ``docker`` — a separate container per pool slot: no network, read-only root, cgroup memory and pids
   limits, no capabilities — when the engine is reachable and the image exists;
2. ``process`` — bubblewrap namespaces, seccomp, rlimits, an unprivileged uid — when ``bwrap`` works.

The environment variable ``REWARDGYM_SANDBOX`` (``process`` or ``docker``) makes ``"auto"`` mean that
backend instead (a test suite or a CI job that must not depend on an engine it did not start sets it). A
Docker engine that ``"auto"`` chose and that later stops answering makes each run raise a
:class:`~rewardgym.errors.SandboxError` saying so.

Example:
    >>> sb = make_sandbox("auto")  # doctest: +SKIP
    >>> sb.backend, sb.reason  # doctest: +SKIP
    ('process', 'Docker unavailable (...); bubblewrap namespaces, seccomp')
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading
from typing import Any

from rewardgym.errors import SandboxError
from rewardgym.sandbox.base import Sandbox

__all__ = ["BACKENDS", "ENV_VAR", "make_sandbox", "shared_sandbox"]

ENV_VAR = "REWARDGYM_SANDBOX"

BACKENDS = ("auto", "docker", "process")
PROCESS_ONLY = frozenset({"python", "seccomp", "preload", "netns_per_job", "cgroup"})
DOCKER_ONLY = frozenset({"image", "container_memory_mb", "cpus", "pids_limit"})
log = logging.getLogger("rewardgym.sandbox")
_SHARED: dict[str, Sandbox] = {}
_SHARED_LOCK = threading.Lock()


def make_sandbox(kind: str = "auto", **kwargs: Any) -> Sandbox:
    """Create a sandbox of backend ``kind`` (``"auto"``, ``"docker"`` or ``"process"``).

    Args:
        kind: the backend; ``"auto"`` = the strongest available (see the module docstring).
        **kwargs: passed to :class:`~rewardgym.sandbox.process.ProcessSandbox` or
            :class:`~rewardgym.sandbox.docker_backend.DockerSandbox`.

    Raises:
        SandboxError: the backend is unavailable; the message names the missing piece and how to install it.
    """
    if kind not in BACKENDS:
        raise SandboxError(f"unknown sandbox backend {kind!r}; expected one of {BACKENDS}")
    if kind == "process":
        from rewardgym.sandbox.process import ProcessSandbox

        return ProcessSandbox(**kwargs)
    if kind == "docker":
        from rewardgym.sandbox.docker_backend import DockerSandbox

        return DockerSandbox(**kwargs)
    pinned = os.environ.get(ENV_VAR, "").strip()
    if pinned:
        if pinned not in ("docker", "process"):
            raise SandboxError(f"{ENV_VAR}={pinned!r} is not a backend; expected 'process' or 'docker'")
        only = DOCKER_ONLY if pinned == "process" else PROCESS_ONLY
        sb = make_sandbox(pinned, **{k: v for k, v in kwargs.items() if k not in only})
        sb.reason = f"auto: {ENV_VAR}={pinned} — {sb.reason}"
        log.info("sandbox: %s", sb.describe())
        return sb
    from rewardgym.sandbox.docker_backend import docker_status
    from rewardgym.sandbox.process import ProcessSandbox

    ok, why_not = docker_status(kwargs.get("image", "rewardgym-sandbox:bookworm"))
    if ok:
        docker_kwargs = {k: v for k, v in kwargs.items() if k not in PROCESS_ONLY}
        try:
            sb = make_sandbox("docker", **docker_kwargs)
            sb.reason = f"auto: strongest available — {sb.reason}"
            log.info("sandbox: %s", sb.describe())
            return sb
        except SandboxError as exc:
            why_not = str(exc)
    process_kwargs = {k: v for k, v in kwargs.items() if k not in DOCKER_ONLY}
    try:
        sb = ProcessSandbox(**process_kwargs)
    except SandboxError as exc:
        raise SandboxError(f"no sandbox backend is available: docker: {why_not}; process: {exc}") from exc
    sb.reason = f"auto: Docker unavailable ({why_not}); using {sb.reason}"
    log.info("sandbox: %s", sb.describe())
    return sb


def shared_sandbox(kind: str = "auto") -> Sandbox:
    """One sandbox per backend name for the whole process (its warm pool is shared by envs and rewards)."""
    with _SHARED_LOCK:
        if kind not in _SHARED:
            _SHARED[kind] = make_sandbox(kind)
        return _SHARED[kind]


@atexit.register
def _close_shared() -> None:
    for sb in list(_SHARED.values()):
        with contextlib.suppress(Exception):
            sb.close()
