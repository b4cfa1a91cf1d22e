"""The browser-side interface both backends implement, and :func:`make_backend`.

A backend opens the site with the env's session cookie, performs the element-level operations the
actions map to, and exposes the current page as a parsed :class:`~rewardgym.envs.web.dom.Document`.
Operations return a feedback string (``""`` when all went well) instead of raising on things an agent
can cause, such as clicking a button that does nothing.

- ``http`` (:class:`~rewardgym.envs.web.backends.http.HttpBackend`): real HTTP requests and an HTML
  parser, no JavaScript. Fast; needs nothing beyond the standard library.
- ``chromium`` (:class:`~rewardgym.envs.web.backends.chromium.ChromiumBackend`): Playwright driving the
  system Chromium. Runs the pages' JavaScript and can take screenshots.

Example:
    >>> backend = make_backend("http")
    >>> backend.name
    'http'
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from rewardgym.envs.web.dom import Document, Node
from rewardgym.errors import EnvConfigError

__all__ = ["BACKENDS", "Backend", "make_backend"]

BACKENDS = ("http", "chromium")


class Backend(ABC):
    """A client that browses the local site on behalf of one env."""

    name: str = ""
    supports_screenshots: bool = False

    @abstractmethod
    def open(self, base_url: str, session: str) -> None:
        """Start the client for ``base_url`` with the session cookie value ``session``."""

    @property
    @abstractmethod
    def document(self) -> Document:
        """The current page."""

    @abstractmethod
    def goto(self, url: str) -> str:
        """Load the absolute ``url`` (same origin). Returns feedback."""

    @abstractmethod
    def click(self, node: Node) -> str:
        """Click an interactive element of the current page. Returns feedback."""

    @abstractmethod
    def type(self, node: Node, text: str, submit: bool) -> str:
        """Set a textbox's value (and press Enter when ``submit``). Returns feedback."""

    @abstractmethod
    def select(self, node: Node, value: str) -> str:
        """Choose the option with ``value`` in a select. Returns feedback."""

    @abstractmethod
    def back(self) -> str:
        """Go back one page. Returns feedback."""

    def reset_history(self) -> None:  # noqa: B027 - optional hook
        """Forget the pages visited so far, so ``back()`` cannot leave the next episode."""

    def scroll(self, direction: int) -> None:  # noqa: B027 - optional hook
        """Scroll the page by one screen (``+1`` down, ``-1`` up); the text viewport scrolls in the env."""

    def screenshot(self) -> np.ndarray:
        """An (H, W, 3) uint8 screenshot of the viewport."""
        raise EnvConfigError(f"the {self.name!r} backend cannot take screenshots; use backend='chromium'")

    @abstractmethod
    def close(self) -> None:
        """Release the client (idempotent)."""


def make_backend(name: str, **options: Any) -> Backend:
    """Build a backend by name (``http`` or ``chromium``).

    Raises:
        EnvConfigError: unknown backend name or options.
    """
    if name == "http":
        from rewardgym.envs.web.backends.http import HttpBackend

        if options:
            raise EnvConfigError(f"the http backend takes no options, got {sorted(options)}")
        return HttpBackend()
    if name == "chromium":
        from rewardgym.envs.web.backends.chromium import ChromiumBackend

        try:
            return ChromiumBackend(**options)
        except TypeError as exc:
            raise EnvConfigError(f"bad chromium backend options {sorted(options)}: {exc}") from exc
    raise EnvConfigError(f"backend must be one of {list(BACKENDS)}, got {name!r}")
