"""TRL adapter: any rewardgym reward as a ``reward_funcs`` entry of TRL's ``GRPOTrainer`` (or ``RLOOTrainer``).

TRL calls each reward function once per generation batch with keyword arguments ``prompts``, ``completions``,
``completion_ids``, every other dataset column (one value per row), plus ``trainer_state``, ``log_extra`` and
``log_metric``. :func:`trl_reward` turns a rewardgym reward (a registered name, a spec dict, or a
:class:`~rewardgym.rewards.base.Reward` — step or episode, composite or not) into such a function that:

- builds ONE batch of all B rows and scores it in ONE call (see :mod:`rewardgym.adapters._text` for how rows
  become :class:`~rewardgym.types.Episodes` or single-step :class:`~rewardgym.types.Transitions`; dataset
  columns become ``infos``, rows of the same prompt share a ``group_id``);
- returns one float per row, ``None`` where the reward is NaN ("not applicable": TRL then leaves that reward
  out of the row's sum, as it documents);
- logs every term of the reward's breakdown through TRL's ``log_metric`` hook as
  ``rewards/<name>/<term>`` (the batch mean, NaN rows left out), next to TRL's own ``rewards/<name>/mean``;
  the last breakdown is also kept on :attr:`TRLReward.last_terms`.

TRL itself is not imported here: the callable only follows its calling convention, so this module costs
nothing to import. Install the trainer with ``pip install "rewardgym[trl]"``.

Example:
    >>> import torch
    >>> from rewardgym import WeightedSum, make_reward, reward_fn
    >>> from rewardgym.adapters.trl import trl_reward
    >>> @reward_fn(name="matches")
    ... def matches(batch):  # a dataset column arrives as batch.infos["answer"]
    ...     return torch.tensor([float(c.strip() == a) for c, a in zip(batch.completions, batch.infos["answer"])])
    >>> reward = WeightedSum({"matches": matches, "format": make_reward("code/format-v0")}, weights={"format": 0.0})
    >>> fn = trl_reward(reward, name="answer")
    >>> fn(prompts=["1+2?", "1+2?"], completions=["3", "four"], answer=["3", "3"])
    [1.0, 0.0]
    >>> {k: v.tolist() for k, v in fn.last_terms.items()}
    {'matches': [1.0, 0.0], 'format': [1.0, 1.0]}

    With TRL (a sketch; ``model`` and ``dataset`` are yours)::

        from trl import GRPOConfig, GRPOTrainer
        trainer = GRPOTrainer(model=model, reward_funcs=[trl_reward("code/pass-rate-v0")],
                              args=GRPOConfig(...), train_dataset=dataset)  # columns: prompt, tests, entry_point
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch

from rewardgym.adapters._text import resolve_reward, score_text_rows
from rewardgym.rewards.base import Reward

__all__ = ["TRLReward", "trl_reward"]

#: Keyword arguments TRL adds next to the dataset columns; they are not reward inputs.
TRL_RESERVED = frozenset({"trainer_state", "log_extra", "log_metric", "environments", "completion_ids"})


class TRLReward:
    """A rewardgym reward behind TRL's reward-function signature (build it with :func:`trl_reward`).

    Attributes:
        reward: the rewardgym reward being scored.
        __name__: the name TRL logs this reward under (``rewards/<name>/mean``).
        columns: dataset columns passed on as ``infos`` (None: every column TRL passes).
        log_terms: whether each breakdown term is logged through TRL's ``log_metric``.
        last_terms: ``{term: (B,) tensor}`` of the last call (the breakdown without ``"total"``).
        calls: how many batches were scored.
    """

    def __init__(
        self, reward: Reward, *, name: str, columns: Sequence[str] | None = None, log_terms: bool = True
    ) -> None:
        self.reward = reward
        self.__name__ = name
        self.columns = None if columns is None else tuple(columns)
        self.log_terms = log_terms
        self.last_terms: dict[str, torch.Tensor] = {}
        self.calls = 0

    def __call__(
        self, prompts: Sequence[Any], completions: Sequence[Any], completion_ids: Any = None, **kwargs: Any
    ) -> list[float | None]:
        """Score a TRL batch: one reward per completion, ``None`` where the reward is NaN."""
        log_metric: Callable[[str, float], None] | None = kwargs.get("log_metric")
        names = self.columns if self.columns is not None else [k for k in kwargs if k not in TRL_RESERVED]
        columns = {k: kwargs[k] for k in names if k in kwargs}
        total, terms = score_text_rows(self.reward, prompts, completions, columns=columns)
        self.calls += 1
        self.last_terms = terms
        if self.log_terms and log_metric is not None:
            for term, values in terms.items():
                mean = float(torch.nanmean(values.float())) if values.numel() else math.nan
                if not math.isnan(mean):
                    log_metric(f"rewards/{self.__name__}/{term}", mean)
        return [None if math.isnan(v) else v for v in total.tolist()]

    def __repr__(self) -> str:
        return f"TRLReward({self.reward!r}, name={self.__name__!r})"


def trl_reward(
    reward: Any, *, name: str | None = None, columns: Sequence[str] | None = None, log_terms: bool = True
) -> TRLReward:
    """Wrap a rewardgym reward as a TRL ``reward_funcs`` callable (see the module docstring).

    Args:
        reward: a registered reward name, a spec dict (``{"sum": {...}}``), a
            :class:`~rewardgym.rewards.base.Reward`, or a ``batch -> tensor`` callable.
        name: the name TRL logs it under (default: the reward's name).
        columns: dataset columns to pass on as ``infos`` (default: every column TRL passes).
        log_terms: log each breakdown term through TRL's ``log_metric`` hook.

    Returns:
        a :class:`TRLReward`, callable as ``f(prompts=..., completions=..., **columns) -> list[float | None]``.

    Raises:
        UnknownRewardError: an unregistered name.
        RewardSpecError: a malformed spec.

    Example:
        >>> f = trl_reward("code/format-v0")
        >>> f.__name__, f(prompts=["p"], completions=[[{"role": "assistant", "content": "x = 1"}]])
        ('code/format-v0', [1.0])
    """
    built = resolve_reward(reward)
    return TRLReward(built, name=name or built.display_name, columns=columns, log_terms=log_terms)
