"""The text observation of the web envs: the page as a scrollable viewport of lines, and its spaces.

Example:
    >>> from rewardgym.envs.web.dom import parse_document
    >>> doc = parse_document("<title>T</title>" + "".join(f"<p>line {i}</p>" for i in range(9)), "/")
    >>> print(page_text(doc, offset=0, viewport_lines=3, max_chars=500))
    Page: T
    line 0
    line 1
    line 2
    -- lines 1-3 of 9; scroll('down') for more --
"""

from __future__ import annotations

import string
from typing import Any

from rewardgym.envs.web.dom import Document, ascii_text

__all__ = ["CHARSET", "MAX_FEEDBACK", "MAX_GOAL", "MAX_URL", "clip", "format_observation", "page_text"]

CHARSET = string.printable
MAX_GOAL, MAX_URL, MAX_FEEDBACK = 1000, 1000, 1000


def clip(text: str, limit: int) -> str:
    """``text`` folded to :data:`CHARSET` and cut to ``limit`` characters (ending in ``...`` when cut)."""
    text = "".join(c for c in ascii_text(text) if c in CHARSET)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def format_observation(obs: dict[str, Any]) -> str:
    """One prompt-ready string from a dict observation."""
    feedback = f"Feedback: {obs['feedback']}\n" if obs.get("feedback") else ""
    return f"Goal: {obs['goal']}\nURL: {obs['url']}\n{feedback}\n{obs['page']}"


def page_text(doc: Document, *, offset: int, viewport_lines: int, max_chars: int) -> str:
    """The page title, ``viewport_lines`` rendered lines from ``offset``, and markers for what is cut off."""
    lines = doc.render()
    start, end = offset, min(len(lines), offset + viewport_lines)
    out = [f"Page: {doc.title}" + (f" (HTTP {doc.status})" if doc.status >= 400 else "")]
    if start > 0:
        out.append(f"-- {start} earlier lines; scroll('up') to see them --")
    out += lines[start:end]
    if end < len(lines):
        out.append(f"-- lines {start + 1}-{end} of {len(lines)}; scroll('down') for more --")
    text = "\n".join(out)
    if len(text) > max_chars:
        cut = text[: max_chars - 60].rsplit("\n", 1)[0]
        text = cut + "\n-- page text cut here; scroll('down') for more --"
    return clip(text, max_chars)
