"""Reach-v0 / Push-v0 single envs: API conformance, seeding, the info contract, physics, own reward."""

from __future__ import annotations

import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env

import rewardgym
from rewardgym.envs.robotics.env import ReachEnv
from rewardgym.errors import EnvConfigError, InvalidActionError, RewardSpecError
from rewardgym.rollout import collect_transitions

IDS = ["rewardgym/Reach-v0", "rewardgym/Push-v0"]


def test_import_rewardgym_does_not_import_mujoco() -> None:
    code = "import sys, rewardgym; rewardgym.list_rewards('robotics/'); print('mujoco' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.filterwarnings("ignore:.*Box observation space m.*infinity:UserWarning")
@pytest.mark.parametrize("env_id", IDS)
def test_check_env_passes_including_render(env_id: str) -> None:
    env = gym.make(env_id, render_mode="rgb_array")
    check_env(env.unwrapped, skip_render_check=False)
    env.close()


@pytest.mark.parametrize(("env_id", "obs_dim", "limit"), [(IDS[0], 13, 50), (IDS[1], 21, 100)])
def test_spaces_and_time_limit(env_id: str, obs_dim: int, limit: int) -> None:
    env = gym.make(env_id)
    assert env.observation_space.shape == (obs_dim,) and env.observation_space.dtype == np.float64
    assert env.action_space.shape == (3,) and float(env.action_space.low.min()) == -1.0
    env.reset(seed=0)
    steps, truncated = 0, False
    while not truncated:
        _, _, terminated, truncated, _ = env.step(np.zeros(3))
        assert not terminated
        steps += 1
    assert steps == limit


@pytest.mark.parametrize("env_id", IDS)
def test_seeded_reset_is_deterministic_and_seeds_differ(env_id: str) -> None:
    a, b = gym.make(env_id), gym.make(env_id)
    oa, _ = a.reset(seed=7)
    ob, _ = b.reset(seed=7)
    np.testing.assert_array_equal(oa, ob)
    for act in np.random.default_rng(0).uniform(-1, 1, (20, 3)):
        ra, rb = a.step(act), b.step(act)
        np.testing.assert_array_equal(ra[0], rb[0])
        assert ra[1] == rb[1]
    key = "target_pos" if "Reach" in env_id else "goal_pos"
    assert len({tuple(np.round(b.reset(seed=s)[1][key], 6)) for s in range(8)}) == 8


def test_reach_targets_cover_the_annulus() -> None:
    env = gym.make("rewardgym/Reach-v0")
    pts = np.array([env.reset(seed=s)[1]["target_pos"] for s in range(300)])
    r = np.hypot(pts[:, 0], pts[:, 1])
    assert r.min() >= 0.08 and r.max() <= 0.25
    angles = np.arctan2(pts[:, 1], pts[:, 0])
    assert np.histogram(angles, bins=4, range=(-np.pi, np.pi))[0].min() > 40  # every quadrant


@pytest.mark.parametrize("env_id", IDS)
def test_info_matches_mujoco_state(env_id: str) -> None:
    env = gym.make(env_id)
    env.reset(seed=3)
    sim = env.unwrapped.sim
    rng = np.random.default_rng(1)
    for _ in range(15):
        _, _, _, _, info = env.step(rng.uniform(-1, 1, 3))
    d = sim.data[0]
    np.testing.assert_allclose(info["fingertip_pos"], d.site("fingertip").xpos, atol=1e-12)
    np.testing.assert_array_equal(info["qpos"], d.qpos)
    np.testing.assert_array_equal(info["qvel"], d.qvel)
    if "target_pos" in info:
        np.testing.assert_array_equal(info["target_pos"], d.mocap_pos[0])
        assert info["fingertip_target_distance"] == pytest.approx(
            np.linalg.norm(info["fingertip_pos"] - info["target_pos"])
        )
    else:
        np.testing.assert_allclose(info["object_pos"], d.body("object").xpos, atol=1e-12)
        np.testing.assert_array_equal(info["goal_pos"], d.mocap_pos[0])
        assert info["object_goal_distance"] == pytest.approx(
            np.linalg.norm(info["goal_pos"] - info["object_pos"])
        )


def test_action_bookkeeping_and_clipping() -> None:
    env = gym.make("rewardgym/Reach-v0")
    _, info = env.reset(seed=0)
    np.testing.assert_array_equal(info["action"], np.zeros(3))
    _, _, _, _, info = env.step(np.array([0.5, -2.0, 3.0]))
    np.testing.assert_array_equal(info["action"], [0.5, -1.0, 1.0])
    np.testing.assert_array_equal(info["prev_action"], np.zeros(3))
    _, _, _, _, info = env.step(np.array([0.1, 0.2, 0.3]))
    np.testing.assert_array_equal(info["prev_action"], [0.5, -1.0, 1.0])
    np.testing.assert_array_equal(env.unwrapped.sim.data[0].ctrl, [0.1, 0.2, 0.3])


@pytest.mark.parametrize(
    ("action", "match"),
    [
        (np.zeros(2), "shape"),
        (np.zeros((1, 3)), "shape"),
        (np.array([0.0, np.nan, 0.0]), "finite"),
        ("left", "numeric"),
    ],
)
def test_bad_actions_raise(action: object, match: str) -> None:
    env = gym.make("rewardgym/Reach-v0")
    env.reset(seed=0)
    with pytest.raises(InvalidActionError, match=match):
        env.unwrapped.step(action)


