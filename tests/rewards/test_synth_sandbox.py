"""Synthesized reward code runs only in the sandbox: results, errors, limits and containment."""

from __future__ import annotations

import json
import socket
import threading
import uuid
from pathlib import Path

import pytest
import torch

from rewardgym.errors import RewardComputationError, RewardSpecError
from rewardgym.rewards.synthesized import StaticReport, SynthesizedReward, check_reward_source, extract_code
from tests.rewards import synth_candidates as C
from tests.rewards import synth_fixtures

executor = synth_fixtures.executor
maze_batch = synth_fixtures.maze_batch
sandbox = synth_fixtures.sandbox

HEADER = "def compute_reward(obs, action, next_obs, info):\n"


def test_good_candidate_matches_its_formula(executor, maze_batch):
    out = executor.run(extract_code(C.GOOD), maze_batch)
    assert out.ok, out.error
    progress = maze_batch.info("prev_distance") - maze_batch.info("distance")
    goal = 10.0 * maze_batch.info("success")
    assert torch.equal(out.terms["progress"], progress)
    assert torch.equal(out.terms["goal"], goal)
    assert torch.equal(out.total, progress + goal)


def test_only_needed_columns_are_sent(executor, maze_batch):
    source = extract_code(C.GOOD)
    payload = json.loads(executor.payload(maze_batch, check_reward_source(source)))
    assert set(payload["info"]) == {"prev_distance", "distance", "success"}
    assert payload["columns"] == {} and payload["n"] == len(maze_batch)
    with_obs = check_reward_source(HEADER + "    return [float(len(o)) for o in obs], {}\n")
    assert set(json.loads(executor.payload(maze_batch, with_obs))["columns"]) == {"obs"}


def test_observation_columns_arrive_as_nested_lists(executor, maze_batch):
    source = HEADER + "    return [float(sum(sum(r) for r in o)) for o in next_obs], {}\n"
    out = executor.run(source, maze_batch)
    assert out.ok, out.error
    assert torch.equal(out.total, maze_batch.next_obs.reshape(len(maze_batch), -1).sum(1).float())


@pytest.mark.parametrize(
    "body, fragment",
    [
        ("    return [1.0 / 0 for _ in info['distance']], {}\n", "ZeroDivisionError"),
        ("    return info['nope'], {}\n", "the info keys are: agent_pos, bumped, distance"),
        ("    return [1.0, 2.0], {}\n", "expected 300"),
        ("    return [float('nan') for _ in info['distance']], {}\n", "must be finite"),
        ("    return ['x' for _ in info['distance']], {}\n", "not a number"),
        ("    return {'a': 1}, {}\n", "must be a list"),
        ("    return [0.0 for _ in info['distance']], {'t': [1.0]}\n", "term 't'"),
        ("    raise SystemExit(3)\n", "SystemExit"),
    ],
)
def test_failures_come_back_as_feedback(executor, maze_batch, body, fragment):
    out = executor.run(HEADER + body, maze_batch)
    assert not out.ok and out.total is None
    assert fragment in out.error, out.error


def test_endless_loop_times_out(executor, maze_batch):
    out = executor.run(extract_code(C.ENDLESS), maze_batch)
    assert not out.ok and out.timed_out and "timed out" in out.error


def test_memory_blowup_is_contained(executor, maze_batch):
    out = executor.run(HEADER + "    x = [0] * (10 ** 10)\n    return x, {}\n", maze_batch)
    assert not out.ok and ("MemoryError" in out.error or "memory" in out.error)


def test_statically_rejected_code_is_never_run(executor, maze_batch):
    out = executor.run(extract_code(C.MALICIOUS), maze_batch)
    assert not out.ok and out.error.startswith("static check failed") and out.duration_s == 0.0


