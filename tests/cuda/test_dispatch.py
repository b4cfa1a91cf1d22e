"""CPU calls skip ``torch.library`` dispatch (no ``torch._dynamo`` import); tracing and compile still use it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from rewardgym.cuda import _dispatch, ops, reference
from tests.cuda.conftest import close

ROOT = Path(__file__).resolve().parents[2]

_SCRIPT = """
import sys, torch
from rewardgym.cuda import ops
ops.gae(torch.ones(2, 3), torch.zeros(2, 3), torch.zeros(2, 3, dtype=torch.bool))
ops.gae(torch.ones(3, 2), torch.zeros(3, 2), torch.zeros(3, 2, dtype=torch.bool), time_major=True)
ops.group_normalize(torch.tensor([1.0, 2.0]), torch.tensor([0, 0]))
ops.token_bleu(torch.tensor([[1, 2, 3]]), None, torch.tensor([[1, 2, 3]]))
ops.sequence_logprob(torch.randn(1, 2, 5), torch.tensor([[1, 2]]))
ops.sequence_logprob(torch.randn(1, 2, 5, dtype=torch.bfloat16), torch.tensor([[1, 2]]))
print(sorted(m for m in ("torch._dynamo", "rewardgym.cuda._library") if m in sys.modules))
"""


@pytest.mark.parametrize("extensions", ["compiled", "torch"])
def test_cpu_ops_never_import_dynamo(extensions: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if extensions == "torch":
        env["REWARDGYM_DISABLE_EXTENSIONS"] = "1"
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout


def test_direct_path_only_for_plain_cpu_tensors() -> None:
    assert _dispatch.cpu_direct(torch.zeros(2), None)
    from torch._subclasses.fake_tensor import FakeTensorMode

    with FakeTensorMode():
        fake = torch.zeros(2)
    assert not _dispatch.cpu_direct(fake)


def test_compiled_function_goes_through_the_custom_ops() -> None:
    """Under torch.compile the ops trace as ``rewardgym::`` custom ops and give the same numbers."""
    torch._dynamo.reset()

    def advantages(r: torch.Tensor, v: torch.Tensor, d: torch.Tensor, x: torch.Tensor, g: torch.Tensor):
        return ops.gae(r, v, d, gamma=0.9, lam=0.8)[0], ops.group_normalize(x, g, convention="trl")

    r, v = torch.randn(3, 5), torch.randn(3, 5)
    d = torch.rand(3, 5) < 0.2
    x, g = torch.randn(8), torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])
    compiled = torch.compile(advantages, backend="eager", fullgraph=True)
    adv, norm = compiled(r, v, d, x, g)
    close(adv, reference.gae(r, v, d, torch.zeros(3), 0.9, 0.8)[0])
    close(norm, reference.group_normalize(x, g, eps=1e-4, unbiased=True))
