"""MujocoInfo: Gymnasium's Reacher-v5 / Pusher-v5 report rewardgym's info keys and nothing else changes."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rewardgym
from rewardgym.envs.robotics.adapter import MujocoInfo
from rewardgym.errors import EnvConfigError
from rewardgym.rollout import collect_transitions


@pytest.mark.parametrize("env_id", ["Reacher-v5", "Pusher-v5"])
def test_same_observations_and_rewards_as_the_raw_env(env_id: str) -> None:
    raw, adapted = gym.make(env_id), MujocoInfo(gym.make(env_id))
    o1, i1 = raw.reset(seed=4)
    o2, i2 = adapted.reset(seed=4)
    np.testing.assert_array_equal(o1, o2)
    assert set(i1) < set(i2)
    actions = np.random.default_rng(0).uniform(-1.2, 1.2, (60, raw.action_space.shape[0])).astype(np.float32)
    for a in actions:
        r1, r2 = raw.step(a), adapted.step(a)
        np.testing.assert_array_equal(r1[0], r2[0])
        assert r1[1:4] == r2[1:4]
        assert all(r2[4][k] == v for k, v in r1[4].items())


def test_reacher_terms_reproduce_reachers_own_reward_terms() -> None:
    batch = collect_transitions(MujocoInfo(gym.make("Reacher-v5")), n_steps=40, seed=1)
    dist = rewardgym.make_reward("robotics/distance-to-target-v0")(batch)
    ctrl = rewardgym.make_reward("robotics/control-cost-v0")(batch)
    np.testing.assert_allclose(dist.numpy(), batch.info("reward_dist").numpy(), atol=1e-6)
    np.testing.assert_allclose(ctrl.numpy(), batch.info("reward_ctrl").numpy(), atol=1e-6)
    np.testing.assert_allclose((dist + ctrl).numpy(), batch.env_reward.numpy(), atol=1e-5)
    smooth = rewardgym.make_reward("robotics/action-smoothness-v0")(batch)
    assert (smooth < 0).all()  # random actions change every step


def test_pusher_terms_reproduce_pushers_own_reward_terms() -> None:
    batch = collect_transitions(MujocoInfo(gym.make("Pusher-v5")), n_steps=40, seed=1)
    near = rewardgym.build_reward(
        {"reward": {"name": "robotics/distance-to-target-v0", "kwargs": {"target": "object_pos"}}}
    )
    np.testing.assert_allclose(0.5 * near(batch).numpy(), batch.info("reward_near").numpy(), atol=1e-6)
    goal = rewardgym.make_reward("robotics/object-to-goal-v0")(batch)
    np.testing.assert_allclose(goal.numpy(), batch.info("reward_dist").numpy(), atol=1e-6)
    ctrl = rewardgym.make_reward("robotics/control-cost-v0")(batch)
    np.testing.assert_allclose(0.1 * ctrl.numpy(), batch.info("reward_ctrl").numpy(), atol=1e-6)
    assert not batch.info(
        "success"
    ).any()  # the puck starts away from the goal and random play rarely moves it


def test_pusher_contact_flag_counts_the_arm_not_the_table() -> None:
    env = MujocoInfo(gym.make("Pusher-v5"))
    env.reset(seed=0)
    base = env.unwrapped
    qpos, qvel = base.data.qpos.copy(), np.zeros(base.model.nv)
    qpos[:7] = 0.0
    qpos[1] = 0.4  # shoulder lift: the gripper comes down to the puck's height
    base.set_state(qpos, qvel)
    info = env.step(np.zeros(7))[-1]
    assert base.data.ncon > 0 and not info["contact"]  # the puck rests on the table only
    tip = base.data.body("tips_arm").xpos
    qpos = base.data.qpos.copy()
    qpos[7], qpos[8] = tip[1] + 0.05, tip[0] - 0.45  # obj_slidey / obj_slidex, relative to the body's origin
    base.set_state(qpos, qvel)
    assert env.step(np.zeros(7))[-1]["contact"]


def test_info_keys_and_success_radius() -> None:
    env = MujocoInfo(gym.make("Reacher-v5"), success_radius=10.0)
    _, info = env.reset(seed=0)
    assert {
        "qpos",
        "qvel",
        "fingertip_pos",
        "target_pos",
        "fingertip_target_distance",
        "action",
        "prev_action",
        "success",
    } <= set(info)
    assert info["success"]
    np.testing.assert_array_equal(info["target_pos"], env.unwrapped.get_body_com("target"))
    _, info = MujocoInfo(gym.make("Pusher-v5")).reset(seed=0)
    assert {"object_pos", "goal_pos", "object_goal_distance", "contact"} <= set(info)


def test_bad_configuration_raises() -> None:
    with pytest.raises(EnvConfigError, match="bodies="):
        MujocoInfo(gym.make("Hopper-v5"))
    with pytest.raises(EnvConfigError, match="not in the model"):
        MujocoInfo(gym.make("Reacher-v5"), bodies={"fingertip_pos": "hand"})
    with pytest.raises(EnvConfigError, match="keys must be"):
        MujocoInfo(gym.make("Reacher-v5"), bodies={"elbow": "body1"})
    with pytest.raises(EnvConfigError, match="no MuJoCo model"):
        MujocoInfo(gym.make("CartPole-v1"))
    hopper = MujocoInfo(gym.make("Hopper-v5"), bodies={"fingertip_pos": "foot", "target_pos": "torso"})
    assert "fingertip_target_distance" in hopper.reset(seed=0)[1]
