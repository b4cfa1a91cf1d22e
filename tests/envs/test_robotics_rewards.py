"""The robotics/* reward terms: values on hand-made batches, NumPy/torch agreement, checkers, compositions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import rewardgym
from rewardgym.envs.robotics.rewards import linear_terms
from rewardgym.errors import EnvConfigError, RewardComputationError, RewardSpecError
from rewardgym.testing import check_all_rewards
from rewardgym.types import Transitions

NAMES = sorted(rewardgym.list_rewards("robotics/"))


def batch_from(infos: list[dict]) -> Transitions:
    n = len(infos)
    return Transitions.from_rows(obs=[[0.0]] * n, action=[[0.0]] * n, next_obs=[[0.0]] * n, infos=infos)


def test_every_robotics_reward_module_is_declared_by_the_family() -> None:
    from rewardgym.rewards.builtin import builtin_reward_modules

    assert len(NAMES) == 8
    assert all(
        m in builtin_reward_modules()
        for m in ("rewardgym.envs.robotics.rewards.distance", "rewardgym.envs.robotics.rewards.defaults")
    )


def test_all_robotics_rewards_pass_the_shipped_checker() -> None:
    results = check_all_rewards(NAMES)
    assert results == {name: "ok" for name in NAMES}


INFOS = [
    {
        "fingertip_pos": np.array([0.0, 0.0, 0.02]),
        "target_pos": np.array([0.3, 0.4, 0.02]),
        "object_pos": np.array([0.1, 0.0, 0.02]),
        "goal_pos": np.array([0.1, 0.2, 0.02]),
        "action": np.array([1.0, -1.0, 0.5]),
        "prev_action": np.array([1.0, 0.0, 0.0]),
        "success": False,
        "contact": True,
    },
    {
        "fingertip_pos": np.array([0.1, 0.1, 0.02]),
        "target_pos": np.array([0.1, 0.1, 0.02]),
        "object_pos": np.array([0.0, 0.0, 0.02]),
        "goal_pos": np.array([0.0, 0.0, 0.02]),
        "action": np.zeros(3),
        "prev_action": np.array([0.0, 0.0, 2.0]),
        "success": True,
        "contact": False,
    },
]


@pytest.mark.parametrize(
    ("name", "kwargs", "expected"),
    [
        ("robotics/distance-to-target-v0", {}, [-0.5, 0.0]),
        ("robotics/distance-to-target-v0", {"form": "tanh", "scale": 0.5}, [1 - np.tanh(1.0), 1.0]),
        ("robotics/distance-to-target-v0", {"target": "object_pos"}, [-0.1, -np.hypot(0.1, 0.1)]),
        ("robotics/object-to-goal-v0", {}, [-0.2, 0.0]),
        ("robotics/object-to-goal-v0", {"form": "tanh", "scale": 0.2}, [1 - np.tanh(1.0), 1.0]),
        ("robotics/success-v0", {}, [0.0, 1.0]),
        ("robotics/contact-v0", {}, [1.0, 0.0]),
        ("robotics/control-cost-v0", {}, [-2.25, 0.0]),
        ("robotics/action-smoothness-v0", {}, [-1.25, -4.0]),
    ],
)
def test_term_values_on_torch_and_numpy(name: str, kwargs: dict, expected: list[float]) -> None:
    reward = rewardgym.make_reward(name, **kwargs)
    out = reward(batch_from(INFOS))
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, torch.tensor(expected, dtype=torch.float32), atol=1e-6, rtol=1e-6)
    numpy_info = {k: np.stack([np.asarray(r[k]) for r in INFOS]) for k in INFOS[0]}
    np.testing.assert_allclose(reward.compute(numpy_info), expected, atol=1e-12)


def test_default_compositions_weights() -> None:
    reach = rewardgym.make_reward("robotics/reach-default-v0")
    batch = batch_from(INFOS)
    torch.testing.assert_close(reach(batch), torch.tensor([-0.5 - 0.05 * 2.25, 0.25]), atol=1e-6, rtol=1e-6)
    push = rewardgym.make_reward("robotics/push-default-v0")
    terms = push.breakdown(batch)
    assert {"fingertip-to-object", "robotics/contact-v0", "total"} <= set(terms)
    expected0 = 0.5 * -0.1 - 0.2 - 0.05 * 2.25  # contact has weight 0
    torch.testing.assert_close(terms["total"][0], torch.tensor(expected0), atol=1e-6, rtol=1e-6)


def test_linear_terms_flattens_nested_sums() -> None:
    spec = {
        "sum": [
            {
                "reward": {"sum": {"robotics/success-v0": 2.0, "robotics/contact-v0": 1.0}},
                "weight": 0.5,
                "as": "bonus",
            },
            {"reward": "robotics/control-cost-v0", "weight": 3.0},
        ]
    }
    flat = {name: w for name, w, _ in linear_terms(rewardgym.build_reward(spec))}
    assert flat == {
        "bonus/robotics/success-v0": 1.0,
        "bonus/robotics/contact-v0": 0.5,
        "robotics/control-cost-v0": 3.0,
    }
    with pytest.raises(EnvConfigError, match=r"rewardgym\.wrap"):
        linear_terms(rewardgym.build_reward({"clip": {"inner": "robotics/success-v0", "low": 0}}))


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("robotics/distance-to-target-v0", {"form": "cubic"}),
        ("robotics/object-to-goal-v0", {"scale": 0}),
        ("robotics/success-v0", {"threshold": 1}),
    ],
)
def test_bad_kwargs_raise_spec_errors(name: str, kwargs: dict) -> None:
    with pytest.raises(RewardSpecError):
        rewardgym.make_reward(name, **kwargs)


def test_missing_info_is_a_computation_error_naming_the_key() -> None:
    reward = rewardgym.make_reward("robotics/object-to-goal-v0")
    batch = batch_from([{"fingertip_pos": np.zeros(3)}, {"fingertip_pos": np.ones(3)}])
    with pytest.raises(RewardComputationError, match="object_pos"):
        reward(batch)


def test_terms_keep_the_batch_device_and_dtype() -> None:
    batch = batch_from(INFOS).to("cpu")
    for name in NAMES:
        out = rewardgym.make_reward(name)(batch)
        assert out.device == batch.device and out.shape == (2,)
