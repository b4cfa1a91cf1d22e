"""Reading the dialogue envs' info columns (JSON strings, text) out of a batch, with clear errors."""

from __future__ import annotations

import json
from typing import Any

from rewardgym.errors import RewardComputationError

__all__ = ["json_column", "text_column"]


def text_column(batch: Any, key: str, reward: str) -> list[str]:
    """``batch.infos[key]`` as one string per row ("" for missing values)."""
    infos = batch.infos
    if key not in infos:
        raise RewardComputationError(
            f"{reward} needs infos[{key!r}] from a dialogue env, but the batch's infos only have "
            f"{sorted(infos)}; "
            "collect the batch with rewardgym.envs.dialogue.rollout (or from the env's step infos)"
        )
    column = infos[key]
    if hasattr(column, "tolist"):
        column = column.tolist()
    if len(column) != len(batch):
        raise RewardComputationError(
            f"{reward}: infos[{key!r}] has {len(column)} rows, the batch {len(batch)}"
        )
    return ["" if v is None else str(v) for v in column]


def json_column(batch: Any, key: str, reward: str) -> list[Any]:
    """``batch.infos[key]`` parsed as JSON per row (None where the value is empty)."""
    out: list[Any] = []
    for i, raw in enumerate(text_column(batch, key, reward)):
        if not raw:
            out.append(None)
            continue
        try:
            out.append(json.loads(raw))
        except ValueError as exc:
            raise RewardComputationError(
                f"{reward}: infos[{key!r}] of row {i} is not valid JSON: {raw[:80]!r}"
            ) from exc
    return out
