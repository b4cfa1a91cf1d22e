"""The TRL adapter: rewardgym rewards as ``reward_funcs`` of a real ``GRPOTrainer`` on a tiny CPU model."""

from __future__ import annotations

import math

import pytest
import torch

import rewardgym
from rewardgym import Episodes, RewardComputationError, Transitions, WeightedSum, make_reward, reward_fn
from rewardgym.adapters.trl import trl_reward
from rewardgym.rewards.base import RewardFn
from tests.adapters.conftest import need_package


def _recording_matches(seen: list[int]):
    """An episode reward (1 where the completion contains the ``answer`` column) that records its batch sizes."""

    @reward_fn(name="matches", batch_type=Episodes)
    def matches(batch: Episodes) -> torch.Tensor:
        seen.append(len(batch))
        return torch.tensor([float(a in c) for c, a in zip(batch.completions, batch.infos["answer"])])

    return matches


class Brevity(RewardFn):
    """A step reward: -len(action)/100 on the single terminal step of each completion."""

    name = "brevity"

    def score(self, batch: Transitions) -> torch.Tensor:
        assert bool(batch.terminated.all())
        return torch.tensor([-len(a) / 100 for a in batch.action])


def test_episode_composite_scores_the_batch_once_and_keeps_terms():
    seen: list[int] = []
    reward = WeightedSum({"matches": _recording_matches(seen), "format": make_reward("code/format-v0")},
                         weights={"format": 0.5})
    fn = trl_reward(reward, name="answer")
    logged: dict[str, list[float]] = {}
    out = fn(prompts=["1+2?"] * 3, completions=["3", "x = (", "4"], completion_ids=[[1], [2], [3]],
             answer=["3", "3", "3"], trainer_state=None, log_metric=lambda k, v: logged.setdefault(k, []).append(v))
    direct = reward(Episodes(prompts=["1+2?"] * 3, completions=["3", "x = (", "4"],
                             infos={"answer": ["3", "3", "3"]}))
    assert out == pytest.approx(direct.tolist())
    assert out == pytest.approx([1.5, 0.0, 0.5])
    assert seen == [3, 3]  # one call of the adapter, one batch of 3 (the second is the direct call)
    assert logged["rewards/answer/matches"] == [pytest.approx(1 / 3)]
    assert logged["rewards/answer/format"] == [pytest.approx(2 / 3)]
    assert fn.calls == 1


def test_step_reward_gets_one_terminal_transition_per_completion():
    fn = trl_reward(Brevity())
    assert fn.__name__ == "brevity"
    assert fn(prompts=["a", "b"], completions=["xx", "xxxx"]) == pytest.approx([-0.02, -0.04])


def test_chat_rows_become_text_and_transcripts():
    captured = {}

    @reward_fn(batch_type=Episodes)
    def spy(batch):
        captured["batch"] = batch
        return torch.zeros(len(batch))

    prompt = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi?"}]
    completion = [{"role": "assistant", "content": [{"type": "text", "text": "hello"}]}]
    trl_reward(spy)(prompts=[prompt, prompt], completions=[completion, completion])
    batch = captured["batch"]
    assert batch.prompts == ["hi?", "hi?"] and batch.completions == ["hello", "hello"]
    assert batch.transcripts[0] == [*prompt, *completion]
    assert batch.group_ids.tolist() == [0, 0]


def test_rows_of_one_prompt_share_a_group_id():
    captured = {}

    @reward_fn(batch_type=Episodes)
    def spy(batch):
        captured["ids"] = batch.group_ids.tolist()
        return torch.zeros(len(batch))

    trl_reward(spy)(prompts=["p", "p", "q", "q", "p"], completions=["a", "b", "c", "d", "e"])
    assert captured["ids"] == [0, 0, 1, 1, 0]


def test_nan_is_returned_as_none_and_left_out_of_the_logged_mean():
    @reward_fn(batch_type=Episodes, may_return_nan=True, name="maybe")
    def maybe(batch):
        return torch.tensor([1.0, math.nan])

    logged = {}
    assert trl_reward(maybe)(prompts=["a", "b"], completions=["c", "d"],
                             log_metric=lambda k, v: logged.__setitem__(k, v)) == [1.0, None]
    assert logged == {"rewards/maybe/maybe": 1.0}


def test_bad_input_names_what_was_wrong():
    fn = trl_reward("code/format-v0")
    with pytest.raises(RewardComputationError, match="2 prompts but 1 completions"):
        fn(prompts=["a", "b"], completions=["c"])
    with pytest.raises(RewardComputationError, match="column 'answer' has 1 values"):
        fn(prompts=["a", "b"], completions=["c", "d"], answer=["x"])
    with pytest.raises(rewardgym.UnknownRewardError):
        trl_reward("code/pass-rat-v0")


@pytest.mark.slow
def test_grpo_trainer_steps_with_rewardgym_rewards(tmp_path):
    need_package("trl", "trl")
    need_package("datasets", "trl")
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from tests.adapters.tiny_lm import tiny_tokenizer_and_model

    tokenizer, model = tiny_tokenizer_and_model()
    before = [p.detach().clone() for p in model.parameters()]
    seen: list[int] = []
    answer = trl_reward(
        WeightedSum({"matches": _recording_matches(seen), "format": make_reward("code/format-v0")},
                    weights={"format": 0.0}),
        name="answer",
    )
    brevity = trl_reward(Brevity())
    dataset = Dataset.from_dict({"prompt": ["what is one plus two", "print hello"], "answer": ["3", "hello"]})
    args = GRPOConfig(
        output_dir=str(tmp_path), per_device_train_batch_size=4, num_generations=4, max_completion_length=8,
        max_steps=2, learning_rate=1e-2, report_to="none", logging_steps=1, use_cpu=True, save_strategy="no",
        disable_tqdm=True, seed=0,
    )
    trainer = GRPOTrainer(model=model, reward_funcs=[answer, brevity], args=args, train_dataset=dataset,
                          processing_class=tokenizer)
    trainer.train()

    assert seen == [4, 4]  # one batched call per generation batch of 4 completions
    assert answer.calls == 2 and brevity.calls == 2
    steps = [h for h in trainer.state.log_history if "rewards/answer/mean" in h]
    assert len(steps) == 2
    last = steps[-1]
    # TRL's own per-function mean and our per-term metrics both come from the adapter's last batch.
    assert last["rewards/answer/mean"] == pytest.approx(float(answer.last_terms["matches"].mean()), abs=1e-6)
    assert last["rewards/answer/matches"] == pytest.approx(float(answer.last_terms["matches"].mean()), abs=1e-6)
    assert last["rewards/answer/format"] == pytest.approx(float(answer.last_terms["format"].mean()), abs=1e-6)
    assert last["rewards/brevity/mean"] == pytest.approx(float(brevity.last_terms["brevity"].mean()), abs=1e-6)
    assert any(not torch.equal(a, b.detach()) for a, b in zip(before, model.parameters()))  # it trained
