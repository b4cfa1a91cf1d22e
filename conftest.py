"""Docstring examples run with the tests (``--doctest-modules`` over ``rewardgym/`` and ``baselines/``).

An example that drives a system component follows the suite's missing-component policy (``tests/conftest.py``):
skipped with the install command on a user's machine, a failure in CI.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import need

ROOT = Path(__file__).resolve().parent

DOCTEST_COMPONENTS = {
    "rewardgym/envs/web/backends/chromium.py": "chromium",
}
"""Module -> the component its docstring examples need."""

DOCTEST_PACKAGES = {
    "rewardgym/adapters/verifiers.py": ("verifiers", "verifiers"),
    "rewardgym/adapters/sb3.py": ("stable_baselines3", "sb3"),
}
"""Module -> (the optional Python package its docstring examples import, the extra that installs it)."""


def pytest_runtest_setup(item: pytest.Item) -> None:
    try:
        module = item.path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return
    component = DOCTEST_COMPONENTS.get(module)
    if component:
        need(component)
    package = DOCTEST_PACKAGES.get(module)
    if package:
        from tests.adapters.conftest import need_package

        need_package(*package)
