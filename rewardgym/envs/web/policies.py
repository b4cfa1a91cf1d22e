"""Scripted policies for the web envs: helpers to read the text observation, and a random baseline.

The experts (one per app, in ``tasks/<app>.py``) and :class:`RandomPolicy` read only what an agent reads: the
``page`` text, the ``url`` and the ``goal`` of the observation. They work unchanged on both backends.

Example:
    >>> els = elements('[3] textbox "Search" value="shirt"\\n[4] button "Search"')
    >>> find(els, "button", "Search").rid, find(els, "textbox", "Search").value
    (4, 'shirt')
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["El", "ExpertPolicy", "RandomPolicy", "elements", "find", "find_all"]

_LINE = re.compile(r'^\[(\d+)\] (\w+) "([^"]*)"(.*)$')
_VALUE = re.compile(r' value="([^"]*)"')
_OPTIONS = re.compile(r" options: (.*)$")


@dataclass(frozen=True)
class El:
    """An interactive element read from a page line."""

    rid: int
    role: str
    name: str
    value: str
    options: tuple[str, ...]
    checked: bool
    line: int


def elements(page: str) -> list[El]:
    """Every interactive element on ``page`` text, in order."""
    out = []
    for i, line in enumerate(page.splitlines()):
        m = _LINE.match(line)
        if not m:
            continue
        rid, role, name, rest = int(m.group(1)), m.group(2), m.group(3), m.group(4)
        v = _VALUE.search(rest)
        o = _OPTIONS.search(rest)
        opts = tuple(x.strip() for x in o.group(1).split(",")) if o else ()
        out.append(El(rid, role, name, v.group(1) if v else "", opts, rest.strip().startswith("checked"), i))
    return out


def find_all(els: list[El], role: str, name: str | None = None) -> list[El]:
    """Elements with ``role`` whose name equals ``name`` (case-insensitive; any name when None)."""
    return [e for e in els if e.role == role and (name is None or e.name.lower() == name.lower())]


def find(els: list[El], role: str, name: str) -> El | None:
    """The first element with ``role`` and ``name``, or None."""
    found = find_all(els, role, name)
    return found[0] if found else None


def quote(text: str) -> str:
    """``text`` as a double-quoted action argument."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ExpertPolicy:
    """Base of the scripted experts: a reactive policy that decides from the current page.

    Subclasses implement :meth:`act`; :meth:`__call__` parses the observation first and scrolls down
    when the page says more lines follow and :meth:`act` found nothing to do on the visible part.
    """

    def __init__(self, task: Any) -> None:
        self.task = task
        self.p: Mapping[str, Any] = task.params
        self.steps = 0

    def __call__(self, obs: Any) -> str:
        page, link = (obs["page"], obs["url"]) if isinstance(obs, Mapping) else _split_text_obs(obs)
        self.steps += 1
        parts = urlsplit(link)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        action = self.act(parts.path, query, page, elements(page))
        if action is None:
            if "scroll('down') for more" in page:
                return 'scroll("down")'
            return f"goto({quote(self.task.start_url)})"
        return action

    def act(self, path: str, query: Mapping[str, str], page: str, els: list[El]) -> str | None:
        """The next action on this page, or None when the visible part offers nothing."""
        raise NotImplementedError

    @staticmethod
    def fill(els: list[El], wanted: list[tuple[str, str, str]]) -> str | None:
        """The first action that brings a form to ``wanted`` ``(role, name, value)``; None when it is there.

        Roles: ``textbox`` (typed), ``combobox`` (selected by label), ``checkbox`` / ``radio`` (value
        ``"on"`` or ``"off"``).
        """
        for role, name, value in wanted:
            el = find(els, role, name)
            if el is None:
                continue
            if role == "textbox" and el.value != value:
                return f"type({el.rid}, {quote(value)})"
            if role == "combobox" and el.value.lower() != value.lower():
                return f"select({el.rid}, {quote(value)})"
            if role in ("checkbox", "radio") and el.checked != (value == "on"):
                return f"click({el.rid})"
        return None


def _split_text_obs(obs: str) -> tuple[str, str]:
    url_line = next((ln for ln in obs.splitlines() if ln.startswith("URL: ")), "URL: /")
    return obs, url_line[5:]


class RandomPolicy:
    """Uniformly random *valid-looking* actions on the current page (a stronger baseline than random text).

    Args:
        seed: seeds the choices.
        words: text it may type (defaults to a few generic words).
    """

    def __init__(self, seed: int = 0, words: list[str] | None = None) -> None:
        self.rng = random.Random(seed)
        self.words = words or [
            "shirt",
            "blue",
            "Ana Silva",
            "12 Elm Street",
            "hello",
            "2026-05-01",
            "test@example.com",
        ]

    def __call__(self, obs: Any) -> str:
        page = obs["page"] if isinstance(obs, Mapping) else obs
        els = elements(page)
        r = self.rng.random()
        if not els or r < 0.05:
            return self.rng.choice(['scroll("down")', 'scroll("up")', "back()"])
        el = self.rng.choice(els)
        if el.role == "textbox":
            return f"type({el.rid}, {quote(self.rng.choice(self.words))})"
        if el.role == "combobox" and el.options:
            return f"select({el.rid}, {quote(self.rng.choice(el.options))})"
        return f"click({el.rid})"
