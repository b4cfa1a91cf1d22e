"""Supportive dialogue: tactic detection, emotion dynamics, the LLM user option and scripted orderings."""

from __future__ import annotations

import json

import numpy as np
import pytest

import rewardgym
from rewardgym.envs import dialogue
from rewardgym.envs.dialogue.rollout import selfplay, to_transitions
from rewardgym.envs.dialogue.scripted import VariedSupporter
from rewardgym.envs.dialogue.tactics import HARMFUL_TACTICS, TACTICS, detect_tactics, tactic_novelty
from rewardgym.envs.dialogue.user_sim import PERSONAS, EmotionModel


@pytest.mark.parametrize(
    ("text", "tactics"),
    [
        ("That sounds really hard.", ("validation",)),
        ("What has been the hardest part for you?", ("question",)),
        ("It sounds like you're feeling overwhelmed.", ("reflection",)),
        ("You're not alone in this.", ("reassurance",)),
        ("Thank you for sharing this with me.", ("gratitude",)),
        ("You are so strong.", ("affirmation",)),
        ("I've been there too.", ("self_disclosure",)),
        ("You could try writing down your thoughts each evening.", ("suggestion",)),
        ("So what you're saying is that everything piled up.", ("restatement",)),
        ("Many people feel this way at some point.", ("information",)),
        ("It's not a big deal.", ("minimizing",)),
        ("Just calm down.", ("dismissing",)),
        ("That's your own fault.", ("blaming",)),
        ("The weather is nice.", ()),
        ("", ()),
    ],
)
def test_detect_tactics(text, tactics):
    assert detect_tactics(text) == tactics


def test_varied_supporter_lines_each_use_one_distinct_tactic():
    found = [detect_tactics(line) for line in VariedSupporter.lines]
    assert all(len(t) == 1 for t in found)
    assert len({t[0] for t in found}) == len(found)
    assert {t[0] for t in found} <= set(TACTICS) - HARMFUL_TACTICS


def test_tactic_novelty():
    assert tactic_novelty(["validation"], []) == 1.0
    assert tactic_novelty(["validation"], [["validation"]]) == 0.0
    assert tactic_novelty(["validation", "question"], [["validation"], ["reflection"]]) == 0.5
    assert tactic_novelty(["validation"], [["validation"], ["question"]], window=1) == 1.0
    assert tactic_novelty([], []) == 0.0


def test_emotion_model_rules():
    model, persona = EmotionModel(), PERSONAS[0]  # exam: needs validation and question
    assert model.delta(("validation",), [], persona) == 15.0  # need bonus
    assert model.delta(("validation",), [("validation",)], persona) == 7.5  # repeated: halved
    assert model.delta(("suggestion",), [], persona) == 3.0  # before being heard: halved
    assert model.delta(("suggestion",), [("reflection",)], persona) == 6.0
    assert model.delta((), [], persona) == model.silence_penalty < 0
    assert model.delta(("validation", "dismissing"), [], persona) == 15.0 - 18.0
    assert model.delta(tuple(t for t in TACTICS if t not in HARMFUL_TACTICS), [], persona) == model.max_gain


def test_emotion_follows_tactics_and_rewards_sum_to_the_gain():
    env = dialogue.make("support-v0", max_turns=4)
    _, infos = env.reset(seed=0, options={"persona": "exam"})
    start = infos["supporter_0"]["emotion"]
    total = 0.0
    for msg in ["That sounds really hard.", "What happened?", "Just get over it.", "hmm"]:
        _, rewards, _, _, infos = env.step({"supporter_0": msg})
        total += rewards["supporter_0"]
    info = infos["supporter_0"]
    assert info["emotion"] == pytest.approx(start + 15 + 9 - 18 - 4)
    assert total == pytest.approx((info["emotion"] - start) / 100)
    assert json.loads(info["tactic_history"]) == [["validation"], ["question"], ["dismissing"]]
    assert info["tactics"] == ""
    assert "could not tell how you meant that" in info["feedback"]


