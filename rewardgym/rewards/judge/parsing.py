"""Reading a judge's final verdict, and only the final verdict.

Judges are asked to end with ``VERDICT: <label>`` (binary) or ``SCORE: <x>`` / ``SCORE: <x>/<max>``.
Parsing rules:

- Reasoning is ignored: text inside ``<think>``, ``<thinking>``, ``<reasoning>``, ``<reflection>`` or
  ``<scratchpad>`` tags is removed; an unclosed opening tag hides everything after it, and a closing tag
  without its opening hides everything before it (models that start thinking without the tag).
- The **last** ``VERDICT:`` / ``SCORE:`` marker in what remains decides, so a verdict quoted earlier (for
  example, the judge restating the candidate's self-grading) does not count.
- A marker whose line names both polarities (``VERDICT: CORRECT or INCORRECT``), an unknown label, or a
  score outside its range is unparseable: the parser returns None and the judge turns that into NaN or an
  error, never into a 0.

Example:
    >>> parse_verdict("<think>VERDICT: INCORRECT?</think> Looks right.\\nVERDICT: Correct")
    1.0
    >>> parse_verdict("VERDICT: CORRECT or INCORRECT") is None
    True
    >>> parse_score("SCORE: 7/10"), parse_score("score = 3", high=4)
    (0.7, 0.75)
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["NEGATIVE_LABELS", "POSITIVE_LABELS", "parse_score", "parse_verdict", "strip_reasoning"]

REASONING_TAGS = ("think", "thinking", "reasoning", "reflection", "scratchpad")
POSITIVE_LABELS: frozenset[str] = frozenset({"correct", "yes", "pass", "true", "right", "acceptable"})
NEGATIVE_LABELS: frozenset[str] = frozenset({"incorrect", "no", "fail", "false", "wrong", "unacceptable"})

_TAGS = "|".join(REASONING_TAGS)
_BLOCK = re.compile(rf"<\s*({_TAGS})\b[^>]*>.*?<\s*/\s*\1\s*>", re.IGNORECASE | re.DOTALL)
_OPEN = re.compile(rf"<\s*(?:{_TAGS})\b[^>]*>", re.IGNORECASE)
_CLOSE = re.compile(rf"<\s*/\s*(?:{_TAGS})\s*>", re.IGNORECASE)
_VERDICT = re.compile(r"\bverdict\b\s*(?:is\b)?\s*[:=\-]?\s*([^\n]*)", re.IGNORECASE)
_SCORE = re.compile(
    r"\bscore\b\s*(?:is\b)?\s*[:=\-]?\s*\**\s*(-?\d+(?:\.\d+)?)\s*(?:(?:/|out\s+of)\s*(\d+(?:\.\d+)?))?",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z]+")


def strip_reasoning(text: str) -> str:
    """Remove reasoning blocks (see the module docstring) and return what is left, stripped."""
    text = _BLOCK.sub(" ", text)
    closes = list(_CLOSE.finditer(text))
    if closes:
        text = text[closes[-1].end() :]
    opened = _OPEN.search(text)
    if opened:
        text = text[: opened.start()]
    return text.strip()


def parse_verdict(
    text: str,
    *,
    positive: frozenset[str] | set[str] = POSITIVE_LABELS,
    negative: frozenset[str] | set[str] = NEGATIVE_LABELS,
    values: Mapping[str, float] | None = None,
) -> float | None:
    """The last ``VERDICT: <label>`` as 1.0 (positive) / 0.0 (negative), or None when unparseable.

    Args:
        text: the judge's raw output.
        positive: labels meaning "passes" (lower case).
        negative: labels meaning "fails" (lower case).
        values: optional ``{label: value}`` for graded labels (e.g. ``{"partial": 0.5}``); checked first.
    """
    final = strip_reasoning(text)
    matches = list(_VERDICT.finditer(final))
    if not matches:
        return None
    graded = {k.lower(): float(v) for k, v in (values or {}).items()}
    kinds: set[float] = set()
    negated = False
    for word in _WORD.findall(matches[-1].group(1).lower()):
        if word == "not":
            negated = True
        elif word in graded and not negated:
            kinds.add(graded[word])
        elif word in positive or word in negative:
            kinds.add(float((word in positive) != negated))
            negated = False
    return kinds.pop() if len(kinds) == 1 else None


def parse_score(text: str, *, low: float = 0.0, high: float = 10.0) -> float | None:
    """The last ``SCORE: x`` (or ``x/max``, ``x out of max``) mapped to [0, 1], or None.

    A score with a denominator is read as ``x/max`` (the denominator must equal ``high`` when ``low`` is 0,
    so ``SCORE: 9/100`` on a 0-10 scale is rejected rather than guessed). Values outside ``[low, high]``
    are unparseable.
    """
    if high <= low:
        raise ValueError(f"parse_score needs high > low, got low={low}, high={high}")
    final = strip_reasoning(text)
    matches = list(_SCORE.finditer(final))
    if not matches:
        return None
    value, denom = float(matches[-1].group(1)), matches[-1].group(2)
    if denom is not None and float(denom) != high:
        return None
    if not low <= value <= high:
        return None
    return (value - low) / (high - low)
