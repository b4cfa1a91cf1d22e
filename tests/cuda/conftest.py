"""Fixtures for the scoring-op tests: every parity test runs per device and per implementation.

- ``device``: "cpu", and "cuda" marked ``gpu`` (skipped where no CUDA device exists).
- ``backend``: "compiled" (the C++ / CUDA extension; built on first use) or "torch" (the vectorised torch
  fallback, forced with :func:`rewardgym.cuda._ext.extensions_disabled`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

from rewardgym.cuda._ext import extensions_disabled

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
DEVICES = [
    pytest.param("cpu", id="cpu"),
    pytest.param("cuda", id="cuda", marks=[pytest.mark.gpu, needs_cuda]),
]


@pytest.fixture(params=DEVICES)
def device(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(params=["compiled", "torch"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "torch":
        with extensions_disabled():
            yield "torch"
    else:
        yield "compiled"


def close(actual: torch.Tensor, expected: torch.Tensor, tol: float = 1e-6) -> None:
    """``actual == expected`` to ``tol`` (absolute + relative), NaN where NaN, compared on the CPU."""
    torch.testing.assert_close(
        actual.cpu(), expected.cpu(), atol=tol, rtol=tol, equal_nan=True, check_dtype=False
    )
