"""Composite rewards: :class:`WeightedSum`, :class:`Gate`, :class:`Normalize`, :class:`Clip`.

Every composite is itself a :class:`~rewardgym.rewards.base.Reward`, so composites nest, and each exposes
``breakdown(batch)`` with every term's value (nested terms as ``"outer/inner"``) plus ``"total"``.
Potential-based shaping lives in :mod:`rewardgym.rewards.shaping` and is re-exported here.

Example:
    >>> import torch
    >>> from rewardgym.rewards.base import FunctionReward
    >>> from rewardgym.types import Transitions
    >>> batch = Transitions.from_rows(obs=[0, 0], action=[0, 1], next_obs=[0, 0], env_reward=[1.0, -2.0])
    >>> env = FunctionReward(lambda b: b.env_reward, name="env")
    >>> steps = FunctionReward(lambda b: torch.full((len(b),), -0.1), name="step")
    >>> total = WeightedSum({"env": env, "step": steps, "raw": env}, weights={"env": 1.0, "step": 1.0, "raw": 0.0})
    >>> [round(x, 3) for x in total(batch).tolist()]
    [0.9, -2.1]
    >>> sorted(total.breakdown(batch))
    ['env', 'raw', 'step', 'total']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import torch

from rewardgym.errors import RewardComputationError, RewardSpecError
from rewardgym.rewards.base import Reward, applies_to, as_reward
from rewardgym.rewards.shaping import PotentialFn, Shaping

__all__ = ["Clip", "Gate", "Normalize", "PotentialFn", "Shaping", "WeightedSum"]


def _term_values(
    key: str, reward: Reward, batch: Any, *, check_nan: bool = True
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Run ``reward`` and name its value ``key``; a composite's own terms appear as ``key/term``."""
    total, terms = reward._run(batch, check_nan=check_nan)
    out = {key: total}
    if len(terms) > 1 or (terms and next(iter(terms)) != reward.display_name):
        out.update({f"{key}/{k}": v for k, v in terms.items()})
    return total, out


def _batch_type_of(rewards: Sequence[Reward], *, allow_mixed: bool = False, what: str = "") -> tuple[type | None, bool]:
    """``(batch_type, mixed)`` of a composite of ``rewards``; per-step and episode terms together make a
    mixed composite (only a sum can be one: its step and episode parts add up)."""
    kinds = {r.batch_type for r in rewards if r.batch_type is not None}
    mixed = len(kinds) > 1 or any(r.mixed for r in rewards)
    if mixed and not allow_mixed:
        names = ", ".join(
            f"{r.display_name} ({'mixed' if r.mixed else r.batch_type.__name__ if r.batch_type else 'either'})"
            for r in rewards
        )
        raise RewardSpecError(
            f"{what} cannot combine per-step and episode rewards ({names}): its terms must score the same "
            "batch type. Put per-step and episode terms in a sum (WeightedSum), whose step part is paid every "
            "step and episode part when the episode ends"
        )
    if mixed:
        return None, True
    return (kinds.pop() if kinds else None), False


def _finite(what: str, value: Any) -> float:
    """``value`` as a finite float, else a :class:`RewardSpecError` naming ``what``."""
    if isinstance(value, bool) or not hasattr(value, "__float__"):
        raise RewardSpecError(f"{what} must be a finite number, got {value!r}")
    out = float(value)
    if not math.isfinite(out):
        raise RewardSpecError(f"{what} must be a finite number, got {value!r}")
    return out


