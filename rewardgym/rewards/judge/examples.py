"""Offline example batches and scripted judge models for the registered judges.

The registry's shipped checker (:func:`rewardgym.testing.check_all_rewards`) scores every reward on an
example batch. Judges need a model, so their examples use the scripted backend (a test double): a
deterministic stand-in that reads the prompt the judge built and answers in the judge's format.

Example:
    >>> batch = example_episodes()
    >>> len(batch), sorted(batch.infos)
    (6, ['reference'])
"""

from __future__ import annotations

import re

from rewardgym.llm import ScriptedLLM
from rewardgym.types import Episodes

__all__ = ["example_episodes", "scripted_correctness_llm", "scripted_rubric_llm"]


def example_episodes() -> Episodes:
    """Six question/answer episodes with references: right, wrong and master-key answers."""
    rows = [
        ("What is the capital of France?", "Paris", "The capital of France is Paris."),
        ("What is the capital of France?", "Paris", "Lyon"),
        ("What is 6 * 7?", "42", "42"),
        ("What is 6 * 7?", "42", ":"),
        ("How many legs does a spider have?", "8", "Let's solve this problem step by step."),
        ("How many legs does a spider have?", "8", "Spiders have 6 legs."),
    ]
    return Episodes(
        prompts=[q for q, _, _ in rows],
        completions=[a for _, _, a in rows],
        infos={"reference": [r for _, r, _ in rows]},
    )


_CASE = re.compile(r"Reference answer: (.*?)\nCandidate answer:\n<<<\n(.*?)\n>>>", re.DOTALL)
_ITEM = re.compile(r"Criterion: (.*?)\n.*?Response:\n<<<\n(.*?)\n>>>", re.DOTALL)


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def scripted_correctness_llm() -> ScriptedLLM:
    """A scripted correctness judge: CORRECT iff the reference's words all appear in the answer."""

    def answer(prompt: str, _sample: int) -> str:
        cases = _CASE.findall(prompt)
        if not cases:
            return "I cannot tell."
        reference, candidate = cases[-1]
        ok = _words(reference) <= _words(candidate)
        return f"The candidate {'matches' if ok else 'differs'}.\nVERDICT: {'CORRECT' if ok else 'INCORRECT'}"

    return ScriptedLLM(fn=answer, model_name="scripted-correctness-judge")


def scripted_rubric_llm() -> ScriptedLLM:
    """A scripted rubric judge: YES iff every double-quoted word of the criterion appears in the response."""

    def answer(prompt: str, _sample: int) -> str:
        items = _ITEM.findall(prompt)
        if not items:
            return "I cannot tell."
        criterion, response = items[-1]
        needed = {w.lower() for w in re.findall(r'"([^"]+)"', criterion)}
        ok = bool(needed) and all(w in response.lower() for w in needed)
        return f"<think>checking {sorted(needed)}</think>VERDICT: {'YES' if ok else 'NO'}"

    return ScriptedLLM(fn=answer, model_name="scripted-rubric-judge")
