"""RayScorer scores batches on actors exactly as the reward does in-process (code grading, LLM judge,
synthesized reward code), in bounded chunks."""

from __future__ import annotations

import functools
import itertools
import os
import time

import pytest
import torch

import rewardgym
from rewardgym.errors import RewardSpecError
from rewardgym.rewards.base import EpisodeRewardFn
from rewardgym.types import Episodes
from tests.conftest import need


def test_code_grading_matches_in_process(ray_local):
    need("bubblewrap")
    from rewardgym.distributed import RayScorer
    from rewardgym.envs.code.rewards._common import example_episodes

    batch = example_episodes()
    want = rewardgym.make_reward("code/pass-rate-v0")(batch)
    with RayScorer("code/pass-rate-v0", num_workers=2, chunk_size=1) as scorer:
        got = scorer.score(batch)
    assert got.ok and got.failed.tolist() == [False] * len(batch)
    torch.testing.assert_close(got.scores, want)
    assert got.scores.tolist() == [1.0, 0.0, 0.0, 0.0]


def test_judge_matches_in_process_with_terms(ray_local):
    from rewardgym.distributed import RayReward, RayScorer
    from rewardgym.rewards.judge import CorrectnessJudge
    from rewardgym.rewards.judge.examples import example_episodes, scripted_correctness_llm

    batch = example_episodes()
    judge = CorrectnessJudge(scripted_correctness_llm())
    want = judge(batch)
    with RayScorer(judge, num_workers=2, chunk_size=2, max_in_flight=2) as scorer:
        got = scorer.score(batch)
        assert {w["pid"] for w in scorer.where()}.isdisjoint({os.getpid()})  # scored in other processes
    torch.testing.assert_close(got.scores, want, equal_nan=True)
    assert set(got.terms) >= {"total"}
    reward = RayReward(judge, num_workers=1, chunk_size=4)
    try:
        torch.testing.assert_close(reward(batch), want, equal_nan=True)
        assert set(reward.breakdown(batch)) == set(judge.breakdown(batch))
    finally:
        reward.close()


def test_synthesized_reward_code_runs_on_actors(ray_local):
    need("bubblewrap")
    from rewardgym.distributed import RayScorer
    from rewardgym.rewards.synthesized.executor import SynthesizedReward
    from rewardgym.rollout import collect_transitions

    source = (
        "def compute_reward(obs, action, next_obs, info):\n"
        "    progress = [p - d for p, d in zip(info['prev_distance'], info['distance'])]\n"
        "    return progress, {'progress': progress}\n"
    )
    batch = collect_transitions("rewardgym/Maze-v0", 12, seed=0)
    reward = SynthesizedReward(source)
    want = reward.breakdown(batch)  # the reward now holds a live sandbox pool: it cannot be pickled
    with pytest.raises(RewardSpecError, match="factory="):
        RayScorer(reward)
    with RayScorer(factory=functools.partial(SynthesizedReward, source), num_workers=2) as scorer:
        got = scorer.score(batch)
    assert got.ok
    torch.testing.assert_close(got.terms, want)  # every term of the breakdown, "total" included
    assert got.scores.abs().sum() > 0


class IntervalReward(EpisodeRewardFn):
    """Test double: records when each chunk was being scored (a file per call), then scores len(text)."""

    name = "test/interval"

    def __init__(self, folder: str, seconds: float) -> None:
        self.folder, self.seconds = folder, seconds

    def score(self, batch: Episodes) -> torch.Tensor:
        start = time.time()
        time.sleep(self.seconds)
        with open(os.path.join(self.folder, f"{os.getpid()}-{start}"), "w") as f:
            f.write(f"{start} {time.time()} {len(batch)}")
        return torch.tensor([float(len(c)) for c in batch.completions])


def _intervals(folder) -> list[tuple[float, float, int]]:
    rows = []
    for name in os.listdir(folder):
        with open(os.path.join(folder, name)) as f:
            rows.append(f.read().split())
    return sorted((float(a), float(b), int(n)) for a, b, n in rows)


def test_in_flight_work_is_bounded(ray_local, tmp_path):
    """With max_in_flight=1 no two chunks are ever scored at the same time, though two actors exist."""
    from rewardgym.distributed import RayScorer

    batch = Episodes(prompts=[""] * 7, completions=["x" * i for i in range(7)])
    with RayScorer(IntervalReward(str(tmp_path), 0.2), num_workers=2, chunk_size=2, max_in_flight=1) as scorer:
        got = scorer.score(batch)
    assert got.scores.tolist() == [float(i) for i in range(7)]
    spans = _intervals(tmp_path)
    assert [n for *_, n in spans] == [2, 2, 2, 1]  # chunks of chunk_size rows
    assert all(prev[1] <= nxt[0] for prev, nxt in itertools.pairwise(spans))


def test_row_dependent_reward_is_scored_by_whole_groups(ray_local):
    """Batch normalisation on actors: each group (here: each group id) is one chunk, so the values equal the
    in-process reward applied group by group, whatever chunk_size says."""
    from rewardgym.distributed import RayScorer
    from rewardgym.rewards.base import FunctionReward

    centred = FunctionReward(lambda b: b.env_returns - b.env_returns.mean(), name="centred",
                             batch_type=Episodes, row_independent=False)
    batch = Episodes(prompts=[""] * 6, completions=[""] * 6, group_ids=[0, 1, 0, 1, 0, 1],
                     env_returns=[1.0, 10.0, 2.0, 20.0, 3.0, 30.0])
    with RayScorer(centred, num_workers=2, chunk_size=1) as scorer:
        got = scorer.score(batch)
    assert got.scores.tolist() == [-1.0, -10.0, 0.0, 0.0, 1.0, 10.0]
