"""The dialogue family's declaration: the PettingZoo dialogue envs, their rewards, ``selfplay`` and ``info``."""

from __future__ import annotations

from rewardgym.family import Command, EnvEntry, Family, InfoField

_COMMON = (
    InfoField("agent", "str", (), "the agent this info belongs to"),
    InfoField("turn", "int64", (), "turns played so far"),
    InfoField("max_turns", "int64", (), "the turn limit"),
    InfoField("speaker", "str", (), "the agent whose turn it is next"),
    InfoField("your_turn", "bool", (), "this agent speaks next"),
    InfoField("malformed", "bool", (), "this agent's last message broke the protocol"),
    InfoField("feedback", "str", (), "why the last message was not accepted ('' when it was)"),
    InfoField("last_message", "str", (), "the last message this agent received"),
    InfoField("outcome", "str", (), "the episode's outcome as JSON once it has ended ('' before)"),
)

NEGOTIATION_INFO = (
    *_COMMON,
    InfoField("pool", "str", (), "JSON {item: count} of the items to split"),
    InfoField("values", "str", (), "JSON {item: value} of this agent's private values"),
    InfoField("offer", "str", (), "JSON of the proposal on the table ('' when none)"),
    InfoField("agreed", "bool", (), "a proposal was accepted"),
)

SUPPORT_INFO = (
    *_COMMON,
    InfoField("scenario", "str", (), "the simulated user's situation"),
    InfoField("emotion", "float64", (), "the user's hidden emotion score after the message"),
    InfoField("emotion_before", "float64", (), "the user's emotion score before the message"),
    InfoField("tactics", "str", (), "supportive tactics detected in the message (comma separated)"),
    InfoField("tactic_history", "str", (), "JSON list of the tactics used in earlier turns"),
)

REFERENTIAL_INFO = (
    *_COMMON,
    InfoField("round", "int64", (), "the current round"),
    InfoField("candidates", "str", (), "JSON list of the objects the listener picks from"),
    InfoField("target", "str", (), "the object the speaker must describe ('' for the listener)"),
    InfoField("result", "str", (), "the last round's result ('' before any pick)"),
)

FAMILY = Family(
    name="dialogue",
    doc="Multi-agent dialogue envs (PettingZoo) with verifiable, judge and novelty rewards.",
    envs=(
        EnvEntry(
            id="negotiation-v0",
            entry_point="rewardgym.envs.dialogue.negotiation:parallel_env",
            api="pettingzoo",
            doc="Two agents split a pool of items with private values (PROPOSE / ACCEPT / REJECT).",
            task="Reach a deal that gives you as much value as possible.",
            success_key="agreed",
            info=NEGOTIATION_INFO,
        ),
        EnvEntry(
            id="support-v0",
            entry_point="rewardgym.envs.dialogue.support:parallel_env",
            api="pettingzoo",
            doc="Comfort a simulated user whose hidden emotion follows the supporter's tactics.",
            task="Improve the simulated user's emotional state with varied supportive replies.",
            success_key=None,
            info=SUPPORT_INFO,
        ),
        EnvEntry(
            id="referential-v0",
            entry_point="rewardgym.envs.dialogue.referential:parallel_env",
            api="pettingzoo",
            doc="A speaker describes a target object and a listener picks it from candidates.",
            task="Describe the target so that the listener picks it (speaker), pick the described object (listener).",
            success_key=None,
            info=REFERENTIAL_INFO,
        ),
    ),
    rewards=("rewardgym.envs.dialogue.rewards",),
    commands=(
        Command(
            "selfplay",
            "rewardgym.envs.dialogue.cli",
            "play agents in a dialogue env; print per-agent rewards, save transcripts (JSONL)",
        ),
    ),
)
