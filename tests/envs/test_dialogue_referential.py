"""Referential game: views, picks, clarification turns and the exactly verifiable reward."""

from __future__ import annotations

import json

import numpy as np
import pytest

import rewardgym
from rewardgym.envs import dialogue
from rewardgym.envs.dialogue.rollout import selfplay, to_transitions


def _pick_for(infos, obj):
    return json.loads(infos["listener_0"]["candidates"]).index(obj) + 1


def test_views_share_objects_but_not_order_and_only_speaker_sees_target():
    env = dialogue.make("referential-v0", n_candidates=6)
    same_order = 0
    for seed in range(10):
        obs, infos = env.reset(seed=seed)
        speaker = json.loads(infos["speaker_0"]["candidates"])
        listener = json.loads(infos["listener_0"]["candidates"])
        assert sorted(speaker) == sorted(listener) and len(set(speaker)) == 6
        assert infos["speaker_0"]["target"] in speaker and infos["listener_0"]["target"] == ""
        assert "The target is" in obs["speaker_0"] and "The target is" not in obs["listener_0"]
        same_order += speaker == listener
    assert same_order < 3


def test_hard_distractors_differ_in_one_attribute():
    env = dialogue.make("referential-v0", hard=True, n_candidates=5)
    _, infos = env.reset(seed=2)
    target = infos["speaker_0"]["target"].split()
    for obj in json.loads(infos["speaker_0"]["candidates"]):
        diff = sum(a != b for a, b in zip(obj.split(), target))
        assert diff in (0, 1)


@pytest.mark.parametrize(
    "answer", ["PICK {n}", "I choose #{n}", "Answer: {n}", "select object {n}", "{n}", "  {n}. "]
)
def test_pick_forms(answer):
    env = dialogue.make("referential-v0")
    _, infos = env.reset(seed=0)
    target = infos["speaker_0"]["target"]
    env.step({"speaker_0": f"the {target}"})
    _, rewards, term, _, infos = env.step({"listener_0": answer.format(n=_pick_for(infos, target))})
    assert rewards == {"speaker_0": 1.0, "listener_0": 1.0} and all(term.values())
    result = json.loads(infos["listener_0"]["result"])
    assert result["correct"] and result["choice"] == result["target"] == target


def test_wrong_pick_scores_zero_and_out_of_range_is_malformed():
    env = dialogue.make("referential-v0")
    _, infos = env.reset(seed=0)
    target = infos["speaker_0"]["target"]
    env.step({"speaker_0": "guess"})
    _, rewards, term, _, infos = env.step({"listener_0": "PICK 9"})
    assert infos["listener_0"]["malformed"] and "1 to 4" in infos["listener_0"]["feedback"]
    assert infos["listener_0"]["your_turn"] and not any(term.values())
    wrong = next(i + 1 for i, c in enumerate(json.loads(infos["listener_0"]["candidates"])) if c != target)
    _, rewards, term, _, _ = env.step({"listener_0": f"PICK {wrong}"})
    assert rewards == {"speaker_0": 0.0, "listener_0": 0.0} and all(term.values())
    assert env.metrics()["accuracy"] == 0.0


def test_question_passes_the_turn_back_to_the_speaker():
    env = dialogue.make("referential-v0")
    env.reset(seed=0)
    env.step({"speaker_0": "It is round."})
    _, _, _, _, infos = env.step({"listener_0": "Which colour is it?"})
    assert infos["speaker_0"]["your_turn"]
    assert infos["speaker_0"]["last_message"] == "Which colour is it?"
    assert [t["event"] for t in env.transcript] == ["describe", "question"]


def test_rounds_draw_new_targets_and_accumulate():
    env = dialogue.make("referential-v0", rounds=3)
    _, infos = env.reset(seed=4)
    total, targets = 0.0, []
    while env.agents:
        target = infos["speaker_0"]["target"]
        targets.append(target)
        _, r, _, _, infos = env.step({"speaker_0": f"the {target}"})
        _, r, _, _, infos = env.step({"listener_0": f"PICK {_pick_for(infos, target)}"})
        total += r["listener_0"]
    assert total == 3.0 and env.metrics() == {"accuracy": 1.0, "rounds_played": 3.0}
    assert len(targets) == 3


def test_literal_pair_is_always_right_and_random_listener_is_not():
    literal = selfplay(
        "referential-v0", ["literal", "literal"], episodes=10, env_kwargs={"hard": True, "rounds": 2}
    )
    assert np.mean([r.metrics["accuracy"] for r in literal]) == 1.0
    batch = to_transitions(literal)
    acc = rewardgym.make_reward("dialogue/referential-accuracy-v0")(batch)
    listener_rows = [i for i, a in enumerate(batch.infos["agent"]) if a == "listener_0"]
    assert float(acc[listener_rows].sum()) == 20.0
    assert float(acc.sum()) == float(batch.env_reward.sum())
    rand = selfplay("referential-v0", ["literal", "random"], episodes=10)
    assert np.mean([r.metrics["accuracy"] for r in rand]) < 0.5
