"""Cross-run cases: one run plants state, a later run on the same sandbox tries to find or suffer from it.

A warm pool reuses workers (process backend) and containers (Docker backend); nothing one run leaves
behind may be seen by, or get in the way of, the next. Each :class:`CrossCase` is a ``plant`` program, then
a ``probe`` program run right after it on the same sandbox (give the sandbox one worker / container so the
probe lands where the plant ran), and a check of the probe's result. ``run_cross_suite`` runs them all.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rewardgym.errors import SandboxError

_LIBC = "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.shmat.restype = ctypes.c_void_p\n"


@dataclass
class CrossCase:
    name: str
    plant: str
    probe: str
    escaped: Callable[[Any, Any], str | None]  # (plant result, probe result) -> why it escaped, or None
    probe_memory_mb: int = 256
    probe_timeout_s: float = 10.0


def _found(secret: str) -> Callable[[Any, Any], str | None]:
    def check(plant: Any, probe: Any) -> str | None:
        if "PLANTED" not in plant.stdout:
            return f"the plant did not run (exit {plant.exit_code}, stderr {plant.stderr[-300:]!r})"
        if secret in probe.stdout:
            return f"the next run found the planted state: {probe.stdout.strip()[-300:]!r}"
        if not probe.ok:
            return f"the probe failed (exit {probe.exit_code}, stderr {probe.stderr[-300:]!r})"
        return None

    return check


def _honest_after(plant: Any, probe: Any) -> str | None:
    if probe.timed_out or probe.memory_exceeded or probe.exit_code != 0 or "DONE" not in probe.stdout:
        return (
            f"an honest run after it failed: exit {probe.exit_code}, timed_out={probe.timed_out}, "
            f"memory_exceeded={probe.memory_exceeded}, stderr {probe.stderr[-300:]!r}"
        )
    return None


def build_cross_cases() -> list[CrossCase]:
    """The cross-run cases, each with a fresh random secret."""
    s = secrets.token_hex(16)
    key = 0x52470000 + secrets.randbelow(1 << 16)
    shm_plant = (
        _LIBC + f"sid = libc.shmget({key}, 4096, 0o1666)\naddr = libc.shmat(sid, None, 0)\n"
        f"ctypes.memmove(addr, b'{s}', 32)\nprint('PLANTED', sid)\n"
    )
    shm_probe = (
        _LIBC + f"sid = libc.shmget({key}, 0, 0o666)\nif sid >= 0:\n    addr = libc.shmat(sid, None, 0)\n"
        "    print('FOUND', ctypes.string_at(addr, 32).decode(errors='replace'))\n"
        "for line in open('/proc/sysvipc/shm').read().splitlines()[1:]:\n"
        "    sid = int(line.split()[1])\n    addr = libc.shmat(sid, None, 0o10000)\n"
        "    if addr not in (None, ctypes.c_void_p(-1).value):\n"
        "        print('SEEN', ctypes.string_at(addr, 32).decode(errors='replace'))\n"
    )
    msg_plant = (
        _LIBC + f"q = libc.msgget({key}, 0o1666)\nbuf = ctypes.create_string_buffer(8 + 32)\n"
        f"ctypes.memmove(ctypes.addressof(buf), (1).to_bytes(8, 'little') + b'{s}', 40)\n"
        "rc = libc.msgsnd(q, buf, 32, 0o4000)\nprint('PLANTED', q, rc)\n"
    )
    msg_probe = (
        _LIBC + f"q = libc.msgget({key}, 0o666)\nbuf = ctypes.create_string_buffer(8 + 64)\n"
        "if q >= 0 and libc.msgrcv(q, buf, 64, 0, 0o4000) > 0:\n    print('FOUND', buf.raw[8:40].decode())\n"
        "for line in open('/proc/sysvipc/msg').read().splitlines()[1:]:\n"
        "    qid = int(line.split()[1])\n    if libc.msgrcv(qid, buf, 64, 0, 0o4000) > 0:\n"
        "        print('SEEN', buf.raw[8:40].decode(errors='replace'))\n"
    )
    sem_plant = _LIBC + f"sid = libc.semget({key}, 1, 0o1666)\nprint('PLANTED', sid)\n"
    sem_probe = _LIBC + f"if libc.semget({key}, 1, 0o666) >= 0:\n    print('FOUND {s}')\n"
    mq_plant = (
        _LIBC + f"q = libc.mq_open(b'/rg{s[:8]}', os.O_CREAT | os.O_RDWR, 0o666, None)\n"
        f"libc.mq_send(q, b'{s}', 32, 0)\nprint('PLANTED', q)\n"
    )
    mq_probe = (
        _LIBC + f"q = libc.mq_open(b'/rg{s[:8]}', os.O_RDONLY | os.O_NONBLOCK)\n"
        "buf = ctypes.create_string_buffer(8192)\n"
        "if q >= 0 and libc.mq_receive(q, buf, 8192, None) > 0:\n    print('FOUND', buf.value.decode())\n"
        "elif q >= 0:\n    print('FOUND the queue " + s + "')\n"
    )
    places = ["/tmp", "/dev/shm", "/sandbox", "/sandbox/tmp", "..", "$HOME"]
    files_plant = (
        "import os\nn = 0\n"
        f"for d in {places!r}:\n    d = os.path.expandvars(d)\n    try:\n"
        f"        open(os.path.join(d, 'rg-{s[:8]}'), 'w').write('{s}')\n        n += 1\n"
        "    except OSError:\n        pass\nprint('PLANTED', n)\n"
    )
    files_probe = (
        "import os\n"
        f"for d in {places!r}:\n    d = os.path.expandvars(d)\n    try:\n"
        "        for name in os.listdir(d):\n            p = os.path.join(d, name)\n            try:\n"
        "                print('FOUND', p, open(p).read(100))\n            except OSError:\n                pass\n"
        "    except OSError:\n        pass\n"
    )
    heap_plant = (
        f"import sys\nfor _ in range(3000):\n    print('RGSECRET-{s}')\n"
        f"    print('RGSECRET-{s}', file=sys.stderr)\nprint('PLANTED')\n"
    )
    heap_probe = (  # reads every readable mapping of its own memory (ctypes: /proc/self/mem may be closed)
        "import ctypes, re\npat = re.compile(rb'RGSECRET-([0-9a-f]{32})')\nfound = set()\n"
        "with open('/proc/self/maps') as fh:\n    regions = [line.split() for line in fh]\n"
        "for r in regions:\n"
        "    if not r[1].startswith('r') or (len(r) > 5 and r[5].startswith('[v')):\n        continue\n"
        "    lo, hi = (int(x, 16) for x in r[0].split('-'))\n"
        "    if hi - lo > 1 << 28:\n        continue\n"
        "    found.update(m.decode() for m in pat.findall(ctypes.string_at(lo, hi - lo)))\n"
        "print('FOUND', *sorted(found))\n"
    )
    return [
        CrossCase("SysV shared memory", shm_plant, shm_probe, _found(s)),
        CrossCase("SysV message queue", msg_plant, msg_probe, _found(s)),
        CrossCase("SysV semaphore set", sem_plant, sem_probe, _found(s)),
        CrossCase("POSIX message queue", mq_plant, mq_probe, _found(s)),
        CrossCase("files in /tmp, /dev/shm, the workspace and home", files_plant, files_probe, _found(s)),
        CrossCase("earlier runs' output in the memory a run starts with", heap_plant, heap_probe, _found(s)),
        CrossCase(
            "shared memory left charged to the memory cap",
            _LIBC + f"for i in range(3):\n    sid = libc.shmget({key} + 16 + i, 64 << 20, 0o1666)\n"
            "    addr = libc.shmat(sid, None, 0)\n    ctypes.memset(addr, 1, 64 << 20)\nprint('PLANTED')\n",
            "x = bytearray(96 << 20)\nx[::4096] = b'x' * len(x[::4096])\nprint('DONE')\n",
            _honest_after,
            probe_memory_mb=160,
        ),
        CrossCase(
            "a flood of files in the workspace",
            "import os\nn = 0\ntry:\n    while n < 60000:\n"
            "        os.close(os.open(f'f{n}', os.O_CREAT | os.O_WRONLY))\n        n += 1\n"
            "except OSError as e:\n    print('STOPPED', n, e)\nprint('PLANTED', n)\n",
            "print('DONE')\n",
            _honest_after,
            probe_timeout_s=3.0,
        ),
        CrossCase(
            "pre-created job directories and stdin files",
            "import os\nuid = os.getuid()\nn = 0\nfor k in range(-50, 400):\n"
            "    for name in (f'job-{uid + k}', f'stdin-{uid + k}', f'job-{k}'):\n"
            "        for top in ('/sandbox', '/tmp'):\n            try:\n"
            "                os.mkdir(os.path.join(top, name), 0o700)\n                n += 1\n"
            "            except OSError:\n                pass\nprint('PLANTED', n)\n",
            "import sys\nprint(sys.stdin.read(), 'DONE')\n",
            _honest_after,
        ),
    ]


def run_cross_suite(sandbox: Any) -> tuple[int, list[str]]:
    """Run every cross-run case (plant, then probe) on ``sandbox``; returns ``(tried, escapes)``."""
    escapes: list[str] = []
    cases = build_cross_cases()
    for case in cases:
        try:
            plant = sandbox.run({"main.py": case.plant}, ["python3", "main.py"], timeout_s=20, memory_mb=512)
            probe = sandbox.run(
                {"main.py": case.probe},
                ["python3", "main.py"],
                timeout_s=case.probe_timeout_s,
                memory_mb=case.probe_memory_mb,
                stdin="in",
            )
        except SandboxError as exc:
            escapes.append(f"{case.name}: a later run failed with a sandbox error: {exc}")
            continue
        why = case.escaped(plant, probe)
        if why:
            escapes.append(f"{case.name}: {why}")
    try:  # a smaller memory cap after all that must still work (never a raw OSError such as EBUSY)
        small = sandbox.run({"main.py": "print('DONE')"}, ["python3", "main.py"], timeout_s=10, memory_mb=64)
        if small.stdout != "DONE\n":
            escapes.append(f"a run with a smaller memory cap failed: {small}")
    except Exception as exc:
        escapes.append(f"a run with a smaller memory cap raised {type(exc).__name__}: {exc}")
    return len(cases), escapes
