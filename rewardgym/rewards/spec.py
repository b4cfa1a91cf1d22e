"""Build rewards from plain data: a name, a dict, or a YAML file.

Grammar (every nested ``SPEC`` is again one of these):

- ``"maze/goal-v0"`` — a registered name.
- ``{"reward": "maze/step-cost-v0", "kwargs": {"cost": 0.05}}`` — a registered name with factory kwargs.
- ``{"sum": {SPEC_OR_NAME: weight, ...}}`` or ``{"sum": [{"reward": SPEC, "weight": w, "as": name}, ...]}``
- ``{"gate": {"gate": SPEC, "inner": SPEC, "threshold": 0.5, "otherwise": 0.0}}``
- ``{"normalize": {"inner": SPEC, "mode": "running", "center": true, "scale": true}}``
- ``{"clip": {"inner": SPEC, "low": -1, "high": 1}}``

Example:
    >>> import rewardgym
    >>> r = build_reward({"sum": {"maze/goal-v0": 1.0, "maze/distance-potential-v0": 0.1}})
    >>> sorted(r.weights.items())
    [('maze/distance-potential-v0', 0.1), ('maze/goal-v0', 1.0)]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rewardgym.errors import RewardGymError, RewardSpecError
from rewardgym.rewards.base import Reward, as_reward
from rewardgym.rewards.compose import Clip, Gate, Normalize, WeightedSum
from rewardgym.rewards.registry import make_reward

__all__ = ["build_reward", "load_reward_spec"]

_OPERATORS = ("reward", "sum", "gate", "normalize", "clip")


def _fields(node: Any, op: str, required: tuple[str, ...], optional: tuple[str, ...], path: str) -> dict:
    if not isinstance(node, Mapping):
        raise RewardSpecError(f"{path}: '{op}' takes a mapping, got {type(node).__name__}")
    unknown = set(node) - set(required) - set(optional)
    if unknown:
        raise RewardSpecError(
            f"{path}: unknown key(s) {sorted(unknown)} for '{op}'; expected {list(required + optional)}"
        )
    missing = [k for k in required if k not in node]
    if missing:
        raise RewardSpecError(f"{path}: '{op}' is missing {missing}")
    return dict(node)


def _sum_terms(node: Any, path: str) -> tuple[dict[str, Reward], dict[str, float]]:
    terms: dict[str, Reward] = {}
    weights: dict[str, float] = {}
    if isinstance(node, Mapping):
        entries = [{"reward": k, "weight": w} for k, w in node.items()]
    elif isinstance(node, list):
        entries = node
    else:
        raise RewardSpecError(f"{path}: 'sum' takes {{name: weight}} or a list of terms, got {type(node).__name__}")
    for i, entry in enumerate(entries):
        p = f"{path}.sum[{i}]"
        entry = _fields(entry, "sum term", ("reward",), ("weight", "as"), p)
        reward = build_reward(entry["reward"], _path=p)
        key = str(entry.get("as") or reward.display_name)
        if key in terms:
            raise RewardSpecError(f"{p}: duplicate term name {key!r}; give one of them an 'as' name")
        weight = entry.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight):
            raise RewardSpecError(f"{p}: weight for {key!r} must be a finite number, got {weight!r}")
        terms[key], weights[key] = reward, float(weight)
    return terms, weights


def build_reward(spec: Any, *, _path: str = "spec") -> Reward:
    """Build a reward from a name, a :class:`Reward`, a callable, or a dict spec (see module docstring).

    Raises:
        RewardSpecError: malformed spec — the message gives the path to the bad node and what was expected.
        UnknownRewardError: a name that is not registered (with close matches).
    """
    if isinstance(spec, str):
        return make_reward(spec)
    if isinstance(spec, Reward) or (callable(spec) and not isinstance(spec, Mapping)):
        return as_reward(spec)
    if not isinstance(spec, Mapping) or len(spec) != 1:
        raise RewardSpecError(
            f"{_path}: expected a reward name or a mapping with exactly one of {list(_OPERATORS)}, got {spec!r}"
        )
    ((op, node),) = spec.items()
    p = f"{_path}.{op}"
    try:
        if op == "reward":
            if isinstance(node, str):
                return make_reward(node)
            f = _fields(node, op, ("name",), ("kwargs",), p)
            return make_reward(f["name"], **dict(f.get("kwargs") or {}))
        if op == "sum":
            terms, weights = _sum_terms(node, _path)
            return WeightedSum(terms, weights)
        if op == "gate":
            f = _fields(node, op, ("gate", "inner"), ("threshold", "otherwise"), p)
            return Gate(
                build_reward(f.pop("gate"), _path=f"{p}.gate"),
                build_reward(f.pop("inner"), _path=f"{p}.inner"),
                **f,
            )
        if op == "normalize":
            f = _fields(node, op, ("inner",), ("mode", "center", "scale", "eps", "update"), p)
            return Normalize(build_reward(f.pop("inner"), _path=f"{p}.inner"), **f)
        if op == "clip":
            f = _fields(node, op, ("inner",), ("low", "high"), p)
            return Clip(build_reward(f.pop("inner"), _path=f"{p}.inner"), **f)
    except RewardGymError:
        raise
    except (TypeError, ValueError) as exc:
        raise RewardSpecError(f"{p}: {exc}") from exc
    raise RewardSpecError(f"{_path}: unknown operator {op!r}; expected one of {list(_OPERATORS)}")


def load_reward_spec(path: str | Path) -> Reward:
    """Build a reward from a YAML (or JSON) file holding a spec."""
    import yaml

    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise RewardSpecError(f"cannot read reward spec {p}: {exc}") from exc
    return build_reward(data, _path=p.name)
