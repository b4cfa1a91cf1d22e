"""Sample batches for the shipped reward checkers: short seeded scripted self-play in each dialogue env.

Each function plays a few episodes with scripted policies (so both good and bad behaviour appear) and
returns the batch; PettingZoo is imported only when one is called.

Example:
    >>> batch = referential_transitions()
    >>> len(batch) >= 2
    True
"""

from __future__ import annotations

from rewardgym.types import Episodes, Transitions

__all__ = [
    "negotiation_episodes",
    "negotiation_transitions",
    "referential_transitions",
    "support_transitions",
]


def _play(env: str, lineups: list[list[str]], episodes: int, **env_kwargs: object) -> list:
    from rewardgym.envs.dialogue.rollout import selfplay

    records = []
    for i, lineup in enumerate(lineups):
        records += selfplay(env, lineup, episodes=episodes, seed=100 * i, env_kwargs=env_kwargs)
    return records


def negotiation_transitions() -> Transitions:
    """Fair-vs-fair and greedy-vs-fair negotiations (deals, no deals, malformed-free), every agent step."""
    from rewardgym.envs.dialogue.rollout import to_transitions

    return to_transitions(
        _play("negotiation-v0", [["fair", "fair"], ["greedy", "fair"], ["random", "fair"]], 2, max_turns=6)
    )


def negotiation_episodes() -> Episodes:
    """The same negotiations as :func:`negotiation_transitions`, one row per agent and episode."""
    from rewardgym.rollout import stack_episodes

    records = _play("negotiation-v0", [["fair", "fair"], ["greedy", "greedy"]], 2, max_turns=6)
    return stack_episodes([r.episode for r in records])


def support_transitions() -> Transitions:
    """Empathic, dismissive, repetitive and varied supporters, every supporter turn."""
    from rewardgym.envs.dialogue.rollout import to_transitions

    lineups = [["empathic"], ["dismissive"], ["repetitive"], ["varied"]]
    return to_transitions(_play("support-v0", lineups, 1, max_turns=5))


def referential_transitions() -> Transitions:
    """Literal speaker with a literal and with a random listener, two rounds each."""
    from rewardgym.envs.dialogue.rollout import to_transitions

    return to_transitions(
        _play("referential-v0", [["literal", "literal"], ["literal", "random"]], 2, rounds=2)
    )
