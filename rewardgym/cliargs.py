"""Argument types shared by every ``rewardgym`` sub-command (the top-level CLI and the families' commands).

Each turns a user mistake into an ``argparse`` error, which the ``rewardgym`` command prints as one
``rewardgym: error: ...`` line (exit code 2). This module imports nothing heavy.

Example:
    >>> json_object_arg('{"size": 7}')
    {'size': 7}
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

__all__ = ["existing_file", "json_object_arg", "output_dir", "reward_arg"]


def json_object_arg(text: str) -> dict[str, Any]:
    """argparse ``type=`` for options that take a JSON object, e.g. ``--env-kwargs '{"size": 7}'``."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"expected a JSON object, got {text!r} ({exc})") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"expected a JSON object, got {text!r}")
    return value


def existing_file(text: str) -> Path:
    """argparse ``type=`` for a file that must exist."""
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(
            f"{text!r} is a folder, not a file" if path.is_dir() else f"no such file: {text!r}"
        )
    return path


def output_dir(text: str) -> Path:
    """argparse ``type=`` for an output folder: it may not exist yet, but must not be a file."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a file; expected a folder to write into")
    return path


def reward_arg(text: str) -> Any:
    """argparse ``type=`` for a reward: a registered name, or a JSON spec object (``{"sum": {...}}``)."""
    return json_object_arg(text) if text.lstrip().startswith("{") else text
