"""Discourse tactics of a supporter's message, detected deterministically from its wording.

The tactic inventory follows the emotional-support strategy taxonomies used in the literature (questions,
restatement, reflection of feelings, validation, self-disclosure, affirmation and reassurance,
suggestions, information) plus three harmful moves (minimising, dismissing, blaming). Detection is a
fixed set of regular expressions: the same text always gets the same tactics, which is what makes the
emotion dynamics of ``support-v0`` and the tactic-novelty reward verifiable.

Example:
    >>> detect_tactics("That sounds really hard. What happened after the exam?")
    ('question', 'validation')
    >>> detect_tactics("Just get over it, it's not a big deal.")
    ('minimizing', 'dismissing')
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["HARMFUL_TACTICS", "SUPPORTIVE_TACTICS", "TACTICS", "detect_tactics", "tactic_novelty"]

_I = re.IGNORECASE
_YOU_ARE = r"you(?:'re| are)"
_IT_IS = r"it(?:'s| is)"

TACTICS: dict[str, tuple[str, re.Pattern[str]]] = {
    "question": (
        "an open question about the person's experience",
        re.compile(r"\b(what|how|why|when|which|would you|do you|are you|can you|could you|have you)\b[^.!?]*\?", _I),
    ),
    "restatement": (
        "paraphrasing what the person said",
        re.compile(r"\b(so (what )?you(?:'re| are) saying|if i understand|in other words|what i(?:'m| am) hearing)\b", _I),
    ),
    "reflection": (
        "naming the person's feelings",
        re.compile(
            rf"\b(it sounds like|sounds like you|{_YOU_ARE} feeling|you feel|you (seem|sound|must (feel|be feeling)))\b",
            _I,
        ),
    ),
    "validation": (
        "saying the feelings make sense",
        re.compile(
            r"\b(that (sounds|must be|is|seems) (really |so |very |incredibly )?"
            r"(hard|tough|difficult|painful|frustrating|stressful|overwhelming|awful|scary|heartbreaking|upsetting)"
            rf"|(it|that) makes (total |complete )?sense|{_IT_IS} (completely |totally )?(understandable|natural|normal) to"
            r"|anyone would|your feelings are valid|no wonder)\b",
            _I,
        ),
    ),
    "self_disclosure": (
        "sharing a similar experience",
        re.compile(r"\b(i(?:'ve| have) (been there|felt|gone through)|when i was|i once|the same (thing )?happened to me)\b", _I),
    ),
    "affirmation": (
        "affirming the person's strengths",
        re.compile(
            rf"\b({_YOU_ARE} (so |really )?(strong|brave|capable|resilient|doing (your best|great|well))"
            r"|i believe in you|proud of you|(that )?takes (real )?courage)\b",
            _I,
        ),
    ),
    "reassurance": (
        "reassuring the person",
        re.compile(
            rf"\b({_YOU_ARE} not alone|{_IT_IS} going to be (ok|okay|alright|fine)|things will get better"
            r"|this will pass|i(?:'m| am) here for you|i(?:'m| am) (right )?here with you)\b",
            _I,
        ),
    ),
    "suggestion": (
        "suggesting something to try",
        re.compile(
            r"\b(you (could|might|may want to) (try|consider|talk|take|write|reach|ask)|have you (tried|considered|thought about)"
            r"|maybe (try|you could)|it (might|may|could) help to|one (thing|idea) (that )?(might|could))\b",
            _I,
        ),
    ),
    "information": (
        "giving relevant information",
        re.compile(rf"\b(research shows|studies (show|suggest)|many people|{_IT_IS} (very )?common (for|to))\b", _I),
    ),
    "gratitude": (
        "thanking the person for sharing",
        re.compile(r"\b(thank(s| you) for (sharing|telling|opening up|trusting)|i appreciate you (sharing|telling))\b", _I),
    ),
    "minimizing": (
        "playing the problem down (harmful)",
        re.compile(
            rf"\b(not (a|that) big (of a )?deal|{_IT_IS} (not|no) big deal|could be worse|others have it worse"
            rf"|{_YOU_ARE} overreacting|{_IT_IS} (just|only) (a|an) |don't be so (dramatic|sensitive)|{_IT_IS} nothing)",
            _I,
        ),
    ),
    "dismissing": (
        "brushing the person off (harmful)",
        re.compile(
            r"\b(get over it|move on|stop (complaining|whining|worrying|crying)"
            r"|just (relax|calm down|cheer up|be happy|forget (about )?it)|calm down|whatever|i don't care|deal with it)\b",
            _I,
        ),
    ),
    "blaming": (
        "blaming the person (harmful)",
        re.compile(
            r"\b(your (own )?fault|you (should|shouldn't) have|you brought (this|it) on|what did you expect"
            r"|you only have yourself)\b",
            _I,
        ),
    ),
}
"""Tactic name -> (description, pattern). Order is the canonical order of :func:`detect_tactics`."""

HARMFUL_TACTICS: frozenset[str] = frozenset({"minimizing", "dismissing", "blaming"})
SUPPORTIVE_TACTICS: tuple[str, ...] = tuple(t for t in TACTICS if t not in HARMFUL_TACTICS)


def detect_tactics(text: str) -> tuple[str, ...]:
    """The tactics used in ``text``, each once, in :data:`TACTICS` order."""
    return tuple(name for name, (_, pattern) in TACTICS.items() if pattern.search(text))


def tactic_novelty(tactics: Iterable[str], history: Iterable[Iterable[str]], window: int | None = None) -> float:
    """Share of this turn's tactics not used in the previous turns (MINT-style cross-turn novelty).

    Args:
        tactics: this turn's tactics.
        history: the tactics of each earlier turn, oldest first.
        window: look back only this many turns (None: the whole dialogue).

    Returns:
        In [0, 1]; 0 when the turn uses no tactic.

    Example:
        >>> tactic_novelty(["validation", "question"], [["validation"]])
        0.5
    """
    current = set(tactics)
    if not current:
        return 0.0
    turns = list(history)
    if window is not None:
        turns = turns[-window:] if window > 0 else []
    seen = {t for turn in turns for t in turn}
    return len(current - seen) / len(current)