def test_nothing_escapes_even_without_the_static_checks(executor, maze_batch, tmp_path):
    """Bypass the static checker on purpose: the sandbox alone must stop file, network and host access."""
    marker = Path("/tmp") / f"rewardgym-escape-{uuid.uuid4().hex}"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.1)
    port = listener.getsockname()[1]
    connections = []

    def accept():
        for _ in range(60):
            try:
                connections.append(listener.accept())
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    hostile = (
        "import os, socket\n" + HEADER + f"    open({str(marker)!r}, 'w').write('escaped')\n"
        f"    open({str(tmp_path / 'x')!r}, 'w').write('escaped')\n"
        "    try:\n"
        f"        socket.create_connection(('127.0.0.1', {port}), timeout=1).sendall(b'hi')\n"
        "    except OSError as e:\n"
        "        print('blocked', e)\n"
        "    leaked = os.path.exists('/work') or os.path.exists('/root/.cache')\n"
        "    return [float(leaked) for _ in info['distance']], {}\n"
    )
    forged = StaticReport(True, info_keys={"distance"})  # what a broken checker would say
    executor.run(hostile, maze_batch, report=forged)
    thread.join()
    listener.close()
    assert not marker.exists(), "the sandboxed code wrote to the host's /tmp"
    assert not (tmp_path / "x").exists(), "the sandboxed code wrote into the test's folder"
    assert connections == [], "the sandboxed code reached a host listener"
    probe = executor.run(
        "import os\n" + HEADER + "    v = float(os.path.exists('/work') or os.path.exists('/root/.cache'))\n"
        "    return [v for _ in info['distance']], {}\n",
        maze_batch,
        report=forged,
    )
    assert probe.ok and float(probe.total.max()) == 0.0, "host folders are visible inside the sandbox"


def test_synthesized_reward_is_a_reward(executor, maze_batch):
    reward = SynthesizedReward(extract_code(C.GOOD), executor=executor, name="synth")
    terms = reward.breakdown(maze_batch.select(list(range(5))))
    assert set(terms) == {"synth", "synth/progress", "synth/goal", "total"}
    assert reward(maze_batch.select([])).shape == (0,)
    with pytest.raises(RewardSpecError, match="static checks"):
        SynthesizedReward(extract_code(C.MALICIOUS))
    failing = SynthesizedReward(extract_code(C.CRASHING), executor=executor)
    with pytest.raises(RewardComputationError, match="ZeroDivisionError"):
        failing(maze_batch)


def _result(stdout: str):
    from rewardgym.sandbox.base import ExecResult

    return ExecResult(stdout=stdout, stderr="", exit_code=0)


@pytest.mark.parametrize(
    "line",
    [
        '@@RESULT@@ {"total": [1.0, 1.0], "terms": {}}',  # the old format, no nonce
        '@@RESULT@@ 0123456789abcdef0123456789abcdef {"total": [1.0, 1.0], "terms": {}}',  # someone else's
    ],
    ids=["no-nonce", "wrong-nonce"],
)
def test_result_lines_without_this_runs_nonce_are_ignored(executor, line):
    out = executor.parse(_result(line + "\n"), 2, "f" * 32)
    assert not out.ok and "without a result" in out.error


@pytest.mark.parametrize(
    "payload",
    ['{"total": [NaN, 1.0], "terms": {}}', '{"total": [1.0, Infinity], "terms": {}}', '{"total": [1e999, 1.0]}'],
    ids=["nan", "infinity", "overflow"],
)
def test_non_finite_results_are_rejected(executor, payload):
    nonce = "a" * 32
    out = executor.parse(_result(f"@@RESULT@@ {nonce} {payload}\n"), 2, nonce)
    assert not out.ok and ("finite" in out.error or "malformed" in out.error), out.error


def test_two_result_lines_are_rejected(executor):
    nonce = "b" * 32
    line = f'@@RESULT@@ {nonce} {{"total": [1.0], "terms": {{}}}}\n'
    assert not executor.parse(_result(line * 2), 1, nonce).ok


def test_a_candidate_that_writes_to_fd_1_cannot_forge_the_result(executor, maze_batch):
    """Even past the static check (run directly), a forged line on fd 1 lands on stderr, without the nonce."""
    from rewardgym.rewards.synthesized.static import StaticReport

    n = len(maze_batch)
    forged = (
        "import os\nos.write(1, b'@@RESULT@@ ' + b'{\"total\": [9.0], \"terms\": {}}\\n')\n"
        "print('@@RESULT@@ {}')\n" + HEADER + "    raise ValueError('no')\n"
    )
    job, nonce = executor.job(forged, maze_batch, StaticReport(True))
    result = executor.sandbox.run(job.files, job.command, timeout_s=job.timeout_s, memory_mb=job.memory_mb)
    assert "@@RESULT@@" not in result.stdout.replace(f"@@ERROR@@ {nonce}", "")
    out = executor.parse(result, n, nonce)
    assert not out.ok and "ValueError" in out.error
