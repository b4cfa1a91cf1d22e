"""The ``dialogue/`` rewards: contract checks, re-verification, composition, the per-agent wrapper, judge."""

from __future__ import annotations

import json
import math

import pytest
import torch

import rewardgym
from rewardgym.envs import dialogue
from rewardgym.envs.dialogue.rewards.judge import scripted_support_judge
from rewardgym.envs.dialogue.rollout import selfplay, to_transitions
from rewardgym.errors import RewardComputationError, RewardSpecError
from rewardgym.rollout import stack_episodes
from rewardgym.testing import check_all_rewards
from rewardgym.types import Episodes, Transitions

NAMES = sorted(rewardgym.list_rewards("dialogue/"))


def test_every_dialogue_reward_is_registered_with_doc():
    assert set(NAMES) == {
        "dialogue/emotion-v0",
        "dialogue/judge-v0",
        "dialogue/malformed-v0",
        "dialogue/negotiation-agreement-v0",
        "dialogue/negotiation-pareto-v0",
        "dialogue/negotiation-value-v0",
        "dialogue/referential-accuracy-v0",
        "dialogue/tactic-novelty-v0",
    }
    assert all(rewardgym.list_rewards("dialogue/").values())


@pytest.mark.parametrize("name", NAMES)
def test_shipped_checker_passes_on_example_batch(name):
    assert check_all_rewards([name]) == {name: "ok"}


def test_negotiation_rewards_reverify_the_env():
    records = selfplay("negotiation-v0", ["fair", "greedy"], episodes=12, seed=5)
    batch = to_transitions(records)
    value = rewardgym.make_reward("dialogue/negotiation-value-v0")(batch)
    assert torch.allclose(value, batch.env_reward)
    agreement = rewardgym.make_reward("dialogue/negotiation-agreement-v0")(batch)
    pareto = rewardgym.make_reward("dialogue/negotiation-pareto-v0")(batch)
    final = (batch.terminated | batch.truncated).tolist()
    for i, done in enumerate(final):
        ep = records[int(batch.infos["episode"][i])]
        if not done:
            assert math.isnan(agreement[i]) and math.isnan(pareto[i])
        else:
            assert agreement[i] == ep.metrics["agreement"]
            assert math.isnan(pareto[i]) == math.isnan(ep.metrics["pareto_optimal"])
    raw = rewardgym.make_reward("dialogue/negotiation-value-v0", normalize=False)(batch)
    assert torch.allclose(raw, value * 10)


def test_negotiation_rewards_on_episodes():
    records = selfplay("negotiation-v0", ["fair", "fair"], episodes=4, seed=0)
    episodes = stack_episodes([r.episode for r in records])
    assert len(episodes) == 8 and episodes.transcripts is not None
    value = rewardgym.make_reward("dialogue/negotiation-value-v0")(episodes)
    assert torch.allclose(value, episodes.env_returns)
    agreement = rewardgym.make_reward("dialogue/negotiation-agreement-v0")(episodes)
    assert agreement.tolist() == [r.metrics["agreement"] for r in records for _ in range(2)]


def test_emotion_reward_modes_and_episodes():
    records = selfplay("support-v0", ["empathic"], episodes=3, seed=0)
    batch = to_transitions(records)
    delta = rewardgym.make_reward("dialogue/emotion-v0")(batch)
    assert torch.allclose(delta, batch.env_reward)
    level = rewardgym.make_reward("dialogue/emotion-v0", mode="level")(batch)
    assert torch.allclose(level * 100, batch.info("emotion"))
    final = rewardgym.make_reward("dialogue/emotion-v0", mode="final")(batch)
    done = batch.terminated | batch.truncated
    assert (final[~done] == 0).all() and torch.allclose(final[done], level[done])
    gains = rewardgym.make_reward("dialogue/emotion-v0")(stack_episodes([r.episode for r in records]))
    assert gains.tolist() == pytest.approx([r.metrics["emotion_gain"] / 100 for r in records])
    with pytest.raises(RewardSpecError, match="mode"):
        rewardgym.make_reward("dialogue/emotion-v0", mode="peak")


def test_novelty_ignores_harmful_tactics_and_honours_window():
    rows = dict(obs=["", ""], next_obs=["", ""])
    batch = Transitions.from_rows(
        **rows,
        action=["Calm down.", "That sounds hard."],
        infos=[{"tactic_history": "[]"}, {"tactic_history": '[["validation"], ["question"]]'}],
    )
    assert rewardgym.make_reward("dialogue/tactic-novelty-v0")(batch).tolist() == [0.0, 0.0]
    assert rewardgym.make_reward("dialogue/tactic-novelty-v0", window=1)(batch).tolist() == [0.0, 1.0]
    with pytest.raises(RewardSpecError):
        rewardgym.make_reward("dialogue/tactic-novelty-v0", window=-1)


