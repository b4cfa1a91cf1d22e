"""Shared by the LLM-trainer adapters: turn finished single-turn (or chat) rollouts into one rewardgym batch.

A trainer hands over B rollouts (prompt, completion, per-row columns such as the dataset's ``answer`` or
``tests``). They become ONE batch for the reward:

- an :class:`~rewardgym.rewards.base.EpisodeRewardFn` (or any reward that takes either kind) gets
  :class:`~rewardgym.types.Episodes`: ``prompts`` / ``completions`` as text, the columns as ``infos``, the chat
  messages (when the trainer speaks chat) as ``transcripts``, and ``group_ids`` shared by rows of the same prompt;
- a :class:`~rewardgym.rewards.base.RewardFn` gets :class:`~rewardgym.types.Transitions` of one terminal step
  per rollout: ``obs`` = the prompt, ``action`` = ``next_obs`` = the completion, ``env_reward`` 0,
  ``terminated`` True, the columns as ``infos``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

from rewardgym.errors import RewardComputationError
from rewardgym.rewards.base import Reward
from rewardgym.rewards.spec import build_reward
from rewardgym.types import Episodes, Transitions, stack_rows

__all__ = ["as_text", "group_ids_of", "resolve_reward", "score_text_rows", "text_batch"]


def resolve_reward(reward: Any) -> Reward:
    """A :class:`Reward` from a registered name, a spec dict, a reward or a ``batch -> tensor`` callable."""
    return build_reward(reward)


def _content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):  # multimodal parts: [{"type": "text", "text": ...}, ...]
        parts = [p.get("text", "") if isinstance(p, Mapping) else str(p) for p in content]
        return "".join(p for p in parts if p)
    return str(content)


def _role(message: Any) -> str | None:
    return message.get("role") if isinstance(message, Mapping) else getattr(message, "role", None)


def _content(message: Any) -> Any:
    return message.get("content") if isinstance(message, Mapping) else getattr(message, "content", None)


def as_text(value: Any, *, role: str) -> str:
    """The text of a plain string, or of the last ``role`` message of a chat (list of messages).

    Example:
        >>> as_text([{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}], role="assistant")
        '4'
        >>> as_text("plain", role="user")
        'plain'
    """
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence) and value and all(_role(m) is not None for m in value):
        for message in reversed(value):
            if _role(message) == role:
                return _content_text(_content(message))
        return _content_text(_content(value[-1]))
    raise RewardComputationError(
        f"expected a string or a list of chat messages ({{'role': ..., 'content': ...}}), got {type(value).__name__}"
    )


def _messages(value: Any, role: str) -> list[Any]:
    return [{"role": role, "content": value}] if isinstance(value, str) else list(value)


def group_ids_of(prompts: Sequence[Any]) -> list[int]:
    """One id per distinct prompt, in order of first appearance (rows sampled for one prompt share an id)."""
    ids: dict[str, int] = {}
    return [ids.setdefault(p if isinstance(p, str) else repr(p), len(ids)) for p in prompts]


def text_batch(
    reward: Reward,
    prompts: Sequence[Any],
    completions: Sequence[Any],
    *,
    columns: Mapping[str, Sequence[Any]] | None = None,
    group_ids: Sequence[int] | None = None,
    transcripts: Sequence[Any] | None = None,
) -> Transitions | Episodes:
    """One batch of ``len(prompts)`` rows, of the kind ``reward`` scores (see the module docstring)."""
    n = len(prompts)
    if len(completions) != n:
        raise RewardComputationError(f"got {n} prompts but {len(completions)} completions; expected one each")
    columns = dict(columns or {})
    for key, values in columns.items():
        if len(values) != n:
            raise RewardComputationError(f"column {key!r} has {len(values)} values; expected one per row ({n})")
    prompt_text = [as_text(p, role="user") for p in prompts]
    completion_text = [as_text(c, role="assistant") for c in completions]
    infos = {k: stack_rows(list(v)) for k, v in columns.items()}
    gids = torch.as_tensor(group_ids_of(prompts) if group_ids is None else list(group_ids), dtype=torch.int64)
    if reward.batch_type is Transitions:
        return Transitions(
            obs=prompt_text,
            action=completion_text,
            next_obs=list(completion_text),
            env_reward=torch.zeros(n),
            terminated=torch.ones(n, dtype=torch.bool),
            truncated=torch.zeros(n, dtype=torch.bool),
            infos=infos,
            group_ids=gids,
        )
    if transcripts is not None:
        transcripts = list(transcripts)
    elif any(not isinstance(c, str) for c in completions):  # chat: keep every message of each conversation
        transcripts = [_messages(p, "user") + _messages(c, "assistant") for p, c in zip(prompts, completions)]
    return Episodes(
        prompts=prompt_text, completions=completion_text, infos=infos, group_ids=gids, transcripts=transcripts
    )


def score_text_rows(
    reward: Reward,
    prompts: Sequence[Any],
    completions: Sequence[Any],
    *,
    columns: Mapping[str, Sequence[Any]] | None = None,
    group_ids: Sequence[int] | None = None,
    transcripts: Sequence[Any] | None = None,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Score every row in one call: ``(total (B,), {term: (B,)})`` (the reward's breakdown, without "total")."""
    batch = text_batch(reward, prompts, completions, columns=columns, group_ids=group_ids, transcripts=transcripts)
    terms = reward.breakdown(batch)
    total = terms.pop("total")
    return total, terms