class WeightedSum(Reward):
    """``total = Σ wᵢ · termᵢ``. A weight of 0 keeps the term as a logged metric only.

    Args:
        terms: ``{name: reward}`` or a sequence of rewards (named by their ``display_name``).
        weights: ``{name: weight}``; missing names get weight 1.
        nan: ``"skip"`` — a NaN term contributes nothing to that row (the row is NaN only if every weighted
            term is NaN); ``"propagate"`` — any NaN weighted term makes the row NaN.
    """

    def __init__(
        self,
        terms: Mapping[str, Any] | Sequence[Any],
        weights: Mapping[str, float] | None = None,
        *,
        nan: Literal["skip", "propagate"] = "skip",
    ) -> None:
        if isinstance(terms, Mapping):
            items = [(str(k), as_reward(v)) for k, v in terms.items()]
        else:
            items = [(as_reward(v).display_name, as_reward(v)) for v in terms]
        if not items:
            raise RewardSpecError("WeightedSum needs at least one term")
        names = [k for k, _ in items]
        if len(set(names)) != len(names):
            raise RewardSpecError(f"WeightedSum term names must be unique, got {names}")
        weights = dict(weights or {})
        unknown = set(weights) - set(names)
        if unknown:
            raise RewardSpecError(f"weights name unknown terms {sorted(unknown)}; terms are {names}")
        if nan not in ("skip", "propagate"):
            raise RewardSpecError(f"nan must be 'skip' or 'propagate', got {nan!r}")
        self.terms = dict(items)
        self.weights = {k: _finite(f"weight of {k!r}", weights.get(k, 1.0)) for k in names}
        self.nan = nan
        self.batch_type, self.mixed = _batch_type_of([r for _, r in items], allow_mixed=True)  # type: ignore[misc]
        self.may_return_nan = any(r.may_return_nan for _, r in items)
        self.row_independent = all(r.row_independent for _, r in items)
        self.stateful = any(r.stateful for _, r in items)

    def evaluate(self, batch: Any) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        breakdown: dict[str, torch.Tensor] = {}
        total: torch.Tensor | None = None  # the weighted sum of the terms that cannot be NaN
        owned = False  # whether ``total`` is our own tensor (else it is a weight-1 term's value: copy first)
        maybe_nan: list[tuple[float, torch.Tensor]] = []
        for key, reward in self.terms.items():
            if self.mixed and not applies_to(reward, batch):
                continue  # the other phase's term (see Reward.mixed)
            w = self.weights[key]
            # When no term may be NaN, a term's NaN shows up in this sum's total, which our caller checks
            # once (naming the term): skip the per-term check. Metric-only terms are checked on their own.
            value, named = _term_values(key, reward, batch, check_nan=w == 0.0 or self.may_return_nan)
            breakdown.update(named)
            if w == 0.0:
                continue
            if value.device != batch.device:
                value = value.to(batch.device)
            if reward.may_return_nan:
                maybe_nan.append((w, value))
            elif total is None:
                total, owned = (value, False) if w == 1.0 else (value * w, True)
            elif owned:
                total.add_(value, alpha=w)
            else:
                total, owned = torch.add(total, value, alpha=w), True
        if total is not None and not owned:
            total = total.clone()
        if not maybe_nan:
            return (torch.zeros(len(batch), device=batch.device) if total is None else total), breakdown
        return self._add_nan_terms(total, maybe_nan, len(batch), batch.device), breakdown

    def _add_nan_terms(
        self, total: torch.Tensor | None, terms: list[tuple[float, torch.Tensor]], n: int, device: torch.device
    ) -> torch.Tensor:
        """Add terms that may be NaN: skipped per row (``nan="skip"``) or making the row NaN (``"propagate"``)."""
        seen = torch.zeros(n, dtype=torch.bool, device=device) if total is None else None
        any_nan = torch.zeros(n, dtype=torch.bool, device=device)
        out = torch.zeros(n, device=device) if total is None else total
        for w, value in terms:
            nan = torch.isnan(value)
            any_nan |= nan
            if seen is not None:
                seen |= ~nan
            out = out + torch.where(nan, torch.zeros_like(value), w * value)
        if self.nan == "propagate":
            return torch.where(any_nan, torch.full_like(out, float("nan")), out)
        if seen is not None:  # every weighted term may be NaN: a row is NaN where all of them are
            return torch.where(seen, out, torch.full_like(out, float("nan")))
        return out


class Gate(Reward):
    """Gated reward accumulation: ``inner`` counts only where ``gate >= threshold``, else ``otherwise``.

    Typical use: dense process terms pay out only when the verifiable outcome passes, so the policy cannot
    farm the dense terms while failing the task. A NaN gate value does not pass.

    Args:
        gate: the outcome reward (e.g. tests pass, goal reached).
        inner: the reward that is gated (e.g. a weighted sum of dense terms).
        threshold: the gate passes where its value is ``>= threshold``.
        otherwise: value where the gate fails (0 by default).
    """

    def __init__(self, gate: Any, inner: Any, *, threshold: float = 0.5, otherwise: float = 0.0) -> None:
        self.gate = as_reward(gate)
        self.inner = as_reward(inner)
        self.threshold = _finite("Gate threshold", threshold)
        self.otherwise = _finite("Gate otherwise", otherwise)
        self.batch_type, _ = _batch_type_of([self.gate, self.inner], what="Gate")  # type: ignore[misc]
        self.may_return_nan = self.inner.may_return_nan
        self.row_independent = self.gate.row_independent and self.inner.row_independent
        self.stateful = self.gate.stateful or self.inner.stateful

    def evaluate(self, batch: Any) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        g, gate_terms = _term_values("gate", self.gate, batch)
        v, inner_terms = _term_values("inner", self.inner, batch)
        passed = g >= self.threshold
        total = torch.where(passed, v, torch.full_like(v, self.otherwise))
        return total, {**gate_terms, **inner_terms, "gate_passed": passed.float()}


