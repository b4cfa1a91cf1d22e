"""The ``reach`` / ``push`` experiments are registered with ``rewardgym reproduce`` and run end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

import rewardgym
from rewardgym.reproduce.experiments import EXPERIMENTS
from rewardgym.reproduce.runner import run_one, run_specs


@pytest.mark.parametrize(("name", "env_id"), [("reach", "rewardgym/Reach-v0"), ("push", "rewardgym/Push-v0")])
def test_experiment_is_registered_with_buildable_rewards(name: str, env_id: str) -> None:
    exp = EXPERIMENTS[name]
    assert exp.env_id == env_id
    assert exp.full.seeds >= 3 and exp.quick.total_timesteps < exp.full.total_timesteps
    for variant in exp.variants:
        rewardgym.build_reward(variant.reward)


def test_reach_run_trains_and_evaluates_on_the_env_success_flag(tmp_path: Path) -> None:
    """A tiny budget (2 PPO updates): it runs, evaluates success in [0, 1] and logs to TensorBoard."""
    (spec,) = run_specs(EXPERIMENTS["reach"], quick=True, out_dir=tmp_path, seeds=1, total_timesteps=4096)
    spec["ppo"].update(num_envs=8, num_steps=256, eval_episodes=8)
    result = run_one(spec)
    assert result["variant"] == "default" and result["reward"] == "robotics/reach-default-v0"
    assert result["train_steps"] == 4096
    assert result["eval_steps"][0] == 0 and len(result["eval_success"]) >= 2
    assert all(0.0 <= s <= 1.0 for s in result["eval_success"])
    assert any((tmp_path / "runs").iterdir())
