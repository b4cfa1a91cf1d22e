"""Reward function base classes: every reward scores a whole batch at once.

- :class:`Reward`: the common base. Subclasses implement :meth:`Reward.score` (or :meth:`Reward.evaluate`
  for composites); calling the reward validates the input and the output, and turns any exception into a
  :class:`~rewardgym.errors.RewardComputationError` naming the reward. A failure is never a silent 0.
- :class:`RewardFn`: scores :class:`~rewardgym.types.Transitions` (per-step rewards).
- :class:`EpisodeRewardFn`: scores :class:`~rewardgym.types.Episodes` (outcome rewards).
- :class:`FunctionReward` / :func:`reward_fn`: turn a plain ``batch -> tensor`` function into a reward.

Example:
    >>> import torch
    >>> from rewardgym.types import Transitions
    >>> class Alive(RewardFn):
    ...     '''+1 for every step that did not terminate.'''
    ...     def score(self, batch):
    ...         return (~batch.terminated).float()
    >>> batch = Transitions.from_rows(obs=[0, 0], action=[0, 1], next_obs=[0, 0], terminated=[False, True])
    >>> Alive()(batch).tolist()
    [1.0, 0.0]
    >>> Alive().breakdown(batch)["total"].tolist()
    [1.0, 0.0]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar

import torch

from rewardgym.errors import RewardComputationError, RewardGymError
from rewardgym.types import Episodes, Transitions

__all__ = [
    "EpisodeRewardFn",
    "FunctionReward",
    "Reward",
    "RewardFn",
    "as_reward",
    "reward_fn",
    "scores_episodes",
    "scores_steps",
]


class Reward:
    """Base of all rewards. A reward maps a batch of ``B`` rows to a float32 tensor of shape ``(B,)``.

    Class attributes describe the contract that :func:`rewardgym.testing.check_reward_fn` verifies:

    Attributes:
        name: the name used in breakdowns and logs (the registry sets it to the registered name).
        batch_type: the batch class this reward scores (``Transitions`` or ``Episodes``); None = either.
        may_return_nan: whether NaN ("not applicable") is a documented output.
        row_independent: whether row i's reward depends only on row i (False for batch/group
            normalisation or for rewards that compare rows); the batch-vs-row check is skipped when False.
        stateful: whether calling the reward changes internal state (running statistics, online learning);
            the determinism check is skipped when True.
        mixed: a composite of per-step and episode terms: on ``Transitions`` it scores its step terms (and
            the terms that score either batch), on ``Episodes`` its episode terms;
            :func:`rewardgym.wrap` adds both on the step that ends an episode.
    """

    name: str = ""
    batch_type: ClassVar[type | None] = None
    may_return_nan: bool = False
    row_independent: bool = True
    stateful: bool = False
    mixed: bool = False

    def score(self, batch: Any) -> torch.Tensor:
        """Compute the (B,) reward. Implement this in simple rewards."""
        raise NotImplementedError(f"{type(self).__name__} must implement score() or evaluate()")

    def evaluate(self, batch: Any) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Return ``(total, terms)``: the reward and every named term it is made of.

        Composites override this so that the total and the breakdown come from one computation.
        """
        value = self.score(batch)
        return value, {self.display_name: value}

    @property
    def display_name(self) -> str:
        """Name shown in breakdowns: the registered name, or the class name."""
        return self.name or type(self).__name__

    def _check_input(self, batch: Any) -> None:
        expected = self.batch_type
        if expected is not None and not isinstance(batch, expected):
            raise RewardComputationError(
                f"reward {self.display_name!r} scores {expected.__name__} batches, got {type(batch).__name__}"
            )
        if not isinstance(batch, (Transitions, Episodes)):
            raise RewardComputationError(
                f"reward {self.display_name!r} expects a rewardgym.types.Transitions or Episodes batch, "
                f"got {type(batch).__name__}"
            )

    def _check_output(self, value: Any, batch: Any) -> torch.Tensor:
        n = len(batch)
        if not isinstance(value, torch.Tensor):
            raise RewardComputationError(
                f"reward {self.display_name!r} returned {type(value).__name__}; expected a torch.Tensor of shape ({n},)"
            )
        if value.shape != (n,):
            raise RewardComputationError(
                f"reward {self.display_name!r} returned shape {tuple(value.shape)}; expected ({n},)"
            )
        if value.dtype != torch.float32:
            raise RewardComputationError(
                f"reward {self.display_name!r} returned dtype {value.dtype}; rewards return float32 "
                "(convert with .float() or build the tensor with dtype=torch.float32)"
            )
        return value

    def _check_no_nan(self, value: torch.Tensor, terms: dict[str, torch.Tensor]) -> None:
        """Raise if ``value`` has ±inf, or NaN although this reward does not document NaN outputs; the message
        names the terms where the bad values come from.

        One reduction in the common case: the sum is finite only when every value is.
        """
        if not value.numel():
            return
        if self.may_return_nan:
            if bool(torch.isinf(value).any()):
                self._raise_bad(value, terms, torch.isinf(value), "±inf")
            return
        if math.isfinite(float(value.sum())):
            return
        if bool(torch.isinf(value).any()):
            self._raise_bad(value, terms, torch.isinf(value), "±inf")
        if bool(torch.isnan(value).any()):
            self._raise_bad(value, terms, torch.isnan(value), "NaN", " but does not document NaN outputs")

    def _raise_bad(
        self, value: torch.Tensor, terms: dict[str, torch.Tensor], bad: torch.Tensor, what: str, why: str = ""
    ) -> None:
        rows = torch.nonzero(bad).flatten()
        check = torch.isinf if what == "±inf" else torch.isnan
        culprits = [
            k for k, v in terms.items() if v.shape == value.shape and k != "total" and bool(check(v[rows]).any())
        ]
        named = f"; {what} in terms {culprits}" if culprits and culprits != [self.display_name] else ""
        raise RewardComputationError(
            f"reward {self.display_name!r} returned {what} for rows {rows.tolist()[:10]}{why}{named}"
        )

    def _run(self, batch: Any, *, check_nan: bool = True) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Validate, evaluate, validate. ``check_nan=False`` leaves the NaN check to a caller whose own
        checked total contains this reward's total (a NaN-free :class:`WeightedSum` checks its terms at once)."""
        self._check_input(batch)
        try:
            total, terms = self.evaluate(batch)
        except RewardGymError:
            raise
        except Exception as exc:
            raise RewardComputationError(
                f"reward {self.display_name!r} failed on a batch of {len(batch)}: {type(exc).__name__}: {exc}"
            ) from exc
        total = self._check_output(total, batch)
        if check_nan:
            self._check_no_nan(total, terms)
        return total, terms

    def __call__(self, batch: Any) -> torch.Tensor:
        """Score ``batch``; returns float32 (B,) on the batch's device."""
        return self._run(batch)[0]

    def breakdown(self, batch: Any) -> dict[str, torch.Tensor]:
        """Every term's value plus ``"total"`` — for logging each component."""
        total, terms = self._run(batch)
        return {**terms, "total": total}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.display_name!r})"