class Clip(Reward):
    """Clamp ``inner`` to ``[low, high]`` (NaN stays NaN)."""

    def __init__(self, inner: Any, low: float | None = None, high: float | None = None) -> None:
        if low is None and high is None:
            raise RewardSpecError("Clip needs low, high, or both")
        if any(v is not None and math.isnan(float(v)) for v in (low, high)):
            raise RewardSpecError(f"Clip bounds must be numbers or None, got low={low}, high={high}")
        if low is not None and high is not None and low > high:
            raise RewardSpecError(f"Clip needs low <= high, got low={low}, high={high}")
        self.inner = as_reward(inner)
        self.low, self.high = low, high
        self.batch_type = self.inner.batch_type  # type: ignore[misc]
        self.mixed = self.inner.mixed
        self.may_return_nan = self.inner.may_return_nan
        self.row_independent = self.inner.row_independent
        self.stateful = self.inner.stateful

    def evaluate(self, batch: Any) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        v, terms = _term_values("inner", self.inner, batch)
        return torch.clamp(v, min=self.low, max=self.high), terms


class Normalize(Reward):
    """Normalise ``inner``: ``"batch"`` statistics, per-``"group"`` statistics, or ``"running"`` statistics.

    NaN rows are excluded from every statistic and stay NaN in the output.

    Args:
        inner: the reward to normalise.
        mode: ``"batch"`` (this batch's mean/std), ``"group"`` (per ``batch.group_ids`` — GRPO advantages), or
            ``"running"`` (mean/var accumulated over every batch seen while ``update`` is True).
        center: subtract the mean (False: only divide by the std, common for PPO reward scaling).
        scale: divide by the std (False: only subtract the mean — "Dr. GRPO"-style group advantages).
        eps: added to the std.
        update: for ``"running"``: whether calls update the statistics (set False for evaluation).
    """

    def __init__(
        self,
        inner: Any,
        *,
        mode: Literal["batch", "group", "running"] = "running",
        center: bool = True,
        scale: bool = True,
        eps: float = 1e-8,
        update: bool = True,
    ) -> None:
        if mode not in ("batch", "group", "running"):
            raise RewardSpecError(f"Normalize mode must be 'batch', 'group' or 'running', got {mode!r}")
        if not (center or scale):
            raise RewardSpecError("Normalize with center=False and scale=False would do nothing")
        if mode == "group" and not center:
            raise RewardSpecError("Normalize(mode='group') always centres per group; use scale=False for mean-only")
        self.inner = as_reward(inner)
        if self.inner.mixed:
            raise RewardSpecError(
                "Normalize cannot normalise a mixed sum of per-step and episode terms (their statistics would "
                "mix); normalise the step part or the episode part on its own"
            )
        self.mode, self.center, self.scale, self.eps, self.update = mode, center, scale, float(eps), update
        self.batch_type = self.inner.batch_type  # type: ignore[misc]
        self.may_return_nan = self.inner.may_return_nan
        self.row_independent = False
        self.stateful = mode == "running" or self.inner.stateful
        self.count = 0.0
        self.mean = 0.0
        self.m2 = 0.0

    def _update_running(self, v: torch.Tensor) -> None:
        ok = v[~torch.isnan(v)].double()
        n = float(ok.numel())
        if n == 0:
            return
        b_mean = float(ok.mean())
        b_m2 = float(((ok - b_mean) ** 2).sum())
        total = self.count + n
        delta = b_mean - self.mean
        self.mean += delta * n / total
        self.m2 += b_m2 + delta**2 * self.count * n / total
        self.count = total

    def evaluate(self, batch: Any) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        v, terms = _term_values("inner", self.inner, batch)
        if self.mode == "group":
            if batch.group_ids is None:
                raise RewardComputationError("Normalize(mode='group') needs batch.group_ids (one id per row)")
            from rewardgym.cuda.ops import group_normalize

            out = group_normalize(v, batch.group_ids, mode="mean_std" if self.scale else "mean", eps=self.eps)
            return out, terms
        if self.mode == "batch":
            ok = v[~torch.isnan(v)]
            mean = ok.mean() if ok.numel() else torch.tensor(0.0)
            std = ok.std(unbiased=False) if ok.numel() > 1 else torch.tensor(0.0)
        else:
            if self.update:
                self._update_running(v)
            mean = torch.tensor(self.mean)
            std = torch.tensor((self.m2 / self.count) ** 0.5 if self.count > 0 else 1.0)
        mean, std = mean.to(v), std.to(v)
        out = (v - mean) if self.center else v
        if self.scale:
            out = out / (std + self.eps)
        return out, terms
