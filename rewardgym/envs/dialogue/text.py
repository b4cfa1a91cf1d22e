"""Text helpers shared by the dialogue envs: the character set of their spaces and message sanitising.

Observations and actions are :class:`gymnasium.spaces.Text` over :data:`CHARSET` (printable ASCII plus
newline and tab). Agents may send anything; :func:`sanitize` maps a message into the charset (Unicode
normalised, smart quotes straightened, other characters replaced by ``?``) and cuts it to the length
limit, reporting what it changed so the env can tell the agent in its next observation.

Example:
    >>> text, notes = sanitize("I’d take 2 books — ok?", max_chars=12)
    >>> text
    "I'd take 2 b"
    >>> notes
    ['your message was cut to 12 characters']
"""

from __future__ import annotations

import re
import string
import unicodedata
from typing import ClassVar

import numpy as np

__all__ = ["CHARSET", "TextObservation", "clip_lines", "sanitize"]

CHARSET: str = "".join(c for c in string.printable if c not in "\r\x0b\x0c")
"""Characters of every dialogue observation/action space: printable ASCII, space, newline and tab."""

_CHARS = frozenset(CHARSET)
_CONTROL = re.compile(r"[^\t\n\x20-\x7e]")


class TextObservation(str):
    """A ``str`` that also carries ``dtype`` (that of :class:`gymnasium.spaces.Text`).

    PettingZoo's ``api_test`` compares ``observation.dtype`` with the observation space's dtype, which a
    plain ``str`` lacks; everything else treats a ``TextObservation`` exactly like the string it is.
    """

    __slots__ = ()
    dtype: ClassVar[np.dtype] = np.dtype(str)


_REPLACE = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\r": "\n",
    "\x0b": " ",
    "\x0c": " ",
}


def sanitize(message: str, max_chars: int) -> tuple[str, list[str]]:
    """Map ``message`` into :data:`CHARSET` and at most ``max_chars`` characters.

    Returns:
        ``(text, notes)``: the cleaned text and human-readable notes on what was changed (empty if nothing).
    """
    notes: list[str] = []
    if message.isascii() and not _CONTROL.search(message):  # fast path: nothing to map
        text = message.strip()
        if len(text) > max_chars:
            return text[:max_chars], [f"your message was cut to {max_chars} characters"]
        return text, notes
    out = []
    replaced = 0
    for ch in unicodedata.normalize("NFKC", message):
        if ch in _CHARS:
            out.append(ch)
            continue
        sub = _REPLACE.get(ch)
        if sub is None:
            decomposed = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            sub = decomposed if decomposed and all(c in _CHARS for c in decomposed) else "?"
            replaced += sub == "?"
        out.append(sub)
    text = "".join(out).strip()
    if replaced:
        notes.append(f"{replaced} character(s) outside printable ASCII were replaced by '?'")
    if len(text) > max_chars:
        text = text[:max_chars]
        notes.append(f"your message was cut to {max_chars} characters")
    return text, notes


def clip_lines(
    header: str, lines: list[str], max_chars: int, *, marker: str = "[... earlier turns omitted]"
) -> str:
    """``header`` followed by as many of the most recent ``lines`` as fit in ``max_chars`` characters.

    The header is cut from its end if it alone is too long; older lines are dropped first.
    """
    if len(header) >= max_chars:
        return header[:max_chars]
    budget = max_chars - len(header)
    reserve = len(marker) + 1
    kept: list[str] = []
    for i, line in enumerate(reversed(lines)):
        cost = len(line) + 1
        older = i < len(lines) - 1
        if cost + (reserve if older else 0) > budget:
            if reserve <= budget:
                kept.append(marker)
            break
        kept.append(line)
        budget -= cost
    body = "\n".join(reversed(kept))
    return f"{header}\n{body}" if body else header
