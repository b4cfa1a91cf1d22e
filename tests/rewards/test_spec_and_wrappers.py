"""Dict/YAML reward specs and the single/vector reward wrappers (on a tiny local test env)."""

from __future__ import annotations

from typing import ClassVar

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.vector import AutoresetMode, SyncVectorEnv

import rewardgym
from rewardgym import RewardSpecError, UnknownRewardError, build_reward, load_reward_spec
from rewardgym.rewards import registry
from rewardgym.rewards.base import RewardFn
from tests.testing_env import LineEnv


class Progress(RewardFn):
    """+scale per cell moved right (from infos)."""

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale

    def score(self, b):
        return (b.info("position") - b.info("prev_position")) * self.scale


class StepCost(RewardFn):
    """-cost per step."""

    def __init__(self, cost: float = 0.1) -> None:
        self.cost = cost

    def score(self, b):
        return torch.full((len(b),), -self.cost)


@pytest.fixture(autouse=True)
def line_rewards(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    registry.register_reward("line/progress-v0")(Progress)
    registry.register_reward("line/step-cost-v0")(StepCost)


def test_sum_spec_mapping_and_list_forms() -> None:
    a = build_reward({"sum": {"line/progress-v0": 1.0, "line/step-cost-v0": 0.5}})
    b = build_reward(
        {
            "sum": [
                {"reward": "line/progress-v0"},
                {
                    "reward": {"reward": {"name": "line/step-cost-v0", "kwargs": {"cost": 0.2}}},
                    "weight": 0.5,
                    "as": "cost",
                },
            ]
        }
    )
    assert a.weights == {"line/progress-v0": 1.0, "line/step-cost-v0": 0.5}
    assert b.weights == {"line/progress-v0": 1.0, "cost": 0.5} and b.terms["cost"].cost == 0.2


def test_nested_operators_build() -> None:
    r = build_reward(
        {
            "clip": {
                "inner": {
                    "gate": {
                        "gate": "line/progress-v0",
                        "inner": {"normalize": {"inner": "line/step-cost-v0", "mode": "batch", "center": False}},
                    }
                },
                "low": -1,
                "high": 1,
            }
        }
    )
    assert type(r).__name__ == "Clip" and type(r.inner).__name__ == "Gate"


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ({"sum": {"line/progress-v0": "heavy"}}, r"weight for 'line/progress-v0' must be a finite number"),
        ({"gate": {"gate": "line/progress-v0"}}, r"spec.gate: 'gate' is missing \['inner'\]"),
        ({"clip": {"inner": "line/progress-v0", "lo": 0}}, r"unknown key\(s\) \['lo'\]"),
        ({"product": {}}, "unknown operator 'product'"),
        ({"sum": {}, "clip": {}}, "exactly one of"),
        (42, "expected a reward name or a mapping"),
        ({"reward": {"name": "line/step-cost-v0", "kwargs": {"cst": 1}}}, "accepted parameters: cost"),
        ({"normalize": {"inner": "line/progress-v0", "mode": "rolling"}}, "'batch', 'group' or 'running'"),
    ],
)
def test_malformed_specs_raise_clear_errors(spec, match) -> None:
    with pytest.raises(RewardSpecError, match=match):
        build_reward(spec)


def test_unknown_name_in_spec() -> None:
    with pytest.raises(UnknownRewardError, match="did you mean 'line/progress-v0'"):
        build_reward({"sum": {"line/progres-v0": 1.0}})


def test_yaml_spec(tmp_path) -> None:
    p = tmp_path / "r.yaml"
    p.write_text("sum:\n  line/progress-v0: 1.0\n  line/step-cost-v0: 2.0\n")
    assert load_reward_spec(p).weights == {"line/progress-v0": 1.0, "line/step-cost-v0": 2.0}
    bad = tmp_path / "bad.yaml"
    bad.write_text("sum: [unclosed\n")
    with pytest.raises(RewardSpecError, match="cannot read reward spec"):
        load_reward_spec(bad)


def test_reward_wrapper_replaces_reward_and_logs_terms() -> None:
    env = rewardgym.wrap(LineEnv(), {"sum": {"line/progress-v0": 1.0, "line/step-cost-v0": 1.0}})
    env.reset(seed=3)
    _, r, _, _, info = env.step(1)
    assert r == pytest.approx(0.9) and info["env_reward"] in (0.0, 1.0)
    assert info["reward_terms"] == pytest.approx({"line/progress-v0": 1.0, "line/step-cost-v0": -0.1, "total": 0.9})
    added = rewardgym.wrap(LineEnv(length=2), "line/step-cost-v0", combine="add")
    added.reset(seed=0)
    assert added.step(1)[1] == pytest.approx(1.0 - 0.1)


def test_reward_wrapper_passes_gymnasium_env_checker() -> None:
    from gymnasium.utils.env_checker import check_env

    check_env(rewardgym.wrap(LineEnv(), "line/progress-v0"), skip_render_check=True)


