"""``Sandbox.run`` / ``run_many`` semantics, on every backend and mode."""

from __future__ import annotations

import pytest

from rewardgym.errors import SandboxError
from rewardgym.sandbox import Job
from tests.conftest import need


def run(sb, code, *args, **kw):
    return sb.run({"main.py": code}, ["python3", "main.py", *args], timeout_s=kw.pop("timeout_s", 10), **kw)


def test_stdout_stderr_exit_code_and_argv(any_sandbox):
    r = run(
        any_sandbox,
        "import sys\nprint('out', sys.argv[1:])\nprint('err', file=sys.stderr)\nsys.exit(3)",
        "a",
        "b c",
    )
    assert r.stdout == "out ['a', 'b c']\n"
    assert r.stderr == "err\n"
    assert r.exit_code == 3 and not r.timed_out and not r.memory_exceeded and not r.ok
    assert r.backend == any_sandbox.backend and r.duration_s > 0


def test_files_in_subdirectories_stdin_and_env(any_sandbox):
    r = any_sandbox.run(
        {
            "pkg/__init__.py": "",
            "pkg/mod.py": "VALUE = 41\n",
            "data/in.txt": b"bytes\xff",
            "main.py": "import os, sys\nfrom pkg.mod import VALUE\n"
            "print(VALUE + 1, open('data/in.txt', 'rb').read(),"
            " sys.stdin.read(), os.environ['GREETING'])",
        },
        ["python3", "main.py"],
        timeout_s=10,
        stdin="from stdin",
        env={"GREETING": "hi"},
    )
    assert r.ok, r.stderr
    assert r.stdout == "42 b'bytes\\xff' from stdin hi\n"


def test_python_c_and_m_and_other_programs(any_sandbox):
    assert any_sandbox.run({}, ["python3", "-c", "print(sum(range(5)))"]).stdout == "10\n"
    assert any_sandbox.run({"tool.py": "print('mod')"}, ["python3", "-m", "tool"]).stdout == "mod\n"
    shell = any_sandbox.run({"x.txt": "abc"}, ["sh", "-c", "cat x.txt; echo; exit 7"])
    assert shell.stdout == "abc\n" and shell.exit_code == 7
    missing = any_sandbox.run({}, ["no-such-program"])
    assert missing.exit_code == 127


def test_uncaught_exception_and_signal_death(any_sandbox):
    r = run(any_sandbox, "raise ValueError('boom')")
    assert r.exit_code == 1 and "ValueError: boom" in r.stderr
    r = run(any_sandbox, "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)")
    assert r.exit_code == -11


def test_environment_is_clean_and_user_unprivileged(any_sandbox):
    r = run(any_sandbox, "import os\nprint(os.getuid(), os.geteuid(), sorted(os.environ))")
    uid, euid, names = r.stdout.split(" ", 2)
    assert int(uid) >= 1000 and uid == euid
    assert "HOME" in names and "PATH" in names and "SECRET" not in names


def test_each_run_gets_a_fresh_workspace(any_sandbox):
    first = run(any_sandbox, "open('left.txt', 'w').write('x')\nimport os\nprint(sorted(os.listdir('.')))")
    second = run(any_sandbox, "import os\nprint(sorted(os.listdir('.')))")
    assert first.stdout == "['left.txt', 'main.py']\n"
    assert second.stdout == "['main.py']\n"


def test_timeout_kills_the_run(any_sandbox):
    r = run(any_sandbox, "print('started', flush=True)\nwhile True:\n    pass", timeout_s=1)
    assert r.timed_out and r.exit_code is None and r.stdout == "started\n"
    assert r.duration_s < 8


def test_output_is_capped(any_sandbox):
    r = run(any_sandbox, "import sys\nfor _ in range(100):\n    sys.stdout.write('x' * 100000)\n")
    assert r.stdout_truncated and r.truncated
    assert len(r.stdout) == any_sandbox.max_output_bytes
    assert set(r.stdout) == {"x"}


def test_memory_limit(any_sandbox):
    r = run(any_sandbox, "x = bytearray(4 << 30)", memory_mb=256)
    assert r.memory_exceeded and not r.timed_out and r.exit_code == 1


