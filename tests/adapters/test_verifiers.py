"""The verifiers adapter: traces scored by verifiers' own ``Task.score`` get rewardgym's numbers, in one batch."""

from __future__ import annotations

import asyncio

import pytest
import torch

from rewardgym import Episodes, RewardComputationError, Transitions, WeightedSum, make_reward, reward_fn
from rewardgym.rewards.base import RewardFn
from tests.adapters.conftest import need_package

need_package("verifiers", "verifiers")

import verifiers.v1 as vf  # noqa: E402
from verifiers.v1.graph import MessageNode  # noqa: E402

from rewardgym.adapters.verifiers import verifiers_task  # noqa: E402


class QA(vf.TaskData):
    answer: str = ""


class QATask(vf.Task[QA]):
    """A user task with its own verifiers reward next to the rewardgym one."""

    @vf.reward(weight=0.25)
    async def nonempty(self, trace) -> float:
        return float(bool(trace.last_reply))


def _matches(seen: list[int]):
    @reward_fn(name="matches", batch_type=Episodes)
    def matches(batch: Episodes) -> torch.Tensor:
        seen.append(len(batch))
        return torch.tensor([float(a in c) for c, a in zip(batch.completions, batch.infos["answer"])])

    return matches


def _trace(task: vf.Task, reply: str) -> vf.Trace:
    nodes = [
        MessageNode(message=vf.UserMessage(content=task.data.prompt)),
        MessageNode(parent=0, message=vf.AssistantMessage(content=reply), sampled=True),
    ]
    return vf.Trace(
        task=vf.TraceTask(type=type(task).__name__, data=task.data, key=task.key, hash=task.hash),
        agent=vf.AgentInfo(config=vf.AgentConfig()),
        nodes=nodes,
    )


def _rollouts(task_cls: type) -> tuple[list[vf.Task], list[vf.Trace]]:
    rows = [(QA(idx=0, prompt="What is 1+2?", answer="3"), ["3", "x = (", "4"]),
            (QA(idx=1, prompt="Name a prime.", answer="7"), ["7", "seven", "x = 7"])]
    tasks, traces = [], []
    for data, replies in rows:
        for reply in replies:
            task = task_cls(data)
            tasks.append(task)
            traces.append(_trace(task, reply))
    return tasks, traces


async def _score_all(tasks, traces):
    """Verifiers' own scoring path (as ``replay`` runs it): every trace's ``Task.score``, concurrently."""
    await asyncio.gather(*(task.score(trace) for task, trace in zip(tasks, traces)))


def test_scores_equal_rewardgym_and_come_from_one_batch():
    seen: list[int] = []
    reward = WeightedSum({"matches": _matches(seen), "format": make_reward("code/format-v0")}, weights={"format": 0.5})
    scored = verifiers_task(reward, base=QATask, name="answer", weight=2.0)
    tasks, traces = _rollouts(scored)
    asyncio.run(_score_all(tasks, traces))

    assert scored.rewardgym_batcher.batch_sizes == [6]  # six traces, one rewardgym call
    direct = reward.breakdown(Episodes(
        prompts=[t.data.prompt for t in tasks], completions=[tr.last_reply for tr in traces],
        infos={"answer": [t.data.answer for t in tasks]},
    ))
    assert [tr.rewards["answer"].score for tr in traces] == pytest.approx(direct["total"].tolist())
    assert [tr.rewards["answer"].weight for tr in traces] == [2.0] * 6
    assert [tr.metrics["answer/matches"] for tr in traces] == pytest.approx(direct["matches"].tolist())
    assert [tr.metrics["answer/format"] for tr in traces] == pytest.approx(direct["format"].tolist())
    # verifiers sums the weighted rewards: ours next to the task's own.
    assert [tr.reward for tr in traces] == pytest.approx([2.0 * v + 0.25 for v in direct["total"].tolist()])
    # "seven" and "x = 7" parse as Python, so they earn the format term.
    assert [tr.rewards["answer"].score for tr in traces] == pytest.approx([1.5, 0.0, 0.5, 1.5, 0.5, 1.5])


def test_rows_carry_transcripts_and_group_ids_per_task():
    captured = {}

    @reward_fn(batch_type=Episodes)
    def spy(batch):
        captured["batch"] = batch
        return torch.zeros(len(batch))

    scored = verifiers_task(spy, base=QATask)
    tasks, traces = _rollouts(scored)
    asyncio.run(_score_all(tasks, traces))
    batch = captured["batch"]
    assert batch.group_ids.tolist() == [0, 0, 0, 1, 1, 1]
    assert batch.transcripts[0] == [{"role": "user", "content": "What is 1+2?"}, {"role": "assistant", "content": "3"}]
    assert batch.prompts[3] == "Name a prime." and batch.infos["answer"][3] == "7"


def test_step_rewards_see_one_terminal_transition_per_trace():
    class Brevity(RewardFn):
        name = "brevity"

        def score(self, batch: Transitions) -> torch.Tensor:
            return torch.tensor([-len(a) / 10 for a in batch.action])

    scored = verifiers_task(Brevity(), base=QATask)
    tasks, traces = _rollouts(scored)
    asyncio.run(_score_all(tasks, traces))
    assert [tr.rewards["brevity"].score for tr in traces] == pytest.approx([-0.1, -0.5, -0.1, -0.1, -0.5, -0.5])


def test_max_batch_splits_large_waves():
    scored = verifiers_task("code/format-v0", base=QATask, max_batch=4)
    tasks, traces = _rollouts(scored)
    asyncio.run(_score_all(tasks, traces))
    assert scored.rewardgym_batcher.batch_sizes == [4, 2]
    assert [tr.rewards["code_format_v0"].score for tr in traces] == [1.0, 0.0, 1.0, 1.0, 1.0, 1.0]


def test_a_failing_reward_fails_every_waiting_trace_in_verifiers_terms():
    @reward_fn(batch_type=Episodes, name="broken")
    def broken(batch):
        raise ValueError("no grader")

    scored = verifiers_task(broken, base=QATask)
    tasks, traces = _rollouts(scored)

    async def run():
        return await asyncio.gather(*(t.score(tr) for t, tr in zip(tasks, traces)), return_exceptions=True)

    errors = asyncio.run(run())
    assert all(isinstance(e, vf.TaskError) and "no grader" in str(e) for e in errors)
    assert isinstance(errors[0].__cause__, RewardComputationError)
    assert all(tr.rewards["broken"] is None for tr in traces)  # verifiers' "scoring did not run" mark


def test_base_must_be_a_verifiers_task():
    from rewardgym.errors import EnvConfigError

    with pytest.raises(EnvConfigError, match=r"verifiers\.v1\.Task subclass"):
        verifiers_task("code/format-v0", base=dict)
