"""Adapter tests run against the real trainer libraries; a missing one skips here and fails under CI=true."""

from __future__ import annotations

import importlib.util

import pytest

from tests.conftest import IN_CI


def need_package(module: str, extra: str) -> None:
    """Skip (user machine) or fail (CI) unless the Python package ``module`` is importable."""
    if importlib.util.find_spec(module) is not None:
        return
    message = f"{module} is not installed; install it with: pip install 'rewardgym[{extra}]'"
    if IN_CI:
        pytest.fail(f"CI requires {message}", pytrace=False)
    pytest.skip(message, allow_module_level=True)
