"""Turn a built reward back into the plain-data spec that :func:`~rewardgym.rewards.spec.build_reward` takes.

Results files store rewards this way, so a run's reward can be rebuilt from its JSON. Registered rewards
(made by :func:`~rewardgym.rewards.registry.make_reward`, which records their kwargs) and the composites
(``WeightedSum``, ``Gate``, ``Normalize``, ``Clip``) over them round-trip; anything else (a plain function,
a learned model) has no spec and raises.

Example:
    >>> from rewardgym.rewards.spec import build_reward
    >>> r = build_reward({"sum": {"maze/goal-v0": 1.0, "maze/step-cost-v0": 0.5}})
    >>> spec = reward_to_spec(r)
    >>> spec["sum"][1]
    {'reward': 'maze/step-cost-v0', 'weight': 0.5, 'as': 'maze/step-cost-v0'}
    >>> reward_to_spec(build_reward(spec)) == spec
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rewardgym.errors import RewardSpecError
from rewardgym.rewards.compose import Clip, Gate, Normalize, WeightedSum

__all__ = ["describe_reward", "reward_to_spec"]


def reward_to_spec(reward: Any) -> Any:
    """The spec (a name or a dict) that rebuilds ``reward``.

    Raises:
        RewardSpecError: ``reward`` (or one of its terms) is not a registered reward or a composite of them.
    """
    if isinstance(reward, (str, Mapping)):
        return reward
    if isinstance(reward, WeightedSum):
        return {"sum": [{"reward": reward_to_spec(r), "weight": reward.weights[k], "as": k}
                        for k, r in reward.terms.items()]}
    if isinstance(reward, Gate):
        return {"gate": {"gate": reward_to_spec(reward.gate), "inner": reward_to_spec(reward.inner),
                         "threshold": reward.threshold, "otherwise": reward.otherwise}}
    if isinstance(reward, Clip):
        return {"clip": {"inner": reward_to_spec(reward.inner), "low": reward.low, "high": reward.high}}
    if isinstance(reward, Normalize):
        return {"normalize": {"inner": reward_to_spec(reward.inner), "mode": reward.mode, "center": reward.center,
                              "scale": reward.scale, "eps": reward.eps, "update": reward.update}}
    kwargs = getattr(reward, "spec_kwargs", None)
    name = getattr(reward, "name", None)
    if isinstance(name, str) and kwargs is not None:
        return {"reward": {"name": name, "kwargs": dict(kwargs)}} if kwargs else name
    raise RewardSpecError(
        f"{getattr(reward, 'display_name', reward)!r} has no spec: only registered rewards (make_reward) and "
        "WeightedSum / Gate / Normalize / Clip over them can be written as data"
    )


def describe_reward(reward: Any) -> Any:
    """A JSON-ready description: the spec when there is one, else ``{"unserializable": repr}``."""
    if reward is None:
        return None
    try:
        return reward_to_spec(reward)
    except RewardSpecError:
        return {"unserializable": repr(reward)}
