"""The ``chromium`` backend: Playwright driving the system Chromium (runs the pages' JavaScript).

The browser is launched once per env (on its first reset) with the flags below, and reused across
episodes: a reset only restores the server-side session and loads the start page. All Playwright calls
run on one worker thread owned by the backend, because Playwright's sync API is bound to the thread that
started it; an env can therefore be stepped from any thread.

After every action the backend stamps ``data-rgid`` on the interactive elements (the same selector and
document order as the HTTP backend), copies live form values into attributes, marks elements the page's
CSS hides, and hands the serialized DOM to :mod:`rewardgym.envs.web.dom`: both backends render pages
with the same ids and the same text.

Needs ``apt-get install -y chromium`` and ``pip install "rewardgym[web]"`` (``playwright install`` is not
needed: the system browser is used).

Example:
    >>> from rewardgym.envs.web.apps.server import acquire_server, release_server
    >>> server = acquire_server()
    >>> b = ChromiumBackend()
    >>> b.open(server.base_url, server.create_tenant())
    >>> b.goto(server.base_url + "/shop/cart")
    ''
    >>> b.document.title
    'Shop - Cart'
    >>> b.close(); release_server(server)
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np

from rewardgym.envs.web.apps.server import COOKIE
from rewardgym.envs.web.backends.base import Backend
from rewardgym.envs.web.dom import INTERACTIVE_SELECTOR, Document, Node, parse_document
from rewardgym.errors import MissingDependencyError, require

__all__ = ["CHROMIUM_ARGS", "ChromiumBackend", "find_chromium"]

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
T = TypeVar("T")

_STAMP_JS = """(sel) => {
  for (const e of document.querySelectorAll('[data-rghidden]')) e.removeAttribute('data-rghidden');
  if (document.body) for (const e of document.body.querySelectorAll('*')) {
    const s = getComputedStyle(e);
    if (s.display === 'none' || s.visibility === 'hidden') e.setAttribute('data-rghidden', '');
  }
  let i = 0;
  for (const el of document.querySelectorAll(sel)) {
    el.setAttribute('data-rgid', String(++i));
    const t = (el.getAttribute('type') || '').toLowerCase();
    if (el.tagName === 'INPUT') {
      if (t === 'checkbox' || t === 'radio') {
        if (el.checked) el.setAttribute('checked', ''); else el.removeAttribute('checked');
      }
      else el.setAttribute('value', el.value);
    } else if (el.tagName === 'TEXTAREA') { el.setAttribute('value', el.value); }
    else if (el.tagName === 'SELECT') {
      for (const o of el.options) {
        if (o.selected) o.setAttribute('selected', ''); else o.removeAttribute('selected');
      }
    }
  }
  const seen = window.__rgSeen === true;
  window.__rgSeen = true;
  return [location.href, document.documentElement.outerHTML, seen];
}"""


def find_chromium() -> str | None:
    """Path of the system Chromium (``chromium``, ``chromium-browser`` or ``google-chrome``), or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class ChromiumBackend(Backend):
    """Browse with Playwright and the system Chromium.

    Args:
        viewport: ``(width, height)`` of the page in CSS pixels (also the screenshot size).
        executable_path: the browser binary; found on ``PATH`` by default.
        timeout_ms: Playwright's timeout for one operation.
    """

    name = "chromium"
    supports_screenshots = True

    def __init__(
        self,
        viewport: tuple[int, int] = (800, 600),
        executable_path: str | None = None,
        timeout_ms: int = 10_000,
    ) -> None:
        self.viewport = (int(viewport[0]), int(viewport[1]))
        self.executable_path = executable_path
        self.timeout_ms = int(timeout_ms)
        self._pool: ThreadPoolExecutor | None = None
        self._doc: Document | None = None
        self._status = 200
        self._depth = 0
        self._pw: Any = None
        self._browser: Any = None
        self._page: Any = None

    # ---- worker thread -------------------------------------------------------------------------------
    def _call(self, fn: Callable[..., T], *args: Any) -> T:
        assert self._pool is not None, "open() first"
        return self._pool.submit(fn, *args).result()

    def open(self, base_url: str, session: str) -> None:
        require("playwright.sync_api", "web", "playwright")
        path = self.executable_path or find_chromium()
        if path is None:
            raise MissingDependencyError("Chromium", "apt-get install -y chromium chromium-driver")
        self._origin = base_url.rstrip("/")
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="rewardgym-chromium")
        try:
            self._call(self._launch, path, session)
        except BaseException:
            self.close()
            raise

    def _launch(self, path: str, session: str) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self._browser = self._pw.chromium.launch(
            executable_path=path, args=list(CHROMIUM_ARGS), headless=True
        )
        context = self._browser.new_context(viewport={"width": self.viewport[0], "height": self.viewport[1]})
        context.add_cookies([{"name": COOKIE, "value": session, "url": self._origin + "/"}])
        self._page = context.new_page()
        self._page.set_default_timeout(self.timeout_ms)
        self._page.on("response", self._on_response)

    def _on_response(self, response: Any) -> None:
        if response.request.resource_type == "document" and response.frame == self._page.main_frame:
            self._status = response.status

    def _snapshot(self) -> bool:
        """Read the page into ``self._doc``; True when it is a document not seen before."""
        href, html, seen = self._page.evaluate(_STAMP_JS, INTERACTIVE_SELECTOR)
        self._doc = parse_document(html, href, self._status)
        return not seen

    def _run(self, op: Callable[[], Any], *, navigates: bool, count: bool = True) -> str:
        from playwright.sync_api import Error as PlaywrightError

        feedback = ""
        try:
            if navigates:
                with self._page.expect_navigation(wait_until="load", timeout=self.timeout_ms):
                    op()
            else:
                op()
        except PlaywrightError as exc:
            feedback = f"the browser could not do that: {str(exc).splitlines()[0][:300]}"
        for attempt in (0, 1):
            try:
                if self._snapshot() and count:
                    self._depth += 1
                break
            except PlaywrightError as exc:  # the page navigated on its own while being read
                if attempt:
                    return f"the page could not be read: {str(exc).splitlines()[0][:300]}"
                self._page.wait_for_load_state("load")
        return feedback

    # ---- Backend API ---------------------------------------------------------------------------------
    @property
    def document(self) -> Document:
        if self._doc is None:
            raise RuntimeError("no page loaded yet: call goto() first")
        return self._doc

    def reset_history(self) -> None:
        self._depth = -1  # the next load is the episode's first page

    def goto(self, url: str) -> str:
        if not url.startswith(self._origin + "/"):
            return f"only pages of this site ({self._origin}) can be opened"
        return self._call(lambda: self._run(lambda: self._page.goto(url, wait_until="load"), navigates=False))

    def back(self) -> str:
        def op() -> str:
            if self._depth <= 0:
                return "there is no previous page"
            self._depth -= 1
            return self._run(lambda: self._page.go_back(wait_until="load"), navigates=False, count=False)

        return self._call(op)

    def _locator(self, node: Node) -> Any:
        return self._page.locator(f'[data-rgid="{node.rid}"]')

    def click(self, node: Node) -> str:
        role = node.role
        href = (node.attrs.get("href") or "").strip()
        in_form = node.ancestor("form") is not None
        kind = (node.attrs.get("type") or "submit").lower()
        navigates = (role == "link" and bool(href) and not href.startswith(("#", "javascript:"))) or (
            role == "button" and in_form and kind == "submit"
        )
        return self._call(
            lambda: self._run(lambda: self._locator(node).click(force=True), navigates=navigates)
        )

    def type(self, node: Node, text: str, submit: bool) -> str:
        def op() -> None:
            loc = self._locator(node)
            loc.fill(text)
            if submit:
                loc.press("Enter")

        return self._call(lambda: self._run(op, navigates=submit and node.ancestor("form") is not None))

    def select(self, node: Node, value: str) -> str:
        return self._call(
            lambda: self._run(lambda: self._locator(node).select_option(value=value), navigates=False)
        )

    def scroll(self, direction: int) -> None:
        self._call(
            lambda: self._page.evaluate("(d) => window.scrollBy(0, d * window.innerHeight * 0.8)", direction)
        )

    def screenshot(self) -> np.ndarray:
        image = require("PIL.Image", "web", "pillow")
        png = self._call(lambda: self._page.screenshot(type="png"))
        return np.asarray(image.open(io.BytesIO(png)).convert("RGB"), dtype=np.uint8)

    def close(self) -> None:
        if self._pool is None:
            return

        def shutdown() -> None:
            try:
                if self._browser is not None:
                    self._browser.close()
            finally:
                if self._pw is not None:
                    self._pw.stop()

        try:
            self._pool.submit(shutdown).result(timeout=30)
        finally:
            self._pool.shutdown(wait=True)
            self._pool = None
            self._browser = self._pw = self._page = None
