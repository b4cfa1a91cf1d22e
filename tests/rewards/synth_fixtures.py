"""Shared helpers for the synthesis tests: a real sandbox (or the missing-component policy) and data."""

from __future__ import annotations

import pytest

from tests.conftest import need


@pytest.fixture(scope="module")
def sandbox():
    """The strongest sandbox available here; missing both backends fails in CI and skips elsewhere."""
    from rewardgym.errors import SandboxError
    from rewardgym.sandbox import make_sandbox

    try:
        sb = make_sandbox("auto")
    except SandboxError:
        need("bubblewrap")
        raise
    yield sb
    sb.close()


@pytest.fixture(scope="module")
def executor(sandbox):
    from rewardgym.rewards.synthesized import RewardExecutor

    return RewardExecutor(sandbox, timeout_s=3.0, memory_mb=256)


@pytest.fixture(scope="module")
def maze_batch():
    from rewardgym.rollout import collect_transitions

    return collect_transitions("rewardgym/Maze-v0", 300, seed=3, env_kwargs={"size": 7})