def test_out_of_range_rejected_without_clipping() -> None:
    env = gym.make("rewardgym/Reach-v0", clip_actions=False)
    env.reset(seed=0)
    env.step(np.array([1.0, -1.0, 0.0]))
    with pytest.raises(InvalidActionError, match=r"\[-1, 1\]"):
        env.step(np.array([1.5, 0.0, 0.0]))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"success_radius": -0.1}, "success_radius"),
        ({"frame_skip": 0}, "frame_skip"),
        ({"frame_skip": 1.5}, "frame_skip"),
        ({"render_mode": "ansi"}, "render_mode"),
        ({"camera": "side"}, "camera"),
        ({"width": 5000}, "width"),
    ],
)
def test_bad_kwargs_raise(kwargs: dict, match: str) -> None:
    with pytest.raises(EnvConfigError, match=match):
        ReachEnv(**kwargs)


def test_reset_options_pin_the_state_and_success_follows_distance() -> None:
    env = gym.make("rewardgym/Reach-v0", success_radius=0.03)
    _, info = env.reset(seed=0, options={"arm_qpos": [0, 0, 0], "target_pos": [0.29, 0.0]})
    assert info["success"] and info["fingertip_target_distance"] < 1e-9
    _, info = env.reset(seed=0, options={"arm_qpos": [0, 0, 0], "target_pos": [0.25, 0.0]})
    assert not info["success"]  # 0.04 m away, radius 0.03
    with pytest.raises(EnvConfigError, match="object_pos"):
        env.reset(options={"object_pos": [0.1, 0.1]})
    with pytest.raises(EnvConfigError, match="2 finite numbers"):
        env.reset(options={"target_pos": [0.1]})


def test_terminate_on_success() -> None:
    env = gym.make("rewardgym/Reach-v0", terminate_on_success=True)
    env.reset(seed=0, options={"arm_qpos": [0, 0, 0], "target_pos": [0.29, 0.0]})
    _, _, terminated, truncated, info = env.step(np.zeros(3))
    assert terminated and info["success"] and not truncated
    env.reset(seed=0, options={"arm_qpos": [0, 0, 0], "target_pos": [-0.2, 0.0]})
    assert not env.step(np.zeros(3))[2]


def test_push_contact_moves_the_puck() -> None:
    """Sweeping the straight arm through the puck: contact is reported and the puck is pushed."""
    env = gym.make("rewardgym/Push-v0")
    _, info = env.reset(
        seed=0, options={"arm_qpos": [0, 0, 0], "object_pos": [0.2, 0.05], "goal_pos": [0.0, 0.2]}
    )
    assert not info["contact"]
    start = info["object_pos"].copy()
    contacts, tip = [], []
    for _ in range(8):
        _, _, _, _, info = env.step(np.array([1.0, 0.0, 0.0]))  # rotate the whole arm counter-clockwise
        contacts.append(info["contact"])
        tip.append(info["fingertip_contact"])
    assert sum(contacts) >= 5 and not any(tip)  # the puck sits mid-arm, not at the fingertip
    assert np.linalg.norm(info["object_pos"] - start) > 0.05
    assert info["object_vel"][2] == 0.0 and np.linalg.norm(info["object_vel"]) > 0.1


def test_push_walls_keep_the_puck_in_the_arena() -> None:
    env = gym.make("rewardgym/Push-v0")
    env.reset(seed=0, options={"arm_qpos": [0, 0, 0], "object_pos": [0.2, 0.05], "goal_pos": [0.0, 0.2]})
    for _ in range(60):
        _, _, _, _, info = env.step(np.array([1.0, 0.0, 0.0]))
        assert np.abs(info["object_pos"][:2]).max() < 0.34
        assert not (info["contact"] and np.abs(info["object_pos"][:2]).max() > 0.3)  # walls are not the arm


@pytest.mark.parametrize(
    ("env_id", "default"), [(IDS[0], "robotics/reach-default-v0"), (IDS[1], "robotics/push-default-v0")]
)
def test_env_reward_equals_registered_default(env_id: str, default: str) -> None:
    batch = collect_transitions(env_id, n_steps=120, seed=5)
    expected = rewardgym.make_reward(default)(batch)
    torch.testing.assert_close(batch.env_reward, expected, atol=1e-5, rtol=1e-5)
    assert batch.env_reward.std() > 0


def test_custom_reward_spec_and_rejection_of_other_rewards() -> None:
    spec = {"sum": {"robotics/distance-to-target-v0": 2.0, "robotics/action-smoothness-v0": 0.5}}
    batch = collect_transitions("rewardgym/Reach-v0", n_steps=30, seed=2, env_kwargs={"reward": spec})
    torch.testing.assert_close(batch.env_reward, rewardgym.build_reward(spec)(batch), atol=1e-5, rtol=1e-5)
    with pytest.raises(EnvConfigError, match=r"rewardgym\.wrap"):
        gym.make("rewardgym/Reach-v0", reward=rewardgym.FunctionReward(lambda b: b.env_reward, name="env"))
    with pytest.raises(RewardSpecError):
        gym.make("rewardgym/Reach-v0", reward={"sum": {"robotics/distance-to-target-v0": "heavy"}})


def test_reward_terms_need_the_info_they_read() -> None:
    with pytest.raises(EnvConfigError, match="object_pos"):
        gym.make("rewardgym/Reach-v0", reward="robotics/object-to-goal-v0")


@pytest.mark.parametrize("env_id", IDS)
def test_info_keys_are_declared(env_id: str) -> None:
    env = gym.make(env_id)
    _, info = env.reset(seed=0)
    assert tuple(info) == env.unwrapped.sim.info_keys
    assert tuple(env.step(np.zeros(3))[-1]) == env.unwrapped.sim.info_keys
