"""LLM-as-judge rewards over :class:`~rewardgym.types.Episodes`, hardened against "master-key" answers.

- ``judge/correctness-v0`` (:class:`CorrectnessJudge`): does the answer match ``infos["reference"]``?
- ``judge/rubric-v0`` (:class:`RubricJudge`): the weighted share of rubric criteria the answer meets.

Both normalise answers and reject content-free ones (:mod:`.hardening`) before asking the model, parse
only the final verdict (:mod:`.parsing`), and return NaN (documented) or raise when a verdict cannot be
parsed. :func:`rewardgym.testing.probe_judge` measures a judge's false-positive rate on master keys.

Example:
    >>> from rewardgym.llm import ScriptedLLM
    >>> from rewardgym.types import Episodes
    >>> naive = CorrectnessJudge(ScriptedLLM(default="VERDICT: CORRECT"), harden=False)
    >>> hardened = CorrectnessJudge(ScriptedLLM(default="VERDICT: CORRECT"))
    >>> batch = Episodes(prompts=["What is 2 + 2?"], completions=["Thought process:"],
    ...                  infos={"reference": ["4"]})
    >>> naive(batch).item(), hardened(batch).item()
    (1.0, 0.0)
"""

from rewardgym.rewards.judge.base import JudgeRecord, LLMJudge
from rewardgym.rewards.judge.correctness import CorrectnessJudge
from rewardgym.rewards.judge.hardening import (
    REJECTION_REASONS,
    Hardening,
    normalize_candidate,
    screen_candidate,
)
from rewardgym.rewards.judge.parsing import parse_score, parse_verdict, strip_reasoning
from rewardgym.rewards.judge.rubric import RubricJudge, parse_rubric

__all__ = [
    "REJECTION_REASONS",
    "CorrectnessJudge",
    "Hardening",
    "JudgeRecord",
    "LLMJudge",
    "RubricJudge",
    "normalize_candidate",
    "parse_rubric",
    "parse_score",
    "parse_verdict",
    "screen_candidate",
    "strip_reasoning",
]
