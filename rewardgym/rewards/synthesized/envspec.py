"""What the reward designer (an LLM) is told about an environment: :class:`TaskSpec`, :func:`describe_env`.

The description comes from the environment itself, not from its reward code: the env module's documented
observation / action / ``info`` contract (its docstring, examples removed) and the columns of a short
seeded rollout (name, shape, dtype, a sample value), so the LLM sees exactly what ``compute_reward``
receives. :data:`DEFAULT_TASKS` holds a task sentence for the built-in envs.

Example:
    >>> spec = describe_env("rewardgym/Maze-v0", env_kwargs={"size": 7})
    >>> spec.success_key, "info['distance']" in spec.columns
    ('success', True)
    >>> "info contract" in spec.documentation
    True
"""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass, field
from typing import Any

import torch

from rewardgym.errors import EnvConfigError

__all__ = ["DEFAULT_TASKS", "TaskSpec", "describe_env"]

DEFAULT_TASKS: dict[str, str] = {
    "rewardgym/Maze-v0": "Move the agent through the maze to the goal cell as quickly as possible.",
    "rewardgym/Reach-v0": "Move the arm's fingertip to the target position and keep it there.",
    "rewardgym/Push-v0": "Push the puck onto the goal position with the arm.",
}
"""A one-sentence task for each built-in env (``--task`` overrides it)."""


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


def _strip_examples(doc: str) -> str:
    return re.split(r"\n\s*Example[s]?:\s*\n", doc, maxsplit=1)[0].strip()


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
    success_key: str = "success",
    max_doc_chars: int = 4000,
) -> TaskSpec:
    """Build the :class:`TaskSpec` of ``env_id`` from its docstring and a 16-step seeded rollout.

    Raises:
        EnvConfigError: unknown env id or no task given for an env without a default task.
    """
    import gymnasium as gym

    from rewardgym.rollout import collect_transitions

    try:
        spec = gym.spec(env_id)
    except gym.error.Error as exc:
        raise EnvConfigError(f"unknown env id {env_id!r}: {exc}") from exc
    task = task or DEFAULT_TASKS.get(env_id)
    if not task:
        raise EnvConfigError(f"no default task for {env_id!r}; describe it with task='...'")
    doc = ""
    if isinstance(spec.entry_point, str):
        module = importlib.import_module(spec.entry_point.split(":")[0])
        doc = inspect.getdoc(module) or ""
        cls = getattr(module, spec.entry_point.split(":")[1], None)
        if len(doc) < 200 and cls is not None:
            doc = inspect.getdoc(cls) or doc
    doc = _strip_examples(doc)
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
