"""What the reward designer (an LLM) is told about an environment: :class:`TaskSpec`, :func:`describe_env`.

The description comes from the environment's family declaration (:mod:`rewardgym.family`), not from its
reward code or docstrings: the env's one-line summary, its observation and action spaces, its declared
``info`` contract (names, dtypes, shapes, meaning) and the columns of a short seeded rollout (name, shape,
dtype, a sample value), so the LLM sees exactly what ``compute_reward`` receives. The task sentence is
the one the family declares (:func:`default_tasks`), unless the caller gives one.

Example:
    >>> spec = describe_env("rewardgym/Maze-v0", env_kwargs={"size": 7})
    >>> spec.success_key, "info['distance']" in spec.columns
    ('success', True)
    >>> "info contract" in spec.documentation
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from rewardgym.errors import EnvConfigError

__all__ = ["DEFAULT_TASKS", "TaskSpec", "default_tasks", "describe_env", "env_documentation"]


def default_tasks() -> dict[str, str]:
    """``{env id: task sentence}`` of every Gymnasium env whose family declares one (``--task`` overrides it)."""
    from rewardgym.family import all_envs

    return {i: e.task for i, e in all_envs("gymnasium").items() if e.task}


DEFAULT_TASKS: dict[str, str] = default_tasks()
"""The declared task sentences when this module was imported (:func:`default_tasks` re-reads them)."""


@dataclass
class TaskSpec:
    """The environment and task a reward is synthesized for.

    Attributes:
        env_id: the Gymnasium id.
        task: what the agent should achieve, in words.
        env_kwargs: ``gymnasium.make`` kwargs.
        documentation: the env's documented spaces and ``info`` contract.
        columns: ``{column: "shape dtype, e.g. value"}`` of ``obs``, ``action``, ``next_obs`` and each
            ``info['key']``, as one transition shows them.
        success_key: the ``info`` flag that is the task's success metric.
    """

    env_id: str
    task: str
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    documentation: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    success_key: str = "success"


def env_documentation(env_id: str, env: Any = None) -> str:
    """What the reward designer reads about ``env_id``: summary, spaces and the declared ``info`` contract.

    Raises:
        FamilyError: no family declares ``env_id``.
    """
    from rewardgym.family import env_entry

    entry = env_entry(env_id)
    lines = [f"{env_id}: {entry.doc}"]
    if env is not None:
        lines += [f"observation space: {env.observation_space}", f"action space: {env.action_space}"]
    lines += [f"{what}: {text}" for what, text in (("observation", entry.observation), ("action", entry.action))
              if text]
    if entry.info:
        lines.append("info contract (every reset and step; rewards read these as batch.infos columns):")
        lines += [f"- {f.describe()}" for f in entry.info]
    if entry.success_key:
        lines.append(f"success flag: info[{entry.success_key!r}]")
    return "\n".join(lines)


def _describe_value(value: Any) -> str:
    t = torch.as_tensor(value) if not isinstance(value, str) else None
    if t is None:
        return f"str, e.g. {value[:40]!r}"
    shape = "scalar" if t.dim() == 0 else f"shape {tuple(t.shape)}"
    flat = t.reshape(-1)[:6].tolist()
    if t.is_floating_point():
        flat = [round(v, 4) for v in flat]
    sample = flat[0] if t.dim() == 0 else flat
    more = ", ..." if t.numel() > 6 else ""
    return f"{shape} {str(t.dtype).replace('torch.', '')}, e.g. {sample}{more}"


def describe_env(
    env_id: str,
    task: str | None = None,
    *,
    env_kwargs: dict[str, Any] | None = None,
    success_key: str | None = None,
    max_doc_chars: int = 4000,
) -> TaskSpec:
    """Build the :class:`TaskSpec` of ``env_id`` from its family declaration and a 16-step seeded rollout.

    Args:
        env_id: a Gymnasium id some family declares.
        task: the task sentence (default: the one the family declares).
        env_kwargs: ``gymnasium.make`` kwargs.
        success_key: the ``info`` success flag (default: the family's ``success_key``).
        max_doc_chars: cut the documentation to this length.

    Raises:
        EnvConfigError: unknown env id (with close matches) or no task given for an env without a default.
    """
    import gymnasium as gym

    from rewardgym.family import all_envs, suggest
    from rewardgym.rollout import collect_transitions

    entry = all_envs("gymnasium").get(env_id)
    if entry is None:
        raise EnvConfigError(f"unknown env id {env_id!r}{suggest(env_id, all_envs('gymnasium'))}")
    task = task or entry.task
    if not task:
        raise EnvConfigError(f"no default task for {env_id!r}; describe it with task='...'")
    success_key = success_key or entry.success_key or "success"
    env = gym.make(env_id, **dict(env_kwargs or {}))
    try:
        doc = env_documentation(env_id, env)
    finally:
        env.close()
    if len(doc) > max_doc_chars:
        doc = doc[:max_doc_chars].rsplit("\n", 1)[0] + "\n[...]"
    batch = collect_transitions(env_id, 16, seed=0, env_kwargs=dict(env_kwargs or {}))
    columns: dict[str, str] = {}
    for name in ("obs", "action", "next_obs"):
        value = getattr(batch, name)
        columns[name] = _describe_value(value[0]) if not isinstance(value, dict) else "dict observation"
    for key, value in sorted((batch.infos or {}).items()):
        if not key.startswith("_"):
            try:
                columns[f"info[{key!r}]"] = _describe_value(value[0])
            except (TypeError, ValueError, RuntimeError):
                continue
    if success_key not in batch.infos:
        raise EnvConfigError(f"{env_id} reports no info[{success_key!r}]; pass the success flag's key")
    return TaskSpec(env_id, task, dict(env_kwargs or {}), doc, columns, success_key)
