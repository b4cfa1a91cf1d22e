"""``code/exec-feedback-v0``: a process reward from execution feedback — error deltas between runs.

Every ``<run>`` in ``rewardgym/Code-v0`` records an error level: 0 = exited cleanly, 1 = failed,
2 = timed out / out of memory / killed (before the first run the level is 1). A run's reward is the drop
in error level from the previous run: ``+1`` when the code went from crashing to running, ``-1`` when it
regressed, 0 otherwise.

- :class:`~rewardgym.types.Transitions`: per step, from ``infos["prev_exec_errors"]`` and
  ``infos["exec_errors"]`` (0 for steps that are not runs).
- :class:`~rewardgym.types.Episodes`: the sum over the episode's runs, from ``transcripts``. The sum
  telescopes to (initial level - last level), i.e. it is potential-based and cannot be farmed by
  oscillating.

Dense terms like this one can be gamed without solving the task, so gate them on the outcome:
``Gate(make_reward("code/pass-rate-v0"), make_reward("code/exec-feedback-v0"), threshold=1.0)`` pays the
process reward only to episodes whose submission passes.

Example:
    >>> from rewardgym import make_reward
    >>> from rewardgym.types import Episodes
    >>> ep = Episodes(prompts=["", ""], completions=["", ""],
    ...               transcripts=[[{"kind": "run", "exec_errors": 1}, {"kind": "run", "exec_errors": 0}],
    ...                            [{"kind": "run", "exec_errors": 2}]])
    >>> make_reward("code/exec-feedback-v0")(ep).tolist()
    [1.0, -1.0]
"""

from __future__ import annotations

import torch

from rewardgym.envs.code.rewards._common import example_transitions
from rewardgym.errors import RewardComputationError
from rewardgym.rewards.base import Reward
from rewardgym.rewards.registry import register_reward
from rewardgym.types import Episodes, Transitions

__all__ = ["INITIAL_ERROR_LEVEL", "ExecFeedback"]

INITIAL_ERROR_LEVEL = 1


@register_reward("code/exec-feedback-v0", example=example_transitions)
class ExecFeedback(Reward):
    """Drop in execution error level between consecutive runs (per step, or summed per episode)."""

    def score(self, batch: Transitions | Episodes) -> torch.Tensor:
        if isinstance(batch, Transitions):
            kinds = batch.infos.get("kind")
            if kinds is None:
                raise RewardComputationError(
                    "code/exec-feedback-v0 needs infos['kind'], infos['exec_errors'] and "
                    "infos['prev_exec_errors'] (transitions from rewardgym/Code-v0)"
                )
            delta = batch.info("prev_exec_errors") - batch.info("exec_errors")
            is_run = torch.tensor([k == "run" for k in kinds], dtype=torch.bool, device=delta.device)
            return torch.where(is_run, delta, torch.zeros_like(delta))
        if batch.transcripts is None:
            raise RewardComputationError(
                "code/exec-feedback-v0 scores Episodes from their transcripts (a list of turns per episode, "
                "each {'kind': 'run', 'exec_errors': n}); this batch has none"
            )
        values = []
        for turns in batch.transcripts:
            prev, total = INITIAL_ERROR_LEVEL, 0.0
            for turn in turns or []:
                if isinstance(turn, dict) and turn.get("kind") == "run":
                    level = int(turn.get("exec_errors", prev))
                    total += prev - level
                    prev = level
            values.append(total)
        return torch.tensor(values, dtype=torch.float32)