def test_user_leaves_when_dismissed_and_thanks_when_supported():
    from itertools import cycle

    from rewardgym.envs.dialogue.scripted import EmpathicSupporter

    empathic = cycle(EmpathicSupporter.lines)
    env = dialogue.make("support-v0")
    env.reset(seed=0)
    while env.agents:
        obs, _, term, _, infos = env.step({"supporter_0": "Calm down, it's not a big deal. Your own fault."})
    assert term["supporter_0"] and env.metrics()["left"] == 1.0
    assert "The dialogue is over: the user left." in obs["supporter_0"]
    assert json.loads(infos["supporter_0"]["outcome"])["left"] is True

    env.reset(seed=0)
    while env.agents:
        obs, _, term, _, infos = env.step({"supporter_0": next(empathic)})
    assert term["supporter_0"] and env.metrics()["resolved"] == 1.0
    assert "I feel a lot better" in env.transcript[-1]["text"]


def test_user_replies_are_deterministic_per_seed():
    def play(seed):
        recs = selfplay("support-v0", ["empathic"], episodes=1, seed=seed)
        return [t["text"] for t in recs[0].transcript if t["speaker"] == "user"]

    assert play(3) == play(3)


def _mean_reward(policy, reward, episodes=8):
    batch = to_transitions(selfplay("support-v0", [policy], episodes=episodes, seed=0))
    return float(rewardgym.make_reward(reward)(batch).sum()) / episodes


def test_empathic_beats_dismissive_on_emotion_reward():
    empathic = _mean_reward("empathic", "dialogue/emotion-v0")
    dismissive = _mean_reward("dismissive", "dialogue/emotion-v0")
    assert empathic > 0 > dismissive
    final = rewardgym.make_reward("dialogue/emotion-v0", mode="final")
    assert float(final(to_transitions(selfplay("support-v0", ["empathic"], episodes=4)))[-1]) > 0.8


def test_repeating_one_tactic_earns_less_novelty_than_varying():
    def per_turn(policy):
        batch = to_transitions(
            selfplay("support-v0", [policy], episodes=6, seed=1, env_kwargs={"resolve_at": 100})
        )
        return float(rewardgym.make_reward("dialogue/tactic-novelty-v0")(batch).mean())

    repetitive, varied = per_turn("repetitive"), per_turn("varied")
    assert varied > 0.9 and repetitive < 0.2
    assert varied > repetitive
    # Repetition also pays less on the emotion reward (diminishing returns).
    assert _mean_reward("varied", "dialogue/emotion-v0") > _mean_reward("repetitive", "dialogue/emotion-v0")


def test_llm_user_voices_the_user_without_changing_the_dynamics():
    """The scripted LLM backend is a test double at the LLM boundary."""
    from rewardgym.llm import ScriptedLLM

    llm = ScriptedLLM(default="I guess... thanks for listening.")
    plain = dialogue.make("support-v0", max_turns=3)
    voiced = dialogue.make("support-v0", max_turns=3, user_llm=llm)
    emotions = []
    for env in (plain, voiced):
        env.reset(seed=5)
        for msg in ["That sounds really hard.", "How are you holding up?", "You're not alone."]:
            *_, infos = env.step({"supporter_0": msg})
        emotions.append(infos["supporter_0"]["emotion"])
    assert emotions[0] == emotions[1]
    users = [t["text"] for t in voiced.transcript if t["speaker"] == "user"]
    assert users == [voiced.persona.opening] + ["I guess... thanks for listening."] * 3
    assert len(llm.calls) == 3
    system = llm.calls[0]["chats"][0][0]["content"]
    assert voiced.persona.opening in system and "/100" in system


def test_persona_option_and_unknown_persona():
    env = dialogue.make("support-v0")
    _, infos = env.reset(seed=0, options={"persona": "pet"})
    assert infos["supporter_0"]["scenario"] == "pet"
    with pytest.raises(rewardgym.EnvConfigError):
        env.reset(seed=0, options={"persona": "dragon"})


def test_distinct_tactics_metric():
    recs = selfplay("support-v0", ["repetitive"], episodes=1, seed=0)
    assert recs[0].metrics["distinct_tactics"] == 1.0
    assert np.isfinite(recs[0].metrics["final_emotion"])
