"""Every registered env and reward passes the shipped checkers (new ones are picked up automatically)."""

from __future__ import annotations

import pytest

import rewardgym
from rewardgym.testing import check_all_envs, check_all_rewards, registered_env_ids

ENV_IDS = registered_env_ids()
REWARD_NAMES = sorted(rewardgym.reward_registry())


def test_something_is_registered() -> None:
    assert "rewardgym/Maze-v0" in ENV_IDS
    assert any(n.startswith("maze/") for n in REWARD_NAMES)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_env_passes_gymnasium_check_env(env_id: str) -> None:
    assert check_all_envs([env_id]) == {env_id: "ok"}


@pytest.mark.parametrize("name", REWARD_NAMES)
def test_reward_passes_check_reward_fn(name: str) -> None:
    assert check_all_rewards([name]) == {name: "ok"}


def test_checkers_report_failures() -> None:
    """The checkers can fail: a reward that depends on other rows is caught."""
    import torch

    from rewardgym.testing import CheckError, check_reward_fn

    leaky = rewardgym.FunctionReward(
        lambda b: b.env_reward - b.env_reward.mean() + torch.arange(len(b)).float(), name="leaky"
    )
    batch = rewardgym.Transitions.from_rows(
        obs=[0, 1, 2], action=[0, 0, 0], next_obs=[0, 1, 2], env_reward=[1.0, 2.0, 4.0]
    )
    with pytest.raises(CheckError, match="row-by-row"):
        check_reward_fn(leaky, batch)
    verdict = check_all_envs(["rewardgym/NoSuchEnv-v0"])["rewardgym/NoSuchEnv-v0"]
    assert verdict.startswith("FamilyError: no family declares env")
