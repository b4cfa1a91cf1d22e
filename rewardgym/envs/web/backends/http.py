"""The ``http`` backend: a minimal browser made of ``http.client`` and the stdlib HTML parser.

It keeps one keep-alive connection to the local server, sends the session cookie, follows redirects,
submits forms the way a browser does (GET query or urlencoded POST, the clicked button's name/value,
checked boxes only), and keeps a history for ``back()``. It does not run JavaScript: pages work without it
(the apps render everything on the server and use scripts only for live extras).

Example:
    >>> from rewardgym.envs.web.apps.server import acquire_server, release_server
    >>> server = acquire_server()
    >>> b = HttpBackend()
    >>> b.open(server.base_url, server.create_tenant())
    >>> b.goto(server.base_url + "/shop/cart")
    ''
    >>> b.document.title
    'Shop - Cart'
    >>> b.close(); release_server(server)
"""

from __future__ import annotations

import http.client
import socket
from urllib.parse import urlencode, urljoin, urlsplit

from rewardgym.envs.web.apps.server import COOKIE
from rewardgym.envs.web.backends.base import Backend
from rewardgym.envs.web.dom import Document, Node, parse_document

__all__ = ["HttpBackend"]

_MAX_REDIRECTS = 8


class HttpBackend(Backend):
    """Browse with real HTTP requests and parsed HTML (no JavaScript)."""

    name = "http"

    def __init__(self) -> None:
        self._conn: http.client.HTTPConnection | None = None
        self._doc: Document | None = None
        self._history: list[str] = []
        self._origin = ""
        self._cookie = ""

    def open(self, base_url: str, session: str) -> None:
        parts = urlsplit(base_url)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._cookie = f"{COOKIE}={session}"
        self._connect()

    def _connect(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = http.client.HTTPConnection(self._host, self._port, timeout=30)
        self._conn.connect()
        self._conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    @property
    def document(self) -> Document:
        if self._doc is None:
            raise RuntimeError("no page loaded yet: call goto() first")
        return self._doc

    def _fetch(self, method: str, url: str, body: str | None = None) -> Document:
        for _ in range(_MAX_REDIRECTS):
            parts = urlsplit(url)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            headers = {"Cookie": self._cookie, "Host": parts.netloc}
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            for attempt in (0, 1):
                try:
                    assert self._conn is not None
                    self._conn.request(method, path, body=body, headers=headers)
                    resp = self._conn.getresponse()
                    data = resp.read()
                    break
                except (http.client.HTTPException, OSError):
                    if attempt:
                        raise
                    self._connect()  # the server closed an idle keep-alive connection
            if resp.status in (301, 302, 303, 307, 308) and resp.getheader("Location"):
                url = urljoin(url, resp.getheader("Location") or "")
                if resp.status in (301, 302, 303):
                    method, body = "GET", None
                continue
            return parse_document(data.decode("utf-8", "replace"), url, resp.status)
        return parse_document("<title>Too many redirects</title><h1>Too many redirects</h1>", url, 508)

    def _navigate(self, method: str, url: str, body: str | None = None) -> str:
        if not url.startswith(self._origin + "/"):
            return f"only pages of this site ({self._origin}) can be opened"
        try:
            self._doc = self._fetch(method, url, body)
        except (http.client.HTTPException, OSError) as exc:
            return f"the page could not be loaded ({type(exc).__name__}: {exc})"
        self._history.append(self._doc.url)
        return ""

    def reset_history(self) -> None:
        self._history.clear()

    def __getstate__(self) -> dict[str, object]:
        """Pickle / deep-copy without the connection; :meth:`rebind` gives the copy its server and session."""
        return {**self.__dict__, "_conn": None}

    def rebind(self, base_url: str, session: str) -> None:
        """Continue this browser (page, form values typed so far, history) on another server or session:
        URLs of the old origin are moved to the new one."""
        old = self._origin
        self.open(base_url, session)
        if not old or old == self._origin:
            return
        def moved(url: str) -> str:
            return self._origin + url[len(old) :] if url.startswith(old + "/") else url

        if self._doc is not None:
            self._doc.url = moved(self._doc.url)
        self._history = [moved(u) for u in self._history]

    def goto(self, url: str) -> str:
        return self._navigate("GET", url)

    def back(self) -> str:
        if len(self._history) < 2:
            return "there is no previous page"
        self._history.pop()
        previous = self._history.pop()
        return self._navigate("GET", previous)

    def click(self, node: Node) -> str:
        role = node.role
        if role == "link":
            href = (node.attrs.get("href") or "").strip()
            if not href or href.startswith(("#", "javascript:")):
                return "clicked; the link does not lead to another page"
            return self._navigate("GET", urljoin(self.document.url, href))
        if role in ("checkbox", "radio"):
            if role == "checkbox":
                if node.checked:
                    node.attrs.pop("checked", None)
                else:
                    node.attrs["checked"] = ""
            else:
                form = node.ancestor("form")
                for other in (form or self.document.root).iter():
                    if other.role == "radio" and other.attrs.get("name") == node.attrs.get("name"):
                        other.attrs.pop("checked", None)
                node.attrs["checked"] = ""
            self.document.invalidate()
            return ""
        if role == "button":
            kind = (node.attrs.get("type") or "submit").lower()
            form = node.ancestor("form")
            if kind in ("button", "reset") or form is None:
                return "clicked; nothing happened (the button needs JavaScript; the http backend runs none)"
            return self._submit(form, node)
        return f"clicked the {role}; use type(...) or select(...) to change its value"

    def type(self, node: Node, text: str, submit: bool) -> str:
        node.attrs["value"] = text
        self.document.invalidate()
        if submit:
            form = node.ancestor("form")
            if form is None:
                return "typed; pressing Enter did nothing (the textbox is not in a form)"
            return self._submit(form, None)
        return ""

    def select(self, node: Node, value: str) -> str:
        for v, _, option in node.options():
            if v == value:
                option.attrs["selected"] = ""
            else:
                option.attrs.pop("selected", None)
        self.document.invalidate()
        return ""

    def _submit(self, form: Node, submitter: Node | None) -> str:
        fields: list[tuple[str, str]] = []
        for n in form.iter():
            name = n.attrs.get("name")
            if n is form or not name or "disabled" in n.attrs:
                continue
            if n.tag == "input":
                kind = n.input_type
                if kind in ("submit", "image", "button", "reset"):
                    if n is submitter:
                        fields.append((name, n.attrs.get("value") or ""))
                elif kind in ("checkbox", "radio"):
                    if n.checked:
                        fields.append((name, n.attrs.get("value") or "on"))
                else:
                    fields.append((name, n.value()))
            elif n.tag in ("select", "textarea"):
                fields.append((name, n.value()))
            elif n.tag == "button" and n is submitter:
                fields.append((name, n.attrs.get("value") or ""))
        action = urljoin(self.document.url, form.attrs.get("action") or self.document.url)
        data = urlencode(fields)
        if (form.attrs.get("method") or "get").lower() == "post":
            return self._navigate("POST", action, data)
        return self._navigate("GET", action.split("?", 1)[0] + (f"?{data}" if data else ""))

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
