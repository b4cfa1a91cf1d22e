"""Prompts for reward synthesis, code extraction from LLM replies, and reward-reflection feedback.

- :func:`initial_messages`: the system rules (the ``compute_reward`` contract, allowed imports) and the
  task: the env's documented contract, the columns ``compute_reward`` receives, the task sentence and the
  success metric.
- :func:`extract_code`: the reward code inside a reply (the first fenced block defining ``compute_reward``,
  else the reply from its first ``import``/``def`` line).
- :func:`reflection`: Eureka-style feedback for the next round: the best candidate's fitness and the
  statistics of each reward term (on recorded rollouts and over training), plus the errors of the
  candidates that failed, so the next samples can fix them.

Example:
    >>> extract_code("Here:\\n```python\\ndef compute_reward(o, a, n, i):\\n    return [0.0], {}\\n```")
    'def compute_reward(o, a, n, i):\\n    return [0.0], {}'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from rewardgym.llm import Chat
from rewardgym.rewards.synthesized.envspec import TaskSpec
from rewardgym.rewards.synthesized.static import FUNCTION_NAME

__all__ = ["SYSTEM_PROMPT", "extract_code", "initial_messages", "reflection", "term_summary"]

SYSTEM_PROMPT = f"""You are a reward engineer for reinforcement learning. You write the reward function \
that a learning agent is trained with, as Python code.

Write exactly one function, in one ```python code block:

def {FUNCTION_NAME}(obs, action, next_obs, info):
    ...
    return total, terms

Its arguments hold a whole batch of B transitions:
- obs, next_obs, action: lists with one entry per transition (nested lists of numbers);
- info: a dict mapping each info key to a list with one value per transition (the state after the step).
It returns `total`, a list of B floats (the reward of each transition), and `terms`, a dict mapping a short \
name to a list of B floats for each component of the total, so every component can be inspected.

Rules: {{imports}}. No file, network or system access, no classes, no names starting with an underscore. \
Keep it fast and deterministic; scale the components so that the total stays roughly within [-10, 10]."""


def initial_messages(spec: TaskSpec, *, torch_available: bool = False) -> Chat:
    """The first prompt: system rules plus the environment and the task."""
    imports = (
        "you may `import math` and `import torch` (if you use torch, the arguments arrive as tensors)"
        if torch_available
        else "you may `import math` only (no other imports; plain Python lists and loops)"
    )
    columns = "\n".join(f"- {k}: {v}" for k, v in spec.columns.items())
    kwargs = ", ".join(f"{k}={v!r}" for k, v in spec.env_kwargs.items()) or "defaults"
    user = (
        f"Environment `{spec.env_id}` ({kwargs})."
        f"\n\nIts documentation:\n{spec.documentation}\n\n"
        f"What one transition looks like (the arguments of compute_reward for one row):\n{columns}\n\n"
        f"Task: {spec.task}\n"
        f"Success is measured by info[{spec.success_key!r}]. Write a dense reward that makes this task easy "
        "to learn."
    )
    return [
        {"role": "system", "content": SYSTEM_PROMPT.replace("{imports}", imports)},
        {"role": "user", "content": user},
    ]


_FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)(?:```|\Z)", re.DOTALL | re.IGNORECASE)


def extract_code(reply: str) -> str | None:
    """The reward code in an LLM reply, or None when there is no ``compute_reward`` definition."""
    blocks = [b.strip() for b in _FENCE.findall(reply)]
    for block in blocks:
        if f"def {FUNCTION_NAME}" in block:
            return block
    if f"def {FUNCTION_NAME}" not in reply:
        return None
    lines = reply.splitlines()
    start = next(
        i
        for i, ln in enumerate(lines)
        if ln.startswith(("import ", "from ", "def ")) or f"def {FUNCTION_NAME}" in ln
    )
    body: list[str] = []
    for ln in lines[start:]:
        if body and ln and not ln[0].isspace() and not ln.startswith(("import ", "from ", "def ", "#", ")")):
            break  # prose after the code
        body.append(ln)
    return "\n".join(body).strip()


def term_summary(stats: Mapping[str, Mapping[str, float]]) -> str:
    """``- name: mean m, std s, min a, max b`` lines from ``{term: {"mean", "std", "min", "max"}}``."""
    return "\n".join(
        f"- {name}: " + ", ".join(f"{k} {v:.4g}" for k, v in st.items()) for name, st in stats.items()
    )


def reflection(best: Any, failures: Sequence[Any], *, success_key: str = "success") -> str:
    """Feedback after a round: the best candidate's results and term statistics, and what failed.

    Args:
        best: the best :class:`~rewardgym.rewards.synthesized.loop.Candidate` so far (or None).
        failures: this round's candidates that failed a check or crashed, with their errors.
        success_key: name of the success metric.
    """
    parts = []
    if best is not None:
        curve = ", ".join(f"{v:.2f}" for v in best.curve) if best.curve else "n/a"
        parts.append(
            f"The best reward so far reached a success rate ({success_key}) of {best.fitness:.3f} after "
            f"training (evaluations during training: {curve}).\nIts code:\n```python\n{best.source}\n```"
        )
        if best.term_stats:
            parts.append(
                "Statistics of each reward term on recorded transitions:\n" + term_summary(best.term_stats)
            )
        if best.train_terms:
            traj = "\n".join(
                f"- {k}: " + ", ".join(f"{v:.3g}" for v in vals) for k, vals in best.train_terms.items()
            )
            parts.append("Mean of each term during training (early to late):\n" + traj)
    for cand in failures[:4]:
        parts.append(f"A candidate failed ({cand.status}): {cand.error[:600]}")
    parts.append(
        "Analyse which terms help and which do not: a term whose values barely change cannot guide "
        "learning; a term much larger than the others dominates. Write an improved reward function, as one "
        "```python block."
    )
    return "\n\n".join(parts)
