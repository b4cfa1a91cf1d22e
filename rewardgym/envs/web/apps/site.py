"""The small web framework the local apps are written in: requests, responses, routing and page layout.

An :class:`App` is a server-rendered site mounted under ``/<name>/``. It owns an immutable *world*
(catalogue, hotels, mailbox contents — generated from ``world_seed``) and renders pages from a per-tenant,
JSON-compatible *state* (cart, orders, bookings, sent mail) that the server keeps apart for every env.

Example:
    >>> class Hello(App):
    ...     name = "hello"
    ...     def routes(self):
    ...         return [("GET", r"/", self.home)]
    ...     def home(self, req, state):
    ...         return Response.html(layout("Hello", "<h1>Hi</h1>", app=self))
    >>> app = Hello(world_seed=0)
    >>> app.handle(Request("GET", "/", {}, {}), {}).status
    200
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

__all__ = [
    "App",
    "Request",
    "Response",
    "check_field",
    "esc",
    "input_field",
    "layout",
    "options_html",
    "select_field",
    "url",
]

Handler = Callable[..., "Response"]


def esc(value: Any) -> str:
    """HTML-escape ``value`` (quotes included)."""
    return html.escape(str(value), quote=True)


def url(path: str, **query: Any) -> str:
    """``path`` with a query string built from the non-empty ``query`` values."""
    q = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{path}?{urlencode(q)}" if q else path


def options_html(options: list[tuple[str, str]], selected: str) -> str:
    """``<option>`` tags for ``(value, label)`` pairs, marking ``selected``."""
    return "".join(
        f'<option value="{esc(v)}"{" selected" if v == selected else ""}>{esc(label)}</option>'
        for v, label in options
    )


def input_field(name: str, label: str, value: str = "", kind: str = "text") -> str:
    """A labelled ``<input>`` followed by a line break."""
    return (
        f'<label for="{name}">{esc(label)}</label><input id="{name}" name="{name}" type="{kind}" '
        f'value="{esc(value)}"><br>'
    )


def select_field(name: str, label: str, options: list[tuple[str, str]], selected: str) -> str:
    """A labelled ``<select>`` followed by a line break."""
    return (
        f'<label for="{name}">{esc(label)}</label><select id="{name}" name="{name}">'
        f"{options_html(options, selected)}</select><br>"
    )


def check_field(
    ident: str, name: str, label: str, checked: bool, *, kind: str = "checkbox", value: str = "yes"
) -> str:
    """A checkbox (or radio button) followed by its label."""
    on = " checked" if checked else ""
    return (
        f'<input type="{kind}" id="{ident}" name="{name}" value="{esc(value)}"{on}>'
        f'<label for="{ident}">{esc(label)}</label>'
    )


@dataclass
class Request:
    """One HTTP request as an app sees it.

    Attributes:
        method: ``GET`` or ``POST``.
        path: the path inside the app, starting with ``/`` (``/search`` for ``/shop/search``).
        query: query-string parameters (every value a list, blanks kept).
        form: urlencoded POST body parameters.
    """

    method: str
    path: str
    query: Mapping[str, list[str]]
    form: Mapping[str, list[str]]

    def arg(self, name: str, default: str = "") -> str:
        """First value of ``name`` from the form (POST) or the query string, stripped."""
        for source in (self.form, self.query):
            if source.get(name):
                return source[name][0].strip()
        return default


@dataclass
class Response:
    """A response: status, HTML body and extra headers (``Location`` for redirects)."""

    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"

    @classmethod
    def html(cls, body: str, status: int = 200) -> Response:
        """A rendered page."""
        return cls(status, body)

    @classmethod
    def redirect(cls, location: str) -> Response:
        """A 303 See Other (the Post/Redirect/Get pattern)."""
        return cls(303, "", {"Location": location})


_CSS = """
body{font-family:sans-serif;margin:0;background:#f6f7f9;color:#222}
header{background:#24476b;color:#fff;padding:10px 18px}header a{color:#fff;margin-right:14px}
header .brand{font-weight:bold;font-size:20px;margin-right:24px}
main{padding:14px 18px;max-width:900px}
.card{background:#fff;border:1px solid #ccd;border-radius:6px;padding:10px 12px;margin:8px 0}
.alert{background:#fde8e8;border:1px solid #d55;padding:8px;color:#900}
.ok{background:#e6f6e6;border:1px solid #5a5;padding:8px}
label{display:inline-block;min-width:110px}input,select,textarea{margin:3px 0}
button{background:#2d6cdf;color:#fff;border:0;border-radius:4px;padding:6px 12px}
table{border-collapse:collapse}td,th{border:1px solid #ccd;padding:4px 8px}
.muted{color:#667}
"""


def layout(
    title: str, body: str, *, app: App, nav: list[tuple[str, str]] | None = None, script: str = ""
) -> str:
    """A full HTML page: header bar with the app's navigation, the body, and an optional script."""
    links = "".join(f'<a href="{esc(href)}">{esc(label)}</a>' for label, href in (nav or app.nav()))
    js = f"<script>{script}</script>" if script else ""
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{esc(title)}</title>"
        f"<style>{_CSS}</style></head><body>"
        f"<header><span class='brand'>{esc(app.brand)}</span>{links}</header>"
        f"<main>{body}</main>{js}</body></html>"
    )


class App:
    """Base class of a local web app.

    Subclasses set :attr:`name` and :attr:`brand`, build their world in :meth:`build_world`, describe the
    mutable state in :meth:`initial_state`, list routes in :meth:`routes`, and summarise what tasks are
    graded on in :meth:`outcome`.

    Args:
        world_seed: seeds the app's generated content (catalogue, hotels, mailbox).
    """

    name: str = ""
    brand: str = ""

    def __init__(self, world_seed: int = 0) -> None:
        self.world_seed = int(world_seed)
        self.build_world()
        self._routes = [(m, re.compile(f"^{p}$"), h) for m, p, h in self.routes()]

    def build_world(self) -> None:
        """Generate the immutable content from ``self.world_seed``."""

    def initial_state(self) -> dict[str, Any]:
        """The mutable per-tenant state a fresh session starts from (JSON-compatible)."""
        return {}

    def routes(self) -> list[tuple[str, str, Handler]]:
        """``(method, path regex, handler)``; regex groups are passed to the handler as arguments."""
        return []

    def nav(self) -> list[tuple[str, str]]:
        """Header links ``(label, href)``."""
        return []

    def outcome(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """The part of ``state`` that tasks are graded on (JSON-compatible)."""
        return dict(state)

    def committed(self, state: Mapping[str, Any]) -> bool:
        """Whether the session did something final (placed an order, submitted a booking, sent mail)."""
        return False

    def href(self, path: str, **query: Any) -> str:
        """Absolute site path of an app page: ``href('/search', q='x') == '/shop/search?q=x'``."""
        return url(f"/{self.name}{path}", **query)

    def handle(self, req: Request, state: dict[str, Any]) -> Response:
        """Route ``req`` to its handler (404 page when nothing matches, 405 on a wrong method)."""
        allowed = False
        for method, pattern, handler in self._routes:
            m = pattern.match(req.path)
            if m is None:
                continue
            allowed = True
            if method == req.method:
                return handler(req, state, *m.groups())
        if allowed:
            return Response.html(layout("Method not allowed", "<h1>Method not allowed</h1>", app=self), 405)
        return self.not_found()

    def not_found(self, what: str = "page") -> Response:
        """A 404 page."""
        return Response.html(
            layout("Not found", f"<h1>Not found</h1><p>No such {esc(what)}.</p>", app=self), 404
        )
