"""Hostile programs are contained on every backend and the host is unaffected.

Each run prints ``N tried, 0 escaped``. The environment secret is set in this test process *before* the
sandbox is created, so a backend that leaked the host environment into its workers would show it.
"""

from __future__ import annotations

import secrets

import pytest

from tests.conftest import need
from tests.sandbox.hostile import run_suite


def _suite(sandbox, tmp_path, token, capsys, label):
    tried, escapes = run_suite(sandbox, tmp_path, token)
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
        _suite(sb, tmp_path, token, capsys, "process, no seccomp")
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
