"""``python -m rewardgym.cuda.compile_check``: every CUDA source compiles with nvcc (no GPU needed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rewardgym.cuda import compile_check
from rewardgym.cuda.compile_check import cuda_sources, main
from tests.conftest import need


@pytest.mark.slow
@pytest.mark.timeout(2400)  # 8-9 min on a busy 2-core machine
def test_every_cuda_source_compiles() -> None:
    need("nvcc")
    proc = subprocess.run(
        [sys.executable, "-m", "rewardgym.cuda.compile_check"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    sources = cuda_sources()
    assert {p.name for p in sources} >= {"bleu.cu", "gae.cu", "group_norm.cu", "seq_logprob.cu"}
    for src in sources:
        assert f"ok   {src.name}" in proc.stdout


def test_a_broken_source_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    need("nvcc")
    (tmp_path / "fine.cu").write_text("__global__ void fill(float* x) { x[threadIdx.x] = 1.0f; }\n")
    (tmp_path / "broken.cu").write_text("__global__ void fill(float* x { x[0] = 1.0f; }\n")
    assert main(["--dir", str(tmp_path), "--arch", "80"]) == 1
    out, err = capsys.readouterr()
    assert "ok   fine.cu" in out and "FAIL broken.cu" in out
    assert "1 of 2 CUDA sources failed: broken.cu" in err


def test_unknown_source_name_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    need("nvcc")
    assert main(["--source", "nope.cu"]) == 1
    assert "no such source" in capsys.readouterr().err


def test_missing_nvcc_fails_only_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compile_check.shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    assert main([]) == 1
    monkeypatch.setenv("CI", "")
    assert main([]) == 0