def test_run_many_isolates_a_hung_item(any_sandbox):
    jobs = [Job({"main.py": f"print({i} * {i})"}, ["python3", "main.py"], timeout_s=10) for i in range(6)]
    jobs.insert(2, Job({"main.py": "while True: pass"}, ["python3", "main.py"], timeout_s=2))
    results = any_sandbox.run_many(jobs)
    assert results[2].timed_out
    assert [r.stdout for i, r in enumerate(results) if i != 2] == [f"{i * i}\n" for i in range(6)]


@pytest.mark.parametrize(
    ("files", "command", "kw"),
    [
        ({"../escape.py": "x"}, ["python3"], {}),
        ({"/abs.py": "x"}, ["python3"], {}),
        ({"a.py": 3}, ["python3"], {}),
        ({}, "python3 a.py", {}),
        ({}, [], {}),
        ({}, ["python3"], {"timeout_s": 0}),
        ({}, ["python3"], {"memory_mb": 1}),
    ],
)
def test_bad_arguments_raise_sandbox_error(process_sandbox, files, command, kw):
    with pytest.raises(SandboxError):
        process_sandbox.run(files, command, **kw)


def test_unknown_backend_names_choices():
    from rewardgym.sandbox import make_sandbox

    with pytest.raises(SandboxError, match="expected one of"):
        make_sandbox("vm")


def test_auto_reports_its_choice_and_reason():
    from rewardgym.sandbox import make_sandbox

    try:
        sb = make_sandbox("auto", pool_size=1)
    except SandboxError as exc:  # no backend at all: the message names both missing pieces
        assert "docker" in str(exc) and "process" in str(exc)
        return
    try:
        assert sb.backend in ("docker", "process")
        assert sb.reason.startswith("auto:") and sb.backend in sb.describe()
    finally:
        sb.close()


def test_files_larger_than_the_workspace_are_a_sandbox_error(any_sandbox):
    big = {f"blob{i}.bin": b"\0" * (30 << 20) for i in range(3)}  # 90 MB > the 64 MB workspace
    with pytest.raises(SandboxError, match=r"workspace|No space|space left"):
        any_sandbox.run({**big, "main.py": "print(1)"}, ["python3", "main.py"], timeout_s=20)
    assert run(any_sandbox, "print('still fine')").stdout == "still fine\n"


def test_a_dead_warm_worker_is_replaced():
    need("bubblewrap")
    import os
    import signal

    from rewardgym.sandbox.process import ProcessSandbox

    sb = ProcessSandbox(pool_size=1)
    try:
        assert run(sb, "print(1)").stdout == "1\n"
        (worker,) = sb._pool._workers.values()
        os.killpg(worker.proc.pid, signal.SIGKILL)
        worker.proc.wait()
        assert run(sb, "print(2)").stdout == "2\n"
        assert sb._pool._workers[0] is not worker
    finally:
        sb.close()


def test_rewardgym_sandbox_pins_what_auto_means(monkeypatch):
    """The tests set REWARDGYM_SANDBOX=process, so no test depends on an engine it did not start."""
    need("bubblewrap")
    from rewardgym.sandbox import make_sandbox

    monkeypatch.setenv("REWARDGYM_SANDBOX", "process")
    sb = make_sandbox("auto", pool_size=1, image="ignored-by-the-process-backend")
    try:
        assert sb.backend == "process" and "REWARDGYM_SANDBOX=process" in sb.reason
    finally:
        sb.close()
    monkeypatch.setenv("REWARDGYM_SANDBOX", "vm")
    with pytest.raises(SandboxError, match="REWARDGYM_SANDBOX"):
        make_sandbox("auto")


@pytest.mark.docker
@pytest.mark.parametrize("warm", [True, False], ids=["warm", "per-run"])
def test_an_engine_that_went_away_is_a_clear_sandbox_error(warm):
    """The engine is checked when it is used: runs after it stops answering raise SandboxError saying so."""
    need("docker")
    import docker

    from rewardgym.sandbox.docker_backend import DockerSandbox

    sb = DockerSandbox(warm=warm, pool_size=1)
    try:
        assert run(sb, "print(1)").stdout == "1\n"
        sb.close()
        sb.client = docker.DockerClient(base_url="unix:///nonexistent/docker.sock", version="1.41")  # engine gone
        with pytest.raises(SandboxError, match="stopped answering"):
            run(sb, "print(2)")
        (result,) = sb.run_many([Job({"main.py": "print(3)"}, ["python3", "main.py"])])
        assert result.exit_code is None and "stopped answering" in result.sandbox_error
    finally:
        sb.client = docker.from_env()
        sb.close()
