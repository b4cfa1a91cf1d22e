"""Text actions of the web envs and their parser.

============================  =====================================================================
``click(id)``                 follow a link, press a button, toggle a checkbox, pick a radio button
``type(id, "text")``          replace a textbox's value; a trailing ``\\n`` also submits its form
``select(id, "option")``      choose an option of a combobox by its label or value
``scroll("down" | "up")``     move the text viewport (and the browser's) by one screen
``goto("/shop/cart")``        open a URL of this site (a path, or the full ``http://127.0.0.1:...`` URL)
``back()``                    go back one page
``answer("text")``            finish the episode with a final answer
============================  =====================================================================

Arguments are Python literals (``click(12)`` and ``click("12")`` both work). A string that does not parse
raises :class:`ActionSyntaxError`, whose message the env shows as feedback instead of crashing.

Example:
    >>> parse_action('type(4, "blue shirt")')
    Action(name='type', args=(4, 'blue shirt'))
    >>> parse_action("scroll(down)")
    Action(name='scroll', args=('down',))
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

from rewardgym.errors import InvalidActionError

__all__ = ["ACTION_HELP", "Action", "ActionSyntaxError", "parse_action"]

ACTION_HELP = (
    'Actions: click(id), type(id, "text"), select(id, "option"), scroll("down"|"up"), goto("/path"), '
    'back(), answer("text")'
)
_SIGNATURES: dict[str, tuple[type, ...]] = {
    "click": (int,),
    "type": (int, str),
    "select": (int, str),
    "scroll": (str,),
    "goto": (str,),
    "back": (),
    "answer": (str,),
}
_CALL = re.compile(r"^\s*([A-Za-z_]+)\s*\((.*)\)\s*;?\s*$", re.DOTALL)
_BARE = re.compile(r"^[A-Za-z_]+$")


class ActionSyntaxError(InvalidActionError):
    """An action string that is not one of the documented actions; the message says what is expected."""


@dataclass(frozen=True)
class Action:
    """A parsed action: ``name`` and positional ``args``."""

    name: str
    args: tuple[Any, ...]

    def __str__(self) -> str:
        return f"{self.name}({', '.join(repr(a) for a in self.args)})"


def _literal(text: str) -> Any:
    text = text.strip()
    if _BARE.match(text):
        return text  # scroll(down), click(a) -> handled below
    return ast.literal_eval(text)


def parse_action(text: Any) -> Action:
    """Parse one action string.

    Raises:
        ActionSyntaxError: not a string, unknown action name, wrong number or type of arguments.
    """
    if not isinstance(text, str):
        raise ActionSyntaxError(
            f"actions are strings like 'click(3)', got {type(text).__name__}. {ACTION_HELP}"
        )
    m = _CALL.match(text)
    if m is None:
        raise ActionSyntaxError(f"could not parse action {text[:80]!r}. {ACTION_HELP}")
    name, raw = m.group(1).lower(), m.group(2).strip()
    if name not in _SIGNATURES:
        raise ActionSyntaxError(f"unknown action {name!r}. {ACTION_HELP}")
    try:
        if not raw:
            args: tuple[Any, ...] = ()
        else:
            node = ast.parse(f"f({raw})", mode="eval").body
            if not isinstance(node, ast.Call) or node.keywords:
                raise ValueError("keyword arguments are not supported")
            args = tuple(_literal(ast.get_source_segment(f"f({raw})", a) or "") for a in node.args)
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError) as exc:
        raise ActionSyntaxError(
            f"could not read the arguments of {text[:80]!r} ({exc}). {ACTION_HELP}"
        ) from exc
    expected = _SIGNATURES[name]
    if len(args) != len(expected):
        raise ActionSyntaxError(f"{name} takes {len(expected)} argument(s), got {len(args)}. {ACTION_HELP}")
    out = []
    for value, kind in zip(args, expected):
        if kind is int:
            value = str(value).strip().lstrip("[").rstrip("]")
            if not value.isdigit():
                raise ActionSyntaxError(f"{name} expects an element id (a number like 12), got {args[0]!r}")
            value = int(value)
        elif not isinstance(value, (str, int, float)):
            raise ActionSyntaxError(f"{name} expects text, got {value!r}")
        else:
            value = str(value)
        out.append(value)
    return Action(name, tuple(out))
