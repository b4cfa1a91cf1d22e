"""Hostile programs are contained on every backend and the host is unaffected.

Each run prints ``N tried, 0 escaped``. The environment secret is set in this test process *before* the
sandbox is created, so a backend that leaked the host environment into its workers would show it.
"""

from __future__ import annotations

import secrets

import pytest

from rewardgym.errors import SandboxError
from tests.conftest import need
from tests.sandbox.hostile import run_suite
from tests.sandbox.hostile_crossrun import run_cross_suite


def _suite(sandbox, tmp_path, token, capsys, label, seccomp=True):
    tried, escapes = run_suite(sandbox, tmp_path, token, seccomp=seccomp)
    with capsys.disabled():
        print(f"\nhostile suite [{label}]: {tried} tried, {len(escapes)} escaped")
    assert not escapes, "\n".join(escapes)
    assert tried >= 12


@pytest.mark.parametrize("warm", [True, False], ids=["warm-pool", "fresh"])
def test_hostile_suite_process(tmp_path, monkeypatch, capsys, warm):
    need("bubblewrap")
    from rewardgym.sandbox.process import ProcessSandbox

    token = f"FAKE-SECRET-{secrets.token_hex(8)}"
    monkeypatch.setenv("REWARDGYM_FAKE_SECRET", token)
    sb = ProcessSandbox(warm=warm, pool_size=2)
    try:
        _suite(sb, tmp_path, token, capsys, f"process, {'warm pool' if warm else 'fresh'}")
    finally:
        sb.close()


def test_hostile_suite_process_without_seccomp(tmp_path, monkeypatch, capsys):
    """Namespaces, uid and rlimits alone (no seccomp filter) still contain every case."""
    need("bubblewrap")
    from rewardgym.sandbox.process import ProcessSandbox

    token = f"FAKE-SECRET-{secrets.token_hex(8)}"
    monkeypatch.setenv("REWARDGYM_FAKE_SECRET", token)
    sb = ProcessSandbox(seccomp=False, pool_size=2)
    try:
        _suite(sb, tmp_path, token, capsys, "process, no seccomp", seccomp=False)
    finally:
        sb.close()


@pytest.mark.docker
@pytest.mark.parametrize("warm", [True, False], ids=["warm-exec", "container-per-run"])
def test_hostile_suite_docker(tmp_path, monkeypatch, capsys, warm):
    need("docker")
    from rewardgym.sandbox.docker_backend import DockerSandbox

    token = f"FAKE-SECRET-{secrets.token_hex(8)}"
    monkeypatch.setenv("REWARDGYM_FAKE_SECRET", token)
    sb = DockerSandbox(warm=warm, pool_size=2)
    try:
        _suite(sb, tmp_path, token, capsys, f"docker, {'warm exec' if warm else 'container per run'}")
    finally:
        sb.close()


def test_the_suite_detects_an_unsandboxed_runner(tmp_path, monkeypatch):
    """The checks are real: a 'sandbox' that just runs programs on the host is caught escaping."""
    import subprocess
    import time

    from rewardgym.sandbox.base import ExecResult

    class HostRunner:
        def run(self, files, command, *, timeout_s=10, memory_mb=512, stdin=None, env=None):
            (tmp_path / "ws").mkdir(exist_ok=True)
            for name, text in files.items():
                (tmp_path / "ws" / name).write_text(text)
            start = time.monotonic()
            try:
                p = subprocess.run(
                    ["python3", *command[1:]],
                    cwd=tmp_path / "ws",
                    capture_output=True,
                    text=True,
                    timeout=min(timeout_s, 2),
                )
                return ExecResult(p.stdout, p.stderr, p.returncode, duration_s=time.monotonic() - start)
            except subprocess.TimeoutExpired as exc:
                out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
                return ExecResult(out, "", None, timed_out=True, duration_s=time.monotonic() - start)

    from tests.sandbox import hostile

    token = f"FAKE-SECRET-{secrets.token_hex(8)}"
    monkeypatch.setenv("REWARDGYM_FAKE_SECRET", token)
    ctx_cases = [
        c
        for c in hostile.build_cases(
            {
                "port": 1,
                "repo_file": "x",
                "secret_file": "x",
                "write_targets": [tmp_path / "planted.txt"],
            }
        )
        if c.name in ("read environment secrets", "write outside the workspace")
    ]
    runner = HostRunner()
    results = {c.name: runner.run({"main.py": c.program}, ["python3", "main.py"]) for c in ctx_cases}
    assert token in results["read environment secrets"].stdout
    assert (tmp_path / "planted.txt").exists()


