"""Compiled extensions: the CPU one builds (required in CI); a failed build falls back with one warning."""

from __future__ import annotations

import warnings

import pytest
import torch

from rewardgym.cuda import _ext, ops, reference
from tests.conftest import IN_CI
from tests.cuda.conftest import close


def test_cpu_extension_builds() -> None:
    ext = _ext.cpu_extension()
    if ext is None:
        message = f"the compiled CPU kernels could not be built: {_ext.extension_status()['cpu']}"
        if IN_CI:
            pytest.fail(message + " (CI needs a C++ compiler and ninja)", pytrace=False)
        pytest.skip(message)
    assert _ext.extension_status()["cpu"] == "loaded"
    assert {"bleu_matches", "gae", "group_normalize"} <= set(dir(ext))


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
