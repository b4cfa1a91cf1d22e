"""Episode rewards through ``rewardgym.wrap``: paid on the terminal step, equal to a direct call on the env's
``episode()``, on single envs, vector envs (sub-envs ending on different steps, autoreset) and PettingZoo envs."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.vector import AutoresetMode, SyncVectorEnv

import rewardgym
from rewardgym import EnvConfigError, EpisodeRewardFn, Episodes, Gate, RewardFn, WeightedSum
from tests.testing_env import LineEnv


class EpisodeLineEnv(LineEnv):
    """LineEnv with the episode protocol: one row, completion = the visited positions."""

    def reset(self, *, seed=None, options=None):
        obs, info = super().reset(seed=seed, options=options)
        self.path, self.ret = [self.pos], 0.0
        return obs, info

    def step(self, action):
        out = super().step(action)
        self.path.append(self.pos)
        self.ret += out[1]
        return out

    def episode(self) -> Episodes:
        return Episodes.from_rows(
            prompts=[f"start {self.path[0]}"],
            completions=[" ".join(map(str, self.path))],
            infos=[{"steps": len(self.path) - 1, "reached": float(self.pos == self.length - 1)}],
            env_returns=[self.ret],
            transcripts=[list(self.path)],
        )


class Steps(EpisodeRewardFn):
    """Number of steps the episode took."""

    def score(self, batch):
        return batch.info("steps")


class Reached(EpisodeRewardFn):
    """1 if the episode reached the end of the line."""

    def score(self, batch):
        return batch.info("reached")


class Position(RewardFn):
    """The position after each step."""

    def score(self, batch):
        return batch.info("position")


def _play(env, seed=0, actions=None):
    env.reset(seed=seed)
    out = []
    for t in range(100):
        a = 1 if actions is None else actions[t]
        _obs, r, term, trunc, info = env.step(a)
        out.append((r, info))
        if term or trunc:
            return out
    raise AssertionError("episode did not end")


@pytest.mark.parametrize(
    "reward",
    [Steps(), WeightedSum({"steps": Steps(), "reached": Reached()}, {"steps": -0.1}), Gate(Reached(), Steps())],
    ids=["episode", "sum-of-episode", "gate-over-outcome"],
)
def test_episode_reward_lands_on_the_terminal_step_and_equals_a_direct_call(reward) -> None:
    env = rewardgym.wrap(EpisodeLineEnv(length=6), reward)
    steps = _play(env, seed=1)
    assert [r for r, _ in steps[:-1]] == [0.0] * (len(steps) - 1) and len(steps) > 1
    direct = reward.breakdown(env.unwrapped.episode())
    final_reward, final_info = steps[-1]
    assert final_reward == pytest.approx(float(direct["total"][0])) and final_reward != 0.0
    assert final_info["reward_terms"] == pytest.approx({k: float(v[0]) for k, v in direct.items()})


def test_mixed_sum_pays_step_terms_every_step_and_episode_terms_at_the_end() -> None:
    reward = WeightedSum({"pos": Position(), "steps": Steps()}, {"pos": 0.5, "steps": 10.0})
    env = rewardgym.wrap(EpisodeLineEnv(length=6), reward)
    steps = _play(env, seed=1)
    for r, info in steps[:-1]:
        assert r == pytest.approx(0.5 * info["position"]) and info["reward_terms"]["total"] == r
    r, info = steps[-1]
    n = len(steps)
    assert info["reward_terms"]["steps"] == n and r == pytest.approx(0.5 * info["position"] + 10.0 * n)


def test_gate_fails_when_the_episode_is_truncated() -> None:
    env = rewardgym.wrap(EpisodeLineEnv(length=6, max_steps=3), Gate(Reached(), Steps(), otherwise=-1.0))
    steps = _play(env, seed=0, actions=[0] * 10)
    assert steps[-1][0] == -1.0 and steps[-1][1]["reward_terms"]["gate_passed"] == 0.0


def test_vector_env_scores_each_sub_env_on_its_own_terminal_step_and_never_autoreset_steps() -> None:
    envs = rewardgym.wrap(SyncVectorEnv([lambda: EpisodeLineEnv(length=8) for _ in range(3)]), Steps())
    envs.reset(seed=0)
    subs = [e.unwrapped for e in envs.unwrapped.envs]
    ended = np.zeros(3, dtype=bool)
    resetting = np.zeros(3, dtype=bool)
    finished, staggered = 0, False
    for _ in range(60):
        _, reward, term, trunc, infos = envs.step(np.ones(3, dtype=np.int64))
        done = term | trunc
        for i in range(3):
            if done[i]:
                assert reward[i] == subs[i].episode().infos["steps"].item() == infos["reward_terms"]["total"][i]
                finished += 1
            else:
                assert reward[i] == 0.0  # mid-episode or the autoreset step
        assert not (resetting & done).any()
        resetting = done
        ended |= done
        staggered |= bool(done.any() and not done.all())
    assert ended.all() and finished > 3 and staggered


def test_episode_rewards_need_an_env_with_the_protocol_and_next_step_autoreset() -> None:
    with pytest.raises(EnvConfigError, match="episode"):
        rewardgym.wrap(LineEnv(), Steps())
    same = SyncVectorEnv([EpisodeLineEnv], autoreset_mode=AutoresetMode.SAME_STEP)
    with pytest.raises(EnvConfigError, match="SAME_STEP"):
        rewardgym.wrap(same, Steps())
    rewardgym.wrap(same, Position())  # per-step rewards are fine
    native = gym.make_vec("rewardgym/Maze-v0", num_envs=2, vectorization_mode="vector_entry_point")
    with pytest.raises(EnvConfigError, match="does not yield them"):
        rewardgym.wrap(native, Steps())


def test_multi_agent_env_episode_reward_per_agent() -> None:
    from rewardgym.envs import dialogue

    def share(batch):
        return torch.tensor([1.0 if a == "agent_0" else 2.0 for a in batch.infos["agent"]]) + batch.env_returns

    reward = rewardgym.FunctionReward(share, name="share", batch_type=Episodes)
    env = rewardgym.wrap(dialogue.make("negotiation-v0", max_turns=4), reward)
    _, infos = env.reset(seed=0)
    while env.agents:
        speaker = infos["agent_0"]["speaker"]
        _obs, rewards, _term, _trunc, infos = env.step({speaker: "REJECT"})
        if env.agents:
            assert set(rewards.values()) == {0.0}
    direct = reward(env.unwrapped.episode())
    assert [rewards["agent_0"], rewards["agent_1"]] == direct.tolist()
    assert infos["agent_1"]["reward_terms"]["share"] == direct[1].item()


def test_async_vector_env_episodes_come_through_call() -> None:
    from gymnasium.vector import AsyncVectorEnv

    envs = rewardgym.wrap(AsyncVectorEnv([lambda: EpisodeLineEnv(length=4) for _ in range(2)]), Steps())
    try:
        envs.reset(seed=0)
        paid = []
        for _ in range(10):
            _, reward, term, trunc, _ = envs.step(np.ones(2, dtype=np.int64))
            done = term | trunc
            paid += [float(r) for r in reward[done]]
            assert (reward[~done] == 0).all()
        assert paid and all(p >= 1 for p in paid)  # each is the finished episode's step count
    finally:
        envs.close()
