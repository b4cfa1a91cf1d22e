"""Actors killed on purpose: the lost work is replaced and re-run or reported with its reason — never a silent
0 and never a hang."""

from __future__ import annotations

import os
import time

import gymnasium as gym
import numpy as np
import pytest
import torch

from rewardgym.errors import RewardComputationError, WorkerLostError
from rewardgym.types import Episodes
from tests.distributed.faulty import MisbehavingReward

MAZE = {"size": 7, "max_steps": 25}


def _crash(actor) -> None:
    """End the actor's process from inside it (no clean shutdown), as a segfault or OOM kill would."""
    actor.__ray_call__.remote(lambda self: os._exit(1))


def _hang(actor) -> None:
    """Keep the actor busy far past any timeout (its next call then waits behind this one)."""
    actor.__ray_call__.remote(lambda self: time.sleep(3600))


def test_env_worker_killed_raises_then_recovers_on_reset(ray_local):
    ray = ray_local
    from rewardgym.distributed import RayVectorEnv

    envs = RayVectorEnv("rewardgym/Maze-v0", 4, num_workers=2, env_kwargs=MAZE, step_timeout_s=60)
    local = gym.make_vec("rewardgym/Maze-v0", num_envs=4, vectorization_mode="vector_entry_point", **MAZE)
    try:
        envs.reset(seed=1)
        for _ in range(3):
            envs.step(np.zeros(4, dtype=np.int64))
        victim = envs.workers[1]
        ray.kill(victim)
        with pytest.raises(WorkerLostError, match=r"worker 1 \(sub-envs 2\.\.3\).*died"):
            envs.step(np.zeros(4, dtype=np.int64))
        assert envs.workers[1] is not victim and len(envs.failures) == 1 and envs.failures[0].rows == (2, 4)
        with pytest.raises(WorkerLostError, match="call reset"):
            envs.step(np.zeros(4, dtype=np.int64))
        # after reset the replaced worker plays exactly what a fresh in-process env plays
        obs, _ = envs.reset(seed=9)
        want, _ = local.reset(seed=9)
        np.testing.assert_array_equal(obs, want)
        a = np.array([1, 2, 3, 0])
        np.testing.assert_array_equal(envs.step(a)[0], local.step(a)[0])
    finally:
        envs.close()
        local.close()


def test_env_worker_crash_truncates_its_episodes_and_training_goes_on(ray_local):
    from rewardgym.distributed import RayVectorEnv

    envs = RayVectorEnv("rewardgym/Maze-v0", 4, num_workers=2, env_kwargs=MAZE, on_worker_loss="truncate")
    local = gym.make_vec("rewardgym/Maze-v0", num_envs=4, vectorization_mode="vector_entry_point", **MAZE)
    try:
        envs.reset(seed=2)
        local.reset(seed=2)
        a = np.array([0, 1, 2, 3])
        for _ in range(2):
            before = envs.step(a)
            local.step(a)
        _crash(envs.workers[0])
        obs, reward, terminated, truncated, infos = envs.step(a)
        want = local.step(a)
        assert truncated.tolist() == [True, True, False, False]
        assert infos["worker_lost"].tolist() == [True, True, False, False]
        assert "worker 0 (sub-envs 0..1)" in infos["worker_lost_reason"][0] and infos["worker_lost_reason"][2] is None
        np.testing.assert_array_equal(obs[:2], before[0][:2])  # the lost episodes end on their last observation
        assert reward[:2].tolist() == [0.0, 0.0] and not terminated[:2].any()
        np.testing.assert_array_equal(obs[2:], want[0][2:])  # the other worker is untouched
        # next step: the replacement's first observation, like an autoreset step
        obs, reward, terminated, truncated, infos = envs.step(a)
        want = local.step(a)
        assert reward[:2].tolist() == [0.0, 0.0] and not (terminated[:2] | truncated[:2]).any()
        assert "worker_lost" not in infos and (obs[:2] == 3).sum() == 2  # each new maze shows its agent
        np.testing.assert_array_equal(obs[2:], want[0][2:])
        for _ in range(3):  # and it keeps stepping
            assert envs.step(a)[0].shape == (4, 7, 7)
        assert [f.worker for f in envs.failures] == [0]
    finally:
        envs.close()
        local.close()


def test_env_worker_that_hangs_is_replaced_after_the_step_timeout(ray_local):
    from rewardgym.distributed import RayVectorEnv

    envs = RayVectorEnv("rewardgym/Maze-v0", 2, num_workers=2, env_kwargs=MAZE, step_timeout_s=3.0,
                        on_worker_loss="truncate")
    try:
        envs.reset(seed=0)
        envs.step(np.zeros(2, dtype=np.int64))
        _hang(envs.workers[1])
        start = time.monotonic()
        *_, truncated, infos = envs.step(np.zeros(2, dtype=np.int64))
        assert time.monotonic() - start < 60
        assert truncated.tolist() == [False, True]
        assert "no answer within 3 s" in infos["worker_lost_reason"][1]
    finally:
        envs.close()


ROWS = ["a", "bb", "die", "cccc", "ddddd"]


def test_scoring_reruns_a_chunk_whose_actor_died(ray_local, tmp_path):
    from rewardgym.distributed import RayScorer

    batch = Episodes(prompts=[""] * len(ROWS), completions=ROWS)
    reward = MisbehavingReward(die_once_flag=str(tmp_path / "died"))
    with RayScorer(reward, num_workers=2, chunk_size=2) as scorer:
        result = scorer.score(batch)
        assert scorer.replaced == 1
    assert result.ok and result.retries >= 1
    assert result.scores.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_scoring_failures_are_marked_with_reasons_never_zero(ray_local):
    from rewardgym.distributed import RayReward, RayScorer

    rows = ["a", "die", "bb", "boom", "ccc", "hang", "dddd"]
    batch = Episodes(prompts=[""] * len(rows), completions=rows)
    start = time.monotonic()
    with RayScorer(MisbehavingReward(), num_workers=2, chunk_size=2, item_timeout_s=2.0, max_retries=1) as scorer:
        result = scorer.score(batch)
    assert time.monotonic() - start < 120  # a hung row costs its timeout, not forever
    assert result.failed.tolist() == [False, True, False, True, False, True, False]
    assert result.scores[~result.failed].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert torch.isnan(result.scores[result.failed]).all()
    assert "died" in result.reasons[1]
    assert "ValueError: boom row" in result.reasons[3]
    assert "timed out after 2 s" in result.reasons[5]
    with pytest.raises(RewardComputationError, match=r"3 of 7 row\(s\) failed.*row 1"):
        result.raise_if_failed()
    reward = RayReward(MisbehavingReward(), num_workers=1, chunk_size=4)
    try:
        with pytest.raises(RewardComputationError, match="boom row"):
            reward(Episodes(prompts=["", ""], completions=["ok", "boom"]))
    finally:
        reward.close()


def test_scoring_without_room_for_its_actors_says_so_instead_of_hanging(ray_local):
    from rewardgym.distributed import RayScorer

    batch = Episodes(prompts=[""], completions=["a"])
    scorer = RayScorer(MisbehavingReward(), num_workers=1, actor_options={"num_cpus": 64}, start_timeout_s=3)
    with scorer, pytest.raises(WorkerLostError, match=r"could not be started within 3 s.*'num_cpus': 64"):
        scorer.score(batch)
