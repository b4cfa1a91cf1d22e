"""Preference oracles: who says which of two trajectory segments is better.

Every oracle implements :class:`PreferenceOracle`: ``label(left, right)`` returns one value per pair —
``1.0`` (left is better), ``0.0`` (right is better), ``0.5`` (equally good) or NaN (no answer; the pair is
dropped) — and counts every pair it was asked about in ``queries``.

- :class:`SyntheticOracle` prefers the segment with the higher return under a verifiable reward spec (any
  name / spec dict / Reward), with optional label noise: the stand-in for a human in experiments.
- :class:`TextOracle` asks a human or an LLM through text: it renders both segments into a prompt and
  parses the answer (``A``, ``B`` or ``=``).

Example:
    >>> import torch, rewardgym
    >>> from rewardgym.rewards.learned.segments import Segments
    >>> def segs(r):  # two segments of 3 steps whose env rewards sum to r
    ...     return Segments(obs=torch.zeros(1, 3, 1), action=torch.zeros(1, 3, dtype=torch.long),
    ...                     next_obs=torch.zeros(1, 3, 1), valid=torch.ones(1, 3, dtype=torch.bool),
    ...                     env_reward=torch.tensor([[r, 0.0, 0.0]]))
    >>> oracle = SyntheticOracle(lambda b: b.env_reward)
    >>> oracle.label(segs(1.0), segs(0.0)).tolist(), oracle.queries
    ([1.0], 1)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch

from rewardgym.errors import RewardComputationError, RewardSpecError
from rewardgym.rewards.learned.segments import Segments

__all__ = ["PreferenceOracle", "SyntheticOracle", "TextOracle", "render_grid_segment"]


@runtime_checkable
class PreferenceOracle(Protocol):
    """Labels pairs of segments. ``queries`` counts every pair ever asked (answered or not)."""

    queries: int

    def label(self, left: Segments, right: Segments) -> torch.Tensor:
        """(P,) float: 1 = left better, 0 = right better, 0.5 = equal, NaN = no answer."""
        ...


class SyntheticOracle:
    """Prefers the segment with the higher return under a verifiable reward.

    Args:
        reward: what "better" means: a registered name, a spec dict, a Reward or a batch function; it
            scores each step of the segments (``Segments.transitions()``); invalid steps count 0.
        noise: probability of flipping each strict label (a mistaken labeller).
        rationality: if set, a Boltzmann-rational labeller: ``P(left) = σ(β·(R_left − R_right))`` with
            ``β = rationality`` (replaces the hard comparison; ``noise`` still applies after).
        tie_tolerance: returns closer than this are labelled 0.5.
        seed: seeds the label noise.
    """

    def __init__(
        self,
        reward: Any,
        *,
        noise: float = 0.0,
        rationality: float | None = None,
        tie_tolerance: float = 1e-6,
        seed: int = 0,
    ) -> None:
        from rewardgym.rewards.spec import build_reward

        if not 0.0 <= noise <= 0.5:
            raise RewardSpecError(f"noise is a flip probability in [0, 0.5], got {noise}")
        if rationality is not None and rationality <= 0:
            raise RewardSpecError(f"rationality must be > 0, got {rationality}")
        self.reward = build_reward(reward)
        self.noise = float(noise)
        self.rationality = rationality
        self.tie_tolerance = float(tie_tolerance)
        self.generator = torch.Generator().manual_seed(seed)
        self.queries = 0

    def returns(self, seg: Segments) -> torch.Tensor:
        """Each segment's return under the oracle's reward (valid steps only): (P,)."""
        r = self.reward(seg.transitions()).to(seg.device)
        return seg.returns(torch.nan_to_num(r, nan=0.0))

    def label(self, left: Segments, right: Segments) -> torch.Tensor:
        if len(left) != len(right):
            raise RewardComputationError(
                f"label needs as many left as right segments, got {len(left)}, {len(right)}"
            )
        self.queries += len(left)
        diff = (self.returns(left) - self.returns(right)).cpu().double()
        if self.rationality is not None:
            p = torch.sigmoid(self.rationality * diff)
            out = (torch.rand(len(p), generator=self.generator, dtype=torch.float64) < p).double()
        else:
            out = torch.where(diff > 0, 1.0, 0.0).double()
        out = torch.where(diff.abs() <= self.tie_tolerance, torch.full_like(out, 0.5), out)
        if self.noise > 0:
            draw = torch.rand(len(out), generator=self.generator, dtype=torch.float64)
            flip = (draw < self.noise) & (out != 0.5)
            out = torch.where(flip, 1.0 - out, out)
        return out.float()


def render_grid_segment(seg: Segments, i: int, chars: str = ".#G@", actions: Sequence[str] = "URDL") -> str:
    """Text picture of segment ``i`` of an integer-grid env: first and last frame plus the actions taken."""

    def frame(x: torch.Tensor) -> str:
        grid = x.cpu().numpy().astype(int)
        return "\n".join("".join(chars[c] if 0 <= c < len(chars) else "?" for c in row) for row in grid)

    steps = torch.nonzero(seg.valid[i]).flatten().tolist()
    if not steps:
        return "(empty segment)"
    codes = [int(a) for a in seg.action[i][steps].reshape(-1)]
    acts = " ".join(actions[a] if a < len(actions) else str(a) for a in codes)
    start, end = frame(seg.obs[i][steps[0]]), frame(seg.next_obs[i][steps[-1]])
    return f"start:\n{start}\nend:\n{end}\nmoves: {acts}"


class TextOracle:
    """A human or an LLM labels pairs through text prompts.

    Args:
        ask: answers a batch of prompts, e.g. ``lambda ps: [input(p) for p in ps]`` for a person at the
            terminal, or an LLM backend's batched generate for an LLM judge.
        render: ``(segments, i) -> str`` picture of one segment (default: :func:`render_grid_segment`).
        task: one sentence telling the labeller what "better" means.
    """

    def __init__(
        self,
        ask: Callable[[list[str]], list[str]],
        *,
        render: Callable[[Segments, int], str] = render_grid_segment,
        task: str = "Which attempt makes more progress towards the goal G?",
    ) -> None:
        self.ask, self.render, self.task = ask, render, task
        self.queries = 0

    def prompt(self, left: Segments, right: Segments, i: int) -> str:
        a, b = self.render(left, i), self.render(right, i)
        return (f"{self.task}\n\nAttempt A:\n{a}\n\nAttempt B:\n{b}\n\n"
                "Answer with one character: A, B, or = if they are equally good.")

    def label(self, left: Segments, right: Segments) -> torch.Tensor:
        prompts = [self.prompt(left, right, i) for i in range(len(left))]
        self.queries += len(prompts)
        answers = list(self.ask(prompts))
        if len(answers) != len(prompts):
            raise RewardComputationError(f"the labeller answered {len(answers)} of {len(prompts)} prompts")
        return torch.tensor([_parse(a) for a in answers], dtype=torch.float32)


def _parse(answer: str) -> float:
    text = str(answer).strip().upper()
    first = text[:1]
    return {"A": 1.0, "B": 0.0, "=": 0.5}.get(first, float(np.nan))
