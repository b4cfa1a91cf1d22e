"""The shared machinery of LLM-as-judge rewards: hardening, batched prompting, verdict parsing, NaN policy.

A judge scores :class:`~rewardgym.types.Episodes`: ``prompts`` are the questions, ``completions`` the
answers, ``infos`` per-episode extras (e.g. ``infos["reference"]``). For a batch it

1. normalises every answer and rejects content-free "master keys" (:mod:`.hardening`) — those rows score
   ``reject_score`` (0.0) without a model call;
2. builds one or more chat prompts per remaining row (subclasses: :meth:`LLMJudge.requests`);
3. sends them all in **one** ``llm.generate`` call (``samples`` per prompt);
4. parses only each output's final verdict (:mod:`.parsing`), averages the parsed samples, and combines a
   row's requests with their weights.

A row with no parseable verdict is NaN (``on_unparseable="nan"``, documented by ``may_return_nan``) or
raises :class:`~rewardgym.errors.RewardComputationError` (``"raise"``) — never 0.

Example:
    >>> from rewardgym.llm import ScriptedLLM
    >>> from rewardgym.rewards.judge import CorrectnessJudge
    >>> from rewardgym.types import Episodes
    >>> judge = CorrectnessJudge(ScriptedLLM(default="VERDICT: CORRECT"))
    >>> batch = Episodes(prompts=["2 + 3?", "2 + 3?"], completions=["5", ":"],
    ...                  infos={"reference": ["5", "5"]})
    >>> judge(batch).tolist()   # ":" is rejected before the (always-yes) model is asked
    [1.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import torch

from rewardgym.errors import RewardComputationError, RewardSpecError
from rewardgym.llm import LLM, Chat, as_llm
from rewardgym.rewards.base import EpisodeRewardFn
from rewardgym.rewards.judge.hardening import Hardening, screen_candidate

__all__ = ["JudgeRecord", "LLMJudge", "message_text"]


def message_text(value: Any, role: str) -> str:
    """A prompt/completion as text: a string as is, a chat list as its last ``role`` message."""
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence):
        for msg in reversed(list(value)):
            if isinstance(msg, Mapping) and msg.get("role") == role:
                return str(msg.get("content", ""))
        return ""
    return "" if value is None else str(value)


@dataclass
class JudgeRecord:
    """How one episode was judged (see :meth:`LLMJudge.explain`).

    Attributes:
        score: the reward (NaN when unparseable).
        seen: the normalised answer the judge saw.
        rejected: the hardening rule that rejected the answer, or None.
        outputs: raw judge outputs, one list of samples per request.
        verdicts: the parsed value per request (None = unparseable).
    """

    score: float
    seen: str
    rejected: str | None = None
    outputs: list[list[str]] = field(default_factory=list)
    verdicts: list[float | None] = field(default_factory=list)


class LLMJudge(EpisodeRewardFn):
    """Base class of LLM judges; subclasses implement :meth:`requests` and :meth:`parse`.

    Args:
        llm: an :class:`~rewardgym.llm.LLM`, a backend name or ``{"backend": ..., **kwargs}``; built on first
            use. Default: the local transformers backend (SmolLM2-135M-Instruct).
        harden: True (default screens), False (no screening: a deliberately vulnerable judge), or a
            :class:`~rewardgym.rewards.judge.hardening.Hardening` policy.
        on_unparseable: ``"nan"`` (the row is NaN) or ``"raise"`` (RewardComputationError).
        samples: judge samples per request; parsed verdicts are averaged.
        temperature: 0 for greedy judging.
        max_new_tokens: judge output budget.
        seed: generation seed.
        reject_score: the score of a rejected answer.
    """

    def __init__(
        self,
        llm: Any = "transformers",
        *,
        harden: bool | Hardening = True,
        on_unparseable: Literal["nan", "raise"] = "nan",
        samples: int = 1,
        temperature: float = 0.0,
        max_new_tokens: int = 64,
        seed: int = 0,
        reject_score: float = 0.0,
    ) -> None:
        if on_unparseable not in ("nan", "raise"):
            raise RewardSpecError(f"on_unparseable must be 'nan' or 'raise', got {on_unparseable!r}")
        if not isinstance(samples, int) or samples < 1:
            raise RewardSpecError(f"samples must be an int >= 1, got {samples!r}")
        if not isinstance(harden, (bool, Hardening)):
            raise RewardSpecError(f"harden must be a bool or a Hardening policy, got {type(harden).__name__}")
        self._llm_spec = llm
        self._llm: LLM | None = None if not isinstance(llm, LLM) else llm
        self.hardening: Hardening | None = (Hardening() if harden is True else harden) or None
        self.on_unparseable = on_unparseable
        self.may_return_nan = on_unparseable == "nan"
        self.samples = samples
        self.temperature = float(temperature)
        self.max_new_tokens = int(max_new_tokens)
        self.seed = int(seed)
        self.reject_score = float(reject_score)

    @property
    def llm(self) -> LLM:
        """The judge model (built from the spec on first access)."""
        if self._llm is None:
            self._llm = as_llm(self._llm_spec)
        return self._llm

    # -- subclass hooks -------------------------------------------------------------------------------
    def requests(self, question: str, answer: str, row: Mapping[str, Any]) -> list[tuple[Chat, float]]:
        """The chat prompts that judge one answer, each with its weight."""
        raise NotImplementedError

    def parse(self, text: str) -> float | None:
        """One judge output -> a value in [0, 1], or None when it has no valid final verdict."""
        raise NotImplementedError

    def validate_row(self, row: Mapping[str, Any]) -> None:
        """Raise :class:`RewardComputationError` if a row lacks what the judge needs."""

    # -- scoring --------------------------------------------------------------------------------------
    def explain(self, batch: Any) -> list[JudgeRecord]:
        """Judge ``batch`` and return one :class:`JudgeRecord` per row (what was seen, said and parsed)."""
        n = len(batch)
        infos = batch.infos or {}
        records: list[JudgeRecord] = []
        jobs: list[tuple[int, Chat, float]] = []
        for i in range(n):
            row = {
                k: (v[i] if not isinstance(v, Mapping) else {kk: vv[i] for kk, vv in v.items()})
                for k, v in infos.items()
            }
            self.validate_row(row)
            question = message_text(batch.prompts[i], "user")
            answer = message_text(batch.completions[i], "assistant")
            if self.hardening is not None:
                seen, reason = screen_candidate(answer, question=question, policy=self.hardening)
            else:
                seen, reason = answer, None
            records.append(
                JudgeRecord(score=self.reject_score if reason else float("nan"), seen=seen, rejected=reason)
            )
            if reason is None:
                jobs.extend((i, chat, w) for chat, w in self.requests(question, seen, row))
        if jobs:
            outputs = self.llm.generate(
                [chat for _, chat, _ in jobs],
                n=self.samples,
                max_new_tokens=self.max_new_tokens,
                temperature=self.temperature,
                seed=self.seed,
            )
            weights: dict[int, list[float]] = {}
            for (i, _, w), samples in zip(jobs, outputs):
                parsed = [v for v in (self.parse(s) for s in samples) if v is not None]
                records[i].outputs.append(samples)
                records[i].verdicts.append(sum(parsed) / len(parsed) if parsed else None)
                weights.setdefault(i, []).append(w)
            for i, ws in weights.items():
                vs = records[i].verdicts
                if any(v is None for v in vs) or sum(ws) <= 0:
                    records[i].score = float("nan")
                else:
                    records[i].score = sum(v * w for v, w in zip(vs, ws)) / sum(ws)  # type: ignore[misc, operator]
        return records

    def evaluate(self, batch: Any) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        records = self.explain(batch)
        scores = torch.tensor([r.score for r in records], dtype=torch.float32, device=batch.device)
        bad = [i for i, r in enumerate(records) if r.rejected is None and r.score != r.score]
        if bad and self.on_unparseable == "raise":
            sample = records[bad[0]].outputs[0][0] if records[bad[0]].outputs else ""
            raise RewardComputationError(
                f"judge {self.display_name!r} gave no parseable final verdict for rows {bad[:10]} "
                f"(e.g. {sample[:200]!r}); expected a line like 'VERDICT: CORRECT'"
            )
        rejected = torch.tensor([float(r.rejected is not None) for r in records], device=batch.device)
        return scores, {self.display_name: scores, f"{self.display_name}/rejected": rejected}
