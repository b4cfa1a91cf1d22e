"""The Docker backend, on the ``docker`` SDK (imported lazily).

Containers run the image built by ``rewardgym sandbox build-image`` (Debian + ``python3``) with
``network_mode="none"``, a read-only root filesystem, tmpfs workspaces capped in size and number of files,
memory / pids / CPU limits, every capability dropped, ``no-new-privileges``, the project's seccomp filter
(:func:`rewardgym.sandbox.seccomp.docker_profile`: no ``io_uring``, ``userfaultfd``, ``bpf``, new
namespaces...) and a non-root user. Each job runs under its own unprivileged uid through
:mod:`rewardgym.sandbox.runtime.bootstrap`, in a fresh ``0700`` directory with a random name, with rlimits;
when it ends every process of that uid is killed and everything it owns in the shared directories
(``/sandbox``, ``/tmp``, ``/dev/shm``, ``/dev/mqueue``) and in SysV IPC is removed.

Two modes:

- ``warm=True`` (default): a pool of long-lived containers (one per core), one ``docker exec`` per job.
  Jobs in a container run one at a time and share nothing (different uids, private directories, leftover
  processes killed). A job that times out or floods its output is ended by killing its whole container,
  which is replaced on the next run.
- ``warm=False``: one container per job (``docker run``), removed afterwards.

The job's status comes from a nonce-tagged trailer the bootstrap writes (``-N`` = killed by signal ``N``,
as for the process backend). Output past ``max_output_bytes`` ends the run (the process backend closes the
pipe, which usually ends the program too).

Example:
    >>> sb = DockerSandbox()  # doctest: +SKIP
    >>> sb.run({"a.py": "print(1 + 1)"}, ["python3", "a.py"]).stdout  # doctest: +SKIP
    '2\\n'
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import secrets
import select
import socket
import struct
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rewardgym.errors import SandboxError, require
from rewardgym.sandbox.base import (
    DEFAULT_ENV,
    UIDS,
    ExecResult,
    Sandbox,
    _memory_exceeded,
    check_command,
    check_files,
    check_limits,
    decode_output,
)
from rewardgym.sandbox.seccomp import docker_profile

__all__ = ["DEFAULT_IMAGE", "DockerSandbox", "docker_client", "docker_status"]

DEFAULT_IMAGE = "rewardgym-sandbox:bookworm"
WORKSPACE = "/sandbox"
LABEL = "rewardgym.sandbox"
BOOTSTRAP = (Path(__file__).resolve().parent / "runtime" / "bootstrap.py").read_text()
BUILD_HINT = "build it with: rewardgym sandbox build-image"
ENGINE_GONE = (
    "the Docker engine stopped answering ({exc}); start it again (dockerd --bridge=none --iptables=false "
    "--ip6tables=false --ip-masq=false &) or use the process backend: make_sandbox('process')"
)


def docker_client(timeout: int = 30) -> Any:
    """A connected ``docker.DockerClient``; raises SandboxError naming what is missing."""
    docker = require("docker", "sandbox", "the docker SDK")
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except Exception as exc:
        raise SandboxError(
            f"the Docker engine is not reachable ({exc}); install and start it with: "
            "apt-get install -y --no-install-recommends docker.io && "
            "dockerd --bridge=none --iptables=false --ip6tables=false --ip-masq=false &"
        ) from exc
    return client


def docker_status(image: str = DEFAULT_IMAGE) -> tuple[bool, str]:
    """``(usable, message)``: SDK installed, engine reachable, sandbox image present."""
    try:
        client = docker_client(timeout=5)
    except Exception as exc:
        return False, str(exc)
    try:
        client.images.get(image)
    except Exception:
        return False, f"the sandbox image {image!r} does not exist; {BUILD_HINT}"
    finally:
        client.close()
    return True, f"Docker engine reachable, image {image} present"


def _container_ooms(container_id: str) -> int | None:
    """OOM kills so far in a local container's memory cgroup (None when the engine's cgroups are not visible)."""
    for path, key in (
        (f"/sys/fs/cgroup/memory/docker/{container_id}/memory.oom_control", "oom_kill"),
        (f"/sys/fs/cgroup/system.slice/docker-{container_id}.scope/memory.events", "oom_kill"),
    ):
        try:
            with open(path) as fh:
                for line in fh:
                    name, _, value = line.partition(" ")
                    if name == key:
                        return int(value)
        except (OSError, ValueError):
            continue
    return None


def _split_trailer(stderr: bytes, nonce: str) -> tuple[bytes, int | str | None]:
    """Strip the bootstrap's status line; returns the job's exit code (``-N``: signal ``N``), a setup
    error message (str), or None when the line is missing (the bootstrap did not finish)."""
    marker = f"\n{nonce} ".encode()
    at = stderr.rfind(marker)
    if at < 0:
        return stderr, None
    kind, _, value = stderr[at + len(marker) :].decode(errors="replace").strip().partition(" ")
    if kind == "setup":
        return stderr[:at], value or "setup failed"
    if kind not in ("exit", "signal") or not value.isdigit():
        return stderr, None
    return stderr[:at], (-int(value) if kind == "signal" else int(value))


class DockerSandbox(Sandbox):
    """Docker-based sandbox (see the module docstring).

    Args:
        image: the sandbox image (must contain ``python3``).
        warm: reuse long-lived containers with ``docker exec`` (True) or one container per job (False).
        pool_size: number of warm containers (default: number of CPU cores).
        container_memory_mb: cgroup memory limit of a warm container (default: 2x the largest per-job
            ``memory_mb`` seen so far, at least 1024). One-per-job containers get the job's ``memory_mb``.
        cpus: CPU share per container.
        pids_limit: processes per container.
        disk_mb: size of the workspace tmpfs.
        file_mb / nproc / nofile: per-job rlimits, as for the process backend.
        max_output_bytes: cap on each of stdout and stderr.
        max_files: most files and directories each of the workspace and ``/tmp`` tmpfs may hold.
    """

    backend = "docker"

    def __init__(
        self,
        *,
        image: str = DEFAULT_IMAGE,
        warm: bool = True,
        pool_size: int | None = None,
        container_memory_mb: int = 1024,
        cpus: float = 1.0,
        pids_limit: int = 256,
        disk_mb: int = 64,
        file_mb: int = 32,
        nproc: int = 64,
        nofile: int = 256,
        max_output_bytes: int = 1 << 20,
        max_files: int = 20_000,
    ) -> None:
        self.max_files = int(max_files)
        self.client = docker_client()
        try:
            self.client.images.get(image)
        except Exception as exc:
            raise SandboxError(f"the sandbox image {image!r} does not exist; {BUILD_HINT}") from exc
        self.image, self.warm = image, warm
        self.container_memory_mb, self.cpus, self.pids_limit = container_memory_mb, cpus, pids_limit
        self.disk_mb, self.file_mb, self.nproc, self.nofile = disk_mb, file_mb, nproc, nofile
        self.max_output_bytes = int(max_output_bytes)
        self.concurrency = int(pool_size or os.cpu_count() or 1)
        self._idle: queue.LifoQueue[int] = queue.LifoQueue()
        for slot in range(self.concurrency):
            self._idle.put(slot)
        self._containers: dict[int, Any] = {}
        self._lock = threading.Lock()
        self.reason = "Docker: no network, read-only root, cgroup memory/pids limits, no capabilities, seccomp"
        self._remove_orphans()

    def _remove_orphans(self) -> None:
        """Remove sandbox containers left behind by host processes that no longer exist (e.g. killed)."""
        try:
            stale = self.client.containers.list(all=True, filters={"label": f"{LABEL}.owner"})
        except Exception:
            return
        for ct in stale:
            owner = ct.labels.get(f"{LABEL}.owner", "")
            if owner.isdigit() and not os.path.exists(f"/proc/{owner}"):
                with contextlib.suppress(Exception):
                    ct.remove(force=True)

    # ------------------------------------------------------------------------------------ containers

    def host_config(self, memory_mb: int) -> dict:
        """Keyword arguments shared by every sandbox container."""
        return {
            "network_mode": "none",
            "read_only": True,
            "init": True,
            "tmpfs": {
                WORKSPACE: f"size={self.disk_mb}m,nr_inodes={self.max_files},mode=1777,exec",
                "/tmp": f"size=8m,nr_inodes={self.max_files},mode=1777",
            },
            "shm_size": 16 << 20,
            "mem_limit": f"{memory_mb}m",
            "memswap_limit": f"{memory_mb}m",
            "pids_limit": self.pids_limit,
            "nano_cpus": int(self.cpus * 1e9),
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges", f"seccomp={docker_profile()}"],
            "ipc_mode": "private",
            "labels": {LABEL: "1", f"{LABEL}.owner": str(os.getpid())},
        }

    def _container(self, slot: int) -> Any:
        with self._lock:
            ct = self._containers.get(slot)
        if ct is not None:
            try:
                ct.reload()
                if ct.status == "running":
                    return ct
            except Exception:
                pass
            self._drop(slot)
        cfg = self.host_config(self.container_memory_mb)
        try:
            ct = self.client.containers.run(
                self.image,
                ["sleep", "infinity"],
                detach=True,
                user="65534:65534",
                hostname="sandbox",
                auto_remove=True,
                **cfg,
            )
        except Exception as exc:
            raise SandboxError(
                f"could not start a sandbox container from {self.image!r}: {self._engine_problem(exc)}"
            ) from exc
        with self._lock:
            self._containers[slot] = ct
        return ct

    def _drop(self, slot: int, wait: bool = False) -> None:
        """Forget the slot's container and remove it (in the background unless ``wait``)."""
        with self._lock:
            ct = self._containers.pop(slot, None)
        if ct is None:
            return

        def remove() -> None:
            with contextlib.suppress(Exception):
                ct.remove(force=True)

        if wait:
            remove()
        else:
            threading.Thread(target=remove, daemon=True, name="rewardgym-docker-rm").start()

    # ------------------------------------------------------------------------------------------ runs

    def _payload(self, header: dict, files: list[tuple[str, bytes]], stdin: bytes | None) -> bytes:
        request = {
            "nonce": header["nonce"],
            "files": [[rel, len(c), 0o644] for rel, c in files],
            "stdin": -1 if stdin is None else len(stdin),
            "argv": header["argv"],
            "env": header["env"],
            "cpu_s": header["cpu_s"],
            "nproc": self.nproc,
            "nofile": self.nofile,
            "fsize_mb": self.file_mb,
            "memory_mb": header["memory_mb"],
        }
        head = json.dumps(request).encode()
        return b"".join([struct.pack("!Q", len(head)), head, *(c for _, c in files), stdin or b""])

    def run(
        self,
        files: Mapping[str, str | bytes],
        command: Sequence[str],
        *,
        timeout_s: float = 10.0,
        memory_mb: int = 512,
        stdin: str | bytes | None = None,
        env: Mapping[str, str] | None = None,
    ) -> ExecResult:
        """Run ``command`` on ``files`` in a fresh workspace; see :meth:`Sandbox.run`."""
        encoded = check_files(files)
        argv = check_command(command)
        timeout_s, memory_mb = check_limits(timeout_s, memory_mb)
        if argv[0] == "python":
            argv[0] = "python3"
        full_env = dict(DEFAULT_ENV)
        if env:
            full_env.update({str(k): str(v) for k, v in env.items()})
        nonce = secrets.token_hex(16)
        header = {
            "argv": argv,
            "env": full_env,
            "cpu_s": int(timeout_s) + 1,
            "memory_mb": memory_mb,
            "nonce": nonce,
        }
        try:
            data = stdin.encode() if isinstance(stdin, str) else stdin
        except UnicodeEncodeError as exc:
            raise SandboxError(f"stdin is not valid UTF-8 text ({exc.reason}); pass bytes") from None
        if data is not None and not isinstance(data, (bytes, bytearray)):
            raise SandboxError(f"stdin must be str or bytes, got {type(stdin).__name__}")
        payload = self._payload(header, encoded, data)
        uid = UIDS.take()
        bootstrap = ["python3", "-I", "-S", "-c", BOOTSTRAP, json.dumps({"workspace": WORKSPACE})]
        runner = self._run_warm if self.warm else self._run_fresh
        try:
            stdout, stderr, trunc_out, trunc_err, timed_out, duration, oom = runner(
                uid, bootstrap, payload, timeout_s, memory_mb, nonce
            )
        except SandboxError:
            raise
        except Exception as exc:  # the engine went away mid-run, a socket error...
            raise SandboxError(self._engine_problem(exc)) from exc
        stderr, status = _split_trailer(stderr, nonce)
        if isinstance(status, str):
            raise SandboxError(f"the job could not be set up: {status} (disk_mb={self.disk_mb})")
        err_text = decode_output(stderr)
        return ExecResult(
            stdout=decode_output(stdout),
            stderr=err_text,
            exit_code=None if timed_out else status,
            timed_out=timed_out,
            memory_exceeded=_memory_exceeded(err_text, None, oom),
            duration_s=duration,
            stdout_truncated=trunc_out,
            stderr_truncated=trunc_err,
            backend=self.backend,
        )

    def _run_warm(
        self, uid: int, bootstrap: list[str], payload: bytes, timeout_s: float, memory_mb: int, nonce: str
    ) -> tuple:
        if memory_mb * 2 > self.container_memory_mb:
            self.container_memory_mb = memory_mb * 2  # applies to containers started from now on
        slot = self._idle.get()
        try:
            ct = self._container(slot)
            api = self.client.api
            try:
                eid = api.exec_create(ct.id, bootstrap, stdin=True, user=f"{uid}:{uid}", workdir=WORKSPACE)["Id"]
                sock = api.exec_start(eid, socket=True)
            except Exception as exc:
                self._drop(slot)
                raise SandboxError(f"docker exec failed: {self._engine_problem(exc)}") from exc
            ooms = _container_ooms(ct.id)
            start = time.monotonic()
            stdout, stderr, t_out, t_err, timed_out = _pump(
                sock, payload, start + timeout_s, self.max_output_bytes, lambda: api.kill(ct.id)
            )
            duration = time.monotonic() - start
            after = _container_ooms(ct.id)
            oom = ooms is not None and after is not None and after > ooms
            if timed_out or t_out or t_err or _split_trailer(stderr, nonce)[1] is None:
                # killed on purpose, or the bootstrap did not finish (the job killed it): replace it
                self._drop(slot)
            return stdout, stderr, t_out, t_err, timed_out, duration, oom
        finally:
            self._idle.put(slot)

    def _run_fresh(
        self, uid: int, bootstrap: list[str], payload: bytes, timeout_s: float, memory_mb: int, nonce: str
    ) -> tuple:
        api = self.client.api
        cfg = self.host_config(memory_mb)
        host_keys = (
            "network_mode",
            "read_only",
            "init",
            "tmpfs",
            "mem_limit",
            "memswap_limit",
            "pids_limit",
            "nano_cpus",
            "cap_drop",
            "security_opt",
            "ipc_mode",
            "shm_size",
        )
        try:
            host = api.create_host_config(**{k: cfg[k] for k in host_keys})
            cid = api.create_container(
                self.image,
                bootstrap,
                user=f"{uid}:{uid}",
                stdin_open=True,
                hostname="sandbox",
                labels=cfg["labels"],
                host_config=host,
            )["Id"]
        except Exception as exc:
            raise SandboxError(
                f"could not create a sandbox container from {self.image!r}: {self._engine_problem(exc)}"
            ) from exc
        killed = False
        try:
            sock = api.attach_socket(cid, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
            api.start(cid)
            start = time.monotonic()
            stdout, stderr, t_out, t_err, timed_out = _pump(
                sock, payload, start + timeout_s, self.max_output_bytes, lambda: api.kill(cid)
            )
            duration = time.monotonic() - start
            killed = timed_out or t_out or t_err
            # a container killed on purpose can keep the engine busy (kill, inspect) for its whole API
            # timeout: its memory verdict is moot, and it is removed in the background
            oom = False if killed else bool(api.inspect_container(cid)["State"].get("OOMKilled"))
            return stdout, stderr, t_out, t_err, timed_out, duration, oom
        except Exception as exc:
            killed = True
            raise SandboxError(f"docker run failed: {self._engine_problem(exc)}") from exc
        finally:
            if killed:
                threading.Thread(
                    target=_quietly,
                    args=(lambda: api.remove_container(cid, force=True),),
                    daemon=True,
                    name="rewardgym-docker-rm",
                ).start()
            else:
                with contextlib.suppress(Exception):
                    api.remove_container(cid, force=True)

    def _engine_problem(self, exc: BaseException) -> str:
        """Why a Docker call failed: the engine is gone (checked now), or what the call said."""
        try:
            self.client.ping()
        except Exception as ping_exc:
            return ENGINE_GONE.format(exc=ping_exc)
        return f"docker failed: {type(exc).__name__}: {exc}"

    def close(self) -> None:
        """Remove the warm containers (they restart on the next run)."""
        for slot in list(self._containers):
            self._drop(slot, wait=True)

    def describe(self) -> str:
        mode = f"warm pool of {self.concurrency} containers" if self.warm else "one container per run"
        return f"docker sandbox ({self.reason}; {mode}; image={self.image})"


def _pump(sock: Any, payload: bytes, deadline: float, cap: int, kill: Any) -> tuple:
    """Send the job, then demultiplex Docker's stdout/stderr frames until EOF or the deadline."""
    raw = getattr(sock, "_sock", sock)
    raw.setblocking(True)
    raw.sendall(payload)
    bufs = [bytearray(), bytearray(), bytearray()]
    truncated = [False, False, False]
    pending = bytearray()
    timed_out = False
    hard_stop: float | None = None

    def stop() -> None:  # never block on the engine here: it may wait for the stream we stopped reading
        threading.Thread(target=_quietly, args=(kill,), daemon=True, name="rewardgym-docker-kill").start()

    while True:
        now = time.monotonic()
        if not timed_out and now >= deadline:
            timed_out = True
            stop()
            hard_stop = now + 5.0
        if hard_stop is not None and now >= hard_stop:
            break
        ready, _, _ = select.select([raw], [], [], max(0.0, (hard_stop or deadline) - now) + 0.001)
        if not ready:
            continue
        data = raw.recv(1 << 16)
        if not data:
            break
        pending += data
        while len(pending) >= 8:
            stream, size = pending[0], struct.unpack(">I", bytes(pending[4:8]))[0]
            if len(pending) < 8 + size:
                break
            chunk = bytes(pending[8 : 8 + size])
            del pending[: 8 + size]
            if stream in (1, 2):
                buf = bufs[stream]
                room = cap - len(buf)
                buf += chunk[: max(0, room)]
                if len(chunk) > room and not truncated[stream]:
                    truncated[stream] = True  # like a closed pipe: output past the cap ends the run
                    stop()
                    hard_stop = time.monotonic()
    with contextlib.suppress(OSError):
        raw.shutdown(socket.SHUT_RDWR)  # the SDK's response object still holds the socket: end it for sure
    with contextlib.suppress(OSError):
        raw.close()
    return bytes(bufs[1]), bytes(bufs[2]), truncated[1], truncated[2], timed_out


def _quietly(fn: Any) -> None:
    with contextlib.suppress(Exception):
        fn()
