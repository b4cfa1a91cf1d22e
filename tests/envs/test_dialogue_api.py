"""PettingZoo conformance and the shared turn machinery of every dialogue env."""

from __future__ import annotations

import warnings

import pytest
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test, seed_test

from rewardgym.envs import dialogue
from rewardgym.envs.dialogue.text import CHARSET, TextObservation
from rewardgym.errors import EnvConfigError, InvalidActionError

NAMES = list(dialogue.DIALOGUE_ENVS)
VARIANTS = [
    ("negotiation-v0", {}),
    ("negotiation-v0", {"items": ["books", "hats", "balls", "pens"], "max_turns": 4}),
    ("support-v0", {}),
    ("support-v0", {"max_turns": 3, "personas": ["exam"]}),
    ("referential-v0", {}),
    ("referential-v0", {"rounds": 3, "hard": True, "n_candidates": 6}),
]
IDS = [f"{n}-{i}" for i, (n, _) in enumerate(VARIANTS)]


@pytest.fixture(autouse=True)
def _quiet_pettingzoo_warnings():
    # PettingZoo's checkers warn that Text spaces are not Box/Discrete; that is the design here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


@pytest.mark.parametrize(("name", "kwargs"), VARIANTS, ids=IDS)
def test_parallel_api(name, kwargs):
    parallel_api_test(dialogue.make(name, **kwargs), num_cycles=200)


@pytest.mark.parametrize(("name", "kwargs"), VARIANTS, ids=IDS)
def test_aec_api(name, kwargs):
    api_test(dialogue.make(name, aec=True, **kwargs), num_cycles=200)


@pytest.mark.parametrize(("name", "kwargs"), VARIANTS, ids=IDS)
def test_seed_tests(name, kwargs):
    parallel_seed_test(lambda: dialogue.make(name, **kwargs))
    seed_test(lambda: dialogue.make(name, aec=True, **kwargs))


@pytest.mark.parametrize("name", NAMES)
def test_module_exposes_parallel_env_and_env(name):
    import importlib

    module = importlib.import_module(dialogue.DIALOGUE_ENVS[name])
    par, aec = module.parallel_env(), module.env()
    assert par.possible_agents == aec.possible_agents
    assert par.metadata["name"] == str(par)


@pytest.mark.parametrize("name", NAMES)
def test_reward_wrapped_env_passes_parallel_api(name):
    env = dialogue.make(name, reward="dialogue/malformed-v0")
    parallel_api_test(env, num_cycles=50)


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_episode_different_seed_different_scenario(name):
    a, b = dialogue.make(name), dialogue.make(name)
    obs_a, _ = a.reset(seed=7)
    obs_b, _ = b.reset(seed=7)
    assert obs_a == obs_b
    briefs = {str(dialogue.make(name).reset(seed=s)[0]) for s in range(6)}
    assert len(briefs) > 1


@pytest.mark.parametrize("name", NAMES)
def test_observations_are_text_in_their_space(name):
    env = dialogue.make(name, max_observation_chars=300)
    obs, infos = env.reset(seed=0)
    speaker = infos[env.agents[0]]["speaker"]
    obs, *_ = env.step({speaker: "é" * 1000 + " ünïcode ✓"})
    for agent, o in obs.items():
        assert isinstance(o, TextObservation) and isinstance(o, str)
        assert env.observation_space(agent).contains(o)
        assert len(o) <= 300


def test_long_and_non_ascii_messages_are_cleaned_with_feedback():
    env = dialogue.make("negotiation-v0", max_message_chars=30)
    _, infos = env.reset(seed=0)
    speaker = infos["agent_0"]["speaker"]
    obs, _, _, _, infos = env.step({speaker: "Hello ☃ " + "x" * 100})
    said = env.transcript[-1]["text"]
    assert len(said) == 30 and set(said) <= set(CHARSET) and "?" in said
    assert "cut to 30 characters" in infos[speaker]["feedback"]
    assert "Feedback:" in obs[speaker]
    assert not infos[speaker]["malformed"]  # cleaned, not a protocol violation


def test_message_from_agent_out_of_turn_is_not_delivered():
    env = dialogue.make("negotiation-v0")
    _, infos = env.reset(seed=0)
    speaker = infos["agent_0"]["speaker"]
    other = next(a for a in env.agents if a != speaker)
    obs, _, _, _, infos = env.step({speaker: "hi", other: "ACCEPT"})
    assert [t["speaker"] for t in env.transcript] == [speaker]
    assert "Feedback: it was" in obs[other]
    assert "was not delivered" in infos[other]["feedback"]
    assert infos[other]["your_turn"] and not infos[speaker]["your_turn"]


@pytest.mark.parametrize(
    ("actions", "match"),
    [
        ("not a dict", "takes a dict"),
        ({}, "turn"),
        ({"agent_9": "hi"}, "unknown"),
    ],
)
def test_bad_actions_raise_invalid_action(actions, match):
    env = dialogue.make("negotiation-v0")
    env.reset(seed=0)
    with pytest.raises(InvalidActionError, match=match):
        env.step(actions)


def test_non_string_message_raises_invalid_action():
    env = dialogue.make("support-v0")
    env.reset(seed=0)
    with pytest.raises(InvalidActionError, match="must be a str"):
        env.step({"supporter_0": 42})


def test_step_after_the_end_raises():
    env = dialogue.make("support-v0", max_turns=1)
    env.reset(seed=0)
    _, _, _, trunc, _ = env.step({"supporter_0": "hello"})
    assert trunc["supporter_0"] and env.agents == []
    with pytest.raises(InvalidActionError, match="reset"):
        env.step({"supporter_0": "hello"})


@pytest.mark.parametrize("name", NAMES)
def test_turn_limit_truncates(name):
    env = dialogue.make(name, max_turns=3)
    obs, infos = env.reset(seed=1)
    steps = 0
    while env.agents:
        speaker = infos[env.agents[0]]["speaker"]
        obs, _, term, trunc, infos = env.step({speaker: "..."})
        steps += 1
    assert steps == 3 and all(trunc.values()) and not any(term.values())
    assert all("turn limit" in o for o in obs.values())


def test_make_unknown_name_suggests():
    with pytest.raises(EnvConfigError, match="did you mean 'support-v0'"):
        dialogue.make("suport-v0")


def test_make_rejects_unknown_kwargs_naming_the_accepted_ones():
    with pytest.raises(EnvConfigError, match="max_turns"):
        dialogue.make("negotiation-v0", max_turn=3)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("negotiation-v0", {"max_turns": 0}),
        ("negotiation-v0", {"items": ["books"]}),
        ("negotiation-v0", {"render_mode": "rgb_array"}),
        ("support-v0", {"personas": ["nobody"]}),
        ("support-v0", {"leave_at": 50, "resolve_at": 40}),
        ("referential-v0", {"n_candidates": 1}),
        ("referential-v0", {"rounds": 0}),
    ],
)
def test_bad_constructor_arguments(name, kwargs):
    with pytest.raises(EnvConfigError):
        dialogue.make(name, **kwargs)


def test_render_ansi_returns_the_transcript():
    env = dialogue.make("support-v0", render_mode="ansi")
    env.reset(seed=0)
    env.step({"supporter_0": "That sounds hard."})
    text = env.render()
    assert "supporter_0: That sounds hard." in text and text.startswith("user: ")


def test_list_envs_describes_every_env():
    envs = dialogue.list_envs()
    assert set(envs) == set(NAMES) and all(envs.values())
