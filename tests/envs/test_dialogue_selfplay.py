"""Self-play: agents, the ``rewardgym selfplay`` command, transcripts, LLM agents (scripted and SmolLM2)."""

from __future__ import annotations

import json
import math

import pytest

from rewardgym.cli import main
from rewardgym.envs.dialogue.agents import DialogueAgent, LLMAgent, make_agent
from rewardgym.envs.dialogue.cli import run_selfplay
from rewardgym.envs.dialogue.rollout import selfplay
from rewardgym.errors import EnvConfigError
from tests.conftest import need


def test_selfplay_command_prints_table_and_writes_jsonl(tmp_path, capsys):
    code = main(
        [
            "selfplay",
            "negotiation-v0",
            "--agents",
            "fair,greedy",
            "--episodes",
            "3",
            "--out",
            str(tmp_path),
            "--quiet",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    for word in ("agent_0", "agent_1", "fair", "greedy", "value", "agreement", "pareto", "return"):
        assert word in out
    lines = (tmp_path / "selfplay-negotiation-v0.jsonl").read_text().splitlines()
    assert len(lines) == 3
    episodes = [json.loads(line) for line in lines]
    assert [e["seed"] for e in episodes] == [0, 1, 2]
    for ep in episodes:
        assert ep["policies"] == {"agent_0": "fair", "agent_1": "greedy"}
        assert ep["transcript"] and {t["speaker"] for t in ep["transcript"]} <= {"agent_0", "agent_1"}
        assert set(ep["rewards"]) == {"agent_0", "agent_1"}
        assert ep["rewards"]["agent_0"]["value"] == pytest.approx(ep["returns"]["agent_0"])


def test_selfplay_command_with_extra_reward_column(capsys):
    spec = '{"sum": {"dialogue/emotion-v0": 1.0, "dialogue/tactic-novelty-v0": 0.5}}'
    assert (
        main(
            ["selfplay", "support-v0", "--agents", "empathic", "--episodes", "2", "--reward", spec, "--quiet"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "custom" in out and "novelty" in out and "emotion" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["selfplay", "support-v0", "--agents", "fair", "--episodes", "1"],
            "no agent 'fair' for role 'supporter'",
        ),
        (["selfplay", "support-v0", "--agents", "empathic,varied", "--episodes", "1"], "needs 1 agent"),
        (["selfplay", "chess-v0", "--agents", "fair", "--episodes", "1"], "no dialogue env named"),
        (["selfplay", "support-v0", "--agents", "empathic", "--episodes", "0"], "episodes"),
    ],
)
def test_selfplay_command_reports_bad_input(argv, message, capsys):
    assert main([*argv, "--quiet"]) == 2
    assert message in capsys.readouterr().err


def test_summary_matches_records():
    records, summary = run_selfplay(
        "referential-v0", ["literal", "literal"], episodes=3, env_kwargs={"rounds": 2}
    )
    assert summary["listener_0"]["accuracy"] == 2.0 == summary["listener_0"]["return"]
    assert summary["speaker_0"]["malformed"] == 0.0
    assert all(r.metrics["accuracy"] == 1.0 for r in records)


def test_make_agent_resolves_roles_and_passes_agents_through():
    assert make_agent("literal", agent_id="speaker_0").name == "literal"
    custom = make_agent("greedy", agent_id="agent_1")
    assert make_agent(custom, agent_id="agent_0") is custom
    assert isinstance(custom, DialogueAgent)
    with pytest.raises(EnvConfigError, match="choose from"):
        make_agent("empathic", agent_id="agent_0", env="negotiation-v0")
    with pytest.raises(EnvConfigError):
        make_agent(object(), agent_id="agent_0")


def test_llm_agent_protocol_with_scripted_backend():
    """The scripted LLM backend is a test double at the LLM boundary: it proposes, then accepts."""
    from rewardgym.llm import ScriptedLLM

    llm = ScriptedLLM(
        rules={r"Standing proposal from": "Sounds good. ACCEPT"}, default='PROPOSE {"books": 1, "hats": 0}'
    )
    agents = {
        "agent_0": LLMAgent(llm, agent_id="agent_0", max_new_tokens=16),
        "agent_1": make_agent("fair", agent_id="agent_1"),
    }
    records = selfplay("negotiation-v0", agents, episodes=3, seed=0)
    assert all(r.policies["agent_0"] == "llm:scripted" for r in records)
    assert all(math.isfinite(v) for r in records for v in r.returns.values())
    call = llm.calls[0]
    assert call["max_new_tokens"] == 16 and call["temperature"] == 0.0
    system, user = call["chats"][0]
    assert "agent_0" in system["content"] and "Negotiation (negotiation-v0)" in user["content"]
    seeds = [c["seed"] for c in llm.calls]
    assert len(set(seeds)) == len(seeds)  # each turn gets its own seed


@pytest.mark.slow
def test_selfplay_with_local_smollm2_end_to_end(tmp_path, capsys):
    """SmolLM2-135M-Instruct (local, offline) plays every env on a short budget.

    Negotiation and the referential game in-process (LLM agents in every role), the simulated user voiced
    by the model, and ``rewardgym selfplay support-v0 --agents llm`` through the command line.
    """
    need("smollm2")
    pytest.importorskip("transformers")
    from rewardgym.llm import make_llm

    llm = make_llm("transformers")
    runs = [
        (
            "negotiation-v0",
            {"agent_0": LLMAgent(llm, agent_id="agent_0", max_new_tokens=16), "agent_1": "fair"},
            {"max_turns": 2},
        ),
        (
            "referential-v0",
            {
                "speaker_0": LLMAgent(llm, agent_id="speaker_0", max_new_tokens=12),
                "listener_0": LLMAgent(llm, agent_id="listener_0", max_new_tokens=8),
            },
            {"max_turns": 2},
        ),
    ]
    for env, agents, kwargs in runs:
        records = selfplay(env, agents, episodes=1, seed=0, env_kwargs=kwargs)
        rec = records[0]
        llm_turns = [t for t in rec.transcript if isinstance(agents.get(t["speaker"]), LLMAgent)]
        assert llm_turns and any(t["text"].strip() for t in llm_turns)
        assert all(math.isfinite(v) for v in rec.returns.values())
    from rewardgym.envs.dialogue.user_sim import LLMUser

    user = LLMUser(llm, max_new_tokens=12)
    voiced = selfplay("support-v0", ["empathic"], episodes=1, env_kwargs={"max_turns": 1, "user_llm": user})[
        0
    ]
    assert voiced.transcript[-1]["speaker"] == "user" and voiced.transcript[-1]["text"].strip()
    assert voiced.returns["supporter_0"] > 0  # the score stays rule-based
    code = main(
        [
            "selfplay",
            "support-v0",
            "--agents",
            "llm",
            "--episodes",
            "1",
            "--max-new-tokens",
            "8",
            "--env-kwargs",
            '{"max_turns": 1}',
            "--out",
            str(tmp_path),
            "--quiet",
        ]
    )
    assert code == 0 and "llm:smollm2" in capsys.readouterr().out
    line = json.loads((tmp_path / "selfplay-support-v0.jsonl").read_text())
    assert line["policies"] == {"supporter_0": "llm:smollm2"} and len(line["transcript"]) >= 2
