"""Rewards of the dialogue envs, registered under ``dialogue/`` (importing this module registers them).

| name | scores | what |
|---|---|---|
| ``dialogue/negotiation-value-v0`` | Transitions, Episodes | agreed value of the row's agent |
| ``dialogue/negotiation-agreement-v0`` | Transitions, Episodes | deal reached (metric, NaN before the end) |
| ``dialogue/negotiation-pareto-v0`` | Transitions, Episodes | deal is Pareto-optimal (metric) |
| ``dialogue/emotion-v0`` | Transitions, Episodes | simulated user's emotion change / level (RLVER-style) |
| ``dialogue/tactic-novelty-v0`` | Transitions | share of new discourse tactics (MINT-style) |
| ``dialogue/referential-accuracy-v0`` | Transitions, Episodes | listener picked the target |
| ``dialogue/malformed-v0`` | Transitions, Episodes | message broke the protocol (weight it negatively) |
| ``dialogue/judge-v0`` | Transitions | an LLM judge's score of the agent's message |

Only core dependencies are imported here; the envs (PettingZoo) load when a sample batch is built.

Example:
    >>> import rewardgym
    >>> sorted(rewardgym.list_rewards("dialogue/"))[:2]
    ['dialogue/emotion-v0', 'dialogue/judge-v0']
"""

from rewardgym.envs.dialogue.rewards import emotion, judge, negotiation, novelty, protocol, referential

__all__ = ["emotion", "judge", "negotiation", "novelty", "protocol", "referential"]