def test_missing_info_columns_raise_with_guidance():
    batch = Transitions.from_rows(
        obs=["", ""], action=["a", "b"], next_obs=["", ""], infos=[{"x": 1}, {"x": 2}]
    )
    for name in ("dialogue/tactic-novelty-v0", "dialogue/negotiation-value-v0", "dialogue/emotion-v0"):
        with pytest.raises(RewardComputationError, match="infos"):
            rewardgym.make_reward(name)(batch)
    bad = Transitions.from_rows(
        obs=[""], action=[""], next_obs=[""], infos=[{"agent": "agent_0", "outcome": "{not json"}]
    )
    with pytest.raises(RewardComputationError, match="not valid JSON"):
        rewardgym.make_reward("dialogue/negotiation-value-v0")(bad)


def test_composed_reward_through_spec_and_wrapper_per_agent():
    spec = {"sum": {"dialogue/negotiation-value-v0": 1.0, "dialogue/malformed-v0": -0.5}}
    env = dialogue.make("negotiation-v0", reward=spec)
    _, infos = env.reset(seed=0)
    first = infos["agent_0"]["speaker"]
    second = next(a for a in env.possible_agents if a != first)
    _, rewards, _, _, infos = env.step({first: "ACCEPT"})  # nothing to accept: malformed
    assert rewards == {first: -0.5, second: 0.0}
    assert infos[first]["reward_terms"]["dialogue/malformed-v0"] == 1.0
    assert infos[first]["env_reward"] == 0.0
    env.step({second: 'PROPOSE {"books": 0, "hats": 0, "balls": 0}'})
    _, rewards, term, _, infos = env.step({first: "ACCEPT"})
    assert all(term.values()) and rewards[first] == 1.0 and rewards[second] == 0.0


def test_wrapper_gives_agents_different_rewards_and_adds():
    env = dialogue.make("referential-v0")
    wrapped = rewardgym.wrap(env, {"listener_0": "dialogue/malformed-v0"}, combine="add")
    _, infos = wrapped.reset(seed=0)
    wrapped.step({"speaker_0": "the one"})
    _, rewards, _, _, infos = wrapped.step({"listener_0": "PICK 99"})
    assert rewards == {"speaker_0": 0.0, "listener_0": 1.0}
    assert "reward_terms" not in infos["speaker_0"]
    with pytest.raises(RewardSpecError):
        rewardgym.wrap(env, "dialogue/malformed-v0", combine="mix")


def test_judge_scores_agent_messages_in_context():
    """The judge model is the scripted backend: a test double at the LLM boundary."""
    records = selfplay("support-v0", ["empathic"], episodes=1, seed=0) + selfplay(
        "support-v0", ["dismissive"], episodes=1, seed=0
    )
    batch = to_transitions(records)
    llm = scripted_support_judge()
    judge = rewardgym.make_reward("dialogue/judge-v0", llm=llm)
    scores = judge(batch)
    policies = [records[int(e)].policies["supporter_0"] for e in batch.infos["episode"]]
    for score, policy in zip(scores.tolist(), policies):
        assert score == (1.0 if policy == "empathic" else 0.0)
    seen = llm.calls[0]["chats"][0][1]["content"]
    assert "user:" in seen and "Response:" in seen  # the agent's context and its message
    silent = Transitions.from_rows(obs=["ctx", "ctx"], action=["", "That sounds hard."], next_obs=["", ""])
    assert math.isnan(judge(silent)[0]) and judge(silent)[1] == 1.0
    with pytest.raises(RewardSpecError, match="preset"):
        rewardgym.make_reward("dialogue/judge-v0", preset="chess", llm=llm)


def test_judge_on_episodes_with_custom_rubric():
    llm = scripted_support_judge()
    judge = rewardgym.make_reward("dialogue/judge-v0", llm=llm, rubric=["Is kind."], mode="per-item")
    batch = Episodes(prompts=["ctx", "ctx"], completions=["That sounds really hard.", "Whatever."])
    assert judge(batch).tolist() == [1.0, 0.0]


def test_rollout_batches_are_well_formed():
    records = selfplay("negotiation-v0", ["fair", "fair"], episodes=2, seed=0)
    batch = to_transitions(records)
    assert len(batch) == sum(len(r.steps) for r in records)
    assert batch.group_ids.tolist() == batch.infos["episode"].tolist()
    acting = to_transitions(records, only_acting=True)
    assert len(acting) < len(batch)
    assert all(a for a, t in zip(acting.infos["acted"].tolist(), acting.terminated.tolist()) if not t)
    line = records[0].to_json()
    assert json.loads(json.dumps(line))["policies"] == {"agent_0": "fair", "agent_1": "fair"}
