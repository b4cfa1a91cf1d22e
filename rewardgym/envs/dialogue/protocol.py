"""Structured moves inside free text: ``PROPOSE {...}`` / ``ACCEPT`` / ``REJECT``, parsed robustly.

Agents talk freely; a message *also* carries a move when it contains one of the move words:

- ``PROPOSE {"books": 1, "hats": 2, "balls": 0}``: the counts the speaker takes; items left out go to
  the other agent. JSON, single quotes, bare keys, trailing commas, ``books=1 hats=2`` and ``1 book, 2 hats``
  are all understood, as are singular/plural and near-miss item names.
- ``ACCEPT``: accept the other agent's standing proposal.
- ``REJECT``: reject it (a ``PROPOSE`` in the same message is a counter-offer).

Move words in capitals are always moves and the first one decides. Without capitalised move words, a
lower-case ``propose`` counts only when an allocation follows it, and ``accept`` / ``reject`` only when
not negated ("I can't accept"). Anything else is talk. A move that cannot be carried out (unknown items,
more items than the pool has, no counts) comes back with an ``error`` that explains what was expected.

Example:
    >>> pool = {"books": 3, "hats": 1, "balls": 2}
    >>> parse_move("How about this: PROPOSE {books: 2, 'hat': 1,}", pool)
    Move(kind='propose', proposal={'books': 2, 'hats': 1, 'balls': 0}, error=None)
    >>> parse_move("ok, I accept your offer", pool).kind
    'accept'
    >>> parse_move("I can't accept that.", pool).kind
    'talk'
    >>> parse_move("PROPOSE {\\"cars\\": 1}", pool).error
    "unknown item 'cars'; the items are books, hats, balls"
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["EXAMPLE_PROPOSAL", "Move", "format_proposal", "match_item", "parse_allocation", "parse_move"]

EXAMPLE_PROPOSAL = 'PROPOSE {"books": 1, "hats": 2, "balls": 0}'

_STRICT = re.compile(r"\b(PROPOSE|ACCEPT|REJECT)\b")
_LOOSE = re.compile(r"\b(propos(?:e|al)|accept(?:ed)?|reject(?:ed)?)\b", re.IGNORECASE)
_NEGATION = re.compile(
    r"\b(not|never|cannot|can't|won't|don't|wouldn't|couldn't|refuse to)\W+(\w+\W+){0,2}$", re.IGNORECASE
)
_PAIR_KV = re.compile(r"([A-Za-z_]+)\s*[:=]\s*(-?\d+(?:\.\d+)?)")
_PAIR_NK = re.compile(r"(-?\d+)\s+([A-Za-z_]+)")


@dataclass(frozen=True)
class Move:
    """One parsed message.

    Attributes:
        kind: ``"propose"``, ``"accept"``, ``"reject"`` or ``"talk"``.
        proposal: for ``"propose"``: item -> count the speaker takes (every pool item present).
        error: why the move could not be understood (the message is malformed); None if fine.
    """

    kind: Literal["propose", "accept", "reject", "talk"]
    proposal: dict[str, int] | None = None
    error: str | None = None


def format_proposal(allocation: Mapping[str, int]) -> str:
    """``PROPOSE {...}`` for ``allocation`` (the counts the speaker takes)."""
    return "PROPOSE " + json.dumps({k: int(v) for k, v in allocation.items()})


def match_item(name: str, items: list[str]) -> str | None:
    """The pool item ``name`` refers to (case, plural and small typos forgiven), or None."""
    key = name.strip().lower()
    for item in items:
        low = item.lower()
        if key in (low, low.rstrip("s"), low + "s", low.removesuffix("es")):
            return item
    close = difflib.get_close_matches(key, [i.lower() for i in items], n=1, cutoff=0.8)
    if close:
        return next(i for i in items if i.lower() == close[0])
    return None


def _loads_lenient(blob: str) -> Any:
    try:
        return json.loads(blob)
    except ValueError:
        pass
    fixed = blob.replace("'", '"')
    fixed = re.sub(r",\s*([}\]])", r"\1", fixed)
    fixed = re.sub(r"([{,]\s*)([A-Za-z_][A-Za-z_ ]*?)\s*:", r'\1"\2":', fixed)
    try:
        return json.loads(fixed)
    except ValueError:
        return None


def _to_count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+(\.0+)?\s*", value):
        return int(float(value))
    return None


def parse_allocation(segment: str, pool: Mapping[str, int]) -> tuple[dict[str, int] | None, str | None]:
    """Read item counts from the text after ``PROPOSE``; returns ``(allocation, error)``."""
    items = list(pool)
    pairs: list[tuple[str, Any]] = []
    brace = re.search(r"\{[^{}]*\}", segment)
    if brace:
        data = _loads_lenient(brace.group(0))
        if isinstance(data, dict):
            pairs = list(data.items())
    if not pairs:
        pairs = [(k, v) for k, v in _PAIR_KV.findall(segment)]
    if not pairs:
        pairs = [(k, v) for v, k in _PAIR_NK.findall(segment)]
    if not pairs:
        return None, f"no item counts found after PROPOSE; expected e.g. {EXAMPLE_PROPOSAL}"
    allocation = dict.fromkeys(items, 0)
    seen: set[str] = set()
    for raw_name, raw_value in pairs:
        item = match_item(str(raw_name), items)
        if item is None:
            return None, f"unknown item {str(raw_name)!r}; the items are {', '.join(items)}"
        count = _to_count(raw_value)
        if count is None:
            return None, f"the count for {item} must be a whole number, got {raw_value!r}"
        if count < 0 or count > int(pool[item]):
            return None, f"you can take 0 to {pool[item]} {item}, not {count}"
        if item in seen and allocation[item] != count:
            return None, f"{item} is given two different counts"
        seen.add(item)
        allocation[item] = count
    return allocation, None


def _negated(text: str, start: int) -> bool:
    return bool(_NEGATION.search(text[max(0, start - 40) : start]))


def parse_move(text: str, pool: Mapping[str, int]) -> Move:
    """Parse one message into a :class:`Move` (see the module docstring for the rules)."""
    strict = list(_STRICT.finditer(text))
    if strict:
        first = strict[0].group(1)
        if first == "ACCEPT":
            return Move("accept")
        proposals = [m for m in strict if m.group(1) == "PROPOSE"]
        if proposals:
            start = proposals[0].end()
            nxt = next((m.start() for m in strict if m.start() >= start), len(text))
            allocation, error = parse_allocation(text[start:nxt], pool)
            if error:
                return Move("propose", error=error)
            return Move("propose", proposal=allocation)
        return Move("reject")
    for m in _LOOSE.finditer(text):
        word = m.group(1).lower()
        if word.startswith("propos"):
            allocation, error = parse_allocation(text[m.end() :], pool)
            if allocation is not None:
                return Move("propose", proposal=allocation)
            continue
        if _negated(text, m.start()):
            continue
        return Move("accept") if word.startswith("accept") else Move("reject")
    return Move("talk")