class RewardFn(Reward):
    """A per-step reward over :class:`~rewardgym.types.Transitions`."""

    batch_type: ClassVar[type | None] = Transitions


class EpisodeRewardFn(Reward):
    """An outcome reward over :class:`~rewardgym.types.Episodes`."""

    batch_type: ClassVar[type | None] = Episodes


class FunctionReward(Reward):
    """Wrap a plain function ``fn(batch) -> Tensor (B,)`` as a reward.

    Example:
        >>> r = FunctionReward(lambda b: b.env_reward * 2, name="double")
        >>> from rewardgym.types import Transitions
        >>> r(Transitions.from_rows(obs=[0], action=[0], next_obs=[0], env_reward=[1.5])).tolist()
        [3.0]
    """

    def __init__(
        self,
        fn: Callable[[Any], torch.Tensor],
        *,
        name: str = "",
        batch_type: type | None = None,
        may_return_nan: bool = False,
        row_independent: bool = True,
    ) -> None:
        self.fn = fn
        self.name = name or getattr(fn, "__name__", "function")
        self.batch_type = batch_type  # type: ignore[misc]
        self.may_return_nan = may_return_nan
        self.row_independent = row_independent
        self.__doc__ = fn.__doc__ or self.__doc__

    def score(self, batch: Any) -> torch.Tensor:
        return self.fn(batch)


def reward_fn(fn: Callable[[Any], torch.Tensor] | None = None, **options: Any) -> Any:
    """Decorator form of :class:`FunctionReward`: ``@reward_fn`` or ``@reward_fn(may_return_nan=True)``."""
    if fn is None:
        return lambda f: FunctionReward(f, **options)
    return FunctionReward(fn, **options)


def as_reward(obj: Any) -> Reward:
    """Coerce a :class:`Reward` or a plain callable into a :class:`Reward`."""
    if isinstance(obj, Reward):
        return obj
    if callable(obj):
        return FunctionReward(obj)
    raise RewardComputationError(f"expected a Reward or a callable batch -> tensor, got {type(obj).__name__}")


def scores_steps(reward: Reward) -> bool:
    """Whether ``reward`` has something to score on per-step ``Transitions`` (everything but a pure
    episode reward)."""
    return reward.batch_type is not Episodes


def scores_episodes(reward: Reward) -> bool:
    """Whether ``reward`` scores finished episodes (an :class:`EpisodeRewardFn`, a composite of them, or a
    mixed composite); :func:`rewardgym.wrap` scores it on the env's ``episode()`` when an episode ends."""
    return reward.batch_type is Episodes or reward.mixed


def applies_to(reward: Reward, batch: Any) -> bool:
    """Whether a term of a mixed composite is scored on ``batch``: episode terms on ``Episodes``, every
    other term (per-step, or either batch) on ``Transitions``."""
    if isinstance(batch, Episodes):
        return scores_episodes(reward)
    return scores_steps(reward)
