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

_YOU_ARE = r"you(?:'re| are)"
_IT_IS = r"it(?:'s| is)"
_I_AM = r"i(?:'m| am)"


def _phrases(*alternatives: str, tail: str = r"\b") -> re.Pattern[str]:
    """A case-insensitive pattern matching any of the regex ``alternatives`` as whole words."""
    return re.compile(r"\b(" + "|".join(alternatives) + ")" + tail, re.IGNORECASE)


_HARD = (
    r"(hard|tough|difficult|painful|frustrating|stressful|overwhelming|awful|scary|heartbreaking|upsetting)"
)

TACTICS: dict[str, tuple[str, re.Pattern[str]]] = {
    "question": (
        "an open question about the person's experience",
        _phrases(
            "what",
            "how",
            "why",
            "when",
            "which",
            "would you",
            "do you",
            "are you",
            "can you",
            "could you",
            "have you",
            tail=r"\b[^.!?]*\?",
        ),
    ),
    "restatement": (
        "paraphrasing what the person said",
        _phrases(
            rf"so (what )?{_YOU_ARE} saying", "if i understand", "in other words", rf"what {_I_AM} hearing"
        ),
    ),
    "reflection": (
        "naming the person's feelings",
        _phrases(
            "it sounds like",
            "sounds like you",
            rf"{_YOU_ARE} feeling",
            "you feel",
            "you (seem|sound|must (feel|be feeling))",
        ),
    ),
    "validation": (
        "saying the feelings make sense",
        _phrases(
            rf"that (sounds|must be|is|seems) (really |so |very |incredibly )?{_HARD}",
            "(it|that) makes (total |complete )?sense",
            rf"{_IT_IS} (completely |totally )?(understandable|natural|normal) to",
            "anyone would",
            "your feelings are valid",
            "no wonder",
        ),
    ),
    "self_disclosure": (
        "sharing a similar experience",
        _phrases(
            "i(?:'ve| have) (been there|felt|gone through)",
            "when i was",
            "i once",
            "the same (thing )?happened to me",
        ),
    ),
    "affirmation": (
        "affirming the person's strengths",
        _phrases(
            rf"{_YOU_ARE} (so |really )?(strong|brave|capable|resilient|doing (your best|great|well))",
            "i believe in you",
            "proud of you",
            "(that )?takes (real )?courage",
        ),
    ),
    "reassurance": (
        "reassuring the person",
        _phrases(
            rf"{_YOU_ARE} not alone",
            rf"{_IT_IS} going to be (ok|okay|alright|fine)",
            "things will get better",
            "this will pass",
            rf"{_I_AM} here for you",
            rf"{_I_AM} (right )?here with you",
        ),
    ),
    "suggestion": (
        "suggesting something to try",
        _phrases(
            "you (could|might|may want to) (try|consider|talk|take|write|reach|ask)",
            "have you (tried|considered|thought about)",
            "maybe (try|you could)",
            "it (might|may|could) help to",
            "one (thing|idea) (that )?(might|could)",
        ),
    ),
    "information": (
        "giving relevant information",
        _phrases(
            "research shows", "studies (show|suggest)", "many people", rf"{_IT_IS} (very )?common (for|to)"
        ),
    ),
    "gratitude": (
        "thanking the person for sharing",
        _phrases(
            "thank(s| you) for (sharing|telling|opening up|trusting)", "i appreciate you (sharing|telling)"
        ),
    ),
    "minimizing": (
        "playing the problem down (harmful)",
        _phrases(
            "not (a|that) big (of a )?deal",
            rf"{_IT_IS} (not|no) big deal",
            "could be worse",
            "others have it worse",
            rf"{_YOU_ARE} overreacting",
            rf"{_IT_IS} (just|only) (a|an) ",
            "don't be so (dramatic|sensitive)",
            rf"{_IT_IS} nothing",
            tail="",
        ),
    ),
    "dismissing": (
        "brushing the person off (harmful)",
        _phrases(
            "get over it",
            "move on",
            "stop (complaining|whining|worrying|crying)",
            "just (relax|calm down|cheer up|be happy|forget (about )?it)",
            "calm down",
            "whatever",
            "i don't care",
            "deal with it",
        ),
    ),
    "blaming": (
        "blaming the person (harmful)",
        _phrases(
            "your (own )?fault",
            "you (should|shouldn't) have",
            "you brought (this|it) on",
            "what did you expect",
            "you only have yourself",
        ),
    ),
}
"""Tactic name -> (description, pattern). Order is the canonical order of :func:`detect_tactics`."""

HARMFUL_TACTICS: frozenset[str] = frozenset({"minimizing", "dismissing", "blaming"})
SUPPORTIVE_TACTICS: tuple[str, ...] = tuple(t for t in TACTICS if t not in HARMFUL_TACTICS)


def detect_tactics(text: str) -> tuple[str, ...]:
    """The tactics used in ``text``, each once, in :data:`TACTICS` order."""
    return tuple(name for name, (_, pattern) in TACTICS.items() if pattern.search(text))


def tactic_novelty(
    tactics: Iterable[str], history: Iterable[Iterable[str]], window: int | None = None
) -> float:
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