def test_memory_cgroup_is_what_stops_a_multi_process_memory_bomb():
    """rlimits alone bound each process, not their sum: without the cgroup this case escapes."""
    need("bubblewrap")
    from rewardgym.sandbox.cgroup import cgroup_memory_available
    from rewardgym.sandbox.process import ProcessSandbox
    from tests.sandbox import hostile

    if not cgroup_memory_available():
        pytest.fail("memory cgroups are unavailable here: the process backend runs with per-process rlimits only")
    ctx = {"port": 1, "repo_file": "x", "secret_file": "x", "write_targets": []}
    (case,) = [c for c in hostile.build_cases(ctx) if c.name == "memory bomb across many processes"]
    verdicts = {}
    for use_cgroup in (False, True):
        sb = ProcessSandbox(pool_size=1, cgroup=use_cgroup)
        try:
            result = sb.run(
                {"main.py": case.program},
                ["python3", "main.py"],
                timeout_s=case.timeout_s,
                memory_mb=case.memory_mb,
            )
        finally:
            sb.close()
        verdicts[use_cgroup] = (case.escaped(result, ctx), result.memory_exceeded)
    assert verdicts[False][0] is not None and verdicts[True] == (None, True)


def _sandbox(kind: str, warm: bool, **kwargs):
    need("docker" if kind == "docker" else "bubblewrap")
    if kind == "docker":
        from rewardgym.sandbox.docker_backend import DockerSandbox

        return DockerSandbox(warm=warm, **kwargs)
    from rewardgym.sandbox.process import ProcessSandbox

    return ProcessSandbox(warm=warm, **kwargs)


MODES = [
    pytest.param("process", True, id="process-warm"),
    pytest.param("process", False, id="process-fresh"),
    pytest.param("docker", True, id="docker-warm", marks=pytest.mark.docker),
    pytest.param("docker", False, id="docker-per-run", marks=pytest.mark.docker),
]


@pytest.mark.parametrize(("kind", "warm"), MODES)
def test_no_run_finds_or_suffers_from_what_an_earlier_run_left(kind, warm, capsys):
    """One worker / container, so every probe lands where its plant ran: SysV and POSIX IPC, files in the
    shared directories, earlier output in memory, memory left charged, a file flood, pre-created names."""
    sb = _sandbox(kind, warm, pool_size=1)
    try:
        tried, escapes = run_cross_suite(sb)
    finally:
        sb.close()
    with capsys.disabled():
        print(f"\ncross-run suite [{kind}, {'warm' if warm else 'fresh'}]: {tried} tried, {len(escapes)} escaped")
    assert not escapes, "\n".join(escapes)
    assert tried >= 9


@pytest.mark.parametrize(("kind", "warm"), MODES)
@pytest.mark.parametrize(
    ("files", "match"),
    [
        ({"a": "x", "a/b": "y", "main.py": "print(1)"}, "both a file and the directory"),
        ({"d/" + "x" * 256: "y", "main.py": "print(1)"}, "too long"),
        ({"é" * 200: "y", "main.py": "print(1)"}, "too long"),
        ({"bad\udc80.py": "y", "main.py": "print(1)"}, "not valid UTF-8"),
        ({"main.py": "print('\udc80')"}, "not valid UTF-8"),
    ],
    ids=["file-and-dir", "long-component", "long-utf8-component", "surrogate-name", "surrogate-content"],
)
def test_bad_file_names_are_a_clean_sandbox_error(kind, warm, files, match):
    """Names that cannot exist side by side or on Linux at all fail up front, and the sandbox goes on."""
    sb = _sandbox(kind, warm, pool_size=1)
    try:
        with pytest.raises(SandboxError, match=match):
            sb.run(files, ["python3", "main.py"], timeout_s=10)
        assert sb.run({"main.py": "print('fine')"}, ["python3", "main.py"], timeout_s=10).stdout == "fine\n"
    finally:
        sb.close()


@pytest.mark.parametrize(("kind", "warm"), [MODES[0], MODES[2]])
def test_a_file_flood_is_capped_and_cleaned_on_its_own_time(kind, warm):
    """A warm workspace holds at most ``max_files`` entries; the run that made them pays for removing them."""
    sb = _sandbox(kind, warm, pool_size=1, max_files=2000)
    flood = (
        "import os\nn = 0\ntry:\n    while n < 100000:\n        os.close(os.open(f'f{n}', os.O_CREAT | os.O_WRONLY))\n"
        "        n += 1\nexcept OSError as e:\n    print('STOPPED', n, e.strerror)\n"
    )
    try:
        result = sb.run({"main.py": flood}, ["python3", "main.py"], timeout_s=20)
        assert "STOPPED" in result.stdout and "No space left" in result.stdout, result
        assert int(result.stdout.split()[1]) < 2000
        after = sb.run({"main.py": "import os\nprint(len(os.listdir('.')))"}, ["python3", "main.py"], timeout_s=3)
        assert after.stdout == "1\n"
    finally:
        sb.close()


def test_an_interpreter_outside_usr_under_a_private_directory_runs():
    """An interpreter under a 0700 directory (a pyenv under /root) is usable by the unprivileged job."""
    import os
    import sys

    need("bubblewrap")
    if os.path.realpath(sys.executable).startswith("/usr/"):
        pytest.skip("this test needs an interpreter outside /usr (the one running the tests is under /usr)")
    from rewardgym.sandbox.process import ProcessSandbox

    for warm in (True, False):
        sb = ProcessSandbox(warm=warm, pool_size=1, python=sys.executable)
        try:
            result = sb.run({"main.py": "import sys, json\nprint(sys.version_info[0])"}, ["python3", "main.py"])
            assert result.stdout == "3\n", result
        finally:
            sb.close()
