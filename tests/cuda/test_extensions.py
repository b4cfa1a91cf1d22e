"""Compiled extensions: the CPU one builds (required in CI); a failed build falls back with one warning."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
import torch

from rewardgym.cuda import _ext, ops, reference
from tests.conftest import IN_CI
from tests.cuda.conftest import close

ROOT = Path(__file__).resolve().parents[2]


def test_cpu_extension_builds() -> None:
    ext = _ext.cpu_extension()
    if ext is None:
        message = f"the compiled CPU kernels could not be built: {_ext.extension_status()['cpu']}"
        if IN_CI:
            pytest.fail(message + " (CI needs a C++ compiler and ninja)", pytrace=False)
        pytest.skip(message)
    assert _ext.extension_status()["cpu"] == "loaded"
    assert {"bleu_matches", "bleu_scores", "gae", "group_normalize", "token_logprob"} <= set(dir(ext))


def test_failed_build_falls_back_with_one_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ext, "_modules", {})
    monkeypatch.setattr(_ext, "_errors", {})

    def no_compiler(kind: str) -> None:
        raise RuntimeError(f"no compiler for the {kind} kernels here")

    monkeypatch.setattr(_ext, "_build", no_compiler)
    scores, ids = torch.tensor([1.0, 2.0, 4.0]), torch.tensor([0, 0, 1])
    r = torch.randn(2, 5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        normalized = ops.group_normalize(scores, ids)
        adv, _ = ops.gae(r, torch.zeros(2, 5), torch.zeros(2, 5, dtype=torch.bool), gamma=0.9, lam=0.8)
        bleu = ops.token_bleu(torch.tensor([[1, 2, 3]]), None, torch.tensor([[1, 2, 3]]), max_n=2)
    ours = [w for w in caught if "could not build the cpu extension" in str(w.message)]
    assert len(ours) == 1 and issubclass(ours[0].category, RuntimeWarning)
    assert "no compiler for the cpu kernels here" in _ext.extension_status()["cpu"]
    close(normalized, reference.group_normalize(scores, ids))
    close(adv, reference.gae(r, torch.zeros(2, 5), torch.zeros(2, 5), torch.zeros(2), 0.9, 0.8)[0])
    assert bleu.tolist() == [1.0]


def test_extensions_can_be_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARDGYM_DISABLE_EXTENSIONS", "1")
    assert _ext.cpu_extension() is None and _ext.cuda_extension() is None
    assert _ext.extension_status() == {"cpu": "disabled", "cuda": "disabled"}
    close(
        ops.group_normalize(torch.tensor([1.0, 3.0]), torch.tensor([2, 2]), mode="mean"),
        torch.tensor([-1.0, 1.0]),
    )


# ------------------------------------------------------------------------------------ build cache and locks
def test_build_directory_is_keyed_by_venv_torch_and_source(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("REWARDGYM_EXTENSIONS_DIR", str(tmp_path))
    base = _ext.build_directory("cpu")
    assert base.parent == tmp_path and base.name.startswith("cpu-")
    assert _ext.build_directory("cpu") == base  # stable
    monkeypatch.setattr(_ext.sys, "prefix", "/some/other/venv")
    other_venv = _ext.build_directory("cpu")
    monkeypatch.undo()
    monkeypatch.setenv("REWARDGYM_EXTENSIONS_DIR", str(tmp_path))
    monkeypatch.setattr(torch, "__version__", "0.0.0+other")
    other_torch = _ext.build_directory("cpu")
    monkeypatch.undo()
    monkeypatch.setenv("REWARDGYM_EXTENSIONS_DIR", str(tmp_path))
    fake_csrc = tmp_path / "csrc"
    shutil.copytree(_ext.CSRC, fake_csrc)
    monkeypatch.setattr(_ext, "CSRC", fake_csrc)
    (fake_csrc / "common.h").write_text((fake_csrc / "common.h").read_text() + "\n// edited\n")
    edited = _ext.build_directory("cpu")
    assert len({base, other_venv, other_torch, edited}) == 4


def test_waiting_too_long_for_another_build_falls_back_with_one_warning(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    """A live process holding the build lock past REWARDGYM_BUILD_WAIT_S: exact torch results, one warning."""
    fcntl = pytest.importorskip("fcntl")
    monkeypatch.setenv("REWARDGYM_EXTENSIONS_DIR", str(tmp_path))
    monkeypatch.setenv("REWARDGYM_BUILD_WAIT_S", "0.3")
    monkeypatch.setattr(_ext, "_modules", {})
    monkeypatch.setattr(_ext, "_errors", {})
    directory = _ext.build_directory("cpu")
    directory.parent.mkdir(parents=True, exist_ok=True)
    with open(directory.with_name(directory.name + ".lock"), "w") as held:  # "another process" building
        fcntl.flock(held, fcntl.LOCK_EX)
        scores, ids = torch.tensor([1.0, 2.0, 4.0, 8.0]), torch.tensor([0, 0, 1, 1])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t0 = time.monotonic()
            got = ops.group_normalize(scores, ids)
            again = ops.gae(torch.ones(2, 3), torch.zeros(2, 3), torch.zeros(2, 3, dtype=torch.bool))
            elapsed = time.monotonic() - t0
    ours = [w for w in caught if "could not build the cpu extension" in str(w.message)]
    assert len(ours) == 1 and "BuildWaitTimeout" in str(ours[0].message)
    assert elapsed < 10
    close(got, reference.group_normalize(scores, ids))
    want = reference.gae(torch.ones(2, 3), torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(2), 0.99, 0.95)
    close(again[0], want[0])


_CALL_OP = (
    "import torch, sys\n"
    "from rewardgym.cuda import ops, _ext\n"
    "x = ops.group_normalize(torch.tensor([1.0, 3.0]), torch.tensor([5, 5]), mode='mean')\n"
    "print(x.tolist(), _ext.extension_status()['cpu'])\n"
)


def _run_op(env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _CALL_OP], capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT
    )


def test_stale_torch_lock_left_by_a_killed_build_is_removed() -> None:
    """torch's ``lock`` file, left behind by a killed build, made every later process wait forever."""
    fcntl = pytest.importorskip("fcntl")
    if _ext.cpu_extension() is None:
        pytest.skip(f"the compiled CPU kernels are unavailable: {_ext.extension_status()['cpu']}")
    directory = _ext.build_directory("cpu")
    with open(directory.with_name(directory.name + ".lock"), "a") as held:  # plant it like a killed build
        fcntl.flock(held, fcntl.LOCK_EX)
        (directory / "lock").touch()
    t0 = time.monotonic()
    proc = _run_op({**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("]")[-1].strip() == "loaded", proc.stdout + proc.stderr
    assert "[-1.0, 1.0]" in proc.stdout
    assert not (directory / "lock").exists()
    assert time.monotonic() - t0 < 60  # seconds, not a hang (the extension is already built)


@pytest.mark.slow
def test_build_killed_midway_then_next_process_rebuilds(tmp_path) -> None:
    """kill -9 during the first build (compiler included); the next process builds and answers, never hangs."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REWARDGYM_EXTENSIONS_DIR": str(tmp_path)}
    env.pop("REWARDGYM_DISABLE_EXTENSIONS", None)
    first = subprocess.Popen(
        [sys.executable, "-c", _CALL_OP],
        env=env,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    while not list(tmp_path.glob("cpu-*/lock")) and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.1)
    assert list(tmp_path.glob("cpu-*/lock")), "the build never started"
    time.sleep(2)  # the compiler is running
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    _, err = first.communicate()
    assert "building rewardgym kernels" in err  # the one-line first-build message
    assert list(tmp_path.glob("cpu-*/lock")), "the killed build left no lock: nothing was tested"
    second = _run_op(env, timeout=900)
    assert second.returncode == 0, second.stderr
    assert "[-1.0, 1.0]" in second.stdout and second.stdout.split("]")[-1].strip() == "loaded", second.stdout
    assert not list(tmp_path.glob("cpu-*/lock"))