def _vec(n: int, mode: AutoresetMode) -> SyncVectorEnv:
    return SyncVectorEnv([lambda: LineEnv(length=3, max_steps=4) for _ in range(n)], autoreset_mode=mode)


def test_vector_wrapper_matches_single_envs_and_zeroes_autoreset_steps() -> None:
    n, steps = 4, 30
    venv = rewardgym.wrap(
        _vec(n, AutoresetMode.NEXT_STEP), {"sum": {"line/progress-v0": 1.0, "line/step-cost-v0": 1.0}}
    )
    singles = [
        rewardgym.wrap(LineEnv(length=3, max_steps=4), {"sum": {"line/progress-v0": 1.0, "line/step-cost-v0": 1.0}})
        for _ in range(n)
    ]
    venv.reset(seed=10)
    for i, e in enumerate(singles):
        e.reset(seed=10 + i)
    rng = np.random.default_rng(0)
    pending = np.zeros(n, bool)
    saw_reset = False
    for _ in range(steps):
        actions = rng.integers(0, 2, n)
        _, rewards, term, trunc, infos = venv.step(actions)
        for i, e in enumerate(singles):
            if pending[i]:
                e.reset()
                assert rewards[i] == 0.0 and infos["reward_terms"]["total"][i] == 0.0
                saw_reset = True
                continue
            _, r, t, tr, info = e.step(int(actions[i]))
            assert rewards[i] == pytest.approx(r) and (term[i], trunc[i]) == (t, tr)
            assert infos["reward_terms"]["line/progress-v0"][i] == pytest.approx(
                info["reward_terms"]["line/progress-v0"]
            )
        pending = term | trunc
    assert saw_reset


def test_vector_wrapper_same_step_uses_final_obs() -> None:
    class FinalPos(RewardFn):
        def score(self, b):
            return b.next_obs[:, 0].float()

    venv = rewardgym.wrap(_vec(2, AutoresetMode.SAME_STEP), FinalPos())
    venv.reset(seed=0)
    terminated = 0
    for _ in range(8):
        obs, r, term, _, _ = venv.step(np.ones(2, dtype=np.int64))
        for i in np.flatnonzero(term):
            assert r[i] == 2.0  # the final (goal) position, not the reset observation
            assert obs[i][0] < 2.0  # the returned observation is the new episode's start
            terminated += 1
    assert terminated >= 2


def test_wrap_rejects_bad_combine() -> None:
    with pytest.raises(RewardSpecError, match="'replace' or 'add'"):
        rewardgym.wrap(LineEnv(), "line/progress-v0", combine="mul")


def test_vector_wrapper_running_normalize_never_sees_autoreset_steps() -> None:
    """Running statistics count only real transitions (the NormalizeReward-under-autoreset bug class)."""
    norm = rewardgym.Normalize(Progress(), mode="running")
    venv = rewardgym.wrap(_vec(3, AutoresetMode.NEXT_STEP), norm)
    venv.reset(seed=1)
    real = 0
    pending = np.zeros(3, bool)
    for _ in range(25):
        _, _, term, trunc, _ = venv.step(np.ones(3, dtype=np.int64))
        real += int((~pending).sum())
        pending = term | trunc
    assert real < 25 * 3  # some steps were autoreset steps
    assert norm.count == real



class _OnesVectorEnv(gym.vector.VectorEnv):
    """Three sub-envs that always report env reward 1 (float32) and terminate every second step."""

    metadata: ClassVar[dict] = {"autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(self) -> None:
        self.num_envs = 3
        self.single_observation_space = gym.spaces.Box(0, 1, shape=(1,), dtype=np.float32)
        self.single_action_space = gym.spaces.Discrete(2)
        self.observation_space = gym.vector.utils.batch_space(self.single_observation_space, 3)
        self.action_space = gym.vector.utils.batch_space(self.single_action_space, 3)
        self.t = 0

    def reset(self, *, seed=None, options=None):
        self.t = 0
        return np.zeros((3, 1), np.float32), {}

    def step(self, actions):
        self.t += 1
        self.rewards = np.ones(3, np.float32)
        done = np.full(3, self.t % 2 == 0)
        return np.zeros((3, 1), np.float32), self.rewards, done, np.zeros(3, bool), {}


def test_vector_wrapper_zeroing_autoreset_rows_leaves_the_envs_arrays_alone() -> None:
    """A term may return a tensor that shares memory with the env's own arrays (here the env reward, zero-copy);
    zeroing the autoreset rows of the wrapper's output must not write into them."""
    venv = rewardgym.wrap(_OnesVectorEnv(), rewardgym.FunctionReward(lambda b: b.env_reward, name="env"))
    venv.reset(seed=0)
    for step in range(1, 7):
        _, reward, _, _, infos = venv.step(np.ones(3, dtype=np.int64))
        resetting = step % 2 == 1 and step > 1  # the step after a termination is an autoreset step
        assert reward.tolist() == ([0.0] * 3 if resetting else [1.0] * 3)
        assert venv.env.rewards.tolist() == [1.0] * 3 and infos["env_reward"].tolist() == [1.0] * 3
