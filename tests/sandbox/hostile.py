"""The hostile-program suite: programs that try to harm or escape the sandbox, and how to tell they did.

Each case is a program plus a check on the :class:`~rewardgym.sandbox.base.ExecResult` and the host state;
``run_suite`` runs them all and returns ``(tried, escaped, report)``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_UID_MARK = "import os\nprint('UID', os.getuid(), flush=True)\n"


@dataclass
class Case:
    name: str
    program: str
    escaped: Callable[[Any, dict], str | None]  # (result, ctx) -> why it escaped, or None
    timeout_s: float = 4.0
    memory_mb: int = 256
    needs_seccomp: bool = False  # contained by the seccomp filter (not by namespaces, uid or rlimits)


def _uid_of(result: Any) -> int | None:
    for line in result.stdout.splitlines():
        if line.startswith("UID "):
            return int(line.split()[1])
    return None


def _host_processes_of(uid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("Uid", "").split()[:1] == [str(uid)] and not fields.get("State", "").strip().startswith("Z"):
            pids.append(int(entry))
    return pids


def _leftovers(result: Any) -> str | None:
    uid = _uid_of(result)
    if uid is None:
        return "the program never reported its uid"
    for _ in range(50):
        left = _host_processes_of(uid)
        if not left:
            return None
        time.sleep(0.1)
    return f"{len(left)} processes of uid {uid} outlived the run"


def _fork_bomb(result: Any, ctx: dict) -> str | None:
    return _leftovers(result)


def _memory_bomb(result: Any, ctx: dict) -> str | None:
    if not result.memory_exceeded:
        return f"the allocation was not refused (exit {result.exit_code}, timed_out={result.timed_out})"
    if result.timed_out:
        return "the memory limit was only enforced by the timeout"
    return None


def _memory_bomb_many(result: Any, ctx: dict) -> str | None:
    alive = [int(line.split()[1]) for line in result.stdout.splitlines() if line.startswith("ALIVE ")]
    if alive and alive[0] * 100 > 1024 + 128:  # more than any backend's cap for the run, held at once
        return f"{alive[0]} processes held 100 MB each at the same time"
    return None


def _infinite_loop(result: Any, ctx: dict) -> str | None:
    if not result.timed_out:
        return "the loop was not stopped"
    if result.duration_s > 12:
        return f"the loop ran {result.duration_s:.1f} s past a 4 s limit"
    return _leftovers(result)


def _disk_fill(result: Any, ctx: dict) -> str | None:
    if "STOPPED" not in result.stdout:
        return "writing was never refused"
    written_mb = int(result.stdout.split("STOPPED")[1].split()[0])
    if written_mb > 256:
        return f"{written_mb} MB were written before the sandbox refused"
    free_after = shutil.disk_usage(ctx["tmp"]).free
    if ctx["disk_free"] - free_after > 512 << 20:
        return "the host disk lost more than 512 MB during the run"
    return None


def _network(result: Any, ctx: dict) -> str | None:
    if "CONNECTED" in result.stdout or ctx["accepted"]:
        return "the program reached a listener on the host's 127.0.0.1"
    return None


def _host_files(result: Any, ctx: dict) -> str | None:
    text = result.stdout + result.stderr
    for key in ("file_token", "repo_token"):
        if ctx[key] in text:
            return f"the program read a host file ({key})"
    return None


def _secrets(result: Any, ctx: dict) -> str | None:
    if ctx["env_token"] in result.stdout + result.stderr:
        return "the host's environment secret was visible"
    return None


def _write_outside(result: Any, ctx: dict) -> str | None:
    planted = [str(p) for p in ctx["write_targets"] if Path(p).exists()]
    return f"the program created {planted}" if planted else None


def _signal_parent(result: Any, ctx: dict) -> str | None:
    if not ctx["alive"]():
        return "the test process was killed"
    return None


def _syscall_refused(result: Any, ctx: dict) -> str | None:
    for line in result.stdout.splitlines():
        if line.startswith("RC "):
            rc = int(line.split()[1])
            return None if rc < 0 else f"the call succeeded (returned {rc}): {line}"
    return f"the program did not report (exit {result.exit_code}, stderr {result.stderr[-300:]!r})"


_SYSCALL = "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"


def build_cases(ctx: dict) -> list[Case]:
    """The hostile programs; ``ctx`` carries host-side facts (listener port, secret paths, tokens)."""
    repo_file = ctx["repo_file"]
    read_targets = [ctx["secret_file"], repo_file, "/etc/shadow", "/root/.bashrc", "/proc/1/environ"]
    return [
        Case(
            "fork bomb",
            _UID_MARK + "while True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
            _fork_bomb,
        ),
        Case(
            "fork bomb that outlives its parent",
            _UID_MARK + "for _ in range(20):\n    try:\n        if os.fork() == 0:\n            os.setsid()\n"
            "            while True:\n                pass\n    except OSError:\n        pass\n",
            _fork_bomb,
        ),
        Case("memory bomb (one allocation)", "x = bytearray(16 << 30)\n", _memory_bomb),
        Case(
            "memory bomb (gradual)",
            "blocks = []\nwhile True:\n    blocks.append(bytearray(64 << 20))\n",
            _memory_bomb,
        ),
        Case(
            "memory bomb across many processes",
            "import os, time\nkids = []\nfor i in range(16):\n    pid = os.fork()\n    if pid == 0:\n"
            "        x = b'x' * (100 << 20)\n        time.sleep(30)\n    kids.append(pid)\ntime.sleep(4)\n"
            "print('ALIVE', sum(os.waitpid(k, os.WNOHANG)[0] == 0 for k in kids), flush=True)\ntime.sleep(30)\n",
            _memory_bomb_many,
            timeout_s=8,
        ),
        Case("infinite loop", _UID_MARK + "while True:\n    pass\n", _infinite_loop),
        Case(
            "disk fill",
            "n = 0\ntry:\n    while True:\n        with open(f'fill{n}', 'wb') as f:\n"
            "            f.write(b'x' * (8 << 20))\n        n += 1\nexcept OSError as e:\n"
            "    print('STOPPED', n * 8, e)\n",
            _disk_fill,
        ),
        Case(
            "connect to a 127.0.0.1 listener on the host",
            f"import socket\ns = socket.create_connection(('127.0.0.1', {ctx['port']}), timeout=2)\n"
            "print('CONNECTED')\n",
            _network,
        ),
        Case(
            "read host files",
            f"for p in {read_targets!r}:\n    try:\n        print(p, open(p).read())\n"
            "    except Exception as e:\n        print(p, type(e).__name__)\n",
            _host_files,
        ),
        Case(
            "read environment secrets",
            "import os\nprint(dict(os.environ))\nfor pid in os.listdir('/proc'):\n    if pid.isdigit():\n"
            "        try:\n            print(open(f'/proc/{pid}/environ', 'rb').read())\n"
            "        except Exception as e:\n            print(pid, type(e).__name__)\n",
            _secrets,
        ),
        Case(
            "write outside the workspace",
            f"for p in {[str(p) for p in ctx['write_targets']]!r} + "
            "['/usr/planted', '/etc/planted', '../planted']:\n"
            "    try:\n        open(p, 'w').write('x')\n        print('WROTE', p)\n"
            "    except Exception as e:\n        print(p, type(e).__name__)\n",
            _write_outside,
        ),
        Case(
            "io_uring (kernel attack surface)",
            _SYSCALL + "params = ctypes.create_string_buffer(120)\nrc = libc.syscall(425, 8, params)\n"
            "print('RC', rc, ctypes.get_errno())\n",
            _syscall_refused,
            needs_seccomp=True,
        ),
        Case(
            "a new user namespace (root inside it)",
            _SYSCALL + "rc = libc.unshare(0x10000000)\nprint('RC', rc, ctypes.get_errno())\n",
            _syscall_refused,
            needs_seccomp=True,
        ),
        Case(
            "signal the parent and everything else",
            f"import os, signal\nfor pid in (os.getppid(), 1, -1, 0, {os.getpid()}):\n"
            "    for sig in (signal.SIGKILL, signal.SIGSTOP):\n        try:\n            os.kill(pid, sig)\n"
            "        except Exception as e:\n            print(pid, type(e).__name__)\n",
            _signal_parent,
        ),
    ]


def run_suite(sandbox: Any, tmp: Path, env_token: str, seccomp: bool = True) -> tuple[int, list[str]]:
    """Run every case against ``sandbox``; returns ``(tried, escapes)`` (escape descriptions).

    ``seccomp=False``: leave out the cases only a seccomp filter contains.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    accepted: list[Any] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(listener.accept())
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    file_token, repo_token = secrets.token_hex(8), None
    secret_file = tmp / "host-secret.txt"
    secret_file.write_text(f"HOST-SECRET-{file_token}")
    secret_file.chmod(0o644)
    repo_file = Path(__file__).resolve()
    repo_token = "def run_suite(sandbox"  # a line of this very file
    ctx = {
        "port": listener.getsockname()[1],
        "accepted": accepted,
        "secret_file": str(secret_file),
        "file_token": file_token,
        "repo_file": str(repo_file),
        "repo_token": repo_token,
        "env_token": env_token,
        "write_targets": [tmp / "planted-by-sandbox.txt", Path("/tmp") / f"planted-{file_token}"],
        "alive": lambda: True,
        "tmp": str(tmp),
        "disk_free": shutil.disk_usage(str(tmp)).free,
    }
    escapes: list[str] = []
    cases = [c for c in build_cases(ctx) if seccomp or not c.needs_seccomp]
    try:
        for case in cases:
            result = sandbox.run(
                {"main.py": case.program},
                ["python3", "main.py"],
                timeout_s=case.timeout_s,
                memory_mb=case.memory_mb,
            )
            why = case.escaped(result, ctx)
            if why:
                escapes.append(f"{case.name}: {why} (exit {result.exit_code}, stderr {result.stderr[-300:]!r})")
        after = sandbox.run({"main.py": "print('still works')"}, ["python3", "main.py"], timeout_s=10)
        if after.stdout != "still works\n":
            escapes.append(f"the sandbox stopped working after the suite: {after}")
    finally:
        stop.set()
        listener.close()
        thread.join(2)
        os.kill(os.getpid(), 0)  # we are alive
        for sock, _ in accepted:
            sock.close()
    return len(cases), escapes


__all__ = ["Case", "build_cases", "run_suite", "signal"]
